// ESTABLISHED: data both ways, acknowledgments, windows, retransmission, probes.
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>

#include "targets/reference/options.h"
#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t P = kPeerIsn + 1;  // peer's first data sequence number
constexpr std::uint32_t L = kIss + 1;      // stack's first data sequence number

// ---- receiving ----

TEST_F(StackTest, InOrderDataIsDeliveredAndAckDelayed) {
  const int fd = passive_open();
  auto r = send(from_peer(flag::ACK | flag::PSH, P, L, 65535, bytes(100)));
  EXPECT_TRUE(r.empty());  // rfc profile: no quickack, ACK delayed
  auto t = run_until(1 * kMicrosPerSecond);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].time, 200 * kMillis);
  EXPECT_SEGMENT(t[0].segment, ".", L, P + 100);
  EXPECT_EQ(read(fd, 1000), bytes(100));
}

TEST_F(StackTest, SecondFullSegmentIsAckedAtOnce) {
  passive_open();
  EXPECT_TRUE(send(from_peer(flag::ACK, P, L, 65535, bytes(1000))).empty());
  auto r = send(from_peer(flag::ACK, P + 1000, L, 65535, bytes(1000)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 2000);
}

TEST_F(StackTest, LinuxQuickackAcksEarlySegmentsAtOnce) {
  make(test_config("linux"));
  passive_open();
  auto r = send(from_peer(flag::ACK | flag::PSH, P, L, 65535, bytes(10)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 10);
}

TEST_F(StackTest, SegmentBeyondWindowGetsAckAndIsDropped) {
  const int fd = passive_open();
  auto r = send(from_peer(flag::ACK, P + 500000, L, 65535, bytes(10)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
  std::int64_t ret = 0;
  read(fd, 100, &ret);
  EXPECT_EQ(ret, -EAGAIN);
}

TEST_F(StackTest, OldDuplicateGetsAck) {
  passive_open();
  send(from_peer(flag::ACK, P, L, 65535, bytes(10)));
  auto r = send(from_peer(flag::ACK, P, L, 65535, bytes(10)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 10);
}

TEST_F(StackTest, OverlappingSegmentDeliversOnlyNewBytes) {
  const int fd = passive_open();
  send(from_peer(flag::ACK, P, L, 65535, bytes(10, 'a')));
  send(from_peer(flag::ACK, P + 5, L, 65535, bytes(10, 'f')));
  const auto got = read(fd, 100);
  ASSERT_EQ(got.size(), 15u);
  EXPECT_EQ(got, bytes(15, 'a'));
}

TEST_F(StackTest, OutOfOrderDataIsQueuedAndHoleFillAcksAll) {
  const int fd = passive_open();
  const auto all = bytes(200);
  auto r = send(from_peer(flag::ACK, P + 100, L, 65535, {all.begin() + 100, all.end()}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);  // duplicate ACK at once
  std::int64_t ret = 0;
  read(fd, 10, &ret);
  EXPECT_EQ(ret, -EAGAIN);
  r = send(from_peer(flag::ACK, P, L, 65535, {all.begin(), all.begin() + 100}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 200);
  EXPECT_EQ(read(fd, 1000), all);
}

TEST_F(StackTest, SackBlocksDescribeOutOfOrderData) {
  StackConfig c = test_config();
  c.sack = true;
  make(c);
  listener();
  auto syn = from_peer(flag::SYN, kPeerIsn);
  syn.options = {mss_option(1460), sack_permitted_option()};
  send(syn);
  send(from_peer(flag::ACK, P, L));
  auto r = send(from_peer(flag::ACK, P + 100, L, 65535, bytes(50)));
  ASSERT_EQ(r.size(), 1u);
  ASSERT_FALSE(r[0].options.empty());
  const auto& sack = r[0].options.back();
  ASSERT_EQ(sack.kind, net::option_kind::SACK);
  ASSERT_EQ(sack.data.size(), 8u);
  const auto blocks = sack.sack_blocks();
  ASSERT_TRUE(blocks.has_value());
  EXPECT_EQ((*blocks)[0].left, P + 100);
  EXPECT_EQ((*blocks)[0].right, P + 150);
}

TEST_F(StackTest, FirstSackBlockIsTheMostRecentArrival) {
  StackConfig c = test_config();
  c.sack = true;
  make(c);
  listener();
  auto syn = from_peer(flag::SYN, kPeerIsn);
  syn.options = {sack_permitted_option()};
  send(syn);
  send(from_peer(flag::ACK, P, L));
  send(from_peer(flag::ACK, P + 300, L, 65535, bytes(50)));
  auto r = send(from_peer(flag::ACK, P + 100, L, 65535, bytes(50)));
  ASSERT_EQ(r.size(), 1u);
  const auto blocks = r[0].options.back().sack_blocks();
  ASSERT_TRUE(blocks.has_value());
  ASSERT_EQ(blocks->size(), 2u);
  EXPECT_EQ((*blocks)[0].left, P + 100);  // the latest arrival first (RFC 2018 §4)
  EXPECT_EQ((*blocks)[1].left, P + 300);
}

TEST_F(StackTest, ZeroReceiveWindowDropsTextButTakesAck) {
  StackConfig c = test_config();
  c.receive_buffer = 100;
  make(c);
  const int fd = passive_open();
  EXPECT_TRUE(send(from_peer(flag::ACK, P, L, 65535, bytes(100))).empty());
  auto t = run_until(1 * kMicrosPerSecond);  // the delayed ACK shows the closed window
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].segment.window, 0);
  auto r = send(from_peer(flag::ACK, P + 100, L, 65535, bytes(10)));
  ASSERT_EQ(r.size(), 1u);  // zero window: text dropped, ACK sent
  EXPECT_SEGMENT(r[0], ".", L, P + 100);
  EXPECT_EQ(read(fd, 1000).size(), 100u);
  r = sent();  // reading opened the window: a window update
  ASSERT_EQ(r.size(), 1u);
  EXPECT_GT(r[0].window, 0);
}

TEST_F(StackTest, PawsDropsOldTimestamp) {
  StackConfig c = test_config();
  c.timestamps = true;
  make(c);
  const int l = listener();
  auto syn = from_peer(flag::SYN, kPeerIsn);
  syn.options = {mss_option(1460), timestamp_option(1000, 0)};
  send(syn);
  auto ack = from_peer(flag::ACK, P, L);
  ack.options = {timestamp_option(1001, kIss)};
  send(ack);
  const int fd = stack->accept(l);
  auto old = from_peer(flag::ACK, P, L, 65535, bytes(10));
  old.options = {timestamp_option(900, 0)};
  auto r = send(old);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
  EXPECT_EQ(parse_options(r[0]).timestamp->second, 1001u);  // TSecr = TS.Recent
  std::int64_t ret = 0;
  read(fd, 10, &ret);
  EXPECT_EQ(ret, -EAGAIN);
}

// ---- sending ----

TEST_F(StackTest, WriteIsSegmentedAtMssWithPushOnLast) {
  const int fd = passive_open();
  const auto* t = stack->connection(fd);
  ASSERT_EQ(t->snd_mss, 536);
  stack->setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1);  // else Nagle holds the short tail
  EXPECT_EQ(write(fd, 1000), 1000);
  auto r = sent();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_SEGMENT(r[0], ".", L, P);
  EXPECT_EQ(r[0].payload.size(), 536u);
  EXPECT_SEGMENT(r[1], "P.", L + 536, P);
  EXPECT_EQ(r[1].payload.size(), 464u);
  EXPECT_EQ(t->snd_nxt, L + 1000);
}

TEST_F(StackTest, AckRemovesDataAndStopsTimer) {
  const int fd = passive_open();
  write(fd, 100);
  sent();
  const auto* t = stack->connection(fd);
  EXPECT_NE(t->rexmt_at, kNever);
  stack->advance_to(50 * kMillis);
  send(from_peer(flag::ACK, P, L + 100));
  EXPECT_EQ(t->snd_una, L + 100);
  EXPECT_EQ(t->rexmt_at, kNever);
  // RFC 6298 §2.3 on top of the handshake's sample of 0: SRTT = 7/8 * 0 + 1/8 * 50 ms.
  EXPECT_EQ(t->srtt, 50 * kMillis / 8);
}

TEST_F(StackTest, AckOfUnsentDataGetsAckAndIsDropped) {
  const int fd = passive_open();
  write(fd, 10);
  sent();
  auto r = send(from_peer(flag::ACK, P, L + 500));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 10, P);
  EXPECT_EQ(stack->connection(fd)->snd_una, L);
}

TEST_F(StackTest, RetransmissionTimeoutBacksOff) {
  const int fd = passive_open();
  write(fd, 100);
  sent();
  auto r = run_until(4 * kMicrosPerSecond);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].time, 1 * kMicrosPerSecond);
  EXPECT_EQ(r[1].time, 3 * kMicrosPerSecond);
  EXPECT_SEGMENT(r[0].segment, "P.", L, P);
  EXPECT_EQ(r[0].segment.payload.size(), 100u);
  const auto* t = stack->connection(fd);
  EXPECT_EQ(t->total_retrans, 2u);
  // Karn: the ACK of a retransmitted segment gives no RTT sample; the backed-off RTO stays.
  const Micros srtt = t->srtt;
  send(from_peer(flag::ACK, P, L + 100));
  EXPECT_EQ(t->srtt, srtt);
  EXPECT_EQ(t->rto, 4 * kMicrosPerSecond);
}

TEST_F(StackTest, DataRetriesExhaustedTimesOut) {
  StackConfig c = test_config();
  c.data_retries = 2;
  make(c);
  const int fd = passive_open();
  write(fd, 100);
  sent();
  run_until(100 * kMicrosPerSecond);
  EXPECT_EQ(state_of(fd), State::Closed);
  std::int64_t ret = 0;
  read(fd, 10, &ret);
  EXPECT_EQ(ret, -ETIMEDOUT);
}

TEST_F(StackTest, ThirdDuplicateAckTriggersFastRetransmit) {
  const int fd = passive_open();
  stack->setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  write(fd, 536 * 3);
  auto r = sent();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_TRUE(send(from_peer(flag::ACK, P, L)).empty());
  EXPECT_TRUE(send(from_peer(flag::ACK, P, L)).empty());
  r = send(from_peer(flag::ACK, P, L));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].seq, L);
  EXPECT_EQ(r[0].payload.size(), 536u);
}

TEST_F(StackTest, NagleHoldsSmallSegmentWhileDataUnacked) {
  const int fd = passive_open();
  write(fd, 10);
  EXPECT_EQ(sent().size(), 1u);
  write(fd, 10);
  EXPECT_TRUE(sent().empty());
  auto r = send(from_peer(flag::ACK, P, L + 10));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].seq, L + 10);
}

TEST_F(StackTest, LinuxMinshallSendsFirstSmallSegmentWhateverTheIsn) {
  // Regression: the "last small segment" marker must start at ISS, not at sequence number 0.
  for (const std::uint32_t isn : {0x00000010u, 0x90000000u}) {
    StackConfig c = test_config("linux");
    c.fixed_isn = isn;
    make(c);
    const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
    stack->connect(fd, peer_addr(), kPeerPort);
    local_port = sent().at(0).sport;
    send(to_active(flag::SYN | flag::ACK, kPeerIsn, isn + 1));
    EXPECT_EQ(write(fd, 100), 100);
    auto r = sent();
    ASSERT_EQ(r.size(), 1u) << "ISN " << isn;
    EXPECT_SEGMENT(r[0], "P.", isn + 1, kPeerIsn + 1);
    // A second small write waits while the first small segment is unacknowledged.
    EXPECT_EQ(write(fd, 10), 10);
    EXPECT_TRUE(sent().empty());
  }
}

TEST_F(StackTest, NodelaySendsSmallSegmentsAtOnce) {
  const int fd = passive_open();
  stack->setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  write(fd, 10);
  write(fd, 10);
  EXPECT_EQ(sent().size(), 2u);
}

TEST_F(StackTest, ZeroWindowStartsPersistProbes) {
  const int fd = passive_open(0);
  EXPECT_EQ(write(fd, 10), 10);
  EXPECT_TRUE(sent().empty());
  auto r = run_until(1 * kMicrosPerSecond + 1);
  ASSERT_EQ(r.size(), 1u);  // RFC 9293: one octet of new data
  EXPECT_EQ(r[0].segment.seq, L);
  EXPECT_EQ(r[0].segment.payload.size(), 1u);
  // The window opens: the rest goes out.
  auto more = send(from_peer(flag::ACK, P, L + 1, 1000));
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].seq, L + 1);
  EXPECT_EQ(more[0].payload.size(), 9u);
}

TEST_F(StackTest, LinuxZeroWindowProbeIsSeqMinusOne) {
  make(test_config("linux"));
  const int fd = passive_open(0);
  write(fd, 10);
  sent();
  auto r = run_until(200 * kMillis);  // Linux: RTO min 200 ms
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0].segment, ".", L - 1, P);
  EXPECT_TRUE(r[0].segment.payload.empty());
}

TEST_F(StackTest, WriteFillsSendBufferThenEagain) {
  StackConfig c = test_config();
  c.send_buffer = 1000;
  make(c);
  const int fd = passive_open(0);
  EXPECT_EQ(write(fd, 1500), 1000);
  EXPECT_EQ(write(fd, 1), -EAGAIN);
  EXPECT_EQ(stack->poll_events(fd, POLLOUT), 0);
}

// ---- keepalive ----

TEST_F(StackTest, KeepaliveProbeAfterIdleAndResetAfterCount) {
  const int fd = passive_open();
  ASSERT_EQ(stack->setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, 1), 0);
  ASSERT_EQ(stack->setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, 10), 0);
  ASSERT_EQ(stack->setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, 2), 0);
  ASSERT_EQ(stack->setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, 2), 0);
  auto r = run_until(10 * kMicrosPerSecond);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].time, 10 * kMicrosPerSecond);
  EXPECT_SEGMENT(r[0].segment, ".", L - 1, P);  // SEG.SEQ = SND.NXT - 1
  // Answered: the next probe waits a full idle period again.
  send(from_peer(flag::ACK, P, L));
  r = run_until(19 * kMicrosPerSecond);
  EXPECT_TRUE(r.empty());
  r = run_until(30 * kMicrosPerSecond);
  ASSERT_EQ(r.size(), 3u);  // probes at 20 and 22; at 24 the connection is reset
  EXPECT_EQ(r[0].time, 20 * kMicrosPerSecond);
  EXPECT_EQ(r[1].time, 22 * kMicrosPerSecond);
  EXPECT_EQ(flags_of(r[2].segment), "R");
  EXPECT_EQ(r[2].time, 24 * kMicrosPerSecond);
  EXPECT_EQ(state_of(fd), State::Closed);
}

// ---- options and info ----

TEST_F(StackTest, TcpInfoReportsLinuxNumbering) {
  const int fd = passive_open();
  TcpInfo info;
  ASSERT_EQ(stack->tcp_info(fd, info), 0);
  ASSERT_FALSE(info.fields.empty());
  EXPECT_STREQ(info.fields[0].first, "tcpi_state");
  EXPECT_EQ(info.fields[0].second, TCP_ESTABLISHED);
  bool found_mss = false;
  for (auto& [k, v] : info.fields) {
    if (std::string(k) == "tcpi_snd_mss") {
      found_mss = true;
      EXPECT_EQ(v, 536);
    }
  }
  EXPECT_TRUE(found_mss);
}

TEST_F(StackTest, SocketOptionsRoundTripWithLinuxDoubling) {
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  std::int64_t v = 0;
  ASSERT_EQ(stack->setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 10000), 0);
  ASSERT_EQ(stack->getsockopt(fd, SOL_SOCKET, SO_RCVBUF, v, nullptr), 0);
  EXPECT_EQ(v, 20000);
  ASSERT_EQ(stack->getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, v, nullptr), 0);
  EXPECT_EQ(v, 536);
  EXPECT_EQ(stack->setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, 10), -EINVAL);
  EXPECT_EQ(stack->setsockopt(fd, IPPROTO_TCP, 9999, 1), -ENOPROTOOPT);
  EXPECT_EQ(stack->fcntl(fd, F_GETFL, 0), O_RDWR);
  EXPECT_EQ(stack->fcntl(fd, F_SETFL, O_RDWR | O_NONBLOCK), 0);
  EXPECT_TRUE(stack->is_nonblocking(fd));
  EXPECT_EQ(stack->getsockopt(99, SOL_SOCKET, SO_ERROR, v, nullptr), -EBADF);
}

TEST_F(StackTest, DescriptorsAreLowestFreeFromThree) {
  EXPECT_EQ(stack->socket(AF_INET, SOCK_STREAM, 0), 3);
  EXPECT_EQ(stack->socket(AF_INET, SOCK_STREAM, 0), 4);
  EXPECT_EQ(stack->close(3), 0);
  EXPECT_EQ(stack->socket(AF_INET6, SOCK_STREAM, 0), 3);
  EXPECT_EQ(stack->socket(AF_INET, SOCK_DGRAM, 0), -EPROTONOSUPPORT);
}

TEST_F(StackTest, BindConflictsAndAddresses) {
  const int a = stack->socket(AF_INET, SOCK_STREAM, 0);
  const int b = stack->socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(stack->bind(a, stack_addr(), 8080), 0);
  EXPECT_EQ(stack->bind(b, net::IpAddress::v4(0, 0, 0, 0), 8080), -EADDRINUSE);
  EXPECT_EQ(stack->bind(b, net::IpAddress::v4(203, 0, 113, 9), 8081), -EADDRNOTAVAIL);
  EXPECT_EQ(stack->bind(a, stack_addr(), 8082), -EINVAL);
}

TEST_F(StackTest, TraceNamesTheRuleApplied) {
  std::vector<std::string> rules;
  stack->set_trace([&](const TraceEvent& e) { rules.emplace_back(e.rule); });
  passive_open();
  send(from_peer(flag::ACK, P + 900000, L));
  ASSERT_FALSE(rules.empty());
  EXPECT_NE(rules.back().find("3.10.7.4 first"), std::string::npos);
}

}  // namespace
}  // namespace synack::reference::testing

namespace synack::reference::testing {
namespace {

std::int64_t info_field(Stack& stack, int fd, const char* name) {
  TcpInfo info;
  EXPECT_EQ(stack.tcp_info(fd, info), 0);
  for (const auto& [k, v] : info.fields) {
    if (std::string(k) == name) return v;
  }
  ADD_FAILURE() << "no field " << name;
  return -1;
}

TEST_F(StackTest, LinuxTcpInfoAfterARetransmission) {
  make(test_config("linux"));
  const int fd = passive_open();
  EXPECT_EQ(info_field(*stack, fd, "tcpi_snd_cwnd"), 10);
  EXPECT_EQ(info_field(*stack, fd, "tcpi_rto"), 200000);  // RTO min after an RTT of 0
  write(fd, 100);
  sent();
  auto r = run_until(200 * kMillis);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(info_field(*stack, fd, "tcpi_total_retrans"), 1);
  EXPECT_EQ(info_field(*stack, fd, "tcpi_retransmits"), 1);
  EXPECT_EQ(info_field(*stack, fd, "tcpi_backoff"), 1);
  EXPECT_EQ(info_field(*stack, fd, "tcpi_ca_state"), 4);  // Loss
  EXPECT_EQ(info_field(*stack, fd, "tcpi_snd_cwnd"), 1);
  EXPECT_EQ(info_field(*stack, fd, "tcpi_unacked"), 1);
  EXPECT_EQ(info_field(*stack, fd, "tcpi_bytes_retrans"), 100);
  send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 101));
  EXPECT_EQ(info_field(*stack, fd, "tcpi_unacked"), 0);
  EXPECT_EQ(info_field(*stack, fd, "tcpi_retransmits"), 0);
  EXPECT_EQ(info_field(*stack, fd, "tcpi_ca_state"), 0);  // Open again
}

}  // namespace
}  // namespace synack::reference::testing

namespace synack::reference::testing {
namespace {

TEST_F(StackTest, RetransmissionNeverCarriesUnsentData) {
  const int fd = passive_open(0);
  write(fd, 300);
  sent();
  // The persist timer sends one octet beyond the zero window ...
  auto r = run_until(1 * kMicrosPerSecond);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].segment.payload.size(), 1u);
  // ... and its retransmission on timeout resends that octet only.
  r = run_until(3 * kMicrosPerSecond);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].segment.seq, kIss + 1);
  EXPECT_EQ(r[0].segment.payload.size(), 1u);
}

}  // namespace
}  // namespace synack::reference::testing

namespace synack::reference::testing {
namespace {

TEST_F(StackTest, DataPiggybacksThePendingAck) {
  const int fd = passive_open();
  send(from_peer(flag::ACK | flag::PSH, kPeerIsn + 1, kIss + 1, 65535, bytes(10)));
  EXPECT_NE(stack->connection(fd)->delack_at, kNever);
  write(fd, 5);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "P.", kIss + 1, kPeerIsn + 11);  // the data carries the ACK
  EXPECT_EQ(stack->connection(fd)->delack_at, kNever);
  EXPECT_TRUE(run_until(1 * kMicrosPerSecond - 1).empty());  // no separate delayed ACK
}

TEST_F(StackTest, PartialAckInFastRecoveryRetransmitsTheNextHole) {
  const int fd = passive_open();
  stack->setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  write(fd, 536 * 3);
  sent();
  for (int i = 0; i < 3; ++i) send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 1));
  ASSERT_TRUE(stack->connection(fd)->in_recovery);
  // RFC 6582: an ACK that covers part of what was outstanding retransmits the next segment.
  auto r = send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 1 + 536));
  ASSERT_GE(r.size(), 1u);
  EXPECT_EQ(r[0].seq, kIss + 1 + 536);
  EXPECT_TRUE(stack->connection(fd)->in_recovery);
  send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 1 + 3 * 536));
  EXPECT_FALSE(stack->connection(fd)->in_recovery);
}

TEST_F(StackTest, SmallReadsDoNotAdvertiseTinyWindowIncrements) {
  StackConfig c = test_config();
  c.receive_buffer = 4000;
  make(c);
  const int fd = passive_open();
  send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 1, 65535, bytes(3000)));
  sent();
  run_until(1 * kMicrosPerSecond);
  read(fd, 10);
  // Receiver SWS avoidance: freeing 10 bytes does not move the right edge.
  EXPECT_TRUE(sent().empty());
}

}  // namespace
}  // namespace synack::reference::testing

namespace synack::reference::testing {
namespace {

TEST_F(StackTest, LinuxReplyingTurnsQuickAcksOffUntilADelayedAck) {
  make(test_config("linux"));
  const int fd = passive_open();
  stack->setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  // Request, quick-ACKed; the reply goes out right away.
  EXPECT_EQ(send(from_peer(flag::ACK | flag::PSH, kPeerIsn + 1, kIss + 1, 65535, bytes(10))).size(), 1u);
  read(fd, 100);
  write(fd, 20);
  EXPECT_EQ(sent().size(), 1u);
  // The next request is not quick-ACKed any more: interactive ("pingpong") mode.
  EXPECT_TRUE(send(from_peer(flag::ACK | flag::PSH, kPeerIsn + 11, kIss + 21, 65535, bytes(10))).empty());
  auto t = run_until(1 * kMicrosPerSecond);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].time, 40 * kMillis);
  // The delayed ACK ended interactive mode: quick ACKs again.
  EXPECT_EQ(send(from_peer(flag::ACK | flag::PSH, kPeerIsn + 21, kIss + 21, 65535, bytes(10))).size(), 1u);
}

}  // namespace
}  // namespace synack::reference::testing
