// RFC 5961 ACK validity, TIME-WAIT reuse, options in use after the handshake, recovery after a
// timeout, and the size of an idle control block.
#include <netinet/tcp.h>

#include "targets/reference/options.h"
#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t P = kPeerIsn + 1;
constexpr std::uint32_t L = kIss + 1;

TEST_F(StackTest, AckFarBelowSndUnaDrawsChallengeAck) {
  const int fd = passive_open(1000);
  // RFC 5961 §5.2: SEG.ACK < SND.UNA - MAX.SND.WND is invalid even though it is "old".
  auto r = send(from_peer(flag::ACK | flag::PSH, P, L - 5000, 1000, bytes(10)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
  std::int64_t ret = 0;
  read(fd, 100, &ret);
  EXPECT_EQ(ret, -EAGAIN);  // the segment was dropped, its text too
}

// With TIME-WAIT reuse off, even a SYN far above RCV.NXT is answered as in any synchronized
// state (RFC 5961 §4.2 challenge ACK). (The rfc profile reuses the pair: time_wait_reuse_test.cpp.)
TEST_F(StackTest, SynInTimeWaitDrawsChallengeAckWhenReuseIsOff) {
  StackConfig c = test_config();
  c.accept_syn_in_time_wait = false;
  make(c);
  const int fd = passive_open();
  stack->shutdown(fd, SHUT_WR);
  sent();
  send(from_peer(flag::FIN | flag::ACK, P, L + 1));
  auto r = send(from_peer(flag::SYN, P + 100));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 1, P + 1);
  EXPECT_EQ(state_of(fd), State::TimeWait);
}

TEST_F(StackTest, LinuxNewSynReopensTimeWait) {
  make(test_config("linux"));
  const int fd = passive_open();
  stack->close(fd);
  sent();
  send(from_peer(flag::FIN | flag::ACK, P, L + 1));
  ASSERT_EQ(stack->connections().size(), 1u);
  auto r = send(from_peer(flag::SYN, P + 100000));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "S.");
  EXPECT_EQ(r[0].ack, P + 100001);
  ASSERT_EQ(stack->connections().size(), 1u);
  EXPECT_EQ(stack->connections()[0]->state, State::SynReceived);
}

TEST_F(StackTest, PeerWindowIsScaledAfterTheHandshake) {
  StackConfig c = test_config();
  c.window_scaling = true;
  make(c);
  const int l = listener();
  auto syn = from_peer(flag::SYN, kPeerIsn, 0, 1000);
  syn.options = {mss_option(1460), nop_option(), wscale_option(4)};
  auto r = send(syn);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(parse_options(r[0]).wscale, 7);
  send(from_peer(flag::ACK, P, L, 1000));
  const int fd = stack->accept(l);
  EXPECT_EQ(stack->connection(fd)->snd_wnd, 16000u);  // 1000 << 4
  // Our own windows are sent scaled down by 7.
  send(from_peer(flag::ACK, P, L, 1000, bytes(1000)));
  auto t = run_until(1 * kMicrosPerSecond);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_LE(t[0].segment.window, 131072 >> 7);
}

TEST_F(StackTest, LinuxDataSegmentsCarryTimestamps) {
  StackConfig c = test_config("linux");
  c.timestamps = true;
  make(c);
  const int l = listener();
  auto syn = from_peer(flag::SYN, kPeerIsn);
  syn.options = {mss_option(1460), nop_option(), nop_option(), timestamp_option(500, 0)};
  send(syn);
  auto ack = from_peer(flag::ACK, P, L);
  ack.options = {nop_option(), nop_option(), timestamp_option(501, kIss)};
  send(ack);
  const int fd = stack->accept(l);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(stack->connection(fd)->snd_mss, 1448);
  EXPECT_EQ(write(fd, 10), 10);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r[0].options.size(), 3u);
  EXPECT_EQ(r[0].options[0].kind, net::option_kind::NOP);
  EXPECT_EQ(r[0].options[1].kind, net::option_kind::NOP);
  EXPECT_EQ(parse_options(r[0]).timestamp->second, 501u);  // TSecr = TS.Recent
}

TEST_F(StackTest, LinuxRateLimitsOutOfWindowAcks) {
  make(test_config("linux"));
  passive_open();
  EXPECT_EQ(send(from_peer(flag::ACK, P + 900000, L)).size(), 1u);
  EXPECT_TRUE(send(from_peer(flag::ACK, P + 900000, L)).empty());
  // Data segments are always answered.
  EXPECT_EQ(send(from_peer(flag::ACK, P + 900000, L, 65535, bytes(5))).size(), 1u);
}

TEST_F(StackTest, RfcAnswersEveryOutOfWindowSegment) {
  passive_open();
  EXPECT_EQ(send(from_peer(flag::ACK, P + 900000, L)).size(), 1u);
  EXPECT_EQ(send(from_peer(flag::ACK, P + 900000, L)).size(), 1u);
}

TEST_F(StackTest, AfterTimeoutTheRestIsResentAsAcksArrive) {
  const int fd = passive_open();
  stack->setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  write(fd, 536 * 3);
  ASSERT_EQ(sent().size(), 3u);
  auto r = run_until(1 * kMicrosPerSecond);
  ASSERT_EQ(r.size(), 1u);  // cwnd = 1 segment after the timeout
  EXPECT_EQ(r[0].segment.seq, L);
  auto more = send(from_peer(flag::ACK, P, L + 536));
  ASSERT_EQ(more.size(), 2u);  // slow start: cwnd 2 segments, go-back-N resend
  EXPECT_EQ(more[0].seq, L + 536);
  EXPECT_EQ(more[1].seq, L + 1072);
}

TEST_F(StackTest, OrphanedFinWait2TimesOutInLinux) {
  make(test_config("linux"));
  const int fd = passive_open();
  stack->close(fd);
  sent();
  send(from_peer(flag::ACK, P, L + 1));
  ASSERT_EQ(stack->connections().size(), 1u);
  EXPECT_EQ(stack->connections()[0]->state, State::FinWait2);
  run_until(60 * kMicrosPerSecond);
  EXPECT_TRUE(stack->connections().empty());
}

TEST_F(StackTest, TextInSynIsNotAcknowledged) {
  listener();
  auto r = send(from_peer(flag::SYN, kPeerIsn, 0, 65535, bytes(10)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "S.", kIss, kPeerIsn + 1);
}

TEST_F(StackTest, RstFromAConnectionCarriesTimestampsWhenNegotiated) {
  StackConfig c = test_config();
  c.timestamps = true;
  make(c);
  const int l = listener();
  auto syn = from_peer(flag::SYN, kPeerIsn);
  syn.options = {timestamp_option(1, 0)};
  send(syn);
  auto ack = from_peer(flag::ACK, P, L);
  ack.options = {timestamp_option(2, kIss)};
  send(ack);
  const int fd = stack->accept(l);
  stack->setsockopt(fd, SOL_SOCKET, SO_LINGER, 1, 0);
  stack->close(fd);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "R");
  EXPECT_TRUE(parse_options(r[0]).timestamp.has_value());  // RFC 7323 §3.2 SHOULD
}

TEST_F(StackTest, IdleControlBlockIsSmall) {
  const int fd = passive_open();
  EXPECT_LT(sizeof(Tcb), 1024u);
  const Tcb* t = stack->connection(fd);
  EXPECT_TRUE(t->send_buf.empty());
  EXPECT_TRUE(t->recv_buf.empty());
  EXPECT_TRUE(t->ooo.empty());
}

TEST_F(StackTest, ParseOptionsIgnoresMalformedLengths) {
  net::Segment s;
  net::TcpOption bad = mss_option(1000);
  bad.data.push_back(0);  // 3 value bytes: not an MSS
  s.options = {bad, wscale_option(20)};
  const auto p = parse_options(s);
  EXPECT_FALSE(p.mss.has_value());
  EXPECT_EQ(p.wscale, 20);
}

TEST_F(StackTest, WscaleAboveFourteenIsTreatedAsFourteen) {
  StackConfig c = test_config();
  c.window_scaling = true;
  make(c);
  listener();
  auto syn = from_peer(flag::SYN, kPeerIsn);
  syn.options = {wscale_option(20)};
  send(syn);
  EXPECT_EQ(stack->connections()[0]->snd_shift, 14);
}

}  // namespace
}  // namespace synack::reference::testing

namespace synack::reference::testing {
namespace {

// Handshake with timestamps; returns the accepted descriptor.
int timestamp_open(Stack& stack) {
  const int l = stack.socket(AF_INET, SOCK_STREAM, 0);
  stack.bind(l, net::IpAddress::v4(0, 0, 0, 0), kPort);
  stack.listen(l, 4);
  auto syn = from_peer(flag::SYN, kPeerIsn);
  syn.options = {timestamp_option(10, 0)};
  stack.segment_arrives(syn);
  auto ack = from_peer(flag::ACK, kPeerIsn + 1, kIss + 1);
  ack.options = {timestamp_option(11, kIss)};
  stack.segment_arrives(ack);
  stack.take_output();
  return stack.accept(l);
}

TEST_F(StackTest, RfcDropsSegmentWithoutTimestampOnceNegotiated) {
  StackConfig c = test_config();
  c.timestamps = true;
  make(c);
  const int fd = timestamp_open(*stack);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 1, 65535, bytes(10))).empty());
  EXPECT_EQ(stack->connection(fd)->rcv_nxt, kPeerIsn + 1);  // RFC 7323 §3.2: silently dropped
}

TEST_F(StackTest, LinuxAcceptsSegmentWithoutTimestamp) {
  StackConfig c = test_config("linux");
  c.timestamps = true;
  make(c);
  const int fd = timestamp_open(*stack);
  ASSERT_GE(fd, 0);
  send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 1, 65535, bytes(10)));
  EXPECT_EQ(stack->connection(fd)->rcv_nxt, kPeerIsn + 11);
}

}  // namespace
}  // namespace synack::reference::testing

namespace synack::reference::testing {
namespace {

// The checker itself: corrupt a control block on purpose and expect the violation named.
TEST_F(StackTest, InvariantCheckerReportsViolations) {
  const int fd = passive_open();
  Tcb& t = const_cast<Tcb&>(*stack->connection(fd));
  EXPECT_TRUE(stack->check_invariants().empty());

  const std::uint32_t una = t.snd_una;
  t.snd_una = t.snd_nxt + 5;
  auto v = stack->check_invariants();
  ASSERT_FALSE(v.empty());
  EXPECT_NE(v.front().find("SND.UNA > SND.NXT"), std::string::npos);
  EXPECT_NE(v.front().find("ESTABLISHED 192.0.2.1:8080>198.51.100.1:40000"), std::string::npos);
  t.snd_una = una;

  t.rcv_nxt += 3;  // claims three octets that were never delivered
  t.rcv_adv += 3;
  v = stack->check_invariants();
  ASSERT_FALSE(v.empty());
  EXPECT_NE(v.front().find("delivered"), std::string::npos);
  t.rcv_nxt -= 3;
  t.rcv_adv -= 3;

  t.illegal_transition = true;
  EXPECT_FALSE(stack->check_invariants().empty());
  t.illegal_transition = false;
  EXPECT_TRUE(stack->check_invariants().empty());
}

TEST_F(StackTest, DescribeNamesTheSequenceVariables) {
  const int fd = passive_open();
  const std::string d = describe(*stack->connection(fd));
  EXPECT_NE(d.find("SND.UNA=1001"), std::string::npos);
  EXPECT_NE(d.find("RCV.NXT=5001"), std::string::npos);
}

}  // namespace
}  // namespace synack::reference::testing

namespace synack::reference::testing {
namespace {

// Linux 6.18 (tcp_ack -> tcp_send_challenge_ack) answers an ACK of unsent data with an ACK and
// drops the segment; the answer counts against the per-connection 500 ms interval, so a second
// one right after draws nothing (older kernels dropped every one silently).
TEST_F(StackTest, LinuxAnswersAnAckOfUnsentDataOncePerInterval) {
  make(test_config("linux"));
  const int fd = passive_open();
  auto r = send(from_peer(flag::ACK | flag::PSH, kPeerIsn + 1, kIss + 500, 65535, bytes(5)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", kIss + 1, kPeerIsn + 1);
  EXPECT_EQ(stack->connection(fd)->rcv_nxt, kPeerIsn + 1);  // text dropped with the segment
  EXPECT_TRUE(send(from_peer(flag::ACK | flag::PSH, kPeerIsn + 1, kIss + 500, 65535, bytes(5))).empty());
}

TEST_F(StackTest, RfcAnswersAnAckOfUnsentData) {
  passive_open();
  auto r = send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 500));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", kIss + 1, kPeerIsn + 1);
}

TEST_F(StackTest, LinuxChallengesAnOldAckBeforeAnyDataWasAcked) {
  make(test_config("linux"));
  passive_open();
  // SND.UNA - 1 is "old" by one byte, but no byte was ever acknowledged: challenge ACK.
  auto r = send(from_peer(flag::ACK, kPeerIsn + 1, kIss));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", kIss + 1, kPeerIsn + 1);
}

TEST_F(StackTest, RfcIgnoresAnOldAckWithinTheWindow) {
  passive_open();
  EXPECT_TRUE(send(from_peer(flag::ACK, kPeerIsn + 1, kIss)).empty());
}

}  // namespace
}  // namespace synack::reference::testing
