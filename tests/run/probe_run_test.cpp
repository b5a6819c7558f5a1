// The isn probe end to end: collection on the reference stack (RFC 6528 by default, a fixed ISN
// on request), on a fake stack whose ISN is only a clock, and through run_script_file, which runs
// a script's `// probe:` after its events and combines the verdicts.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness/run/probe.h"
#include "harness/run/probe_isn.h"
#include "harness/run/suite.h"
#include "targets/reference/reference_target.h"
#include "tests/run/fake_target.h"

namespace synack {
namespace {

using run::Status;
using testing::FakeTarget;
namespace fs = std::filesystem;

script::Metadata isn_probe(int samples = 2000) {
  script::Metadata m;
  m.probe = "isn";
  m.probe_params["samples"] = std::to_string(samples);
  m.probe_loc = {4, 1};
  return m;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

reference::StackConfig fixed_isn() {
  reference::StackConfig cfg;
  cfg.isn_mode = reference::IsnMode::Fixed;
  cfg.fixed_isn = 1000;
  return cfg;
}

TEST(ProbeRun, ReferenceStackPasses) {
  targets::Network net;
  auto target = reference::make_reference_target(net);
  const run::ProbeResult r = run::run_probe(isn_probe(), *target, net, run::ExecOptions{});
  EXPECT_EQ(r.status, Status::Pass) << r.message << "\n" << joined(r.lines);
  EXPECT_NE(joined(r.lines).find("250,000 ticks/s"), std::string::npos) << joined(r.lines);
}

TEST(ProbeRun, ReferenceStackPassesOverIpv6) {
  targets::Network net;
  net.ip_version = net::IpVersion::v6;
  net.local = *net::IpAddress::parse("2001:db8::1");
  net.remote = *net::IpAddress::parse("2001:db8:1::1");
  auto target = reference::make_reference_target(net);
  const run::ProbeResult r = run::run_probe(isn_probe(), *target, net, run::ExecOptions{});
  EXPECT_EQ(r.status, Status::Pass) << r.message << "\n" << joined(r.lines);
}

TEST(ProbeRun, ReferenceStackWithFixedIsnFails) {
  targets::Network net;
  auto target = reference::make_reference_target(net, fixed_isn());
  const run::ProbeResult r = run::run_probe(isn_probe(), *target, net, run::ExecOptions{});
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_NE(r.message.find("MUST-8"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("SHLD-1"), std::string::npos) << r.message;
}

// A stack whose ISN is only the 4 µs clock, without the keyed hash: SYN-ACK at once, RST ignored.
void clock_only_stack(FakeTarget& t) {
  t.on_call = [](FakeTarget&, const targets::SocketCall& c) {
    targets::CallOutcome o;
    o.result.ret = c.op == targets::SysOp::Socket ? 3 : 0;
    return o;
  };
  t.on_inject = [](FakeTarget& self, const net::Segment& in) {
    if (!in.has(net::flag::SYN)) return;
    net::Segment s;
    s.src = in.dst;
    s.dst = in.src;
    s.sport = in.dport;
    s.dport = in.sport;
    s.flags = net::flag::SYN | net::flag::ACK;
    s.seq = static_cast<std::uint32_t>(self.now() / 4);
    s.ack = in.seq + 1;
    s.window = 65535;
    self.emit(self.now(), s);
  };
}

TEST(ProbeRun, ClockOnlyStackFailsShld1Only) {
  FakeTarget t;
  clock_only_stack(t);
  const run::ProbeResult r = run::run_probe(isn_probe(), t, targets::Network{}, run::ExecOptions{});
  EXPECT_EQ(r.status, Status::Fail) << joined(r.lines);
  EXPECT_EQ(r.message.find("MUST-8"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("SHLD-1"), std::string::npos) << r.message;
  // The socket calls of a listener on the stack's port.
  ASSERT_GE(t.calls.size(), 4u);
  EXPECT_EQ(t.calls[2].op, targets::SysOp::Bind);
  EXPECT_EQ(t.calls[2].port, 8080);
  EXPECT_EQ(t.calls[3].op, targets::SysOp::Listen);
  // Every SYN is followed by a RST at RCV.NXT.
  ASSERT_EQ(t.injected.size(), 4000u);
  EXPECT_TRUE(t.injected[1].has(net::flag::RST));
  EXPECT_EQ(t.injected[1].seq, t.injected[0].seq + 1);
}

TEST(ProbeRun, SilentStackFails) {
  FakeTarget t;
  t.on_call = [](FakeTarget&, const targets::SocketCall& c) {
    targets::CallOutcome o;
    o.result.ret = c.op == targets::SysOp::Socket ? 3 : 0;
    return o;
  };
  const run::ProbeResult r = run::run_probe(isn_probe(), t, targets::Network{}, run::ExecOptions{});
  EXPECT_EQ(r.status, Status::Fail);
  EXPECT_NE(r.message.find("no SYN-ACK"), std::string::npos) << r.message;
}

TEST(ProbeRun, ListenFailureIsAnError) {
  FakeTarget t;
  t.on_call = [](FakeTarget&, const targets::SocketCall& c) {
    targets::CallOutcome o;
    o.result.ret = c.op == targets::SysOp::Socket ? 3 : c.op == targets::SysOp::Bind ? -1 : 0;
    o.result.err = c.op == targets::SysOp::Bind ? EADDRINUSE : 0;
    return o;
  };
  const run::ProbeResult r = run::run_probe(isn_probe(), t, targets::Network{}, run::ExecOptions{});
  EXPECT_EQ(r.status, Status::Error);
  EXPECT_NE(r.message.find("bind() failed: EADDRINUSE"), std::string::npos) << r.message;
}

// ---- Through run_script_file --------------------------------------------------------------------

class ProbeScript : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("synack-probe-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

  run::ScriptResult run(const std::string& path, const reference::StackConfig& cfg = {}) {
    run::SuiteOptions o;
    o.target_name = "reference";
    o.make_target = [cfg, this](const targets::Network& net) -> Result<std::unique_ptr<targets::Target>> {
      ++targets_made_;
      return reference::make_reference_target(net, cfg);
    };
    return run::run_script_file(path, o);
  }

  fs::path dir_;
  int targets_made_ = 0;
};

const char* const kScript =
    "// title: isn probe\n"
    "// requirement: MUST-8 SHLD-1\n"
    "// rfc: 9293 3.4.1; 6528 3\n"
    "// probe: isn samples=1600\n"
    "0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
    "+0    bind(3, ..., ...) = 0\n"
    "+0    listen(3, 1) = 0\n"
    "+0    < S 0:0(0) win 32792 <mss 1000>\n"
    "+0    > S. 0:0(0) ack 1 <...>\n"
    "+.01  < R 1:1(0) win 0\n";

TEST_F(ProbeScript, PassingScriptAndProbePass) {
  const run::ScriptResult r = run(write("isn.pkt", kScript));
  EXPECT_EQ(r.verdict.status, Status::Pass) << r.verdict.reason << (r.verdict.failure ? r.verdict.failure->render() : "");
  EXPECT_EQ(targets_made_, 2);
  EXPECT_EQ(r.metadata.probe, "isn");
  std::size_t probe_entries = 0;
  for (const auto& e : r.trace.entries) {
    if (e.kind == run::TraceEntry::Kind::Assert && e.line == 4) ++probe_entries;
  }
  EXPECT_GE(probe_entries, 5u);
}

TEST_F(ProbeScript, FixedIsnFailsOnTheProbeLine) {
  const run::ScriptResult r = run(write("isn.pkt", kScript), fixed_isn());
  ASSERT_EQ(r.verdict.status, Status::Fail);
  ASSERT_TRUE(r.verdict.failure);
  EXPECT_EQ(r.verdict.failure->line, 4);
  EXPECT_EQ(r.verdict.failure->script_line, "// probe: isn samples=1600");
  EXPECT_NE(r.verdict.failure->message.find("MUST-8"), std::string::npos);
  EXPECT_FALSE(r.trace.entries.back().matched);
}

TEST_F(ProbeScript, FailingScriptSkipsTheProbe) {
  std::string text = kScript;
  text.replace(text.find("ack 1 <...>"), 5, "ack 2");
  const run::ScriptResult r = run(write("isn.pkt", text));
  EXPECT_EQ(r.verdict.status, Status::Fail);
  EXPECT_EQ(targets_made_, 1);
  EXPECT_NE(r.verdict.failure->line, 4);
}

TEST_F(ProbeScript, ScriptWithoutProbeMakesOneTarget) {
  std::string text = kScript;
  text.erase(text.find("// probe:"), std::string("// probe: isn samples=1600\n").size());
  const run::ScriptResult r = run(write("plain.pkt", text));
  EXPECT_EQ(r.verdict.status, Status::Pass);
  EXPECT_EQ(targets_made_, 1);
}

TEST(ProbeShippedScript, PassesOnTheReferenceStack) {
  run::SuiteOptions o;
  o.target_name = "reference";
  o.make_target = [](const targets::Network& net) -> Result<std::unique_ptr<targets::Target>> {
    return reference::make_reference_target(net);
  };
  const run::ScriptResult r = run::run_script_file(SYNACK_SOURCE_DIR "/scripts/handshake/isn_selection.pkt", o);
  EXPECT_EQ(r.verdict.status, Status::Pass) << r.verdict.reason << (r.verdict.failure ? r.verdict.failure->render() : "");
  EXPECT_EQ(r.metadata.requirements, (std::vector<std::string>{"MUST-8", "SHLD-1"}));
}

}  // namespace
}  // namespace synack
