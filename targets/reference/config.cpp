#include "targets/reference/config.h"

#include <charconv>
#include <functional>
#include <limits>

namespace synack::reference {

Result<StackConfig> StackConfig::from_profile(std::string_view name) {
  StackConfig c;  // the member initializers are the "rfc" profile
  if (name == "rfc") return c;
  if (name == "linux") {
    c.profile = "linux";
    c.initial_window = 65535;  // rounded to 64240 (44 * 1460) in a SYN, 65160 with TS in a SYN-ACK
    c.round_window_to_mss = true;
    c.grow_window = true;
    c.send_buffer = 16384;     // tcp_wmem[1]
    c.receive_buffer = 131072; // tcp_rmem[1]
    c.initial_cwnd_segments = 10;
    c.window_shift = 7;
    c.option_layout = OptionLayout::Linux;
    c.rto_initial = 1 * kMicrosPerSecond;
    c.rto_min = 200 * kMillis;
    c.rto_max = 120 * kMicrosPerSecond;
    c.syn_retries = 6;
    c.synack_retries = 5;
    c.data_retries = 15;
    c.msl = 30 * kMicrosPerSecond;
    c.time_wait = 60 * kMicrosPerSecond;  // TCP_TIMEWAIT_LEN
    c.delayed_ack = 40 * kMillis;         // TCP_DELACK_MIN
    c.quickack_segments = 16;             // TCP_MAX_QUICKACKS
    c.fin_wait2_timeout = 60 * kMicrosPerSecond;  // tcp_fin_timeout
    c.time_wait_rst = TimeWaitRstPolicy::Close;   // tcp_rfc1337 = 0
    c.challenge_ack_limit = 0;                    // unlimited since 6.0 ...
    c.challenge_ack_min_interval = 500 * kMillis; // ... but tcp_invalid_ratelimit per socket
    c.zero_window_probe = ZeroWindowProbe::SeqMinus1;
    c.nagle = NagleMode::Minshall;
    c.accept_syn_in_time_wait = true;         // tcp_timewait_state_process: TCP_TW_SYN ...
    c.time_wait_reuse_rule = TimeWaitReuseRule::Rfc6191;  // ... newer TSval or higher SEQ
    c.time_wait_reuse_restore = false;        // the TIME-WAIT socket is gone once the SYN is taken
    c.ecn_passive = true;                     // net.ipv4.tcp_ecn = 2: accept ECN when asked ...
    c.ecn_active = false;                     // ... never ask for it
    c.synack_on_duplicate_syn = true;
    c.require_timestamps = false;
    c.time_wait_ack_restarts = true;
    c.abort_rst_has_ack = true;
    c.abort_deletes_time_wait = false;  // tcp_time_wait: the socket is CLOSED, the TW entry stays
    c.send_on_listen_opens = false;     // tcp_sendmsg on a listener: sk_stream_wait_connect, EPIPE
    c.connect_on_listener_eisconn = true;  // measured with synack diff --fuzz on Linux 6.18
    c.syn_linear_timeouts = 4;             // net.ipv4.tcp_syn_linear_timeouts; measured likewise
    c.simultaneous_synack_full_options = true;  // tcp_send_synack -> tcp_syn_options; measured
    c.listener_shutdown_closes = true;     // measured likewise
    c.report_r1 = false;                // tcp_retries1: only dst_negative_advice
    c.drop_syn_fin = true;
    c.delay_fin_ack = true;
    c.pingpong = true;
    c.ack_unsent_data_reply = true;            // 6.18: tcp_ack -> tcp_send_challenge_ack ...
    c.ack_unsent_data_rate_limited = true;     // ... limited by tcp_invalid_ratelimit
    c.rto_estimator = RtoEstimator::Linux;
    c.delayed_ack_before_data = 4 * kMillis;   // icsk_ack.ato = 0 before data: the next jiffy
    c.tail_loss_probe = true;
    c.partial_segment_ack_keeps_timer = true;
    c.synrecv_ack_check_first = true;
    c.synrecv_syn_resets = true;
    c.child_fresh_ratelimit = true;
    c.synrecv_rst_econnreset = true;
    c.syn_unacceptable_ack_retry = 8 * kMillis;  // TCP_TIMEOUT_MIN at HZ=250
    c.simultaneous_synack_acked = true;
    c.simultaneous_synack_keeps_timer = true;
    c.psh_at_write_end = true;
    c.push_chunk_segments = 2;
    c.gso_burst_autosize = true;
    c.shutdown_in_syn_sent_disconnects = true;
    c.shutdown_in_syn_received_deferred = true;
    c.rst_acceptable_seq = true;
    c.time_wait_fd_reports_close = true;
    c.failed_connect_unbinds = true;
    c.connect_reports_failure = true;
    c.slow_start_per_segment = true;
    c.sender_sws_minshall_only = true;
    c.reset_keeps_accept_queue = true;
    c.synack_text_discarded = true;
    c.acceptable_from_rcv_wup = true;
    c.drop_segments_without_ack = true;
    c.after_fin_segments_linux = true;
    c.time_wait_data_acked = true;
    c.urgent_oob_byte = true;
    c.rcv_mss_capped = true;
    c.zero_window_ack_restarts_probe = true;
    c.dup_syn_synack_restarts_timer = true;
    c.close_wait_reset_epipe = true;
    c.dsack = true;
    c.shut_rd_data_resets = true;
    c.delack_due_acks_now = true;
    c.old_ack_window_bytes_acked = true;
    c.icmp_errors = IcmpErrorModel::Linux;     // tcp_v4_err, tcp_v6_err, tcp_req_err
    c.icmp_seq_check = IcmpSeqCheck::Inclusive;
    c.icmp_rto_revert = true;                  // tcp_ld_RTO_revert
    c.min_pmtu = 552;                          // net.ipv4.route.min_pmtu
    c.accept_source_route = false;  // net.ipv4.conf.all.accept_source_route = 0 (ip_rcv_options)
    c.source_route_update = false;  // the return route is the SYN's (tcp_v4_save_options) for good
    c.ephemeral_port_first = 32768;
    c.ephemeral_port_last = 60999;
    return c;
  }
  if (name == "freebsd") {
    c.profile = "freebsd";
    c.initial_window = 65535;
    c.send_buffer = 32768;
    c.receive_buffer = 65536;
    c.initial_cwnd_segments = 10;
    c.window_shift = 6;
    c.option_layout = OptionLayout::FreeBsd;
    c.rto_min = 30 * kMillis;
    c.rto_max = 64 * kMicrosPerSecond;
    c.msl = 30 * kMicrosPerSecond;
    c.time_wait = 60 * kMicrosPerSecond;
    c.delayed_ack = 40 * kMillis;
    c.keepalive_count = 8;
    c.time_wait_rst = TimeWaitRstPolicy::Ignore;  // tcp_twcheck drops RSTs
    c.challenge_ack_limit = 5;                    // net.inet.tcp.ack_war_cnt per ack_war_timewindow
    c.zero_window_probe = ZeroWindowProbe::OneByte;
    c.nagle = NagleMode::Classic;
    c.synack_on_duplicate_syn = true;
    c.abort_rst_has_ack = true;
    c.abort_deletes_time_wait = false;  // tcp_usr_close leaves an INP_TIMEWAIT pcb alone
    c.send_on_listen_opens = false;     // tcp_usr_send on a listener: ENOTCONN/EPIPE
    c.report_r1 = false;                // no report before the connection drops
    // tcp_twcheck: a SYN above the old RCV.NXT closes the TIME-WAIT state and goes to the
    // listener; there is no PAWS check in TIME-WAIT, so timestamps play no part.
    c.accept_syn_in_time_wait = true;
    c.time_wait_reuse_rule = TimeWaitReuseRule::Sequence;
    c.time_wait_reuse_restore = false;
    c.ecn_passive = true;  // net.inet.tcp.ecn.enable = 2: accept ECN, do not request it
    c.ecn_active = false;
    c.accept_source_route = false;  // net.inet.ip.accept_sourceroute = 0 (inet(4))
    c.source_route_update = false;  // the syncache's saved route (sc_ipopts) is kept
    c.ephemeral_port_first = 10000;
    c.ephemeral_port_last = 65535;
    return c;
  }
  return make_error("unknown stack profile '" + std::string(name) +
                    "' (valid profiles: rfc, linux, freebsd)");
}

namespace {

template <class T>
bool parse_integer(std::string_view text, T& out) {
  if (text.empty()) return false;
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  T v{};
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
  if (ec != std::errc() || p != text.data() + text.size()) return false;
  out = v;
  return true;
}

bool parse_bool(std::string_view text, bool& out) {
  if (text == "true" || text == "1" || text == "on" || text == "yes") {
    out = true;
    return true;
  }
  if (text == "false" || text == "0" || text == "off" || text == "no") {
    out = false;
    return true;
  }
  return false;
}

using Setter = std::function<Result<void>(StackConfig&, std::string_view key, std::string_view)>;

struct KeySpec {
  const char* name;
  Setter set;
};

Error bad_value(std::string_view key, std::string_view value, std::string_view expected) {
  return make_error("bad value '" + std::string(value) + "' for stack setting '" +
                    std::string(key) + "' (expected " + std::string(expected) + ")");
}

template <class T>
Setter integer(T StackConfig::*field, std::int64_t lo, std::int64_t hi) {
  return [field, lo, hi](StackConfig& c, std::string_view key, std::string_view v) -> Result<void> {
    std::int64_t n = 0;
    if (!parse_integer(v, n) || n < lo || n > hi) {
      return bad_value(key, v, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
    c.*field = static_cast<T>(n);
    return {};
  };
}

Setter millis(Micros StackConfig::*field, std::int64_t lo_ms, std::int64_t hi_ms) {
  return [field, lo_ms, hi_ms](StackConfig& c, std::string_view key,
                               std::string_view v) -> Result<void> {
    std::int64_t n = 0;
    if (!parse_integer(v, n) || n < lo_ms || n > hi_ms) {
      return bad_value(key, v, "milliseconds from " + std::to_string(lo_ms) + " to " +
                                   std::to_string(hi_ms));
    }
    c.*field = n * kMillis;
    return {};
  };
}

Setter boolean(bool StackConfig::*field) {
  return [field](StackConfig& c, std::string_view key, std::string_view v) -> Result<void> {
    bool b = false;
    if (!parse_bool(v, b)) return bad_value(key, v, "true or false");
    c.*field = b;
    return {};
  };
}

template <class E>
Setter choice(E StackConfig::*field, std::vector<std::pair<const char*, E>> choices) {
  return [field, choices](StackConfig& c, std::string_view key, std::string_view v) -> Result<void> {
    std::string names;
    for (const auto& [name, value] : choices) {
      if (v == name) {
        c.*field = value;
        return {};
      }
      names += names.empty() ? "" : " or ";
      names += name;
    }
    return bad_value(key, v, names);
  };
}

const std::vector<KeySpec>& key_specs() {
  constexpr std::int64_t kHour = 3600 * 1000;
  static const std::vector<KeySpec> specs = {
      {"mss", integer(&StackConfig::mss, 88, 65495)},
      {"default_peer_mss", integer(&StackConfig::default_peer_mss, 88, 65495)},
      {"initial_window", integer(&StackConfig::initial_window, 0, 65535)},
      {"round_window_to_mss", boolean(&StackConfig::round_window_to_mss)},
      {"grow_window", boolean(&StackConfig::grow_window)},
      {"send_buffer", integer(&StackConfig::send_buffer, 1, 1 << 30)},
      {"receive_buffer", integer(&StackConfig::receive_buffer, 1, 1 << 30)},
      {"initial_cwnd_segments", integer(&StackConfig::initial_cwnd_segments, 1, 1000)},
      {"window_scaling", boolean(&StackConfig::window_scaling)},
      {"window_shift", integer(&StackConfig::window_shift, 0, 14)},
      {"timestamps", boolean(&StackConfig::timestamps)},
      {"sack", boolean(&StackConfig::sack)},
      {"option_layout", choice(&StackConfig::option_layout,
                               {{"linux", OptionLayout::Linux}, {"freebsd", OptionLayout::FreeBsd}})},
      {"rto_initial_ms", millis(&StackConfig::rto_initial, 1, kHour)},
      {"rto_min_ms", millis(&StackConfig::rto_min, 1, kHour)},
      {"rto_max_ms", millis(&StackConfig::rto_max, 1, kHour)},
      {"syn_retries", integer(&StackConfig::syn_retries, 0, 127)},
      {"syn_linear_timeouts", integer(&StackConfig::syn_linear_timeouts, 0, 127)},
      {"simultaneous_synack_full_options", boolean(&StackConfig::simultaneous_synack_full_options)},
      {"synack_retries", integer(&StackConfig::synack_retries, 0, 127)},
      {"data_retries", integer(&StackConfig::data_retries, 0, 127)},
      {"r1_retries", integer(&StackConfig::r1_retries, 1, 127)},
      {"report_r1", boolean(&StackConfig::report_r1)},
      {"dupack_threshold", integer(&StackConfig::dupack_threshold, 1, 1000)},
      {"msl_ms",
       [](StackConfig& c, std::string_view key, std::string_view v) -> Result<void> {
         // Setting the MSL also sets TIME-WAIT to 2·MSL; a later time_wait_ms overrides that.
         auto r = millis(&StackConfig::msl, 0, kHour)(c, key, v);
         if (r) c.time_wait = 2 * c.msl;
         return r;
       }},
      {"time_wait_ms", millis(&StackConfig::time_wait, 0, kHour)},
      {"delayed_ack_ms", millis(&StackConfig::delayed_ack, 0, 499)},  // RFC 9293 §3.8.6.3: < 0.5 s
      {"quickack_segments", integer(&StackConfig::quickack_segments, 0, 1000)},
      {"keepalive_idle_ms", millis(&StackConfig::keepalive_idle, 1, 24 * kHour)},
      {"keepalive_interval_ms", millis(&StackConfig::keepalive_interval, 1, 24 * kHour)},
      {"keepalive_count", integer(&StackConfig::keepalive_count, 1, 127)},
      {"fin_wait2_timeout_ms", millis(&StackConfig::fin_wait2_timeout, 0, kHour)},
      {"isn_mode", choice(&StackConfig::isn_mode,
                          {{"fixed", IsnMode::Fixed}, {"rfc6528", IsnMode::Rfc6528}})},
      {"fixed_isn", integer(&StackConfig::fixed_isn, 0, std::numeric_limits<std::uint32_t>::max())},
      {"isn_secret", integer(&StackConfig::isn_secret, 0, std::numeric_limits<std::int64_t>::max())},
      {"time_wait_rst", choice(&StackConfig::time_wait_rst, {{"close", TimeWaitRstPolicy::Close},
                                                              {"ignore", TimeWaitRstPolicy::Ignore}})},
      {"challenge_ack_limit", integer(&StackConfig::challenge_ack_limit, 0, 1 << 30)},
      {"challenge_ack_min_interval_ms",
       millis(&StackConfig::challenge_ack_min_interval, 0, kHour)},
      {"zero_window_probe",
       choice(&StackConfig::zero_window_probe,
              {{"one_byte", ZeroWindowProbe::OneByte}, {"seq_minus_1", ZeroWindowProbe::SeqMinus1}})},
      {"nagle", choice(&StackConfig::nagle,
                       {{"classic", NagleMode::Classic}, {"minshall", NagleMode::Minshall}})},
      {"accept_syn_in_time_wait", boolean(&StackConfig::accept_syn_in_time_wait)},
      {"time_wait_reuse_rule",
       choice(&StackConfig::time_wait_reuse_rule,
              {{"rfc6191", TimeWaitReuseRule::Rfc6191}, {"sequence", TimeWaitReuseRule::Sequence}})},
      {"time_wait_reuse_restore", boolean(&StackConfig::time_wait_reuse_restore)},
      {"ecn_passive", boolean(&StackConfig::ecn_passive)},
      {"ecn_active", boolean(&StackConfig::ecn_active)},
      {"ipv4_prefix_length", integer(&StackConfig::ipv4_prefix_length, 0, 32)},
      {"accept_source_route", boolean(&StackConfig::accept_source_route)},
      {"source_route_update", boolean(&StackConfig::source_route_update)},
      {"icmp_errors", choice(&StackConfig::icmp_errors,
                             {{"rfc", IcmpErrorModel::Rfc}, {"linux", IcmpErrorModel::Linux}})},
      {"icmp_seq_check", choice(&StackConfig::icmp_seq_check, {{"half_open", IcmpSeqCheck::HalfOpen},
                                                               {"inclusive", IcmpSeqCheck::Inclusive}})},
      {"icmp_rto_revert", boolean(&StackConfig::icmp_rto_revert)},
      {"min_pmtu", integer(&StackConfig::min_pmtu, 68, 65535)},
      {"synack_on_duplicate_syn", boolean(&StackConfig::synack_on_duplicate_syn)},
      {"require_timestamps", boolean(&StackConfig::require_timestamps)},
      {"time_wait_ack_restarts", boolean(&StackConfig::time_wait_ack_restarts)},
      {"abort_rst_has_ack", boolean(&StackConfig::abort_rst_has_ack)},
      {"abort_deletes_time_wait", boolean(&StackConfig::abort_deletes_time_wait)},
      {"send_on_listen_opens", boolean(&StackConfig::send_on_listen_opens)},
      {"connect_on_listener_eisconn", boolean(&StackConfig::connect_on_listener_eisconn)},
      {"listener_shutdown_closes", boolean(&StackConfig::listener_shutdown_closes)},
      {"drop_syn_fin", boolean(&StackConfig::drop_syn_fin)},
      {"delay_fin_ack", boolean(&StackConfig::delay_fin_ack)},
      {"pingpong", boolean(&StackConfig::pingpong)},
      {"ack_unsent_data_reply", boolean(&StackConfig::ack_unsent_data_reply)},
      {"ack_unsent_data_rate_limited", boolean(&StackConfig::ack_unsent_data_rate_limited)},
      {"rto_estimator", choice(&StackConfig::rto_estimator,
                               {{"rfc6298", RtoEstimator::Rfc6298}, {"linux", RtoEstimator::Linux}})},
      {"delayed_ack_before_data_ms", millis(&StackConfig::delayed_ack_before_data, 0, 499)},
      {"tail_loss_probe", boolean(&StackConfig::tail_loss_probe)},
      {"partial_segment_ack_keeps_timer", boolean(&StackConfig::partial_segment_ack_keeps_timer)},
      {"synrecv_ack_check_first", boolean(&StackConfig::synrecv_ack_check_first)},
      {"synrecv_syn_resets", boolean(&StackConfig::synrecv_syn_resets)},
      {"child_fresh_ratelimit", boolean(&StackConfig::child_fresh_ratelimit)},
      {"synrecv_rst_econnreset", boolean(&StackConfig::synrecv_rst_econnreset)},
      {"syn_unacceptable_ack_retry_ms", millis(&StackConfig::syn_unacceptable_ack_retry, 0, 60000)},
      {"simultaneous_synack_acked", boolean(&StackConfig::simultaneous_synack_acked)},
      {"simultaneous_synack_keeps_timer", boolean(&StackConfig::simultaneous_synack_keeps_timer)},
      {"psh_at_write_end", boolean(&StackConfig::psh_at_write_end)},
      {"push_chunk_segments", integer(&StackConfig::push_chunk_segments, 0, 1000)},
      {"gso_burst_autosize", boolean(&StackConfig::gso_burst_autosize)},
      {"shutdown_in_syn_sent_disconnects", boolean(&StackConfig::shutdown_in_syn_sent_disconnects)},
      {"shutdown_in_syn_received_deferred", boolean(&StackConfig::shutdown_in_syn_received_deferred)},
      {"rst_acceptable_seq", boolean(&StackConfig::rst_acceptable_seq)},
      {"time_wait_fd_reports_close", boolean(&StackConfig::time_wait_fd_reports_close)},
      {"failed_connect_unbinds", boolean(&StackConfig::failed_connect_unbinds)},
      {"connect_reports_failure", boolean(&StackConfig::connect_reports_failure)},
      {"slow_start_per_segment", boolean(&StackConfig::slow_start_per_segment)},
      {"sender_sws_minshall_only", boolean(&StackConfig::sender_sws_minshall_only)},
      {"reset_keeps_accept_queue", boolean(&StackConfig::reset_keeps_accept_queue)},
      {"synack_text_discarded", boolean(&StackConfig::synack_text_discarded)},
      {"acceptable_from_rcv_wup", boolean(&StackConfig::acceptable_from_rcv_wup)},
      {"drop_segments_without_ack", boolean(&StackConfig::drop_segments_without_ack)},
      {"after_fin_segments_linux", boolean(&StackConfig::after_fin_segments_linux)},
      {"time_wait_data_acked", boolean(&StackConfig::time_wait_data_acked)},
      {"urgent_oob_byte", boolean(&StackConfig::urgent_oob_byte)},
      {"rcv_mss_capped", boolean(&StackConfig::rcv_mss_capped)},
      {"zero_window_ack_restarts_probe", boolean(&StackConfig::zero_window_ack_restarts_probe)},
      {"dup_syn_synack_restarts_timer", boolean(&StackConfig::dup_syn_synack_restarts_timer)},
      {"close_wait_reset_epipe", boolean(&StackConfig::close_wait_reset_epipe)},
      {"dsack", boolean(&StackConfig::dsack)},
      {"shut_rd_data_resets", boolean(&StackConfig::shut_rd_data_resets)},
      {"delack_due_acks_now", boolean(&StackConfig::delack_due_acks_now)},
      {"old_ack_window_bytes_acked", boolean(&StackConfig::old_ack_window_bytes_acked)},
      {"ephemeral_port_first", integer(&StackConfig::ephemeral_port_first, 1, 65535)},
      {"ephemeral_port_last", integer(&StackConfig::ephemeral_port_last, 1, 65535)},
  };
  return specs;
}

}  // namespace

std::vector<std::string> StackConfig::keys() {
  std::vector<std::string> out;
  for (const auto& k : key_specs()) out.emplace_back(k.name);
  return out;
}

Result<void> StackConfig::set(std::string_view key, std::string_view value) {
  for (const auto& k : key_specs()) {
    if (key == k.name) {
      return k.set(*this, key, value);
    }
  }
  std::string names;
  for (const auto& k : key_specs()) {
    names += names.empty() ? "" : ", ";
    names += k.name;
  }
  return make_error("unknown stack setting '" + std::string(key) + "' (valid settings: " + names +
                    ")");
}

}  // namespace synack::reference
