// '< icmp' lines in the executor: the message is built for the run's IP version, quotes the
// stack's segment with absolute sequence numbers, goes to the target at its time, and is traced;
// a target without ICMP injection makes the script skipped.
#include <gtest/gtest.h>

#include "harness/net/icmp.h"
#include "harness/run/executor.h"
#include "harness/script/parser.h"
#include "tests/run/fake_target.h"

namespace synack {
namespace {

using net::Segment;
using run::Status;
using testing::FakeTarget;
namespace flag = net::flag;

constexpr std::uint32_t kIsn = 3'000'000'000u;

using testing::parse_ok;

// A fake stack that answers SYNs with a SYN-ACK (ISN kIsn) and hands out fds 3 and 4.
void passive_stack(FakeTarget& t) { testing::answer_syns(t, kIsn); }

std::string opening(const char* options = "") {
  return std::string(options) + R"(
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0    < S 0:0(0) win 32792
+0    > S. 0:0(0) ack 1
+.1   < . 1:1(0) ack 1 win 257
)";
}

TEST(ExecutorIcmp, InjectsTheQuotedSegmentWithAbsoluteNumbersAtItsTime) {
  FakeTarget t;
  passive_stack(t);
  const auto r = run::execute(
      parse_ok(opening() + "+.2 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]\n"), t, {});
  ASSERT_EQ(r.verdict.status, Status::Pass) << (r.verdict.failure ? r.verdict.failure->render() : r.verdict.reason);
  ASSERT_EQ(t.injected_icmp.size(), 1u);
  const net::IcmpMessage& m = t.injected_icmp[0];
  EXPECT_EQ(m.type, 3);
  EXPECT_EQ(m.code, 4);
  EXPECT_EQ(m.mtu, 1200u);
  EXPECT_EQ(m.src.to_string(), "198.51.100.1");  // from the peer's side ...
  EXPECT_EQ(m.dst.to_string(), "192.0.2.1");     // ... to the stack
  // The quoted segment went from the stack to the peer.
  EXPECT_EQ(m.quoted.src.to_string(), "192.0.2.1");
  EXPECT_EQ(m.quoted.dst.to_string(), "198.51.100.1");
  EXPECT_EQ(m.quoted.sport, 8080);
  EXPECT_EQ(m.quoted.dport, 34000);
  EXPECT_EQ(m.quoted.seq, kIsn + 1);
  EXPECT_EQ(m.quoted.payload_length, 1460);
  // Traced as an injected packet: the wire bytes and tcpdump-style text with relative numbers.
  const run::TraceEntry& e = r.trace.entries.back();
  EXPECT_EQ(e.kind, run::TraceEntry::Kind::Injected);
  EXPECT_EQ(e.time, 300'000);
  EXPECT_EQ(e.line, 8);
  EXPECT_FALSE(e.segment);
  EXPECT_EQ(e.wire, net::encode_icmp(m));
  EXPECT_EQ(e.text,
            "ICMP 198.51.100.1 unreachable - need to frag (mtu 1200), for 192.0.2.1.8080 > "
            "198.51.100.1.34000: tcp seq 1, length 1460");
}

TEST(ExecutorIcmp, ExplicitPortsAndTheDefaultCode) {
  FakeTarget t;
  passive_stack(t);
  const auto r = run::execute(parse_ok(opening() + "+0 < icmp unreachable [8081>34001 5:5(0)]\n"), t, {});
  ASSERT_EQ(r.verdict.status, Status::Pass);
  ASSERT_EQ(t.injected_icmp.size(), 1u);
  EXPECT_EQ(t.injected_icmp[0].code, 0);  // packetdrill: no code means code 0
  EXPECT_EQ(t.injected_icmp[0].quoted.sport, 8081);
  EXPECT_EQ(t.injected_icmp[0].quoted.dport, 34001);
  EXPECT_EQ(t.injected_icmp[0].quoted.seq, 5u);  // no connection on that pair: no ISN known
}

TEST(ExecutorIcmp, Ipv6RunsSendIcmpv6Counterparts) {
  FakeTarget t;
  passive_stack(t);
  const auto r = run::execute(
      parse_ok(opening("--ip_version=ipv6") + "+0 < icmp unreachable frag_needed mtu 1280 [1:1(0)]\n"
                                              "+0 < icmp unreachable host_unreachable [1:1(0)]\n"),
      t, {});
  ASSERT_EQ(r.verdict.status, Status::Pass) << r.verdict.reason;
  ASSERT_EQ(t.injected_icmp.size(), 2u);
  EXPECT_TRUE(t.injected_icmp[0].ipv6());
  EXPECT_EQ(t.injected_icmp[0].type, 2);  // Packet Too Big
  EXPECT_EQ(t.injected_icmp[0].mtu, 1280u);
  EXPECT_EQ(t.injected_icmp[1].type, 1);  // Destination Unreachable, address unreachable
  EXPECT_EQ(t.injected_icmp[1].code, 3);
  EXPECT_EQ(t.injected_icmp[1].quoted.src.to_string(), "2001:db8::1");
}

TEST(ExecutorIcmp, ANameWithoutAnIcmpv6CounterpartIsAnError) {
  FakeTarget t;
  passive_stack(t);
  const auto r = run::execute(
      parse_ok(opening("--ip_version=ipv6") + "+0 < icmp source_quench [1:1(0)]\n"), t, {});
  EXPECT_EQ(r.verdict.status, Status::Error);
  EXPECT_NE(r.verdict.reason.find("line 8: 'source_quench' has no meaning on an IPv6 run"), std::string::npos)
      << r.verdict.reason;
  EXPECT_TRUE(t.injected_icmp.empty());
}

TEST(ExecutorIcmp, AnMtuTooLargeForIcmpv4IsAnError) {
  FakeTarget t;
  passive_stack(t);
  const auto r = run::execute(parse_ok(opening() + "+0 < icmp unreachable frag_needed mtu 70000\n"), t, {});
  EXPECT_EQ(r.verdict.status, Status::Error);
  EXPECT_NE(r.verdict.reason.find("does not fit the 16-bit next-hop MTU field"), std::string::npos);
}

TEST(ExecutorIcmp, ATargetWithoutIcmpInjectionSkipsTheScript) {
  FakeTarget t;
  passive_stack(t);
  t.has_icmp = false;
  const auto r = run::execute(parse_ok(opening() + "+0 < icmp unreachable [1:1(0)]\n+0 close(3) = 0\n"), t, {});
  EXPECT_EQ(r.verdict.status, Status::Skipped);
  EXPECT_EQ(r.verdict.reason, "line 8: ICMP injection is not supported by the fake target");
  EXPECT_TRUE(t.calls.size() < 5u);  // close() never ran
}

TEST(ExecutorIcmp, ConsecutiveInboundLinesChainFromTheScheduledTime) {
  FakeTarget t;
  passive_stack(t);
  const auto r = run::execute(parse_ok(opening() + "+.5 < icmp unreachable [1:1(0)]\n"
                                                   "+.5 < . 1:1(0) ack 1 win 257\n"),
                              t, {});
  ASSERT_EQ(r.verdict.status, Status::Pass);
  EXPECT_EQ(r.verdict.script_time, 1'100'000);
}

}  // namespace
}  // namespace synack
