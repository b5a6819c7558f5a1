// Segment arrival as Linux 6.18 does it, third set (campaign dfk13; config.h:
// dup_syn_synack_restarts_timer, close_wait_reset_epipe, dsack, and the passive SYN-RECEIVED and
// TIME-WAIT corrections of acceptable_from_rcv_wup and time_wait_data_acked), each next to the
// behaviour with the key off.
#include <algorithm>

#include "targets/reference/options.h"
#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t P = kPeerIsn + 1;
constexpr std::uint32_t L = kIss + 1;
constexpr Micros kMs = kMicrosPerSecond / 1000;

// The SACK blocks a segment carries, in order; empty without a SACK option.
std::vector<net::SackBlock> sack_of(const net::Segment& s) {
  for (const auto& o : s.options) {
    if (o.kind == net::option_kind::SACK) return o.sack_blocks().value_or(std::vector<net::SackBlock>{});
  }
  return {};
}

std::vector<net::SackBlock> blocks(std::initializer_list<std::pair<std::uint32_t, std::uint32_t>> b) {
  std::vector<net::SackBlock> v;
  for (const auto& [l, r] : b) v.push_back({l, r});
  return v;
}

std::string show(const std::vector<net::SackBlock>& b) {
  std::string s;
  for (const auto& x : b) s += std::to_string(x.left) + ":" + std::to_string(x.right) + " ";
  return s;
}

class LinuxArrival3 : public StackTest {
 protected:
  // The linux profile with one key changed.
  static StackConfig linux_with(void (*set)(StackConfig&)) {
    StackConfig c = test_config("linux");
    set(c);
    return c;
  }
  static std::vector<Micros> synack_times(const std::vector<Emitted>& out) {
    std::vector<Micros> t;
    for (const auto& e : out) {
      if (flags_of(e.segment) == "S.") t.push_back(e.time);
    }
    return t;
  }

  // Passive open with sackOK (and TS when `ts`) in the peer's SYN; SACK on in the config.
  int sack_open(StackConfig c, bool ts = false) {
    c.sack = true;
    c.timestamps = ts;
    make(c);
    ts_ = ts;
    const int l = listener();
    auto syn = from_peer(flag::SYN, kPeerIsn);
    syn.options = {mss_option(1000), sack_permitted_option()};
    if (ts) syn.options.push_back(timestamp_option(tsval_, 0));
    EXPECT_EQ(send(syn).size(), 1u);
    EXPECT_TRUE(send(peer(flag::ACK, P, L)).empty());
    const int fd = stack->accept(l);
    EXPECT_GE(fd, 0);
    return fd;
  }
  // A segment from the peer, with a TS option when the connection uses timestamps.
  net::Segment peer(std::uint16_t flags, std::uint32_t seq, std::uint32_t ack,
                    std::vector<std::uint8_t> payload = {}) {
    net::Segment s = from_peer(flags, seq, ack, 65535, std::move(payload));
    if (ts_) s.options = {nop_option(), nop_option(), timestamp_option(++tsval_, 0)};
    return s;
  }

  bool ts_ = false;
  std::uint32_t tsval_ = 100;
};

// ---- dup_syn_synack_restarts_timer (RC-DUPSYN-REARM, dfk13 #2) ----

TEST_F(LinuxArrival3, SynAckForRetransmittedSynRestartsTimer) {
  // d2.pkt: SYN at 0, retransmitted at 0.7: the timer SYN-ACK goes at 1.7, not 1.0.
  make(test_config("linux"));
  listener();
  ASSERT_EQ(send(from_peer(flag::SYN, kPeerIsn)).size(), 1u);
  run_until(700 * kMs);
  auto r = send(from_peer(flag::SYN, kPeerIsn));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "S.");
  EXPECT_TRUE(run_until(1699 * kMs).empty());
  auto out = run_until(1700 * kMs);
  EXPECT_EQ(synack_times(out), std::vector<Micros>{1700 * kMs});
  // The resends did not advance the backoff: the next one 2 s later.
  EXPECT_EQ(synack_times(run_until(3700 * kMs)), std::vector<Micros>{3700 * kMs});
}

TEST_F(LinuxArrival3, SynAckForRetransmittedSynKeepsTimerWithKeyOff) {
  make(linux_with([](StackConfig& c) { c.dup_syn_synack_restarts_timer = false; }));
  listener();
  ASSERT_EQ(send(from_peer(flag::SYN, kPeerIsn)).size(), 1u);
  run_until(700 * kMs);
  ASSERT_EQ(send(from_peer(flag::SYN, kPeerIsn)).size(), 1u);
  EXPECT_EQ(synack_times(run_until(1700 * kMs)), std::vector<Micros>{1000 * kMs});
}

TEST_F(LinuxArrival3, RestartAfterTimeoutUsesBackedOffTimeout) {
  // d2b.pkt: timer SYN-ACK at 1.0 (timeout now 2 s), SYN at 1.5: next SYN-ACK at 3.5.
  make(test_config("linux"));
  listener();
  ASSERT_EQ(send(from_peer(flag::SYN, kPeerIsn)).size(), 1u);
  EXPECT_EQ(synack_times(run_until(1500 * kMs)), std::vector<Micros>{1000 * kMs});
  ASSERT_EQ(send(from_peer(flag::SYN, kPeerIsn)).size(), 1u);
  EXPECT_TRUE(run_until(3499 * kMs).empty());
  EXPECT_EQ(synack_times(run_until(3500 * kMs)), std::vector<Micros>{3500 * kMs});
}

TEST_F(LinuxArrival3, RateLimitedDuplicateSynLeavesTimer) {
  // The second SYN within 500 ms gets no SYN-ACK, and the timer stays where the first put it.
  make(test_config("linux"));
  listener();
  ASSERT_EQ(send(from_peer(flag::SYN, kPeerIsn)).size(), 1u);
  run_until(100 * kMs);
  ASSERT_EQ(send(from_peer(flag::SYN, kPeerIsn)).size(), 1u);
  run_until(300 * kMs);
  EXPECT_TRUE(send(from_peer(flag::SYN, kPeerIsn)).empty());
  EXPECT_EQ(synack_times(run_until(1200 * kMs)), std::vector<Micros>{1100 * kMs});
}

// ---- close_wait_reset_epipe (RC-CLOSEWAIT-RST-EPIPE, dfk13 #7) ----

TEST_F(LinuxArrival3, ResetInCloseWaitReportsEpipe) {
  // d7.pkt: FIN read, then an in-window RST: send() fails with EPIPE (twice), recv() reads 0.
  make(test_config("linux"));
  const int fd = passive_open();
  send(from_peer(flag::FIN | flag::ACK, P, L));
  std::int64_t ret = -1;
  read(fd, 1000, &ret);
  EXPECT_EQ(ret, 0);
  run_until(100 * kMs);
  EXPECT_TRUE(send(from_peer(flag::RST | flag::ACK, P + 1, L, 0)).empty());
  EXPECT_EQ(state_of(fd), State::Closed);
  std::int64_t err = 0;
  ASSERT_EQ(stack->getsockopt(fd, SOL_SOCKET, SO_ERROR, err, nullptr), 0);
  EXPECT_EQ(err, EPIPE);
  EXPECT_EQ(write(fd, 100), -EPIPE);
  read(fd, 100, &ret);
  EXPECT_EQ(ret, 0);
}

TEST_F(LinuxArrival3, ResetInCloseWaitSendFailsWithEpipe) {
  make(test_config("linux"));
  const int fd = passive_open();
  send(from_peer(flag::FIN | flag::ACK, P, L));
  send(from_peer(flag::RST | flag::ACK, P + 1, L, 0));
  EXPECT_EQ(write(fd, 100), -EPIPE);
  EXPECT_EQ(write(fd, 100), -EPIPE);
}

TEST_F(LinuxArrival3, ResetInCloseWaitRecvReadsTheFinBeforeTheError) {
  // work-E/e6.pkt: recv() before send() after the RST: 0 (SOCK_DONE comes first in
  // tcp_recvmsg), and the error is still there for send(); the rfc profile reports it to recv().
  for (const bool linux : {true, false}) {
    make(test_config(linux ? "linux" : "rfc"));
    const int fd = passive_open();
    send(from_peer(flag::FIN | flag::ACK, P, L));
    send(from_peer(flag::RST | flag::ACK, P + 1, L, 0));
    std::int64_t ret = -1;
    read(fd, 100, &ret);
    EXPECT_EQ(ret, linux ? 0 : -ECONNRESET) << (linux ? "linux" : "rfc");
    EXPECT_EQ(write(fd, 100), -EPIPE);  // linux: the pending EPIPE; rfc: the connection is gone
  }
}

TEST_F(LinuxArrival3, ResetInCloseWaitIsConnectionResetInRfcProfile) {
  const int fd = passive_open();
  send(from_peer(flag::FIN | flag::ACK, P, L));
  send(from_peer(flag::RST | flag::ACK, P + 1, L, 0));
  EXPECT_EQ(write(fd, 100), -ECONNRESET);
  EXPECT_EQ(write(fd, 100), -EPIPE);
}

TEST_F(LinuxArrival3, ResetInEstablishedStaysConnectionReset) {
  make(test_config("linux"));
  const int fd = passive_open();
  send(from_peer(flag::RST | flag::ACK, P, L, 0));
  EXPECT_EQ(write(fd, 100), -ECONNRESET);
}

// ---- acceptable_from_rcv_wup: not in a passive SYN-RECEIVED (dfk13 #8) ----

TEST_F(LinuxArrival3, UnacceptableRstInPassiveSynReceivedIsDropped) {
  // d8.pkt: a SYN+RST at the IRS ends before RCV.NXT: the request sock drops it silently.
  make(test_config("linux"));
  const int l = listener();
  ASSERT_EQ(send(from_peer(flag::SYN, kPeerIsn)).size(), 1u);
  EXPECT_TRUE(send(from_peer(flag::SYN | flag::RST, kPeerIsn)).empty());
  ASSERT_EQ(stack->connections().size(), 1u);
  EXPECT_EQ(stack->connections()[0]->state, State::SynReceived);
  run_until(100 * kMs);
  EXPECT_TRUE(send(from_peer(flag::ACK, P, L)).empty());
  const int fd = stack->accept(l);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(state_of(fd), State::Established);
}

TEST_F(LinuxArrival3, OldSegmentInEstablishedStillProcessedFromRcvWup) {
  // In a synchronized state the RCV.WUP rule stays: a SYN ending at RCV.NXT draws the
  // challenge ACK (tcp_validate_incoming).
  make(test_config("linux"));
  passive_open();
  auto r = send(from_peer(flag::SYN, kPeerIsn));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
}

// ---- time_wait_data_acked: every non-RST segment but a bare one at RCV.NXT (dfk13 #6) ----

class LinuxTimeWait3 : public LinuxArrival3 {
 protected:
  // Active open, shutdown(SHUT_WR), FIN acked, the peer's FIN: TIME-WAIT, RCV.NXT = P + 1.
  void time_wait() {
    const int fd = active_open();
    ASSERT_EQ(stack->shutdown(fd, SHUT_WR), 0);
    ASSERT_EQ(sent().size(), 1u);
    send(to_active(flag::ACK, P, L + 1));
    auto r = send(to_active(flag::FIN | flag::ACK, P, L + 1));
    ASSERT_EQ(r.size(), 1u);
    ASSERT_EQ(state_of(fd), State::TimeWait);
  }
};

TEST_F(LinuxTimeWait3, SegmentWithoutAckAwayFromRcvNxtIsAcked) {
  // d6.pkt: `UW 7771:7771(0)` (no ACK bit, in the window) draws `. ack RCV.NXT`.
  make(test_config("linux"));
  time_wait();
  auto r = send(to_active(flag::URG, P + 7769, 0));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 1, P + 1);
}

TEST_F(LinuxTimeWait3, BareSegmentsAreRateLimitedFinIsNot) {
  // d6b.pkt: a second bare one within 500 ms gets nothing; a retransmitted FIN is answered.
  make(test_config("linux"));
  time_wait();
  ASSERT_EQ(send(to_active(flag::URG, P + 7769, 0)).size(), 1u);
  run_until(100 * kMs);
  EXPECT_TRUE(send(to_active(flag::URG, P + 7769, 0)).empty());
  EXPECT_TRUE(send(to_active(flag::ACK, P + 50, L + 1)).empty());
  run_until(240 * kMs);
  auto r = send(to_active(flag::FIN | flag::ACK, P, L + 1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 1, P + 1);
}

TEST_F(LinuxTimeWait3, BareAckAwayFromRcvNxtIsAcked) {
  make(test_config("linux"));
  time_wait();
  auto r = send(to_active(flag::ACK, P + 50, L + 1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 1, P + 1);
}

TEST_F(LinuxTimeWait3, BareSegmentAtRcvNxtStaysSilent) {
  make(test_config("linux"));
  time_wait();
  EXPECT_TRUE(send(to_active(flag::URG, P + 1, 0)).empty());
  EXPECT_TRUE(send(to_active(flag::ACK, P + 1, L + 1)).empty());
}

TEST_F(LinuxTimeWait3, RstAwayFromRcvNxtIsDroppedSilently) {
  // Kernel-checked (work-E/e7.pkt): no challenge ACK; TIME-WAIT stays (the FIN is answered).
  make(test_config("linux"));
  time_wait();
  EXPECT_TRUE(send(to_active(flag::RST | flag::ACK, P + 99, L + 1)).empty());
  ASSERT_EQ(stack->connections().size(), 1u);
  EXPECT_EQ(stack->connections()[0]->state, State::TimeWait);
  auto r = send(to_active(flag::FIN | flag::ACK, P, L + 1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 1, P + 1);
}

TEST_F(LinuxTimeWait3, RstAwayFromRcvNxtDrawsChallengeAckInRfcProfile) {
  time_wait();
  auto r = send(to_active(flag::RST | flag::ACK, P + 99, L + 1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 1, P + 1);
}

TEST_F(LinuxTimeWait3, BareSegmentWithoutAckAtRcvNxtRestartsTimer) {
  // Kernel-checked (work-E/e9.pkt, e9c.pkt): `U 2:2(0)` at 30 s keeps TIME-WAIT past 60 s.
  for (const bool restarts : {true, false}) {
    StackConfig c = test_config("linux");
    c.time_wait_ack_restarts = restarts;
    make(c);
    time_wait();
    run_until(30 * kMicrosPerSecond);
    EXPECT_TRUE(send(to_active(flag::URG, P + 1, 0)).empty());
    run_until(64 * kMicrosPerSecond);
    ASSERT_EQ(stack->connections().size(), 1u);  // the descriptor is still open
    EXPECT_EQ(stack->connections()[0]->state, restarts ? State::TimeWait : State::Closed) << restarts;
  }
}

TEST_F(LinuxTimeWait3, SegmentWithoutAckIsDroppedInRfcProfile) {
  time_wait();
  EXPECT_TRUE(send(to_active(flag::URG, P + 7769, 0)).empty());
}

// ---- dsack (RFC 2883, RC-DSACK, dfk13 #4) ----

TEST_F(LinuxArrival3, PartialDuplicateIsReportedInFirstSackBlock) {
  // d4.pkt: 536 octets, then 1000 from the same start: the ACK of 1000 carries sack P:P+536.
  const int fd = sack_open(test_config("linux"));
  auto r = send(peer(flag::ACK | flag::PSH, P, L, bytes(536)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(sack_of(r[0]).empty());
  r = send(peer(flag::ACK | flag::PSH, P, L, bytes(1000)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 1000);
  EXPECT_EQ(sack_of(r[0]), blocks({{P, P + 536}})) << show(sack_of(r[0]));
  EXPECT_EQ(read(fd, 2000).size(), 1000u);
  // Reported once: the next ACK has no SACK option.
  write(fd, 10);
  r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(sack_of(r[0]).empty());
}

TEST_F(LinuxArrival3, WhollyOldSegmentIsAckedAtOnceWithDsack) {
  // d4b.pkt: the first 536 octets again after all was acknowledged.
  sack_open(test_config("linux"));
  send(peer(flag::ACK | flag::PSH, P, L, bytes(1000)));
  run_until(5 * kMs);
  auto r = send(peer(flag::ACK | flag::PSH, P, L, bytes(536)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 1000);
  EXPECT_EQ(sack_of(r[0]), blocks({{P, P + 536}})) << show(sack_of(r[0]));
}

TEST_F(LinuxArrival3, NoDsackWithKeyOff) {
  sack_open(linux_with([](StackConfig& c) { c.dsack = false; }));
  send(peer(flag::ACK | flag::PSH, P, L, bytes(536)));
  auto r = send(peer(flag::ACK | flag::PSH, P, L, bytes(1000)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(sack_of(r[0]).empty());
  r = send(peer(flag::ACK | flag::PSH, P, L, bytes(536)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(sack_of(r[0]).empty());
}

TEST_F(LinuxArrival3, NoDsackInRfcProfile) {
  StackConfig c = test_config("rfc");
  sack_open(c);
  send(peer(flag::ACK | flag::PSH, P, L, bytes(1000)));
  auto r = send(peer(flag::ACK | flag::PSH, P, L, bytes(536)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(sack_of(r[0]).empty());
}

TEST_F(LinuxArrival3, NoDsackWithoutSackPermitted) {
  make(test_config("linux"));
  passive_open();
  send(from_peer(flag::ACK | flag::PSH, P, L, 65535, bytes(1000)));
  auto r = send(from_peer(flag::ACK | flag::PSH, P, L, 65535, bytes(536)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].options.empty());
}

TEST_F(LinuxArrival3, DsackComesBeforeOutOfOrderBlocks) {
  // Kernel-checked (work-E/e3.pkt): 1:1001, 2001:3001 queued, 1:1001 again -> sack 1:1001
  // 2001:3001; then 501:1501 -> ack 1501, sack 501:1001 2001:3001.
  sack_open(test_config("linux"));
  send(peer(flag::ACK, P, L, bytes(1000)));
  auto r = send(peer(flag::ACK, P + 2000, L, bytes(1000)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(sack_of(r[0]), blocks({{P + 2000, P + 3000}}));
  r = send(peer(flag::ACK, P, L, bytes(1000)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 1000);
  EXPECT_EQ(sack_of(r[0]), blocks({{P, P + 1000}, {P + 2000, P + 3000}})) << show(sack_of(r[0]));
  r = send(peer(flag::ACK, P + 500, L, bytes(1000)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 1500);
  EXPECT_EQ(sack_of(r[0]), blocks({{P + 500, P + 1000}, {P + 2000, P + 3000}})) << show(sack_of(r[0]));
}

TEST_F(LinuxArrival3, DsackWithTimestampsLeavesRoomForTwoMoreBlocks) {
  // With TS, 3 SACK blocks fit: the D-SACK and the two most important out-of-order ones.
  sack_open(test_config("linux"), true);
  send(peer(flag::ACK, P, L, bytes(100)));
  send(peer(flag::ACK, P + 200, L, bytes(100)));
  send(peer(flag::ACK, P + 400, L, bytes(100)));
  send(peer(flag::ACK, P + 600, L, bytes(100)));
  auto r = send(peer(flag::ACK, P, L, bytes(100)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 100);
  EXPECT_TRUE(parse_options(r[0]).timestamp.has_value());
  const auto b = sack_of(r[0]);
  ASSERT_EQ(b.size(), 3u) << show(b);
  EXPECT_EQ(b[0], (net::SackBlock{P, P + 100}));
  EXPECT_EQ(b[1], (net::SackBlock{P + 600, P + 700}));  // the latest arrival
}

TEST_F(LinuxArrival3, PawsRejectedOldTextIsDsacked) {
  // Kernel-checked (work-E/e8.pkt): tcp_send_dupack reports the old octets.
  sack_open(test_config("linux"), true);
  send(peer(flag::ACK, P, L, bytes(100)));
  net::Segment old = from_peer(flag::ACK, P, L, 65535, bytes(100));
  old.options = {nop_option(), nop_option(), timestamp_option(50, 0)};
  auto r = send(old);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 100);
  EXPECT_EQ(sack_of(r[0]), blocks({{P, P + 100}})) << show(sack_of(r[0]));
}

TEST_F(LinuxArrival3, DuplicateOfQueuedDataIsDsacked) {
  // Kernel-checked (work-E/e2.pkt): 2001:3001 queued; again -> sack 2001:3001 2001:3001;
  // 2501:3501 -> sack 2501:3001 2001:3501.
  sack_open(test_config("linux"));
  auto r = send(peer(flag::ACK, P + 2000, L, bytes(1000)));
  ASSERT_EQ(r.size(), 1u);
  r = send(peer(flag::ACK, P + 2000, L, bytes(1000)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P);
  EXPECT_EQ(sack_of(r[0]), blocks({{P + 2000, P + 3000}, {P + 2000, P + 3000}})) << show(sack_of(r[0]));
  r = send(peer(flag::ACK, P + 2500, L, bytes(1000)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(sack_of(r[0]), blocks({{P + 2500, P + 3000}, {P + 2000, P + 3500}})) << show(sack_of(r[0]));
  r = send(peer(flag::ACK, P, L, bytes(2000)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 3500);
  EXPECT_TRUE(sack_of(r[0]).empty());
}

TEST_F(LinuxArrival3, InOrderTextOverlappingQueuedDataIsDsacked) {
  // tcp_ofo_queue: queued 2001:3001, then 1:2501 in order: the overlap 2001:2501 is a duplicate.
  sack_open(test_config("linux"));
  send(peer(flag::ACK, P + 2000, L, bytes(1000)));
  auto r = send(peer(flag::ACK, P, L, bytes(2500)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 3000);
  EXPECT_EQ(sack_of(r[0]), blocks({{P + 2000, P + 2500}})) << show(sack_of(r[0]));
}

TEST_F(LinuxArrival3, RetransmittedFinInCloseWaitIsDsacked) {
  // Kernel-checked (work-E/e1.pkt): the FIN's sequence number is the duplicate.
  const int fd = sack_open(test_config("linux"));
  send(peer(flag::FIN | flag::ACK, P, L));
  run_until(100 * kMs);
  ASSERT_EQ(state_of(fd), State::CloseWait);
  auto r = send(peer(flag::FIN | flag::ACK, P, L));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L, P + 1);
  EXPECT_EQ(sack_of(r[0]), blocks({{P, P + 1}})) << show(sack_of(r[0]));
}

}  // namespace
}  // namespace synack::reference::testing

namespace synack::reference::testing {
namespace {

// Campaign dfk14 #5: text beyond the peer's FIN aborts the connection (after_fin_segments_linux)
// as tcp_reset does: a child still waiting for accept() stays in the queue, CLOSED, with EPIPE.
TEST_F(LinuxArrival3, DataAfterFinResetKeepsTheChildInTheAcceptQueue) {
  for (const bool keep : {true, false}) {
    auto cfg = test_config("linux");
    cfg.reset_keeps_accept_queue = keep;
    make(cfg);
    const int l = listener();
    ASSERT_EQ(send(from_peer(flag::SYN, kPeerIsn)).size(), 1u);
    EXPECT_TRUE(send(from_peer(flag::ACK, P, L)).empty());
    send(from_peer(flag::FIN | flag::ACK, P, L));
    const auto rst = send(from_peer(flag::PSH | flag::ACK, P, L, 65535, std::vector<std::uint8_t>(1000, 7)));
    ASSERT_EQ(rst.size(), 1u);
    EXPECT_TRUE(rst[0].has(flag::RST));
    const int fd = stack->accept(l);
    if (!keep) {
      EXPECT_EQ(fd, -EAGAIN);
      continue;
    }
    ASSERT_GE(fd, 0);
    EXPECT_EQ(state_of(fd), State::Closed);
    std::int64_t err = 0;
    ASSERT_EQ(stack->getsockopt(fd, SOL_SOCKET, SO_ERROR, err, nullptr), 0);
    EXPECT_EQ(err, EPIPE);
  }
}

}  // namespace
}  // namespace synack::reference::testing
