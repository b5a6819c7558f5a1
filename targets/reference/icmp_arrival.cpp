// ICMP ARRIVES: RFC 9293 §3.9.2.2 (MUST-54, MUST-55, MUST-56, SHLD-25, SHLD-26) and RFC 1122
// §4.2.3.9, with the quoted-sequence-number check of RFC 5927 §4.1, Path MTU Discovery for a
// "fragmentation needed" / Packet Too Big (RFC 1191 §6.3, RFC 8201; RFC 9293 §3.7.2 recommends
// it, which is why Destination Unreachable code 4 is not treated as a hard error here although
// §3.9.2.2 lists codes 2-4), and TCP-LD's RTO revert (RFC 6069). `icmp_errors` chooses the RFC's
// reaction or Linux's (tcp_v4_err, tcp_v6_err, tcp_req_err); every early return names its rule.
#include <algorithm>
#include <array>
#include <cerrno>

#include "targets/reference/socket.h"
#include "targets/reference/stack.h"

namespace synack::reference {

using net::seq_le;
using net::seq_lt;

namespace {

// What a message means for TCP.
enum class IcmpKind {
  Ignore,        // not an error about a connection (or a code nobody defines)
  SourceQuench,  // MUST-55: silently discarded
  Soft,          // MUST-56: never aborts
  Hard,          // SHLD-26: aborts
  PacketTooBig,  // RFC 1191 / RFC 8201: lowers the path MTU
};

struct Classified {
  IcmpKind kind = IcmpKind::Ignore;
  int err = 0;           // the errno a user sees (Linux's icmp_err_convert / icmpv6_err_convert)
  bool fatal = false;    // Linux's "fatal" flag for the same message
  bool rto_revert = false;  // RFC 6069 §3: net or host unreachable (ICMPv6: no route)
};

// ICMPv4 Destination Unreachable codes 0-15: errno and Linux's fatal flag (icmp_err_convert).
struct UnreachCode {
  int err;
  bool fatal;
};
constexpr std::array<UnreachCode, 16> kV4Unreach = {{
    {ENETUNREACH, false}, {EHOSTUNREACH, false}, {ENOPROTOOPT, true}, {ECONNREFUSED, true},
    {EMSGSIZE, false},    {EOPNOTSUPP, false},   {ENETUNREACH, true}, {EHOSTDOWN, true},
    {ENONET, true},       {ENETUNREACH, true},   {EHOSTUNREACH, true}, {ENETUNREACH, false},
    {EHOSTUNREACH, false}, {EHOSTUNREACH, true}, {EHOSTUNREACH, true}, {EHOSTUNREACH, true},
}};
// ICMPv6 Destination Unreachable codes 0-6 (icmpv6_err_convert's tab_unreach).
constexpr std::array<UnreachCode, 7> kV6Unreach = {{
    {ENETUNREACH, false}, {EACCES, true}, {EHOSTUNREACH, false}, {EHOSTUNREACH, false},
    {ECONNREFUSED, true}, {EACCES, true}, {EACCES, true},
}};

Classified classify(const net::IcmpMessage& m) {
  Classified c;
  if (!m.ipv6()) {
    switch (m.type) {
      case 3:  // Destination Unreachable
        if (m.code >= kV4Unreach.size()) return c;
        c.err = kV4Unreach[m.code].err;
        c.fatal = kV4Unreach[m.code].fatal;
        // RFC 9293 §3.9.2.2: codes 2-4 are hard, 0, 1, 5 soft; code 4 is PMTUD's signal. The
        // codes the RFC does not classify (6-15) are kept soft: they never abort.
        c.kind = m.code == 4 ? IcmpKind::PacketTooBig
                 : (m.code == 2 || m.code == 3) ? IcmpKind::Hard
                                                : IcmpKind::Soft;
        c.rto_revert = m.code == 0 || m.code == 1;
        return c;
      case 4: c.kind = IcmpKind::SourceQuench; return c;
      case 11: return {IcmpKind::Soft, EHOSTUNREACH, false, false};  // Time Exceeded
      case 12: return {IcmpKind::Soft, EPROTO, false, false};        // Parameter Problem
      default: return c;
    }
  }
  switch (m.type) {
    case 1:  // Destination Unreachable (RFC 4443 §3.1)
      if (m.code >= kV6Unreach.size()) return c;
      c.err = kV6Unreach[m.code].err;
      c.fatal = kV6Unreach[m.code].fatal;
      // RFC 9293 §3.9.2.2 lists codes 0 and 3 as soft; port unreachable (4) and administratively
      // prohibited (1) are the ICMPv6 hard errors (RFC 5925 §7.8 names the same two).
      c.kind = (m.code == 1 || m.code == 4) ? IcmpKind::Hard : IcmpKind::Soft;
      c.rto_revert = m.code == 0;
      return c;
    case 2: return {IcmpKind::PacketTooBig, EMSGSIZE, false, false};
    case 3: return {IcmpKind::Soft, EHOSTUNREACH, false, false};  // Time Exceeded
    case 4: return {IcmpKind::Soft, EPROTO, true, false};         // Parameter Problem
    default: return c;
  }
}

// RFC 1191 §7: the plateaus a host may guess from when a router reports no next-hop MTU.
constexpr std::array<std::uint32_t, 11> kMtuPlateaus = {65535, 32000, 17914, 8166, 4352, 2002,
                                                         1492, 1006, 508, 296, 68};

bool is_ipv4_time_or_parameter(const net::IcmpMessage& m) { return m.type == 11 || m.type == 12; }

}  // namespace

void Stack::icmp_arrives(const net::IcmpMessage& m) {
  if (!m.checksum_ok) {
    trace(nullptr, "RFC 792: ICMP message with a bad checksum, discarded");
    return;
  }
  if (!is_local(m.dst) || !is_local(m.quoted.src)) {
    trace(nullptr, "ICMP message not about a segment this host sent, discarded");
    return;
  }
  // MUST-54: the quoted IP header and the first 8 octets of TCP name the connection.
  const auto it = by_tuple_.find(FourTuple{{m.quoted.src, m.quoted.sport}, {m.quoted.dst, m.quoted.dport}});
  if (it == by_tuple_.end()) {
    trace(nullptr, "RFC 9293 3.9.2.2: ICMP error quotes no connection (unknown 4-tuple), ignored");
    return;
  }
  Tcb& tcb = *it->second;
  const Classified c = classify(m);
  if (c.kind == IcmpKind::Ignore) {
    trace(&tcb, "RFC 9293 3.9.2.2: ICMP message is not an error TCP acts on, ignored");
    return;
  }
  if (tcb.state == State::TimeWait) {
    // Nothing is outstanding and no user waits; aborting early would only shorten TIME-WAIT.
    trace(&tcb, "RFC 9293 3.9.2.2: ICMP error for a connection in TIME-WAIT, ignored");
    return;
  }
  const bool linux_model = cfg_.icmp_errors == IcmpErrorModel::Linux;
  const bool embryonic = tcb.state == State::SynReceived && tcb.passive;  // no user yet
  // RFC 5927 §4.1: only a message quoting a sequence number in flight is credible. Linux checks
  // a connection not yet accepted against its ISN (tcp_req_err).
  const std::uint32_t seq = m.quoted.seq;
  const bool credible =
      linux_model && embryonic ? seq == tcb.iss
      : cfg_.icmp_seq_check == IcmpSeqCheck::Inclusive
          ? seq_le(tcb.snd_una, seq) && seq_le(seq, tcb.snd_nxt)
          : seq_le(tcb.snd_una, seq) && seq_lt(seq, tcb.snd_nxt);
  if (!credible) {
    trace(&tcb, cfg_.icmp_seq_check == IcmpSeqCheck::Inclusive
                    ? "RFC 5927 4.1: quoted sequence number outside [SND.UNA, SND.NXT], ICMP ignored"
                    : "RFC 5927 4.1: quoted sequence number outside [SND.UNA, SND.NXT), ICMP ignored");
    return;
  }
  if (c.kind == IcmpKind::SourceQuench) {
    trace(&tcb, "RFC 9293 3.9.2.2 (MUST-55): ICMP Source Quench silently discarded");
    return;
  }
  if (c.kind == IcmpKind::PacketTooBig) {
    std::uint32_t mtu = m.mtu;
    // A router that sends no next-hop MTU (RFC 1191 §5): guess the plateau below the quoted
    // datagram's size (Linux instead falls back to its min_pmtu).
    if (mtu == 0 && !m.ipv6() && !linux_model) {
      const std::uint32_t size = 40u + m.quoted.payload_length;
      mtu = kMtuPlateaus.back();
      for (const std::uint32_t p : kMtuPlateaus) {
        if (p < size) {
          mtu = p;
          break;
        }
      }
    }
    icmp_packet_too_big(tcb, mtu, m.ipv6());
    return;
  }
  if (linux_model) {
    if (tcb.state == State::SynSent || (tcb.state == State::SynReceived && !tcb.passive)) {
      icmp_hard_error(tcb, c.err,
                      "Linux tcp_v4_err/tcp_v6_err: any ICMP error during the handshake aborts the "
                      "connection (RFC 5461 4: soft errors treated as hard in SYN-SENT)");
      return;
    }
    if (embryonic) {
      // tcp_req_err: IPv4 drops the request on the soft errors, IPv6 on the "fatal" ones.
      const bool drop = m.ipv6() ? c.fatal : (is_ipv4_time_or_parameter(m) || c.rto_revert);
      if (!drop) {
        trace(&tcb, "Linux tcp_req_err: ICMP error for a connection not yet accepted, ignored");
        return;
      }
      trace(&tcb, "Linux tcp_req_err: ICMP error for a connection not yet accepted, request dropped");
      icmp_hard_error(tcb, 0, "Linux tcp_req_err: embryonic connection removed silently, CLOSED");
      return;
    }
    if (cfg_.icmp_rto_revert && c.rto_revert && seq == tcb.snd_una) icmp_rto_revert(tcb);
    // tcp_v4_err: "If we've already connected we will keep trying until we time out".
    icmp_soft_error(tcb, c.err,
                    c.kind == IcmpKind::Hard
                        ? "Linux tcp_v4_err: hard ICMP error in a synchronized state does not abort "
                          "(RFC 5461), kept as a soft error"
                        : "RFC 9293 3.9.2.2 (MUST-56): soft ICMP error, connection not aborted");
    return;
  }
  if (c.kind == IcmpKind::Hard) {
    if (embryonic) {
      icmp_hard_error(tcb, 0,
                      "RFC 9293 3.9.2.2 (SHLD-26): hard ICMP error, embryonic connection dropped, "
                      "the listener keeps listening");
      return;
    }
    icmp_hard_error(tcb, c.err, "RFC 9293 3.9.2.2 (SHLD-26): hard ICMP error, connection aborted");
    return;
  }
  if (cfg_.icmp_rto_revert && c.rto_revert && seq == tcb.snd_una) icmp_rto_revert(tcb);
  icmp_soft_error(tcb, c.err, "RFC 9293 3.9.2.2 (MUST-56): soft ICMP error, connection not aborted");
}

void Stack::icmp_soft_error(Tcb& tcb, int err, const char* rule) {
  trace(&tcb, rule);
  // SHLD-25 / MUST-47: the user learns of it at once when it asked to (IP_RECVERR: SO_ERROR,
  // the next call, POLLERR), otherwise when the connection times out (RFC 1122 §4.2.3.9
  // DISCUSSION: "note the message and report it ... only when and if the connection times out").
  if (tcb.opts.recverr) {
    tcb.error = err;
    trace(&tcb, "RFC 9293 3.9.2.2 (SHLD-25): ICMP error reported to the user at once (IP_RECVERR)");
  } else {
    tcb.soft_error = err;
    trace(&tcb, "RFC 1122 4.2.3.9: ICMP error remembered, reported if the connection times out");
  }
}

void Stack::icmp_hard_error(Tcb& tcb, int err, const char* rule) {
  // The connection ends without a RST (the path is broken; nothing would reach the peer). `err`
  // 0: no user to tell (a connection not yet accepted).
  terminate(tcb, err, rule);
  sweep();  // `tcb` may be gone now
}

void Stack::icmp_packet_too_big(Tcb& tcb, std::uint32_t mtu, bool ipv6) {
  if (!is_synchronized(tcb.state)) {
    // The SYN and SYN-ACK carry no data; the segment size is chosen once the handshake is done.
    trace(&tcb, "RFC 1191 6.3: path MTU report before the connection is synchronized, not acted on");
    return;
  }
  if (ipv6 && mtu < 1280) {
    trace(&tcb, "RFC 8201 4: Packet Too Big below the IPv6 minimum MTU 1280, ignored");
    return;
  }
  if (!ipv6 && mtu < cfg_.min_pmtu) {
    // RFC 1191 §3: never below 68 octets; Linux clamps to min_pmtu (552) and remembers EMSGSIZE.
    mtu = cfg_.min_pmtu;
    tcb.soft_error = EMSGSIZE;
  }
  const std::uint32_t headers = (ipv6 ? 40u : 20u) + 20u + (tcb.ts_ok ? 12u : 0u);
  const std::uint32_t payload = mtu > headers ? mtu - headers : 1u;
  if (payload >= tcb.snd_mss) {
    trace(&tcb, "RFC 1191 6.3: reported path MTU is not below the current segment size, no change");
    return;
  }
  tcb.snd_mss = static_cast<std::uint16_t>(std::max<std::uint32_t>(payload, 1));
  if (tcb.snd_una == tcb.snd_nxt) {
    trace(&tcb, "RFC 1191 6.3: path MTU lowered, segment size reduced (nothing in flight)");
    return;
  }
  // The segment that was too big was dropped: resend what is in flight now, in the new size,
  // without waiting for the retransmission timer and without a congestion response (the loss was
  // not congestion; Linux's tcp_simple_retransmit).
  trace(&tcb, "RFC 1191 6.3: path MTU lowered, segment size reduced, retransmit at once");
  tcb.rtx_active = true;
  tcb.rtx_nxt = tcb.data_seq();
  output(tcb);
  tcb.rexmt_at = now_ + tcb.rto;
}

void Stack::icmp_rto_revert(Tcb& tcb) {
  // RFC 6069 §4 (Linux's tcp_ld_RTO_revert): while the RTO is backed off for SND.UNA, an
  // unreachable that quotes it shows the loss was a connectivity disruption, not congestion: undo
  // one doubling, and let the timer run out when the reverted RTO after the last retransmission
  // has passed.
  if (tcb.retries == 0 || tcb.backoff == 0 || tcb.rexmt_at == kNever) return;
  const Micros sent_at = tcb.rexmt_at - tcb.rto;
  --tcb.backoff;
  constexpr Micros G = kMillis;
  Micros base = cfg_.rto_initial;
  if (tcb.have_rtt && cfg_.rto_estimator == RtoEstimator::Linux) {
    base = std::min(tcb.srtt + tcb.rttvar_floor, cfg_.rto_max);  // __tcp_set_rto, tcp_bound_rto
  } else if (tcb.have_rtt) {
    base = std::clamp(tcb.srtt + std::max(G, 4 * tcb.rttvar), cfg_.rto_min, cfg_.rto_max);
  }
  Micros rto = base;
  for (int i = 0; i < tcb.backoff && rto < cfg_.rto_max; ++i) rto *= 2;
  tcb.rto = std::min(rto, cfg_.rto_max);
  tcb.rexmt_at = std::max(now_, sent_at + tcb.rto);
  if (tcb.opts.user_timeout > 0 && tcb.rtx_since != kNever) {
    tcb.rexmt_at = std::min(tcb.rexmt_at, tcb.rtx_since + tcb.opts.user_timeout);
  }
  trace(&tcb, "RFC 6069 4: unreachable for SND.UNA during backoff, RTO backoff reverted once");
}

}  // namespace synack::reference
