// Building and sending segments: headers, options, windows, and the send loop (RFC 9293 §3.8.6,
// Nagle RFC 1122 §4.2.3.4, congestion window RFC 5681).
#include <algorithm>

#include "targets/reference/options.h"
#include "targets/reference/socket.h"
#include "targets/reference/stack.h"

namespace synack::reference {

using net::seq_ge;
using net::seq_gt;
using net::seq_le;
using net::seq_lt;
namespace flag = net::flag;

namespace {

// gso_burst_autosize: the most segments Linux puts in one GSO packet, tcp_tso_autosize with the
// pacing rate BBR (Linux's default congestion control) sets: bbr_init_pacing_rate_from_rtt gives
// 2.885 (startup gain) x 0.99 x cwnd x MSS / SRTT, with a nominal 1 ms while there is no RTT
// sample (Karn after a resent SYN-ACK), and sets it again at the first sample; later bandwidth
// samples (bbr_set_pacing_rate) are not modelled. The burst is about 1 ms of that rate (rate >> 10)
// plus gso_max_size >> (min RTT >> 9) (tcp_tso_rtt_log), at least `floor` segments, or 1 below
// 1.2 Mbit/s (bbr_min_tso_segs). Measured on 6.18 (MSS 536, cwnd 10): RTT <= ~6.5 ms gives 5
// (half the cwnd), 7.7 ms 3, 10-100 ms 2, 110 ms 1 (no PSH at all).
std::uint32_t gso_max_segments(Tcb& tcb, std::uint32_t floor) {
  constexpr std::uint64_t kGsoMaxSize = 65536;  // GSO_LEGACY_MAX_SIZE
  const std::uint64_t mss = std::max<std::uint32_t>(tcb.snd_mss, 1);
  if (tcb.have_rtt) {
    const Micros srtt = std::max<Micros>(tcb.srtt, 1);
    tcb.gso_min_rtt = tcb.gso_min_rtt == 0 ? srtt : std::min(tcb.gso_min_rtt, srtt);
  }
  if (tcb.gso_pacing_rate == 0 || (!tcb.gso_rate_from_rtt && tcb.have_rtt)) {
    if (tcb.gso_rate_cwnd == 0) tcb.gso_rate_cwnd = std::max<std::uint32_t>(tcb.cwnd / mss, 1);
    const std::uint64_t rtt = tcb.have_rtt ? std::max<Micros>(tcb.srtt, 1) : kMillis;
    const std::uint64_t bw = (std::uint64_t{tcb.gso_rate_cwnd} << 24) / rtt;  // BW_UNIT
    tcb.gso_pacing_rate = std::max<std::uint64_t>((((bw * mss * 739) >> 8) * 990000) >> 24, 1);
    tcb.gso_rate_from_rtt = tcb.have_rtt;
  }
  std::uint64_t bytes = tcb.gso_pacing_rate >> 10;  // sk_pacing_shift
  const Micros rtt_log = tcb.gso_min_rtt >> 9;  // tcp_tso_rtt_log: a short RTT allows more
  if (tcb.gso_min_rtt > 0 && rtt_log < 32) bytes += kGsoMaxSize >> rtt_log;
  bytes = std::min(bytes, kGsoMaxSize);
  const std::uint64_t min_segs = tcb.gso_pacing_rate < 1200000 / 8 ? 1 : floor;
  return static_cast<std::uint32_t>(std::max(bytes / mss, min_segs));
}

}  // namespace

net::Segment Stack::make_segment(const Tcb& tcb, std::uint32_t seq, std::uint16_t flags) const {
  net::Segment s;
  s.src = tcb.local.addr;
  s.dst = tcb.remote.addr;
  s.sport = tcb.local.port;
  s.dport = tcb.remote.port;
  s.seq = seq;
  s.flags = flags;
  if (flags & flag::ACK) s.ack = tcb.rcv_nxt;
  // RFC 3168 §6.1.3: after a CE mark, every ACK echoes ECE until a CWR arrives.
  if (tcb.ecn_ok && tcb.ece_echo && (flags & flag::ACK) && !(flags & (flag::SYN | flag::RST))) {
    s.flags |= flag::ECE;
  }
  s.tos = tcb.opts.tos;                 // IP_TOS (MUST-48, SHLD-22); ECN bits are 0 (not-ECT)
  if (tcb.opts.ttl) s.ttl = tcb.opts.ttl;  // IP_TTL (MUST-49)
  route_segment(tcb, s);                   // a source route (MUST-51, MUST-53)
  return s;
}

void Stack::add_syn_options(const Tcb& tcb, net::Segment& seg, bool syn_ack) const {
  // A SYN-ACK carries an option only if the peer's SYN offered it (RFC 7323 §2.2, §3.2;
  // RFC 2018 §2); a SYN offers what the configuration enables.
  // The profile key simultaneous_synack_full_options has a simultaneous open's SYN-ACK (ours:
  // an active open now in SYN-RECEIVED) repeat our SYN's offer, as Linux does.
  const bool offer = !syn_ack || (!tcb.passive && cfg_.simultaneous_synack_full_options);
  const bool ws = offer ? tcb.offered_wscale : tcb.wscale_ok;
  const bool ts = offer ? tcb.offered_ts : tcb.ts_ok;
  const bool sack = offer ? tcb.offered_sack : tcb.sack_ok;
  auto& o = seg.options;
  o.reserve(8);  // the longest layout has 8 options: one allocation instead of four
  o.push_back(mss_option(tcb.rcv_mss));
  if (cfg_.option_layout == OptionLayout::Linux) {
    if (ts) {
      if (sack) {
        o.push_back(sack_permitted_option());
      } else {
        o.push_back(nop_option());
        o.push_back(nop_option());
      }
      o.push_back(timestamp_option(ts_now(tcb), syn_ack ? tcb.ts_recent : 0));
    } else if (sack) {
      o.push_back(nop_option());
      o.push_back(nop_option());
      o.push_back(sack_permitted_option());
    }
    if (ws) {
      o.push_back(nop_option());
      o.push_back(wscale_option(tcb.rcv_shift));
    }
    return;
  }
  // FreeBSD's tcp_addoptions: mss, nop+wscale, sackOK, NOPs to align TS, TS, EOL padding.
  if (ws) {
    o.push_back(nop_option());
    o.push_back(wscale_option(tcb.rcv_shift));
  }
  if (sack) o.push_back(sack_permitted_option());
  if (ts) {
    while (options_length(o) % 4 != 2) o.push_back(nop_option());
    o.push_back(timestamp_option(ts_now(tcb), syn_ack ? tcb.ts_recent : 0));
  }
  while (options_length(o) % 4 != 0) o.push_back(eol_option());
}

void Stack::add_data_options(const Tcb& tcb, net::Segment& seg) const {
  // RFC 7323 §3.2: once negotiated, TSopt MUST go in every non-RST segment and SHOULD go in
  // a RST too.
  if (tcb.ts_ok) {
    seg.options.reserve(6);  // room for the SACK option too: one allocation
    seg.options.push_back(nop_option());
    seg.options.push_back(nop_option());
    seg.options.push_back(timestamp_option(ts_now(tcb), tcb.ts_recent));
  }
  // RFC 2018 §4: SACK blocks describe out-of-order data; the first block MUST hold the most
  // recently received segment, the others follow in sequence order.
  // RFC 2883 (dsack): a duplicate segment is reported by a first block below the cumulative ACK,
  // or inside one of the blocks that follow.
  const bool dsack = tcb.dsack_pending && tcb.sack_ok;
  if (tcb.sack_ok && (!tcb.ooo.empty() || dsack) && (seg.flags & flag::ACK) && !(seg.flags & flag::RST)) {
    const std::size_t max_blocks = tcb.ts_ok ? 3 : 4;
    std::vector<net::SackBlock> all;
    for (const auto& e : tcb.ooo) {
      if (e.data.empty()) continue;  // a lone FIN is not data to SACK
      const std::uint32_t right = e.seq + static_cast<std::uint32_t>(e.data.size());
      if (!all.empty() && all.back().right == e.seq) {
        all.back().right = right;  // adjacent entries form one block
      } else {
        all.push_back({e.seq, right});
      }
    }
    std::vector<net::SackBlock> blocks;
    if (dsack) blocks.push_back({tcb.dsack_left, tcb.dsack_right});
    for (const auto& b : all) {
      if (seq_le(b.left, tcb.sack_recent) && seq_lt(tcb.sack_recent, b.right)) blocks.push_back(b);
    }
    for (const auto& b : all) {
      if (blocks.size() == max_blocks) break;
      if (std::find(blocks.begin(), blocks.end(), b) != blocks.end()) continue;
      blocks.push_back(b);
    }
    seg.options.push_back(nop_option());
    seg.options.push_back(nop_option());
    seg.options.push_back(sack_option(blocks));
  }
}

std::uint16_t Stack::advertised_window(Tcb& tcb, bool syn) {
  const std::uint32_t buffer = tcb.opts.receive_buffer;
  if (syn) {
    // RFC 7323 §2.2: the window in a SYN or SYN-ACK is never scaled.
    std::uint32_t w = std::min<std::uint32_t>({cfg_.initial_window, buffer, 65535});
    if (cfg_.round_window_to_mss) {
      // Linux: a multiple of the segment size it expects to receive (TS shrinks it; a SYN
      // does not know yet whether TS will be used).
      const bool ts = tcb.state != State::SynSent && tcb.ts_ok;
      const std::uint32_t mss = tcb.rcv_mss - (ts ? 12u : 0u);
      if (w > mss) w -= w % mss;
    }
    if (cfg_.grow_window) tcb.rcv_ssthresh = w;
    tcb.rcv_adv = tcb.rcv_nxt + w;
    return static_cast<std::uint16_t>(w);
  }
  std::uint32_t held = static_cast<std::uint32_t>(tcb.recv_buf.size());
  for (const auto& e : tcb.ooo) held += static_cast<std::uint32_t>(e.data.size());
  std::uint32_t space = buffer > held ? buffer - held : 0;
  const std::uint32_t max_wnd = 65535u << tcb.rcv_shift;
  std::uint32_t wnd = std::min({space, max_wnd, tcb.rcv_ssthresh});
  const std::uint32_t cur = tcb.rcv_wnd();
  // RFC 9293 §3.8.6.2.2 (receiver SWS avoidance): move the right edge only in steps of at least
  // min(buffer/2, MSS); and never shrink the window already offered.
  const std::uint32_t step = std::min<std::uint32_t>(buffer / 2, tcb.rcv_mss);
  if (wnd > cur && wnd - cur < step) wnd = cur;
  if (wnd < cur) wnd = cur;
  std::uint32_t field = wnd >> tcb.rcv_shift;
  if ((field << tcb.rcv_shift) < cur) field += 1;  // rounding must not shrink either
  field = std::min<std::uint32_t>(field, 65535);
  const std::uint32_t edge = tcb.rcv_nxt + (field << tcb.rcv_shift);
  if (seq_gt(edge, tcb.rcv_adv)) tcb.rcv_adv = edge;
  return static_cast<std::uint16_t>(field);
}

void Stack::emit(Tcb& tcb, net::Segment seg) {
  ++tcb.segs_out;
  if (!seg.payload.empty()) {
    ++tcb.data_segs_out;
    tcb.bytes_sent += seg.payload.size();
    tcb.last_data_sent = now_;
  }
  if (seg.flags & flag::ACK) {
    tcb.last_ack_sent = seg.ack;
    tcb.ack_now = false;
    tcb.delack_at = kNever;
    tcb.unacked_bytes = 0;
    if (!(seg.flags & flag::RST)) tcb.dsack_pending = false;  // reported once (add_data_options)
  }
  emit_raw(std::move(seg));
}

void Stack::emit_raw(net::Segment seg) { out_.push_back(Emitted{now_, std::move(seg)}); }

void Stack::send_syn(Tcb& tcb) {
  // SYN (active open) or SYN-ACK (passive open, or simultaneous open in SYN-RECEIVED; also
  // its retransmission after close() moved the connection on to FIN-WAIT-1 or LAST-ACK).
  const bool syn_ack = tcb.state != State::SynSent;
  net::Segment s = make_segment(tcb, tcb.iss, syn_ack ? flag::SYN | flag::ACK : flag::SYN);
  // RFC 3168 §6.1.1: an ECN-setup SYN carries ECE and CWR, an ECN-setup SYN-ACK ECE alone; the
  // IP header of either stays not-ECT.
  if (syn_ack && tcb.ecn_ok) s.flags |= flag::ECE;
  if (!syn_ack && tcb.ecn_offered) s.flags |= flag::ECE | flag::CWR;
  s.window = advertised_window(tcb, true);
  add_syn_options(tcb, s, syn_ack);
  if (seq_ge(tcb.iss, tcb.snd_nxt)) tcb.snd_nxt = tcb.iss + 1;
  if (seq_gt(tcb.snd_nxt, tcb.snd_max)) tcb.snd_max = tcb.snd_nxt;
  if (!tcb.rtt_timing && !tcb.syn_retransmitted) {
    tcb.rtt_timing = true;
    tcb.rtt_seq = tcb.iss + 1;
    tcb.rtt_start = now_;
  }
  if (tcb.rexmt_at == kNever) tcb.rexmt_at = now_ + tcb.rto;
  emit(tcb, std::move(s));
}

std::uint32_t Stack::acceptable_seq(const Tcb& tcb) const {
  // RFC 9293 puts SND.NXT in every ACK and abort RST. Linux (tcp_acceptable_seq) uses the right
  // edge of the peer's window, SND.UNA + SND.WND, when SND.NXT lies beyond it by a scale unit or
  // more, so that the peer finds the segment acceptable.
  if (!cfg_.rst_acceptable_seq) return tcb.snd_nxt;
  const std::uint32_t wnd_end = tcb.snd_una + tcb.snd_wnd;
  if (seq_ge(wnd_end, tcb.snd_nxt)) return tcb.snd_nxt;
  if (tcb.wscale_ok && tcb.snd_nxt - wnd_end < (1u << tcb.rcv_shift)) return tcb.snd_nxt;
  return wnd_end;
}

void Stack::send_ack(Tcb& tcb) {
  net::Segment s = make_segment(tcb, acceptable_seq(tcb), flag::ACK);
  s.window = advertised_window(tcb, false);
  add_data_options(tcb, s);
  emit(tcb, std::move(s));
}

void Stack::send_rst(Tcb& tcb) {
  // An abort: <SEQ=SND.NXT><CTL=RST> (RFC 9293 §3.10.5 ABORT); Linux and BSD also set ACK.
  const std::uint16_t flags = cfg_.abort_rst_has_ack ? flag::RST | flag::ACK : flag::RST;
  net::Segment s = make_segment(tcb, acceptable_seq(tcb), flags);
  s.window = advertised_window(tcb, false);
  add_data_options(tcb, s);
  emit(tcb, std::move(s));
}

void Stack::send_reset_for(const net::Segment& seg) {
  // RFC 9293 §3.10.7.1: never answer a RST; if the segment has an ACK, the reset takes its
  // sequence number from the ACK field, otherwise sequence 0 and an ACK of what the segment
  // occupied.
  if (seg.has(flag::RST)) return;
  net::Segment r;
  r.src = seg.dst;
  r.dst = seg.src;
  r.sport = seg.dport;
  r.dport = seg.sport;
  if (seg.has(flag::ACK)) {
    r.seq = seg.ack;
    r.flags = flag::RST;
  } else {
    const auto len = static_cast<std::uint32_t>(seg.payload.size()) +
                     (seg.has(flag::SYN) ? 1 : 0) + (seg.has(flag::FIN) ? 1 : 0);
    r.seq = 0;
    r.ack = seg.seq + len;
    r.flags = flag::RST | flag::ACK;
  }
  emit_raw(std::move(r));
}

bool Stack::linux_holds_window_split(const Tcb& tcb, std::uint32_t pass_start,
                                     std::uint32_t flight) const {
  // A window-limited piece shorter than the MSS (sender_sws_minshall_only). Linux has no RFC 9293
  // §3.8.6.2.1 sender SWS test: tcp_mss_split_point sends the piece of an skb longer than one
  // MSS that fits the window unless Nagle-Minshall holds it (tcp_nagle_check: a small segment is
  // unacknowledged); an skb of at most one MSS goes only whole (tcp_snd_wnd_test). The skb at
  // SND.NXT began where this pass began, or at the end of an earlier write, if later.
  if (flight == 0) return false;  // nothing will be acknowledged: send rather than stall
  const bool minshall = seq_gt(tcb.snd_sml, tcb.snd_una) && seq_le(tcb.snd_sml, tcb.snd_nxt);
  if (!tcb.opts.nodelay && minshall) return true;
  std::uint32_t skb_start = pass_start;
  for (const std::uint32_t mark : tcb.push_marks) {
    if (seq_le(mark, tcb.snd_nxt) && seq_gt(mark, skb_start)) skb_start = mark;
  }
  std::uint32_t skb_end = tcb.data_seq() + static_cast<std::uint32_t>(tcb.send_buf.size());
  for (const std::uint32_t mark : tcb.push_marks) {
    if (seq_gt(mark, tcb.snd_nxt) && seq_lt(mark, skb_end)) skb_end = mark;
  }
  return skb_end - skb_start <= tcb.snd_mss;
}

std::uint32_t Stack::effective_window(const Tcb& tcb) const {
  return std::min(tcb.snd_wnd, tcb.cwnd);
}

void Stack::mark_push(Tcb& tcb, std::uint32_t end_before, std::uint32_t end_after) {
  // Linux's tcp_push marks PSH on the tail skb at the end of every send(). A write whose bytes
  // join a tail skb not yet sent (data still queued behind SND.NXT) extends that skb, so its PSH
  // moves to the new end; otherwise the write starts a new skb with its own mark.
  auto& m = tcb.push_marks;
  std::erase_if(m, [&](std::uint32_t mark) { return seq_le(mark, tcb.snd_una); });
  if (!m.empty() && m.back() == end_before && seq_lt(tcb.snd_nxt, end_before)) {
    m.back() = end_after;
  } else {
    m.push_back(end_after);
  }
}

bool Stack::covers_push_mark(const Tcb& tcb, std::uint32_t seq, std::uint32_t end) const {
  for (const std::uint32_t mark : tcb.push_marks) {
    if (seq_lt(seq, mark) && seq_le(mark, end)) return true;
  }
  return false;
}

bool Stack::send_one(Tcb& tcb, std::uint32_t seq, std::uint32_t max_len, bool retransmission,
                     bool window_probe, bool burst_end) {
  // Sends the data (and FIN, if it follows) starting at `seq`. Returns false if nothing to send.
  const std::uint32_t start = tcb.data_seq();
  if (retransmission && !tcb.syn_acked() && seq == start) {
    // A resend from the start while our SYN-ACK is unacknowledged (close() took SYN-RECEIVED on
    // to FIN-WAIT-1): the SYN-ACK is the earliest segment (RFC 6298 §5.4), the rest waits.
    retransmit_first(tcb);
    tcb.rtx_active = false;
    return false;
  }
  const std::uint32_t offset = seq - start;
  const std::uint32_t buffered = static_cast<std::uint32_t>(tcb.send_buf.size());
  if (offset > buffered) return false;
  std::uint32_t len = std::min({max_len, static_cast<std::uint32_t>(tcb.snd_mss), buffered - offset});
  // A retransmission resends only what was sent before (never new data past SND.NXT).
  if (retransmission) len = std::min(len, tcb.snd_nxt - seq);
  if (retransmission && cfg_.psh_at_write_end) {
    // Linux resends whole skbs (each a write), several while they fit one MSS together
    // (tcp_retrans_try_collapse), or one MSS of a longer one: end at the last write end in reach.
    std::uint32_t cut = 0;
    for (const std::uint32_t mark : tcb.push_marks) {
      if (seq_lt(seq, mark) && seq_le(mark, seq + len) && mark - seq > cut) cut = mark - seq;
    }
    if (cut > 0) len = cut;
  }
  const bool at_end = offset + len == buffered;
  // The FIN goes with the last data, or alone; on retransmission only if it was sent before.
  const bool fin = tcb.fin_queued && at_end && (retransmission ? tcb.fin_sent() : true);
  if (len == 0 && !fin) return false;
  std::uint16_t flags = flag::ACK;
  if (fin) flags |= flag::FIN;
  // PSH (RFC 9293 §3.9.1.2): here when the segment empties the send buffer. Linux fixes it when
  // the data is written (psh_at_write_end): a segment that reaches the end of a write carries
  // it, retransmissions included; and a multi-segment (GSO) burst ends with PSH (burst_end).
  const bool push = cfg_.psh_at_write_end ? covers_push_mark(tcb, seq, seq + len) : at_end;
  if (len > 0 && (push || burst_end)) flags |= flag::PSH;
  net::Segment s = make_segment(tcb, seq, flags);
  s.window = advertised_window(tcb, false);
  add_data_options(tcb, s);
  s.payload.reserve(len);
  tcb.send_buf.copy_to(offset, len, s.payload);
  // RFC 3168 §6.1.2: new data of an ECN connection is ECT(0), and the first new data after a
  // window reduction carries CWR. Never on retransmissions (§6.1.5), window probes (§6.1.6) or
  // segments without data (pure ACKs, a lone FIN: their loss is not seen as congestion).
  if (tcb.ecn_ok && len > 0 && !retransmission && !window_probe && !seq_lt(seq, tcb.snd_max)) {
    s.tos = static_cast<std::uint8_t>((s.tos & ~0x3) | 0x2);
    if (tcb.cwr_pending) {
      s.flags |= flag::CWR;
      tcb.cwr_pending = false;
    }
  }
  const std::uint32_t end = seq + len + (fin ? 1 : 0);
  if (retransmission) {
    ++tcb.total_retrans;
    tcb.bytes_retrans += len;
    // Karn's algorithm: a retransmitted segment never yields an RTT sample.
    if (tcb.rtt_timing && seq_lt(seq, tcb.rtt_seq)) tcb.rtt_timing = false;
  } else if (!tcb.rtt_timing) {
    tcb.rtt_timing = true;
    tcb.rtt_seq = end;
    tcb.rtt_start = now_;
  }
  if (!retransmission && len > 0 && cfg_.pingpong && tcb.last_data_received != kNever &&
      now_ - tcb.last_data_received < cfg_.delayed_ack) {
    tcb.pingpong = true;  // a reply to what just arrived: the connection looks interactive
  }
  note_segment_sent(tcb, seq, end, retransmission);
  if (seq_gt(end, tcb.snd_nxt)) tcb.snd_nxt = end;
  if (seq_gt(end, tcb.snd_max)) tcb.snd_max = end;
  if (len < tcb.snd_mss) tcb.snd_sml = end;
  // RFC 6298 §5.1: the timer runs whenever data is outstanding.
  if (tcb.rexmt_at == kNever) tcb.rexmt_at = now_ + tcb.rto;
  tcb.persist_at = kNever;
  emit(tcb, std::move(s));
  if (retransmission && tcb.rtx_active) tcb.rtx_nxt = end;
  return true;
}

void Stack::retransmit_first(Tcb& tcb) {
  // RFC 6298 §5.4: the earliest unacknowledged segment. That is the SYN (SYN-ACK) as long as it is
  // unacknowledged, also after close() took SYN-RECEIVED on to FIN-WAIT-1: the FIN waits.
  if (!tcb.syn_acked()) {
    tcb.rtt_timing = false;
    ++tcb.total_retrans;
    send_syn(tcb);
    return;
  }
  send_one(tcb, tcb.snd_una == tcb.iss ? tcb.iss + 1 : tcb.snd_una, tcb.snd_mss, true);
}

void Stack::output(Tcb& tcb) {
  const bool can_send = tcb.state == State::Established || tcb.state == State::CloseWait ||
                        tcb.state == State::FinWait1 || tcb.state == State::Closing ||
                        tcb.state == State::LastAck;
  const std::uint32_t pass_start = tcb.snd_nxt;  // where this pass's new data begins
  int burst = 0;  // new segments sent back to back since the pass (or the last write's skb) began
  std::uint32_t burst_size = 0;  // gso_burst_autosize: segments in the current burst (GSO packet)
  while (can_send) {
    // After a timeout: resend what was in flight, go-back-N, as the congestion window allows.
    if (tcb.rtx_active) {
      if (!seq_lt(tcb.rtx_nxt, tcb.snd_nxt)) {
        tcb.rtx_active = false;
        continue;
      }
      const std::uint32_t flight = tcb.rtx_nxt - tcb.snd_una;
      if (flight >= tcb.cwnd) break;
      std::uint32_t room = std::min(tcb.cwnd - flight, tcb.snd_nxt - tcb.rtx_nxt);
      // Nothing beyond the peer's window either (RFC 9293 3.8.6 SHLD-15; resending old data
      // beyond it is MAY-7, which Linux does not do), except the oldest segment, which the timer
      // resends whatever the window (as a probe would).
      if (tcb.rtx_nxt != tcb.snd_una) {
        if (flight >= tcb.snd_wnd) break;
        room = std::min(room, tcb.snd_wnd - flight);
      }
      if (!send_one(tcb, tcb.rtx_nxt, std::max<std::uint32_t>(room, 1), true)) {
        tcb.rtx_active = false;
      }
      continue;
    }
    const std::uint32_t offset = tcb.snd_nxt - tcb.data_seq();
    const std::uint32_t buffered = static_cast<std::uint32_t>(tcb.send_buf.size());
    const std::uint32_t avail = offset < buffered ? buffered - offset : 0;
    const bool fin_pending = tcb.fin_queued && !tcb.fin_sent();
    if (avail == 0 && !fin_pending) break;
    const std::uint32_t wnd = effective_window(tcb);
    const std::uint32_t flight = tcb.in_flight();
    const std::uint32_t usable = wnd > flight ? wnd - flight : 0;
    const std::uint32_t len = std::min({avail, static_cast<std::uint32_t>(tcb.snd_mss), usable});
    if ((avail > 0 && len == 0) || (avail == 0 && usable == 0)) {
      // Closed window (a FIN occupies sequence space too). With nothing in flight, the persist
      // timer probes it (RFC 9293 §3.8.6.1).
      if (tcb.snd_wnd == 0 && flight == 0 && tcb.persist_at == kNever) {
        tcb.persist_backoff = tcb.rto;
        tcb.persist_at = now_ + tcb.persist_backoff;
      }
      break;
    }
    if (len < avail && len < tcb.snd_mss) {
      if (cfg_.sender_sws_minshall_only) {
        // tcp_write_xmit: a burst (GSO skb) that starts here needs a full MSS of window
        // (tcp_snd_wnd_test); the short piece only ends a burst that began with full segments.
        if (burst == 0 && flight > 0) break;
        if (linux_holds_window_split(tcb, pass_start, flight)) break;
      } else if (len < tcb.max_snd_wnd / 2 && flight > 0) {
        break;  // sender SWS avoidance (RFC 9293 §3.8.6.2.1): wait for a useful window
      }
    }
    if (len > 0 && len == avail && len < tcb.snd_mss && !tcb.opts.nodelay && !fin_pending) {
      // Nagle (RFC 1122 §4.2.3.4): hold a small segment while data is unacknowledged; Linux's
      // Minshall variant holds it only while an earlier small segment is unacknowledged.
      const bool hold = cfg_.nagle == NagleMode::Classic ? flight > 0
                                                          : seq_gt(tcb.snd_sml, tcb.snd_una) &&
                                                            seq_le(tcb.snd_sml, tcb.snd_nxt);
      if (hold) break;
    }
    // Linux sends a multi-segment skb as GSO bursts of push_chunk_segments segments (at the
    // fuzzer's rates); __tcp_transmit_skb sets PSH on each, which lands on its last segment.
    // Measured on 6.18: with an MSS below 536 (TCP_MSS_DEFAULT) a whole write goes as one burst.
    int chunk = tcb.snd_mss >= 536 ? cfg_.push_chunk_segments : 0;
    if (cfg_.gso_burst_autosize && cfg_.push_chunk_segments > 0) {
      // The burst is sized when it starts (tcp_write_xmit): tcp_tso_autosize, tcp_cwnd_test's
      // quota (free cwnd in segments, at most half the cwnd: "at least 2 GSO packets in flight")
      // and the data and window there are. A burst of one segment is no GSO packet: no PSH. The
      // MSS rule above is this too: below ~150 kB/s (MSS < 536 at 100 ms) bursts are 1 segment.
      if (burst == 0) {
        const std::uint32_t mss = std::max<std::uint32_t>(tcb.snd_mss, 1);
        const std::uint32_t cwnd_segs = std::max<std::uint32_t>(tcb.cwnd / mss, 1);
        const std::uint32_t flight_segs = (flight + mss - 1) / mss;
        const std::uint32_t quota = cwnd_segs > flight_segs ? cwnd_segs - flight_segs : 1;
        const std::uint32_t send_room = tcb.snd_wnd > flight ? tcb.snd_wnd - flight : len;
        const std::uint32_t data_segs = (std::min(avail, std::max(send_room, len)) + mss - 1) / mss;
        const auto floor = static_cast<std::uint32_t>(cfg_.push_chunk_segments);
        burst_size = std::min({gso_max_segments(tcb, floor), std::max<std::uint32_t>(cwnd_segs / 2, 1),
                               quota, std::max<std::uint32_t>(data_segs, 1)});
      }
      chunk = static_cast<int>(burst_size);
    }
    const bool burst_end = chunk > 1 && burst + 1 == chunk;
    if (!send_one(tcb, tcb.snd_nxt, len, false, false, burst_end)) break;
    ++burst;
    const bool burst_done =
        cfg_.gso_burst_autosize && burst_size > 0 && burst >= static_cast<int>(burst_size);
    if (burst_end || burst_done || (cfg_.psh_at_write_end && covers_push_mark(tcb, tcb.snd_nxt - 1, tcb.snd_nxt))) {
      burst = 0;  // the burst, or the write's skb, ends here
    }
  }
  if (tcb.ack_now) send_ack(tcb);
}

}  // namespace synack::reference
