#include "targets/reference/dsack.h"

namespace synack::reference {

using net::seq_ge;
using net::seq_gt;
using net::seq_le;
using net::seq_lt;
namespace flag = net::flag;

namespace {

// ---- RFC 2883 D-SACK (dsack): where duplicate text is found, its range is remembered for the
// first SACK block of the next ACK (output.cpp add_data_options). ----

// Linux keeps D-SACK state only on full sockets that negotiated SACK: not on a request sock
// (passive SYN-RECEIVED) or a timewait sock, and never for a SYN (answered by a challenge ACK).
bool dsack_applies(const StackConfig& cfg, const Tcb& tcb, const SegView& v) {
  return cfg.dsack && tcb.sack_ok && !v.seg.has(flag::SYN) && tcb.state != State::TimeWait &&
         !(tcb.state == State::SynReceived && tcb.passive);
}

// tcp_dsack_set: the duplicate range replaces any unreported one.
void dsack_set(Tcb& tcb, std::uint32_t left, std::uint32_t right) {
  tcb.dsack_pending = true;
  tcb.dsack_left = left;
  tcb.dsack_right = right;
}

// tcp_dsack_extend: with a range already pending, it grows only if the new one touches it.
void dsack_extend(Tcb& tcb, std::uint32_t left, std::uint32_t right) {
  if (!tcb.dsack_pending) return dsack_set(tcb, left, right);
  if (seq_gt(left, tcb.dsack_right) || seq_gt(tcb.dsack_left, right)) return;
  if (seq_lt(left, tcb.dsack_left)) tcb.dsack_left = left;
  if (seq_gt(right, tcb.dsack_right)) tcb.dsack_right = right;
}

}  // namespace

// The segment starts below RCV.NXT: its octets (and FIN) there arrived before. Linux: a wholly
// old segment (tcp_data_queue, tcp_send_dupack) or the head of a partial one ("Partial packet,
// seq < rcv_next < end_seq"). Returns whether a range was recorded.
bool note_old_duplicate(const StackConfig& cfg, Tcb& tcb, const SegView& v) {
  if (!dsack_applies(cfg, tcb, v) || v.len() == 0 || !seq_lt(v.seq, tcb.rcv_nxt)) return false;
  const std::uint32_t end = v.seq + v.len();
  dsack_set(tcb, v.seq, seq_lt(end, tcb.rcv_nxt) ? end : tcb.rcv_nxt);
  return true;
}

// Text at or beyond RCV.NXT that overlaps queued out-of-order data: the overlap is a duplicate.
// Linux tcp_data_queue_ofo: a segment that starts inside a queued one sets the range
// (tcp_dsack_set); queued segments it covers from their start extend it (tcp_dsack_extend), as
// tcp_ofo_queue does for queued data that in-order text overlaps. Returns whether one was noted.
bool note_queued_duplicate(const StackConfig& cfg, Tcb& tcb, const SegView& v) {
  if (!dsack_applies(cfg, tcb, v) || tcb.ooo.empty() || v.len() == 0 ||
      seq_lt(v.seq, tcb.rcv_nxt)) {
    return false;
  }
  if (tcb.state != State::Established && tcb.state != State::FinWait1 &&
      tcb.state != State::FinWait2) {
    return false;  // no text is queued after the peer's FIN (process_text)
  }
  const std::uint32_t s = v.seq;
  const std::uint32_t e = v.seq + v.len();
  bool noted = false;
  for (const OutOfOrder& q : tcb.ooo) {
    const std::uint32_t qs = q.seq;
    const std::uint32_t qe = q.seq + static_cast<std::uint32_t>(q.data.size()) + (q.fin ? 1u : 0u);
    if (!seq_lt(s, qe) || !seq_lt(qs, e)) continue;  // no overlap
    if (seq_ge(s, qs) && seq_le(e, qe)) {
      dsack_set(tcb, s, e);  // "All the bits are present"
    } else if (seq_gt(s, qs)) {
      dsack_set(tcb, s, qe);  // "Partial overlap"
    } else {
      dsack_extend(tcb, qs, seq_lt(e, qe) ? e : qe);
    }
    noted = true;
  }
  return noted;
}


}  // namespace synack::reference
