// The sixth to eighth steps of RFC 9293 §3.10.7.4: urgent pointer, segment text (with
// reassembly of out-of-order data and the acknowledgment policy), and FIN.
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

// Linux (with rcv_mss_capped): whether the window keeps up with a segment of `seg` payload
// bytes, the largest one received. __tcp_ack_snd_check ACKs "more than one full frame" at
// once only if the right edge of the window advances (__tcp_select_window() >= rcv_wnd). The
// free space is counted in memory, scaled by len / skb->truesize learned from that segment
// (tcp_measure_rcv_mss, scaling_ratio); truesize is a power-of-two buffer for the payload plus
// 424 B (headers, padding, shared info), plus 256 B. When the payload is about half of that or
// less, the window offered shrinks and the ACK waits for the timer. Measured on the harness's
// kernel target (peer MSS 500, 1000, 1460 alike); the lengths for which the window keeps up:
bool linux_window_keeps_up(std::uint32_t seg) {
  if (seg < 1161) return false;  // 2 KiB buffer: len/truesize below 129/256
  if (seg <= 1624) return true;
  if (seg < 2210) return false;  // 4 KiB buffer: below 130/256
  if (seg <= 3672) return true;
  return seg >= 4455;            // 8 KiB buffer: below 135/256; 4455..30000 B all kept up
}

// More than one full-sized segment is unacknowledged (RFC 1122 4.2.3.2: ACK at least every
// second one): ACK at once. `pending` is what arrived since our last ACK. The reference's
// full-sized segment is the largest payload seen; Linux's (icsk_ack.rcv_mss) is that capped at
// the MSS we announced, and it also needs the window to keep up (linux_window_keeps_up).
bool full_segment_unacked(const Tcb& tcb, const StackConfig& cfg, std::uint32_t pending) {
  if (!cfg.rcv_mss_capped) return pending > tcb.rcv_seg_max;
  const std::uint32_t rcv_mss = std::min<std::uint32_t>(tcb.rcv_seg_max, tcb.rcv_mss);
  return pending > rcv_mss && linux_window_keeps_up(tcb.rcv_seg_max);
}

// Linux's header prediction (tcp_rcv_established): a bare ACK at RCV.NXT whose header length
// (timestamps only, if in use) and window field are the predicted ones is taken on the fast
// path and never reaches the ACK check (tcp_ack_snd_check). `prior_wnd` is SND.WND before this
// segment; the prediction holds only with nothing queued out of order and a window open.
bool header_predicted_pure_ack(const Tcb& tcb, const net::Segment& seg, std::uint32_t prior_wnd) {
  constexpr std::uint16_t kPredicted =
      flag::FIN | flag::SYN | flag::RST | flag::ACK | flag::URG | flag::ECE | flag::CWR;
  if ((seg.flags & kPredicted) != flag::ACK || !seg.payload.empty() || seg.seq != tcb.rcv_nxt) {
    return false;
  }
  std::size_t opt_len = seg.after_eol.size();
  for (const net::TcpOption& o : seg.options) {
    const bool single = o.kind == net::option_kind::EOL || o.kind == net::option_kind::NOP;
    opt_len += single ? 1 : 2 + o.data.size();
  }
  opt_len = (opt_len + 3) / 4 * 4;
  if (opt_len != (tcb.ts_ok ? 12u : 0u)) return false;
  if (tcb.ts_ok && !parse_options(seg).timestamp) return false;
  return (prior_wnd >> tcb.snd_shift) == seg.window && tcb.ooo.empty() && tcb.rcv_wnd() != 0;
}

// Linux (tcp_send_delayed_ack, "If delack timer is about to expire, send ACK now"): a delayed
// ACK already pending and due within a quarter of its timeout (ato / 4) goes at once. Before any
// data the timeout (icsk_ack.ato) is 0, so a pending ACK is always due.
bool delayed_ack_due(const Tcb& tcb, const StackConfig& cfg, Micros now) {
  if (tcb.delack_at == kNever) return false;
  if (cfg.delayed_ack_before_data > 0 && tcb.bytes_delivered == 0) return true;
  return tcb.delack_at - now <= cfg.delayed_ack / 4;
}

}  // namespace

// delack_due_acks_now: Linux's ACK check (tcp_ack_snd_check) for a segment that reached the text
// step; whether it sends a pending delayed ACK now. It runs for every such segment except a
// header-predicted bare ACK in ESTABLISHED (tcp_rcv_established's fast path). Records SND.WND
// (after this segment) for the next prediction.
bool linux_ack_check_sends_delayed_ack(Tcb& tcb, const StackConfig& cfg, Micros now,
                                       const net::Segment& seg) {
  const std::uint32_t prior_wnd = tcb.hp_snd_wnd_known ? tcb.hp_snd_wnd : tcb.snd_wnd;
  tcb.hp_snd_wnd = tcb.snd_wnd;
  tcb.hp_snd_wnd_known = true;
  if (tcb.state == State::Established && header_predicted_pure_ack(tcb, seg, prior_wnd)) {
    return false;
  }
  return delayed_ack_due(tcb, cfg, now);
}

void Stack::process_urg(Tcb& tcb, SegView& v) {
  // Sixth: only ESTABLISHED, FIN-WAIT-1 and FIN-WAIT-2 take urgent data; the data stays inline.
  if (!v.seg.has(flag::URG)) return;
  if (tcb.state != State::Established && tcb.state != State::FinWait1 &&
      tcb.state != State::FinWait2) {
    trace(&tcb, "3.10.7.4 sixth: URG ignored in this state");
    return;
  }
  const std::uint32_t up = v.seg.seq + v.seg.urgent;
  // The first pointer is taken as is (RCV.UP has no meaningful value before it).
  if (!tcb.urg_seen || seq_gt(up, tcb.rcv_up)) tcb.rcv_up = up;
  tcb.urg_seen = true;
  trace(&tcb, "3.10.7.4 sixth: RCV.UP <- max(RCV.UP, SEG.UP)");
}

void Stack::process_text(Tcb& tcb, SegView& v) {
  // Seventh: text goes to the user in ESTABLISHED, FIN-WAIT-1 and FIN-WAIT-2 only.
  const bool out_of_order = seq_gt(v.seq, tcb.rcv_nxt);
  if (cfg_.delack_due_acks_now && linux_ack_check_sends_delayed_ack(tcb, cfg_, now_, v.seg)) {
    tcb.ack_now = true;
    trace(&tcb, "Linux (tcp_send_delayed_ack): delayed ACK due within ato/4, send it now");
  }
  if (v.data.empty() && !(v.fin && out_of_order)) return;
  if (tcb.state != State::Established && tcb.state != State::FinWait1 &&
      tcb.state != State::FinWait2) {
    trace(&tcb, "3.10.7.4 seventh: text after the peer's FIN, ignored");
    v.data = {};
    return;
  }
  if (tcb.user_closed && !v.data.empty()) {
    // RFC 9293 §3.6.1 / RFC 1122 §4.2.2.13: new data after close() cannot reach anyone: RST.
    // The reset answers the segment (<SEQ=SEG.ACK><CTL=RST>), as Linux's reply reset does.
    trace(&tcb, "RFC 9293 3.6.1: data arrived after close, send RST");
    send_reset_for(v.seg);
    terminate(tcb, 0, "3.10.5 ABORT: CLOSED");
    v.data = {};
    v.fin = false;
    return;
  }
  if (cfg_.shut_rd_data_resets && tcb.read_shutdown && !v.data.empty() &&
      (tcb.state == State::FinWait1 || tcb.state == State::FinWait2)) {
    // Linux (tcp_rcv_state_process, FIN-WAIT-1/2): shutdown(SHUT_RD) sets RCV_SHUTDOWN as close()
    // does, and new data draws the same reset; the descriptor is still open, so the next recv()
    // reports ECONNRESET (tcp_reset), later ones 0. In ESTABLISHED Linux queues the data.
    trace(&tcb, "FIN-WAIT (Linux): data after shutdown(SHUT_RD), send RST");
    send_reset_for(v.seg);
    terminate(tcb, ECONNRESET, "FIN-WAIT (Linux): connection reset, CLOSED");
    v.data = {};
    v.fin = false;
    return;
  }
  tcb.rcv_seg_max = std::max(tcb.rcv_seg_max, static_cast<std::uint32_t>(v.data.size()));
  if (!v.data.empty()) tcb.last_data_received = now_;
  if (out_of_order) {
    // Queue beyond RCV.NXT (SHOULD), and ACK at once: RFC 5681 §4.2 (duplicate ACK with SACK).
    trace(&tcb, "3.10.7.4 seventh: out-of-order text queued, send duplicate ACK");
    std::uint32_t seq = v.seq;
    if (!v.data.empty()) tcb.sack_recent = v.seq;
    std::vector<std::uint8_t> bytes(v.data.begin(), v.data.end());
    bool fin = v.fin;
    // Trim what overlaps data already queued, then insert in order.
    auto it = tcb.ooo.begin();
    for (; it != tcb.ooo.end(); ++it) {
      const std::uint32_t e_end = it->seq + static_cast<std::uint32_t>(it->data.size());
      if (seq_le(e_end, seq)) continue;           // entry entirely before
      if (seq_ge(it->seq, seq + static_cast<std::uint32_t>(bytes.size()))) break;  // after
      // Overlap: keep the queued copy, drop the overlapping part of the new one.
      if (seq_lt(seq, it->seq)) {
        const std::uint32_t keep = it->seq - seq;
        bytes.resize(keep);
        fin = false;
        break;
      }
      const std::uint32_t end = seq + static_cast<std::uint32_t>(bytes.size());
      if (seq_le(end, e_end)) {
        // Entirely inside queued data. A FIN right after that data belongs to the entry; a
        // FIN inside it contradicts what the peer sent before and is ignored.
        if (fin && end == e_end) it->fin = true;
        bytes.clear();
        fin = false;
        break;
      }
      const std::uint32_t skip = e_end - seq;
      bytes.erase(bytes.begin(), bytes.begin() + skip);
      seq = e_end;
    }
    if (!bytes.empty() || fin) tcb.ooo.insert(it, OutOfOrder{seq, std::move(bytes), fin});
    v.data = {};
    v.fin = false;
    tcb.ack_now = true;
    return;
  }
  const bool filled_hole = !tcb.ooo.empty();
  const auto n = static_cast<std::uint32_t>(v.data.size());
  tcb.recv_buf.append(v.data);
  tcb.bytes_delivered += n;
  tcb.rcv_nxt += n;
  tcb.unacked_bytes += n;
  if (cfg_.grow_window && tcb.rcv_ssthresh < tcb.opts.receive_buffer) {
    // Linux's tcp_grow_window, simplified: two segments' worth per segment received.
    tcb.rcv_ssthresh = std::min(tcb.rcv_ssthresh + 2u * tcb.rcv_mss, tcb.opts.receive_buffer);
  }
  // Pull queued out-of-order data that is now in sequence.
  while (!tcb.ooo.empty() && seq_le(tcb.ooo.front().seq, tcb.rcv_nxt)) {
    OutOfOrder& e = tcb.ooo.front();
    const std::uint32_t skip = tcb.rcv_nxt - e.seq;
    if (skip < e.data.size()) {
      const std::span<const std::uint8_t> rest(e.data.data() + skip, e.data.size() - skip);
      tcb.recv_buf.append(rest);
      tcb.bytes_delivered += rest.size();
      tcb.rcv_nxt += static_cast<std::uint32_t>(rest.size());
    }
    const bool reached_fin = e.fin && skip <= e.data.size();
    tcb.ooo.erase(tcb.ooo.begin());
    if (reached_fin) {
      v.fin = true;
      break;
    }
  }
  if (v.fin) tcb.ooo.clear();
  // When to acknowledge (RFC 9293 §3.8.6.3, RFC 5681 §4.2).
  if (filled_hole) {
    v.filled_hole = true;
    tcb.ack_now = true;
    trace(&tcb, "3.10.7.4 seventh: text fills a hole, ACK at once");
  } else if (tcb.quickacks > 0 && !tcb.pingpong) {
    --tcb.quickacks;
    tcb.ack_now = true;
    trace(&tcb, "3.10.7.4 seventh: text accepted, ACK at once (quickack)");
  } else if (full_segment_unacked(tcb, cfg_, tcb.unacked_bytes)) {
    tcb.ack_now = true;
    trace(&tcb, "3.10.7.4 seventh: second full segment, ACK at once");
  } else {
    if (tcb.delack_at == kNever) tcb.delack_at = now_ + cfg_.delayed_ack;
    trace(&tcb, "3.10.7.4 seventh: text accepted, ACK delayed");
  }
}

void Stack::check_fin(Tcb& tcb, SegView& v) {
  // Eighth. (CLOSED, LISTEN and SYN-SENT never get here.)
  if (!v.fin || tcb.state == State::Closed) return;
  if (tcb.fin_received) {
    trace(&tcb, "3.10.7.4 eighth: second FIN, ACK it, nothing else changes");
    tcb.ack_now = true;
    return;
  }
  tcb.rcv_nxt += 1;
  tcb.fin_received = true;
  tcb.ooo.clear();  // nothing beyond the FIN can ever be delivered
  tcb.ack_now = true;
  switch (tcb.state) {
    case State::SynReceived:
    case State::Established:
      set_state(tcb, State::CloseWait, "3.10.7.4 eighth: FIN, CLOSE-WAIT");
      if (cfg_.delay_fin_ack) {
        // Linux (tcp_fin) enters "pingpong" mode here: no more quick ACKs, and the FIN's ACK
        // waits for the delayed-ACK timer unless more than a full segment is unacknowledged.
        tcb.pingpong = true;
        // ... except when the FIN came out of the reassembly queue: filling a hole is ACKed at
        // once (tcp_data_queue, RFC 5681 4.2), FIN or not.
        // Linux counts the FIN in rcv_nxt - rcv_wup: it is one more byte pending.
        const std::uint32_t pending = tcb.unacked_bytes + (cfg_.rcv_mss_capped ? 1u : 0u);
        if (!full_segment_unacked(tcb, cfg_, pending) && !v.filled_hole) {
          tcb.ack_now = false;
          // Linux's delayed-ACK timeout (icsk_ack.ato) is 0 until the first data arrives, so
          // the FIN of a connection that never carried data is ACKed at the next tick. Only text
          // taken in order counts (tcp_event_data_recv), not a segment that was refused.
          const bool before_data = cfg_.delayed_ack_before_data > 0 && tcb.bytes_delivered == 0;
          const Micros delay = before_data ? cfg_.delayed_ack_before_data : cfg_.delayed_ack;
          if (tcb.delack_at == kNever) tcb.delack_at = now_ + delay;
          trace(&tcb, before_data ? "CLOSE-WAIT (Linux): ACK of the FIN delayed to the next tick (no data yet)"
                                  : "CLOSE-WAIT (Linux): ACK of the FIN delayed");
        }
      }
      break;
    case State::FinWait1:
      if (tcb.fin_acked()) {
        enter_time_wait(tcb);
      } else {
        set_state(tcb, State::Closing, "3.10.7.4 eighth: FIN in FIN-WAIT-1 (simultaneous close), CLOSING");
      }
      break;
    case State::FinWait2:
      enter_time_wait(tcb);
      break;
    default:
      trace(&tcb, "3.10.7.4 eighth: FIN again, remain");
      break;
  }
}

void Stack::enter_time_wait(Tcb& tcb) {
  set_state(tcb, State::TimeWait, "3.10.7.4: TIME-WAIT, timers off, 2 MSL timer started");
  tcb.rexmt_at = tcb.persist_at = tcb.keepalive_at = tcb.delack_at = kNever;
  tcb.rtx_active = false;
  tcb.close_at = now_ + cfg_.time_wait;
}

}  // namespace synack::reference
