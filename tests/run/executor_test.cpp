#include <gtest/gtest.h>
#include <sys/socket.h>

#include "harness/run/executor.h"
#include "harness/script/parser.h"
#include "tests/run/fake_target.h"

namespace synack {
namespace {

using net::Segment;
using run::Status;
using testing::FakeTarget;
namespace flag = net::flag;

constexpr std::uint32_t kIsn = 3'000'000'000u;  // the fake stack's ISN: scripts never see it

using testing::parse_ok;

// A fake stack that does a passive open the usual way: SYN-ACK right away, then fds 3/4.
Segment reply_to(const Segment& in, std::uint16_t flags, std::uint32_t seq, std::uint32_t ack) {
  Segment s;
  s.src = in.dst;
  s.dst = in.src;
  s.sport = in.dport;
  s.dport = in.sport;
  s.flags = flags;
  s.seq = seq;
  s.ack = ack;
  s.window = 65535;
  return s;
}

void passive_stack(FakeTarget& t, Micros synack_delay = 0) {
  t.on_call = [](FakeTarget&, const targets::SocketCall& c) {
    targets::CallOutcome o;
    if (c.op == targets::SysOp::Socket) o.result.ret = 3;
    if (c.op == targets::SysOp::Accept) o.result.ret = 4;
    return o;
  };
  t.on_inject = [synack_delay](FakeTarget& t, const Segment& in) {
    if (in.has(flag::SYN)) {
      Segment r = reply_to(in, flag::SYN | flag::ACK, kIsn, in.seq + 1);
      r.options = {net::TcpOption::mss(1460)};
      t.emit(t.now() + synack_delay, r);
    }
  };
}

const char* kPassive = R"(
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0    < S 0:0(0) win 32792 <mss 1000>
+0    > S. 0:0(0) ack 1 <mss 1460>
+.1   < . 1:1(0) ack 1 win 257
+0    accept(3, ..., ...) = 4
)";

TEST(Executor, PassiveOpenPassesAndRewritesTheStacksSequenceSpace) {
  FakeTarget t;
  passive_stack(t);
  auto r = run::execute(parse_ok(kPassive), t, {});
  ASSERT_EQ(r.verdict.status, Status::Pass) << (r.verdict.failure ? r.verdict.failure->render() : r.verdict.reason);
  ASSERT_EQ(t.injected.size(), 2u);
  // The script's "ack 1" means one past the stack's ISN on the wire.
  EXPECT_EQ(t.injected[1].ack, kIsn + 1);
  EXPECT_EQ(t.injected[0].dport, 8080);
  EXPECT_EQ(t.injected[0].dst.to_string(), "192.0.2.1");
  EXPECT_EQ(t.injected[0].src.to_string(), "198.51.100.1");
  EXPECT_EQ(r.verdict.script_time, 100'000);
  // socket, bind, listen, accept: each a start and a return; 2 injected; 1 observed.
  EXPECT_EQ(r.trace.entries.size(), 11u);
}

TEST(Executor, WrongFlagsFailWithExpectedAndActualSideBySide) {
  FakeTarget t;
  passive_stack(t);
  std::string text = kPassive;
  text.replace(text.find("> S. 0:0(0) ack 1"), 17, "> S. 0:0(0) ack 2");
  auto r = run::execute(parse_ok(text), t, {});
  ASSERT_EQ(r.verdict.status, Status::Fail);
  ASSERT_TRUE(r.verdict.failure);
  EXPECT_EQ(r.verdict.failure->line, 6);
  EXPECT_NE(r.verdict.failure->message.find("ack 1, expected 2"), std::string::npos) << r.verdict.failure->message;
  EXPECT_NE(r.verdict.failure->expected.find("ack 2"), std::string::npos);
  EXPECT_NE(r.verdict.failure->actual.find("ack 1"), std::string::npos);
  EXPECT_NE(r.verdict.failure->actual.find("Flags [S.]"), std::string::npos);
}

TEST(Executor, LateSegmentIsReportedAsNotSentInTime) {
  FakeTarget t;
  passive_stack(t, 50'000);  // SYN-ACK 50 ms late, tolerance 4 ms
  auto r = run::execute(parse_ok(kPassive), t, {});
  ASSERT_EQ(r.verdict.status, Status::Fail);
  EXPECT_NE(r.verdict.failure->message.find("not sent by 0.004000"), std::string::npos) << r.verdict.failure->message;
}

TEST(Executor, LateSegmentPassesWithinAWiderTolerance) {
  FakeTarget t;
  passive_stack(t, 50'000);
  run::ExecOptions o;
  o.tolerance_usecs = 60'000;
  auto r = run::execute(parse_ok(kPassive), t, o);
  EXPECT_EQ(r.verdict.status, Status::Pass) << (r.verdict.failure ? r.verdict.failure->render() : "");
}

// On the real clock a timer fires late, never early (Linux's timer wheel: up to 1/8 of the
// timeout): a segment may come later by that share of the time since the previous segment, even
// when a call in between made the scripted interval short. On virtual time timers are exact.
// On top of passive_stack: a segment without SYN is answered by an ACK `after` it arrived, as a
// timer started by that segment would.
void ack_timer_fires(FakeTarget& t, Micros after) {
  auto syn_ack = t.on_inject;
  t.on_inject = [syn_ack, after](FakeTarget& t, const Segment& in) {
    syn_ack(t, in);
    if (!in.has(flag::SYN)) t.emit(t.now() + after, reply_to(in, flag::ACK, kIsn + 1, in.seq));
  };
}

TEST(Executor, RealClockTimersMayFireLateByAnEighth) {
  const char* script = R"(
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0    < S 0:0(0) win 32792 <mss 1000>
+0    > S. 0:0(0) ack 1 <mss 1460>
0.2   < . 1:1(0) ack 1 win 257
0.31  listen(3, 1) = 0
0.5   > . 1:1(0) ack 1
)";
  auto run_with = [&](bool virtual_time, Micros late) {
    FakeTarget t;
    passive_stack(t);
    t.virtual_time = virtual_time;
    ack_timer_fires(t, 300'000 + late);
    return run::execute(parse_ok(script), t, {});
  };
  // 30 ms late: beyond 12.5 % of the 190 ms since the call, within 12.5 % of the 300 ms timer
  // plus two ticks (8 ms).
  EXPECT_EQ(run_with(false, 30'000).verdict.status, Status::Pass);
  EXPECT_EQ(run_with(true, 30'000).verdict.status, Status::Fail);
  // Up to 23.75 ms (tolerance) + 37.5 ms + 8 ms late; 75 ms is more than that.
  EXPECT_EQ(run_with(false, 68'000).verdict.status, Status::Pass);
  EXPECT_EQ(run_with(false, 75'000).verdict.status, Status::Fail);
  // Never early.
  EXPECT_EQ(run_with(false, -40'000).verdict.status, Status::Fail);
}

// A segment injected late (the harness was held up, e.g. by a slow call on a loaded machine)
// starts the stack's timer late: that lateness is allowed on top of the timer slack.
TEST(Executor, ALateInjectionMovesTheTimersItStarts) {
  const char* script = R"(
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0    < S 0:0(0) win 32792 <mss 1000>
+0    > S. 0:0(0) ack 1 <mss 1460>
0.19  listen(3, 1) = 0
0.2   < . 1:1(0) ack 1 win 257
0.5   > . 1:1(0) ack 1
)";
  // The second listen() takes `slow` of real time; the stack answers the ACK 300 ms + `late`
  // after it really arrived.
  auto run_with = [&](Micros slow, Micros late, Micros slack_usecs) {
    FakeTarget t;
    passive_stack(t);
    t.virtual_time = false;
    auto calls = t.on_call;
    int listens = 0;
    t.on_call = [calls, slow, &listens](FakeTarget& t, const targets::SocketCall& c) {
      if (c.op == targets::SysOp::Listen && ++listens == 2) t.advance(slow);
      return calls(t, c);
    };
    ack_timer_fires(t, 300'000 + late);
    run::ExecOptions o;
    o.timer_slack_usecs = slack_usecs;
    auto r = run::execute(parse_ok(script), t, o);
    EXPECT_EQ(t.injected.size(), 2u);
    if (t.injected.size() == 2u) {
      EXPECT_EQ(t.injected_at[1], std::max<Micros>(200'000, 190'000 + slow));
    }
    return r.verdict.status;
  };
  EXPECT_EQ(run_with(0, 75'000, 8000), Status::Pass);
  EXPECT_EQ(run_with(0, 90'000, 8000), Status::Fail);
  // Injected 15 ms late (a 25 ms listen() at 0.19): the same 75 ms of timer lateness passes,
  // though the reply is at 0.590.
  EXPECT_EQ(run_with(25'000, 75'000, 8000), Status::Pass);
  // Without the two ticks the margin is gone: 0.590 against 0.5 + 35.6 + 35.6 + 15 ms.
  EXPECT_EQ(run_with(25'000, 75'000, 0), Status::Fail);
}

TEST(Executor, EarlySegmentFails) {
  FakeTarget t;
  passive_stack(t);
  std::string text = kPassive;
  text.replace(text.find("+0    > S."), 10, "+.5   > S.");
  auto r = run::execute(parse_ok(text), t, {});
  ASSERT_EQ(r.verdict.status, Status::Fail);
  EXPECT_NE(r.verdict.failure->message.find("early"), std::string::npos) << r.verdict.failure->message;
}

TEST(Executor, UnexpectedSegmentBeforeTheEndFails) {
  FakeTarget t;
  passive_stack(t);
  auto inject = t.on_inject;
  t.on_inject = [inject](FakeTarget& t, const Segment& in) {
    inject(t, in);
    if (!in.has(flag::SYN)) t.emit(t.now() + 10'000, reply_to(in, flag::RST, kIsn + 1, 0));
  };
  std::string text = std::string(kPassive) + "+1 close(4) = 0\n";
  auto r = run::execute(parse_ok(text), t, {});
  ASSERT_EQ(r.verdict.status, Status::Fail);
  EXPECT_NE(r.verdict.failure->message.find("does not expect"), std::string::npos) << r.verdict.failure->message;
  EXPECT_NE(r.verdict.failure->actual.find("Flags [R]"), std::string::npos) << r.verdict.failure->actual;
}

TEST(Executor, BlockingCallReturnTimeIsChecked) {
  for (Micros done_at : {200'000, 300'000, 500'000}) {
    FakeTarget t;
    t.on_call = [done_at](FakeTarget& t, const targets::SocketCall& c) {
      targets::CallOutcome o;
      if (c.op == targets::SysOp::Socket) o.result.ret = 3;
      if (c.op == targets::SysOp::Accept) {
        o.pending = true;
        o.id = 7;
        targets::CallResult r;
        r.ret = 4;
        t.complete(done_at, 7, r);
      }
      return o;
    };
    auto r = run::execute(parse_ok("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
                                   "0.1...0.3 accept(3, ..., ...) = 4\n"
                                   "0.2 listen(3, 1) = 0\n"), t, {});
    if (done_at == 300'000) {
      EXPECT_EQ(r.verdict.status, Status::Pass) << (r.verdict.failure ? r.verdict.failure->render() : r.verdict.reason);
    } else if (done_at == 200'000) {
      ASSERT_EQ(r.verdict.status, Status::Fail);
      EXPECT_NE(r.verdict.failure->message.find("returned at 0.200000 s, expected at 0.300000 s"), std::string::npos)
          << r.verdict.failure->message;
    } else {
      // Still blocked when the tolerance after 0.3 s (12.5 % of 0.2 s = 25 ms) runs out.
      ASSERT_EQ(r.verdict.status, Status::Fail);
      EXPECT_NE(r.verdict.failure->message.find("did not return by 0.325000 s"), std::string::npos)
          << r.verdict.failure->message;
    }
  }
}

TEST(Executor, SyscallResultAndErrnoAreCompared) {
  FakeTarget t;
  t.on_call = [](FakeTarget&, const targets::SocketCall& c) {
    targets::CallOutcome o;
    if (c.op == targets::SysOp::Socket) o.result.ret = 3;
    if (c.op == targets::SysOp::Connect) { o.result.ret = -1; o.result.err = ECONNREFUSED; }
    return o;
  };
  auto ok = run::execute(parse_ok("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
                                  "+0 connect(3, ..., ...) = -1 ECONNREFUSED (Connection refused)\n"), t, {});
  EXPECT_EQ(ok.verdict.status, Status::Pass);
  FakeTarget t2;
  t2.on_call = t.on_call;
  auto bad = run::execute(parse_ok("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
                                   "+0 connect(3, ..., ...) = 0\n"), t2, {});
  ASSERT_EQ(bad.verdict.status, Status::Fail);
  EXPECT_EQ(bad.verdict.failure->actual, "= -1 ECONNREFUSED (Connection refused)");
  EXPECT_EQ(bad.verdict.failure->expected, "= 0");
  // connect(..., ...) went to the scripted peer.
  EXPECT_EQ(t2.calls[1].address.to_string(), "198.51.100.1");
}

TEST(Executor, PayloadBytesMustBeTheBytesWritten) {
  for (bool corrupt : {false, true}) {
    FakeTarget t;
    passive_stack(t);
    auto call = t.on_call;
    t.on_call = [call, corrupt](FakeTarget& t, const targets::SocketCall& c) {
      if (c.op == targets::SysOp::Write) {
        Segment s;
        s.src = *net::IpAddress::parse("192.0.2.1");
        s.dst = *net::IpAddress::parse("198.51.100.1");
        s.sport = 8080;
        s.dport = 34000;
        s.flags = flag::PSH | flag::ACK;
        s.seq = kIsn + 1;
        s.ack = 1;
        s.payload = c.data;
        if (corrupt) s.payload[5] ^= 1;
        t.emit(t.now(), s);
        targets::CallOutcome o;
        o.result.ret = static_cast<std::int64_t>(c.length);
        return o;
      }
      return call(t, c);
    };
    std::string text = std::string(kPassive) + "+0 write(4, ..., 10) = 10\n+0 > P. 1:11(10) ack 1\n";
    auto r = run::execute(parse_ok(text), t, {});
    if (!corrupt) {
      EXPECT_EQ(r.verdict.status, Status::Pass) << (r.verdict.failure ? r.verdict.failure->render() : r.verdict.reason);
    } else {
      ASSERT_EQ(r.verdict.status, Status::Fail);
      EXPECT_NE(r.verdict.failure->message.find("payload byte 5"), std::string::npos) << r.verdict.failure->message;
    }
  }
}

TEST(Executor, BadChecksumFromTheStackIsAFinding) {
  FakeTarget t;
  passive_stack(t);
  t.on_inject = [](FakeTarget& t, const Segment& in) {
    Segment r = reply_to(in, flag::SYN | flag::ACK, kIsn, in.seq + 1);
    r.options = {net::TcpOption::mss(1460)};
    r.checksum_ok = false;
    t.emit(t.now(), r);
  };
  auto r = run::execute(parse_ok(kPassive), t, {});
  ASSERT_EQ(r.verdict.status, Status::Fail);
  EXPECT_NE(r.verdict.failure->message.find("checksum"), std::string::npos);
}

TEST(Executor, ShellCommandsOnATargetWithoutAShellSkipTheScript) {
  FakeTarget t;
  auto r = run::execute(parse_ok("`echo hi`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"), t, {});
  EXPECT_EQ(r.verdict.status, Status::Skipped);
  EXPECT_NE(r.verdict.reason.find("shell"), std::string::npos);
}

TEST(Executor, UnsupportedSyscallSkipsNeverPasses) {
  FakeTarget t;
  auto r = run::execute(parse_ok("0 epoll_create(1) = 3\n"), t, {});
  EXPECT_EQ(r.verdict.status, Status::Skipped);
  EXPECT_NE(r.verdict.reason.find("epoll_create"), std::string::npos);
}

TEST(Executor, AssertionsReadTcpInfo) {
  for (std::int64_t state : {1, 8}) {
    FakeTarget t;
    passive_stack(t);
    auto call = t.on_call;
    t.on_call = [call, state](FakeTarget& t, const targets::SocketCall& c) {
      if (c.op == targets::SysOp::GetSockOpt) {
        targets::CallOutcome o;
        o.result.tcp_info["tcpi_state"] = state;
        return o;
      }
      return call(t, c);
    };
    auto r = run::execute(parse_ok(std::string(kPassive) + "+0 %{ assert tcpi_state == TCP_ESTABLISHED }%\n"), t, {});
    EXPECT_EQ(r.verdict.status, state == 1 ? Status::Pass : Status::Fail);
  }
}

TEST(Executor, AddressesOutsideDocumentationRangesAreRefused) {
  FakeTarget t;
  auto s = parse_ok("--remote_ip=203.0.113.9\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
  EXPECT_TRUE(run::network_for(s, {}).ok());
  auto bad = parse_ok("--remote_ip=240.0.0.8\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
  auto n = run::network_for(bad, {});
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("documentation"), std::string::npos);
  EXPECT_TRUE(run::is_permitted_address(*net::IpAddress::parse("2001:db8::7")));
  EXPECT_TRUE(run::is_permitted_address(*net::IpAddress::parse("127.0.0.1")));
  EXPECT_FALSE(run::is_permitted_address(*net::IpAddress::parse("100::7")));
}

}  // namespace
}  // namespace synack
