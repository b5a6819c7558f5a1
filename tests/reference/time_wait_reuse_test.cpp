// A new SYN for a pair in TIME-WAIT (RFC 9293 §3.6.1 MAY-2 and SHLD-4, RFC 1122 §4.2.2.13,
// RFC 6191 §2): which SYNs reopen the pair, the new ISN above the old sequence space, and the
// return to TIME-WAIT when the SYN turns out to be an old duplicate. Each test is a (state, event)
// step with its exact reply (or silence) and next state; the fixture checks the invariants after
// every step.
#include "targets/reference/options.h"
#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t P = kPeerIsn + 1;
constexpr std::uint32_t L = kIss + 1;
// In TIME-WAIT after the passive open and our close: the peer's FIN took P, ours L.
constexpr std::uint32_t kRcvNxt = P + 1;  // the old incarnation's RCV.NXT
constexpr std::uint32_t kSndMax = L + 1;  // one past the largest sequence number it used
constexpr std::uint32_t kTsLast = 120;    // the TSval of the peer's FIN (TS.Recent)

class TimeWaitReuse : public StackTest {
 protected:
  void use(StackConfig c) {
    make(std::move(c));
    ts_ = stack->config().timestamps;
  }
  void with_timestamps(const char* profile = "rfc") {
    StackConfig c = test_config(profile);
    c.timestamps = true;
    use(c);
  }

  net::Segment peer(std::uint16_t flags, std::uint32_t seq, std::uint32_t ack = 0,
                    std::optional<std::uint32_t> tsval = std::nullopt) {
    net::Segment s = from_peer(flags, seq, ack);
    if (tsval) s.options = {nop_option(), nop_option(), timestamp_option(*tsval, 0)};
    return s;
  }
  net::Segment syn(std::uint32_t seq, std::optional<std::uint32_t> tsval = std::nullopt) {
    net::Segment s = from_peer(flag::SYN, seq);
    s.options = {mss_option(1000)};
    if (tsval) {
      s.options.push_back(nop_option());
      s.options.push_back(nop_option());
      s.options.push_back(timestamp_option(*tsval, 0));
    }
    return s;
  }

  // Passive open, our close(), the peer's FIN: the pair is in TIME-WAIT, the socket is gone, the
  // listener stays. With timestamps the peer's last TSval is kTsLast.
  void to_time_wait() {
    listen_fd = listener();
    const std::optional<std::uint32_t> ts = ts_ ? std::optional<std::uint32_t>(100) : std::nullopt;
    ASSERT_EQ(send(syn(kPeerIsn, ts)).size(), 1u);
    ASSERT_TRUE(send(peer(flag::ACK, P, L, ts_ ? std::optional<std::uint32_t>(110) : std::nullopt)).empty());
    const int fd = stack->accept(listen_fd);
    ASSERT_EQ(stack->close(fd), 0);
    auto r = sent();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_SEGMENT(r[0], "F.", L, P);
    r = send(peer(flag::FIN | flag::ACK, P, L + 1, ts_ ? std::optional<std::uint32_t>(kTsLast) : std::nullopt));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_SEGMENT(r[0], ".", kSndMax, kRcvNxt);
    ASSERT_EQ(live().size(), 1u);
    old_id = live()[0]->id;
    ASSERT_EQ(live()[0]->state, State::TimeWait);
    time_wait_ends = live()[0]->close_at;
  }

  std::vector<const Tcb*> live() const {
    std::vector<const Tcb*> out;
    for (const Tcb* t : stack->connections()) {
      if (t->state != State::Closed) out.push_back(t);
    }
    return out;
  }
  const Tcb* by_id(std::uint32_t id) const {
    for (const Tcb* t : stack->connections()) {
      if (t->id == id) return t;
    }
    return nullptr;
  }
  const Tcb* newest() const {
    const Tcb* best = nullptr;
    for (const Tcb* t : live()) {
      if (!best || t->id > best->id) best = t;
    }
    return best;
  }
  State old_state() const {
    const Tcb* t = by_id(old_id);
    return t ? t->state : State::Closed;
  }

  // The SYN reopened the pair: one SYN-ACK acknowledging it, from an ISN above the old SND.MAX.
  void expect_reopened(const std::vector<net::Segment>& r, const net::Segment& s) {
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(flags_of(r[0]), "S.");
    EXPECT_EQ(r[0].ack, s.seq + 1);
    EXPECT_TRUE(net::seq_ge(r[0].seq, kSndMax)) << "ISN " << r[0].seq << " not above " << kSndMax;
    ASSERT_NE(newest(), nullptr);
    EXPECT_EQ(newest()->state, State::SynReceived);
    EXPECT_NE(newest()->id, old_id);
  }
  // The SYN did not qualify: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and the pair stays in TIME-WAIT.
  void expect_stays(const std::vector<net::Segment>& r) {
    ASSERT_EQ(r.size(), 1u);
    EXPECT_SEGMENT(r[0], ".", kSndMax, kRcvNxt);
    EXPECT_EQ(live().size(), 1u);
    EXPECT_EQ(old_state(), State::TimeWait);
  }

  bool ts_ = false;
  int listen_fd = -1;
  std::uint32_t old_id = 0;
  Micros time_wait_ends = kNever;
};

// ---- sequence numbers (no timestamps): MAY-2 ----

TEST_F(TimeWaitReuse, TimeWaitSynAboveRcvNxtReopens) {
  to_time_wait();
  const auto s = syn(kRcvNxt + 100000);
  expect_reopened(send(s), s);
  // The handshake completes and the new connection is accepted; the old incarnation is gone.
  EXPECT_TRUE(send(peer(flag::ACK, s.seq + 1, newest()->iss + 1)).empty());
  const int fd = stack->accept(listen_fd);
  EXPECT_EQ(state_of(fd), State::Established);
  EXPECT_EQ(live().size(), 1u);
  EXPECT_EQ(old_state(), State::Closed);
}

TEST_F(TimeWaitReuse, TimeWaitSynJustAboveRcvNxtReopens) {
  to_time_wait();
  const auto s = syn(kRcvNxt + 1);
  expect_reopened(send(s), s);
}

TEST_F(TimeWaitReuse, TimeWaitSynAtRcvNxtStays) {
  to_time_wait();
  // In the window: the fourth step's challenge ACK (RFC 5961 §4.2).
  expect_stays(send(syn(kRcvNxt)));
}

TEST_F(TimeWaitReuse, TimeWaitSynBelowRcvNxtStays) {
  to_time_wait();
  // The old SYN again: outside the window, the first step's ACK.
  expect_stays(send(syn(kPeerIsn)));
  // Still TIME-WAIT: the peer's retransmitted FIN is acknowledged.
  const auto r = send(peer(flag::FIN | flag::ACK, P, L + 1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", kSndMax, kRcvNxt);
}

TEST_F(TimeWaitReuse, TimeWaitSynWithAckOrRstNeverReopens) {
  to_time_wait();
  auto s = syn(kRcvNxt + 100);
  s.flags |= flag::ACK;
  s.ack = kSndMax;
  expect_stays(send(s));
  s = syn(kRcvNxt + 100);
  s.flags |= flag::RST;
  expect_stays(send(s));  // in the window but not at RCV.NXT: RFC 5961 §3.2 challenge ACK
}

TEST_F(TimeWaitReuse, TimeWaitSynWithoutListenerStays) {
  to_time_wait();
  stack->close(listen_fd);
  // Nothing to take the new connection: the SYN is processed in TIME-WAIT.
  expect_stays(send(syn(kRcvNxt + 100)));
}

TEST_F(TimeWaitReuse, TimeWaitReuseOffStays) {
  StackConfig c = test_config();
  c.accept_syn_in_time_wait = false;
  use(c);
  to_time_wait();
  expect_stays(send(syn(kRcvNxt + 100)));
}

// ---- RFC 6191 with timestamps: SHLD-4 ----

TEST_F(TimeWaitReuse, TimeWaitNewerTsvalReopensEvenBelowRcvNxt) {
  with_timestamps();
  to_time_wait();
  const auto s = syn(kPeerIsn, kTsLast + 80);
  expect_reopened(send(s), s);
}

TEST_F(TimeWaitReuse, TimeWaitEqualTsvalNeedsAHigherSequenceNumber) {
  with_timestamps();
  to_time_wait();
  expect_stays(send(syn(kPeerIsn, kTsLast)));
  const auto s = syn(kRcvNxt + 100, kTsLast);
  expect_reopened(send(s), s);
}

TEST_F(TimeWaitReuse, TimeWaitOlderTsvalStaysEvenAboveRcvNxt) {
  with_timestamps();
  to_time_wait();
  // PAWS: an old duplicate, answered with an ACK and dropped (RFC 7323 §5.3).
  const auto r = send(syn(kRcvNxt + 100000, kTsLast - 70));
  expect_stays(r);
  EXPECT_EQ(parse_options(r[0]).timestamp->second, kTsLast);
}

TEST_F(TimeWaitReuse, TimeWaitSynWithoutTsoptFallsBackToTheSequenceNumber) {
  with_timestamps();
  to_time_wait();
  const auto s = syn(kRcvNxt + 100);
  expect_reopened(send(s), s);
  EXPECT_FALSE(newest()->ts_ok);
}

TEST_F(TimeWaitReuse, TimeWaitTimestampsOnTheNewIncarnationOnlyReopen) {
  // The old incarnation had no timestamps; with TSopt on the new SYN (and timestamps enabled
  // here) PAWS will keep old segments out, so any SYN qualifies (RFC 6191 §2, second part).
  StackConfig c = test_config();
  c.timestamps = true;
  use(c);
  ts_ = false;  // the peer's first SYN offers no TSopt
  to_time_wait();
  const auto s = syn(kPeerIsn, 5);
  expect_reopened(send(s), s);
  EXPECT_TRUE(newest()->ts_ok);
}

TEST_F(TimeWaitReuse, TimeWaitTsoptIgnoredWhenTimestampsAreOff) {
  to_time_wait();  // timestamps off in this stack
  expect_stays(send(syn(kPeerIsn, 500)));
}

TEST_F(TimeWaitReuse, SequenceRuleIgnoresTimestamps) {
  // FreeBSD's tcp_twcheck: only SEG.SEQ > RCV.NXT counts.
  StackConfig c = test_config();
  c.timestamps = true;
  c.time_wait_reuse_rule = TimeWaitReuseRule::Sequence;
  use(c);
  to_time_wait();
  expect_stays(send(syn(kPeerIsn, kTsLast + 80)));
  const auto s = syn(kRcvNxt + 100, kTsLast - 70);
  expect_reopened(send(s), s);
}

// ---- (1): the new ISN ----

TEST_F(TimeWaitReuse, NewIsnIsRaisedAboveTheOldSequenceSpace) {
  to_time_wait();  // fixed ISN mode: the generator would hand out kIss again
  const auto r = send(syn(kRcvNxt + 100));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].seq, kSndMax + 65535 + 2);  // Linux's tw_snd_nxt + 65537
}

TEST_F(TimeWaitReuse, Rfc6528IsnAlreadyAboveIsKept) {
  StackConfig c = test_config();
  c.isn_mode = IsnMode::Rfc6528;
  use(c);
  listen_fd = listener();
  auto r = send(syn(kPeerIsn));
  ASSERT_EQ(r.size(), 1u);
  const std::uint32_t iss = r[0].seq;
  send(peer(flag::ACK, P, iss + 1));
  stack->close(stack->accept(listen_fd));
  sent();
  send(peer(flag::FIN | flag::ACK, P, iss + 2));
  ASSERT_EQ(live().at(0)->state, State::TimeWait);
  stack->advance_to(stack->now() + kMicrosPerSecond);
  r = send(syn(kRcvNxt + 100));
  ASSERT_EQ(r.size(), 1u);
  // RFC 6528: the same 4-tuple, one second later: M grew by 250000 ticks of 4 µs.
  EXPECT_EQ(r[0].seq, iss + 250000);
}

// ---- (2): an old duplicate returns the pair to TIME-WAIT ----

TEST_F(TimeWaitReuse, SynReceivedRstRestoresTimeWait) {
  to_time_wait();
  const auto s = syn(kRcvNxt + 100);
  expect_reopened(send(s), s);
  // The old incarnation waits aside in TIME-WAIT, out of the 4-tuple index.
  EXPECT_EQ(live().size(), 2u);
  EXPECT_EQ(old_state(), State::TimeWait);
  EXPECT_TRUE(by_id(old_id)->superseded);
  // The peer never sent that SYN: it resets our SYN-ACK.
  EXPECT_TRUE(send(peer(flag::RST, s.seq + 1)).empty());
  ASSERT_EQ(live().size(), 1u);
  EXPECT_EQ(live()[0]->id, old_id);
  EXPECT_EQ(old_state(), State::TimeWait);
  // The old incarnation answers again: its peer's retransmitted FIN is acknowledged ...
  const auto r = send(peer(flag::FIN | flag::ACK, P, L + 1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", kSndMax, kRcvNxt);
  // ... and the first FIN restarted its 2·MSL, which now runs out.
  run_until(stack->now() + stack->config().time_wait);
  EXPECT_EQ(old_state(), State::Closed);
  EXPECT_TRUE(live().empty());
}

TEST_F(TimeWaitReuse, SynReceivedTimeoutRestoresTimeWait) {
  StackConfig c = test_config();
  c.synack_retries = 1;  // SYN-ACK at 0, 1 s; given up at 3 s
  use(c);
  to_time_wait();
  expect_reopened(send(syn(kRcvNxt + 100)), syn(kRcvNxt + 100));
  auto r = run_until(stack->now() + 3 * kMicrosPerSecond);
  ASSERT_EQ(r.size(), 1u);  // the one retransmitted SYN-ACK
  EXPECT_EQ(flags_of(r[0].segment), "S.");
  EXPECT_EQ(old_state(), State::TimeWait);
  ASSERT_EQ(live().size(), 1u);
  // The 2·MSL timer kept running from when TIME-WAIT began.
  run_until(time_wait_ends);
  EXPECT_EQ(old_state(), State::Closed);
}

TEST_F(TimeWaitReuse, SupersededTimeWaitThatExpiresIsNotRestored) {
  StackConfig c = test_config();
  c.time_wait = 2 * kMicrosPerSecond;
  use(c);
  to_time_wait();
  const auto s = syn(kRcvNxt + 100);
  expect_reopened(send(s), s);
  run_until(time_wait_ends);  // 2·MSL of the old incarnation runs out meanwhile
  EXPECT_EQ(old_state(), State::Closed);
  EXPECT_TRUE(send(peer(flag::RST, s.seq + 1)).empty());
  EXPECT_TRUE(live().empty());
  // The pair is free: the listener answers a new SYN as any other.
  const auto r = send(syn(kRcvNxt + 500));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "S.", kIss, kRcvNxt + 501);
}

TEST_F(TimeWaitReuse, ListenerBacklogDropLeavesTimeWait) {
  to_time_wait();
  ASSERT_EQ(stack->listen(listen_fd, 0), 0);  // accept queue of one
  // Another peer port fills it.
  send(from_peer(flag::SYN, 7000, 0, 65535, {}, kPeerPort + 1));
  send(from_peer(flag::ACK, 7001, kIss + 1, 65535, {}, kPeerPort + 1));
  sent();
  // The SYN is dropped by the listener, so nothing replaces the old incarnation.
  EXPECT_TRUE(send(syn(kRcvNxt + 100)).empty());
  EXPECT_EQ(old_state(), State::TimeWait);
  EXPECT_FALSE(by_id(old_id)->superseded);
}

TEST_F(TimeWaitReuse, LinuxProfileClosesTimeWaitAtOnce) {
  use(test_config("linux"));
  to_time_wait();
  const auto s = syn(kRcvNxt + 100);
  expect_reopened(send(s), s);
  EXPECT_EQ(old_state(), State::Closed);  // RED-PEN in tcp_minisocks.c: no way back
  EXPECT_EQ(newest()->iss, kSndMax + 65535 + 2);
  // The reset SYN-ACK leaves nothing behind; the old peer's FIN meets the listener: ACK in
  // LISTEN, <SEQ=SEG.ACK><CTL=RST>.
  EXPECT_TRUE(send(peer(flag::RST, s.seq + 1)).empty());
  EXPECT_TRUE(live().empty());
  const auto r = send(peer(flag::FIN | flag::ACK, P, L + 1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "R", L + 1, 0);
}

TEST_F(TimeWaitReuse, FreebsdProfileUsesTheSequenceRule) {
  StackConfig c = test_config("freebsd");
  c.timestamps = true;
  use(c);
  to_time_wait();
  EXPECT_EQ(stack->config().time_wait_reuse_rule, TimeWaitReuseRule::Sequence);
  EXPECT_FALSE(stack->config().time_wait_reuse_restore);
  const auto s = syn(kRcvNxt + 100, kTsLast - 70);  // older TSval, higher SEQ
  expect_reopened(send(s), s);
  EXPECT_EQ(old_state(), State::Closed);
}

TEST_F(TimeWaitReuse, EveryProfileReusesTimeWait) {
  for (const auto& name : StackConfig::profiles()) {
    EXPECT_TRUE(StackConfig::from_profile(name).value().accept_syn_in_time_wait) << name;
  }
}

}  // namespace
}  // namespace synack::reference::testing
