// A closed send window (campaign dfk14): go-back-N after a timeout stays inside the peer's
// window (every profile), and Linux restarts the zero-window probe timer on an ACK that leaves
// the window closed (zero_window_ack_restarts_probe).
#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t P = kPeerIsn + 1;
constexpr std::uint32_t L = kIss + 1;
constexpr Micros kMs = kMicrosPerSecond / 1000;
constexpr std::uint32_t kSeg = 536;  // the MSS: the peer's SYN carries no MSS option

class WindowClosed : public StackTest {
 protected:
  std::vector<net::Segment> after_timeout_ack(std::uint16_t win);
  std::vector<Micros> probe_times(const StackConfig& cfg, Micros ack_at);
};

// Three segments in flight, the timeout resends the first; the ACK of it brings a window of
// `win`: what the rest of go-back-N may send.
std::vector<net::Segment> WindowClosed::after_timeout_ack(std::uint16_t win) {
  make(test_config("rfc"));
  const int fd = passive_open();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(write(fd, kSeg), kSeg);
  EXPECT_EQ(sent().size(), 3u);
  const auto rto = run_until(2 * kMicrosPerSecond);  // the first timeout resends 1:1001
  EXPECT_GE(rto.size(), 1u);
  std::vector<net::Segment> out;
  for (auto& s : send(from_peer(flag::ACK, P, L + kSeg, win))) out.push_back(s);
  return out;
}

TEST_F(WindowClosed, GoBackNStopsAtTheWindowEdgeButResendsTheOldestSegment) {
  // dfk14 #3: the ACK of the first segment brings a zero window: the oldest segment still out
  // goes, as the timer would resend it anyway; the third is beyond SND.UNA + SND.WND and waits.
  auto out = after_timeout_ack(0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].seq, L + kSeg);
  EXPECT_EQ(out[0].payload.size(), kSeg);
  // A window of one segment covers only that one too; two segments cover both.
  out = after_timeout_ack(kSeg);
  ASSERT_EQ(out.size(), 1u);
  out = after_timeout_ack(2 * kSeg);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].seq, L + 2 * kSeg);
}

// dfk14 #1: data waits behind a zero window; probes go at growing intervals; an ACK between two
// probes that leaves the window closed restarts the timer (linux) or not (rfc).
std::vector<Micros> WindowClosed::probe_times(const StackConfig& cfg, Micros ack_at) {
  make(cfg);
  const int fd = passive_open();
  EXPECT_EQ(write(fd, kSeg), kSeg);
  EXPECT_EQ(sent().size(), 1u);
  run_until(100 * kMs);
  EXPECT_TRUE(send(from_peer(flag::ACK, P, L + kSeg, 0)).empty());
  EXPECT_EQ(write(fd, kSeg), kSeg);
  std::vector<Micros> times;
  for (const auto& e : run_until(ack_at)) times.push_back(e.time);
  send(from_peer(flag::ACK, P, L + kSeg, 0));
  for (const auto& e : run_until(ack_at + 10 * kMicrosPerSecond)) {
    times.push_back(e.time);
    if (times.size() == 4) break;
  }
  return times;
}

TEST_F(WindowClosed, LinuxRestartsTheProbeTimerOnAnAckThatKeepsTheWindowClosed) {
  auto off = test_config("linux");
  off.zero_window_ack_restarts_probe = false;
  const auto probe = [&](const StackConfig& cfg, Micros ack_at) { return probe_times(cfg, ack_at); };
  const auto before = probe(off, 10 * kMicrosPerSecond);  // no ACK until after three probes
  ASSERT_GE(before.size(), 3u);
  const Micros first = before[1] - before[0], second = before[2] - before[1];
  ASSERT_EQ(second, 2 * first);  // the interval doubles
  const Micros ack_at = before[1] + second / 3;
  const auto on = probe(test_config("linux"), ack_at);
  ASSERT_GE(on.size(), 3u);
  EXPECT_EQ(on[1], before[1]);
  EXPECT_EQ(on[2], ack_at + second) << "linux: the timer restarts at the ACK, same interval";
  const auto key_off = probe(off, ack_at);
  ASSERT_GE(key_off.size(), 3u);
  EXPECT_EQ(key_off[2], before[2]) << "key off: the ACK changes nothing";
  const auto rfc = probe(test_config("rfc"), ack_at);
  ASSERT_GE(rfc.size(), 3u);
  EXPECT_EQ(rfc[2] - rfc[1], 2 * (rfc[1] - rfc[0]));
}

}  // namespace
}  // namespace synack::reference::testing
