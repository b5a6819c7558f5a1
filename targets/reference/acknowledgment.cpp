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

namespace {

// Linux's tcp_rtt_estimator and __tcp_set_rto (rto_estimator = linux) for a sample `m` taken
// by an ACK that moves SND.UNA to `una`. The variance term is floored at rto_min, so the RTO is
// at least SRTT + rto_min (RFC 6298 floors the sum instead). The floor is re-applied and the term
// decays by a quarter only once per window of data (rttvar_window_end), and a falling RTT lowers
// the deviation with a gain of 1/32 rather than 1/4.
void linux_rtt_estimator(Tcb& tcb, Micros m, std::uint32_t una, const StackConfig& cfg) {
  if (tcb.srtt8 == 0) {
    // First sample: SRTT = m, 4·mdev = 2·m, so the RTO is 3·m unless rto_min is larger.
    tcb.srtt8 = m * 8;
    tcb.mdev4 = m * 2;
    tcb.rttvar_floor = std::max(tcb.mdev4, cfg.rto_min);
    tcb.mdev4_max = tcb.rttvar_floor;
    tcb.rttvar_window_end = tcb.snd_nxt;
  } else {
    Micros err = m - tcb.srtt8 / 8;
    tcb.srtt8 += err;  // SRTT = 7/8 SRTT + 1/8 m
    if (err < 0) {
      err = -err - tcb.mdev4 / 4;
      if (err > 0) err /= 8;  // the RTT fell: gain 1/32, so the RTO does not grow on it
    } else {
      err -= tcb.mdev4 / 4;
    }
    tcb.mdev4 += err;  // mdev = 3/4 mdev + 1/4 |error|
    if (tcb.mdev4 > tcb.mdev4_max) {
      tcb.mdev4_max = tcb.mdev4;
      tcb.rttvar_floor = std::max(tcb.rttvar_floor, tcb.mdev4_max);
    }
    if (seq_gt(una, tcb.rttvar_window_end)) {
      if (tcb.mdev4_max < tcb.rttvar_floor) tcb.rttvar_floor -= (tcb.rttvar_floor - tcb.mdev4_max) / 4;
      tcb.rttvar_window_end = tcb.snd_nxt;
      tcb.mdev4_max = cfg.rto_min;
    }
  }
  tcb.srtt8 = std::max<Micros>(tcb.srtt8, 1);
  tcb.srtt = tcb.srtt8 / 8;    // as tcpi_rtt shows it
  tcb.rttvar = tcb.mdev4 / 4;  // as tcpi_rttvar shows it
  tcb.have_rtt = true;
  tcb.rto = std::min(tcb.srtt + tcb.rttvar_floor, cfg.rto_max);  // tcp_bound_rto
  tcb.backoff = 0;
}

// partial_segment_ack_keeps_timer: the segments that SND.UNA = `ack` has passed are gone.
void forget_acknowledged_segments(Tcb& tcb, std::uint32_t ack) {
  std::vector<std::uint32_t>& ends = tcb.sent_ends;
  const auto passed = std::find_if(ends.begin(), ends.end(), [ack](std::uint32_t e) { return seq_gt(e, ack); });
  ends.erase(ends.begin(), passed);
}

}  // namespace

void Stack::take_rtt_sample(Tcb& tcb, std::uint32_t ack) {
  if (!tcb.rtt_timing || seq_lt(ack, tcb.rtt_seq)) return;
  tcb.rtt_timing = false;
  if (cfg_.rto_estimator == RtoEstimator::Linux) {
    linux_rtt_estimator(tcb, now_ - tcb.rtt_start, ack, cfg_);
  } else {
    update_rto(tcb, now_ - tcb.rtt_start);
  }
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
  // Linux (tcp_clean_rtx_queue, partial_segment_ack_keeps_timer): an ACK that ends inside the
  // oldest segment as sent acknowledges no whole skb, so it sets no FLAG_DATA_ACKED: no RTT
  // sample, no cwnd growth and no restart of the retransmission (or loss probe) timer
  // (tcp_set_xmit_timer). RFC 6298 §5.3 restarts the timer on any ACK of new data.
  const bool inside_segment = tcb.syn_acked() && !tcb.sent_ends.empty() && seq_lt(ack, tcb.sent_ends.front());
  forget_acknowledged_segments(tcb, ack);
  if (inside_segment) {
    trace(&tcb, "profile: ACK inside the oldest segment as sent, RTO kept, no RTT sample (Linux tcp_clean_rtx_queue)");
  } else {
    take_rtt_sample(tcb, ack);
  }
  if (!tcb.syn_acked() && !tcb.have_rtt && cfg_.rto_estimator == RtoEstimator::Linux) {
    // Linux's tcp_init_metrics: a handshake that gave no RTT sample (its SYN-ACK was sent more
    // than once) starts with a 3 s RTO (TCP_TIMEOUT_FALLBACK; RFC 6298 §5.7 asks for this only
    // after the timer expired).
    trace(&tcb, "profile: no RTT sample from the handshake, RTO 3 s (Linux tcp_init_metrics)");
    tcb.rto = std::min(3 * kMicrosPerSecond, cfg_.rto_max);
    tcb.backoff = 0;
  }
  tcb.snd_una = ack;
  // RFC 8985 §7.4 (Linux's tcp_process_tlp_ack): the loss probe's episode ends when its new data
  // is acknowledged, or an ACK goes beyond what was sent when a resending probe went out.
  if (tcb.tlp_in_progress && seq_ge(ack, tcb.tlp_end) &&
      (!tcb.tlp_retransmitted || seq_gt(ack, tcb.tlp_end))) {
    tcb.tlp_in_progress = false;
  }
  if (tcb.rtx_active && seq_lt(tcb.rtx_nxt, tcb.snd_una)) tcb.rtx_nxt = tcb.snd_una;
  tcb.retries = 0;
  tcb.soft_error = 0;  // the path works again: a remembered ICMP error is stale (Linux's tcp_ack)
  tcb.dupacks = 0;
  // Congestion control (RFC 5681 §3.1, NewReno RFC 6582 §3.2).
  const std::uint32_t mss = tcb.snd_mss;
  bool resent_first = false;  // the oldest segment went out again (it restarts the timer in Linux too)
  if (tcb.in_recovery) {
    if (seq_ge(ack, tcb.recover)) {
      tcb.in_recovery = false;
      tcb.cwnd = tcb.ssthresh;
    } else {
      trace(&tcb, "RFC 6582 3.2: partial ACK in fast recovery, retransmit next segment");
      send_one(tcb, tcb.snd_una, mss, true);
      resent_first = true;
      tcb.cwnd = tcb.cwnd > total ? tcb.cwnd - total + mss : mss;
    }
  } else if (total == 0 || !grow_cwnd || inside_segment) {
    // Only the SYN was acknowledged, the ACK carries ECE, or (Linux) no whole segment was
    // acknowledged (tcp_cong_control: nothing delivered): the window does not grow.
  } else if (tcb.cwnd < tcb.ssthresh && cfg_.slow_start_per_segment) {
    // Linux (tcp_slow_start): cwnd grows by the number of segments acknowledged (a segment cut
    // short counts as one), up to ssthresh.
    const std::uint64_t segments = (static_cast<std::uint64_t>(total) + mss - 1) / mss;
    tcb.cwnd = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(tcb.cwnd + segments * mss, std::max(tcb.ssthresh, tcb.cwnd)));
  } else if (tcb.cwnd < tcb.ssthresh) {
    tcb.cwnd += std::min(total, mss);
  } else {
    tcb.cwnd += std::max<std::uint32_t>(1, mss * mss / std::max<std::uint32_t>(tcb.cwnd, 1));
  }
  // RFC 6298 §5.2/5.3: stop the timer when all is acknowledged, else restart it (Linux: not after
  // an ACK inside the oldest segment, unless that segment was just resent).
  if (tcb.snd_una == tcb.snd_max) {
    tcb.rexmt_at = kNever;
    tcb.rtx_active = false;
  } else if (!inside_segment || resent_first || tcb.rexmt_at == kNever) {
    tcb.rexmt_at = now_ + tcb.rto;
  }
}

void Stack::note_segment_sent(Tcb& tcb, std::uint32_t seq, std::uint32_t end, bool retransmission) {
  if (!cfg_.partial_segment_ack_keeps_timer || seq == end) return;
  std::vector<std::uint32_t>& ends = tcb.sent_ends;
  if (!retransmission && (ends.empty() || seq_gt(end, ends.back()))) {
    ends.push_back(end);  // new data: one more segment
  } else {
    // A retransmission is what Linux's skb now is: resent cut to one MSS (tcp_fragment) or
    // merged with the skbs after it (tcp_retrans_try_collapse). The ends inside it go; it ends
    // at `end`.
    const auto inside_from = std::upper_bound(ends.begin(), ends.end(), seq,
                                              [](std::uint32_t a, std::uint32_t b) { return seq_lt(a, b); });
    auto inside_to = inside_from;
    while (inside_to != ends.end() && seq_lt(*inside_to, end)) ++inside_to;
    const auto at = ends.erase(inside_from, inside_to);
    if (at == ends.end() || *at != end) ends.insert(at, end);
  }
  // Bounded: beyond kMaxSentEnds segments in flight, the newest two count as one.
  if (ends.size() > Tcb::kMaxSentEnds) ends.erase(ends.end() - 2);
}

void Stack::handle_duplicate_ack(Tcb& tcb) {
  // RFC 8985 §7.4: a duplicate ACK for just what the resending probe covered means the original
  // and the probe both arrived: no loss, the episode ends.
  if (tcb.tlp_in_progress && tcb.tlp_retransmitted && seq_ge(tcb.snd_una, tcb.tlp_end)) {
    tcb.tlp_in_progress = false;
  }
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
