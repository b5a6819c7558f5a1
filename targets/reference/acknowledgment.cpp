// What an acceptable ACK does to the send side: the retransmission queue, RTT samples
// (RFC 6298), the congestion window (RFC 5681, NewReno RFC 6582) and duplicate ACKs.
#include <algorithm>

#include "targets/reference/socket.h"
#include "targets/reference/stack.h"

namespace synack::reference {

using net::seq_ge;
using net::seq_gt;
using net::seq_le;
using net::seq_lt;
namespace flag = net::flag;

void Stack::update_rto(Tcb& tcb, Micros r) {
  // RFC 6298 §2.2-2.4, with clock granularity G = 1 ms.
  constexpr Micros G = kMillis;
  if (!tcb.have_rtt) {
    tcb.srtt = r;
    tcb.rttvar = r / 2;
    tcb.have_rtt = true;
  } else {
    const Micros delta = tcb.srtt > r ? tcb.srtt - r : r - tcb.srtt;
    tcb.rttvar = (3 * tcb.rttvar + delta) / 4;
    tcb.srtt = (7 * tcb.srtt + r) / 8;
  }
  tcb.rto = std::clamp(tcb.srtt + std::max(G, 4 * tcb.rttvar), cfg_.rto_min, cfg_.rto_max);
  tcb.backoff = 0;
}

void Stack::take_rtt_sample(Tcb& tcb, std::uint32_t ack) {
  if (!tcb.rtt_timing || seq_lt(ack, tcb.rtt_seq)) return;
  tcb.rtt_timing = false;
  update_rto(tcb, now_ - tcb.rtt_start);
}

void Stack::acknowledge(Tcb& tcb, std::uint32_t ack, bool grow_cwnd) {
  // SND.UNA < SEG.ACK <= SND.NXT: remove what is acknowledged from the retransmission queue.
  std::uint32_t acked = ack - tcb.snd_una;
  std::uint32_t total = acked;  // what counts for the congestion window: not the SYN
  if (!tcb.syn_acked()) {
    --acked;
    --total;
  }
  if (tcb.fin_queued && seq_gt(ack, tcb.fin_seq)) --acked;  // the FIN
  tcb.send_buf.consume(std::min<std::size_t>(acked, tcb.send_buf.size()));
  take_rtt_sample(tcb, ack);
  tcb.snd_una = ack;
  if (tcb.rtx_active && seq_lt(tcb.rtx_nxt, tcb.snd_una)) tcb.rtx_nxt = tcb.snd_una;
  tcb.retries = 0;
  tcb.soft_error = 0;  // the path works again: a remembered ICMP error is stale (Linux's tcp_ack)
  tcb.dupacks = 0;
  // Congestion control (RFC 5681 §3.1, NewReno RFC 6582 §3.2).
  const std::uint32_t mss = tcb.snd_mss;
  if (tcb.in_recovery) {
    if (seq_ge(ack, tcb.recover)) {
      tcb.in_recovery = false;
      tcb.cwnd = tcb.ssthresh;
    } else {
      trace(&tcb, "RFC 6582 3.2: partial ACK in fast recovery, retransmit next segment");
      send_one(tcb, tcb.snd_una, mss, true);
      tcb.cwnd = tcb.cwnd > total ? tcb.cwnd - total + mss : mss;
    }
  } else if (total == 0 || !grow_cwnd) {
    // Only the SYN was acknowledged, or the ACK carries ECE: the window does not grow.
  } else if (tcb.cwnd < tcb.ssthresh) {
    tcb.cwnd += std::min(total, mss);
  } else {
    tcb.cwnd += std::max<std::uint32_t>(1, mss * mss / std::max<std::uint32_t>(tcb.cwnd, 1));
  }
  // RFC 6298 §5.2/5.3: stop the timer when all is acknowledged, else restart it.
  if (tcb.snd_una == tcb.snd_max) {
    tcb.rexmt_at = kNever;
    tcb.rtx_active = false;
  } else {
    tcb.rexmt_at = now_ + tcb.rto;
  }
}

void Stack::handle_duplicate_ack(Tcb& tcb) {
  ++tcb.dupacks;
  const std::uint32_t mss = tcb.snd_mss;
  if (tcb.dupacks == cfg_.dupack_threshold && !tcb.in_recovery) {
    // RFC 5681 §3.2 steps 2-4: fast retransmit, then fast recovery.
    trace(&tcb, "RFC 5681 3.2: third duplicate ACK, fast retransmit");
    tcb.ssthresh = std::max(tcb.in_flight() / 2, 2 * mss);
    tcb.recover = tcb.snd_nxt;
    tcb.in_recovery = true;
    note_window_reduction(tcb);
    send_one(tcb, tcb.snd_una, mss, true);
    tcb.cwnd = tcb.ssthresh + 3 * mss;
  } else if (tcb.in_recovery) {
    tcb.cwnd += mss;  // step 5: each further duplicate inflates the window
  }
}

void Stack::note_window_reduction(Tcb& tcb) {
  // RFC 3168 §6.1.2: after any window reduction (ECE, fast retransmit, timeout) the first new
  // data segment carries CWR; ECEs for data sent before the reduction are not acted on again.
  if (!tcb.ecn_ok) return;
  tcb.cwr_pending = true;
  tcb.ecn_recover = tcb.snd_max;
}

void Stack::on_ecn_echo(Tcb& tcb, std::uint32_t ack) {
  // "TCP should not react to congestion indications more than once every window of data": an
  // ECE that acknowledges nothing sent after the last reduction, or one during fast recovery
  // (which already reduced the window), changes nothing.
  if (tcb.in_recovery || !seq_gt(ack, tcb.ecn_recover)) return;
  // "The indication of congestion should be treated just as a congestion loss": halve cwnd and
  // reduce ssthresh (RFC 5681's floor of two segments for ssthresh, one for cwnd).
  const std::uint32_t mss = tcb.snd_mss;
  const bool at_one_segment = tcb.cwnd <= mss;
  tcb.ssthresh = std::max(tcb.cwnd / 2, 2 * mss);
  tcb.cwnd = std::max(tcb.cwnd / 2, mss);
  note_window_reduction(tcb);
  trace(&tcb, "RFC 3168 6.1.2: ECN-Echo, congestion window halved, CWR on the next new data");
  // "The sending TCP MUST reset the retransmit timer on receiving the ECN-Echo packet when the
  // congestion window is one."
  if (at_one_segment && tcb.snd_una != tcb.snd_max) tcb.rexmt_at = now_ + tcb.rto;
}

}  // namespace synack::reference
