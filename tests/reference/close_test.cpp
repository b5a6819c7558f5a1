// Closing: FIN-WAIT-1/2, CLOSING, TIME-WAIT, CLOSE-WAIT, LAST-ACK; RST processing (RFC 5961).
#include <netinet/tcp.h>
#include <poll.h>

#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t P = kPeerIsn + 1;
constexpr std::uint32_t L = kIss + 1;

// ---- we close first ----

TEST_F(StackTest, CloseInEstablishedSendsFinAndEntersFinWait1) {
  const int fd = passive_open();
  const Tcb* t = stack->connection(fd);
  ASSERT_EQ(stack->shutdown(fd, SHUT_WR), 0);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "F.", L, P);
  EXPECT_EQ(t->state, State::FinWait1);
}

TEST_F(StackTest, FinWait1AckOfFinEntersFinWait2) {
  const int fd = passive_open();
  stack->shutdown(fd, SHUT_WR);
  sent();
  EXPECT_TRUE(send(from_peer(flag::ACK, P, L + 1)).empty());
  EXPECT_EQ(state_of(fd), State::FinWait2);
}

TEST_F(StackTest, FinWait2FinEntersTimeWaitAndAcks) {
  const int fd = passive_open();
  stack->shutdown(fd, SHUT_WR);
  sent();
  send(from_peer(flag::ACK, P, L + 1));
  auto r = send(from_peer(flag::FIN | flag::ACK, P, L + 1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 1, P + 1);
  EXPECT_EQ(state_of(fd), State::TimeWait);
}

TEST_F(StackTest, FinWait1FinAckEntersTimeWaitDirectly) {
  const int fd = passive_open();
  stack->shutdown(fd, SHUT_WR);
  sent();
  auto r = send(from_peer(flag::FIN | flag::ACK, P, L + 1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 1, P + 1);
  EXPECT_EQ(state_of(fd), State::TimeWait);
}

TEST_F(StackTest, SimultaneousCloseGoesThroughClosing) {
  const int fd = passive_open();
  stack->shutdown(fd, SHUT_WR);
  sent();
  // The peer's FIN crosses ours: it does not acknowledge our FIN.
  auto r = send(from_peer(flag::FIN | flag::ACK, P, L));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 1, P + 1);
  EXPECT_EQ(state_of(fd), State::Closing);
  EXPECT_TRUE(send(from_peer(flag::ACK, P + 1, L + 1)).empty());
  EXPECT_EQ(state_of(fd), State::TimeWait);
}

TEST_F(StackTest, TimeWaitLastsTwoMslThenCloses) {
  const int fd = passive_open();
  stack->shutdown(fd, SHUT_WR);
  sent();
  send(from_peer(flag::FIN | flag::ACK, P, L + 1));
  EXPECT_EQ(stack->next_timer(), 240 * kMicrosPerSecond);  // rfc: 2 * 120 s
  run_until(240 * kMicrosPerSecond - 1);
  EXPECT_EQ(state_of(fd), State::TimeWait);
  run_until(240 * kMicrosPerSecond);
  EXPECT_EQ(state_of(fd), State::Closed);
}

TEST_F(StackTest, TimeWaitRetransmittedFinIsAckedAndRestartsTimer) {
  const int fd = passive_open();
  stack->shutdown(fd, SHUT_WR);
  sent();
  send(from_peer(flag::FIN | flag::ACK, P, L + 1));
  stack->advance_to(100 * kMicrosPerSecond);
  auto r = send(from_peer(flag::FIN | flag::ACK, P, L + 1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 1, P + 1);
  EXPECT_EQ(stack->next_timer(), 340 * kMicrosPerSecond);
  EXPECT_EQ(state_of(fd), State::TimeWait);
}

TEST_F(StackTest, TimeWaitRstClosesPerRfc9293) {
  const int fd = passive_open();
  stack->shutdown(fd, SHUT_WR);
  sent();
  send(from_peer(flag::FIN | flag::ACK, P, L + 1));
  EXPECT_TRUE(send(from_peer(flag::RST, P + 1)).empty());
  EXPECT_EQ(state_of(fd), State::Closed);
}

TEST_F(StackTest, TimeWaitRstIgnoredUnderRfc1337) {
  StackConfig c = test_config();
  c.time_wait_rst = TimeWaitRstPolicy::Ignore;
  make(c);
  const int fd = passive_open();
  stack->shutdown(fd, SHUT_WR);
  sent();
  send(from_peer(flag::FIN | flag::ACK, P, L + 1));
  EXPECT_TRUE(send(from_peer(flag::RST, P + 1)).empty());
  EXPECT_EQ(state_of(fd), State::TimeWait);
}

TEST_F(StackTest, LinuxTimeWaitIsSixtySeconds) {
  make(test_config("linux"));
  const int fd = passive_open();
  stack->close(fd);
  sent();
  send(from_peer(flag::FIN | flag::ACK, P, L + 1));
  ASSERT_EQ(stack->connections().size(), 1u);
  EXPECT_EQ(stack->connections()[0]->state, State::TimeWait);
  EXPECT_EQ(stack->next_timer(), 60 * kMicrosPerSecond);
  run_until(60 * kMicrosPerSecond);
  EXPECT_TRUE(stack->connections().empty());
}

TEST_F(StackTest, FinIsRetransmittedWhenNotAcked) {
  const int fd = passive_open();
  stack->shutdown(fd, SHUT_WR);
  sent();
  auto r = run_until(1 * kMicrosPerSecond);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0].segment, "F.", L, P);
}

TEST_F(StackTest, FinFollowsQueuedDataOnTheLastSegment) {
  const int fd = passive_open();
  stack->setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  stack->connection(fd);
  write(fd, 10);
  auto d = sent();
  ASSERT_EQ(d.size(), 1u);
  stack->close(fd);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "F.", L + 10, P);
}

// ---- the peer closes first ----

TEST_F(StackTest, EstablishedFinEntersCloseWaitAndReadReturnsZero) {
  const int fd = passive_open();
  auto r = send(from_peer(flag::FIN | flag::ACK, P, L));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 1);
  EXPECT_EQ(state_of(fd), State::CloseWait);
  std::int64_t ret = -1;
  read(fd, 10, &ret);
  EXPECT_EQ(ret, 0);
  EXPECT_TRUE(stack->poll_events(fd, POLLIN | POLLRDHUP) & POLLRDHUP);
}

TEST_F(StackTest, DataThenFinInOneSegment) {
  const int fd = passive_open();
  auto r = send(from_peer(flag::FIN | flag::ACK | flag::PSH, P, L, 65535, bytes(5)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 6);
  EXPECT_EQ(read(fd, 100), bytes(5));
  std::int64_t ret = -1;
  read(fd, 10, &ret);
  EXPECT_EQ(ret, 0);
}

TEST_F(StackTest, OutOfOrderFinWaitsForTheHole) {
  const int fd = passive_open();
  send(from_peer(flag::FIN | flag::ACK, P + 5, L));
  EXPECT_EQ(state_of(fd), State::Established);
  auto r = send(from_peer(flag::ACK, P, L, 65535, bytes(5)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 6);
  EXPECT_EQ(state_of(fd), State::CloseWait);
}

TEST_F(StackTest, CloseWaitCloseSendsFinAndLastAckCloses) {
  const int fd = passive_open();
  send(from_peer(flag::FIN | flag::ACK, P, L));
  stack->close(fd);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "F.", L, P + 1);
  ASSERT_EQ(stack->connections().size(), 1u);
  EXPECT_EQ(stack->connections()[0]->state, State::LastAck);
  EXPECT_TRUE(send(from_peer(flag::ACK, P + 1, L + 1)).empty());
  EXPECT_TRUE(stack->connections().empty());
}

TEST_F(StackTest, HalfCloseKeepsReceiving) {
  const int fd = passive_open();
  stack->shutdown(fd, SHUT_WR);
  sent();
  send(from_peer(flag::ACK, P, L + 1));
  ASSERT_EQ(state_of(fd), State::FinWait2);
  send(from_peer(flag::ACK | flag::PSH, P, L + 1, 65535, bytes(20)));
  EXPECT_EQ(read(fd, 100), bytes(20));
  EXPECT_EQ(write(fd, 5), -EPIPE);
}

// ---- aborts ----

TEST_F(StackTest, CloseWithUnreadDataSendsRst) {
  const int fd = passive_open();
  send(from_peer(flag::ACK, P, L, 65535, bytes(10)));
  sent();
  stack->close(fd);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "R", L, 0);  // RFC 9293 §3.10.5: <SEQ=SND.NXT><CTL=RST>
  EXPECT_TRUE(stack->connections().empty());
}

TEST_F(StackTest, LingerZeroCloseSendsRst) {
  const int fd = passive_open();
  ASSERT_EQ(stack->setsockopt(fd, SOL_SOCKET, SO_LINGER, 1, 0), 0);
  stack->close(fd);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "R");
  EXPECT_TRUE(stack->connections().empty());
}

TEST_F(StackTest, DataAfterCloseDrawsRst) {
  const int fd = passive_open();
  stack->close(fd);
  sent();
  send(from_peer(flag::ACK, P, L + 1));  // FIN-WAIT-2, orphaned
  auto r = send(from_peer(flag::ACK, P, L + 1, 65535, bytes(5)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "R");
  EXPECT_EQ(r[0].seq, L + 1);  // <SEQ=SEG.ACK>
  EXPECT_TRUE(stack->connections().empty());
}

// ---- RST and SYN in synchronized states (RFC 5961) ----

TEST_F(StackTest, ExactRstResetsConnection) {
  const int fd = passive_open();
  EXPECT_TRUE(send(from_peer(flag::RST, P)).empty());
  EXPECT_EQ(state_of(fd), State::Closed);
  std::int64_t ret = 0;
  read(fd, 10, &ret);
  EXPECT_EQ(ret, -ECONNRESET);
  read(fd, 10, &ret);
  EXPECT_EQ(ret, 0);  // the error is reported once
}

TEST_F(StackTest, InWindowRstDrawsChallengeAck) {
  const int fd = passive_open();
  auto r = send(from_peer(flag::RST, P + 100));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
  EXPECT_EQ(state_of(fd), State::Established);
}

TEST_F(StackTest, OutOfWindowRstIsDropped) {
  const int fd = passive_open();
  EXPECT_TRUE(send(from_peer(flag::RST, P + 1000000)).empty());
  EXPECT_EQ(state_of(fd), State::Established);
}

TEST_F(StackTest, SynInEstablishedDrawsChallengeAck) {
  const int fd = passive_open();
  auto r = send(from_peer(flag::SYN, P + 10));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
  EXPECT_EQ(state_of(fd), State::Established);
}

TEST_F(StackTest, LinuxRateLimitsChallengeAcksPerConnection) {
  make(test_config("linux"));
  passive_open();
  EXPECT_EQ(send(from_peer(flag::RST, P + 100)).size(), 1u);
  EXPECT_TRUE(send(from_peer(flag::RST, P + 200)).empty());  // within 500 ms
  stack->advance_to(500 * kMillis);
  EXPECT_EQ(send(from_peer(flag::RST, P + 300)).size(), 1u);
}

TEST_F(StackTest, RstInCloseWaitResets) {
  const int fd = passive_open();
  send(from_peer(flag::FIN | flag::ACK, P, L));
  send(from_peer(flag::RST, P + 1));
  EXPECT_EQ(state_of(fd), State::Closed);
}

TEST_F(StackTest, SegmentWithoutAckIsDroppedInEstablished) {
  const int fd = passive_open();
  EXPECT_TRUE(send(from_peer(0, P, 0, 65535, bytes(5))).empty());
  std::int64_t ret = 0;
  read(fd, 10, &ret);
  EXPECT_EQ(ret, -EAGAIN);
}

TEST_F(StackTest, ClosingListenerResetsUnacceptedConnections) {
  const int l = listener();
  send(from_peer(flag::SYN, kPeerIsn));
  send(from_peer(flag::ACK, P, L));
  stack->close(l);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "R");
  EXPECT_TRUE(stack->connections().empty());
}

TEST_F(StackTest, LegalTransitionsOnly) {
  EXPECT_TRUE(is_legal_transition(State::Listen, State::SynReceived));
  EXPECT_TRUE(is_legal_transition(State::FinWait1, State::Closing));
  EXPECT_FALSE(is_legal_transition(State::Listen, State::Established));
  EXPECT_FALSE(is_legal_transition(State::TimeWait, State::Established));
  EXPECT_EQ(to_string(State::FinWait2), "FIN-WAIT-2");
  EXPECT_EQ(linux_state_number(State::Closing), TCP_CLOSING);
}

}  // namespace
}  // namespace synack::reference::testing

namespace synack::reference::testing {
namespace {

TEST_F(StackTest, LinuxTimeWaitRestartsOnAnyAck) {
  make(test_config("linux"));
  const int fd = passive_open();
  stack->shutdown(fd, SHUT_WR);
  sent();
  send(from_peer(flag::FIN | flag::ACK, kPeerIsn + 1, kIss + 2));
  stack->advance_to(30 * kMicrosPerSecond);
  EXPECT_TRUE(send(from_peer(flag::ACK, kPeerIsn + 2, kIss + 2)).empty());  // in window: no reply
  EXPECT_EQ(stack->next_timer(), 90 * kMicrosPerSecond);
}

TEST_F(StackTest, RfcTimeWaitIgnoresBareAckForTimer) {
  const int fd = passive_open();
  stack->shutdown(fd, SHUT_WR);
  sent();
  send(from_peer(flag::FIN | flag::ACK, kPeerIsn + 1, kIss + 2));
  stack->advance_to(30 * kMicrosPerSecond);
  EXPECT_TRUE(send(from_peer(flag::ACK, kPeerIsn + 2, kIss + 2)).empty());
  EXPECT_EQ(stack->next_timer(), 240 * kMicrosPerSecond);
}

}  // namespace
}  // namespace synack::reference::testing

namespace synack::reference::testing {
namespace {

TEST_F(StackTest, FinWaitsForAnOpenWindow) {
  const int fd = passive_open(0);
  stack->shutdown(fd, SHUT_WR);
  EXPECT_TRUE(sent().empty());  // the FIN occupies sequence space: not into a zero window
  EXPECT_EQ(state_of(fd), State::FinWait1);
  auto r = send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 1, 100));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "F.", kIss + 1, kPeerIsn + 1);
}

}  // namespace
}  // namespace synack::reference::testing

namespace synack::reference::testing {
namespace {

TEST_F(StackTest, LinuxAbortRstCarriesAck) {
  make(test_config("linux"));
  const int fd = passive_open();
  send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 1, 65535, bytes(10)));
  sent();
  stack->close(fd);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "R.", kIss + 1, kPeerIsn + 11);
}

}  // namespace
}  // namespace synack::reference::testing

namespace synack::reference::testing {
namespace {

// Linux: "+0 < F. 1001:1001(0) ack 1" is answered by "+.04 > . 1:1(0) ack 1002".
TEST_F(StackTest, LinuxDelaysTheAckOfAFin) {
  make(test_config("linux"));
  const int fd = passive_open();
  auto r = send(from_peer(flag::ACK | flag::PSH, kPeerIsn + 1, kIss + 1, 65535, bytes(1000)));
  ASSERT_EQ(r.size(), 1u);  // quickack
  EXPECT_EQ(read(fd, 1000).size(), 1000u);
  EXPECT_TRUE(send(from_peer(flag::FIN | flag::ACK, kPeerIsn + 1001, kIss + 1)).empty());
  auto t = run_until(1 * kMicrosPerSecond);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].time, 40 * kMillis);
  EXPECT_SEGMENT(t[0].segment, ".", kIss + 1, kPeerIsn + 1002);
}

TEST_F(StackTest, LinuxFinAckPiggybacksOnAnImmediateClose) {
  make(test_config("linux"));
  const int fd = passive_open();
  send(from_peer(flag::FIN | flag::ACK, kPeerIsn + 1, kIss + 1));
  stack->close(fd);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "F.", kIss + 1, kPeerIsn + 2);
}

TEST_F(StackTest, RfcAcksAFinAtOnce) {
  passive_open();
  auto r = send(from_peer(flag::FIN | flag::ACK, kPeerIsn + 1, kIss + 1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", kIss + 1, kPeerIsn + 2);
}

}  // namespace
}  // namespace synack::reference::testing
