// --learn_stack_ports (set by synack diff): a stack port named in the script that the stack did
// not choose is learned from the stack's SYN and stands for the real port from then on.
#include <gtest/gtest.h>

#include "harness/run/executor.h"
#include "tests/run/fake_target.h"

namespace synack {
namespace {

using net::Segment;
using run::Status;
using testing::FakeTarget;
using testing::parse_ok;
namespace flag = net::flag;

constexpr std::uint16_t kEphemeral = 50123;  // the port the fake stack picks for connect()

// connect() sends a SYN from kEphemeral; a SYN-ACK to it is ACKed.
void active_stack(FakeTarget& t) {
  t.on_call = [](FakeTarget& t, const targets::SocketCall& c) {
    targets::CallOutcome o;
    if (c.op == targets::SysOp::Socket) o.result.ret = 3;
    if (c.op == targets::SysOp::Connect) {
      Segment syn;
      syn.src = *net::IpAddress::parse("192.0.2.1");
      syn.dst = *net::IpAddress::parse("198.51.100.1");
      syn.sport = kEphemeral;
      syn.dport = 34000;
      syn.flags = flag::SYN;
      syn.seq = 7'000'000;
      syn.window = 65535;
      t.emit(t.now(), syn);
      o.result.ret = -1;
      o.result.err = EINPROGRESS;
    }
    return o;
  };
  t.on_inject = [](FakeTarget& t, const Segment& in) {
    if (!in.has(flag::SYN) || in.dport != kEphemeral) return;
    Segment ack;
    ack.src = in.dst;
    ack.dst = in.src;
    ack.sport = in.dport;
    ack.dport = in.sport;
    ack.flags = flag::ACK;
    ack.seq = in.ack;
    ack.ack = in.seq + 1;
    ack.window = 65535;
    t.emit(t.now(), ack);
  };
}

// The reference stack picked port 40000 when this script was written.
const char* kActive = R"(
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0    connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0    > 40000>34000 S 0:0(0)
+0    < 34000>40000 S. 0:0(0) ack 1 win 65535
+0    > 40000>34000 . 1:1(0) ack 1
)";

TEST(PortLearning, WithoutItAnotherEphemeralPortFails) {
  FakeTarget t;
  active_stack(t);
  auto r = run::execute(parse_ok(kActive), t, {});
  ASSERT_EQ(r.verdict.status, Status::Fail);
  ASSERT_TRUE(r.verdict.failure);
  EXPECT_EQ(r.verdict.failure->message, "source port 50123, expected 40000");
  EXPECT_EQ(r.verdict.failure->line, 5);
}

TEST(PortLearning, TheSynsPortStandsForTheScriptsOnLaterLines) {
  FakeTarget t;
  active_stack(t);
  run::ExecOptions o;
  o.overrides.push_back({"learn_stack_ports", "1", {}});
  auto r = run::execute(parse_ok(kActive), t, o);
  ASSERT_EQ(r.verdict.status, Status::Pass) << (r.verdict.failure ? r.verdict.failure->render() : r.verdict.reason);
  ASSERT_EQ(t.injected.size(), 1u);
  EXPECT_EQ(t.injected[0].dport, kEphemeral);  // "< 34000>40000" went to the port really used
}

TEST(PortLearning, OnlyASynTeachesAPortAndTheListeningPortIsNeverRemapped) {
  // A non-SYN line from an unknown port is a plain mismatch, learning or not.
  FakeTarget t;
  active_stack(t);
  run::ExecOptions o;
  o.overrides.push_back({"learn_stack_ports", "1", {}});
  auto r = run::execute(parse_ok(R"(
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0    connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0    > 40000>34000 . 0:0(0)
)"),
                        t, o);
  ASSERT_EQ(r.verdict.status, Status::Fail);
  EXPECT_NE(r.verdict.failure->message.find("source port 50123, expected 40000"), std::string::npos);
  // The listening port (bind_port, 8080) stays what it is.
  FakeTarget t2;
  active_stack(t2);
  auto r2 = run::execute(parse_ok(R"(
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0    connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0    > 8080>34000 S 0:0(0)
)"),
                         t2, o);
  ASSERT_EQ(r2.verdict.status, Status::Fail);
  EXPECT_EQ(r2.verdict.failure->message, "source port 50123, expected 8080");
}

TEST(PortLearning, ABadValueIsAnError) {
  FakeTarget t;
  active_stack(t);
  run::ExecOptions o;
  o.overrides.push_back({"learn_stack_ports", "yes", {}});
  auto r = run::execute(parse_ok(kActive), t, o);
  EXPECT_EQ(r.verdict.status, Status::Error);
  EXPECT_NE(r.verdict.reason.find("--learn_stack_ports=yes: expected 0 or 1"), std::string::npos) << r.verdict.reason;
}

}  // namespace
}  // namespace synack
