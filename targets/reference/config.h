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

// Nagle's algorithm (RFC 1122 §4.2.3.4) as modified by the profile; TCP_NODELAY turns it off.
enum class NagleMode : std::uint8_t {
  Classic,   // hold a small segment while any data is unacknowledged
  Minshall,  // hold a small segment only while another small segment is unacknowledged (Linux)
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
  bool accept_syn_in_time_wait = false;    // RFC 6191-style reuse of a TIME-WAIT pair by a new SYN
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
  bool time_wait_ack_restarts = false;     // Linux: any non-RST segment with ACK restarts the
                                           // TIME-WAIT timer (RFC 9293: only a repeated FIN)
  bool require_timestamps = true;          // RFC 7323 §3.2: with TS negotiated, drop non-RST
                                           // segments without TSopt (Linux accepts them)
  bool synack_on_duplicate_syn = false;    // SYN-RECEIVED answers a repeated SYN with the SYN-ACK
                                           // (BSD, Linux) instead of RFC 9293's plain ACK
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
