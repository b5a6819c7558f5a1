// SEGMENT ARRIVES: RFC 9293 §3.10.7, in the RFC's order. Each step is one function; each early
// return names the rule it applied in a trace line.
#include <algorithm>

#include "targets/reference/dsack.h"
#include "targets/reference/options.h"
#include "targets/reference/socket.h"
#include "targets/reference/stack.h"

#include <cerrno>

namespace synack::reference {

using net::seq_ge;
using net::seq_gt;
using net::seq_le;
using net::seq_lt;
namespace flag = net::flag;

namespace {

SegView view_of(const net::Segment& seg) {
  SegView v{seg, seg.seq, seg.payload, seg.has(flag::SYN), seg.has(flag::FIN)};
  return v;
}

// Room Linux leaves between a TIME-WAIT incarnation's SND.NXT and the ISN of the connection that
// reopens the pair (tcp_timewait_state_process: tw_snd_nxt + 65535 + 2).
constexpr std::uint32_t kTimeWaitIsnGap = 65535 + 2;

constexpr const char* kDsackOld = "RFC 2883 (Linux): text below RCV.NXT is a duplicate, D-SACK it";

std::uint16_t clamp_mss(std::uint32_t v) {
  return static_cast<std::uint16_t>(std::clamp<std::uint32_t>(v, 64, 65535));
}

}  // namespace

// ---- §3.10.7.1 CLOSED ----

void Stack::segment_to_closed(const net::Segment& seg) {
  if (seg.has(flag::RST)) {
    trace(nullptr, "3.10.7.1: RST to a closed port, discarded");
    return;
  }
  trace(nullptr, "3.10.7.1: segment to a closed port, send RST");
  send_reset_for(seg);
}

// ---- §3.10.7.2 LISTEN ----

void Stack::negotiate_options(Tcb& tcb, const net::Segment& syn) {
  const ParsedOptions p = parse_options(syn);
  const bool v6 = tcb.local.addr.version == net::IpVersion::v6;
  // RFC 9293 §3.7.1 / RFC 6691: without an MSS option assume 536 (IPv4) or 1220 (IPv6).
  const std::uint32_t peer_mss = p.mss ? *p.mss : (v6 ? 1220u : cfg_.default_peer_mss);
  std::uint32_t mss = std::min<std::uint32_t>(peer_mss, tcb.rcv_mss);
  if (tcb.opts.user_mss) mss = std::min<std::uint32_t>(mss, tcb.opts.user_mss);
  // RFC 7323 §1.3 / RFC 6691: options in every segment reduce the payload that fits.
  const bool ts = p.timestamp.has_value() && (tcb.passive ? cfg_.timestamps : tcb.offered_ts);
  const bool ws = p.wscale.has_value() && (tcb.passive ? cfg_.window_scaling : tcb.offered_wscale);
  const bool sack = p.sack_permitted && (tcb.passive ? cfg_.sack : tcb.offered_sack);
  tcb.ts_ok = ts;
  tcb.sack_ok = sack;
  tcb.wscale_ok = ws;
  tcb.snd_mss = clamp_mss(ts ? mss - 12 : mss);
  tcb.cwnd = cfg_.initial_cwnd_segments * tcb.snd_mss;  // RFC 5681 §3.1 IW, in SMSS units
  if (ws) {
    // RFC 7323 §2.3: a shift above 14 is treated as 14.
    tcb.snd_shift = std::min<std::uint8_t>(*p.wscale, 14);
    tcb.rcv_shift = cfg_.window_shift;
  } else {
    tcb.snd_shift = 0;
    tcb.rcv_shift = 0;
  }
  if (ts) {
    tcb.ts_recent = p.timestamp->first;
    tcb.ts_recent_time = now_;
  }
}

void Stack::segment_to_listen(Socket& listener, const net::Segment& seg,
                              std::optional<std::uint32_t> old_snd_max) {
  if (seg.has(flag::RST)) {
    trace(nullptr, "3.10.7.2 first: RST in LISTEN, ignored");
    return;
  }
  if (seg.has(flag::ACK)) {
    trace(nullptr, "3.10.7.2 second: ACK in LISTEN, send <SEQ=SEG.ACK><CTL=RST>");
    send_reset_for(seg);
    return;
  }
  if (!seg.has(flag::SYN)) {
    trace(nullptr, "3.10.7.2 fourth: no SYN, RST or ACK in LISTEN, dropped");
    return;
  }
  if (seg.has(flag::FIN) && cfg_.drop_syn_fin) {
    trace(nullptr, "LISTEN (Linux): SYN with FIN dropped");
    return;
  }
  // Listen backlog: Linux drops a SYN while the accept queue is full (the peer retries).
  if (listener.accept_queue.size() > static_cast<std::size_t>(listener.backlog)) {
    trace(nullptr, "listen backlog: accept queue full, SYN dropped");
    return;
  }
  const auto half_open = static_cast<std::size_t>(listener.half_open);
  if (half_open >= std::max<std::size_t>(static_cast<std::size_t>(listener.backlog), 1) + 256) {
    trace(nullptr, "listen backlog: SYN queue full, SYN dropped");
    return;
  }
  // Third: a SYN. Create the connection in SYN-RECEIVED and answer with SYN-ACK.
  Tcb& tcb = new_tcb();
  tcb.state = State::Listen;
  tcb.passive = true;
  tcb.listener = listener.fd;
  tcb.local = Endpoint{seg.dst, seg.dport};
  tcb.remote = Endpoint{seg.src, seg.sport};
  index_connection(tcb);
  apply_options(tcb, listener);
  save_return_route(tcb, seg);
  tcb.irs = seg.seq;
  tcb.rcv_nxt = seg.seq + 1;
  negotiate_options(tcb, seg);
  // RFC 3168 §6.1.1: an ECN-setup SYN (ECE and CWR) may be answered with an ECN-setup SYN-ACK,
  // which makes ECN negotiated; anything else (ECE alone, or no ECE) leaves ECN off.
  tcb.ecn_ok = cfg_.ecn_passive && seg.has(flag::ECE | flag::CWR);
  tcb.iss = choose_isn(tcb.local, tcb.remote);
  // RFC 1122 §4.2.2.13 (1): a connection reopened from TIME-WAIT starts its sequence space above
  // every sequence number of the old incarnation (Linux: the old SND.NXT + 65537).
  const bool raise_isn = old_snd_max && !seq_ge(tcb.iss, *old_snd_max);
  if (raise_isn) tcb.iss = *old_snd_max + kTimeWaitIsnGap;
  tcb.snd_una = tcb.snd_nxt = tcb.snd_max = tcb.snd_up = tcb.snd_sml = tcb.iss;
  tcb.ecn_recover = tcb.iss;
  tcb.snd_wnd = seg.window;  // never scaled in a SYN (RFC 7323 §2.2)
  tcb.max_snd_wnd = tcb.snd_wnd;
  tcb.snd_wl1 = seg.seq;
  tcb.snd_wl2 = tcb.iss;
  set_state(tcb, State::SynReceived, "3.10.7.2 third: SYN in LISTEN, send SYN-ACK, SYN-RECEIVED");
  if (raise_isn) trace(&tcb, "RFC 1122 4.2.2.13 (1): ISN raised above the old incarnation's SND.MAX");
  if (tcb.ecn_ok) trace(&tcb, "RFC 3168 6.1.1: ECN-setup SYN, answer with an ECN-setup SYN-ACK");
  if (!seg.payload.empty() || seg.has(flag::FIN)) {
    trace(&tcb, "3.10.7.2 third: text/FIN in SYN not queued (dropped; the peer retransmits)");
  }
  send_syn(tcb);
}

// ---- §3.10.7.3 SYN-SENT ----

void Stack::segment_to_syn_sent(Tcb& tcb, const net::Segment& seg) {
  const bool has_ack = seg.has(flag::ACK);
  // First: the ACK must acknowledge our SYN and nothing beyond it.
  if (has_ack && (seq_le(seg.ack, tcb.iss) || seq_gt(seg.ack, tcb.snd_nxt))) {
    // Linux (tcp_rcv_synsent_state_process): "Previous FIN/ACK or RST/ACK might be ignored", so
    // a SYN not yet retransmitted goes out again soon (TCP_TIMEOUT_MIN), the RTO unchanged.
    if (cfg_.syn_unacceptable_ack_retry > 0 && tcb.retries == 0) {
      tcb.rexmt_at = now_ + cfg_.syn_unacceptable_ack_retry;
      trace(&tcb, "3.10.7.3 first (Linux): unacceptable ACK, SYN retransmitted early (TCP_TIMEOUT_MIN)");
    }
    if (seg.has(flag::RST)) {
      trace(&tcb, "3.10.7.3 first: unacceptable ACK on a RST, dropped");
      return;
    }
    trace(&tcb, "3.10.7.3 first: unacceptable ACK, send <SEQ=SEG.ACK><CTL=RST>");
    send_reset_for(seg);
    return;
  }
  // Second: RST. RFC 5961 §3.2: in SYN-SENT a RST is valid if its ACK acknowledges the SYN.
  if (seg.has(flag::RST)) {
    if (has_ack) {
      terminate(tcb, ECONNREFUSED, "3.10.7.3 second: RST with acceptable ACK, connection refused");
    } else {
      trace(&tcb, "3.10.7.3 second: RST without ACK, dropped");
    }
    return;
  }
  // Fourth: SYN.
  if (!seg.has(flag::SYN)) {
    trace(&tcb, "3.10.7.3 fifth: neither SYN nor RST, dropped");
    return;
  }
  // The window our SYN offered was recorded as an edge past a RCV.NXT that meant nothing yet;
  // now that IRS is known, RCV.WND is that offer counted from IRS+1 (else text or a FIN in the
  // SYN-ACK would meet a zero window; found by the session fuzzer).
  const std::uint32_t offered = tcb.rcv_adv - tcb.rcv_nxt;
  tcb.irs = seg.seq;
  tcb.rcv_nxt = seg.seq + 1;
  tcb.rcv_adv = tcb.rcv_nxt + offered;
  negotiate_options(tcb, seg);
  if (has_ack) {
    take_rtt_sample(tcb, seg.ack);
    tcb.snd_una = seg.ack;
    tcb.rexmt_at = kNever;
    tcb.retries = 0;
    tcb.soft_error = 0;  // the SYN got through: a remembered ICMP error is stale
  }
  if (tcb.syn_acked()) {
    // RFC 3168 §6.1.1: only an ECN-setup SYN-ACK (ECE without CWR) answers an ECN-setup SYN.
    tcb.ecn_ok = tcb.ecn_offered && seg.has(flag::ECE) && !seg.has(flag::CWR);
    // Our SYN is acknowledged: ESTABLISHED, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
    tcb.snd_wnd = seg.window;  // SYN-ACK windows are never scaled
    tcb.max_snd_wnd = tcb.snd_wnd;
    tcb.snd_wl1 = seg.seq;
    tcb.snd_wl2 = seg.ack;
    set_state(tcb, State::Established, "3.10.7.3 fourth: SYN-ACK acknowledges our SYN, ESTABLISHED");
    // RFC 6298 §5.7: a retransmitted SYN without an RTT sample leaves the RTO at 3 s.
    if (tcb.syn_retransmitted && !tcb.have_rtt) tcb.rto = std::max(tcb.rto, 3 * kMicrosPerSecond);
    else if (!tcb.syn_retransmitted && !tcb.have_rtt) tcb.rto = cfg_.rto_initial;
    tcb.backoff = 0;
    tcb.quickacks = cfg_.quickack_segments;
    arm_keepalive(tcb);
    tcb.ack_now = true;
    if (cfg_.synack_text_discarded) {
      // Linux (tcp_rcv_synsent_state_process): the SYN-ACK's text and FIN are freed unread and
      // the SYN alone is acknowledged at once; the peer retransmits the rest.
      if (!seg.payload.empty() || seg.has(flag::FIN)) {
        trace(&tcb, "3.10.7.3 fourth (Linux): text/FIN on the SYN-ACK dropped, only the SYN ACKed");
      }
      output(tcb);
      return;
    }
    // Text or FIN in the SYN-ACK continues at the sixth step.
    SegView v = view_of(seg);
    v.syn = false;
    v.seq = seg.seq + 1;
    // The window our SYN offered bounds it, as in any synchronized state (found by the session
    // fuzzer: 1714 octets and a FIN accepted past a 1460-octet window).
    trim_to_window(tcb, v);
    process_urg(tcb, v);
    process_text(tcb, v);
    check_fin(tcb, v);
    output(tcb);
    return;
  }
  // Simultaneous open (Figure 8): a bare SYN. SYN-RECEIVED, send <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
  // ECN holds if both SYNs were ECN-setup SYNs; our SYN-ACK then is an ECN-setup SYN-ACK.
  tcb.ecn_ok = tcb.ecn_offered && seg.has(flag::ECE | flag::CWR);
  tcb.snd_wnd = seg.window;
  tcb.max_snd_wnd = tcb.snd_wnd;
  tcb.snd_wl1 = seg.seq;
  tcb.snd_wl2 = tcb.iss;
  set_state(tcb, State::SynReceived, "3.10.7.3 fourth: SYN without ACK (simultaneous open), send SYN-ACK");
  if (!seg.payload.empty() || seg.has(flag::FIN)) {
    trace(&tcb, "3.10.7.3 fourth: text/FIN in SYN not queued (dropped)");
  }
  // Linux (tcp_send_synack): the SYN-ACK is the SYN re-sent, under the timer the SYN started.
  if (!cfg_.simultaneous_synack_keeps_timer) tcb.rexmt_at = kNever;
  tcb.rtt_timing = false;
  send_syn(tcb);
}

// ---- §3.10.7.4 Other states ----

void Stack::segment_to_synchronized(Tcb& tcb, const net::Segment& seg) {
  SegView v = view_of(seg);
  // Linux (tcp_check_req): a half-open passive connection tests SEG.ACK before anything else,
  // whatever the sequence number; the listener answers an unacceptable one, as in LISTEN
  // (RFC 9293 §3.5.2 case 2), and the half-open connection stays.
  if (tcb.state == State::SynReceived && tcb.passive && cfg_.synrecv_ack_check_first &&
      seg.has(flag::ACK) && !seg.has(flag::RST) && seg.ack != tcb.iss + 1) {
    trace(&tcb, "SYN-RECEIVED (Linux): unacceptable ACK checked first, send <SEQ=SEG.ACK><CTL=RST>");
    send_reset_for(seg);
    return;
  }
  // Figure 8 (simultaneous open): the peer's SYN-ACK acknowledges our SYN while we are in
  // SYN-RECEIVED. Its SYN is the one we already have; treat the rest as an ACK.
  if (tcb.state == State::SynReceived && !tcb.passive && v.syn && seg.has(flag::ACK) &&
      !seg.has(flag::RST) && seg.seq + 1 == tcb.rcv_nxt && seq_lt(tcb.snd_una, seg.ack) &&
      seq_le(seg.ack, tcb.snd_nxt)) {
    trace(&tcb, "3.10.7.4 (Figure 8): SYN-ACK in SYN-RECEIVED of a simultaneous open");
    v.syn = false;
    v.seq = seg.seq + 1;
    // Linux: its SYN lies below RCV.NXT, a duplicate, so it is acknowledged at once.
    if (cfg_.simultaneous_synack_acked) tcb.ack_now = true;
  }
  // A repeated SYN in SYN-RECEIVED: BSD and Linux answer with the SYN-ACK again.
  if (tcb.state == State::SynReceived && tcb.passive && cfg_.synack_on_duplicate_syn && v.syn &&
      !seg.has(flag::ACK) && !seg.has(flag::RST) && seg.seq == tcb.irs) {
    if (cfg_.challenge_ack_min_interval > 0 && tcb.last_challenge_ack != kNever &&
        now_ - tcb.last_challenge_ack < cfg_.challenge_ack_min_interval) {
      trace(&tcb, "SYN-RECEIVED: retransmitted SYN, SYN-ACK suppressed (per-connection interval)");
      return;
    }
    if (cfg_.challenge_ack_min_interval > 0) tcb.last_challenge_ack = now_;
    trace(&tcb, "SYN-RECEIVED: retransmitted SYN, resend SYN-ACK");
    // Karn (RFC 6298 §3): the handshake's ACK may answer either SYN-ACK, so it gives no RTT
    // sample (Linux: req->num_retrans); without one the RTO starts at 3 s (§5.7, tcp_init_metrics).
    tcb.rtt_timing = false;
    tcb.syn_retransmitted = true;
    ++tcb.total_retrans;
    send_syn(tcb);
    if (cfg_.dup_syn_synack_restarts_timer) {
      // Linux (tcp_check_req, "Reset timer after retransmitting SYNACK"): the SYN-ACK timer
      // restarts with the current timeout (backoff kept: tcb.rto already carries it).
      trace(&tcb, "SYN-RECEIVED (Linux): SYN-ACK resent, retransmission timer restarted");
      tcb.rexmt_at = now_ + tcb.rto;
    }
    return;
  }
  // Linux (tcp_rcv_established, tcp_rcv_state_process): a segment with none of ACK, RST and SYN
  // is dropped before the sequence check, so even an unacceptable one draws no ACK. (A passive
  // SYN-RECEIVED connection is a request sock, TIME-WAIT a timewait sock: neither does this.)
  if (cfg_.drop_segments_without_ack && !seg.has(flag::ACK) && !seg.has(flag::RST) &&
      !seg.has(flag::SYN) && !(tcb.state == State::SynReceived && tcb.passive) &&
      tcb.state != State::TimeWait) {
    trace(&tcb, "3.10.7.4 (Linux): no ACK, RST or SYN, dropped before the sequence check");
    return;
  }
  // Linux (tcp_timewait_state_process): a non-RST segment with ACK restarts the TIME-WAIT
  // timer, and so does a bare one at RCV.NXT, ACK bit or not (its "in window" case).
  if (tcb.state == State::TimeWait && cfg_.time_wait_ack_restarts && !seg.has(flag::RST) &&
      (seg.has(flag::ACK) || (seg.seq == tcb.rcv_nxt && v.len() == 0))) {
    trace(&tcb, "TIME-WAIT (Linux): segment with ACK, or bare at RCV.NXT, restarts the TIME-WAIT timer");
    tcb.close_at = now_ + cfg_.time_wait;
  }
  if (!check_paws(tcb, v)) return;
  // Linux (tcp_timewait_state_process): only a RST or a bare segment at RCV.NXT is taken
  // silently in TIME-WAIT; any other segment, ACK bit or not, is answered as an out-of-window
  // one (bare ones rate limited, text and FIN not). A SYN goes to the reuse rules and the SYN
  // check, a retransmitted FIN to check_sequence.
  if (tcb.state == State::TimeWait && cfg_.time_wait_data_acked && !seg.has(flag::RST) &&
      !seg.has(flag::SYN) && !(seg.seq == tcb.rcv_nxt && v.len() == 0) &&
      !(v.fin && v.seq + v.len() == tcb.rcv_nxt)) {
    send_out_of_window_ack(tcb, v, "TIME-WAIT (Linux): not a bare segment at RCV.NXT, send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>");
    return;
  }
  if (tcb.state == State::TimeWait && cfg_.time_wait_data_acked && seg.has(flag::RST) &&
      seg.seq != tcb.rcv_nxt) {
    trace(&tcb, "TIME-WAIT (Linux): RST not at RCV.NXT, dropped without a challenge ACK");
    return;
  }
  const bool ack_pending = tcb.ack_now;
  if (!check_sequence(tcb, v)) return;
  if (!check_rst(tcb, v)) return;
  // Third (security) has no counterpart here.
  if (!check_syn(tcb, v)) return;
  if (!check_ack(tcb, v)) return;
  if (cfg_.after_fin_segments_linux && (tcb.state == State::CloseWait ||
                                       tcb.state == State::Closing || tcb.state == State::LastAck)) {
    // Linux (tcp_rcv_state_process, seventh step): after the peer's FIN a segment that starts at
    // or after RCV.NXT is dropped without a reply (RFC 9293 ignores its text and acknowledges a
    // FIN); one that starts below RCV.NXT and carries octets beyond it aborts the connection with
    // a reset (RFC 1122 4.2.2.13's "data after close", as BSD does).
    if (seq_ge(seg.seq, tcb.rcv_nxt)) {
      if (!seg.payload.empty() || seg.has(flag::FIN)) {
        trace(&tcb, "3.10.7.4 seventh (Linux): text/FIN at or after RCV.NXT after the peer's FIN, dropped");
      }
      tcb.ack_now = ack_pending;  // trimming it to the window asks for no ACK
      // Linux: the segment still reaches the ACK check (tcp_ack_snd_check), which sends a
      // delayed ACK that is nearly due (tcp_send_delayed_ack; always before any data).
      if (cfg_.delack_due_acks_now && linux_ack_check_sends_delayed_ack(tcb, cfg_, now_, seg)) {
        trace(&tcb, "Linux (tcp_send_delayed_ack): delayed ACK due within ato/4, send it now");
        tcb.ack_now = true;
      }
      output(tcb);
      return;
    }
    if ((!seg.payload.empty() || seg.has(flag::FIN)) &&
        seq_gt(seg.seq + static_cast<std::uint32_t>(seg.payload.size()), tcb.rcv_nxt)) {
      trace(&tcb, "3.10.7.4 seventh (Linux): text beyond the peer's FIN, send RST");
      send_reset_for(seg);
      // tcp_reset: EPIPE in CLOSE-WAIT, ECONNRESET in CLOSING and LAST-ACK (recv() still reads
      // the FIN first, close_wait_reset_epipe). A connection still in the accept queue stays
      // there, CLOSED (reset_keeps_accept_queue; campaign dfk14 #5).
      terminate(tcb, tcb.state == State::CloseWait ? EPIPE : ECONNRESET,
                "3.10.7.4 seventh (Linux): connection aborted, CLOSED");
      return;
    }
  }
  update_return_route(tcb, seg);
  update_timestamps(tcb, v);
  process_ecn(tcb, v);
  process_urg(tcb, v);
  if (note_queued_duplicate(cfg_, tcb, v)) {
    trace(&tcb, "RFC 2883 (Linux): text duplicates queued out-of-order data, D-SACK it");
  }
  process_text(tcb, v);
  check_fin(tcb, v);
  if (tcb.state != State::Closed) output(tcb);
}

bool Stack::check_paws(Tcb& tcb, SegView& v) {
  // RFC 7323 §5.3 R1: with timestamps in use, a segment whose TSval is older than TS.Recent is a
  // duplicate from an earlier incarnation of the sequence space: ACK it and drop it (not RSTs).
  if (!tcb.ts_ok || v.seg.has(flag::RST)) return true;
  const ParsedOptions p = parse_options(v.seg);
  if (!p.timestamp) {
    if (cfg_.require_timestamps) {
      trace(&tcb, "RFC 7323 3.2: non-RST segment without TSopt, silently dropped");
      return false;
    }
    return true;
  }
  const std::uint32_t val = p.timestamp->first;
  if (static_cast<std::int32_t>(val - tcb.ts_recent) >= 0) return true;
  // R1 exception: TS.Recent older than 24 days is invalid (RFC 7323 §5.5).
  if (now_ - tcb.ts_recent_time > Micros{24} * 24 * 3600 * kMicrosPerSecond) return true;
  if (note_old_duplicate(cfg_, tcb, v)) trace(&tcb, kDsackOld);
  send_out_of_window_ack(tcb, v, "RFC 7323 5.3 R1: PAWS, TSval older than TS.Recent, send ACK and drop");
  return false;
}

void Stack::process_ecn(Tcb& tcb, const SegView& v) {
  // RFC 3168 §6.1.3, the data receiver's side, for acceptable segments only (§6.1.5: CE marks on
  // segments outside the window are ignored; those never get past check_sequence).
  if (!tcb.ecn_ok) return;
  const net::Segment& seg = v.seg;
  if (seg.ecn() != 0) tcb.ecn_seen = true;
  // A CWR: the sender has reduced its window, so the echo stops ...
  if (seg.has(flag::CWR) && tcb.ece_echo) {
    tcb.ece_echo = false;
    trace(&tcb, "RFC 3168 6.1.3: CWR received, ECE no longer set on ACKs");
  }
  // ... unless this segment is itself CE-marked: a CE data packet sets ECE on every ACK from now
  // until a CWR arrives (ECT is never set on pure ACKs, so only data counts).
  if (seg.ecn() == 3 && !seg.payload.empty() && !tcb.ece_echo) {
    tcb.ece_echo = true;
    trace(&tcb, "RFC 3168 6.1.3: CE-marked data, ECE set on every ACK until a CWR arrives");
  }
}

void Stack::update_timestamps(Tcb& tcb, const SegView& v) {
  // RFC 7323 §4.3 (3): TS.Recent takes SEG.TSval when SEG.SEQ <= Last.ACK.sent < SEG.SEQ + SEG.LEN
  // (a zero-length segment qualifies when SEG.SEQ = Last.ACK.sent).
  if (!tcb.ts_ok) return;
  const ParsedOptions p = parse_options(v.seg);
  if (!p.timestamp) return;
  if (seq_le(v.seg.seq, tcb.last_ack_sent) &&
      static_cast<std::int32_t>(p.timestamp->first - tcb.ts_recent) >= 0) {
    tcb.ts_recent = p.timestamp->first;
    tcb.ts_recent_time = now_;
  }
}

bool Stack::check_sequence(Tcb& tcb, SegView& v) {
  if (cfg_.test_planted_bug_rst_any_seq && v.seg.has(flag::RST)) {  // TEST ONLY: see config.h
    terminate(tcb, ECONNRESET, "PLANTED BUG: RST accepted without the sequence check");
    return false;
  }
  const std::uint32_t wnd = tcb.rcv_wnd();
  const std::uint32_t len = v.len();
  // TIME-WAIT: "the only thing that can arrive ... is a retransmission of the remote FIN.
  // Acknowledge it, and restart the 2 MSL timeout" (fifth and eighth steps).
  if (tcb.state == State::TimeWait && v.fin && !v.seg.has(flag::RST) && v.seq + len == tcb.rcv_nxt) {
    trace(&tcb, "3.10.7.4 eighth: retransmitted FIN in TIME-WAIT, ACK it and restart 2 MSL");
    tcb.close_at = now_ + cfg_.time_wait;
    send_ack(tcb);
    return false;
  }
  // First: the four cases of the acceptability test.
  bool ok;
  if (len == 0) {
    ok = wnd == 0 ? v.seq == tcb.rcv_nxt
                  : seq_le(tcb.rcv_nxt, v.seq) && seq_lt(v.seq, tcb.rcv_nxt + wnd);
  } else if (wnd == 0) {
    ok = false;
  } else {
    const std::uint32_t last = v.seq + len - 1;
    ok = (seq_le(tcb.rcv_nxt, v.seq) && seq_lt(v.seq, tcb.rcv_nxt + wnd)) ||
         (seq_le(tcb.rcv_nxt, last) && seq_lt(last, tcb.rcv_nxt + wnd));
  }
  // (Not in a passive SYN-RECEIVED: Linux's request sock tests the window from RCV.NXT,
  // tcp_check_req -> tcp_in_window, so an unacceptable RST there is dropped.)
  if (!ok && cfg_.acceptable_from_rcv_wup && !(tcb.state == State::SynReceived && tcb.passive) &&
      seq_lt(v.seq, tcb.rcv_nxt) && seq_le(tcb.last_ack_sent, tcb.rcv_nxt) &&
      seq_ge(v.seq + len, tcb.last_ack_sent)) {
    // Linux (tcp_sequence): a segment is old only if it ends before RCV.WUP, RCV.NXT as of our
    // last ACK (Last.ACK.sent): one ending at or after it is processed for its ACK; a duplicate
    // with text or a FIN is acknowledged at once (tcp_data_queue), a bare one silently; a SYN
    // stays, for the SYN check's challenge ACK.
    trace(&tcb, "3.10.7.4 first (Linux): segment ends at or after RCV.WUP, acceptable");
    if (len > 0) tcb.ack_now = true;
    if (note_old_duplicate(cfg_, tcb, v)) trace(&tcb, kDsackOld);
    v.data = {};
    v.fin = false;
    v.seq = tcb.rcv_nxt;
    return true;
  }
  if (!ok && wnd == 0 && len > 0 && v.seq == tcb.rcv_nxt) {
    // "If the RCV.WND is zero, no segments will be acceptable, but special allowance should be
    // made to accept valid ACKs, URGs, and RSTs": keep the controls, drop the text.
    trace(&tcb, "3.10.7.4 first: zero window, text dropped, ACK/URG/RST processed");
    v.data = {};
    v.fin = false;
    v.syn = false;
    tcb.ack_now = true;
    return true;
  }
  if (!ok) {
    if (v.seg.has(flag::RST)) {
      trace(&tcb, "3.10.7.4 first: unacceptable RST, dropped");
      return false;
    }
    if (note_old_duplicate(cfg_, tcb, v)) trace(&tcb, kDsackOld);
    send_out_of_window_ack(tcb, v,
                           "3.10.7.4 first: unacceptable segment, send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>");
    return false;
  }
  // Trim to the idealized segment: starts at RCV.NXT, ends inside the window.
  if (seq_lt(v.seq, tcb.rcv_nxt)) {
    if (note_old_duplicate(cfg_, tcb, v)) trace(&tcb, kDsackOld);  // the part below RCV.NXT
    std::uint32_t skip = tcb.rcv_nxt - v.seq;
    // The SYN is skipped over but kept: "If the SYN bit is set, irrespective of the exact
    // sequence number, TCP MUST send an ACK" (RFC 5961 4.2), so the SYN check still sees it.
    if (v.syn) --skip;
    const std::uint32_t cut = std::min<std::uint32_t>(skip, static_cast<std::uint32_t>(v.data.size()));
    v.data = v.data.subspan(cut);
    v.seq = tcb.rcv_nxt;
  }
  trim_to_window(tcb, v);
  return true;
}

// Keeps what fits in the receive window from RCV.NXT: text past the right edge is cut off and a
// FIN past it dropped (RFC 9293 §3.10.7.4 first step: segments are "trimmed to fit the window").
void Stack::trim_to_window(Tcb& tcb, SegView& v) {
  const std::uint32_t right = tcb.rcv_nxt + tcb.rcv_wnd();
  if (!seq_gt(v.seq + v.len(), right)) return;
  v.fin = false;
  const std::uint32_t room = right - v.seq - (v.syn ? 1 : 0);
  if (v.data.size() > room) v.data = v.data.first(room);
  tcb.ack_now = true;
}

bool Stack::check_rst(Tcb& tcb, SegView& v) {
  if (!v.seg.has(flag::RST)) return true;
  // RFC 1337 fix F1 "Ignore RST segments in TIME-WAIT state": all of them, so an in-window RST
  // draws no challenge ACK either (FreeBSD's tcp_twcheck drops every RST).
  if (tcb.state == State::TimeWait && cfg_.time_wait_rst == TimeWaitRstPolicy::Ignore) {
    trace(&tcb, "RFC 1337 TW2: RST in TIME-WAIT ignored");
    return false;
  }
  // RFC 5961 §3.2: only a RST exactly at RCV.NXT resets; one elsewhere in the window draws a
  // challenge ACK.
  if (v.seg.seq != tcb.rcv_nxt) {
    send_challenge_ack(tcb, "RFC 5961 3.2: RST in window but not at RCV.NXT, challenge ACK");
    return false;
  }
  switch (tcb.state) {
    case State::SynReceived:
      if (tcb.passive) {
        terminate(tcb, 0, "3.10.7.4 second: RST in SYN-RECEIVED (passive open), return to LISTEN");
      } else if (cfg_.synrecv_rst_econnreset) {  // Linux tcp_reset: refused only in SYN-SENT
        terminate(tcb, ECONNRESET, "3.10.7.4 second (Linux): RST in SYN-RECEIVED (active open), reset");
      } else {
        terminate(tcb, ECONNREFUSED, "3.10.7.4 second: RST in SYN-RECEIVED (active open), refused");
      }
      return false;
    case State::CloseWait:
      if (cfg_.close_wait_reset_epipe) {
        // Linux (tcp_reset): after the peer's FIN the error is EPIPE; RFC 9293 asks for "reset"
        // responses. recv() still reads the FIN first (SOCK_DONE), send() reports EPIPE.
        terminate(tcb, EPIPE, "3.10.7.4 second (Linux): RST in CLOSE-WAIT, EPIPE, CLOSED");
        return false;
      }
      [[fallthrough]];
    case State::Established:
    case State::FinWait1:
    case State::FinWait2:
      terminate(tcb, ECONNRESET, "3.10.7.4 second: RST, connection reset, CLOSED");
      return false;
    case State::Closing:
    case State::LastAck:
      terminate(tcb, 0, "3.10.7.4 second: RST in CLOSING/LAST-ACK, CLOSED");
      return false;
    case State::TimeWait:  // (the RFC 1337 policy returned above)
      terminate(tcb, 0, "3.10.7.4 second: RST in TIME-WAIT, CLOSED");
      return false;
    default:
      return false;
  }
}

bool Stack::check_syn(Tcb& tcb, SegView& v) {
  if (!v.syn) return true;
  if (tcb.state == State::SynReceived && tcb.passive) {
    if (cfg_.synrecv_syn_resets) {
      // Linux (tcp_check_req, embryonic_reset): the SYN is answered as by a closed port.
      trace(&tcb, "SYN-RECEIVED (Linux): SYN in window, send RST and drop the half-open connection");
      send_reset_for(v.seg);
      terminate(tcb, 0, "SYN-RECEIVED (Linux): half-open connection dropped");
      return false;
    }
    terminate(tcb, 0, "3.10.7.4 fourth: SYN in SYN-RECEIVED (passive open), return to LISTEN");
    return false;
  }
  send_challenge_ack(tcb, "3.10.7.4 fourth / RFC 5961 4.2: SYN in synchronized state, challenge ACK");
  return false;
}

void Stack::send_out_of_window_ack(Tcb& tcb, const SegView& v, std::string_view rule) {
  // Linux (tcp_oow_rate_limited) answers segments that occupy no sequence space (a FIN does), or
  // carry SYN, at most once per challenge_ack_min_interval per connection; the RFC answers all.
  const bool limited_kind =
      (v.seg.payload.empty() && !v.seg.has(flag::FIN)) || v.seg.has(flag::SYN);
  if (limited_kind && cfg_.challenge_ack_min_interval > 0 && tcb.last_challenge_ack != kNever &&
      now_ - tcb.last_challenge_ack < cfg_.challenge_ack_min_interval) {
    trace(&tcb, "out-of-window ACK suppressed (per-connection interval)");
    return;
  }
  if (limited_kind && cfg_.challenge_ack_min_interval > 0) tcb.last_challenge_ack = now_;
  trace(&tcb, rule);
  send_ack(tcb);
}

void Stack::send_challenge_ack(Tcb& tcb, std::string_view rule) {
  // RFC 5961 §7: challenge ACKs are rate limited, stack-wide and (Linux) per connection.
  if (cfg_.challenge_ack_min_interval > 0 && tcb.last_challenge_ack != kNever &&
      now_ - tcb.last_challenge_ack < cfg_.challenge_ack_min_interval) {
    trace(&tcb, "RFC 5961 7: challenge ACK suppressed (per-connection interval)");
    return;
  }
  if (cfg_.challenge_ack_limit > 0) {
    if (now_ - challenge_window_start_ >= kMicrosPerSecond) {
      challenge_window_start_ = now_;
      challenge_count_ = 0;
    }
    if (challenge_count_ >= cfg_.challenge_ack_limit) {
      trace(&tcb, "RFC 5961 7: challenge ACK suppressed (stack-wide limit)");
      return;
    }
    ++challenge_count_;
  }
  tcb.last_challenge_ack = now_;
  ++tcb.challenge_acks;
  trace(&tcb, rule);
  send_ack(tcb);
}

bool Stack::complete_passive_open(Tcb& tcb) {
  Socket* l = tcb.listener >= 0 ? sock(tcb.listener) : nullptr;
  if (l && l->accept_queue.size() > static_cast<std::size_t>(l->backlog)) {
    trace(&tcb, "listen backlog: accept queue full, ACK dropped (stay SYN-RECEIVED)");
    return false;
  }
  if (l) l->accept_queue.push_back(&tcb);
  return true;
}

bool Stack::check_ack(Tcb& tcb, SegView& v) {
  const net::Segment& seg = v.seg;
  if (!seg.has(flag::ACK)) {
    trace(&tcb, "3.10.7.4 fifth: ACK bit off, dropped");
    return false;
  }
  if (tcb.state == State::SynReceived) {
    if (!(seq_lt(tcb.snd_una, seg.ack) && seq_le(seg.ack, tcb.snd_nxt))) {
      trace(&tcb, "3.10.7.4 fifth: unacceptable ACK in SYN-RECEIVED, send <SEQ=SEG.ACK><CTL=RST>");
      send_reset_for(seg);
      return false;
    }
    if (tcb.passive && !complete_passive_open(tcb)) return false;
    // Linux: the child socket has its own out-of-window/challenge-ACK limiter, starting clear
    // (the request sock kept another).
    if (tcb.passive && cfg_.child_fresh_ratelimit) tcb.last_challenge_ack = kNever;
    set_state(tcb, State::Established, "3.10.7.4 fifth: ACK of our SYN in SYN-RECEIVED, ESTABLISHED");
    tcb.snd_wnd = static_cast<std::uint32_t>(seg.window) << tcb.snd_shift;
    tcb.max_snd_wnd = std::max(tcb.max_snd_wnd, tcb.snd_wnd);
    tcb.snd_wl1 = seg.seq;
    tcb.snd_wl2 = seg.ack;
    if (tcb.syn_retransmitted && !tcb.have_rtt) tcb.rto = std::max(tcb.rto, 3 * kMicrosPerSecond);
    tcb.quickacks = cfg_.quickack_segments;
    arm_keepalive(tcb);
    // Fall through: the ACK is now processed as in ESTABLISHED.
  }
  // RFC 5961 §5.2: acceptable ACKs lie in [SND.UNA - MAX.SND.WND, SND.NXT].
  if (seq_gt(seg.ack, tcb.snd_nxt)) {
    if (!cfg_.ack_unsent_data_reply) {
      trace(&tcb, "3.10.7.4 fifth (Linux): ACK of unsent data, dropped without reply");
      return false;
    }
    if (cfg_.ack_unsent_data_rate_limited && tcb.state == State::TimeWait) {
      // Linux (tcp_timewait_state_process) never looks at SEG.ACK in TIME-WAIT: a bare ACK is
      // taken silently, text or a FIN is answered as an out-of-window segment.
      if (v.seg.payload.empty() && !v.seg.has(flag::FIN)) {
        trace(&tcb, "TIME-WAIT (Linux): bare ACK of unsent data, dropped without reply");
        return false;
      }
      send_out_of_window_ack(tcb, v, "TIME-WAIT (Linux): ACK of unsent data with text or FIN, ACK");
      return false;
    }
    if (cfg_.ack_unsent_data_rate_limited) {
      // Linux 6.18 (tcp_ack -> tcp_send_challenge_ack): the reply is a rate-limited challenge ACK.
      send_challenge_ack(tcb, "3.10.7.4 fifth (Linux): ACK of unsent data, challenge ACK and drop");
      return false;
    }
    trace(&tcb, "3.10.7.4 fifth: ACK of unsent data, send ACK and drop");
    send_ack(tcb);
    return false;
  }
  std::uint32_t old_window = tcb.max_snd_wnd;
  if (cfg_.old_ack_window_bytes_acked) {
    // Linux: never accept an old ACK for bytes that were never sent.
    const std::uint32_t acked = tcb.syn_acked() ? tcb.snd_una - tcb.iss - 1 : 0;
    old_window = std::min(old_window, acked);
  }
  if (seq_lt(seg.ack, tcb.snd_una - old_window)) {
    send_challenge_ack(tcb, "RFC 5961 5.2: ACK below SND.UNA - MAX.SND.WND, challenge ACK and drop");
    return false;
  }
  const std::uint32_t wnd = static_cast<std::uint32_t>(seg.window) << tcb.snd_shift;
  // RFC 5681 §2 duplicate ACK: no data, no SYN/FIN, same ACK and window, data outstanding.
  const bool duplicate = seg.ack == tcb.snd_una && v.data.empty() && !v.fin &&
                         seg.payload.empty() && !seg.has(flag::FIN) && wnd == tcb.snd_wnd &&
                         tcb.snd_una != tcb.snd_max;
  tcb.probes = 0;  // any acceptable ACK answers keepalive and zero-window probes
  // RFC 3168 §6.1.2: an ECN-Echo on a connection that negotiated ECN signals congestion.
  const bool ece = tcb.ecn_ok && seg.has(flag::ECE);
  if (seq_lt(tcb.snd_una, seg.ack)) {
    trace(&tcb, "3.10.7.4 fifth: SND.UNA < SEG.ACK =< SND.NXT, SND.UNA <- SEG.ACK");
    acknowledge(tcb, seg.ack, !ece);  // "SHOULD NOT increase cwnd in response to an ECE ACK"
  } else if (duplicate) {
    trace(&tcb, "RFC 5681 2: duplicate ACK");
    handle_duplicate_ack(tcb);
  }
  if (ece) on_ecn_echo(tcb, seg.ack);
  // Window update when the segment is newer than the last one that set the window.
  if (seq_le(tcb.snd_una, seg.ack) &&
      (seq_lt(tcb.snd_wl1, seg.seq) || (tcb.snd_wl1 == seg.seq && seq_le(tcb.snd_wl2, seg.ack)))) {
    const bool opened = tcb.snd_wnd == 0 && wnd > 0;
    if (wnd != tcb.snd_wnd) trace(&tcb, "3.10.7.4 fifth: send window updated (SND.WL1/SND.WL2 rule)");
    tcb.snd_wnd = wnd;
    tcb.max_snd_wnd = std::max(tcb.max_snd_wnd, wnd);
    tcb.snd_wl1 = seg.seq;
    tcb.snd_wl2 = seg.ack;
    if (opened) {
      trace(&tcb, "3.10.7.4 fifth: window opened, persist timer stopped");
      tcb.persist_at = kNever;
      tcb.retries = 0;
    }
  }
  if (tcb.snd_wnd == 0 && seg.ack == tcb.snd_una) tcb.retries = 0;  // a probe was answered
  // Linux (tcp_ack -> tcp_ack_probe): an ACK that leaves the window closed, with nothing in
  // flight and data waiting, restarts the zero-window probe timer at its current interval.
  if (cfg_.zero_window_ack_restarts_probe && tcb.snd_wnd == 0 && tcb.persist_at != kNever &&
      tcb.in_flight() == 0) {
    tcb.persist_at = now_ + tcb.persist_backoff;
  }
  switch (tcb.state) {
    case State::FinWait1:
      if (tcb.fin_acked()) {
        set_state(tcb, State::FinWait2, "3.10.7.4 fifth: our FIN acknowledged, FIN-WAIT-2");
        if (tcb.user_closed && cfg_.fin_wait2_timeout > 0) {
          tcb.close_at = now_ + cfg_.fin_wait2_timeout;
        }
      }
      break;
    case State::Closing:
      if (tcb.fin_acked()) {
        enter_time_wait(tcb);
      } else {
        trace(&tcb, "3.10.7.4 fifth: CLOSING, FIN not yet acknowledged, segment ignored");
        return false;
      }
      break;
    case State::LastAck:
      if (tcb.fin_acked()) {
        terminate(tcb, 0, "3.10.7.4 fifth: our FIN acknowledged in LAST-ACK, CLOSED");
        return false;
      }
      break;
    default:
      break;
  }
  return true;
}

}  // namespace synack::reference
