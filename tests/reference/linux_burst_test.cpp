// gso_burst_autosize (output.cpp): Linux's GSO burst, whose last segment carries PSH, is sized by
// tcp_tso_autosize from BBR's pacing rate (cwnd x MSS / SRTT) and capped at half the cwnd. Each
// test opens passively with a chosen handshake RTT (the SYN-ACK to ACK time) and writes 12 MSS
// (the cwnd, 10, limits the flight).
#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t L = kIss + 1;
constexpr std::uint32_t kMss = 536;

class LinuxBurstTest : public StackTest {
 protected:
  void make_linux(bool autosize) {
    StackConfig c = test_config("linux");
    c.gso_burst_autosize = autosize;
    make(c);
  }
  // The flags of the data segments one write of 12 MSS sends after a handshake of `rtt`
  // (kNever: the SYN-ACK is resent, so Karn leaves no RTT sample).
  std::string flight_flags(Micros rtt) {
    const int l = listener();
    auto r = send(from_peer(flag::SYN, kPeerIsn, 0, 65535));
    EXPECT_EQ(r.size(), 1u);
    if (rtt == kNever) {
      run_until(stack->now() + 1500 * kMillis);  // the SYN-ACK goes out again
    } else {
      run_until(stack->now() + rtt);
    }
    send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 1, 65535));
    const int fd = stack->accept(l);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, 12 * kMss), 12 * kMss);  // more than the cwnd of 10 takes
    std::string out;
    std::uint32_t seq = L;
    for (const auto& s : sent()) {
      EXPECT_EQ(s.seq, seq);
      seq += static_cast<std::uint32_t>(s.payload.size());
      out += s.has(flag::PSH) ? "P" : ".";
    }
    return out;
  }
};

TEST_F(LinuxBurstTest, NoRttSampleGivesBurstsOfHalfTheCwnd) {
  make_linux(true);
  EXPECT_EQ(flight_flags(kNever), "....P....P");  // kernel: dfk12 #15
}

TEST_F(LinuxBurstTest, OneMillisecondRttGivesBurstsOfHalfTheCwnd) {
  make_linux(true);
  EXPECT_EQ(flight_flags(1 * kMillis), "....P....P");
}

TEST_F(LinuxBurstTest, EightMillisecondRttGivesBurstsOfThree) {
  make_linux(true);  // kernel at 7.7 ms: . . P . . P . . P .
  EXPECT_EQ(flight_flags(8 * kMillis), "..P..P..P.");
}

TEST_F(LinuxBurstTest, HundredMillisecondRttGivesBurstsOfTwo) {
  make_linux(true);
  EXPECT_EQ(flight_flags(100 * kMillis), ".P.P.P.P.P");
}

TEST_F(LinuxBurstTest, SlowPacingRateSendsSingleSegments) {
  make_linux(true);  // 110 ms: below 150 kB/s, bbr_min_tso_segs is 1; no PSH
  EXPECT_EQ(flight_flags(110 * kMillis), "..........");
}

TEST_F(LinuxBurstTest, OffKeepsFixedBurstsOfPushChunkSegments) {
  make_linux(false);
  EXPECT_EQ(flight_flags(1 * kMillis), ".P.P.P.P.P");
}

TEST_F(LinuxBurstTest, RfcProfileSetsNoPshBeforeTheWriteEnd) {
  make(test_config());
  EXPECT_EQ(flight_flags(1 * kMillis), "...");  // cwnd 3 segments
}

}  // namespace
}  // namespace synack::reference::testing
