// Receive-side Linux behaviours from campaign dfk13 (part-E #3, #12):
// - shut_rd_data_resets: in FIN-WAIT-1/2 after shutdown(SHUT_RD/SHUT_RDWR), new data draws
//   <SEQ=SEG.ACK><CTL=RST> and recv() reports ECONNRESET once, then 0 (tcp_rcv_state_process).
// - delack_due_acks_now: a segment reaching Linux's ACK check while the delayed ACK is due within
//   a quarter of its timeout sends it at once (tcp_send_delayed_ack); a header-predicted bare ACK
//   in ESTABLISHED does not reach the check.
// Each is checked with the key on (linux profile) and off.
#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

constexpr std::uint32_t P = kPeerIsn + 1;  // peer's first data sequence number
constexpr std::uint32_t L = kIss + 1;      // stack's first data sequence number

class LinuxReceive2Test : public StackTest {
 protected:
  void open(const char* profile, bool shut_rd_resets, bool delack_due) {
    StackConfig c = test_config(profile);
    c.shut_rd_data_resets = shut_rd_resets;
    c.delack_due_acks_now = delack_due;
    make(c);
    fd = passive_open();
    stack->advance_to(100 * kMillis);
  }
  // shutdown(how) with the FIN going out; `ack_fin` lets the peer acknowledge it (FIN-WAIT-2).
  // The FIN goes at `fin_seq`, acknowledging `rcv_nxt`.
  void shut(int how, bool ack_fin, std::uint32_t fin_seq = L, std::uint32_t rcv_nxt = P) {
    ASSERT_EQ(stack->shutdown(fd, how), 0);
    auto r = sent();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_SEGMENT(r[0], "F.", fin_seq, rcv_nxt);
    if (ack_fin) {
      EXPECT_TRUE(send(from_peer(flag::ACK, rcv_nxt, fin_seq + 1)).empty());
      ASSERT_EQ(state_of(fd), State::FinWait2);
    } else {
      ASSERT_EQ(state_of(fd), State::FinWait1);
    }
  }
  // Makes the connection interactive (pingpong): 100 bytes in (quick ACK), 100 bytes out, then
  // 100 more bytes in at 200 ms, whose ACK is delayed to 240 ms.
  void pending_delayed_ack() {
    EXPECT_EQ(send(from_peer(flag::PSH | flag::ACK, P, L, 65535, bytes(100))).size(), 1u);
    EXPECT_EQ(write(fd, 100), 100);
    EXPECT_EQ(sent().size(), 1u);
    ASSERT_TRUE(stack->connection(fd)->pingpong);
    stack->advance_to(200 * kMillis);
    EXPECT_TRUE(send(from_peer(flag::PSH | flag::ACK, P + 100, L + 100, 65535, bytes(100))).empty());
    ASSERT_EQ(stack->connection(fd)->delack_at, 240 * kMillis);
  }
  // The first segment the stack sends after `seg`, at once or within 500 ms.
  net::Segment reply(const net::Segment& seg) {
    auto r = send(seg);
    if (!r.empty()) return r[0];
    auto later = run_until(stack->now() + 500 * kMillis);
    EXPECT_FALSE(later.empty());
    return later.empty() ? net::Segment{} : later[0].segment;
  }
  int fd = -1;
};

// ---- shut_rd_data_resets ----

TEST_F(LinuxReceive2Test, DataAfterShutRdwrInFinWait2IsReset) {
  // d3.pkt: SHUT_RDWR, FIN acked, then 1000 bytes: RST <SEQ=SEG.ACK>, ECONNRESET once, then 0.
  open("linux", true, true);
  shut(SHUT_RDWR, true);
  auto r = send(from_peer(flag::PSH | flag::ACK, P, L + 1, 257, bytes(1000)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "R", L + 1, 0);
  EXPECT_EQ(state_of(fd), State::Closed);
  std::int64_t ret = 0;
  read(fd, 1000, &ret);
  EXPECT_EQ(ret, -ECONNRESET);
  read(fd, 1000, &ret);
  EXPECT_EQ(ret, 0);
}

TEST_F(LinuxReceive2Test, DataAfterShutRdwrInFinWait1IsReset) {
  // d3f.pkt: the FIN not yet acknowledged; the reset carries SEG.ACK (= our FIN's sequence).
  open("linux", true, true);
  shut(SHUT_RDWR, false);
  auto r = send(from_peer(flag::PSH | flag::ACK, P, L, 257, bytes(1000)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "R", L, 0);
  std::int64_t ret = 0;
  read(fd, 1000, &ret);
  EXPECT_EQ(ret, -ECONNRESET);
}

TEST_F(LinuxReceive2Test, KeyOffAcksDataAfterShutRdwr) {
  // Without the key (and in the rfc profile) the data is acknowledged and the connection stays.
  for (const char* profile : {"linux", "rfc"}) {
    open(profile, false, false);
    shut(SHUT_RDWR, true);
    EXPECT_SEGMENT(reply(from_peer(flag::PSH | flag::ACK, P, L + 1, 257, bytes(1000))), ".", L + 1,
                   P + 1000);
    EXPECT_EQ(state_of(fd), State::FinWait2) << profile;
  }
}

TEST_F(LinuxReceive2Test, ShutWrOnlyKeepsTakingData) {
  // d3w.pkt: SHUT_WR leaves the read side open: no reset.
  open("linux", true, true);
  shut(SHUT_WR, true);
  EXPECT_SEGMENT(reply(from_peer(flag::PSH | flag::ACK, P, L + 1, 257, bytes(1000))), ".", L + 1,
                 P + 1000);
  EXPECT_EQ(state_of(fd), State::FinWait2);
}

TEST_F(LinuxReceive2Test, ShutRdInEstablishedQueuesData) {
  // d3r.pkt: no reset outside FIN-WAIT-1/2; the data is acknowledged and readable.
  open("linux", true, true);
  ASSERT_EQ(stack->shutdown(fd, SHUT_RD), 0);
  EXPECT_TRUE(sent().empty());
  EXPECT_SEGMENT(reply(from_peer(flag::PSH | flag::ACK, P, L, 257, bytes(1000))), ".", L, P + 1000);
  EXPECT_EQ(state_of(fd), State::Established);
  std::int64_t ret = 0;
  read(fd, 1000, &ret);
  EXPECT_EQ(ret, 1000);
}

// ---- delack_due_acks_now ----

TEST_F(LinuxReceive2Test, WindowUpdateInLastQuarterSendsDelayedAck) {
  // d12c.pkt: a bare ACK with a new window at 235 ms (delayed ACK due at 240): ACK at once.
  open("linux", true, true);
  pending_delayed_ack();
  stack->advance_to(235 * kMillis);
  auto r = send(from_peer(flag::ACK, P + 200, L + 100, 60000));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 100, P + 200);
  EXPECT_EQ(stack->connection(fd)->delack_at, kNever);
}

TEST_F(LinuxReceive2Test, KeyOffWindowUpdateKeepsDelay) {
  open("linux", true, false);
  pending_delayed_ack();
  stack->advance_to(235 * kMillis);
  EXPECT_TRUE(send(from_peer(flag::ACK, P + 200, L + 100, 60000)).empty());
  auto r = run_until(300 * kMillis);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].time, 240 * kMillis);
}

TEST_F(LinuxReceive2Test, EarlyWindowUpdateKeepsDelay) {
  // d12d.pkt: the same ACK at 210 ms, 30 ms before the timer: the delay stands.
  open("linux", true, true);
  pending_delayed_ack();
  stack->advance_to(210 * kMillis);
  EXPECT_TRUE(send(from_peer(flag::ACK, P + 200, L + 100, 60000)).empty());
  auto r = run_until(300 * kMillis);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].time, 240 * kMillis);
}

TEST_F(LinuxReceive2Test, HeaderPredictedAckKeepsDelay) {
  // d12e.pkt: window unchanged, at RCV.NXT, no options: Linux's fast path, no ACK check.
  open("linux", true, true);
  pending_delayed_ack();
  stack->advance_to(235 * kMillis);
  EXPECT_TRUE(send(from_peer(flag::ACK, P + 200, L + 100, 65535)).empty());
  auto r = run_until(300 * kMillis);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].time, 240 * kMillis);
}

TEST_F(LinuxReceive2Test, DataInLastQuarterSendsDelayedAck) {
  // Data always reaches the ACK check: 100 more bytes at 235 ms are acknowledged at once.
  open("linux", true, true);
  pending_delayed_ack();
  stack->advance_to(235 * kMillis);
  auto r = send(from_peer(flag::PSH | flag::ACK, P + 200, L + 100, 65535, bytes(100)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 100, P + 300);
}

TEST_F(LinuxReceive2Test, KeyOffDataInLastQuarterWaits) {
  open("linux", true, false);
  pending_delayed_ack();
  stack->advance_to(235 * kMillis);
  EXPECT_TRUE(send(from_peer(flag::PSH | flag::ACK, P + 200, L + 100, 65535, bytes(100))).empty());
  auto r = run_until(300 * kMillis);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].time, 240 * kMillis);
  EXPECT_SEGMENT(r[0].segment, ".", L + 100, P + 300);
}

TEST_F(LinuxReceive2Test, BareAckInFinWait2SendsDueDelayedAck) {
  // Outside ESTABLISHED there is no fast path: even an unchanged bare ACK sends the due ACK.
  open("linux", true, true);
  EXPECT_EQ(send(from_peer(flag::PSH | flag::ACK, P, L, 65535, bytes(100))).size(), 1u);
  EXPECT_EQ(write(fd, 100), 100);
  EXPECT_EQ(sent().size(), 1u);
  ASSERT_TRUE(stack->connection(fd)->pingpong);
  stack->advance_to(150 * kMillis);
  shut(SHUT_WR, false, L + 100, P + 100);
  EXPECT_TRUE(send(from_peer(flag::ACK, P + 100, L + 101)).empty());
  ASSERT_EQ(state_of(fd), State::FinWait2);
  stack->advance_to(200 * kMillis);
  EXPECT_TRUE(send(from_peer(flag::PSH | flag::ACK, P + 100, L + 101, 65535, bytes(100))).empty());
  ASSERT_EQ(stack->connection(fd)->delack_at, 240 * kMillis);
  stack->advance_to(235 * kMillis);
  auto r = send(from_peer(flag::ACK, P + 200, L + 101, 65535));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", L + 101, P + 200);
}

}  // namespace
}  // namespace synack::reference::testing
