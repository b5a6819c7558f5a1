// The sixth to eighth steps of RFC 9293 §3.10.7.4: urgent pointer, segment text (with
// reassembly of out-of-order data and the acknowledgment policy), and FIN.
#include <algorithm>

#include "targets/reference/socket.h"
#include "targets/reference/stack.h"

namespace synack::reference {

using net::seq_ge;
using net::seq_gt;
using net::seq_le;
using net::seq_lt;
namespace flag = net::flag;

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
  } else if (tcb.unacked_bytes > tcb.rcv_seg_max) {
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
        if (tcb.unacked_bytes <= tcb.rcv_seg_max && !v.filled_hole) {
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
