// RFC 9293 §3.8.3 SHLD-9: when retransmissions reach R1 the user is told of the delivery problem
// (report_r1), as a soft error on request or, with IP_RECVERR, at once; the connection goes on.
#include <netinet/in.h>
#include <sys/socket.h>

#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t P = kPeerIsn + 1;
constexpr std::uint32_t L = kIss + 1;

class R1Test : public StackTest {
 protected:
  // Sends 100 octets and lets `n` retransmissions of them happen; returns the descriptor.
  int retransmit(int n, bool recverr = false) {
    const int fd = passive_open();
    if (recverr) {
      EXPECT_EQ(stack->setsockopt(fd, SOL_IP, IP_RECVERR, 1, 0), 0);
    }
    EXPECT_EQ(write(fd, 100), 100);
    sent();
    int seen = 0;
    for (Micros t = stack->now(); seen < n && t < 600 * kMicrosPerSecond;) {
      t += 100 * kMillis;
      for (const auto& e : run_until(t))
        if (e.segment.payload.size() == 100) ++seen;
    }
    EXPECT_EQ(seen, n);
    return fd;
  }
  std::int64_t so_error(int fd) {
    std::int64_t v = -1;
    EXPECT_EQ(stack->getsockopt(fd, SOL_SOCKET, SO_ERROR, v, nullptr), 0);
    return v;
  }
};

TEST_F(R1Test, NothingBeforeR1) {
  const int fd = retransmit(2);
  EXPECT_EQ(so_error(fd), 0);
}

TEST_F(R1Test, R1ReportedOnRequestAndTheConnectionGoesOn) {
  const int fd = retransmit(3);
  EXPECT_EQ(so_error(fd), ETIMEDOUT);
  EXPECT_EQ(so_error(fd), 0);  // reported once
  EXPECT_EQ(state_of(fd), State::Established);
  send(from_peer(flag::ACK, P, L + 100));
  EXPECT_EQ(state_of(fd), State::Established);
  EXPECT_EQ(write(fd, 10), 10);
}

TEST_F(R1Test, WithRecverrTheNextCallFailsWithIt) {
  const int fd = retransmit(3, true);
  std::int64_t r = 0;
  read(fd, 10, &r);
  EXPECT_EQ(r, -ETIMEDOUT);
  EXPECT_EQ(state_of(fd), State::Established);
}

TEST_F(R1Test, LinuxProfileReportsNothing) {
  make(test_config("linux"));
  const int fd = retransmit(4);
  EXPECT_EQ(so_error(fd), 0);
}

}  // namespace
}  // namespace synack::reference::testing
