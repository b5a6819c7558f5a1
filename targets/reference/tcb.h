// The Transmission Control Block (RFC 9293 §3.3.1): everything the stack knows about one
// connection. Field comments state the invariant each field keeps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/common/time.h"
#include "harness/net/segment.h"
#include "targets/reference/byte_queue.h"
#include "targets/reference/state.h"

namespace synack::reference {

struct Endpoint {
  net::IpAddress addr;
  std::uint16_t port = 0;
  bool operator==(const Endpoint&) const = default;
};

// An IPv4 source route (RFC 791 §3.1 LSRR/SSRR) that a connection's segments follow
// (source_route.cpp). A segment goes to hops[0] (its IP destination) and carries the option with
// the other hops, then the connection's remote address in the last slot, the pointer at the first
// slot: RFC 791's form for a route being sent, as Linux builds it.
struct SourceRoute {
  bool strict = false;                // SSRR (option 137) rather than LSRR (131)
  std::vector<net::IpAddress> hops;   // gateways in order, at most 9; empty: no source route
  bool empty() const { return hops.empty(); }
  bool operator==(const SourceRoute&) const = default;
};

// Per-socket options that a connection inherits from its socket (or its listener).
struct SocketOptions {
  bool keepalive = false;       // SO_KEEPALIVE
  bool linger = false;          // SO_LINGER l_onoff
  int linger_seconds = 0;       // SO_LINGER l_linger; linger with 0 s makes close() send RST
  bool nodelay = false;         // TCP_NODELAY: Nagle off
  bool reuseaddr = false;       // SO_REUSEADDR
  std::uint32_t send_buffer = 0;     // SO_SNDBUF: at most this many bytes queued unacknowledged
  std::uint32_t receive_buffer = 0;  // SO_RCVBUF: receive window never exceeds free space in it
  std::uint16_t user_mss = 0;        // TCP_MAXSEG before connect/listen; 0 = from config
  Micros keepalive_idle = 0;         // TCP_KEEPIDLE
  Micros keepalive_interval = 0;     // TCP_KEEPINTVL
  int keepalive_count = 0;           // TCP_KEEPCNT
  std::uint8_t tos = 0;              // IP_TOS: DS field of every segment sent (the ECN bits come
                                     // from the connection: ECT(0) on new data once negotiated)
  std::uint8_t ttl = 0;              // IP_TTL: TTL / hop limit of every segment sent; 0 = 64
  bool oobinline = false;            // SO_OOBINLINE (urgent data always stays inline here)
  Micros user_timeout = 0;           // TCP_USER_TIMEOUT: R2 as a time (MUST-21); 0 = retries
  bool recverr = false;              // IP_RECVERR / IPV6_RECVERR: ICMP errors are reported at
                                     // once (SO_ERROR, the next call), not only on a timeout
  SourceRoute source_route;          // IP_OPTIONS: the application's route (RFC 1122 4.2.3.8,
                                     // MUST-51); when set it wins over a received one (MUST-52)
};

// Out-of-order data held until the hole before it fills (RFC 9293 §3.10.7.4 seventh, SHOULD
// queue). Entries are sorted by seq, never overlap, and lie inside the advertised window.
struct OutOfOrder {
  std::uint32_t seq = 0;
  std::vector<std::uint8_t> data;
  bool fin = false;  // a FIN follows the last byte
};

struct Tcb {
  std::uint32_t id = 0;            // unique per stack, for traces
  State state = State::Closed;     // changed only by Stack::set_state (which checks the edge)
  Endpoint local;                  // our address and port
  Endpoint remote;                 // the peer's address and port
  bool passive = false;            // created by a SYN to a LISTEN socket (not by connect)
  int listener = -1;               // listening fd while in its SYN or accept queue, else -1
  int fd = -1;                     // owning socket, -1 while queued or after close() (orphan)
  SocketOptions opts;              // inherited from the socket, kept in sync by setsockopt
  SourceRoute return_route;        // passive open: the reverse of the completed source route
                                   // the SYN (or, SHLD-24, a later segment) arrived by (RFC 1122
                                   // 4.2.3.8 MUST-53); used unless opts.source_route is set

  // Send sequence space (RFC 9293 §3.3.1). Sequence comparisons are modulo 2^32.
  std::uint32_t iss = 0;       // initial send sequence number; the SYN occupies ISS
  std::uint32_t snd_una = 0;   // oldest unacknowledged: ISS <= SND.UNA <= SND.NXT
  std::uint32_t snd_nxt = 0;   // next new sequence number to send: SND.NXT <= snd_max
  std::uint32_t snd_max = 0;   // one past the highest sequence number ever sent
  std::uint32_t snd_wnd = 0;   // peer's receive window in bytes (after scaling)
  std::uint32_t max_snd_wnd = 0;  // largest snd_wnd seen: RFC 5961 §5.2 MAX.SND.WND
  std::uint32_t snd_up = 0;    // send urgent pointer (we never send urgent data: = SND.UNA)
  std::uint32_t snd_wl1 = 0;   // SEG.SEQ of the segment that last updated SND.WND
  std::uint32_t snd_wl2 = 0;   // SEG.ACK of the segment that last updated SND.WND
  std::uint32_t rtx_nxt = 0;   // after a timeout: next sequence number to resend (<= SND.NXT)
  bool rtx_active = false;     // go-back-N resend after a timeout is in progress
  std::uint32_t snd_sml = 0;   // end of the last small segment sent (Minshall's Nagle)

  // Receive sequence space.
  std::uint32_t irs = 0;       // initial receive sequence number (the peer's SYN)
  std::uint32_t rcv_nxt = 0;   // next sequence number expected: all before it is acknowledged
  std::uint32_t rcv_adv = 0;   // right edge we last advertised (RCV.NXT + RCV.WND): never moves left
  std::uint32_t rcv_up = 0;    // receive urgent pointer, SEQ of the last urgent byte + 1
  bool urg_seen = false;       // rcv_up holds a pointer from a segment (else it is meaningless)
  std::uint32_t rcv_ssthresh = 0xffffffff;  // cap on the window we offer (grow_window profiles)

  // Options negotiated in the handshake (RFC 9293 §3.7.1, RFC 7323, RFC 2018).
  std::uint16_t snd_mss = 536;  // largest payload we put in a segment (peer's MSS, minus TS)
  std::uint16_t rcv_mss = 536;  // MSS we announced
  std::uint8_t snd_shift = 0;   // peer's wscale: its SEG.WND << snd_shift = bytes (0 if unused)
  std::uint8_t rcv_shift = 0;   // our wscale: we advertise window >> rcv_shift (0 if unused)
  bool wscale_ok = false;       // both SYNs carried wscale
  bool ts_ok = false;           // both SYNs carried TS: every non-RST segment carries TS
  bool sack_ok = false;         // both SYNs carried sackOK: we may send SACK blocks
  bool offered_wscale = false;  // we put wscale in our SYN (active open)
  bool offered_ts = false;      // we put TS in our SYN
  bool offered_sack = false;    // we put sackOK in our SYN
  std::uint32_t ts_recent = 0;      // TS.Recent (RFC 7323 §4.3): echoed in TSecr
  Micros ts_recent_time = 0;        // when TS.Recent was last updated (24-day PAWS idle rule)
  std::uint32_t last_ack_sent = 0;  // Last.ACK.sent: the ACK field of our last segment
  std::uint32_t ts_offset = 0;      // added to our clock in TSval (RFC 7323 §7.1 randomization)

  // Explicit Congestion Notification (RFC 3168 §6.1).
  bool ecn_offered = false;     // our SYN was an ECN-setup SYN (ECE+CWR; active open)
  bool ecn_ok = false;          // negotiated: ECN-setup SYN and ECN-setup SYN-ACK were exchanged;
                                // never true otherwise, and no ECT/ECE/CWR is sent without it
  bool ece_echo = false;        // a CE mark arrived: every ACK carries ECE until a CWR arrives
  bool cwr_pending = false;     // the window was reduced: the next new data segment carries CWR
  std::uint32_t ecn_recover = 0;  // SND.MAX at the last window reduction: an ECE acknowledging
                                  // no more than this belongs to the same window and is ignored
  bool ecn_seen = false;        // a segment arrived with ECT or CE (TCP_INFO's TCPI_OPT_ECN_SEEN)

  // TIME-WAIT reuse (RFC 9293 §3.6.1, RFC 1122 §4.2.2.13).
  std::uint32_t reopened_from = 0;  // id of the TIME-WAIT connection a new SYN replaced, while
                                    // this connection is in SYN-RECEIVED; 0 otherwise
  bool superseded = false;      // in TIME-WAIT, set aside (out of the 4-tuple index) while the
                                // connection that reopened its pair is in SYN-RECEIVED

  // Round-trip time and retransmission timeout (RFC 6298).
  Micros srtt = 0;             // smoothed RTT, valid when have_rtt
  Micros rttvar = 0;           // RTT variation, valid when have_rtt
  Micros rto = 0;              // current RTO including backoff, in [rto_min, rto_max]
  bool have_rtt = false;       // a first RTT measurement was taken
  bool rtt_timing = false;     // one segment is being timed (Karn: never a retransmitted one)
  std::uint32_t rtt_seq = 0;   // the timed segment ends at rtt_seq; its ACK gives a sample
  Micros rtt_start = 0;        // when the timed segment was sent
  bool syn_retransmitted = false;  // RFC 6298 §5.7: RTO falls back to 3 s after the handshake
  int retries = 0;             // consecutive timeouts without progress
  int backoff = 0;             // times the RTO was doubled since the last new ACK
  std::uint32_t total_retrans = 0;  // segments retransmitted over the connection's life

  // Congestion control (RFC 5681, NewReno RFC 6582).
  std::uint32_t cwnd = 0;      // congestion window, bytes
  std::uint32_t ssthresh = 0;  // slow-start threshold, bytes
  int dupacks = 0;             // consecutive duplicate ACKs
  bool in_recovery = false;    // fast recovery until SND.UNA passes `recover`
  std::uint32_t recover = 0;   // SND.NXT when fast recovery started

  // Timers: absolute times, kNever when stopped.
  Micros rexmt_at = kNever;      // retransmission of SYN, SYN-ACK, data or FIN
  Micros rtx_since = kNever;     // when the timer that first expired without progress was armed
  Micros persist_at = kNever;    // zero-window probe; only while SND.WND = 0 and nothing in flight
  Micros delack_at = kNever;     // delayed ACK
  Micros keepalive_at = kNever;  // keepalive check (SO_KEEPALIVE)
  Micros close_at = kNever;      // TIME-WAIT end, or the FIN-WAIT-2 timeout of an orphan
  int probes = 0;                // keepalive or zero-window probes without an answer
  Micros persist_backoff = 0;    // current persist interval
  Micros last_received = 0;      // when the last segment arrived (keepalive idle)

  // Acknowledgment state.
  bool ack_now = false;          // an ACK must go out before this event is done
  std::uint32_t unacked_bytes = 0;  // in-order bytes received since the last ACK we sent
  int quickacks = 0;             // remaining segments to ACK at once (quickack mode)
  bool pingpong = false;         // Linux interactive mode: no quick ACKs until a delayed ACK fires
  Micros last_data_received = kNever;  // when in-order or queued text last arrived
  Micros last_challenge_ack = kNever;  // per-connection challenge-ACK rate limit
  std::uint32_t challenge_acks = 0;    // challenge ACKs sent (for tests and TCP_INFO)

  // Data. send_buf holds bytes from data_seq() on: unacknowledged, then unsent.
  ByteQueue send_buf;
  ByteQueue recv_buf;              // in order, not yet read by the user
  std::vector<OutOfOrder> ooo;     // beyond RCV.NXT, waiting for the hole to fill
  std::uint32_t sack_recent = 0;   // a sequence number of the latest out-of-order arrival
  bool fin_queued = false;         // user closed the send side: FIN follows the send buffer
  std::uint32_t fin_seq = 0;       // when fin_queued: the FIN's sequence number (end of send_buf)
  bool fin_received = false;       // the peer's FIN was processed: RCV.NXT covers it
  bool user_closed = false;        // close() was called: data arriving now is answered with RST
  std::uint32_t rcv_seg_max = 0;   // largest payload received (delayed ACK's "full-sized")
  bool read_shutdown = false;      // SHUT_RD: reads return 0, arriving data is dropped
  int error = 0;                   // pending error for the user (ECONNRESET, ...), 0 if none
  int soft_error = 0;              // errno of the last soft ICMP error (RFC 9293 SHLD-25), 0 if
                                   // none; reported instead of ETIMEDOUT if the connection times
                                   // out, cleared when an ACK acknowledges new data
  bool reset = false;              // the connection ended by RST (read/write fail, not EOF)

  // Counters for TCP_INFO.
  std::uint32_t segs_out = 0;         // segments sent, retransmissions included
  std::uint32_t segs_in = 0;          // segments received
  std::uint32_t data_segs_out = 0;    // segments sent with payload
  std::uint32_t data_segs_in = 0;     // segments received with payload
  std::uint64_t bytes_sent = 0;       // payload bytes sent, retransmissions included
  std::uint64_t bytes_retrans = 0;    // payload bytes retransmitted
  Micros last_data_sent = 0;          // when payload was last sent
  Micros last_ack_recv = 0;           // when an ACK was last received

  // Linux-profile behaviours (config.h, "Measured with synack diff --fuzz"). Fields for the RTT
  // estimator and timers:
  // rto_estimator = linux (tcp_rtt_estimator): Linux's estimator state in microseconds; srtt and
  // rttvar above then mirror it as TCP_INFO shows it (srtt8 / 8, mdev4 / 4).
  Micros srtt8 = 0;                // 8·SRTT (tp->srtt_us): 0 before the first sample, then >= 1
  Micros mdev4 = 0;                // 4·mean deviation (tp->mdev_us): 3/4 of the old one + |error|
  Micros mdev4_max = 0;            // largest mdev4 in this window of data, >= rto_min (mdev_max_us)
  Micros rttvar_floor = 0;         // the RTO's variance term (tp->rttvar_us), >= rto_min after a
                                   // sample: RTO = SRTT + rttvar_floor, at most rto_max
  std::uint32_t rttvar_window_end = 0;  // SND.NXT when rttvar_floor last decayed (tp->rtt_seq):
                                        // it decays again once SND.UNA passes it
  // tail_loss_probe (RFC 8985 §7, Linux's tcp_send_loss_probe): one probe per tail.
  bool tlp_in_progress = false;    // a loss probe was sent and its episode has not ended: the next
                                   // expiry of rexmt_at is a real RTO
  bool tlp_retransmitted = false;  // the probe resent old data (else it carried new data)
  std::uint32_t tlp_end = 0;       // SND.NXT when the probe was sent (tp->tlp_high_seq)
  // partial_segment_ack_keeps_timer (tcp_clean_rtx_queue): the segments in flight as sent.
  std::vector<std::uint32_t> sent_ends;  // ends of the segments (Linux's skbs) above SND.UNA,
                                         // ascending, at most kMaxSentEnds; empty if key is off
  static constexpr std::size_t kMaxSentEnds = 256;
  // (end of RTT estimator and timer fields)
  // Fields for segment arrival:
  // (end of segment arrival fields)
  // Fields for receive (F):
  std::uint32_t hp_snd_wnd = 0;  // delack_due_acks_now: SND.WND after the last segment process_text saw
  bool hp_snd_wnd_known = false; // hp_snd_wnd holds a value (Linux's header-prediction window)
  // (end of receive fields)
  // Fields for output and socket calls:
  std::vector<std::uint32_t> push_marks;  // psh_at_write_end: where a write ended (Linux's skb
                                          // ends with PSH), ascending; those <= SND.UNA are stale
  bool port_auto_bound = false;  // connect() picked the local port (no bind() before it)
  // gso_burst_autosize (Linux with BBR, tcp_tso_autosize): the pacing rate behind the burst size.
  std::uint64_t gso_pacing_rate = 0;  // sk_pacing_rate in bytes/s; 0 until the first data pass
  std::uint32_t gso_rate_cwnd = 0;    // cwnd in segments the rate was set from (the initial one)
  bool gso_rate_from_rtt = false;     // the rate used an RTT sample (BBR has_seen_rtt), not 1 ms
  Micros gso_min_rtt = 0;             // smallest SRTT seen, standing in for tcp_min_rtt; 0: none
  // (end of output and socket call fields)
  // dsack (RFC 2883): the duplicate range to report as the first SACK block of the next ACK.
  bool dsack_pending = false;      // set where duplicate text is trimmed, cleared when an ACK goes
  std::uint32_t dsack_left = 0;    // the duplicate range [dsack_left, dsack_right), below RCV.NXT
  std::uint32_t dsack_right = 0;   // or above it (a duplicate of queued out-of-order data)

  // Bookkeeping for the invariant checker.
  std::uint64_t bytes_delivered = 0;  // bytes moved into recv_buf over the connection's life
  std::uint64_t bytes_read = 0;       // bytes the user read out of recv_buf
  State prev_state = State::Closed;   // state before the last transition
  bool illegal_transition = false;    // set if any transition was not an RFC 9293 edge

  // Sequence number of the first byte of send_buf: after the SYN.
  std::uint32_t data_seq() const { return snd_una == iss ? iss + 1 : snd_una; }
  bool fin_sent() const { return fin_queued && net::seq_gt(snd_nxt, fin_seq); }
  bool fin_acked() const { return fin_queued && net::seq_gt(snd_una, fin_seq); }
  bool syn_acked() const { return snd_una != iss; }
  // RCV.WND: what is left of the window we advertised.
  std::uint32_t rcv_wnd() const {
    return net::seq_gt(rcv_adv, rcv_nxt) ? rcv_adv - rcv_nxt : 0;
  }
  // Bytes sent and not yet acknowledged (SYN and FIN count one each).
  std::uint32_t in_flight() const { return (rtx_active ? rtx_nxt : snd_nxt) - snd_una; }
};

// One line for logs, traces and failure messages:
// "conn 1 ESTABLISHED 192.0.2.1:8080>198.51.100.1:40000 SND.UNA=1001 SND.NXT=1001 ...".
std::string describe(const Tcb& tcb);

}  // namespace synack::reference
