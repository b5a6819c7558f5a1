// Linux's "more than one full segment unacknowledged: ACK at once" rule (rcv_mss_capped):
// the full segment is the largest payload capped at the MSS we announced, a FIN counts as one
// byte, and the ACK goes at once only if the window keeps up with the largest segment's
// payload-to-memory ratio (measured: 1161..1624, 2210..3672 and 4455.. bytes). Checked with the
// key on (linux profile) and off (the reference's largest-payload rule).
#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t P = kPeerIsn + 1;  // peer's first data sequence number
constexpr std::uint32_t L = kIss + 1;      // stack's first data sequence number

class LinuxFinAckTest : public StackTest {
 protected:
  void open(bool capped) {
    StackConfig c = test_config("linux");
    c.rcv_mss_capped = capped;
    make(c);
    fd = passive_open();
    stack->advance_to(100 * kMillis);
  }
  // The peer sends FP. with `n` bytes at `seq`; returns when the ACK of the FIN went out
  // (relative to now), or kNever if it did not within a second.
  Micros fin_ack_delay(std::uint32_t seq, std::size_t n) {
    const Micros t0 = stack->now();
    auto r = send(from_peer(flag::FIN | flag::PSH | flag::ACK, seq, L, 65535, bytes(n)));
    EXPECT_EQ(state_of(fd), State::CloseWait);
    if (!r.empty()) {
      EXPECT_SEGMENT(r.back(), ".", L, seq + n + 1);
      return 0;
    }
    auto later = run_until(t0 + 1 * kMicrosPerSecond);
    if (later.empty()) return kNever;
    EXPECT_SEGMENT(later[0].segment, ".", L, seq + n + 1);
    return later[0].time - t0;
  }
  // Makes the connection interactive (pingpong): 100 bytes in, 100 bytes out at once.
  void enter_pingpong() {
    EXPECT_EQ(send(from_peer(flag::PSH | flag::ACK, P, L, 65535, bytes(100))).size(), 1u);
    EXPECT_EQ(write(fd, 100), 100);
    EXPECT_EQ(sent().size(), 1u);
    ASSERT_TRUE(stack->connection(fd)->pingpong);
    stack->advance_to(200 * kMillis);
  }
  int fd = -1;
};

TEST_F(LinuxFinAckTest, FinWith1234BytesIsAckedAtOnce) {
  // Part-D #9, #23: Linux ACKs FP. with 1234 B (or 1373 B) at once despite pingpong.
  open(true);
  EXPECT_EQ(fin_ack_delay(P, 1234), 0);
}

TEST_F(LinuxFinAckTest, FinWith1373BytesIsAckedAtOnce) {
  open(true);
  EXPECT_EQ(fin_ack_delay(P, 1373), 0);
}

TEST_F(LinuxFinAckTest, KeyOffDelaysTheFinWith1234Bytes) {
  open(false);
  EXPECT_EQ(fin_ack_delay(P, 1234), 40 * kMillis);
}

TEST_F(LinuxFinAckTest, FinWith1160BytesIsDelayed) {
  // Just below the measured edge: the window does not keep up, the ACK waits.
  open(true);
  EXPECT_EQ(fin_ack_delay(P, 1160), 40 * kMillis);
}

TEST_F(LinuxFinAckTest, FinWith600BytesIsDelayed) {
  open(true);
  EXPECT_EQ(fin_ack_delay(P, 600), 40 * kMillis);
}

TEST_F(LinuxFinAckTest, FinWith2000BytesIsDelayedAnd3000AtOnce) {
  // 2000 B sits in a 4 KiB buffer (ratio below one half): delayed; 3000 B: at once.
  open(true);
  EXPECT_EQ(fin_ack_delay(P, 2000), 40 * kMillis);
  open(true);
  EXPECT_EQ(fin_ack_delay(P, 3000), 0);
}

TEST_F(LinuxFinAckTest, FullSizedFinAfterAFullSizedSegmentIsDelayed) {
  // Part-D fin9.pkt: 1000 B (quick ACK), then FP. 1000 B: delayed on Linux.
  open(true);
  EXPECT_EQ(send(from_peer(flag::PSH | flag::ACK, P, L, 65535, bytes(1000))).size(), 1u);
  EXPECT_EQ(fin_ack_delay(P + 1000, 1000), 40 * kMillis);
}

TEST_F(LinuxFinAckTest, SmallerFinAfterA1234ByteSegmentIsDelayed) {
  // 1234 B then FP. 600: 601 bytes pending are not more than the 1234-byte segment.
  open(true);
  EXPECT_EQ(send(from_peer(flag::PSH | flag::ACK, P, L, 65535, bytes(1234))).size(), 1u);
  EXPECT_EQ(fin_ack_delay(P + 1234, 600), 40 * kMillis);
}

TEST_F(LinuxFinAckTest, FinWith1234BytesAfterA1000ByteSegmentIsAckedAtOnce) {
  open(true);
  EXPECT_EQ(send(from_peer(flag::PSH | flag::ACK, P, L, 65535, bytes(1000))).size(), 1u);
  EXPECT_EQ(fin_ack_delay(P + 1000, 1234), 0);
}

// ---- plain data in pingpong mode ----

TEST_F(LinuxFinAckTest, SecondFullSizedSegmentWaitsWhenTheWindowLags) {
  // Two 1000-byte segments in pingpong mode: Linux does not ACK the second at once.
  open(true);
  enter_pingpong();
  EXPECT_TRUE(send(from_peer(flag::ACK, P + 100, L + 100, 65535, bytes(1000))).empty());
  EXPECT_TRUE(send(from_peer(flag::PSH | flag::ACK, P + 1100, L + 100, 65535, bytes(1000))).empty());
  auto r = run_until(1 * kMicrosPerSecond);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].time, 240 * kMillis);
  EXPECT_SEGMENT(r[0].segment, ".", L + 100, P + 2100);
}

TEST_F(LinuxFinAckTest, KeyOffAcksTheSecondFullSizedSegmentAtOnce) {
  open(false);
  enter_pingpong();
  EXPECT_TRUE(send(from_peer(flag::ACK, P + 100, L + 100, 65535, bytes(1000))).empty());
  auto r = send(from_peer(flag::PSH | flag::ACK, P + 1100, L + 100, 65535, bytes(1000)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 100, P + 2100);
}

TEST_F(LinuxFinAckTest, Second1234ByteSegmentIsAckedAtOnce) {
  open(true);
  enter_pingpong();
  EXPECT_TRUE(send(from_peer(flag::ACK, P + 100, L + 100, 65535, bytes(1234))).empty());
  auto r = send(from_peer(flag::PSH | flag::ACK, P + 1334, L + 100, 65535, bytes(1234)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 100, P + 2568);
}

TEST_F(LinuxFinAckTest, SingleSegmentLongerThanOurMssIsAckedAtOnce) {
  // 3000 B > the 1460 B we announced: more than one of Linux's full segments, window keeps up.
  open(true);
  enter_pingpong();
  auto r = send(from_peer(flag::PSH | flag::ACK, P + 100, L + 100, 65535, bytes(3000)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 100, P + 3100);
}

TEST_F(LinuxFinAckTest, KeyOffDelaysASingleLongSegment) {
  open(false);
  enter_pingpong();
  EXPECT_TRUE(send(from_peer(flag::PSH | flag::ACK, P + 100, L + 100, 65535, bytes(3000))).empty());
}

TEST_F(LinuxFinAckTest, SingleSegmentOf2000BytesIsDelayed) {
  // Longer than our MSS, but the window lags (4 KiB buffer): measured delayed.
  open(true);
  enter_pingpong();
  EXPECT_TRUE(send(from_peer(flag::PSH | flag::ACK, P + 100, L + 100, 65535, bytes(2000))).empty());
}

TEST_F(LinuxFinAckTest, RfcProfileAcksTheSecondFullSizedSegment) {
  make(test_config("rfc"));
  EXPECT_FALSE(stack->config().rcv_mss_capped);
  fd = passive_open();
  send(from_peer(flag::ACK, P, L, 65535, bytes(1000)));
  auto r = send(from_peer(flag::PSH | flag::ACK, P + 1000, L, 65535, bytes(1000)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 2000);
}

}  // namespace
}  // namespace synack::reference::testing
