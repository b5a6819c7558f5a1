// Hand-built run results for the report tests: every status, traces with IPv4 and IPv6 segments,
// options (one with a deliberately wrong wire length), payloads, failures; plus a scratch directory.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "harness/run/result.h"

namespace synack::reports::testing {

inline net::Segment syn_ack_v4() {
  net::Segment seg;
  seg.src = *net::IpAddress::parse("192.0.2.1");
  seg.dst = *net::IpAddress::parse("198.51.100.7");
  seg.sport = 8080;
  seg.dport = 40000;
  seg.seq = 0xfffffff0u;
  seg.ack = 1;
  seg.flags = net::flag::SYN | net::flag::ACK;
  seg.window = 65535;
  seg.options = {net::TcpOption::mss(1460), net::TcpOption::sack_permitted(),
                 net::TcpOption::timestamp(7, 0), net::TcpOption::nop(), net::TcpOption::wscale(7)};
  seg.checksum_ok = false;
  return seg;
}

inline net::Segment data_v6() {
  net::Segment seg;
  seg.src = *net::IpAddress::parse("2001:db8::1");
  seg.dst = *net::IpAddress::parse("2001:db8::2");
  seg.tos = 0x02;
  seg.ttl = 3;
  seg.flow_label = 0x12345;
  seg.sport = 40000;
  seg.dport = 8080;
  seg.seq = 1;
  seg.ack = 4000000000u;
  seg.flags = net::flag::PSH | net::flag::ACK | net::flag::URG | net::flag::AE;
  seg.window = 257;
  seg.urgent = 3;
  net::TcpOption odd = net::TcpOption::raw(99, {0xde, 0xad});
  odd.wire_length = 9;
  seg.options = {odd, net::TcpOption::sack({{100, 200}, {300, 400}}), net::TcpOption::eol()};
  seg.payload = {'h', 'i', 0, 0xff, '\n'};
  seg.corrupt_checksum = true;
  return seg;
}

inline run::TraceEntry entry(run::TraceEntry::Kind kind, Micros time, int line, std::string text) {
  run::TraceEntry e;
  e.kind = kind;
  e.time = time;
  e.line = line;
  e.text = std::move(text);
  return e;
}

inline run::ScriptResult passing_script() {
  run::ScriptResult s;
  s.path = "scripts/handshake/passive_open.pkt";
  s.metadata.title = "Passive open: SYN, SYN-ACK, ACK";
  s.metadata.requirements = {"MUST-8", "SHLD-5"};
  s.metadata.rfc_refs = {"9293 3.5", "9293 3.10.7.2"};
  s.metadata.targets = {"reference", "kernel"};
  s.target = "reference";
  s.verdict.status = run::Status::Pass;
  s.verdict.script_time = 100'000;
  s.verdict.wall_seconds = 0.00123;
  auto call = entry(run::TraceEntry::Kind::CallStart, 0, 1, "socket(..., SOCK_STREAM, IPPROTO_TCP)");
  call.scripted_time = 0;
  auto injected = entry(run::TraceEntry::Kind::Injected, 100'000, 5, "< S 0:0(0) win 32792 <mss 1000>");
  injected.scripted_time = 100'000;
  injected.wire = {0x45, 0x00, 0x00, 0x2c, 0xab, 0xcd};
  injected.segment = data_v6();
  auto observed = entry(run::TraceEntry::Kind::Observed, 100'250, 6, "> S. 0:0(0) ack 1 <mss 1460,...>");
  observed.scripted_time = 100'000;
  observed.wire = {0x45, 0x00, 0x00, 0x3c};
  observed.segment = syn_ack_v4();
  s.trace.entries = {call, entry(run::TraceEntry::Kind::CallReturn, 10, 1, "= 3"), injected, observed,
                     entry(run::TraceEntry::Kind::Command, 200'000, 7, "`sysctl -q net.ipv4.tcp_sack=1`"),
                     entry(run::TraceEntry::Kind::Assert, 200'001, 8, "%{ assert tcpi_state == 1 }%")};
  return s;
}

inline run::ScriptResult failing_script() {
  run::ScriptResult s;
  s.path = "scripts/rst/rst_in_syn_rcvd.pkt";
  s.metadata.title = "RST <in SYN-RCVD> & \"quotes\"";
  s.target = "reference";
  s.verdict.status = run::Status::Fail;
  s.verdict.script_time = 1'200'000;
  s.verdict.wall_seconds = 0.5;
  run::Failure f;
  f.line = 12;
  f.column = 6;
  f.script_line = "+.2 > R. 1:1(0) ack 1";
  f.message = "flags differ";
  f.expected = "R. 1:1(0) ack 1 win 0";
  f.actual = "F. 1:1(0) ack 1 win 65535";
  f.time = 1'200'000;
  s.verdict.failure = f;
  auto bad = entry(run::TraceEntry::Kind::Observed, 1'200'000, 12, "> F. 1:1(0) ack 1 win 65535");
  bad.matched = false;
  bad.scripted_time = 1'200'000;
  bad.wire = {0x60, 0x00};
  bad.segment = syn_ack_v4();
  auto garbage = entry(run::TraceEntry::Kind::Malformed, 1'300'000, 0, "bytes: \x01\x02 bad\x7f");
  garbage.matched = false;
  garbage.wire = {0x01, 0x02, 0x03};
  s.trace.entries = {bad, garbage};
  return s;
}

inline run::ScriptResult script_with(run::Status status, std::string path, std::string reason) {
  run::ScriptResult s;
  s.path = std::move(path);
  s.target = "reference";
  s.verdict.status = status;
  s.verdict.reason = std::move(reason);
  s.verdict.wall_seconds = 0.25;
  s.verdict.script_time = -5;  // scripts that never started may report odd times; keep them exact
  return s;
}

inline run::RunResult sample_run() {
  run::RunResult r;
  r.target = "reference";
  r.target_version = "synack-reference 0.1 (profile linux)";
  r.profile = "linux";
  r.options = {{"tolerance_usecs", "4000"}, {"jobs", "2"}, {"filter", "handshake/*"}};
  r.started_at = "2026-11-21T17:51:01Z";
  r.wall_seconds = 1.0 / 3.0;
  r.scripts.push_back(passing_script());
  r.scripts.push_back(failing_script());
  r.scripts.push_back(script_with(run::Status::Skipped, "scripts/keepalive/idle.pkt",
                                  "target cannot run shell commands"));
  auto error = script_with(run::Status::Error, "time_wait.pkt", "target crashed: <signal 11>");
  run::Failure f;
  f.message = "harness error";
  error.verdict.failure = f;
  r.scripts.push_back(error);
  r.scripts.push_back(script_with(run::Status::ExpectedDeviation, "./scripts/window/zero.pkt",
                                  "Linux probes with 1 byte & waits"));
  r.not_run = {"scripts/close/active_close.pkt", "scripts/close/simultaneous.pkt"};
  r.interrupted = true;
  return r;
}

// Field-by-field equality of results (the result types have no operator==).
inline void expect_same_entry(const run::TraceEntry& a, const run::TraceEntry& b, const std::string& where) {
  SCOPED_TRACE(where);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.time, b.time);
  EXPECT_EQ(a.scripted_time, b.scripted_time);
  EXPECT_EQ(a.line, b.line);
  EXPECT_EQ(a.wire, b.wire);
  EXPECT_EQ(a.segment.has_value(), b.segment.has_value());
  if (a.segment && b.segment) {
    EXPECT_TRUE(*a.segment == *b.segment);
  }
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.matched, b.matched);
}

inline void expect_same_script(const run::ScriptResult& a, const run::ScriptResult& b) {
  SCOPED_TRACE(a.path);
  EXPECT_EQ(a.path, b.path);
  EXPECT_TRUE(a.metadata == b.metadata);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.verdict.status, b.verdict.status);
  EXPECT_EQ(a.verdict.reason, b.verdict.reason);
  EXPECT_EQ(a.verdict.script_time, b.verdict.script_time);
  EXPECT_EQ(a.verdict.wall_seconds, b.verdict.wall_seconds);  // exact, not approximately
  ASSERT_EQ(a.verdict.failure.has_value(), b.verdict.failure.has_value());
  if (a.verdict.failure) {
    const run::Failure& fa = *a.verdict.failure;
    const run::Failure& fb = *b.verdict.failure;
    EXPECT_EQ(fa.line, fb.line);
    EXPECT_EQ(fa.column, fb.column);
    EXPECT_EQ(fa.script_line, fb.script_line);
    EXPECT_EQ(fa.message, fb.message);
    EXPECT_EQ(fa.expected, fb.expected);
    EXPECT_EQ(fa.actual, fb.actual);
    EXPECT_EQ(fa.time, fb.time);
  }
  ASSERT_EQ(a.earlier_attempts.size(), b.earlier_attempts.size());
  for (std::size_t i = 0; i < a.earlier_attempts.size(); ++i) {
    const run::Verdict& va = a.earlier_attempts[i];
    const run::Verdict& vb = b.earlier_attempts[i];
    EXPECT_EQ(va.status, vb.status);
    EXPECT_EQ(va.reason, vb.reason);
    EXPECT_EQ(va.wall_seconds, vb.wall_seconds);
    ASSERT_EQ(va.failure.has_value(), vb.failure.has_value());
    if (va.failure) {
      EXPECT_EQ(va.failure->message, vb.failure->message);
    }
  }
  ASSERT_EQ(a.trace.entries.size(), b.trace.entries.size());
  for (std::size_t i = 0; i < a.trace.entries.size(); ++i) {
    expect_same_entry(a.trace.entries[i], b.trace.entries[i], "trace[" + std::to_string(i) + "]");
  }
}

inline void expect_same_run(const run::RunResult& a, const run::RunResult& b) {
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.target_version, b.target_version);
  EXPECT_EQ(a.profile, b.profile);
  EXPECT_EQ(a.options, b.options);
  EXPECT_EQ(a.started_at, b.started_at);
  EXPECT_EQ(a.wall_seconds, b.wall_seconds);
  EXPECT_EQ(a.not_run, b.not_run);
  EXPECT_EQ(a.interrupted, b.interrupted);
  ASSERT_EQ(a.scripts.size(), b.scripts.size());
  for (std::size_t i = 0; i < a.scripts.size(); ++i) expect_same_script(a.scripts[i], b.scripts[i]);
}

// A fresh directory under $TMPDIR (or /tmp), removed when the object goes away.
class ScratchDir {
 public:
  ScratchDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/synack-reports-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace synack::reports::testing
