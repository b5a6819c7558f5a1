// What the executor does with "// expect:" checks on outbound lines: the IP destination (a source
// route's first hop) and the IPv4 options are compared, and a mismatch names both in readable
// form; without the comment the options are not checked and the destination must be the peer.
// Also setsockopt(IP_OPTIONS) with the option bytes in a string.
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "harness/net/codec.h"
#include "harness/run/executor.h"
#include "harness/run/syscalls.h"
#include "harness/script/parser.h"
#include "tests/run/fake_target.h"

namespace synack {
namespace {

using net::Segment;
using run::Status;
using testing::FakeTarget;
using testing::parse_ok;

constexpr std::uint32_t kIsn = 1'000'000u;

// LSRR back to the peer via 192.0.2.10 (the IP destination) and 203.0.113.5.
const std::vector<std::uint8_t> kRouteBack = {0x83, 0x0b, 0x04, 203, 0, 113, 5, 198, 51, 100, 1, 0};

std::string why(const run::ScriptResult& r) {
  return r.verdict.failure ? r.verdict.failure->render() : r.verdict.reason;
}

// A listener whose SYN-ACK goes to `dst` with `options`.
void routed_listener(FakeTarget& t, const char* dst, std::vector<std::uint8_t> options) {
  testing::answer_syns(t, kIsn, {}, [dst, options](Segment s) {
    s.dst = *net::IpAddress::parse(dst);
    s.ip_options = options;
    return s;
  });
}

run::ScriptResult run_with(FakeTarget& t, const std::string& outbound) {
  return run::execute(parse_ok(R"(
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0    < S 0:0(0) win 1000 <mss 1000>   // inject: ip-options=830b0ccb007105c000020a
)" + outbound + "\n"), t, {});
}

TEST(ExpectIp, RoutedSegmentMatchesItsDestinationAndOptions) {
  FakeTarget t;
  routed_listener(t, "192.0.2.10", kRouteBack);
  auto r = run_with(t, "+0 > S. 0:0(0) ack 1  // expect: dst=192.0.2.10 ip-options=830b04cb007105c633640100");
  ASSERT_EQ(r.verdict.status, Status::Pass) << why(r);
  ASSERT_EQ(t.injected.size(), 1u);
  EXPECT_EQ(t.injected[0].ip_options.size(), 11u);  // as written; the wire pads it to 32 bits
  EXPECT_EQ(net::decode(net::encode(t.injected[0]))->ip_options.size(), 12u);
  // The trace shows the options readably.
  bool shown = false;
  for (const auto& e : r.trace.entries)
    if (e.kind == run::TraceEntry::Kind::Observed)
      shown = e.text.find("ip options [lsrr ptr 4 [203.0.113.5 198.51.100.1],eol]") != std::string::npos;
  EXPECT_TRUE(shown);
}

TEST(ExpectIp, WrongOptionsFailWithBothSidesReadable) {
  FakeTarget t;
  routed_listener(t, "192.0.2.10", kRouteBack);
  auto r = run_with(t, "+0 > S. 0:0(0) ack 1  // expect: dst=192.0.2.10 ip-options=830b04cb007107c633640100");
  ASSERT_EQ(r.verdict.status, Status::Fail);
  ASSERT_TRUE(r.verdict.failure);
  EXPECT_NE(r.verdict.failure->message.find(
                "IP options [lsrr ptr 4 [203.0.113.5 198.51.100.1],eol], expected "
                "[lsrr ptr 4 [203.0.113.7 198.51.100.1],eol]"),
            std::string::npos)
      << r.verdict.failure->message;
  EXPECT_NE(r.verdict.failure->expected.find("ip options [lsrr ptr 4 [203.0.113.7"), std::string::npos)
      << r.verdict.failure->expected;
  EXPECT_NE(r.verdict.failure->actual.find("ip options [lsrr ptr 4 [203.0.113.5"), std::string::npos)
      << r.verdict.failure->actual;
}

TEST(ExpectIp, NoneFailsWhenTheStackSendsOptions) {
  FakeTarget t;
  routed_listener(t, "198.51.100.1", kRouteBack);
  auto r = run_with(t, "+0 > S. 0:0(0) ack 1  // expect: ip-options=none");
  ASSERT_EQ(r.verdict.status, Status::Fail);
  EXPECT_NE(r.verdict.failure->message.find("expected [none]"), std::string::npos) << why(r);
}

TEST(ExpectIp, WithoutTheCommentOptionsAreNotCheckedButTheDestinationIs) {
  {
    FakeTarget t;
    routed_listener(t, "198.51.100.1", kRouteBack);
    auto r = run_with(t, "+0 > S. 0:0(0) ack 1");
    EXPECT_EQ(r.verdict.status, Status::Pass) << why(r);
  }
  {
    FakeTarget t;
    routed_listener(t, "192.0.2.10", kRouteBack);
    auto r = run_with(t, "+0 > S. 0:0(0) ack 1  // expect: ip-options=830b04cb007105c633640100");
    ASSERT_EQ(r.verdict.status, Status::Fail);
    EXPECT_NE(r.verdict.failure->message.find("destination address 192.0.2.10, expected 198.51.100.1"),
              std::string::npos) << why(r);
  }
  {
    FakeTarget t;
    routed_listener(t, "198.51.100.1", {});
    auto r = run_with(t, "+0 > S. 0:0(0) ack 1  // expect: dst=192.0.2.10");
    ASSERT_EQ(r.verdict.status, Status::Fail);
    EXPECT_NE(r.verdict.failure->message.find("destination address 198.51.100.1, expected 192.0.2.10"),
              std::string::npos) << why(r);
  }
}

TEST(ExpectIp, IpOptionsSocketOptionTakesTheBytesOfAString) {
  run::CallContext ctx;
  ctx.fds[3] = 3;
  auto call = [&](const char* line) {
    auto s = parse_ok(std::string("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n") + line + "\n");
    return run::prepare_call(std::get<script::SyscallSpec>(s.events[1].body), ctx);
  };
  auto ok = call(R"(+0 setsockopt(3, IPPROTO_IP, IP_OPTIONS, "\x83\x07\x04\xc0\x00\x02\x0a\x00", 8) = 0)");
  ASSERT_TRUE(ok.call) << ok.invalid << ok.unsupported;
  EXPECT_EQ(ok.call->level, IPPROTO_IP);
  EXPECT_EQ(ok.call->optname, IP_OPTIONS);
  EXPECT_EQ(ok.call->data, (std::vector<std::uint8_t>{0x83, 0x07, 0x04, 192, 0, 2, 10, 0}));
  auto wrong_length = call(R"(+0 setsockopt(3, IPPROTO_IP, IP_OPTIONS, "\x83\x07\x04\xc0\x00\x02\x0a\x00", 12) = 0)");
  EXPECT_FALSE(wrong_length.call);
  EXPECT_NE(wrong_length.invalid.find("length 12, but the string holds 8 octets"), std::string::npos)
      << wrong_length.invalid;
  auto not_bytes = call("+0 setsockopt(3, IPPROTO_IP, IP_OPTIONS, [1], 4) = 0");
  EXPECT_FALSE(not_bytes.call);
  EXPECT_NE(not_bytes.invalid.find("as a string"), std::string::npos) << not_bytes.invalid;
  auto get = call("+0 getsockopt(3, IPPROTO_IP, IP_OPTIONS, [0], [4]) = 0");
  EXPECT_FALSE(get.call);
  EXPECT_NE(get.unsupported.find("IP_OPTIONS"), std::string::npos);
}

}  // namespace
}  // namespace synack
