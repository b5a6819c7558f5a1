// partial_segment_ack_keeps_timer (Linux 6.18, tcp_clean_rtx_queue): an ACK that ends inside the
// oldest segment as sent acknowledges no whole skb, so it neither restarts the retransmission
// timer nor samples the RTT nor grows cwnd; RFC 6298 §5.3 (the rfc profile) restarts the timer on
// any ACK of new data. Checked with the key on (linux) and off (rfc, and linux with the key off).
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "targets/reference/options.h"
#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t P = kPeerIsn + 1;  // peer's first data sequence number
constexpr std::uint32_t L = kIss + 1;      // stack's first data sequence number

StackConfig linux_config(bool key) {
  StackConfig c = test_config("linux");
  c.partial_segment_ack_keeps_timer = key;
  return c;
}

class LinuxPartialAckTest : public StackTest {
 protected:
  // Passive open whose handshake ACK arrives 100 ms after the SYN-ACK (RTO 300 ms in the linux
  // profile, 1 s in the rfc one: rto_min); returns the descriptor at time 0.1 s.
  int open_100ms() {
    const int l = listener();
    EXPECT_EQ(send(from_peer(flag::SYN, kPeerIsn, 0)).size(), 1u);
    stack->advance_to(100 * kMillis);
    send(from_peer(flag::ACK, P, L));
    const int fd = stack->accept(l);
    EXPECT_GE(fd, 0);
    return fd;
  }

  // Divergences dfk12 #7/#13: 500 B sent at 0.1 s (one segment, MSS 536), ACK of 100 B of it at
  // 0.2 s. Returns the time of the first retransmission and checks what it carries.
  Micros first_retransmission_after_partial_ack(Micros rto = 300 * kMillis) {
    const int fd = open_100ms();
    write(fd, 500);
    EXPECT_EQ(sent().size(), 1u);
    const Tcb* t = stack->connection(fd);
    EXPECT_EQ(t->rto, rto);
    stack->advance_to(200 * kMillis);
    EXPECT_TRUE(send(from_peer(flag::ACK, P, L + 100)).empty());
    EXPECT_EQ(t->snd_una, L + 100);
    auto r = run_until(2 * kMicrosPerSecond);
    EXPECT_FALSE(r.empty());
    if (r.empty()) return kNever;
    EXPECT_SEGMENT(r[0].segment, "P.", L + 100, P);
    EXPECT_EQ(r[0].segment.payload.size(), 400u);
    return r[0].time;
  }
};

TEST_F(LinuxPartialAckTest, AckInsideTheOnlySegmentKeepsTheRto) {
  make(linux_config(true));
  EXPECT_EQ(first_retransmission_after_partial_ack(), 400 * kMillis);  // 0.1 + 300 ms
}

TEST_F(LinuxPartialAckTest, KeyOffAckInsideTheSegmentRestartsTheRto) {
  make(linux_config(false));
  EXPECT_EQ(first_retransmission_after_partial_ack(), 500 * kMillis);  // 0.2 + 300 ms
  make(test_config("rfc"));  // RTO 1 s (rto_min): restarted at 0.2 s
  EXPECT_EQ(first_retransmission_after_partial_ack(1 * kMicrosPerSecond), 1200 * kMillis);
}

TEST_F(LinuxPartialAckTest, AckInsideTheSegmentTakesNoSampleAndKeepsCwnd) {
  make(linux_config(true));
  const int fd = open_100ms();
  write(fd, 500);
  EXPECT_EQ(sent().size(), 1u);
  const Tcb* t = stack->connection(fd);
  const std::uint32_t cwnd = t->cwnd;
  ASSERT_EQ(t->sent_ends, std::vector<std::uint32_t>{L + 500});
  stack->advance_to(150 * kMillis);
  send(from_peer(flag::ACK, P, L + 100));
  EXPECT_EQ(t->cwnd, cwnd);
  EXPECT_TRUE(t->rtt_timing);  // the segment is still being timed
  EXPECT_EQ(t->srtt, 100 * kMillis);
  EXPECT_EQ(t->sent_ends, std::vector<std::uint32_t>{L + 500});
  // The ACK of the whole segment takes the sample (250 ms) and restarts the timer.
  stack->advance_to(350 * kMillis);
  send(from_peer(flag::ACK, P, L + 500));
  EXPECT_GT(t->cwnd, cwnd);
  EXPECT_FALSE(t->rtt_timing);
  EXPECT_GT(t->srtt, 100 * kMillis);
  EXPECT_TRUE(t->sent_ends.empty());

  // Key off: the partial ACK grows cwnd (slow start) as before.
  make(linux_config(false));
  const int fd2 = open_100ms();
  write(fd2, 500);
  EXPECT_EQ(sent().size(), 1u);
  const Tcb* t2 = stack->connection(fd2);
  const std::uint32_t cwnd2 = t2->cwnd;
  stack->advance_to(150 * kMillis);
  send(from_peer(flag::ACK, P, L + 100));
  EXPECT_GT(t2->cwnd, cwnd2);
  EXPECT_TRUE(t2->sent_ends.empty());
}

TEST_F(LinuxPartialAckTest, AckPastASegmentEndRestartsTheRto) {
  // 3 full segments (MSS 536) at 0.1 s; an ACK at 0.2 s past the first one's end but inside the
  // second acknowledges a whole segment: the timer restarts (0.2 + 300 ms).
  make(linux_config(true));
  const int fd = open_100ms();
  write(fd, 3 * 536);
  EXPECT_EQ(sent().size(), 3u);
  const Tcb* t = stack->connection(fd);
  EXPECT_EQ(t->sent_ends, (std::vector<std::uint32_t>{L + 536, L + 1072, L + 1608}));
  stack->advance_to(200 * kMillis);
  send(from_peer(flag::ACK, P, L + 600));
  EXPECT_EQ(t->rexmt_at, 200 * kMillis + t->rto);
  EXPECT_EQ(t->sent_ends, (std::vector<std::uint32_t>{L + 1072, L + 1608}));
  // A further ACK inside the (now oldest) second segment keeps it.
  const Micros armed = t->rexmt_at;
  stack->advance_to(250 * kMillis);
  send(from_peer(flag::ACK, P, L + 700));
  EXPECT_EQ(t->rexmt_at, armed);
}

TEST_F(LinuxPartialAckTest, RetransmissionMergingWritesMovesTheSegmentEnds) {
  // Two 100-B writes sent as two segments (TCP_NODELAY); the RTO resends them as one (Linux's
  // tcp_retrans_try_collapse, psh_at_write_end): afterwards an ACK of the first 100 B is inside
  // the oldest segment and keeps the timer.
  make(linux_config(true));
  const int fd = open_100ms();
  ASSERT_EQ(stack->setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1), 0);
  write(fd, 100);
  write(fd, 100);
  EXPECT_EQ(sent().size(), 2u);
  const Tcb* t = stack->connection(fd);
  EXPECT_EQ(t->sent_ends, (std::vector<std::uint32_t>{L + 100, L + 200}));
  auto r = run_until(400 * kMillis);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0].segment, "P.", L, P);
  ASSERT_EQ(r[0].segment.payload.size(), 200u);
  EXPECT_EQ(t->sent_ends, std::vector<std::uint32_t>{L + 200});
  const Micros armed = t->rexmt_at;
  stack->advance_to(450 * kMillis);
  send(from_peer(flag::ACK, P, L + 100));
  EXPECT_EQ(t->rexmt_at, armed);
}

TEST_F(LinuxPartialAckTest, AckInsideTheSegmentKeepsTheLossProbeTime) {
  // Measured (work-A/tlp.pkt on Linux 6.18): with SACK, 500 B at 0.1 s, 100 B more held by
  // Nagle, ACK of 100 B at 0.2 s: the loss probe with the held 100 B still goes at 0.4 s.
  for (const bool key : {true, false}) {
    StackConfig c = linux_config(key);
    c.sack = true;
    make(c);
    const int l = listener();
    auto syn = from_peer(flag::SYN, kPeerIsn);
    syn.options = {mss_option(536), sack_permitted_option()};
    send(syn);
    stack->advance_to(100 * kMillis);
    send(from_peer(flag::ACK, P, L));
    const int fd = stack->accept(l);
    ASSERT_GE(fd, 0);
    write(fd, 500);
    write(fd, 100);
    EXPECT_EQ(sent().size(), 1u);
    stack->advance_to(200 * kMillis);
    EXPECT_TRUE(send(from_peer(flag::ACK, P, L + 100)).empty());
    auto r = run_until(600 * kMillis);
    ASSERT_FALSE(r.empty());
    EXPECT_EQ(r[0].time, key ? 400 * kMillis : 500 * kMillis) << "key " << key;
    EXPECT_SEGMENT(r[0].segment, "P.", L + 500, P);
    EXPECT_EQ(r[0].segment.payload.size(), 100u);
  }
}

TEST_F(LinuxPartialAckTest, SegmentEndsStayBounded) {
  // One-byte segments (TCP_NODELAY) beyond the bound: the list keeps kMaxSentEnds entries, the
  // newest ones merged, and still ends at SND.NXT.
  make(linux_config(true));
  const int fd = open_100ms();
  ASSERT_EQ(stack->setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1), 0);
  const std::size_t n = Tcb::kMaxSentEnds + 20;
  for (std::size_t i = 0; i < n; ++i) write(fd, 1);
  sent();
  const Tcb* t = stack->connection(fd);
  ASSERT_EQ(t->snd_nxt, L + n);  // all sent: more segments than the bound
  ASSERT_EQ(t->sent_ends.size(), Tcb::kMaxSentEnds);
  EXPECT_EQ(t->sent_ends.back(), t->snd_nxt);
  EXPECT_EQ(t->sent_ends.front(), L + 1);
}

}  // namespace
}  // namespace synack::reference::testing
