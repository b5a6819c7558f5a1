// ABORT (close() with SO_LINGER 0) in the states after a close, RFC 9293 §3.10.5: FIN-WAIT-1/2
// send a reset; CLOSING, LAST-ACK and TIME-WAIT only delete the TCB (no reset); Linux and FreeBSD
// keep a TIME-WAIT pair alive (abort_deletes_time_wait = false).
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t P = kPeerIsn + 1;
constexpr std::uint32_t L = kIss + 1;

class AbortTest : public StackTest {
 protected:
  // A passive connection taken by shutdown(SHUT_WR) (and the peer's answers) to `target`; the
  // descriptor stays open, with SO_LINGER 0 set, so close() is an ABORT.
  int to_state(State target) {
    const int fd = passive_open();
    EXPECT_EQ(stack->setsockopt(fd, SOL_SOCKET, SO_LINGER, 1, 0), 0);
    if (target == State::LastAck) {
      send(from_peer(flag::FIN | flag::ACK, P, L));  // CLOSE-WAIT
      stack->shutdown(fd, SHUT_WR);                  // LAST-ACK
    } else {
      stack->shutdown(fd, SHUT_WR);  // FIN-WAIT-1
      if (target == State::FinWait2) send(from_peer(flag::ACK, P, L + 1));
      if (target == State::Closing) send(from_peer(flag::FIN | flag::ACK, P, L));
      if (target == State::TimeWait) send(from_peer(flag::FIN | flag::ACK, P, L + 1));
    }
    sent();
    EXPECT_EQ(state_of(fd), target);
    return fd;
  }
};

TEST_F(AbortTest, InFinWait1SendsRst) {
  const int fd = to_state(State::FinWait1);
  stack->close(fd);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "R");
  EXPECT_TRUE(stack->connections().empty());
}

TEST_F(AbortTest, InFinWait2SendsRst) {
  const int fd = to_state(State::FinWait2);
  stack->close(fd);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "R");
  EXPECT_TRUE(stack->connections().empty());
}

TEST_F(AbortTest, InClosingDeletesWithoutRst) {
  const int fd = to_state(State::Closing);
  stack->close(fd);
  EXPECT_TRUE(sent().empty());
  EXPECT_TRUE(stack->connections().empty());
}

TEST_F(AbortTest, InLastAckDeletesWithoutRst) {
  const int fd = to_state(State::LastAck);
  stack->close(fd);
  EXPECT_TRUE(sent().empty());
  EXPECT_TRUE(stack->connections().empty());
}

TEST_F(AbortTest, InTimeWaitDeletesTheTcb) {
  const int fd = to_state(State::TimeWait);
  stack->close(fd);
  EXPECT_TRUE(sent().empty());
  EXPECT_TRUE(stack->connections().empty());
  // The pair is gone: a retransmitted FIN now meets no connection and draws a reset.
  auto r = send(from_peer(flag::FIN | flag::ACK, P, L + 1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "R");
}

TEST_F(AbortTest, LinuxProfileKeepsTimeWait) {
  make(test_config("linux"));
  const int fd = to_state(State::TimeWait);
  const std::uint32_t id = stack->connection(fd)->id;
  stack->close(fd);
  EXPECT_TRUE(sent().empty());
  ASSERT_EQ(stack->connections().size(), 1u);
  EXPECT_EQ(stack->connections().front()->id, id);
  EXPECT_EQ(stack->connections().front()->state, State::TimeWait);
}

}  // namespace
}  // namespace synack::reference::testing
