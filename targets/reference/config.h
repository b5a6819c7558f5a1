// StackConfig: every tunable of the reference stack, by name, with profiles that model a system.
//
// A profile ("rfc", "linux", "freebsd") sets all parameters at once; `set(key, value)` overrides
// one of them by the same name it has in synack.toml. The "rfc" profile picks the values the RFCs
// recommend; "linux" models Linux 6.x defaults (option layout, timer values, initial windows).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/common/result.h"
#include "harness/common/time.h"

namespace synack::reference {

// How the initial send sequence number is chosen.
enum class IsnMode : std::uint8_t {
  Fixed,    // always `fixed_isn` (unit tests)
  Rfc6528,  // ISN = M + F(4-tuple, secret): a 4 µs clock plus a keyed hash (RFC 6528 §3)
};

// What a RST does to a connection in TIME-WAIT (RFC 1337 "TIME-WAIT assassination").
enum class TimeWaitRstPolicy : std::uint8_t {
  Close,   // RFC 9293 §3.10.7.4: enter CLOSED (Linux with tcp_rfc1337=0)
  Ignore,  // RFC 1337 fix TW2: drop the RST, stay in TIME-WAIT
};

// Layout of options in SYN, SYN-ACK and data segments.
enum class OptionLayout : std::uint8_t {
  Linux,    // <mss,sackOK,TS,nop,wscale>, <mss,nop,nop,sackOK,nop,wscale>, data: <nop,nop,TS>
  FreeBsd,  // <mss,nop,wscale,sackOK,TS>, data: <nop,nop,TS>
};

// What a zero-window probe carries (RFC 9293 §3.8.6.1 says one byte of new data).
enum class ZeroWindowProbe : std::uint8_t {
  OneByte,    // RFC 9293: the next byte of data beyond the window
  SeqMinus1,  // Linux: an empty segment with SEQ = SND.UNA - 1 that forces an ACK
};

// Which SYNs may reopen a connection in TIME-WAIT (RFC 9293 §3.6.1) when accept_syn_in_time_wait
// is on.
enum class TimeWaitReuseRule : std::uint8_t {
  Rfc6191,   // RFC 6191 §2: a newer TSval decides when timestamps are in use on both incarnations,
             // otherwise a sequence number above the old RCV.NXT (Linux's tcp_timewait_state_process)
  Sequence,  // only a sequence number above the old RCV.NXT (RFC 1122 §4.2.2.13; FreeBSD's
             // tcp_twcheck, which does no PAWS check in TIME-WAIT)
};

// Nagle's algorithm (RFC 1122 §4.2.3.4) as modified by the profile; TCP_NODELAY turns it off.
enum class NagleMode : std::uint8_t {
  Classic,   // hold a small segment while any data is unacknowledged
  Minshall,  // hold a small segment only while another small segment is unacknowledged (Linux)
};

// What an ICMP error does to the connection it quotes (RFC 9293 §3.9.2.2; icmp_arrival.cpp).
enum class IcmpErrorModel : std::uint8_t {
  Rfc,    // soft errors never abort (MUST-56) and are remembered for the user (SHLD-25); hard
          // errors (Destination Unreachable 2, 3; ICMPv6 1, 4) abort in every state (SHLD-26)
  Linux,  // tcp_v4_err/tcp_v6_err: in SYN-SENT every error aborts; in the synchronized states
          // none does, each is remembered (reported at once with IP_RECVERR); a passive
          // SYN-RECEIVED connection is dropped on net/host unreachable, time exceeded and
          // parameter problem only
};

// Which quoted sequence numbers make an ICMP error credible (RFC 5927 §4.1).
enum class IcmpSeqCheck : std::uint8_t {
  HalfOpen,   // SND.UNA <= SEG.SEQ < SND.NXT, as RFC 5927 §4.1 states it (FreeBSD)
  Inclusive,  // SND.UNA <= SEG.SEQ <= SND.NXT (Linux's between(seq, snd_una, snd_nxt))
};

// How the retransmission timeout follows RTT samples.
enum class RtoEstimator : std::uint8_t {
  Rfc6298,  // RFC 6298 §2: RTO = max(rto_min, SRTT + max(G, 4·RTTVAR))
  Linux,    // tcp_rtt_estimator/__tcp_set_rto: RTO = SRTT + RTTVAR', where rto_min is a floor
            // of the variance term RTTVAR' (so RTO >= SRTT + rto_min), which decays once per RTT
};

struct StackConfig {
  std::string profile = "rfc";  // name of the profile the values started from

  // Segment sizes and windows.
  std::uint16_t mss = 1460;                  // MSS we announce (IPv4; IPv6 announces mss - 20)
  std::uint16_t default_peer_mss = 536;      // send MSS when the peer sends no MSS option (IPv4)
  std::uint32_t initial_window = 65535;      // window in our SYN and SYN-ACK (never scaled)
  bool round_window_to_mss = false;          // Linux: SYN/SYN-ACK window rounded down to a
                                             // multiple of the MSS we receive (64240, 65160)
  bool grow_window = false;                  // Linux: the advertised window starts at the SYN
                                             // window and grows by 2 MSS per segment received
  std::uint32_t send_buffer = 65536;         // SO_SNDBUF default, bytes
  std::uint32_t receive_buffer = 131072;     // SO_RCVBUF default, bytes
  std::uint32_t initial_cwnd_segments = 3;   // initial window (RFC 5681 §3.1: 3 for 1460)

  // Options (RFC 7323, RFC 2018).
  bool window_scaling = true;
  std::uint8_t window_shift = 7;  // the shift we offer in wscale (<= 14)
  bool timestamps = true;
  bool sack = true;
  OptionLayout option_layout = OptionLayout::Linux;

  // Retransmission (RFC 6298) and retries.
  Micros rto_initial = 1 * kMicrosPerSecond;
  Micros rto_min = 1 * kMicrosPerSecond;
  Micros rto_max = 120 * kMicrosPerSecond;
  int syn_retries = 7;       // RFC 9293 MUST-23: retransmit a SYN for at least 3 minutes; 7
                             // retries (last at 127 s, give up at 247 s) do, 6 (127 s) do not
  int synack_retries = 5;
  int data_retries = 15;
  int r1_retries = 3;        // RFC 9293 §3.8.3 R1 (SHLD-10: at least 3 retransmissions)
  bool report_r1 = true;     // SHLD-9: tell the application once R1 is reached (as a soft error:
                             // SO_ERROR ETIMEDOUT, at once with IP_RECVERR); Linux and BSD only
                             // give negative advice to IP there, nothing the application sees
  int dupack_threshold = 3;  // fast retransmit on this many duplicate ACKs (RFC 5681 §3.2)

  // Connection lifetime timers.
  Micros msl = 120 * kMicrosPerSecond;         // Maximum Segment Lifetime
  Micros time_wait = 240 * kMicrosPerSecond;   // TIME-WAIT duration (2·MSL unless overridden)
  Micros delayed_ack = 200 * kMillis;          // delayed-ACK timeout (RFC 9293 §3.8.6.3: < 0.5 s)
  int quickack_segments = 0;                   // segments ACKed at once right after the handshake
  Micros keepalive_idle = 7200 * kMicrosPerSecond;
  Micros keepalive_interval = 75 * kMicrosPerSecond;
  int keepalive_count = 9;
  Micros fin_wait2_timeout = 0;  // 0: FIN-WAIT-2 of an orphaned socket waits forever

  // Sequence numbers.
  IsnMode isn_mode = IsnMode::Rfc6528;
  std::uint32_t fixed_isn = 0;
  std::uint64_t isn_secret = 0x5eed5eed0badcafeULL;  // RFC 6528 secret key (fixed: reproducible)

  // Robustness.
  TimeWaitRstPolicy time_wait_rst = TimeWaitRstPolicy::Close;
  int challenge_ack_limit = 1000;          // challenge ACKs per second, whole stack (RFC 5961 §7)
  Micros challenge_ack_min_interval = 0;   // per connection: at most one per interval (Linux 500 ms)
  ZeroWindowProbe zero_window_probe = ZeroWindowProbe::OneByte;
  NagleMode nagle = NagleMode::Classic;
  bool accept_syn_in_time_wait = true;     // RFC 9293 §3.6.1 MAY-2 / SHLD-4: a new SYN to a
                                           // listening port may reopen a pair in TIME-WAIT
  TimeWaitReuseRule time_wait_reuse_rule = TimeWaitReuseRule::Rfc6191;  // which SYNs qualify
  bool time_wait_reuse_restore = true;     // RFC 1122 §4.2.2.13 (2): a reopened connection reset
                                           // in SYN-RECEIVED (the SYN was an old duplicate)
                                           // returns the pair to TIME-WAIT; Linux and BSD drop
                                           // the TIME-WAIT state as soon as the SYN is taken
  bool ack_unsent_data_reply = true;       // an ACK of unsent data draws an ACK (RFC 9293,
                                           // RFC 5961 §5.2); Linux drops it silently
  bool old_ack_window_bytes_acked = false; // Linux: RFC 5961 §5.2's MAX.SND.WND is limited to
                                           // the bytes acknowledged so far
  bool pingpong = false;                   // Linux: sending data soon after receiving some turns
                                           // quick ACKs off (interactive "pingpong" mode)
  bool delay_fin_ack = false;              // Linux: the ACK of a FIN in ESTABLISHED is delayed
  bool drop_syn_fin = false;               // Linux: a SYN with FIN to a LISTEN socket is dropped
  bool abort_rst_has_ack = false;          // ABORT sends <SEQ=SND.NXT><CTL=RST> (RFC 9293
                                           // §3.10.5); Linux and BSD add ACK=RCV.NXT
  bool send_on_listen_opens = true;        // RFC 9293 §3.10.2: SEND with a remote socket on a
                                           // LISTEN connection makes it active (SYN-SENT); Linux
                                           // and BSD fail sendto() on a listener with EPIPE
  bool simultaneous_synack_full_options = false;  // Linux: the SYN-ACK of a simultaneous open
                                                  // carries every option our SYN offered, also
                                                  // those the peer's SYN lacked (RFC 7323 2.2,
                                                  // 3.2 allow only those it offered)
  int syn_linear_timeouts = 0;             // Linux 6.x (net.ipv4.tcp_syn_linear_timeouts = 4):
                                           // the first N SYN retransmissions of an active open
                                           // keep the RTO instead of doubling it (RFC 6298 5.5)
  bool connect_on_listener_eisconn = false;  // connect() on a listening socket: EINVAL; Linux
                                             // says EISCONN (__inet_stream_connect)
  bool listener_shutdown_closes = false;   // shutdown() on a listening socket: ENOTCONN; Linux:
                                           // SHUT_WR does nothing and returns 0, SHUT_RD (or
                                           // RDWR) closes the listener (inet_shutdown) and returns 0
  bool abort_deletes_time_wait = true;     // RFC 9293 §3.10.5: ABORT (close with SO_LINGER 0)
                                           // in TIME-WAIT deletes the TCB; in Linux and BSD the
                                           // socket has already left it to a TIME-WAIT entry
  bool time_wait_ack_restarts = false;     // Linux: any non-RST segment with ACK, or a bare one
                                           // at RCV.NXT, restarts the TIME-WAIT timer (RFC 9293:
                                           // only a repeated FIN)
  bool require_timestamps = true;          // RFC 7323 §3.2: with TS negotiated, drop non-RST
                                           // segments without TSopt (Linux accepts them)
  bool synack_on_duplicate_syn = false;    // SYN-RECEIVED answers a repeated SYN with the SYN-ACK
                                           // (BSD, Linux) instead of RFC 9293's plain ACK
  // Measured with `synack diff --fuzz` against Linux 6.18 (session 4; README of the reference).
  // Timers and RTT (acknowledgment.cpp, timers.cpp, receive.cpp):
  RtoEstimator rto_estimator = RtoEstimator::Rfc6298;
  Micros delayed_ack_before_data = 0;      // delayed-ACK timeout while no data has been received
                                           // (a FIN's ACK); 0: delayed_ack. Linux: its ato is 0
                                           // until the first data, so the next tick (4 ms)
  bool tail_loss_probe = false;            // RFC 8985 §7 (RACK-TLP) probe before the RTO (Linux
                                           // with SACK)
  bool partial_segment_ack_keeps_timer = false;  // an ACK ending inside the oldest segment as sent
                                                 // neither restarts the RTO nor samples the RTT
                                                 // (tcp_clean_rtx_queue; RFC 6298 5.3 restarts)
  // Segment arrival (segment_arrival.cpp):
  bool synrecv_ack_check_first = false;    // passive SYN-RECEIVED: an unacceptable ACK is answered
                                           // <SEQ=SEG.ACK><CTL=RST> before the sequence check,
                                           // and the half-open connection stays (tcp_check_req)
  bool synrecv_syn_resets = false;         // passive SYN-RECEIVED: an in-window SYN draws
                                           // <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK> and drops the
                                           // half-open connection (RFC 9293: back to LISTEN, silent)
  bool ack_unsent_data_rate_limited = false;  // the ACK to an ACK of unsent data goes through the
                                              // per-connection challenge-ACK interval
  bool child_fresh_ratelimit = false;      // a passive connection's challenge/out-of-window ACK
                                           // interval starts afresh when it is established
  bool synrecv_rst_econnreset = false;     // a RST in an active SYN-RECEIVED reports ECONNRESET
                                           // (RFC 9293: "connection refused")
  Micros syn_unacceptable_ack_retry = 0;   // SYN-SENT: after an unacceptable ACK, retransmit the
                                           // SYN this soon if it has not been retransmitted yet
                                           // (Linux TCP_TIMEOUT_MIN, 2 jiffies); 0: no change
  bool simultaneous_synack_acked = false;  // simultaneous open: the peer's SYN-ACK in SYN-RECEIVED
                                           // draws an immediate ACK
  bool simultaneous_synack_keeps_timer = false;  // simultaneous open: sending the SYN-ACK does not
                                                 // restart the retransmission timer of the SYN
  bool synack_text_discarded = false;     // SYN-SENT: text and FIN on the SYN-ACK are dropped and
                                           // only the SYN is ACKed at once (RFC 9293 3.10.7.3
                                           // processes them)
  bool acceptable_from_rcv_wup = false;    // a segment is old only if it ends before RCV.NXT as of
                                           // the last ACK sent (Linux rcv_wup, tcp_sequence)
  bool drop_segments_without_ack = false;  // synchronized states: a segment without ACK, RST and
                                           // SYN is dropped before the sequence check (no ACK)
  bool after_fin_segments_linux = false;   // CLOSE-WAIT, CLOSING, LAST-ACK: segments after the
                                           // peer's FIN as tcp_rcv_state_process treats them
  bool time_wait_data_acked = false;       // TIME-WAIT: text with an acceptable ACK draws an ACK
  bool urgent_oob_byte = false;            // without SO_OOBINLINE the urgent byte leaves the
                                           // stream (read with MSG_OOB; RFC 6093 says in-line)
  bool dup_syn_synack_restarts_timer = false;  // passive SYN-RECEIVED: the SYN-ACK resent for a
                                               // retransmitted SYN restarts its timer
                                               // (tcp_check_req, mod_timer_pending)
  bool close_wait_reset_epipe = false;     // a RST in CLOSE-WAIT makes later calls fail with EPIPE
                                           // (tcp_reset; RFC 9293 3.10.7.4: "reset" responses)
  bool dsack = false;                      // RFC 2883 D-SACK: duplicate text is reported in the
                                           // first SACK block of an immediate ACK (tcp_dsack_set)
  bool shut_rd_data_resets = false;        // FIN-WAIT-1/2 after shutdown(SHUT_RD): new data draws
                                           // a RST and ECONNRESET, as after close()
  bool delack_due_acks_now = false;        // a segment reaching the ACK check while the delayed
                                           // ACK is due within a quarter of its delay sends it
                                           // now (tcp_send_delayed_ack)
  bool zero_window_ack_restarts_probe = false;  // an ACK that leaves the window closed restarts
                                                // the zero-window probe timer (tcp_ack_probe)
  bool rcv_mss_capped = false;             // the receiver's segment-size estimate behind "more
                                           // than one full segment unacknowledged: ACK now" is
                                           // capped at the MSS (Linux icsk_ack.rcv_mss)
  // Output and the socket calls (output.cpp, socket_api.cpp):
  bool psh_at_write_end = false;           // PSH marks where a send() ended, kept on
                                           // retransmission (RFC: PSH when the buffer empties)
  int push_chunk_segments = 0;             // also PSH every Nth new segment of one output burst,
                                           // counted from a write's end (Linux 2: GSO bursts of
                                           // two segments); not kept on retransmission
  bool gso_burst_autosize = false;         // the burst behind push_chunk_segments is Linux's
                                           // tcp_tso_autosize with BBR's initial pacing rate
                                           // (cwnd and SRTT), at most half the cwnd;
                                           // push_chunk_segments is its minimum (1 below 150 kB/s)
  bool shutdown_in_syn_sent_disconnects = false;  // shutdown() in SYN-SENT deletes the TCB silently
                                                  // and returns 0 (Linux tcp_disconnect)
  bool shutdown_in_syn_received_deferred = false;  // shutdown(SHUT_WR) in SYN-RECEIVED sends no
                                                   // FIN and keeps the state (Linux tcp_shutdown)
  bool rst_acceptable_seq = false;         // an abort's RST (and ACKs) use SND.UNA+SND.WND when
                                           // SND.NXT is beyond the peer's window
                                           // (tcp_acceptable_seq; RFC 9293: SND.NXT)
  bool time_wait_fd_reports_close = false;  // the descriptor of a connection in TIME-WAIT reports
                                            // CLOSE (Linux hands the pair to a timewait sock)
  bool failed_connect_unbinds = false;     // a failed connect() releases the ephemeral port, so
                                           // bind() is allowed again
  bool connect_reports_failure = false;    // after an active open failed (RST, timeout, ICMP) the
                                           // next connect() returns the error (or ECONNABORTED)
                                           // and listen() is EINVAL until then (SS_CONNECTING)
  bool slow_start_per_segment = false;     // slow start grows cwnd by one SMSS per segment
                                           // acknowledged, up to ssthresh (Linux tcp_slow_start;
                                           // RFC 5681 3.1: by min(N, SMSS) per ACK)
  bool sender_sws_minshall_only = false;   // a window-limited segment may be short whenever
                                           // Minshall's Nagle allows (no MUST-38 sender SWS test)
  bool reset_keeps_accept_queue = false;   // a connection reset while waiting for accept() stays
                                           // in the queue; accept() returns it, CLOSED, with its error

  // Explicit Congestion Notification (RFC 3168; RFC 9293 SHLD-8).
  bool ecn_passive = true;   // answer an ECN-setup SYN (ECE+CWR) with an ECN-setup SYN-ACK (ECE)
  bool ecn_active = false;   // send an ECN-setup SYN on connect() (Linux net.ipv4.tcp_ecn=2: off)

  // ICMP errors (RFC 9293 §3.9.2.2, RFC 1122 §4.2.3.9, RFC 5927, RFC 1191, RFC 6069).
  IcmpErrorModel icmp_errors = IcmpErrorModel::Rfc;
  IcmpSeqCheck icmp_seq_check = IcmpSeqCheck::HalfOpen;
  bool icmp_rto_revert = false;   // RFC 6069 (TCP-LD): net/host unreachable for SND.UNA undoes
                                  // one RTO backoff (Linux's tcp_ld_RTO_revert)
  std::uint16_t min_pmtu = 68;    // lowest IPv4 path MTU a "fragmentation needed" may set (RFC
                                  // 1191 §3: 68; Linux's min_pmtu: 552); IPv6 is always 1280

  // IPv4 source routes (RFC 9293 §3.9.2.1, RFC 1122 §3.2.1.8 and §4.2.3.8; source_route.cpp).
  bool accept_source_route = true;   // a datagram with a completed LSRR/SSRR reaches TCP (RFC
                                     // 1122 3.2.1.8 (c)); Linux (accept_source_route = 0) and
                                     // FreeBSD (accept_sourceroute = 0) drop it in IP
  bool source_route_update = true;   // SHLD-24: a later segment's different route replaces the
                                     // saved return route; Linux and BSD keep the SYN's

  // The IPv4 prefix length of the stack's addresses: 192.0.2.1/24 makes 192.0.2.255 the subnet
  // broadcast address, whose segments are dropped (RFC 9293 §3.9.2.3, RFC 1122 §4.2.3.10).
  // /31 and /32 have no broadcast address (RFC 3021).
  std::uint8_t ipv4_prefix_length = 24;

  // TEST ONLY (tests/fuzz planted-bug test, never set by a profile or a key): accept a RST at any
  // SEG.SEQ, breaking RFC 9293 §3.10.7.4 / RFC 5961 §3.2, so the fuzzer can show it finds it.
  bool test_planted_bug_rst_any_seq = false;

  // Ephemeral ports for connect() without bind().
  std::uint16_t ephemeral_port_first = 40000;
  std::uint16_t ephemeral_port_last = 60999;

  static Result<StackConfig> from_profile(std::string_view name);
  // Overrides one parameter by its name (the keys are listed by `keys()`).
  Result<void> set(std::string_view key, std::string_view value);
  static std::vector<std::string> keys();
  static std::vector<std::string> profiles() { return {"rfc", "linux", "freebsd"}; }
};

}  // namespace synack::reference
