// Segment arrival as Linux 6.18 does it (config.h "Measured with synack diff --fuzz", segment
// arrival keys), each next to the rfc profile's RFC 9293 behaviour.
#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t P = kPeerIsn + 1;
constexpr std::uint32_t L = kIss + 1;

class LinuxArrival : public StackTest {
 protected:
  // A listener with one half-open connection in SYN-RECEIVED (its SYN-ACK consumed).
  int half_open() {
    const int l = listener();
    auto r = send(from_peer(flag::SYN, kPeerIsn));
    EXPECT_EQ(r.size(), 1u);
    EXPECT_EQ(stack->connections().size(), 1u);
    return l;
  }
  // An active open that crossed the peer's SYN: SYN-RECEIVED, our SYN-ACK consumed.
  int simultaneous_open() {
    const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
    local_port = sent().at(0).sport;
    auto r = send(to_active(flag::SYN, kPeerIsn, 0));
    EXPECT_EQ(r.size(), 1u);
    EXPECT_EQ(state_of(fd), State::SynReceived);
    return fd;
  }
  int active_syn_sent() {
    const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
    local_port = sent().at(0).sport;
    return fd;
  }
  static std::size_t count_flags(const std::vector<Emitted>& out, const char* f) {
    std::size_t n = 0;
    for (const auto& e : out) n += flags_of(e.segment) == f ? 1 : 0;
    return n;
  }
};

// ---- ack_unsent_data_rate_limited (RC-ACK-UNSENT) ----

TEST_F(LinuxArrival, AckOfUnsentDataDrawsRateLimitedChallengeAck) {
  make(test_config("linux"));
  const int fd = passive_open();
  auto r = send(from_peer(flag::ACK | flag::PSH, P, L + 100, 65535, bytes(10)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);  // the data is not acknowledged: dropped
  std::int64_t ret = 0;
  read(fd, 100, &ret);
  EXPECT_EQ(ret, -EAGAIN);
  run_until(100 * kMillis);
  EXPECT_TRUE(send(from_peer(flag::ACK, P, L + 100)).empty());  // within 500 ms
  run_until(600 * kMillis);
  r = send(from_peer(flag::ACK, P, L + 100));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
}

TEST_F(LinuxArrival, AckOfUnsentDataAnsweredEveryTimeInRfcProfile) {
  const int fd = passive_open();
  EXPECT_EQ(send(from_peer(flag::ACK, P, L + 100)).size(), 1u);
  run_until(100 * kMillis);
  EXPECT_EQ(send(from_peer(flag::ACK, P, L + 100)).size(), 1u);
  EXPECT_EQ(stack->connection(fd)->challenge_acks, 0u);  // a plain ACK, not a challenge ACK
}

TEST_F(LinuxArrival, AckOfUnsentDataWithFinInFinWait1IsChallenged) {
  make(test_config("linux"));
  const int fd = passive_open();
  stack->shutdown(fd, SHUT_WR);
  sent();
  ASSERT_EQ(state_of(fd), State::FinWait1);
  auto r = send(from_peer(flag::FIN | flag::ACK, P, L + 2000));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 1, P);  // the FIN is dropped with the segment
  EXPECT_EQ(state_of(fd), State::FinWait1);
  EXPECT_EQ(stack->connection(fd)->challenge_acks, 1u);
}

// Linux's TIME-WAIT (tcp_timewait_state_process) never looks at SEG.ACK: a bare ACK of unsent data
// is taken silently, one with text is answered like any out-of-window segment.
TEST_F(LinuxArrival, AckOfUnsentDataInTimeWaitByProfile) {
  for (const char* profile : {"linux", "rfc"}) {
    make(test_config(profile));
    const int fd = passive_open();
    stack->close(fd);
    sent();
    send(from_peer(flag::ACK, P, L + 1));
    send(from_peer(flag::FIN | flag::ACK, P, L + 1));
    run_until(100 * kMillis);
    ASSERT_EQ(stack->connections().size(), 1u);
    ASSERT_EQ(stack->connections()[0]->state, State::TimeWait);
    const bool linux = std::string(profile) == "linux";
    auto r = send(from_peer(flag::ACK, P + 1, L + 100));
    EXPECT_EQ(r.size(), linux ? 0u : 1u) << profile;
    run_until(800 * kMillis);
    r = send(from_peer(flag::ACK | flag::PSH, P + 1, L + 100, 65535, bytes(10)));
    ASSERT_EQ(r.size(), 1u) << profile;
    EXPECT_SEGMENT(r[0], ".", L + 1, P + 1);
  }
}

// ---- RC-FIN-OOW (every profile): a FIN occupies sequence space, so it is never rate limited ----

TEST_F(LinuxArrival, OutOfWindowFinIsNeitherLimitedNorStampsTheLimiter) {
  for (const char* profile : {"linux", "rfc"}) {
    StackConfig c = test_config(profile);
    c.challenge_ack_min_interval = 500 * kMillis;
    make(c);
    passive_open();
    // An old pure ACK: answered, and it starts the interval.
    EXPECT_EQ(send(from_peer(flag::ACK, P - 1000, L)).size(), 1u) << profile;
    // An old FIN inside the interval: still answered (not a pure ACK) ...
    EXPECT_EQ(send(from_peer(flag::FIN | flag::ACK, P - 1000, L)).size(), 1u) << profile;
    // ... and a pure ACK is still limited by the first stamp.
    EXPECT_TRUE(send(from_peer(flag::ACK, P - 1000, L)).empty()) << profile;
    run_until(600 * kMillis);
    // An old FIN first: it does not stamp, so the pure ACK after it is answered.
    EXPECT_EQ(send(from_peer(flag::FIN | flag::ACK, P - 1000, L)).size(), 1u) << profile;
    EXPECT_EQ(send(from_peer(flag::ACK, P - 1000, L)).size(), 1u) << profile;
  }
}

// ---- synrecv_ack_check_first (RC-SYNRECV-ACK-FIRST) ----

TEST_F(LinuxArrival, SynReceivedOutOfWindowBadAckGetsRstAndStays) {
  make(test_config("linux"));
  const int l = half_open();
  auto r = send(from_peer(flag::ACK, P + 1000000, L + 4));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "R");
  EXPECT_EQ(r[0].seq, L + 4);
  ASSERT_EQ(stack->connections().size(), 1u);
  EXPECT_EQ(stack->connections()[0]->state, State::SynReceived);
  EXPECT_TRUE(send(from_peer(flag::ACK, P, L)).empty());
  EXPECT_GE(stack->accept(l), 0);
}

TEST_F(LinuxArrival, SynReceivedOutOfWindowBadAckGetsAckInRfcProfile) {
  half_open();
  auto r = send(from_peer(flag::ACK, P + 1000000, L + 4));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
  EXPECT_EQ(stack->connections()[0]->state, State::SynReceived);
}

TEST_F(LinuxArrival, SynReceivedSynAckWithBadAckGetsRstBeforeTheSynCheck) {
  make(test_config("linux"));
  half_open();
  auto r = send(from_peer(flag::SYN | flag::ACK, P, kIss));  // ack = ISS
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "R");
  EXPECT_EQ(r[0].seq, kIss);
  ASSERT_EQ(stack->connections().size(), 1u);  // the half-open connection survives
  // rfc: the in-window SYN returns the connection to LISTEN, silently.
  make(test_config());
  half_open();
  EXPECT_TRUE(send(from_peer(flag::SYN | flag::ACK, P, kIss)).empty());
  EXPECT_TRUE(stack->connections().empty());
}

TEST_F(LinuxArrival, SynReceivedRstWithBadAckIsNotCheckedFirst) {
  make(test_config("linux"));
  half_open();
  // Measured: an in-window RST|ACK with a bad ACK draws the challenge ACK, no RST.
  auto r = send(from_peer(flag::RST | flag::ACK, P + 10, L + 4));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
}

// ---- synrecv_syn_resets (RC-SYNRECV-SYN-RST) ----

TEST_F(LinuxArrival, SynReceivedNewSynInWindowIsResetAndDropped) {
  make(test_config("linux"));
  const int l = half_open();
  auto r = send(from_peer(flag::SYN, kPeerIsn + 100));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "R.", 0, kPeerIsn + 101);
  EXPECT_TRUE(stack->connections().empty());
  EXPECT_EQ(stack->accept(l), -EAGAIN);
}

TEST_F(LinuxArrival, SynReceivedNewSynReturnsToListenSilentlyInRfcProfile) {
  half_open();
  EXPECT_TRUE(send(from_peer(flag::SYN, kPeerIsn + 100)).empty());
  EXPECT_TRUE(stack->connections().empty());
}

TEST_F(LinuxArrival, SynReceivedRetransmittedSynStillGetsSynAck) {
  make(test_config("linux"));
  half_open();
  auto r = send(from_peer(flag::SYN, kPeerIsn));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "S.");
  EXPECT_EQ(stack->connections().size(), 1u);
}

// ---- syn_unacceptable_ack_retry (RC-SYNSENT-FASTRTX) ----

TEST_F(LinuxArrival, SynSentUnacceptableAckRetransmitsSynSoon) {
  make(test_config("linux"));
  active_syn_sent();
  auto r = send(to_active(flag::ACK, kPeerIsn, kIss + 1460));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "R");
  EXPECT_TRUE(run_until(7 * kMillis).empty());
  auto t = run_until(20 * kMillis);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(flags_of(t[0].segment), "S");
  EXPECT_EQ(t[0].time, 8 * kMillis);
  // Once the SYN was retransmitted, another unacceptable ACK leaves the timer alone.
  r = send(to_active(flag::ACK, kPeerIsn, kIss + 1460));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(run_until(100 * kMillis).empty());
}

TEST_F(LinuxArrival, SynSentUnacceptableAckOnRstAlsoRetransmitsSynSoon) {
  make(test_config("linux"));
  active_syn_sent();
  EXPECT_TRUE(send(to_active(flag::RST | flag::ACK, kPeerIsn, kIss + 1460)).empty());
  EXPECT_EQ(count_flags(run_until(20 * kMillis), "S"), 1u);
}

TEST_F(LinuxArrival, SynSentUnacceptableAckKeepsTheRtoInRfcProfile) {
  active_syn_sent();
  ASSERT_EQ(send(to_active(flag::ACK, kPeerIsn, kIss + 1460)).size(), 1u);
  EXPECT_TRUE(run_until(900 * kMillis).empty());
}

// ---- simultaneous_synack_acked (RC-SIMOPEN-SYNACK-ACK) ----

TEST_F(LinuxArrival, SimultaneousOpenSynAckIsAcknowledged) {
  make(test_config("linux"));
  const int fd = simultaneous_open();
  auto r = send(to_active(flag::SYN | flag::ACK, kPeerIsn, L));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
  EXPECT_EQ(state_of(fd), State::Established);
}

TEST_F(LinuxArrival, SimultaneousOpenSynAckIsSilentInRfcProfile) {
  const int fd = simultaneous_open();
  EXPECT_TRUE(send(to_active(flag::SYN | flag::ACK, kPeerIsn, L)).empty());
  EXPECT_EQ(state_of(fd), State::Established);
}

// ---- simultaneous_synack_keeps_timer (RC-SIMOPEN-TIMER, the timer part) ----

TEST_F(LinuxArrival, SimultaneousOpenSynAckKeepsTheSynTimer) {
  for (const char* profile : {"linux", "rfc"}) {
    make(test_config(profile));
    const Micros rto = stack->config().rto_initial;
    const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
    stack->connect(fd, peer_addr(), kPeerPort);
    local_port = sent().at(0).sport;
    EXPECT_TRUE(run_until(300 * kMillis).empty());
    ASSERT_EQ(send(to_active(flag::SYN, kPeerIsn, 0)).size(), 1u);
    auto t = run_until(rto + 300 * kMillis);
    ASSERT_EQ(t.size(), 1u) << profile;
    EXPECT_EQ(flags_of(t[0].segment), "S.") << profile;
    const bool linux = std::string(profile) == "linux";
    EXPECT_EQ(t[0].time, linux ? rto : rto + 300 * kMillis) << profile;
  }
}

// ---- synrecv_rst_econnreset (RC-SYNRECV-RST-ERRNO) ----

TEST_F(LinuxArrival, RstInActiveSynReceivedErrnoByProfile) {
  for (const char* profile : {"linux", "rfc"}) {
    make(test_config(profile));
    const int fd = simultaneous_open();
    EXPECT_TRUE(send(to_active(flag::RST, P, 0)).empty());
    EXPECT_EQ(state_of(fd), State::Closed);
    const bool linux = std::string(profile) == "linux";
    EXPECT_EQ(stack->connect_status(fd), linux ? -ECONNRESET : -ECONNREFUSED) << profile;
  }
}

// ---- child_fresh_ratelimit (RC-CHILD-RATELIMIT) ----

TEST_F(LinuxArrival, EstablishedChildStartsWithAFreshAckLimiter) {
  for (bool fresh : {true, false}) {
    StackConfig c = test_config("linux");
    c.child_fresh_ratelimit = fresh;
    make(c);
    half_open();
    // A RST in the window but not at RCV.NXT: challenge ACK, which stamps the limiter.
    ASSERT_EQ(send(from_peer(flag::RST, P + 10)).size(), 1u);
    ASSERT_TRUE(send(from_peer(flag::ACK, P, L)).empty());  // ESTABLISHED
    // An old pure ACK right after: answered only if the child has a limiter of its own.
    EXPECT_EQ(send(from_peer(flag::ACK, P - 1000, L)).size(), fresh ? 1u : 0u) << fresh;
  }
}

}  // namespace
}  // namespace synack::reference::testing
