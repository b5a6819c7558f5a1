// Linux-profile behaviours of the receive path, the socket calls and the timers measured against
// Linux 6.18 in the second campaign (/tmp/dfk12): shutdown() of a descriptor whose connection
// went to TIME-WAIT, the error a shutdown in SYN-SENT leaves behind, the user timeout after an
// early SYN retry, and the out-of-band urgent byte. Each is checked with its key on and off.
#include <netinet/tcp.h>

#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t P = kPeerIsn + 1;  // peer's first data sequence number
constexpr std::uint32_t L = kIss + 1;      // stack's first data sequence number

class LinuxReceiveTest : public StackTest {
 protected:
  // connect() without an answer yet; returns the descriptor, the SYN's port in `local_port`.
  int start_connect() {
    const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
    auto syn = sent();
    EXPECT_EQ(syn.size(), 1u);
    local_port = syn.at(0).sport;
    return fd;
  }
  // connect() with a 1.5 s TCP_USER_TIMEOUT; at 100 ms a SYN-ACK whose ACK is unacceptable,
  // answered (in `r`) by the stack.
  void connect_then_unacceptable_synack(int& fd, std::vector<net::Segment>& r) {
    fd = stack->socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_EQ(stack->setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, 1500, 0), 0);
    ASSERT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
    auto syn = sent();
    ASSERT_EQ(syn.size(), 1u);
    local_port = syn[0].sport;
    stack->advance_to(100 * kMillis);
    r = send(from_peer(flag::SYN | flag::ACK, kPeerIsn, kIss + 100, 65535, {}, kPeerPort, local_port));
    ASSERT_EQ(r.size(), 1u);
  }
  // Passive open, shutdown(SHUT_WR), the peer's FIN acknowledging ours: TIME-WAIT.
  int to_time_wait() {
    const int fd = passive_open();
    EXPECT_EQ(stack->shutdown(fd, SHUT_WR), 0);
    EXPECT_EQ(sent().size(), 1u);  // our FIN
    stack->advance_to(50 * kMillis);
    send(from_peer(flag::FIN | flag::ACK, P, L + 1));
    EXPECT_EQ(stack->connection(fd)->state, State::TimeWait);
    return fd;
  }
};

// ---- shutdown() after TIME-WAIT (time_wait_fd_reports_close), dfk12 divergence 10 ----

TEST_F(LinuxReceiveTest, LinuxShutdownInTimeWaitIsNotConnected) {
  // inet_shutdown on a socket tcp_time_wait closed (TCP_CLOSE): ENOTCONN.
  make(test_config("linux"));
  const int fd = to_time_wait();
  EXPECT_EQ(stack->shutdown(fd, SHUT_WR), -ENOTCONN);
  EXPECT_EQ(stack->shutdown(fd, SHUT_RDWR), -ENOTCONN);
}

TEST_F(LinuxReceiveTest, RfcShutdownInTimeWaitSucceeds) {
  const int fd = to_time_wait();
  EXPECT_EQ(stack->shutdown(fd, SHUT_WR), 0);
}

// ---- shutdown() in SYN-SENT (shutdown_in_syn_sent_disconnects), dfk12 divergence 21 ----

TEST_F(LinuxReceiveTest, LinuxShutdownInSynSentLeavesEconnresetForTheNextSend) {
  // tcp_disconnect sets sk_err = ECONNRESET: the next send reports it, the one after EPIPE.
  make(test_config("linux"));
  const int fd = start_connect();
  EXPECT_EQ(stack->shutdown(fd, SHUT_WR), 0);
  EXPECT_TRUE(sent().empty());
  EXPECT_EQ(write(fd, 10), -ECONNRESET);
  EXPECT_EQ(write(fd, 10), -EPIPE);
}

TEST_F(LinuxReceiveTest, LinuxShutdownInSynSentErrorIsReadOnceBySoErrorOrRecv) {
  make(test_config("linux"));
  const int fd = start_connect();
  EXPECT_EQ(stack->shutdown(fd, SHUT_RDWR), 0);
  std::int64_t v = -1;
  EXPECT_EQ(stack->getsockopt(fd, SOL_SOCKET, SO_ERROR, v, nullptr), 0);
  EXPECT_EQ(v, ECONNRESET);
  EXPECT_EQ(stack->getsockopt(fd, SOL_SOCKET, SO_ERROR, v, nullptr), 0);
  EXPECT_EQ(v, 0);
  std::int64_t ret = 0;
  read(fd, 10, &ret);
  EXPECT_EQ(ret, -ENOTCONN);

  const int fd2 = start_connect();
  EXPECT_EQ(stack->shutdown(fd2, SHUT_WR), 0);
  read(fd2, 10, &ret);
  EXPECT_EQ(ret, -ECONNRESET);
  read(fd2, 10, &ret);
  EXPECT_EQ(ret, -ENOTCONN);
}

TEST_F(LinuxReceiveTest, LinuxConnectAfterShutdownInSynSentClearsTheError) {
  make(test_config("linux"));
  const int fd = start_connect();
  EXPECT_EQ(stack->shutdown(fd, SHUT_WR), 0);
  EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  std::int64_t v = -1;
  EXPECT_EQ(stack->getsockopt(fd, SOL_SOCKET, SO_ERROR, v, nullptr), 0);
  EXPECT_EQ(v, 0);
}

TEST_F(LinuxReceiveTest, RfcShutdownInSynSentIsNotConnected) {
  const int fd = start_connect();
  EXPECT_EQ(stack->shutdown(fd, SHUT_WR), -ENOTCONN);
  EXPECT_EQ(state_of(fd), State::SynSent);
  EXPECT_EQ(write(fd, 10), -EAGAIN);
}

// ---- TCP_USER_TIMEOUT after the early SYN retry (syn_unacceptable_ack_retry) ----

TEST_F(LinuxReceiveTest, LinuxUserTimeoutCountsFromTheSynNotFromTheEarlyRetry) {
  // SYN at 0, an unacceptable SYN-ACK at 100 ms: RST, the SYN again at 108 ms. The user timeout
  // (1.5 s) runs from the first SYN (Linux retrans_stamp): the next retry at 1.108 s, the end
  // at 1.5 s, not one RTO early (0.608 s).
  make(test_config("linux"));
  int fd = -1;
  std::vector<net::Segment> r;
  ASSERT_NO_FATAL_FAILURE(connect_then_unacceptable_synack(fd, r));
  EXPECT_EQ(flags_of(r[0]), "R");
  auto e = run_until(108 * kMillis);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(flags_of(e[0].segment), "S");
  e = run_until(1499 * kMillis);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].time, 1108 * kMillis);
  EXPECT_EQ(state_of(fd), State::SynSent);
  run_until(1500 * kMillis);
  EXPECT_EQ(state_of(fd), State::Closed);
  std::int64_t ret = 0;
  read(fd, 10, &ret);
  EXPECT_EQ(ret, -ETIMEDOUT);
}

TEST_F(LinuxReceiveTest, RfcUserTimeoutInSynSentWithoutEarlyRetry) {
  // No early retry: the SYN again after the full RTO (1 s), the end at 1.5 s.
  int fd = -1;
  std::vector<net::Segment> r;
  ASSERT_NO_FATAL_FAILURE(connect_then_unacceptable_synack(fd, r));
  auto e = run_until(1499 * kMillis);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].time, 1000 * kMillis);
  EXPECT_EQ(state_of(fd), State::SynSent);
  run_until(1500 * kMillis);
  EXPECT_EQ(state_of(fd), State::Closed);
}

// ---- urgent_oob_byte, part-A #13 ----

class LinuxUrgentTest : public LinuxReceiveTest {
 protected:
  // 100 bytes 'a'.. with URG, pointer 100: the urgent byte is the 100th (stream byte 99).
  void urgent_segment() {
    net::Segment s = from_peer(flag::PSH | flag::ACK | flag::URG, P, L, 65535, bytes(100));
    s.urgent = 100;
    send(s);
  }
};

TEST_F(LinuxUrgentTest, LinuxReadStopsAtTheMarkThenSkipsTheUrgentByte) {
  // Measured (work-R/u1.pkt on Linux 6.18): recv(200) = 99, recv(200) = EAGAIN, then the next
  // 100 bytes come without the urgent byte.
  make(test_config("linux"));
  const int fd = passive_open();
  urgent_segment();
  std::int64_t ret = 0;
  auto got = read(fd, 200, &ret);
  EXPECT_EQ(ret, 99);
  read(fd, 200, &ret);
  EXPECT_EQ(ret, -EAGAIN);
  send(from_peer(flag::PSH | flag::ACK, P + 100, L, 65535, bytes(100, 'A')));
  got = read(fd, 200, &ret);
  ASSERT_EQ(ret, 100);
  EXPECT_EQ(got[0], 'A');
}

TEST_F(LinuxUrgentTest, LinuxReadAtTheMarkSkipsTheByteAndGoesOn) {
  make(test_config("linux"));
  const int fd = passive_open();
  urgent_segment();
  send(from_peer(flag::PSH | flag::ACK, P + 100, L, 65535, bytes(100, 'A')));
  std::int64_t ret = 0;
  read(fd, 99, &ret);
  EXPECT_EQ(ret, 99);
  auto got = read(fd, 300, &ret);
  ASSERT_EQ(ret, 100);
  EXPECT_EQ(got[0], 'A');
}

TEST_F(LinuxUrgentTest, LinuxWithOobInlineTheByteStaysButTheReadStillStopsAtTheMark) {
  make(test_config("linux"));
  const int fd = passive_open();
  EXPECT_EQ(stack->setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, 1, 0), 0);
  urgent_segment();
  std::int64_t ret = 0;
  read(fd, 200, &ret);
  EXPECT_EQ(ret, 99);
  auto got = read(fd, 200, &ret);
  ASSERT_EQ(ret, 1);
  EXPECT_EQ(got[0], bytes(100)[99]);
}

TEST_F(LinuxUrgentTest, RfcUrgentDataStaysInline) {
  const int fd = passive_open();
  urgent_segment();
  std::int64_t ret = 0;
  auto got = read(fd, 200, &ret);
  ASSERT_EQ(ret, 100);
  EXPECT_EQ(got, bytes(100));
}

// ---- connect_reports_failure, dfk12 divergences 4 and 12 ----

class LinuxConnectFailureTest : public LinuxReceiveTest {
 protected:
  // A connect() refused by the peer's RST: the descriptor's connection is CLOSED.
  int refused() {
    const int fd = start_connect();
    send(to_active(flag::RST | flag::ACK, 0, L));
    EXPECT_EQ(state_of(fd), State::Closed);
    return fd;
  }
};

TEST_F(LinuxConnectFailureTest, LinuxNextConnectReportsTheErrorThenStartsAfresh) {
  make(test_config("linux"));
  const int fd = refused();
  EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -ECONNREFUSED);
  EXPECT_TRUE(sent().empty());
  EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  EXPECT_EQ(sent().size(), 1u);
}

TEST_F(LinuxConnectFailureTest, LinuxErrorReadBeforeGivesEconnaborted) {
  make(test_config("linux"));
  const int fd = refused();
  std::int64_t v = 0;
  EXPECT_EQ(stack->getsockopt(fd, SOL_SOCKET, SO_ERROR, v, nullptr), 0);
  EXPECT_EQ(v, ECONNREFUSED);
  EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -ECONNABORTED);
  EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
}

TEST_F(LinuxConnectFailureTest, LinuxListenAfterBindIsInvalidUntilConnectReported) {
  make(test_config("linux"));
  const int fd = refused();
  EXPECT_EQ(stack->bind(fd, net::IpAddress::v4(0, 0, 0, 0), 9000), 0);
  EXPECT_EQ(stack->listen(fd, 1), -EINVAL);
  EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -ECONNREFUSED);
  EXPECT_EQ(stack->listen(fd, 1), 0);
}

TEST_F(LinuxConnectFailureTest, RfcRefusedSocketConnectsAgainAtOnce) {
  const int fd = refused();
  EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  EXPECT_EQ(sent().size(), 1u);
}

// ---- delayed_ack_before_data: only accepted text counts, dfk12 divergence 16 ----

TEST_F(LinuxReceiveTest, LinuxFinAfterOnlyRefusedTextIsAckedAtTheNextTick) {
  // An out-of-window segment with text (answered, not taken) leaves Linux's ato at 0: the
  // FIN that follows is ACKed at the next tick, not after the delayed-ACK time.
  StackConfig c = test_config("linux");
  make(c);
  const int fd = passive_open();
  EXPECT_EQ(send(from_peer(flag::ACK, P + 200000, L, 65535, bytes(100))).size(), 1u);
  EXPECT_TRUE(send(from_peer(flag::FIN | flag::ACK, P, L)).empty());
  EXPECT_EQ(state_of(fd), State::CloseWait);
  auto e = run_until(c.delayed_ack_before_data);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_SEGMENT(e[0].segment, ".", L, P + 1);
}

TEST_F(LinuxReceiveTest, LinuxFinAfterAcceptedTextWaitsTheDelayedAckTime) {
  StackConfig c = test_config("linux");
  make(c);
  passive_open();
  send(from_peer(flag::PSH | flag::ACK, P, L, 65535, bytes(100)));
  run_until(c.delayed_ack);  // the text's ACK
  EXPECT_TRUE(send(from_peer(flag::FIN | flag::ACK, P + 100, L)).empty());
  EXPECT_TRUE(run_until(c.delayed_ack + c.delayed_ack_before_data).empty());
  auto e = run_until(2 * c.delayed_ack);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].time, 2 * c.delayed_ack);
}

// ---- slow_start_per_segment, dfk12 divergence 5 ----

class LinuxSlowStartTest : public LinuxReceiveTest {
 protected:
  // A full initial window of 536-byte segments, then one ACK for the first two: how many new
  // segments that ACK releases.
  std::size_t released_by_ack_of_two(bool key) {
    StackConfig c = test_config("linux");
    c.slow_start_per_segment = key;
    make(c);
    const int fd = passive_open();
    EXPECT_EQ(write(fd, 30 * 536), 30 * 536);
    const std::size_t first = sent().size();
    EXPECT_GE(first, 2u);
    stack->advance_to(100 * kMillis);
    return send(from_peer(flag::ACK, P, L + 2 * 536)).size();
  }
};

TEST_F(LinuxSlowStartTest, LinuxAckOfTwoSegmentsGrowsCwndByTwo) {
  // Two acknowledged, cwnd + 2: four new segments.
  EXPECT_EQ(released_by_ack_of_two(true), 4u);
}

TEST_F(LinuxSlowStartTest, KeyOffAckGrowsCwndByOneSmss) {
  // RFC 5681 3.1: cwnd + min(N, SMSS): three new segments.
  EXPECT_EQ(released_by_ack_of_two(false), 3u);
}

}  // namespace
}  // namespace synack::reference::testing
