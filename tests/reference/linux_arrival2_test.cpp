// Segment arrival as Linux 6.18 does it, second set (config.h: drop_segments_without_ack,
// after_fin_segments_linux, time_wait_data_acked, synack_text_discarded, acceptable_from_rcv_wup),
// each next to the rfc profile's RFC 9293 behaviour.
#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t P = kPeerIsn + 1;
constexpr std::uint32_t L = kIss + 1;

class LinuxArrival2 : public StackTest {
 protected:
  // Passive open, then the peer's FIN: CLOSE-WAIT, RCV.NXT = P + 1.
  int close_wait() {
    const int fd = passive_open();
    send(from_peer(flag::FIN | flag::ACK, P, L));
    run_until(200 * kMillis);  // the FIN's ACK, delayed or not, is out
    EXPECT_EQ(state_of(fd), State::CloseWait);
    return fd;
  }
  // Passive open, close(), the peer's ACK and FIN: TIME-WAIT, RCV.NXT = P + 1, SND.NXT = L + 1.
  void time_wait() {
    const int fd = passive_open();
    stack->close(fd);
    sent();
    send(from_peer(flag::ACK, P, L + 1));
    send(from_peer(flag::FIN | flag::ACK, P, L + 1));
    ASSERT_EQ(stack->connections().size(), 1u);
    ASSERT_EQ(stack->connections()[0]->state, State::TimeWait);
  }
};

// ---- drop_segments_without_ack ----

TEST_F(LinuxArrival2, OutOfWindowSegmentWithoutAckIsDroppedSilently) {
  make(test_config("linux"));
  const int fd = passive_open();
  EXPECT_TRUE(send(from_peer(flag::PSH, P - 5000, 0, 65535, bytes(10))).empty());
  EXPECT_EQ(state_of(fd), State::Established);
}

TEST_F(LinuxArrival2, OutOfWindowSegmentWithoutAckIsAckedInRfcProfile) {
  passive_open();
  auto r = send(from_peer(flag::PSH, P - 5000, 0, 65535, bytes(10)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
}

TEST_F(LinuxArrival2, OutOfWindowSegmentWithAckIsStillAckedInLinuxProfile) {
  make(test_config("linux"));
  passive_open();
  auto r = send(from_peer(flag::ACK | flag::PSH, P - 5000, L, 65535, bytes(10)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
}

// ---- after_fin_segments_linux ----

TEST_F(LinuxArrival2, FinAtRcvNxtAfterPeersFinIsDroppedSilently) {
  make(test_config("linux"));
  const int fd = close_wait();
  EXPECT_TRUE(send(from_peer(flag::FIN | flag::ACK, P + 1, L)).empty());
  EXPECT_TRUE(send(from_peer(flag::ACK | flag::PSH, P + 1, L, 65535, bytes(20))).empty());
  EXPECT_EQ(state_of(fd), State::CloseWait);
  EXPECT_TRUE(run_until(kMicrosPerSecond).empty());
  EXPECT_EQ(state_of(fd), State::CloseWait);
}

TEST_F(LinuxArrival2, FinAtRcvNxtAfterPeersFinIsAckedInRfcProfile) {
  const int fd = close_wait();
  auto r = send(from_peer(flag::FIN | flag::ACK, P + 1, L));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 1);
  EXPECT_EQ(state_of(fd), State::CloseWait);
}

TEST_F(LinuxArrival2, TextBeyondPeersFinIsResetInCloseWait) {
  make(test_config("linux"));
  const int fd = close_wait();
  auto r = send(from_peer(flag::ACK | flag::PSH, P, L, 65535, bytes(100)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "R", L, 0u);
  EXPECT_EQ(state_of(fd), State::Closed);
}

TEST_F(LinuxArrival2, TextBeyondPeersFinIsNotResetInRfcProfile) {
  const int fd = close_wait();
  send(from_peer(flag::ACK | flag::PSH, P, L, 65535, bytes(100)));
  EXPECT_EQ(state_of(fd), State::CloseWait);
}

TEST_F(LinuxArrival2, RetransmittedFinInCloseWaitIsStillAcked) {
  make(test_config("linux"));
  const int fd = close_wait();
  auto r = send(from_peer(flag::FIN | flag::ACK, P, L));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 1);
  EXPECT_EQ(state_of(fd), State::CloseWait);
}

// ---- time_wait_data_acked ----

TEST_F(LinuxArrival2, TextWithAcceptableAckInTimeWaitByProfile) {
  for (const char* profile : {"linux", "rfc"}) {
    make(test_config(profile));
    time_wait();
    run_until(100 * kMillis);
    auto r = send(from_peer(flag::ACK | flag::PSH, P + 1, L + 1, 65535, bytes(10)));
    if (std::string(profile) == "linux") {
      ASSERT_EQ(r.size(), 1u) << profile;
      EXPECT_SEGMENT(r[0], ".", L + 1, P + 1);
    } else {
      EXPECT_TRUE(r.empty()) << profile;
    }
    ASSERT_EQ(stack->connections().size(), 1u);
    EXPECT_EQ(stack->connections()[0]->state, State::TimeWait);
  }
}

TEST_F(LinuxArrival2, BareAckInTimeWaitStaysSilent) {
  make(test_config("linux"));
  time_wait();
  EXPECT_TRUE(send(from_peer(flag::ACK, P + 1, L + 1)).empty());
}

// ---- synack_text_discarded ----

TEST_F(LinuxArrival2, SynAckTextAndFinAreDroppedOnlySynAcked) {
  make(test_config("linux"));
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  local_port = sent().at(0).sport;
  auto r = send(to_active(flag::SYN | flag::ACK | flag::FIN, kPeerIsn, L, 65535, bytes(100)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
  EXPECT_EQ(state_of(fd), State::Established);
  std::int64_t ret = 0;
  read(fd, 1000, &ret);
  EXPECT_EQ(ret, -EAGAIN);
  // The peer's retransmission is taken as new text.
  send(to_active(flag::ACK | flag::PSH | flag::FIN, P, L, 65535, bytes(100)));
  EXPECT_EQ(state_of(fd), State::CloseWait);
  EXPECT_EQ(read(fd, 1000).size(), 100u);
}

TEST_F(LinuxArrival2, SynAckTextAndFinAreProcessedInRfcProfile) {
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  local_port = sent().at(0).sport;
  auto r = send(to_active(flag::SYN | flag::ACK | flag::FIN, kPeerIsn, L, 65535, bytes(100)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 101);
  EXPECT_EQ(state_of(fd), State::CloseWait);
}

// ---- acceptable_from_rcv_wup ----

TEST_F(LinuxArrival2, OldBareAckEndingAtRcvWupIsAcceptedSilently) {
  for (const char* profile : {"linux", "rfc"}) {
    make(test_config(profile));
    const int l = listener();
    ASSERT_EQ(send(from_peer(flag::SYN, kPeerIsn)).size(), 1u);  // SYN-ACK: Last.ACK.sent = P
    // Text and FIN, ACKed only after the delayed-ACK time in Linux.
    const auto first = send(from_peer(flag::FIN | flag::PSH | flag::ACK, P, L, 65535, bytes(100)));
    const bool linux = std::string(profile) == "linux";
    if (!first.empty()) {  // acknowledged at once (not Linux): RCV.WUP caught up, nothing to test
      EXPECT_FALSE(linux);
      continue;
    }
    auto r = send(from_peer(flag::ACK, P, L));  // SEG.SEQ = RCV.WUP < RCV.NXT
    EXPECT_EQ(r.size(), linux ? 0u : 1u) << profile;
    if (!linux) {
      ASSERT_EQ(r.size(), 1u);
      EXPECT_SEGMENT(r[0], ".", L, P + 101);
    }
    EXPECT_GE(stack->accept(l), 0);
  }
}

TEST_F(LinuxArrival2, OldBareAckBeforeRcvWupIsStillAcked) {
  make(test_config("linux"));
  passive_open();
  auto r = send(from_peer(flag::ACK, P - 1, L));  // keepalive-like: ends before RCV.WUP = P
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
}

// ---- every profile: a SYN that starts below RCV.NXT is not trimmed away (RFC 5961 4.2) ----

TEST_F(LinuxArrival2, OverlappingOldSynDrawsChallengeAckInEveryProfile) {
  for (const char* profile : {"linux", "rfc"}) {
    make(test_config(profile));
    const int fd = passive_open();
    stack->shutdown(fd, SHUT_WR);
    sent();
    ASSERT_EQ(state_of(fd), State::FinWait1);
    auto r = send(from_peer(flag::SYN | flag::FIN, P - 100, 0, 65535, bytes(150)));
    ASSERT_EQ(r.size(), 1u) << profile;
    EXPECT_SEGMENT(r[0], ".", L + 1, P);
    EXPECT_EQ(state_of(fd), State::FinWait1);
    EXPECT_EQ(stack->connection(fd)->challenge_acks, 1u) << profile;
  }
}

// ---- sender_sws_minshall_only (output.cpp): the short piece only ends a burst ----

TEST_F(LinuxArrival2, WindowLimitedPieceOnlyInsideTheFirstBurst) {
  // dfk12 #24: MSS 536, a 2000-octet write, 1300 octets of window. With the fuzzer's 100 ms
  // handshake Linux's GSO bursts are two segments (gso_burst_autosize): two full segments, and
  // the 228-octet piece would start a new burst, which needs a full MSS of window.
  for (const std::uint16_t win : {1300, 800}) {
    make(test_config("linux"));
    const int l = listener();
    ASSERT_EQ(send(from_peer(flag::SYN, kPeerIsn, 0, 4000)).size(), 1u);
    run_until(100 * kMillis);
    ASSERT_TRUE(send(from_peer(flag::ACK, P, L, 4000)).empty());
    const int fd = stack->accept(l);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(stack->connection(fd)->snd_mss, 536u);
    ASSERT_EQ(write(fd, 2000), 2000);
    ASSERT_EQ(sent().size(), 4u);
    EXPECT_TRUE(send(from_peer(flag::ACK, P, L + 2000, win)).empty());
    ASSERT_EQ(write(fd, 2000), 2000);
    const auto out = sent();
    if (win == 1300) {
      ASSERT_EQ(out.size(), 2u);
      EXPECT_EQ(out[1].seq + out[1].payload.size(), L + 2000 + 1072);
    } else {  // the edge falls inside the first burst: 536 and the 264-octet piece
      ASSERT_EQ(out.size(), 2u);
      EXPECT_EQ(out[1].payload.size(), 264u);
    }
  }
}

TEST_F(LinuxArrival2, WithoutAnRttSampleTheFirstBurstReachesTheWindowEdge) {
  // The same with a handshake of no measurable RTT: bursts of half the cwnd (five), so the
  // 228-octet piece to the window edge is inside the first burst and goes (measured on Linux
  // 6.18 with bbr: 2001:2537, 2537:3073, P. 3073:3301).
  make(test_config("linux"));
  const int fd = passive_open(4000);
  ASSERT_EQ(write(fd, 2000), 2000);
  ASSERT_EQ(sent().size(), 4u);
  EXPECT_TRUE(send(from_peer(flag::ACK, P, L + 2000, 1300)).empty());
  ASSERT_EQ(write(fd, 2000), 2000);
  const auto out = sent();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].payload.size(), 228u);
  EXPECT_TRUE(out[2].has(flag::PSH));
}

}  // namespace
}  // namespace synack::reference::testing
