// The remote target on the veth test bed: the Linux stack in a second network namespace, reached
// with a packet socket and `synack agent`. Each test forks a child that enters a namespace of its
// own first (the host's network is never touched); the child reports through a pipe.
#include <gtest/gtest.h>

#include <iostream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "harness/run/executor.h"
#include "harness/script/parser.h"
#include "targets/kernel/netns.h"
#include "targets/remote/remote_target.h"

namespace synack::remote {
namespace {

namespace fs = std::filesystem;

#define SKIP_WITHOUT_TESTBED()                                                            \
  do {                                                                                    \
    if (auto ok = check_veth_requirements(); !ok)                                         \
      GTEST_SKIP() << "remote target's veth test bed unavailable here: " << ok.error().message; \
  } while (0)

// Runs `body` in a forked child inside a fresh namespace; returns what it wrote (or the failure).
std::string in_namespace(const std::function<std::string()>& body) {
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string msg;
    if (auto r = kernel::enter_private_namespace(); !r) msg = "namespace: " + r.error().message;
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

targets::CallResult call(targets::Target& t, targets::SocketCall c) { return t.call(c).result; }

// A listener in the target namespace; returns its descriptor or -1.
int listen_on_8080(targets::Target& t, const targets::Network& net) {
  targets::SocketCall c;
  c.op = targets::SysOp::Socket;
  c.domain = AF_INET;
  c.type = SOCK_STREAM;
  const int fd = static_cast<int>(call(t, c).ret);
  if (fd < 0) return -1;
  c = {};
  c.op = targets::SysOp::Bind;
  c.fd = fd;
  c.address = net.local;
  c.port = 8080;
  if (call(t, c).ret != 0) return -1;
  c = {};
  c.op = targets::SysOp::Listen;
  c.fd = fd;
  c.backlog = 1;
  return call(t, c).ret == 0 ? fd : -1;
}

net::Segment syn_from_peer(const targets::Network& net) {
  net::Segment syn;
  syn.src = net.remote;
  syn.dst = net.local;
  syn.sport = 34000;
  syn.dport = 8080;
  syn.flags = net::flag::SYN;
  syn.seq = 1000;
  syn.window = 65535;
  syn.options = {net::TcpOption::mss(1000)};
  return syn;
}

TEST(RemoteTarget, SynOverVethGetsASynAckWithAValidChecksum) {
  SKIP_WITHOUT_TESTBED();
  std::string msg = in_namespace([] {
    targets::Network net;
    auto target = make_veth_target(net);
    if (!target) return "target: " + target.error().message;
    auto& t = **target;
    if (t.capabilities().name != "remote" || t.capabilities().version.empty()) return std::string("capabilities");
    if (listen_on_8080(t, net) < 0) return std::string("listener failed");
    t.inject(syn_from_peer(net));
    auto o = t.wait(t.now() + 1'000'000);
    if (!o) return std::string("no reply within 1 s");
    if (o->kind != targets::Observation::Kind::Segment) return "not a segment: " + o->error;
    const auto& r = o->segment;
    if (r.flags != (net::flag::SYN | net::flag::ACK)) return "flags " + std::to_string(r.flags);
    if (r.ack != 1001) return "ack " + std::to_string(r.ack);
    // Transmit checksum offload is off on the veth: the capture carries the stack's checksum.
    if (!r.checksum_ok) return std::string("bad checksum");
    if (r.src != net.local || r.sport != 8080 || r.dport != 34000) return std::string("addresses/ports");
    // The injector's own kernel stays silent (nftables): no RST follows the SYN-ACK here.
    auto more = t.wait(t.now() + 100'000);
    if (more && more->kind == targets::Observation::Kind::Segment && (more->segment.flags & net::flag::RST))
      return std::string("a reset followed the SYN-ACK");
    return std::string("ok");
  });
  EXPECT_EQ(msg, "ok");
}

// Receive checksum offload is off on the target's veth end: a SYN with a bad checksum is dropped
// by the stack, not taken as verified.
TEST(RemoteTarget, SynWithABadChecksumIsIgnored) {
  SKIP_WITHOUT_TESTBED();
  std::string msg = in_namespace([] {
    targets::Network net;
    auto target = make_veth_target(net);
    if (!target) return "target: " + target.error().message;
    auto& t = **target;
    if (listen_on_8080(t, net) < 0) return std::string("listener failed");
    net::Segment syn = syn_from_peer(net);
    syn.corrupt_checksum = true;
    t.inject(syn);
    auto o = t.wait(t.now() + 300'000);
    if (o) return "the stack answered: kind " + std::to_string(static_cast<int>(o->kind));
    // The same SYN with its checksum right is answered: the link itself works.
    syn.corrupt_checksum = false;
    t.inject(syn);
    o = t.wait(t.now() + 1'000'000);
    if (!o || o->kind != targets::Observation::Kind::Segment) return std::string("no answer to the good SYN");
    return std::string("ok");
  });
  EXPECT_EQ(msg, "ok");
}

// A blocking accept() completes in the agent when the handshake does, reported as CallDone.
TEST(RemoteTarget, ScriptedHandshakeRunsThroughTheExecutor) {
  SKIP_WITHOUT_TESTBED();
  std::string msg = in_namespace([] {
    auto parsed = script::parse_file(SYNACK_SOURCE_DIR "/scripts/handshake/passive_open.pkt");
    if (!parsed.ok()) return "parse: " + parsed.diagnostics.front().render();
    targets::Network net;
    auto target = make_veth_target(net);
    if (!target) return "target: " + target.error().message;
    auto r = run::execute(*parsed.script, **target, {});
    if (r.verdict.status != run::Status::Pass) return "verdict: " + r.verdict.reason;
    return std::string("ok");
  });
  EXPECT_EQ(msg, "ok");
}

// The acceptance run: the handshake, close, RST and retransmission scripts through the
// CLI, each in its own process; every script passes or is an explained deviation of Linux
// (scripts/expected/kernel.toml, which --target remote uses).
TEST(RemoteTarget, AcceptanceDirectoriesRunThroughTheCli) {
  SKIP_WITHOUT_TESTBED();
  const fs::path out = fs::temp_directory_path() / ("synack_remote_e2e_" + std::to_string(::getpid()) + ".json");
  std::string cmd = std::string(SYNACK_BINARY_DIR "/synack run");
  for (const char* dir : {"handshake", "close", "rst", "retransmit"}) cmd += std::string(" " SYNACK_SOURCE_DIR "/scripts/") + dir;
  cmd += " --target remote --jobs 2 --retries 2 --quiet --json " + out.string() + " > /dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  std::ifstream in(out);
  ASSERT_TRUE(in) << "no results written";
  auto doc = nlohmann::json::parse(in);
  ASSERT_GE(doc["scripts"].size(), 20u);
  int passed = 0;
  for (const auto& s : doc["scripts"]) {
    EXPECT_NE(s["status"], "error") << s["path"] << ": " << s["reason"];
    EXPECT_NE(s["status"], "fail") << s["path"] << ": " << s["failure"].dump();
    if (s.value("flaky", false)) std::cout << "flaky (passed on a retry): " << s["path"] << ": " << s["earlier_attempts"].dump() << "\n";
    passed += s["status"] == "pass";
  }
  EXPECT_GE(passed, 20);
  fs::remove(out);
}

}  // namespace
}  // namespace synack::remote
