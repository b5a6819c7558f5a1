#include "fuzz/to_script.h"

#include <cstring>
#include <optional>

#include "harness/net/codec.h"
#include "harness/run/connection.h"
#include "harness/script/parser.h"

namespace synack::fuzz {

namespace {

using script::OptionSpec;
using script::PacketSpec;

constexpr std::uint16_t kDefaultStackPort = 8080;  // run::ExecOptions::local_port
constexpr std::uint16_t kPeerPort = 34000;          // run::ExecOptions::remote_port

// The executor's per-peer-port bookkeeping (run::Connection), mirrored line by line so every
// number written is the one the executor turns back into the segment the session injected.
struct Mirror {
  std::optional<std::uint16_t> stack_port;
  std::optional<std::uint32_t> stack_isn;
};

// `sack_shift` is subtracted from SACK edges (inbound SACK blocks are written relative to the
// stack's ISN; outbound ones are the peer's literal numbers).
std::vector<OptionSpec> option_specs(const std::vector<net::TcpOption>& options, std::uint32_t sack_shift) {
  std::vector<OptionSpec> out;
  for (const auto& o : options) {
    OptionSpec s;
    namespace k = net::option_kind;
    const bool malformed = o.wire_length.has_value();
    if (o.kind == k::NOP) {
      s.kind = OptionSpec::Kind::Nop;
    } else if (o.kind == k::EOL) {
      s.kind = OptionSpec::Kind::Eol;
    } else if (!malformed && o.kind == k::MSS && o.mss_value()) {
      s.kind = OptionSpec::Kind::Mss;
      s.value = *o.mss_value();
    } else if (!malformed && o.kind == k::WSCALE && o.wscale_value()) {
      s.kind = OptionSpec::Kind::Wscale;
      s.value = *o.wscale_value();
    } else if (!malformed && o.kind == k::SACK_PERMITTED && o.data.empty()) {
      s.kind = OptionSpec::Kind::SackOk;
    } else if (!malformed && o.kind == k::TIMESTAMP && o.timestamp_value()) {
      s.kind = OptionSpec::Kind::Timestamp;
      s.value = o.timestamp_value()->first;
      s.ecr = o.timestamp_value()->second;
    } else if (!malformed && o.kind == k::SACK && o.sack_blocks()) {
      s.kind = OptionSpec::Kind::Sack;
      const auto blocks = o.sack_blocks();  // keep the optional alive over the loop
      for (const auto& b : *blocks) s.sack_blocks.emplace_back(b.left - sack_shift, b.right - sack_shift);
    } else {
      s.kind = OptionSpec::Kind::Raw;
      s.raw_kind = o.kind;
      s.bytes = o.data;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string time_text(Micros t) {
  script::EventTime time;
  time.start = script::TimePoint{script::TimePoint::Kind::Absolute, t};
  return script::print_time(time);
}

std::string result_text(std::int64_t r) {
  if (r >= 0) return std::to_string(r);
  const int e = static_cast<int>(-r);
  const char* name = strerrorname_np(e);
  std::string out = "-1 " + std::string(name ? name : "EINVAL");
  out += " (" + std::string(std::strerror(e)) + ")";
  return out;
}

std::string inbound_line(const net::Segment& s, Mirror& m) {
  PacketSpec p;
  p.direction = script::Direction::Inbound;
  if (s.dport != m.stack_port.value_or(kDefaultStackPort)) {
    p.src_port = s.sport;
    p.dst_port = s.dport;
  }
  const std::uint32_t isn = m.stack_isn.value_or(0);
  p.flags = run::script_flags(s.flags);
  p.seq_start = s.seq;
  p.payload_len = static_cast<std::uint32_t>(s.payload.size());
  p.seq_end = s.seq + p.payload_len;
  if (s.has(net::flag::ACK)) p.ack = s.ack - isn;
  p.win = s.window;
  if (s.urgent != 0) p.urg = s.urgent;
  if (!s.options.empty()) p.options = option_specs(s.options, isn);
  return script::print_packet(p);
}

std::string outbound_line(const net::Segment& sent, Mirror& m) {
  // What the executor sees: the segment after the wire codec (EOL padding collapses to one).
  const std::vector<std::uint8_t> wire = net::encode(sent);
  Result<net::Segment> decoded = net::decode(wire);
  const net::Segment& s = decoded ? *decoded : sent;
  PacketSpec p;
  p.direction = script::Direction::Outbound;
  if (!m.stack_port) m.stack_port = s.sport;  // learned from the stack's first segment
  if (s.sport != *m.stack_port || s.dport != kPeerPort) {
    p.src_port = s.sport;
    p.dst_port = s.dport;
  }
  if (s.has(net::flag::SYN)) m.stack_isn = s.seq;  // written as relative 0
  const std::uint32_t isn = m.stack_isn.value_or(0);
  p.flags = run::script_flags(s.flags);
  p.seq_start = run::is_unnumbered_rst(s) ? 0 : s.seq - isn;  // as the executor reads it
  p.payload_len = static_cast<std::uint32_t>(s.payload.size());
  p.seq_end = p.seq_start + p.payload_len;
  if (s.has(net::flag::ACK)) p.ack = s.ack;
  p.win = s.window;
  if (!s.options.empty()) p.options = option_specs(s.options, 0);
  return script::print_packet(p);
}

}  // namespace

const char* profile_name(std::uint8_t profile) {
  static const char* names[] = {"rfc", "linux", "freebsd"};
  return names[profile % 3];
}

std::string to_script(const SessionInput& input, const SessionResult& recorded) {
  std::string out;
  const char* profile = profile_name(input.profile);
  if (recorded.finding) {
    out += "// title: fuzz finding: " + recorded.finding->invariant + "\n";
  } else {
    out += "// title: fuzz session replay (" + std::to_string(input.events.size()) + " events)\n";
  }
  out += "// targets: reference\n";
  out += "// Generated by synack fuzz from a session input; replays what the reference stack did.\n";
  out += "// Run with: synack run FILE --target reference --profile " + std::string(profile) + "\n";
  if (recorded.finding) {
    const Finding& f = *recorded.finding;
    out += "// FINDING: " + f.invariant + "\n";
    out += "//   state " + f.state + ", triggered by " + f.event;
    if (f.event_index < input.events.size()) {
      out += " (event #" + std::to_string(f.event_index) + ": " + describe(input.events[f.event_index]) + ")";
    }
    out += "\n//   " + f.detail + "\n";
    out += "//   The lines below reproduce the behaviour up to and including that event.\n";
  }
  Mirror m;
  for (const Record& r : recorded.records) {
    switch (r.kind) {
      case Record::Kind::Comment: out += "// " + r.text + "\n"; break;
      case Record::Kind::Inbound: out += time_text(r.time) + " " + inbound_line(r.segment, m) + "\n"; break;
      case Record::Kind::Outbound: out += time_text(r.time) + " " + outbound_line(r.segment, m) + "\n"; break;
      case Record::Kind::Call: out += time_text(r.time) + " " + r.text + " = " + result_text(r.result) + "\n"; break;
    }
  }
  // The state every open descriptor ended in: this is what tells a correct stack from the one
  // that produced a finding even when the finding's event made the stack send nothing.
  for (const auto& [fd, state] : recorded.final_states) {
    out += time_text(recorded.end_time) + " getsockopt(" + std::to_string(fd) + ", SOL_TCP, TCP_INFO, {tcpi_state=" +
           std::to_string(state) + "}, [0]) = 0\n";
  }
  return out;
}

std::string to_script(const SessionInput& input, const SessionOptions& options) {
  SessionOptions o = options;
  o.record = true;
  const SessionResult r = run_session(input, o);
  return to_script(input, r);
}

}  // namespace synack::fuzz
