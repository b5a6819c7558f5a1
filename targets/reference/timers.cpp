// Timers on the injected clock: retransmission (RFC 6298), persist (RFC 9293 §3.8.6.1),
// keepalive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6), delayed ACK, TIME-WAIT and FIN-WAIT-2.
#include <algorithm>
#include <cerrno>

#include "targets/reference/socket.h"
#include "targets/reference/stack.h"

namespace synack::reference {

namespace flag = net::flag;
using net::seq_gt;
using net::seq_le;

void Stack::arm_keepalive(Tcb& tcb) {
  tcb.keepalive_at = tcb.opts.keepalive ? tcb.last_received + tcb.opts.keepalive_idle : kNever;
  if (tcb.keepalive_at != kNever && tcb.keepalive_at < now_) tcb.keepalive_at = now_;
}

void Stack::fire_timers(Tcb& tcb) {
  if (tcb.close_at <= now_) {
    tcb.close_at = kNever;
    terminate(tcb, 0, tcb.state == State::TimeWait ? "3.10.7.4: 2 MSL elapsed, TIME-WAIT ends, CLOSED"
                                                    : "FIN-WAIT-2 timeout of a closed socket, CLOSED");
    return;
  }
  if (tcb.rexmt_at <= now_) {
    on_retransmission_timeout(tcb);
    if (tcb.state == State::Closed) return;
  }
  if (tcb.persist_at <= now_) {
    on_persist_timeout(tcb);
    if (tcb.state == State::Closed) return;
  }
  if (tcb.keepalive_at <= now_) {
    on_keepalive_timeout(tcb);
    if (tcb.state == State::Closed) return;
  }
  if (tcb.delack_at <= now_) {
    tcb.delack_at = kNever;
    tcb.pingpong = false;  // Linux leaves interactive mode when the delayed ACK fires
    trace(&tcb, "3.8.6.3: delayed-ACK timer, send ACK");
    send_ack(tcb);
  }
}

void Stack::on_retransmission_timeout(Tcb& tcb) {
  tcb.rexmt_at = kNever;
  const bool handshake = tcb.state == State::SynSent || tcb.state == State::SynReceived;
  // RFC 8985 §7 (tail_loss_probe, Linux's tcp_schedule_loss_probe): with SACK, a sender that is
  // not recovering from a loss (no timeout, duplicate ACK or go-back-N resend since the last
  // progress) and has no probe outstanding first sends one loss probe. Its timeout, PTO =
  // 2·SRTT + rto_min for one segment in flight, is then no earlier than the RTO, so the probe
  // takes the RTO's place; a shorter PTO (several segments in flight, 2·SRTT + 2 ms) is not
  // modelled.
  if (cfg_.tail_loss_probe && !handshake && tcb.sack_ok && tcb.retries == 0 && !tcb.in_recovery &&
      !tcb.rtx_active && tcb.dupacks == 0 && !tcb.tlp_in_progress && tcb.snd_una != tcb.snd_max) {
    // RFC 8985 §7.3: new data if the peer's window takes a segment of it, else the last
    // segment sent again (Linux: the tail of the retransmission queue, cut to one MSS). The RTO
    // then restarts in full, not backed off, and the probe is no retry.
    const std::uint32_t data_start = tcb.data_seq();
    const std::uint32_t data_end = data_start + static_cast<std::uint32_t>(tcb.send_buf.size());
    const std::uint32_t probe_len = std::min<std::uint32_t>(data_end - tcb.snd_nxt, tcb.snd_mss);
    const bool new_data = !tcb.fin_sent() && seq_gt(data_end, tcb.snd_nxt) &&
                          seq_le(tcb.snd_nxt + probe_len, tcb.snd_una + tcb.snd_wnd);
    if (new_data) {
      trace(&tcb, "RFC 8985 7.3: probe timeout, loss probe with new data");
      send_one(tcb, tcb.snd_nxt, tcb.snd_mss, false);
    } else {
      trace(&tcb, "RFC 8985 7.3: probe timeout, loss probe resends the last segment");
      // The segments in flight are taken as MSS-sized from SND.UNA on: the last one holds the
      // remainder (Linux splits the last skb at (pcount - 1)·MSS likewise).
      const std::uint32_t sent_end = tcb.fin_sent() ? tcb.fin_seq : tcb.snd_nxt;
      const std::uint32_t in_flight = sent_end - data_start;
      const std::uint32_t last = in_flight % tcb.snd_mss == 0 ? std::min<std::uint32_t>(in_flight, tcb.snd_mss)
                                                              : in_flight % tcb.snd_mss;
      send_one(tcb, sent_end - last, tcb.snd_mss, true);
    }
    tcb.tlp_in_progress = true;
    tcb.tlp_retransmitted = !new_data;
    tcb.tlp_end = tcb.snd_nxt;
    tcb.rexmt_at = now_ + tcb.rto;
    return;
  }
  tcb.tlp_in_progress = false;  // a real timeout ends the probe's episode
  const int limit = tcb.state == State::SynSent                     ? cfg_.syn_retries
                    : (tcb.state == State::SynReceived && tcb.passive) ? cfg_.synack_retries
                    : handshake                                      ? cfg_.syn_retries
                                                                     : cfg_.data_retries;
  // TCP_USER_TIMEOUT (RFC 9293 MUST-21, RFC 5482): R2 as a time, measured from when the timer
  // that has now expired without progress was armed (one RTO ago at the first expiry). A SYN
  // retried early (syn_unacceptable_ack_retry) has its timer cut short: it was armed when the
  // SYN, still timed, went out (Linux: retrans_stamp, set by tcp_connect).
  if (tcb.retries == 0) {
    const bool syn_timed = tcb.state == State::SynSent && tcb.rtt_timing && tcb.rtt_seq == tcb.iss + 1;
    tcb.rtx_since = syn_timed ? tcb.rtt_start : now_ - tcb.rto;
  }
  const Micros user_timeout = tcb.state == State::SynReceived && tcb.passive ? 0 : tcb.opts.user_timeout;
  if (user_timeout > 0 && now_ - tcb.rtx_since >= user_timeout) {
    terminate(tcb, timeout_error(tcb), "TCP_USER_TIMEOUT: unacknowledged for the user timeout (R2), ETIMEDOUT");
    return;
  }
  if (user_timeout == 0 && tcb.retries >= limit) {
    if (tcb.state == State::SynReceived && tcb.passive) {
      terminate(tcb, 0, "SYN-ACK retries exhausted, half-open connection dropped");
    } else {
      terminate(tcb, timeout_error(tcb), "RFC 1122 4.2.3.5: retransmission limit (R2) reached, ETIMEDOUT");
    }
    return;
  }
  ++tcb.retries;
  ++tcb.backoff;
  if (!handshake && cfg_.report_r1 && tcb.retries == cfg_.r1_retries) {
    // RFC 9293 §3.8.3 (SHLD-9): R1 reached: tell the user of the delivery problem, unless it
    // turned asynchronous reports off (then it is there on request, like a soft ICMP error).
    if (tcb.opts.recverr) {
      tcb.error = ETIMEDOUT;
      trace(&tcb, "RFC 9293 3.8.3 (SHLD-9): R1 reached, delivery problem reported to the user at once");
    } else if (tcb.soft_error == 0) {
      tcb.soft_error = ETIMEDOUT;
      trace(&tcb, "RFC 9293 3.8.3 (SHLD-9): R1 reached, delivery problem noted for the user (SO_ERROR)");
    }
  }
  // RFC 6298 §5.4-5.6: retransmit the earliest unacknowledged segment, double the RTO, restart.
  trace(&tcb, "RFC 6298 5.4: retransmission timeout, retransmit earliest segment, back off RTO");
  if (handshake) {
    tcb.syn_retransmitted = true;
  } else {
    // RFC 5681 §3.1 eq. (4): ssthresh = max(FlightSize / 2, 2*SMSS); cwnd = 1 segment.
    tcb.ssthresh = std::max<std::uint32_t>(tcb.in_flight() / 2, 2u * tcb.snd_mss);
    tcb.cwnd = tcb.snd_mss;
    tcb.in_recovery = false;
    tcb.dupacks = 0;
    tcb.rtx_active = true;
    tcb.rtx_nxt = tcb.snd_una == tcb.iss ? tcb.iss + 1 : tcb.snd_una;
    note_window_reduction(tcb);
  }
  if (tcb.state == State::SynSent && tcb.retries <= cfg_.syn_linear_timeouts) {
    trace(&tcb, "profile: linear SYN timeout, RTO kept (Linux tcp_syn_linear_timeouts)");
  } else {
    tcb.rto = std::min(tcb.rto * 2, cfg_.rto_max);
  }
  if (handshake) {
    retransmit_first(tcb);
  } else {
    send_one(tcb, tcb.rtx_nxt, tcb.snd_mss, true);
    if (tcb.rtx_nxt == tcb.snd_nxt) tcb.rtx_active = false;
  }
  tcb.rexmt_at = now_ + tcb.rto;
  // The last timer fires when the user timeout runs out (Linux: tcp_clamp_rto_to_user_timeout).
  if (user_timeout > 0) tcb.rexmt_at = std::min(tcb.rexmt_at, tcb.rtx_since + user_timeout);
}

void Stack::on_persist_timeout(Tcb& tcb) {
  tcb.persist_at = kNever;
  const std::uint32_t offset = tcb.snd_nxt - tcb.data_seq();
  const bool unsent = offset < tcb.send_buf.size() || (tcb.fin_queued && !tcb.fin_sent());
  if (tcb.snd_wnd > 0 || !unsent) return;
  if (tcb.probes >= cfg_.data_retries) {
    terminate(tcb, timeout_error(tcb), "zero-window probes unanswered, ETIMEDOUT");
    return;
  }
  ++tcb.probes;
  if (cfg_.zero_window_probe == ZeroWindowProbe::OneByte) {
    // RFC 9293 §3.8.6.1: send one octet of new data; the retransmission timer takes over.
    trace(&tcb, "3.8.6.1: persist timer, zero-window probe with one octet (or the FIN)");
    send_one(tcb, tcb.snd_nxt, 1, false, true);
    // SHLD-30: successive probes back off exponentially. The persist timeout that sent this
    // probe counts as the first timeout, so the probe's retransmission waits twice the RTO
    // (intervals RTO, 2 RTO, 4 RTO, ... as in BSD and Linux), not RTO again.
    tcb.rto = std::min(tcb.rto * 2, cfg_.rto_max);
    ++tcb.backoff;
    tcb.rexmt_at = now_ + tcb.rto;
    return;
  }
  trace(&tcb, "3.8.6.1: persist timer, zero-window probe <SEQ=SND.UNA-1> (Linux)");
  net::Segment s = make_segment(tcb, tcb.snd_una - 1, flag::ACK);
  s.window = advertised_window(tcb, false);
  add_data_options(tcb, s);
  emit(tcb, std::move(s));
  tcb.persist_backoff = std::min(tcb.persist_backoff * 2, cfg_.rto_max);
  tcb.persist_at = now_ + tcb.persist_backoff;
}

void Stack::on_keepalive_timeout(Tcb& tcb) {
  tcb.keepalive_at = kNever;
  if (!tcb.opts.keepalive) return;
  if (tcb.state != State::Established && tcb.state != State::CloseWait &&
      tcb.state != State::FinWait2) {
    return;
  }
  const std::uint32_t offset = tcb.snd_nxt - tcb.data_seq();
  if (tcb.snd_una != tcb.snd_max || offset < tcb.send_buf.size()) {
    tcb.keepalive_at = now_ + tcb.opts.keepalive_idle;  // data in flight: not idle
    return;
  }
  const Micros idle = now_ - tcb.last_received;
  if (idle < tcb.opts.keepalive_idle && tcb.probes == 0) {
    tcb.keepalive_at = tcb.last_received + tcb.opts.keepalive_idle;
    return;
  }
  if (tcb.probes >= tcb.opts.keepalive_count) {
    trace(&tcb, "RFC 1122 4.2.3.6: keepalive probes unanswered, send RST, ETIMEDOUT");
    send_rst(tcb);
    terminate(tcb, timeout_error(tcb), "keepalive timeout");
    return;
  }
  // RFC 1122 §4.2.3.6: a probe with SEG.SEQ = SND.NXT - 1 and no data draws an ACK.
  trace(&tcb, "RFC 1122 4.2.3.6: keepalive probe <SEQ=SND.NXT-1><ACK=RCV.NXT>");
  ++tcb.probes;
  net::Segment s = make_segment(tcb, tcb.snd_nxt - 1, flag::ACK);
  s.window = advertised_window(tcb, false);
  add_data_options(tcb, s);
  emit(tcb, std::move(s));
  tcb.keepalive_at = now_ + tcb.opts.keepalive_interval;
}

}  // namespace synack::reference
