// The remaining (state, event) pairs of RFC 9293 §3.10.7.4 that the other files do not cover.
#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t P = kPeerIsn + 1;
constexpr std::uint32_t L = kIss + 1;

class Closing : public StackTest {
 protected:
  // Drives a passive connection into `target` and returns its descriptor (still open) or -1
  // when the state only exists for orphans.
  int reach(State target) {
    const int fd = passive_open();
    switch (target) {
      case State::CloseWait:
        send(from_peer(flag::FIN | flag::ACK, P, L));
        break;
      case State::LastAck:
        send(from_peer(flag::FIN | flag::ACK, P, L));
        stack->shutdown(fd, SHUT_WR);
        break;
      case State::FinWait1:
        stack->shutdown(fd, SHUT_WR);
        break;
      case State::FinWait2:
        stack->shutdown(fd, SHUT_WR);
        send(from_peer(flag::ACK, P, L + 1));
        break;
      case State::Closing:
        stack->shutdown(fd, SHUT_WR);
        send(from_peer(flag::FIN | flag::ACK, P, L));
        break;
      default:
        break;
    }
    sent();
    EXPECT_EQ(state_of(fd), target);
    return fd;
  }
};

TEST_F(Closing, CloseWaitDataIsIgnored) {
  const int fd = reach(State::CloseWait);
  // "This should not occur since a FIN has been received from the remote side. Ignore the
  // segment text."
  EXPECT_TRUE(send(from_peer(flag::ACK, P + 1, L, 65535, bytes(10))).empty());
  // The data lies beyond the peer's FIN: RCV.NXT does not move.
  EXPECT_EQ(stack->connection(fd)->rcv_nxt, P + 1);
  std::int64_t ret = -1;
  read(fd, 100, &ret);
  EXPECT_EQ(ret, 0);
}

TEST_F(Closing, CloseWaitRetransmittedFinGetsAck) {
  reach(State::CloseWait);
  auto r = send(from_peer(flag::FIN | flag::ACK, P, L));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 1);
}

TEST_F(Closing, LastAckRstCloses) {
  const int fd = reach(State::LastAck);
  EXPECT_TRUE(send(from_peer(flag::RST, P + 1)).empty());
  EXPECT_EQ(state_of(fd), State::Closed);
}

TEST_F(Closing, LastAckAckOfOldDataKeepsWaiting) {
  const int fd = reach(State::LastAck);
  EXPECT_TRUE(send(from_peer(flag::ACK, P + 1, L)).empty());
  EXPECT_EQ(state_of(fd), State::LastAck);
}

TEST_F(Closing, LastAckFinRetransmittedOnTimeout) {
  reach(State::LastAck);
  auto r = run_until(1 * kMicrosPerSecond);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0].segment, "F.", L, P + 1);
}

TEST_F(Closing, ClosingRstCloses) {
  const int fd = reach(State::Closing);
  EXPECT_TRUE(send(from_peer(flag::RST, P + 1)).empty());
  EXPECT_EQ(state_of(fd), State::Closed);
}

TEST_F(Closing, ClosingAckWithoutFinAckStays) {
  const int fd = reach(State::Closing);
  EXPECT_TRUE(send(from_peer(flag::ACK, P + 1, L)).empty());
  EXPECT_EQ(state_of(fd), State::Closing);
}

TEST_F(Closing, FinWait1DataIsDeliveredAndAcked) {
  const int fd = reach(State::FinWait1);
  send(from_peer(flag::ACK | flag::PSH, P, L + 1, 65535, bytes(4)));
  EXPECT_EQ(read(fd, 10), bytes(4));
  EXPECT_EQ(state_of(fd), State::FinWait2);
}

TEST_F(Closing, FinWait1RstResets) {
  const int fd = reach(State::FinWait1);
  send(from_peer(flag::RST, P));
  EXPECT_EQ(state_of(fd), State::Closed);
  std::int64_t ret = 0;
  read(fd, 10, &ret);
  EXPECT_EQ(ret, -ECONNRESET);
}

TEST_F(Closing, FinWait2SynDrawsChallengeAck) {
  const int fd = reach(State::FinWait2);
  auto r = send(from_peer(flag::SYN, P + 5));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 1, P);
  EXPECT_EQ(state_of(fd), State::FinWait2);
}

TEST_F(Closing, FinWait2KeepsWaitingWhileTheSocketIsOpen) {
  const int fd = reach(State::FinWait2);
  run_until(1000 * kMicrosPerSecond);
  EXPECT_EQ(state_of(fd), State::FinWait2);  // no timer: only orphans time out
}

TEST_F(StackTest, SynReceivedFinWithAckGoesToCloseWait) {
  const int l = listener();
  send(from_peer(flag::SYN, kPeerIsn));
  auto r = send(from_peer(flag::FIN | flag::ACK, P, L));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 1);
  const int fd = stack->accept(l);
  EXPECT_EQ(state_of(fd), State::CloseWait);
}

TEST_F(StackTest, SynReceivedDataWithTheThirdAckIsDelivered) {
  const int l = listener();
  send(from_peer(flag::SYN, kPeerIsn));
  send(from_peer(flag::ACK | flag::PSH, P, L, 65535, bytes(7)));
  const int fd = stack->accept(l);
  EXPECT_EQ(read(fd, 100), bytes(7));
}

TEST_F(StackTest, SynReceivedSegmentWithoutAckIsDropped) {
  listener();
  send(from_peer(flag::SYN, kPeerIsn));
  EXPECT_TRUE(send(from_peer(0, P, 0, 65535, bytes(3))).empty());
  EXPECT_EQ(stack->connections()[0]->state, State::SynReceived);
}

TEST_F(StackTest, EstablishedUrgentPointerIsRecorded) {
  const int fd = passive_open();
  auto s = from_peer(flag::ACK | flag::URG, P, L, 65535, bytes(10));
  s.urgent = 5;
  send(s);
  EXPECT_EQ(stack->connection(fd)->rcv_up, P + 5);
  EXPECT_EQ(read(fd, 100), bytes(10));  // urgent data stays inline
}

TEST_F(StackTest, EstablishedWindowUpdateFollowsWl1Wl2) {
  const int fd = passive_open(1000);
  const Tcb* t = stack->connection(fd);
  send(from_peer(flag::ACK, P, L, 2000));
  EXPECT_EQ(t->snd_wnd, 2000u);
  // An older segment (SEG.SEQ < SND.WL1) must not move the window back.
  send(from_peer(flag::ACK, P + 10, L, 3000, bytes(10)));
  EXPECT_EQ(t->snd_wnd, 3000u);
  send(from_peer(flag::ACK, P, L, 500));
  EXPECT_EQ(t->snd_wnd, 3000u);
}

}  // namespace
}  // namespace synack::reference::testing
