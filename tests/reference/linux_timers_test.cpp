// Linux-profile timer behaviours measured against Linux 6.18: the RTT estimator
// (rto_estimator = linux), the RTO after a handshake without an RTT sample, and the delayed ACK
// before any data (delayed_ack_before_data_ms) and the tail loss probe (tail_loss_probe). Each is
// checked with its key on and off.
#include "targets/reference/options.h"
#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t P = kPeerIsn + 1;  // peer's first data sequence number
constexpr std::uint32_t L = kIss + 1;      // stack's first data sequence number

StackConfig linux_config(RtoEstimator estimator) {
  StackConfig c = test_config("linux");
  c.rto_estimator = estimator;
  return c;
}

class LinuxTimersTest : public StackTest {
 protected:
  // Passive open whose handshake ACK arrives `synack_rtt` after the SYN-ACK; then 100 bytes
  // sent at `synack_rtt` and acknowledged `data_rtt` later. Returns the descriptor.
  int open_with_samples(Micros synack_rtt, Micros data_rtt) {
    const int l = listener();
    EXPECT_EQ(send(from_peer(flag::SYN, kPeerIsn, 0)).size(), 1u);
    stack->advance_to(synack_rtt);
    send(from_peer(flag::ACK, P, L));
    const int fd = stack->accept(l);
    EXPECT_GE(fd, 0);
    write(fd, 100);
    EXPECT_EQ(sent().size(), 1u);
    stack->advance_to(synack_rtt + data_rtt);
    send(from_peer(flag::ACK, P, L + 100));
    return fd;
  }
};

// ---- rto_estimator ----

TEST_F(LinuxTimersTest, LinuxRtoAfterTwo100msSamplesIs300ms) {
  // Part-B #28, part-A #1: SRTT 100 ms + rttvar max(2·100, rto_min 200) = 300 ms; the
  // retransmission of data sent now comes 300 ms later.
  make(linux_config(RtoEstimator::Linux));
  const int fd = open_with_samples(100 * kMillis, 100 * kMillis);
  const Tcb* t = stack->connection(fd);
  EXPECT_EQ(t->srtt, 100 * kMillis);
  EXPECT_EQ(t->rto, 300 * kMillis);
  write(fd, 100);
  EXPECT_EQ(sent().size(), 1u);
  auto r = run_until(800 * kMillis);
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0].time, 500 * kMillis);
  EXPECT_SEGMENT(r[0].segment, "P.", L + 100, P);
}

TEST_F(LinuxTimersTest, Rfc6298RtoAfterTwo100msSamplesIs250ms) {
  // The same samples under RFC 6298: RTTVAR 37.5 ms, RTO = 100 + 4·37.5 = 250 ms.
  make(linux_config(RtoEstimator::Rfc6298));
  const int fd = open_with_samples(100 * kMillis, 100 * kMillis);
  EXPECT_EQ(stack->connection(fd)->rto, 250 * kMillis);
}

TEST_F(LinuxTimersTest, LinuxRtoAfterZeroSynAckSampleThen100msIs212500us) {
  // Part-A #17, part-C #65: SYN-ACK sample 0, data 100 ms: SRTT 12.5 ms, rttvar stays at
  // rto_min (4·mdev = 100 ms is below it), RTO 212.5 ms; RFC 6298 would give max(200, 112.5).
  make(linux_config(RtoEstimator::Linux));
  const int fd = open_with_samples(0, 100 * kMillis);
  const Tcb* t = stack->connection(fd);
  EXPECT_EQ(t->srtt, 12500);
  EXPECT_EQ(t->rttvar, 25 * kMillis);  // tcpi_rttvar: mdev_us / 4
  EXPECT_EQ(t->rto, 212500);

  make(linux_config(RtoEstimator::Rfc6298));
  const int fd2 = open_with_samples(0, 100 * kMillis);
  EXPECT_EQ(stack->connection(fd2)->rto, 200 * kMillis);
}

TEST_F(LinuxTimersTest, LinuxFallingRttLowersTheDeviationSlowly) {
  // Part-C #52: 100 ms then 0 ms. SRTT 87.5 ms; the error 100 ms minus mdev 50 ms counts 1/8
  // (gain 1/32), so 4·mdev = 200 + 6.25 ms and the RTO is 87.5 + 206.25 = 293.75 ms. RFC 6298:
  // 87.5 + 4·62.5 = 337.5 ms.
  make(linux_config(RtoEstimator::Linux));
  const int fd = open_with_samples(100 * kMillis, 0);
  const Tcb* t = stack->connection(fd);
  EXPECT_EQ(t->srtt, 87500);
  EXPECT_EQ(t->rttvar_floor, 206250);
  EXPECT_EQ(t->rto, 293750);

  make(linux_config(RtoEstimator::Rfc6298));
  const int fd2 = open_with_samples(100 * kMillis, 0);
  EXPECT_EQ(stack->connection(fd2)->rto, 337500);
}

TEST_F(LinuxTimersTest, LinuxVarianceTermDecaysOncePerWindowTowardsTheFloor) {
  // A large first sample (1 s: rttvar 2 s) decays by a quarter of its excess over the window's
  // largest deviation, once per window: when SND.UNA passes the SND.NXT of the last decay.
  StackConfig c = linux_config(RtoEstimator::Linux);
  c.rto_initial = 10 * kMicrosPerSecond;  // no SYN-ACK retransmission before the 1 s ACK
  make(c);
  const int fd = open_with_samples(1 * kMicrosPerSecond, 1 * kMicrosPerSecond);
  const Tcb* t = stack->connection(fd);
  // Second sample (1 s): error 0, 4·mdev = 1.5 s; the window's largest deviation is still the
  // first sample's 2 s, so no decay; a new window starts at SND.NXT with the floor rto_min.
  EXPECT_EQ(t->srtt, 1 * kMicrosPerSecond);
  EXPECT_EQ(t->mdev4, 1500 * kMillis);
  EXPECT_EQ(t->rttvar_floor, 2 * kMicrosPerSecond);
  EXPECT_EQ(t->mdev4_max, 200 * kMillis);
  EXPECT_EQ(t->rttvar_window_end, L + 100);
  EXPECT_EQ(t->rto, 3 * kMicrosPerSecond);
  // Third sample (1 s): 4·mdev = 1.125 s is the window's largest; rttvar -= (2 - 1.125) / 4.
  write(fd, 100);
  EXPECT_EQ(sent().size(), 1u);
  stack->advance_to(3 * kMicrosPerSecond);
  send(from_peer(flag::ACK, P, L + 200));
  EXPECT_EQ(t->mdev4, 1125 * kMillis);
  EXPECT_EQ(t->rttvar_floor, 1781250);
  EXPECT_EQ(t->rto, 2781250);
  EXPECT_EQ(t->rttvar_window_end, L + 200);
}

TEST_F(LinuxTimersTest, LinuxRtoIsClampedToRtoMax) {
  StackConfig c = linux_config(RtoEstimator::Linux);
  c.rto_max = 1 * kMicrosPerSecond;
  make(c);
  const int fd = open_with_samples(800 * kMillis, 800 * kMillis);
  EXPECT_EQ(stack->connection(fd)->rto, 1 * kMicrosPerSecond);
}

TEST_F(LinuxTimersTest, IcmpRevertRecomputesTheLinuxRto) {
  // RFC 6069 (icmp_rto_revert, on in the linux profile): an unreachable for SND.UNA undoes one
  // backoff from the estimator's RTO: 300 ms (Linux) or 250 ms (RFC 6298), doubled once.
  for (const RtoEstimator e : {RtoEstimator::Linux, RtoEstimator::Rfc6298}) {
    make(linux_config(e));
    const int fd = open_with_samples(100 * kMillis, 100 * kMillis);
    write(fd, 100);
    EXPECT_EQ(sent().size(), 1u);
    EXPECT_FALSE(run_until(stack->next_timer()).empty());
    EXPECT_FALSE(run_until(stack->next_timer()).empty());
    const Tcb* t = stack->connection(fd);
    ASSERT_EQ(t->backoff, 2);
    net::IcmpMessage m;
    m.src = peer_addr();
    m.dst = stack_addr();
    m.type = 3;  // destination unreachable, net unreachable
    m.code = 0;
    m.quoted.src = stack_addr();
    m.quoted.dst = peer_addr();
    m.quoted.sport = kPort;
    m.quoted.dport = kPeerPort;
    m.quoted.seq = L + 100;
    stack->icmp_arrives(m);
    EXPECT_EQ(t->backoff, 1);
    EXPECT_EQ(t->rto, e == RtoEstimator::Linux ? 600 * kMillis : 500 * kMillis);
  }
}

// ---- the RTO after a handshake without an RTT sample (tcp_init_metrics) ----

TEST_F(LinuxTimersTest, LinuxHandshakeWithoutSampleStartsWithRto3s) {
  // Two SYN-ACK timeouts (1 s, then 2 s later) double the RTO to 4 s; no RTT sample. Linux's
  // new child socket starts from TCP_TIMEOUT_FALLBACK, 3 s; RFC 6298 §5.7 keeps max(RTO, 3 s).
  for (const RtoEstimator e : {RtoEstimator::Linux, RtoEstimator::Rfc6298}) {
    make(linux_config(e));
    const int l = listener();
    EXPECT_EQ(send(from_peer(flag::SYN, kPeerIsn, 0)).size(), 1u);
    EXPECT_EQ(run_until(3500 * kMillis).size(), 2u);
    send(from_peer(flag::ACK, P, L));
    const int fd = stack->accept(l);
    ASSERT_GE(fd, 0);
    const Tcb* t = stack->connection(fd);
    EXPECT_FALSE(t->have_rtt);
    EXPECT_EQ(t->rto, e == RtoEstimator::Linux ? 3 * kMicrosPerSecond : 4 * kMicrosPerSecond);
  }
}

// ---- delayed_ack_before_data ----

class LinuxDelayedAckTest : public StackTest {
 protected:
  // Linux profile, passive open, optional data, then the peer's FIN at 1 s; returns when the
  // ACK of the FIN was sent.
  Micros fin_ack_time(Micros before_data, bool data_first) {
    StackConfig c = test_config("linux");
    c.delayed_ack_before_data = before_data;
    make(c);
    const int fd = passive_open();
    std::uint32_t seq = P;
    if (data_first) {
      stack->advance_to(500 * kMillis);
      send(from_peer(flag::ACK | flag::PSH, P, L, 65535, bytes(10)));
      run_until(900 * kMillis);  // the data's (quick) ACK is out of the way
      seq += 10;
    }
    stack->advance_to(1 * kMicrosPerSecond);
    EXPECT_TRUE(send(from_peer(flag::FIN | flag::ACK, seq, L)).empty());
    EXPECT_EQ(state_of(fd), State::CloseWait);
    auto r = run_until(2 * kMicrosPerSecond);
    if (r.size() != 1u) {
      ADD_FAILURE() << "expected one ACK, got " << r.size();
      return kNever;
    }
    EXPECT_SEGMENT(r[0].segment, ".", L, seq + 1);
    return r[0].time;
  }
};

TEST_F(LinuxDelayedAckTest, FinBeforeAnyDataIsAckedAtTheNextTick) {
  // Part-B #27, #44: icsk_ack.ato is 0 until data arrives.
  EXPECT_EQ(fin_ack_time(4 * kMillis, false), 1 * kMicrosPerSecond + 4 * kMillis);
}

TEST_F(LinuxDelayedAckTest, FinAfterDataWaitsTheDelayedAckTime) {
  EXPECT_EQ(fin_ack_time(4 * kMillis, true), 1 * kMicrosPerSecond + 40 * kMillis);
}

TEST_F(LinuxDelayedAckTest, KeyOffDelaysTheFinAckAsBefore) {
  EXPECT_EQ(fin_ack_time(0, false), 1 * kMicrosPerSecond + 40 * kMillis);
}

// ---- tail_loss_probe ----

class LinuxLossProbeTest : public StackTest {
 protected:
  // Linux profile, MSS 1000; the peer's SYN offers sackOK when `sack`. Handshake sample 0, then
  // 100 bytes acknowledged after 100 ms: SRTT 12.5 ms, RTO 212.5 ms. Returns the descriptor.
  int open(bool probe, bool sack = true) {
    StackConfig c = test_config("linux");
    c.sack = true;
    c.tail_loss_probe = probe;
    make(c);
    const int l = listener();
    auto syn = from_peer(flag::SYN, kPeerIsn);
    syn.options = {mss_option(1000)};
    if (sack) syn.options.push_back(sack_permitted_option());
    send(syn);
    send(from_peer(flag::ACK, P, L));
    const int fd = stack->accept(l);
    EXPECT_GE(fd, 0);
    write(fd, 100);
    EXPECT_EQ(sent().size(), 1u);
    stack->advance_to(100 * kMillis);
    send(from_peer(flag::ACK, P, L + 100));
    EXPECT_EQ(stack->connection(fd)->rto, 212500);
    return fd;
  }
  static std::vector<Micros> times(const std::vector<Emitted>& r) {
    std::vector<Micros> t;
    for (const auto& e : r) t.push_back(e.time);
    return t;
  }
};

TEST_F(LinuxLossProbeTest, FinIsProbedOnceThenTheRtoBacksOff) {
  // Part-A #17: the FIN goes at 0.1 s; the probe resends it one RTO later (the PTO, 2·SRTT +
  // rto_min = 225 ms, is later than the RTO), then the RTO restarts in full, not doubled, and
  // only then backs off: 0.3125, 0.525, 0.95, 1.8 s.
  const int fd = open(true);
  EXPECT_EQ(stack->close(fd), 0);
  auto fin = sent();
  ASSERT_EQ(fin.size(), 1u);
  EXPECT_SEGMENT(fin[0], "F.", L + 100, P);
  auto r = run_until(2 * kMicrosPerSecond);
  EXPECT_EQ(times(r), (std::vector<Micros>{312500, 525000, 950000, 1800000}));
  for (const auto& e : r) EXPECT_SEGMENT(e.segment, "F.", L + 100, P);
}

TEST_F(LinuxLossProbeTest, WithoutTheKeyOrWithoutSackTheRtoBacksOffAtOnce) {
  for (const bool sack : {true, false}) {
    const int fd = open(!sack, sack);  // key off with SACK; key on without SACK
    EXPECT_EQ(stack->close(fd), 0);
    EXPECT_EQ(sent().size(), 1u);
    auto r = run_until(2 * kMicrosPerSecond);
    EXPECT_EQ(times(r), (std::vector<Micros>{312500, 737500, 1587500})) << "sack " << sack;
  }
}

TEST_F(LinuxLossProbeTest, ProbeResendsTheLastSegmentOnly) {
  // Three segments in flight (one write, pushed at once): the probe resends the last one.
  const int fd = open(true);
  write(fd, 2500);
  auto out = sent();
  ASSERT_EQ(out.size(), 3u);
  auto r = run_until(312500);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].segment.seq, L + 2100);
  EXPECT_EQ(r[0].segment.payload.size(), 500u);
  // The RTO that follows resends the first segment.
  r = run_until(525000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].segment.seq, L + 100);
  EXPECT_EQ(r[0].segment.payload.size(), 1000u);
}

TEST_F(LinuxLossProbeTest, ProbeCarriesNewDataTheWindowTakes) {
  // Nagle (Minshall) holds the second small write while the first is unacknowledged; the probe
  // sends it as new data rather than resending the first.
  const int fd = open(true);
  write(fd, 10);
  write(fd, 20);
  auto out = sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload.size(), 10u);
  auto r = run_until(312500);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].segment.seq, L + 110);
  EXPECT_EQ(r[0].segment.payload.size(), 20u);
  EXPECT_EQ(stack->connection(fd)->total_retrans, 0u);
}

TEST_F(LinuxLossProbeTest, OneProbePerTailUntilAnAckGoesBeyondIt) {
  const int fd = open(true);
  write(fd, 100);
  EXPECT_EQ(sent().size(), 1u);
  auto r = run_until(312500);  // probe: 101:201 again
  ASSERT_EQ(r.size(), 1u);
  const Tcb* t = stack->connection(fd);
  EXPECT_TRUE(t->tlp_in_progress);
  // The ACK of exactly what the resending probe covered leaves the episode open (tcp_process_tlp_ack).
  send(from_peer(flag::ACK, P, L + 200));
  EXPECT_TRUE(t->tlp_in_progress);
  // New data, acknowledged beyond the probe's SND.NXT, ends it.
  write(fd, 100);
  EXPECT_EQ(sent().size(), 1u);
  stack->advance_to(400 * kMillis);
  send(from_peer(flag::ACK, P, L + 300));
  EXPECT_FALSE(t->tlp_in_progress);
  // So the next tail is probed again, one RTO after it was sent.
  write(fd, 100);
  EXPECT_EQ(sent().size(), 1u);
  r = run_until(400 * kMillis + t->rto);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].segment.seq, L + 300);
  EXPECT_TRUE(t->tlp_in_progress);
  EXPECT_EQ(t->backoff, 0);
}

TEST_F(LinuxTimersTest, SynAckResentForADuplicateSynGivesNoRttSample) {
  // Part-B #30 (Karn, RFC 6298 §3): the handshake ACK may answer either SYN-ACK, so no sample;
  // the connection starts with RTO 3 s as Linux's tcp_init_metrics does.
  for (const RtoEstimator e : {RtoEstimator::Linux, RtoEstimator::Rfc6298}) {
    make(linux_config(e));
    const int l = listener();
    EXPECT_EQ(send(from_peer(flag::SYN, kPeerIsn, 0)).size(), 1u);
    EXPECT_EQ(send(from_peer(flag::SYN, kPeerIsn, 0)).size(), 1u);  // the SYN-ACK again
    stack->advance_to(100 * kMillis);
    send(from_peer(flag::ACK, P, L));
    const int fd = stack->accept(l);
    ASSERT_GE(fd, 0);
    const Tcb* t = stack->connection(fd);
    EXPECT_FALSE(t->have_rtt);
    EXPECT_EQ(t->rto, 3 * kMicrosPerSecond);
    EXPECT_EQ(t->total_retrans, 1u);
  }
}

}  // namespace
}  // namespace synack::reference::testing
