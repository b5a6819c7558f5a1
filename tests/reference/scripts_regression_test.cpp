// Regression tests for reference-stack fixes found by the conformance scripts (scripts/).
// Each test names the script that exposed the behaviour.
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

// retransmit/syn_retransmit_etimedout.pkt: RFC 9293 MUST-23 wants a SYN retransmitted for at
// least 3 minutes. The rfc profile's 7 retries send the last SYN at 127 s and give up 120 s
// (RTO_max) later, at 247 s.
TEST_F(StackTest, RfcProfileRetransmitsSynForThreeMinutes) {
  EXPECT_EQ(StackConfig::from_profile("rfc").value().syn_retries, 7);
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  ASSERT_EQ(sent().size(), 1u);
  auto r = run_until(127 * kMicrosPerSecond);
  ASSERT_EQ(r.size(), 7u);  // at 1, 3, 7, 15, 31, 63 and 127 s
  EXPECT_EQ(r.back().time, 127 * kMicrosPerSecond);
  EXPECT_EQ(state_of(fd), State::SynSent);
  EXPECT_TRUE(run_until(247 * kMicrosPerSecond - 1).empty());
  EXPECT_EQ(state_of(fd), State::SynSent);
  run_until(247 * kMicrosPerSecond);
  EXPECT_EQ(state_of(fd), State::Closed);
}

// window/zero_window_probe.pkt: successive zero-window probes back off exponentially (SHLD-30):
// the first after one RTO, the next after two, then four.
TEST_F(StackTest, ZeroWindowProbesBackOffFromTheFirstProbe) {
  const int fd = passive_open(0);
  write(fd, 10);
  sent();
  auto r = run_until(1 * kMicrosPerSecond);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].segment.payload.size(), 1u);
  EXPECT_TRUE(run_until(3 * kMicrosPerSecond - 1).empty());  // not again after 1 s
  r = run_until(3 * kMicrosPerSecond);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].segment.seq, kIss + 1);
  EXPECT_EQ(r[0].segment.payload.size(), 1u);
  EXPECT_TRUE(run_until(7 * kMicrosPerSecond - 1).empty());
  EXPECT_EQ(run_until(7 * kMicrosPerSecond).size(), 1u);
}

// retransmit/user_timeout.pkt: TCP_USER_TIMEOUT sets R2 as a time (MUST-21); the last timer is
// clamped to it and the connection ends with ETIMEDOUT.
TEST_F(StackTest, UserTimeoutEndsTheConnection) {
  const int fd = passive_open();
  EXPECT_EQ(stack->setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, 5000, 0), 0);
  std::int64_t v = 0;
  EXPECT_EQ(stack->getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, v, nullptr), 0);
  EXPECT_EQ(v, 5000);
  write(fd, 100);
  ASSERT_EQ(sent().size(), 1u);
  auto r = run_until(5 * kMicrosPerSecond - 1);
  ASSERT_EQ(r.size(), 2u);  // at 1 s and 3 s; the next (7 s) is past the user timeout
  EXPECT_EQ(state_of(fd), State::Established);
  run_until(5 * kMicrosPerSecond);
  EXPECT_EQ(state_of(fd), State::Closed);
  std::int64_t ret = 0;
  read(fd, 100, &ret);
  EXPECT_EQ(ret, -ETIMEDOUT);
}

// options/ip_tos.pkt, options/ip_ttl.pkt: IP_TOS and IP_TTL apply to every segment sent
// (MUST-48, MUST-49, SHLD-21, SHLD-22).
TEST_F(StackTest, IpTosAndTtlApplyToSegmentsSent) {
  const int fd = passive_open();
  EXPECT_EQ(stack->setsockopt(fd, IPPROTO_IP, IP_TOS, 0x28, 0), 0);
  EXPECT_EQ(stack->setsockopt(fd, IPPROTO_IP, IP_TTL, 7, 0), 0);
  std::int64_t v = 0;
  EXPECT_EQ(stack->getsockopt(fd, IPPROTO_IP, IP_TOS, v, nullptr), 0);
  EXPECT_EQ(v, 0x28);
  write(fd, 10);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].tos, 0x28);
  EXPECT_EQ(r[0].ttl, 7);
  EXPECT_EQ(stack->setsockopt(fd, IPPROTO_IP, IP_TTL, -1, 0), 0);
  EXPECT_EQ(stack->getsockopt(fd, IPPROTO_IP, IP_TTL, v, nullptr), 0);
  EXPECT_EQ(v, 64);
}

// data/urgent_inline.pkt: SO_OOBINLINE is accepted (urgent data is always inline here).
TEST_F(StackTest, OobInlineIsAccepted) {
  const int fd = passive_open();
  EXPECT_EQ(stack->setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, 1, 0), 0);
  std::int64_t v = 0;
  EXPECT_EQ(stack->getsockopt(fd, SOL_SOCKET, SO_OOBINLINE, v, nullptr), 0);
  EXPECT_EQ(v, 1);
}

// close/fin_out_of_order.pkt under --profile linux: Linux delays the ACK of a FIN in ESTABLISHED,
// but not when the FIN comes out of the reassembly queue because a segment filled the hole.
TEST_F(StackTest, LinuxAcksAtOnceWhenAHoleBeforeTheFinIsFilled) {
  make(test_config("linux"));
  const int fd = passive_open();
  auto r = send(from_peer(flag::FIN | flag::ACK, kPeerIsn + 101, kIss + 1));
  ASSERT_EQ(r.size(), 1u);  // out of order: duplicate ACK at once
  EXPECT_EQ(r[0].ack, kPeerIsn + 1);
  r = send(from_peer(flag::ACK | flag::PSH, kPeerIsn + 1, kIss + 1, 65535, bytes(100)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].ack, kPeerIsn + 102);
  EXPECT_EQ(state_of(fd), State::CloseWait);
}

}  // namespace
}  // namespace synack::reference::testing
