// connect() and shutdown() on a listening socket: EINVAL and ENOTCONN by default; Linux's
// EISCONN, and shutdown() that returns 0 and, for SHUT_RD, stops the listener.
#include <sys/socket.h>

#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

class ListenerCallsTest : public StackTest {
 protected:
  void linux_calls() {
    StackConfig cfg = test_config();
    cfg.connect_on_listener_eisconn = true;
    cfg.listener_shutdown_closes = true;
    make(cfg);
  }
};

TEST_F(ListenerCallsTest, ByDefaultConnectIsInvalidAndShutdownNotConnected) {
  const int fd = listener();
  EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINVAL);
  EXPECT_EQ(stack->shutdown(fd, SHUT_WR), -ENOTCONN);
  EXPECT_EQ(stack->shutdown(fd, SHUT_RD), -ENOTCONN);
}

TEST_F(ListenerCallsTest, LinuxConnectSaysAlreadyConnected) {
  linux_calls();
  const int fd = listener();
  EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EISCONN);
}

TEST_F(ListenerCallsTest, LinuxShutdownWriteLeavesTheListenerShutdownReadStopsIt) {
  linux_calls();
  const int fd = listener();
  EXPECT_EQ(stack->shutdown(fd, SHUT_WR), 0);
  auto r = send(from_peer(flag::SYN, kPeerIsn, 0));  // still listening: SYN-ACK
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "S.");
  EXPECT_EQ(stack->shutdown(fd, SHUT_RD), 0);
  for (const auto* t : stack->connections()) EXPECT_EQ(t->state, State::Closed);  // it went with the listener
  r = send(from_peer(flag::SYN, kPeerIsn + 1000, 0, 65535, {}, kPeerPort + 1));  // nobody listens: RST
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "R.");
}

}  // namespace
}  // namespace synack::reference::testing
