// Linux-profile keys for output and the socket calls (config.h, "Measured with synack diff
// --fuzz"): each is tested on, and off as the rfc profile has it. The stack's MSS toward the peer
// is 536 (the peer's SYN-ACK carries no MSS option).
#include <netinet/tcp.h>
#include <poll.h>

#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t L = kIss + 1;      // stack's first data sequence number
constexpr std::uint32_t P = kPeerIsn + 1;  // peer's first data sequence number
constexpr std::uint32_t kMss = 536;

StackConfig with(void (*set)(StackConfig&)) {
  StackConfig c = test_config();
  set(c);
  return c;
}

std::int64_t tcpi_state(Stack& stack, int fd) {
  TcpInfo info;
  EXPECT_EQ(stack.tcp_info(fd, info), 0);
  for (const auto& [name, value] : info.fields) {
    if (std::string_view(name) == "tcpi_state") return value;
  }
  ADD_FAILURE() << "no tcpi_state";
  return -1;
}

std::vector<net::Segment> segments(const std::vector<Emitted>& emitted) {
  std::vector<net::Segment> out;
  for (const auto& e : emitted) out.push_back(e.segment);
  return out;
}

// ---- psh_at_write_end ----

class LinuxOutputTest : public StackTest {
 protected:
  // Active open, two writes of 500 bytes, each sent at once with PSH; returns what the first
  // RTO retransmitted. psh_at_write_end keeps the PSH of the first write (Linux keeps it in the
  // skb); without it the segment does not empty the buffer, so no PSH.
  net::Segment first_retransmission_after_two_writes(int* fd_out = nullptr) {
    const int fd = active_open();
    if (fd_out) *fd_out = fd;
    EXPECT_EQ(stack->setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1), 0);
    EXPECT_EQ(write(fd, 500), 500);
    EXPECT_EQ(write(fd, 500), 500);
    auto first = sent();
    EXPECT_EQ(first.size(), 2u);
    if (first.size() == 2) {
      EXPECT_SEGMENT(first[0], "P.", L, P);
      EXPECT_SEGMENT(first[1], "P.", L + 500, P);
    }
    auto r = run_until(stack->now() + 1500 * kMillis);
    EXPECT_FALSE(r.empty());
    return r.empty() ? net::Segment{} : r[0].segment;
  }
};

TEST_F(LinuxOutputTest, RetransmissionKeepsPshOfWriteEnd) {
  make(with([](StackConfig& c) { c.psh_at_write_end = true; }));
  const net::Segment r = first_retransmission_after_two_writes();
  EXPECT_SEGMENT(r, "P.", L, P);
  EXPECT_EQ(r.payload.size(), 500u);
}

TEST_F(LinuxOutputTest, RfcRetransmissionSetsPshOnlyWhenBufferEmpties) {
  const net::Segment r = first_retransmission_after_two_writes();
  EXPECT_SEGMENT(r, ".", L, P);
  EXPECT_EQ(r.payload.size(), kMss);  // one MSS, across the writes
}

TEST_F(LinuxOutputTest, WriteJoiningUnsentDataMovesItsPushMark) {
  make(with([](StackConfig& c) { c.psh_at_write_end = true; }));
  const int fd = active_open();
  EXPECT_EQ(write(fd, 100), 100);  // sent at once
  EXPECT_EQ(write(fd, 100), 100);  // Nagle holds it
  EXPECT_EQ(write(fd, 100), 100);  // joins the unsent tail: the mark moves to its end
  EXPECT_EQ(sent().size(), 1u);
  const Tcb* tcb = stack->connection(fd);
  ASSERT_NE(tcb, nullptr);
  EXPECT_EQ(tcb->push_marks, (std::vector<std::uint32_t>{L + 100, L + 300}));
  auto r = send(to_active(flag::ACK, P, L + 100));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "P.", L + 100, P);
  EXPECT_EQ(r[0].payload.size(), 200u);
}

TEST_F(LinuxOutputTest, RetransmissionEndsAtAWriteEndWithinOneMss) {
  make(with([](StackConfig& c) { c.psh_at_write_end = true; }));
  const int fd = active_open();
  EXPECT_EQ(stack->setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1), 0);
  EXPECT_EQ(write(fd, 300), 300);
  EXPECT_EQ(write(fd, 300), 300);  // one MSS (536) would end inside the second write
  EXPECT_EQ(sent().size(), 2u);
  auto r = run_until(stack->now() + 1500 * kMillis);
  ASSERT_FALSE(r.empty());
  EXPECT_SEGMENT(r[0].segment, "P.", L, P);
  EXPECT_EQ(r[0].segment.payload.size(), 300u);
}

// ---- push_chunk_segments ----

TEST_F(LinuxOutputTest, GsoBurstEndsWithPsh) {
  make(with([](StackConfig& c) {
    c.psh_at_write_end = true;
    c.push_chunk_segments = 2;
  }));
  const int fd = active_open();
  EXPECT_EQ(write(fd, 3 * kMss), 3 * kMss);
  auto r = sent();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_SEGMENT(r[0], ".", L, P);
  EXPECT_SEGMENT(r[1], "P.", L + kMss, P);      // end of a 2-segment burst
  EXPECT_SEGMENT(r[2], "P.", L + 2 * kMss, P);  // end of the write
}

TEST_F(LinuxOutputTest, RfcMultiSegmentWritePushesOnlyItsLastSegment) {
  const int fd = active_open();
  EXPECT_EQ(write(fd, 3 * kMss), 3 * kMss);
  auto r = sent();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_SEGMENT(r[0], ".", L, P);
  EXPECT_SEGMENT(r[1], ".", L + kMss, P);
  EXPECT_SEGMENT(r[2], "P.", L + 2 * kMss, P);
}

TEST_F(LinuxOutputTest, GsoBurstPshIsNotKeptOnRetransmission) {
  make(with([](StackConfig& c) {
    c.psh_at_write_end = true;
    c.push_chunk_segments = 2;
  }));
  const int fd = active_open();
  EXPECT_EQ(write(fd, 3 * kMss), 3 * kMss);
  ASSERT_EQ(sent().size(), 3u);
  // The peer acknowledges the first segment only; the RTO resends the second, whose PSH came
  // from the burst, not from a write.
  EXPECT_TRUE(send(to_active(flag::ACK, P, L + kMss)).empty());
  auto r = run_until(stack->now() + 1500 * kMillis);
  ASSERT_FALSE(r.empty());
  EXPECT_SEGMENT(r[0].segment, ".", L + kMss, P);
}

// ---- shutdown_in_syn_sent_disconnects ----

TEST_F(LinuxOutputTest, ShutdownInSynSentDisconnectsSilently) {
  make(with([](StackConfig& c) { c.shutdown_in_syn_sent_disconnects = true; }));
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  const std::uint16_t port = sent().at(0).sport;
  EXPECT_EQ(stack->shutdown(fd, SHUT_WR), 0);
  EXPECT_TRUE(sent().empty());
  EXPECT_EQ(stack->connection(fd), nullptr);
  EXPECT_EQ(tcpi_state(*stack, fd), 7);               // TCP_CLOSE
  EXPECT_TRUE(run_until(10 * kMicrosPerSecond).empty());  // no SYN retransmission
  // The peer's SYN-ACK finds no connection: RST <SEQ=SEG.ACK>.
  auto r = send(from_peer(flag::SYN | flag::ACK, kPeerIsn, L, 65535, {}, kPeerPort, port));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "R", L, 0);
  // The socket may connect again.
  EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  ASSERT_EQ(sent().size(), 1u);
}

TEST_F(LinuxOutputTest, RfcShutdownInSynSentIsNotConnected) {
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  sent();
  EXPECT_EQ(stack->shutdown(fd, SHUT_WR), -ENOTCONN);
  EXPECT_EQ(state_of(fd), State::SynSent);
  auto r = run_until(2 * kMicrosPerSecond);
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(flags_of(r[0].segment), "S");
}

// ---- shutdown_in_syn_received_deferred ----

// connect(), then the peer's bare SYN: simultaneous open, SYN-RECEIVED with a descriptor.
int simultaneous_open(StackTest& t, std::unique_ptr<Stack>& stack, std::uint16_t peer_win,
                      std::uint16_t* port) {
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  auto syn = stack->take_output();
  EXPECT_EQ(syn.size(), 1u);
  *port = syn.at(0).segment.sport;
  stack->segment_arrives(from_peer(flag::SYN, kPeerIsn, 0, peer_win, {}, kPeerPort, *port));
  auto r = stack->take_output();
  EXPECT_EQ(r.size(), 1u);
  if (!r.empty()) {
    EXPECT_EQ(flags_of(r[0].segment), "S.");
  }
  (void)t;
  return fd;
}

TEST_F(LinuxOutputTest, ShutdownInSynReceivedSendsNoFin) {
  make(with([](StackConfig& c) { c.shutdown_in_syn_received_deferred = true; }));
  std::uint16_t port = 0;
  const int fd = simultaneous_open(*this, stack, 65535, &port);
  EXPECT_EQ(stack->shutdown(fd, SHUT_WR), 0);
  EXPECT_TRUE(sent().empty());
  EXPECT_EQ(state_of(fd), State::SynReceived);
  // send() waits for the handshake before it looks at the shutdown (sk_stream_wait_connect
  // first): EAGAIN on a non-blocking socket (measured: campaign dfk14 #4).
  EXPECT_EQ(stack->write(fd, bytes(10), 0), -EAGAIN);
  // The shutdown takes effect once the handshake completes (measured on Linux 6.18).
  local_port = port;
  auto r = send(to_active(flag::ACK, P, L));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "F.", L, P);
  EXPECT_EQ(state_of(fd), State::FinWait1);
}

TEST_F(LinuxOutputTest, SmallMssWriteGoesAsOneBurst) {
  make(with([](StackConfig& c) {
    c.psh_at_write_end = true;
    c.push_chunk_segments = 2;
  }));
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  local_port = sent().at(0).sport;
  net::Segment synack = to_active(flag::SYN | flag::ACK, kPeerIsn, L);
  synack.options.push_back(net::TcpOption::mss(500));
  ASSERT_EQ(send(synack).size(), 1u);
  EXPECT_EQ(write(fd, 1500), 1500);
  auto r = sent();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(flags_of(r[0]), ".");
  EXPECT_EQ(flags_of(r[1]), ".");
  EXPECT_EQ(flags_of(r[2]), "P.");
}

TEST_F(LinuxOutputTest, RfcShutdownInSynReceivedSendsFin) {
  std::uint16_t port = 0;
  const int fd = simultaneous_open(*this, stack, 65535, &port);
  EXPECT_EQ(stack->shutdown(fd, SHUT_WR), 0);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "F.", L, P);
  EXPECT_EQ(state_of(fd), State::FinWait1);
}

// ---- retransmit_first (every profile) ----

class UnackedSynTest : public StackTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(UnackedSynTest, SynAckIsRetransmittedBeforeTheFinInFinWait1) {
  StackConfig c = test_config(GetParam());
  make(c);
  std::uint16_t port = 0;
  const int fd = simultaneous_open(*this, stack, 65535, &port);
  EXPECT_EQ(stack->close(fd), 0);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "F.", L, P);
  // Nothing acknowledges our SYN: the timeout resends the SYN-ACK, not the FIN.
  auto rtx = run_until(stack->now() + 5 * kMicrosPerSecond);
  ASSERT_FALSE(rtx.empty());
  EXPECT_SEGMENT(rtx[0].segment, "S.", kIss, P);
}

INSTANTIATE_TEST_SUITE_P(Profiles, UnackedSynTest, ::testing::Values("rfc", "linux", "freebsd"));

// ---- rst_acceptable_seq ----

TEST_F(LinuxOutputTest, AbortRstUsesRightEdgeOfPeersWindow) {
  make(with([](StackConfig& c) { c.rst_acceptable_seq = true; }));
  std::uint16_t port = 0;
  const int fd = simultaneous_open(*this, stack, 0, &port);  // the peer's SYN: window 0
  ASSERT_EQ(stack->setsockopt(fd, SOL_SOCKET, SO_LINGER, 1, 0), 0);
  EXPECT_EQ(stack->close(fd), 0);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].has(flag::RST));
  EXPECT_EQ(r[0].seq, kIss);  // SND.UNA + SND.WND: SND.NXT (ISS+1) lies beyond it
}

TEST_F(LinuxOutputTest, RfcAbortRstUsesSndNxt) {
  std::uint16_t port = 0;
  const int fd = simultaneous_open(*this, stack, 0, &port);
  ASSERT_EQ(stack->setsockopt(fd, SOL_SOCKET, SO_LINGER, 1, 0), 0);
  EXPECT_EQ(stack->close(fd), 0);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].has(flag::RST));
  EXPECT_EQ(r[0].seq, kIss + 1);
}

TEST_F(LinuxOutputTest, AckUsesRightEdgeWhenTheWindowShrankBelowSndNxt) {
  make(with([](StackConfig& c) { c.rst_acceptable_seq = true; }));
  const int fd = active_open();
  EXPECT_EQ(write(fd, 100), 100);
  ASSERT_EQ(sent().size(), 1u);
  // The peer acknowledges nothing and closes its window: SND.UNA + SND.WND = L < SND.NXT.
  EXPECT_TRUE(send(to_active(flag::ACK, P, L, 0)).empty());
  auto r = send(to_active(flag::ACK, P + 100000, L, 0));  // unacceptable: draws an ACK
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
}

// ---- time_wait_fd_reports_close ----

// Active open, shutdown, FIN exchange: the connection is in TIME-WAIT, its descriptor open.
int to_time_wait(StackTest& t, Stack& stack, int fd, std::uint16_t port) {
  EXPECT_EQ(stack.shutdown(fd, SHUT_WR), 0);
  stack.take_output();
  stack.segment_arrives(from_peer(flag::FIN | flag::ACK, P, L + 1, 65535, {}, kPeerPort, port));
  stack.take_output();
  (void)t;
  return fd;
}

TEST_F(LinuxOutputTest, TimeWaitDescriptorReportsClose) {
  make(with([](StackConfig& c) { c.time_wait_fd_reports_close = true; }));
  const int open_fd = active_open();
  const int fd = to_time_wait(*this, *stack, open_fd, local_port);
  ASSERT_NE(stack->connection(fd), nullptr);
  EXPECT_EQ(stack->connection(fd)->state, State::TimeWait);  // the pair stays in TIME-WAIT
  EXPECT_EQ(tcpi_state(*stack, fd), 7);
  EXPECT_TRUE(stack->poll_events(fd, POLLOUT) & POLLOUT);
}

TEST_F(LinuxOutputTest, RfcTimeWaitDescriptorReportsTimeWait) {
  const int open_fd = active_open();
  const int fd = to_time_wait(*this, *stack, open_fd, local_port);
  EXPECT_EQ(tcpi_state(*stack, fd), 6);
  EXPECT_FALSE(stack->poll_events(fd, POLLOUT) & POLLOUT);
}

// ---- failed_connect_unbinds ----

int refused_connect(Stack& stack) {
  const int fd = stack.socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(stack.connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  const std::uint16_t port = stack.take_output().at(0).segment.sport;
  stack.segment_arrives(from_peer(flag::RST | flag::ACK, 0, L, 0, {}, kPeerPort, port));
  EXPECT_EQ(stack.connect_status(fd), -ECONNREFUSED);
  return fd;
}

TEST_F(LinuxOutputTest, FailedConnectReleasesItsPort) {
  make(with([](StackConfig& c) { c.failed_connect_unbinds = true; }));
  const int fd = refused_connect(*stack);
  EXPECT_EQ(stack->bind(fd, net::IpAddress::v4(0, 0, 0, 0), 9000), 0);
  EXPECT_EQ(stack->listen(fd, 4), 0);
}

TEST_F(LinuxOutputTest, FailedConnectOnBoundSocketKeepsItsPort) {
  make(with([](StackConfig& c) { c.failed_connect_unbinds = true; }));
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(stack->bind(fd, net::IpAddress::v4(0, 0, 0, 0), 9001), 0);
  ASSERT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  sent();
  stack->segment_arrives(from_peer(flag::RST | flag::ACK, 0, L, 0, {}, kPeerPort, 9001));
  EXPECT_EQ(stack->bind(fd, net::IpAddress::v4(0, 0, 0, 0), 9000), -EINVAL);
}

TEST_F(LinuxOutputTest, RfcFailedConnectKeepsItsPort) {
  const int fd = refused_connect(*stack);
  EXPECT_EQ(stack->bind(fd, net::IpAddress::v4(0, 0, 0, 0), 9000), -EINVAL);
}

// ---- sender_sws_minshall_only ----

// One write of two segments into a window of 700 bytes: one full segment fits, and 164 more.
std::vector<net::Segment> window_limited_write(StackTest& t, Stack& stack, int fd) {
  (void)t;
  const auto b = bytes(2 * kMss);
  EXPECT_EQ(stack.write(fd, b, 0), static_cast<std::int64_t>(2 * kMss));
  return segments(stack.take_output());
}

TEST_F(LinuxOutputTest, WindowLimitedPieceOfALongWriteIsSent) {
  make(with([](StackConfig& c) {
    c.sender_sws_minshall_only = true;
    c.nagle = NagleMode::Minshall;
  }));
  const int fd = active_open(700);
  auto r = window_limited_write(*this, *stack, fd);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].payload.size(), kMss);
  EXPECT_EQ(r[1].seq, L + kMss);
  EXPECT_EQ(r[1].payload.size(), 700 - kMss);
  // The rest waits: a small segment is unacknowledged (Minshall), though the window now opens.
  EXPECT_TRUE(send(to_active(flag::ACK, P, L + kMss, 1000)).empty());
}

TEST_F(LinuxOutputTest, RfcWindowLimitedPieceWaits) {
  const int fd = active_open(700);
  auto r = window_limited_write(*this, *stack, fd);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].payload.size(), kMss);
}

TEST_F(LinuxOutputTest, WriteOfOneSegmentIsNotSplitToTheWindow) {
  make(with([](StackConfig& c) { c.sender_sws_minshall_only = true; }));
  const int fd = active_open(700);
  EXPECT_EQ(write(fd, kMss), kMss);
  EXPECT_EQ(sent().size(), 1u);
  EXPECT_EQ(write(fd, kMss), kMss);  // an skb of one MSS: Linux sends it only whole
  EXPECT_TRUE(sent().empty());
}

}  // namespace
}  // namespace synack::reference::testing

namespace synack::reference::testing {
namespace {

// ---- reset_keeps_accept_queue ----

class AcceptQueueTest : public StackTest {
 protected:
  // A connection from peer port `sport` completes the handshake and waits in the accept queue.
  void queue_connection(std::uint16_t sport) {
    ASSERT_EQ(send(from_peer(flag::SYN, kPeerIsn, 0, 65535, {}, sport)).size(), 1u);
    ASSERT_TRUE(send(from_peer(flag::ACK, P, L, 65535, {}, sport)).empty());
  }
};

TEST_F(AcceptQueueTest, ResetConnectionIsStillAccepted) {
  make(with([](StackConfig& c) { c.reset_keeps_accept_queue = true; }));
  const int l = listener();
  queue_connection(kPeerPort);
  send(from_peer(flag::ACK | flag::PSH | flag::FIN, P, L, 65535, bytes(100)));  // CLOSE-WAIT
  EXPECT_TRUE(send(from_peer(flag::RST, P + 101, 0)).empty());
  EXPECT_TRUE(stack->poll_events(l, POLLIN) & POLLIN);
  const int fd = stack->accept(l);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(tcpi_state(*stack, fd), 7);
  std::int64_t err = 0;
  ASSERT_EQ(stack->getsockopt(fd, SOL_SOCKET, SO_ERROR, err, nullptr), 0);
  EXPECT_EQ(err, EPIPE);  // reset in CLOSE-WAIT
  std::int64_t r = 0;
  EXPECT_EQ(read(fd, 1000, &r), bytes(100));
  read(fd, 1000, &r);
  EXPECT_EQ(r, 0);
  EXPECT_EQ(stack->accept(l), -EAGAIN);
  EXPECT_EQ(stack->close(fd), 0);
  EXPECT_TRUE(stack->connections().empty());
}

TEST_F(AcceptQueueTest, ResetConnectionKeepsItsPlaceInTheQueue) {
  make(with([](StackConfig& c) { c.reset_keeps_accept_queue = true; }));
  const int l = listener();
  queue_connection(kPeerPort);
  queue_connection(kPeerPort + 1);
  queue_connection(kPeerPort + 2);
  // The first and the second are reset; they still come out in order, with ECONNRESET.
  EXPECT_TRUE(send(from_peer(flag::RST, P, 0, 0, {}, kPeerPort + 1)).empty());
  EXPECT_TRUE(send(from_peer(flag::RST, P, 0, 0, {}, kPeerPort)).empty());
  Endpoint peer;
  for (std::uint16_t i = 0; i < 3; ++i) {
    const int fd = stack->accept(l, &peer);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(peer.port, kPeerPort + i);
    EXPECT_EQ(state_of(fd), i < 2 ? State::Closed : State::Established);
  }
  EXPECT_EQ(stack->accept(l), -EAGAIN);
}

TEST_F(AcceptQueueTest, ClosingTheListenerFreesResetConnections) {
  make(with([](StackConfig& c) { c.reset_keeps_accept_queue = true; }));
  const int l = listener();
  queue_connection(kPeerPort);
  EXPECT_TRUE(send(from_peer(flag::RST, P, 0)).empty());
  EXPECT_EQ(stack->connections().size(), 1u);
  EXPECT_EQ(stack->close(l), 0);
  EXPECT_TRUE(stack->connections().empty());
}

TEST_F(AcceptQueueTest, RfcResetConnectionLeavesTheQueue) {
  const int l = listener();
  queue_connection(kPeerPort);
  EXPECT_TRUE(send(from_peer(flag::RST, P, 0)).empty());
  EXPECT_EQ(stack->accept(l), -EAGAIN);
  EXPECT_TRUE(stack->connections().empty());
}

}  // namespace
}  // namespace synack::reference::testing
