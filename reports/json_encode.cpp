// Writing run results as JSON (schema: reports/SCHEMA.md).
#include <arpa/inet.h>

#include <cmath>

#include "reports/json_codec.h"

namespace synack::reports::json_codec {
namespace {

std::string hex(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::string address_text(const net::IpAddress& address) {
  char buf[INET6_ADDRSTRLEN] = {};
  const int family = address.version == net::IpVersion::v6 ? AF_INET6 : AF_INET;
  if (::inet_ntop(family, address.bytes.data(), buf, sizeof buf) == nullptr) return "";
  return buf;
}

// tcpdump's letters in tcpdump's order; AE as the script language writes it.
std::string flags_text(std::uint16_t flags) {
  static constexpr std::pair<std::uint16_t, char> kLetters[] = {
      {net::flag::FIN, 'F'}, {net::flag::SYN, 'S'}, {net::flag::RST, 'R'},
      {net::flag::PSH, 'P'}, {net::flag::ACK, '.'}, {net::flag::URG, 'U'},
      {net::flag::ECE, 'E'}, {net::flag::CWR, 'W'}, {net::flag::AE, 'A'},
  };
  std::string out;
  for (auto [bit, letter] : kLetters) {
    if (flags & bit) out.push_back(letter);
  }
  return out.empty() ? "none" : out;
}

// JSON has no NaN or infinity; a broken clock must not make the whole report unwritable.
double finite(double seconds) { return std::isfinite(seconds) ? seconds : 0.0; }

Json option_to_json(const net::TcpOption& option) {
  Json out = Json::object();
  out["kind"] = option.kind;
  out["data"] = hex(option.data);
  if (option.wire_length) out["wire_length"] = *option.wire_length;
  return out;
}

Json segment_to_json(const net::Segment& seg) {
  Json out = Json::object();
  out["src"] = address_text(seg.src);
  out["dst"] = address_text(seg.dst);
  out["tos"] = seg.tos;
  out["ttl"] = seg.ttl;
  out["flow_label"] = seg.flow_label;
  out["sport"] = seg.sport;
  out["dport"] = seg.dport;
  out["seq"] = seg.seq;
  out["ack"] = seg.ack;
  out["flags"] = seg.flags;
  out["flags_text"] = flags_text(seg.flags);
  out["window"] = seg.window;
  out["urgent"] = seg.urgent;
  Json options = Json::array();
  for (const auto& option : seg.options) options.push_back(option_to_json(option));
  out["options"] = std::move(options);
  out["payload_len"] = seg.payload.size();
  out["payload"] = hex(seg.payload);
  out["checksum_ok"] = seg.checksum_ok;
  out["corrupt_checksum"] = seg.corrupt_checksum;
  return out;
}

const char* kind_name(run::TraceEntry::Kind kind) {
  using Kind = run::TraceEntry::Kind;
  switch (kind) {
    case Kind::Injected: return "injected";
    case Kind::Observed: return "observed";
    case Kind::Malformed: return "malformed";
    case Kind::CallStart: return "call_start";
    case Kind::CallReturn: return "call_return";
    case Kind::Command: return "command";
    case Kind::Assert: return "assert";
  }
  return "unknown";
}

Json trace_entry_to_json(const run::TraceEntry& entry) {
  Json out = Json::object();
  out["kind"] = kind_name(entry.kind);
  out["time_us"] = entry.time;
  out["scripted_time_us"] = entry.scripted_time ? Json(*entry.scripted_time) : Json(nullptr);
  out["line"] = entry.line;
  out["text"] = entry.text;
  out["matched"] = entry.matched;
  out["wire"] = hex(entry.wire);
  out["segment"] = entry.segment ? segment_to_json(*entry.segment) : Json(nullptr);
  return out;
}

Json failure_to_json(const run::Failure& failure) {
  Json out = Json::object();
  out["line"] = failure.line;
  out["column"] = failure.column;
  out["script_line"] = failure.script_line;
  out["message"] = failure.message;
  out["expected"] = failure.expected;
  out["actual"] = failure.actual;
  out["time_us"] = failure.time;
  return out;
}

}  // namespace

Json options_to_json(const std::vector<std::pair<std::string, std::string>>& options) {
  Json out = Json::object();
  for (const auto& [name, value] : options) out[name] = value;
  return out;
}

Json summary_to_json(const std::vector<run::ScriptResult>& scripts) {
  const run::Status kStatuses[] = {run::Status::Pass, run::Status::Fail, run::Status::Skipped,
                                   run::Status::Error, run::Status::ExpectedDeviation};
  Json out = Json::object();
  out["total"] = scripts.size();
  for (run::Status status : kStatuses) {
    std::size_t count = 0;
    for (const auto& script : scripts) count += script.verdict.status == status ? 1 : 0;
    out[run::status_name(status)] = count;
  }
  return out;
}

Json script_to_json(const run::ScriptResult& script) {
  const run::Verdict& verdict = script.verdict;
  Json out = Json::object();
  out["path"] = script.path;
  out["title"] = script.metadata.title;
  out["requirements"] = script.metadata.requirements;
  out["rfc_refs"] = script.metadata.rfc_refs;
  out["targets"] = script.metadata.targets;
  out["target"] = script.target;
  out["status"] = run::status_name(verdict.status);
  out["reason"] = verdict.reason;
  out["duration"] = finite(verdict.wall_seconds);
  out["script_time_us"] = verdict.script_time;
  out["failure"] = verdict.failure ? failure_to_json(*verdict.failure) : Json(nullptr);
  Json earlier = Json::array();
  for (const auto& attempt : script.earlier_attempts) {
    Json a = Json::object();
    a["status"] = run::status_name(attempt.status);
    a["reason"] = attempt.reason;
    a["duration"] = finite(attempt.wall_seconds);
    a["failure"] = attempt.failure ? failure_to_json(*attempt.failure) : Json(nullptr);
    earlier.push_back(std::move(a));
  }
  out["earlier_attempts"] = std::move(earlier);
  out["flaky"] = script.flaky();
  Json trace = Json::array();
  for (const auto& entry : script.trace.entries) trace.push_back(trace_entry_to_json(entry));
  out["trace"] = std::move(trace);
  return out;
}

std::string dump(const Json& json, int indent) {
  return json.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace synack::reports::json_codec
