// The kernel target against the real Linux stack. Each test forks a child that enters a network
// namespace of its own (the host's is never touched); the child reports through a pipe.
#include <gtest/gtest.h>

#include <iostream>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "harness/net/segment.h"
#include "reports/reports.h"
#include "harness/run/executor.h"
#include "harness/script/parser.h"
#include "targets/kernel/kernel_target.h"
#include "targets/kernel/netns.h"

namespace synack::kernel {
namespace {

namespace fs = std::filesystem;

#define SKIP_WITHOUT_PRIVILEGES()                                                   \
  do {                                                                              \
    if (auto ok = check_privileges(); !ok)                                          \
      GTEST_SKIP() << "kernel target unavailable here: " << ok.error().message;     \
  } while (0)

// Runs `body` in a forked child inside a fresh namespace; returns what it wrote (or the failure).
std::string in_namespace(const std::function<std::string()>& body) {
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string msg;
    if (auto r = enter_private_namespace(); !r) msg = "namespace: " + r.error().message;
    else msg = body();
    (void)!::write(fds[1], msg.data(), msg.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status)) return "child died";
  return out;
}

TEST(KernelTarget, SynToAListenerGetsASynAck) {
  SKIP_WITHOUT_PRIVILEGES();
  std::string msg = in_namespace([] {
    targets::Network net;
    auto target = make_kernel_target(net);
    if (!target) return "target: " + target.error().message;
    auto& t = **target;
    targets::SocketCall c;
    c.op = targets::SysOp::Socket;
    c.domain = AF_INET;
    c.type = SOCK_STREAM;
    auto s = t.call(c);
    if (s.result.ret < 0) return std::string("socket failed");
    const int fd = static_cast<int>(s.result.ret);
    c = {};
    c.op = targets::SysOp::Bind;
    c.fd = fd;
    c.address = net.local;
    c.port = 8080;
    if (t.call(c).result.ret != 0) return std::string("bind failed");
    c = {};
    c.op = targets::SysOp::Listen;
    c.fd = fd;
    c.backlog = 1;
    if (t.call(c).result.ret != 0) return std::string("listen failed");
    net::Segment syn;
    syn.src = net.remote;
    syn.dst = net.local;
    syn.sport = 34000;
    syn.dport = 8080;
    syn.flags = net::flag::SYN;
    syn.seq = 1000;
    syn.window = 65535;
    syn.options = {net::TcpOption::mss(1000)};
    t.inject(syn);
    auto o = t.wait(t.now() + 1'000'000);
    if (!o) return std::string("no reply within 1 s");
    if (o->kind != targets::Observation::Kind::Segment) return "not a segment: " + o->error;
    const auto& r = o->segment;
    if (r.flags != (net::flag::SYN | net::flag::ACK)) return "flags " + std::to_string(r.flags);
    if (r.ack != 1001) return "ack " + std::to_string(r.ack);
    if (!r.checksum_ok) return std::string("bad checksum");
    if (r.src != net.local || r.sport != 8080 || r.dport != 34000) return std::string("addresses/ports");
    return std::string("ok");
  });
  EXPECT_EQ(msg, "ok");
}

TEST(KernelTarget, ScriptedHandshakeRunsThroughTheExecutor) {
  SKIP_WITHOUT_PRIVILEGES();
  std::string msg = in_namespace([] {
    auto parsed = script::parse_file(SYNACK_SOURCE_DIR "/scripts/handshake/passive_open.pkt");
    if (!parsed.ok()) return "parse: " + parsed.diagnostics.front().render();
    targets::Network net;
    auto target = make_kernel_target(net);
    if (!target) return "target: " + target.error().message;
    auto r = run::execute(*parsed.script, **target, {});
    if (r.verdict.status != run::Status::Pass)
      return std::string(run::status_name(r.verdict.status)) + ": " +
             (r.verdict.failure ? r.verdict.failure->render() : r.verdict.reason);
    return std::string("ok");
  });
  EXPECT_EQ(msg, "ok");
}

TEST(KernelTarget, TheHostNamespaceIsUntouched) {
  SKIP_WITHOUT_PRIVILEGES();
  EXPECT_FALSE(fs::exists(std::string("/sys/class/net/") + kTunName));
  in_namespace([] {
    auto t = make_kernel_target({});
    return std::string(t ? "ok" : t.error().message);
  });
  EXPECT_FALSE(fs::exists(std::string("/sys/class/net/") + kTunName));
}

TEST(KernelTarget, SuiteRunsInChildProcessesThroughTheCli) {
  SKIP_WITHOUT_PRIVILEGES();
  const fs::path out = fs::temp_directory_path() / ("synack_kernel_e2e_" + std::to_string(::getpid()) + ".json");
  const std::string cmd = std::string(SYNACK_BINARY_DIR "/synack run ") + SYNACK_SOURCE_DIR "/scripts --target kernel --jobs 2 --retries 2 --quiet --json " + out.string() + " > /dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  std::ifstream in(out);
  ASSERT_TRUE(in) << "no results written";
  auto doc = nlohmann::json::parse(in);
  ASSERT_GE(doc["scripts"].size(), 10u);
  // Every script has a recorded result, and nothing fails without an explanation: a difference
  // of Linux is listed in scripts/expected/kernel.toml (expected-deviation) with its reason.
  for (const auto& s : doc["scripts"]) {
    EXPECT_NE(s["status"], "error") << s["path"] << ": " << s["reason"];
    EXPECT_NE(s["status"], "fail") << s["path"] << ": " << s["failure"].dump();
    if (s.value("flaky", false)) std::cout << "flaky (passed on a retry): " << s["path"] << ": " << s["earlier_attempts"].dump() << "\n";
  }
  fs::remove(out);
}

}  // namespace
}  // namespace synack::kernel

namespace synack::kernel {
namespace {

// SIGKILL in the middle of a run: every script that finished before is on disk, intact, and the
// stream reads back as an interrupted run.
TEST(KernelTarget, RunKilledMidwayKeepsFinishedResults) {
  SKIP_WITHOUT_PRIVILEGES();
  const fs::path lines = fs::temp_directory_path() / ("synack_killed_" + std::to_string(::getpid()) + ".jsonl");
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execl(SYNACK_BINARY_DIR "/synack", "synack", "run", SYNACK_SOURCE_DIR "/scripts", "--target", "kernel",
            "--jobs", "1", "--jsonl", lines.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // The suite takes about 2 s with one job; stop it after about half of that.
  ::usleep(1'100'000);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  std::vector<std::string> notes;
  auto run = reports::read_json_lines(lines.string(), &notes);
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_TRUE(run->interrupted);
  EXPECT_GE(run->scripts.size(), 1u);
  // Each finished script's record is whole: its verdict and its trace are there.
  for (const auto& s : run->scripts) {
    EXPECT_FALSE(s.path.empty());
    EXPECT_NE(s.verdict.status, run::Status::Error) << s.path << ": " << s.verdict.reason;
    EXPECT_FALSE(s.trace.entries.empty()) << s.path;
  }
  fs::remove(lines);
}

}  // namespace
}  // namespace synack::kernel

namespace synack::kernel {
namespace {

// Scripts written the way Linux's packetdrill suites are (`../common/defaults.sh` init commands,
// timed sysctls, <...>, '*') run unchanged: shell commands run in the script's directory inside
// its namespace.
TEST(KernelTarget, PacketdrillStyleScriptsRunUnchanged) {
  SKIP_WITHOUT_PRIVILEGES();
  const fs::path out = fs::temp_directory_path() / ("synack_pd_style_" + std::to_string(::getpid()) + ".json");
  const std::string cmd = std::string(SYNACK_BINARY_DIR "/synack run ") + SYNACK_SOURCE_DIR
      "/tests/kernel/packetdrill --target kernel --jobs 5 --retries 2 --quiet --json " + out.string() + " > /dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::ifstream in(out);
  ASSERT_TRUE(in);
  auto doc = nlohmann::json::parse(in);
  EXPECT_EQ(doc["scripts"].size(), 5u);
  for (const auto& s : doc["scripts"]) EXPECT_EQ(s["status"], "pass") << s["path"] << ": " << s["reason"];
  fs::remove(out);
}

}  // namespace
}  // namespace synack::kernel

namespace synack::kernel {
namespace {

std::string ipv4_of(const sockaddr& sa) {
  const auto* sin = reinterpret_cast<const sockaddr_in*>(&sa);
  net::IpAddress a = net::IpAddress::v4(0, 0, 0, 0);
  std::memcpy(a.bytes.data(), &sin->sin_addr, 4);
  return a.to_string();
}

// The stack is 192.0.2.1/24 with the subnet broadcast 192.0.2.255 (RFC 9293 MUST-46/57/63 need a
// broadcast address on the stack's own subnet); connect() there is refused and sends nothing.
TEST(KernelTarget, TheStackSitsOnASlash24WithABroadcastAddress) {
  SKIP_WITHOUT_PRIVILEGES();
  std::string msg = in_namespace([] {
    targets::Network net;
    auto target = make_kernel_target(net);
    if (!target) return "target: " + target.error().message;
    auto& t = **target;
    const int s = ::socket(AF_INET, SOCK_DGRAM, 0);
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, kTunName, IFNAMSIZ - 1);
    std::string out;
    if (::ioctl(s, SIOCGIFNETMASK, &ifr) == 0) out += "mask " + ipv4_of(ifr.ifr_netmask);
    if (::ioctl(s, SIOCGIFBRDADDR, &ifr) == 0) out += " brd " + ipv4_of(ifr.ifr_broadaddr);
    ::close(s);
    targets::SocketCall c;
    c.op = targets::SysOp::Socket;
    c.domain = AF_INET;
    c.type = SOCK_STREAM;
    const int fd = static_cast<int>(t.call(c).result.ret);
    c = {};
    c.op = targets::SysOp::Connect;
    c.fd = fd;
    c.address = *net::IpAddress::parse("192.0.2.255");
    c.port = 34000;
    auto r = t.call(c);
    out += " connect " + std::to_string(r.result.ret) + (r.result.err == ENETUNREACH ? " ENETUNREACH" : " other");
    if (auto o = t.wait(t.now() + 200'000)) out += " but the stack sent something";
    return out;
  });
  EXPECT_EQ(msg, "mask 255.255.255.0 brd 192.0.2.255 connect -1 ENETUNREACH");
}

// The scripts for MUST-3, MUST-46, MUST-57, MUST-63 and MUST-69 through the executor: "// inject:"
// overrides and explicit sockaddrs reach the kernel. Linux answers a SYN from the broadcast
// address (listed in scripts/expected/kernel.toml), which this test records too.
TEST(KernelTarget, InjectOverridesAndSockaddrsReachTheKernel) {
  SKIP_WITHOUT_PRIVILEGES();
  const std::pair<const char*, const char*> scripts[] = {
      {"data/bad_checksum_dropped.pkt", "pass"},
      {"listen/syn_to_broadcast_dropped.pkt", "pass"},
      {"handshake/connect_to_broadcast_refused.pkt", "pass"},
      {"options/eol_zero_fill.pkt", "pass"},
      {"listen/syn_from_broadcast_dropped.pkt", "fail"},
  };
  for (const auto& [name, want] : scripts) {
    SCOPED_TRACE(name);
    std::string msg = in_namespace([name = name] {
      auto parsed = script::parse_file(std::string(SYNACK_SOURCE_DIR "/scripts/") + name);
      if (!parsed.ok()) return "parse: " + parsed.diagnostics.front().render();
      auto target = make_kernel_target({});
      if (!target) return "target: " + target.error().message;
      auto r = run::execute(*parsed.script, **target, {});
      std::string out = run::status_name(r.verdict.status);
      if (r.verdict.failure) out += ": " + r.verdict.failure->message + " / " + r.verdict.failure->actual;
      if (!r.verdict.reason.empty()) out += ": " + r.verdict.reason;
      return out;
    });
    EXPECT_EQ(msg.substr(0, msg.find(':')), want) << msg;
    if (std::string(want) == "fail") {
      EXPECT_NE(msg.find("Flags [S.]"), std::string::npos) << msg;
    }
  }
}

}  // namespace
}  // namespace synack::kernel
