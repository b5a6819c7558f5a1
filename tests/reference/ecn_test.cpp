// Explicit Congestion Notification, RFC 3168 §6.1 (RFC 9293 SHLD-8): negotiation in the
// handshake, ECT(0) on new data only, the receiver's ECE echo until CWR, and the sender's window
// reduction with CWR on the next new data. Each test is a (state, event) step with its exact reply
// (or silence) and next state; the fixture checks the invariants after every step.
#include <netinet/tcp.h>

#include "targets/reference/options.h"
#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t P = kPeerIsn + 1;
constexpr std::uint32_t L = kIss + 1;
constexpr std::uint16_t kMss = 1000;  // the peer's MSS: segments of 1000 octets

constexpr std::uint8_t kNotEct = 0;
constexpr std::uint8_t kEct0 = 2;
constexpr std::uint8_t kCe = 3;

net::Segment marked(net::Segment s, std::uint8_t ecn) {
  s.tos = static_cast<std::uint8_t>((s.tos & ~0x3) | ecn);
  return s;
}

class Ecn : public StackTest {
 protected:
  // A passive open whose SYN carries `syn_flags` besides SYN (ECE|CWR asks for ECN). Returns the
  // accepted descriptor; the SYN-ACK is left in `synack`.
  int open_with(std::uint16_t syn_flags) {
    const int l = listener();
    auto syn = from_peer(flag::SYN | syn_flags, kPeerIsn);
    syn.options = {mss_option(kMss)};
    auto r = send(syn);
    EXPECT_EQ(r.size(), 1u);
    if (!r.empty()) synack = r[0];
    EXPECT_TRUE(send(from_peer(flag::ACK, P, L)).empty());
    const int fd = stack->accept(l);
    EXPECT_EQ(state_of(fd), State::Established);
    return fd;
  }
  int ecn_open() { return open_with(flag::ECE | flag::CWR); }

  // Writes `n` octets and returns the one segment that goes out at once.
  net::Segment write_one(int fd, std::size_t n) {
    EXPECT_EQ(write(fd, n), static_cast<std::int64_t>(n));
    auto out = sent();
    EXPECT_EQ(out.size(), 1u);
    return out.empty() ? net::Segment{} : out[0];
  }

  // The ACK the stack sends for in-order data, at once or when the delayed-ACK timer fires.
  net::Segment ack_for(const net::Segment& data) {
    auto r = send(data);
    if (r.empty()) {
      for (auto& e : run_until(stack->now() + stack->config().delayed_ack)) r.push_back(e.segment);
    }
    EXPECT_EQ(r.size(), 1u);
    return r.empty() ? net::Segment{} : r[0];
  }

  const Tcb& tcb(int fd) const { return *stack->connection(fd); }

  net::Segment synack;
};

// ---- negotiation (§6.1.1) ----

TEST_F(Ecn, ListenEcnSetupSynGetsEcnSetupSynAck) {
  const int fd = ecn_open();
  // ECE set, CWR clear; the SYN-ACK itself is not-ECT.
  EXPECT_SEGMENT(synack, "S.E", kIss, P);
  EXPECT_EQ(synack.ecn(), kNotEct);
  EXPECT_TRUE(tcb(fd).ecn_ok);
  TcpInfo info;
  ASSERT_EQ(stack->tcp_info(fd, info), 0);
  for (const auto& [name, value] : info.fields) {
    if (std::string_view(name) == "tcpi_options") {
      EXPECT_TRUE(value & TCPI_OPT_ECN);
    }
  }
}

TEST_F(Ecn, ListenSynWithEceAloneIsNotEcnSetup) {
  const int fd = open_with(flag::ECE);
  EXPECT_SEGMENT(synack, "S.", kIss, P);
  EXPECT_FALSE(tcb(fd).ecn_ok);
}

TEST_F(Ecn, ListenSynWithCwrAloneIsNotEcnSetup) {
  const int fd = open_with(flag::CWR);
  EXPECT_SEGMENT(synack, "S.", kIss, P);
  EXPECT_FALSE(tcb(fd).ecn_ok);
}

TEST_F(Ecn, ListenPlainSynGetsPlainSynAck) {
  const int fd = open_with(0);
  EXPECT_SEGMENT(synack, "S.", kIss, P);
  EXPECT_FALSE(tcb(fd).ecn_ok);
}

TEST_F(Ecn, ListenWithEcnOffClearsBothFlags) {
  StackConfig c = test_config();
  c.ecn_passive = false;
  make(c);
  const int fd = ecn_open();
  EXPECT_SEGMENT(synack, "S.", kIss, P);  // "SHOULD clear both ECE and CWR in the SYN-ACK"
  EXPECT_FALSE(tcb(fd).ecn_ok);
  EXPECT_EQ(write_one(fd, 100).ecn(), kNotEct);
}

TEST_F(Ecn, EveryProfileAcceptsEcnPassivelyAndNeverAsks) {
  for (const auto& name : StackConfig::profiles()) {
    const StackConfig c = StackConfig::from_profile(name).value();
    EXPECT_TRUE(c.ecn_passive) << name;
    EXPECT_FALSE(c.ecn_active) << name;
  }
}

TEST_F(Ecn, ClosedActiveOpenSendsPlainSynByDefault) {
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "S", kIss, 0);
  EXPECT_EQ(r[0].ecn(), kNotEct);
}

class ActiveEcn : public Ecn {
 protected:
  void SetUp() override {
    StackConfig c = test_config();
    c.ecn_active = true;
    make(c);
  }
  // connect(): returns the descriptor; the SYN is checked to be an ECN-setup SYN.
  int syn_sent() {
    const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
    auto r = sent();
    EXPECT_EQ(r.size(), 1u);
    if (!r.empty()) {
      EXPECT_SEGMENT(r[0], "SEW", kIss, 0);
      EXPECT_EQ(r[0].ecn(), kNotEct);
      local_port = r[0].sport;
    }
    return fd;
  }
  net::Segment synack_with(std::uint16_t extra) {
    auto s = to_active(flag::SYN | flag::ACK | extra, kPeerIsn, L);
    s.options = {mss_option(kMss)};
    return s;
  }
};

TEST_F(ActiveEcn, SynSentEcnSetupSynAckNegotiates) {
  const int fd = syn_sent();
  auto r = send(synack_with(flag::ECE));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
  EXPECT_EQ(state_of(fd), State::Established);
  EXPECT_TRUE(tcb(fd).ecn_ok);
  const auto d = write_one(fd, 100);
  EXPECT_EQ(flags_of(d), "P.");
  EXPECT_EQ(d.ecn(), kEct0);
}

TEST_F(ActiveEcn, SynSentPlainSynAckLeavesEcnOff) {
  const int fd = syn_sent();
  send(synack_with(0));
  EXPECT_EQ(state_of(fd), State::Established);
  EXPECT_FALSE(tcb(fd).ecn_ok);
  EXPECT_EQ(write_one(fd, 100).ecn(), kNotEct);
}

TEST_F(ActiveEcn, SynSentSynAckWithEceAndCwrIsNotEcnSetup) {
  const int fd = syn_sent();
  send(synack_with(flag::ECE | flag::CWR));
  EXPECT_EQ(state_of(fd), State::Established);
  EXPECT_FALSE(tcb(fd).ecn_ok);
}

TEST_F(ActiveEcn, SimultaneousOpenWithTwoEcnSetupSynsNegotiates) {
  const int fd = syn_sent();
  auto syn = to_active(flag::SYN | flag::ECE | flag::CWR, kPeerIsn, 0);
  auto r = send(syn);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "S.E", kIss, P);  // an ECN-setup SYN-ACK
  EXPECT_EQ(state_of(fd), State::SynReceived);
  send(to_active(flag::ACK, P, L));
  EXPECT_EQ(state_of(fd), State::Established);
  EXPECT_TRUE(tcb(fd).ecn_ok);
}

// ---- ECT on what the stack sends (§6.1.2, §6.1.4 - §6.1.6) ----

TEST_F(Ecn, EstablishedNewDataIsEct0PureAckIsNot) {
  const int fd = ecn_open();
  const auto d = write_one(fd, 100);
  EXPECT_SEGMENT(d, "P.", L, P);
  EXPECT_EQ(d.ecn(), kEct0);
  const auto a = ack_for(from_peer(flag::ACK | flag::PSH, P, L + 100, 65535, bytes(10)));
  EXPECT_SEGMENT(a, ".", L + 100, P + 10);
  EXPECT_EQ(a.ecn(), kNotEct);
}

TEST_F(Ecn, UserTosKeepsItsDscpAndEcnAddsEct0) {
  const int fd = ecn_open();
  ASSERT_EQ(stack->setsockopt(fd, IPPROTO_IP, IP_TOS, 0xb8), 0);
  const auto d = write_one(fd, 100);
  EXPECT_EQ(d.tos, 0xb8 | kEct0);
}

TEST_F(Ecn, RetransmissionIsNotEctAndTheNextNewDataCarriesCwr) {
  const int fd = ecn_open();
  EXPECT_EQ(write_one(fd, 100).ecn(), kEct0);
  // RFC 6298: the timer expires; §6.1.5: the retransmission is not-ECT and has no CWR.
  auto r = run_until(stack->now() + stack->connection(fd)->rto);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0].segment, "P.", L, P);
  EXPECT_EQ(r[0].segment.ecn(), kNotEct);
  EXPECT_TRUE(send(from_peer(flag::ACK, P, L + 100)).empty());
  // The timeout reduced the window: the first new data carries CWR (§6.1.2) ...
  const auto d = write_one(fd, 100);
  EXPECT_SEGMENT(d, "P.W", L + 100, P);
  EXPECT_EQ(d.ecn(), kEct0);
  send(from_peer(flag::ACK, P, L + 200));
  // ... and only the first.
  EXPECT_EQ(flags_of(write_one(fd, 100)), "P.");
}

TEST_F(Ecn, FastRetransmitIsNotEctAndTheNextNewDataCarriesCwr) {
  const int fd = ecn_open();
  write(fd, 3 * kMss);  // three segments: the initial window of the rfc profile
  EXPECT_EQ(sent().size(), 3u);
  for (int i = 0; i < 3; ++i) send(from_peer(flag::ACK, P, L));  // three duplicate ACKs
  // (the third answered at once with the fast retransmission, checked here)
  EXPECT_TRUE(stack->connection(fd)->in_recovery);
  EXPECT_TRUE(stack->connection(fd)->cwr_pending);
  auto r = send(from_peer(flag::ACK, P, L + 3 * kMss));  // recovery ends
  write(fd, 100);
  r = sent();
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(flags_of(r[0]), "P.W");
  EXPECT_EQ(r[0].ecn(), kEct0);
}

TEST_F(Ecn, FastRetransmissionSegmentIsNotEct) {
  const int fd = ecn_open();
  write(fd, 3 * kMss);
  sent();
  send(from_peer(flag::ACK, P, L));
  send(from_peer(flag::ACK, P, L));
  auto r = send(from_peer(flag::ACK, P, L));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
  EXPECT_EQ(r[0].payload.size(), kMss);
  EXPECT_EQ(r[0].ecn(), kNotEct);
  EXPECT_EQ(state_of(fd), State::Established);
}

TEST_F(Ecn, ZeroWindowProbeIsNotEct) {
  const int fd = open_with(flag::ECE | flag::CWR);
  send(from_peer(flag::ACK, P, L, 0));  // the peer closes its window
  EXPECT_EQ(write(fd, 10), 10);
  EXPECT_TRUE(sent().empty());
  auto r = run_until(stack->now() + stack->connection(fd)->rto);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].segment.payload.size(), 1u);  // RFC 9293 §3.8.6.1: one octet
  EXPECT_EQ(r[0].segment.ecn(), kNotEct);      // RFC 3168 §6.1.6
}

TEST_F(Ecn, LoneFinIsNotEct) {
  const int fd = ecn_open();
  ASSERT_EQ(stack->shutdown(fd, SHUT_WR), 0);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "F.", L, P);
  EXPECT_EQ(r[0].ecn(), kNotEct);
  EXPECT_EQ(state_of(fd), State::FinWait1);
}

TEST_F(Ecn, ResetIsNotEctAndHasNoEce) {
  const int fd = ecn_open();
  ack_for(marked(from_peer(flag::ACK | flag::PSH, P, L, 65535, bytes(10)), kCe));
  ASSERT_EQ(stack->setsockopt(fd, SOL_SOCKET, SO_LINGER, 1, 0), 0);
  stack->close(fd);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "R");
  EXPECT_EQ(r[0].ecn(), kNotEct);
}

// ---- the data receiver (§6.1.3) ----

TEST_F(Ecn, EstablishedCeDataIsEchoedUntilCwr) {
  const int fd = ecn_open();
  // A CE mark on in-window data: its ACK carries ECE ...
  auto a = ack_for(marked(from_peer(flag::ACK | flag::PSH, P, L, 65535, bytes(100)), kCe));
  EXPECT_SEGMENT(a, ".E", L, P + 100);
  EXPECT_EQ(a.ecn(), kNotEct);
  // ... and so does every ACK after it, CE or not ...
  a = ack_for(marked(from_peer(flag::ACK | flag::PSH, P + 100, L, 65535, bytes(100)), kEct0));
  EXPECT_SEGMENT(a, ".E", L, P + 200);
  // ... data we send too (it carries an ACK) ...
  const auto d = write_one(fd, 10);
  EXPECT_EQ(flags_of(d), "P.E");
  EXPECT_EQ(d.ecn(), kEct0);
  // ... until a segment with CWR arrives.
  a = ack_for(marked(from_peer(flag::ACK | flag::PSH | flag::CWR, P + 200, L + 10, 65535, bytes(100)),
                     kEct0));
  EXPECT_SEGMENT(a, ".", L + 10, P + 300);
  EXPECT_FALSE(tcb(fd).ece_echo);
  EXPECT_EQ(state_of(fd), State::Established);
}

TEST_F(Ecn, EstablishedCwrAndCeTogetherKeepTheEcho) {
  const int fd = ecn_open();
  ack_for(marked(from_peer(flag::ACK | flag::PSH, P, L, 65535, bytes(100)), kCe));
  // The CWR ends the old echo, the CE on the same segment starts a new one.
  auto a = ack_for(
      marked(from_peer(flag::ACK | flag::PSH | flag::CWR, P + 100, L, 65535, bytes(100)), kCe));
  EXPECT_SEGMENT(a, ".E", L, P + 200);
  EXPECT_TRUE(tcb(fd).ece_echo);
}

TEST_F(Ecn, EstablishedCeOutsideTheWindowIsIgnored) {
  const int fd = ecn_open();
  // §6.1.5: CE on a segment outside the window is ignored; the segment draws the usual ACK.
  auto r = send(marked(from_peer(flag::ACK | flag::PSH, P + (1u << 20), L, 65535, bytes(10)), kCe));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
  EXPECT_FALSE(tcb(fd).ece_echo);
  // An old duplicate (below RCV.NXT) likewise.
  ack_for(from_peer(flag::ACK | flag::PSH, P, L, 65535, bytes(10)));
  r = send(marked(from_peer(flag::ACK | flag::PSH, P, L, 65535, bytes(10)), kCe));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 10);
  EXPECT_FALSE(tcb(fd).ece_echo);
}

TEST_F(Ecn, EstablishedCeOnAPureAckIsNotEchoed) {
  const int fd = ecn_open();
  EXPECT_TRUE(send(marked(from_peer(flag::ACK, P, L), kCe)).empty());
  EXPECT_FALSE(tcb(fd).ece_echo);
  EXPECT_TRUE(tcb(fd).ecn_seen);
}

TEST_F(Ecn, EstablishedCeWithoutNegotiationIsNotEchoed) {
  const int fd = open_with(0);
  auto a = ack_for(marked(from_peer(flag::ACK | flag::PSH, P, L, 65535, bytes(100)), kCe));
  EXPECT_SEGMENT(a, ".", L, P + 100);
  EXPECT_FALSE(tcb(fd).ece_echo);
}

// ---- the data sender (§6.1.2) ----

TEST_F(Ecn, EstablishedEceHalvesTheWindowAndSetsCwrOnce) {
  const int fd = ecn_open();
  const std::uint32_t cwnd = tcb(fd).cwnd;
  EXPECT_EQ(write_one(fd, 100).ecn(), kEct0);
  EXPECT_TRUE(send(from_peer(flag::ACK | flag::ECE, P, L + 100)).empty());
  EXPECT_EQ(tcb(fd).cwnd, cwnd / 2);  // halved, and not grown by the ACK's 100 octets
  EXPECT_EQ(tcb(fd).ssthresh, std::max<std::uint32_t>(cwnd / 2, 2 * kMss));
  auto d = write_one(fd, 100);
  EXPECT_SEGMENT(d, "P.W", L + 100, P);
  EXPECT_EQ(d.ecn(), kEct0);
  send(from_peer(flag::ACK, P, L + 200));
  d = write_one(fd, 100);
  EXPECT_SEGMENT(d, "P.", L + 200, P);
  EXPECT_EQ(state_of(fd), State::Established);
}

TEST_F(Ecn, EstablishedEceReducesOncePerWindow) {
  const int fd = ecn_open();
  write(fd, 2 * kMss);
  EXPECT_EQ(sent().size(), 2u);
  const std::uint32_t cwnd = tcb(fd).cwnd;
  send(from_peer(flag::ACK | flag::ECE, P, L + kMss));
  EXPECT_EQ(tcb(fd).cwnd, cwnd / 2);
  // The second ECE acknowledges data sent before the reduction: same window, no second cut, and
  // no growth either.
  send(from_peer(flag::ACK | flag::ECE, P, L + 2 * kMss));
  EXPECT_EQ(tcb(fd).cwnd, cwnd / 2);
  // Data sent after the reduction and echoed again: a new window, a new cut.
  write_one(fd, 100);
  send(from_peer(flag::ACK | flag::ECE, P, L + 2 * kMss + 100));
  EXPECT_EQ(tcb(fd).cwnd, std::max<std::uint32_t>(cwnd / 4, kMss));
}

TEST_F(Ecn, EstablishedEceWithoutNegotiationIsIgnored) {
  const int fd = open_with(0);
  const std::uint32_t cwnd = tcb(fd).cwnd;
  write_one(fd, 100);
  send(from_peer(flag::ACK | flag::ECE, P, L + 100));
  EXPECT_GT(tcb(fd).cwnd, cwnd);  // an ordinary ACK: slow start grows the window
  const auto d = write_one(fd, 100);
  EXPECT_EQ(flags_of(d), "P.");
  EXPECT_EQ(d.ecn(), kNotEct);
}

TEST_F(Ecn, EstablishedEceAtOneSegmentRestartsTheRetransmissionTimer) {
  StackConfig c = test_config();
  c.initial_cwnd_segments = 1;
  make(c);
  const int fd = ecn_open();
  ASSERT_EQ(tcb(fd).cwnd, kMss);
  write(fd, 2 * kMss);
  EXPECT_EQ(sent().size(), 1u);  // one segment's window
  stack->advance_to(stack->now() + 500 * kMillis);
  // "The sending TCP MUST reset the retransmit timer on receiving the ECN-Echo packet when the
  // congestion window is one": the ECE on a duplicate ACK restarts the timer from now.
  EXPECT_TRUE(send(from_peer(flag::ACK | flag::ECE, P, L)).empty());
  EXPECT_EQ(tcb(fd).cwnd, kMss);
  EXPECT_EQ(tcb(fd).rexmt_at, stack->now() + tcb(fd).rto);
  EXPECT_TRUE(tcb(fd).cwr_pending);
}

}  // namespace
}  // namespace synack::reference::testing
