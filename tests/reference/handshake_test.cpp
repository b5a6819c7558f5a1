// Connection establishment: CLOSED, LISTEN, SYN-SENT and SYN-RECEIVED, one test per event.
#include "tests/reference/stack_fixture.h"
#include "targets/reference/options.h"

namespace synack::reference::testing {
namespace {

std::vector<std::uint8_t> option_kinds(const net::Segment& s) {
  std::vector<std::uint8_t> k;
  for (const auto& o : s.options) k.push_back(o.kind);
  return k;
}

// ---- §3.10.7.1 CLOSED ----

TEST_F(StackTest, ClosedPortSynGetsRstAckWithSeqZero) {
  auto r = send(from_peer(flag::SYN, kPeerIsn));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "R.", 0, kPeerIsn + 1);
  EXPECT_EQ(r[0].sport, kPort);
  EXPECT_EQ(r[0].dport, kPeerPort);
  EXPECT_TRUE(r[0].options.empty());
}

TEST_F(StackTest, ClosedPortDataWithoutAckCountsPayloadInAck) {
  auto r = send(from_peer(0, 7, 0, 100, bytes(10)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "R.", 0, 17);
}

TEST_F(StackTest, ClosedPortAckGetsRstWithSeqFromAck) {
  auto r = send(from_peer(flag::ACK, kPeerIsn, 777));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "R");
  EXPECT_EQ(r[0].seq, 777u);
}

TEST_F(StackTest, ClosedPortRstIsDiscarded) {
  EXPECT_TRUE(send(from_peer(flag::RST, kPeerIsn)).empty());
  EXPECT_TRUE(send(from_peer(flag::RST | flag::ACK, kPeerIsn, 1)).empty());
}

TEST_F(StackTest, BadChecksumIsDiscardedSilently) {
  auto s = from_peer(flag::SYN, kPeerIsn);
  s.checksum_ok = false;
  EXPECT_TRUE(send(s).empty());
}

// ---- §3.10.7.2 LISTEN ----

TEST_F(StackTest, ListenSynGetsSynAckAndEntersSynReceived) {
  listener();
  auto r = send(from_peer(flag::SYN, kPeerIsn, 0, 29200));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "S.", kIss, kPeerIsn + 1);
  ASSERT_EQ(r[0].options.size(), 1u);  // only MSS: the peer offered nothing else
  EXPECT_EQ(parse_options(r[0]).mss, 1460);
  EXPECT_EQ(r[0].window, 65535);
  auto conns = stack->connections();
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_EQ(conns[0]->state, State::SynReceived);
  EXPECT_EQ(conns[0]->snd_nxt, kIss + 1);
}

TEST_F(StackTest, ListenAckGetsRst) {
  listener();
  auto r = send(from_peer(flag::ACK, kPeerIsn, 4242));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "R");
  EXPECT_EQ(r[0].seq, 4242u);
  EXPECT_TRUE(stack->connections().empty());
}

TEST_F(StackTest, ListenRstIsIgnored) {
  listener();
  EXPECT_TRUE(send(from_peer(flag::RST, kPeerIsn)).empty());
  EXPECT_TRUE(stack->connections().empty());
}

TEST_F(StackTest, ListenSegmentWithoutSynAckRstIsDropped) {
  listener();
  EXPECT_TRUE(send(from_peer(0, kPeerIsn, 0, 100, bytes(5))).empty());
}

TEST_F(StackTest, LinuxSynAckOptionOrderWithTimestamps) {
  StackConfig c = test_config("linux");
  c.timestamps = c.sack = c.window_scaling = true;
  make(c);
  listener();
  auto syn = from_peer(flag::SYN, kPeerIsn);
  syn.options = {mss_option(1000), sack_permitted_option(), timestamp_option(77, 0), nop_option(),
                 wscale_option(8)};
  auto r = send(syn);
  ASSERT_EQ(r.size(), 1u);
  using K = std::vector<std::uint8_t>;
  EXPECT_EQ(option_kinds(r[0]), (K{2, 4, 8, 1, 3}));
  const auto p = parse_options(r[0]);
  EXPECT_EQ(p.timestamp->second, 77u);  // TSecr echoes the SYN's TSval
  EXPECT_EQ(p.wscale, 7);
  EXPECT_EQ(stack->connections()[0]->snd_mss, 1000 - 12);  // TS takes 12 bytes of every segment
}

TEST_F(StackTest, LinuxSynAckOptionOrderWithoutTimestamps) {
  StackConfig c = test_config("linux");
  c.timestamps = c.sack = c.window_scaling = true;
  make(c);
  listener();
  auto syn = from_peer(flag::SYN, kPeerIsn);
  syn.options = {mss_option(1460), nop_option(), nop_option(), sack_permitted_option(),
                 nop_option(), wscale_option(2)};
  auto r = send(syn);
  ASSERT_EQ(r.size(), 1u);
  using K = std::vector<std::uint8_t>;
  EXPECT_EQ(option_kinds(r[0]), (K{2, 1, 1, 4, 1, 3}));
}

TEST_F(StackTest, SynAckEchoesOnlyWhatThePeerOffered) {
  StackConfig c = test_config("linux");
  c.timestamps = c.sack = c.window_scaling = true;
  make(c);
  listener();
  auto syn = from_peer(flag::SYN, kPeerIsn);
  syn.options = {mss_option(1200), wscale_option(3)};
  auto r = send(syn);
  ASSERT_EQ(r.size(), 1u);
  using K = std::vector<std::uint8_t>;
  EXPECT_EQ(option_kinds(r[0]), (K{2, 1, 3}));
  EXPECT_EQ(stack->connections()[0]->snd_shift, 3);
}

TEST_F(StackTest, LinuxSynAckWindowIsAMultipleOfTheMss) {
  StackConfig c = test_config("linux");
  c.timestamps = true;
  make(c);
  listener();
  auto syn = from_peer(flag::SYN, kPeerIsn);
  syn.options = {mss_option(1460), timestamp_option(1, 0)};
  auto r = send(syn);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].window, 65160);  // 45 * 1448
  r = send(from_peer(flag::SYN, kPeerIsn, 0, 65535, {}, kPeerPort + 1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].window, 64240);  // 44 * 1460 without timestamps
}

TEST_F(StackTest, FreebsdSynOptionLayout) {
  StackConfig c = test_config("freebsd");
  c.timestamps = c.sack = c.window_scaling = true;
  make(c);
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  using K = std::vector<std::uint8_t>;
  EXPECT_EQ(option_kinds(r[0]), (K{2, 1, 3, 4, 8}));
  EXPECT_EQ(options_length(r[0].options) % 4, 0u);
}

TEST_F(StackTest, FullAcceptQueueDropsSyn) {
  const int l = listener(kPort, 0);  // Linux: backlog 0 still admits one connection
  send(from_peer(flag::SYN, kPeerIsn));
  send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 1));
  auto r = send(from_peer(flag::SYN, 9000, 0, 65535, {}, kPeerPort + 1));
  EXPECT_TRUE(r.empty());
  EXPECT_GE(stack->accept(l), 0);
  r = send(from_peer(flag::SYN, 9000, 0, 65535, {}, kPeerPort + 1));
  EXPECT_EQ(r.size(), 1u);  // room again
}

// ---- SYN-RECEIVED ----

TEST_F(StackTest, SynReceivedAckEstablishesAndQueuesForAccept) {
  const int l = listener();
  send(from_peer(flag::SYN, kPeerIsn));
  EXPECT_EQ(stack->accept(l), -EAGAIN);
  auto r = send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 1));
  EXPECT_TRUE(r.empty());
  const int fd = stack->accept(l);
  EXPECT_EQ(fd, l + 1);
  EXPECT_EQ(state_of(fd), State::Established);
}

TEST_F(StackTest, SynReceivedBadAckGetsRst) {
  listener();
  send(from_peer(flag::SYN, kPeerIsn));
  auto r = send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 50));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "R");
  EXPECT_EQ(r[0].seq, kIss + 50);
  EXPECT_EQ(stack->connections()[0]->state, State::SynReceived);
}

TEST_F(StackTest, SynReceivedRstReturnsToListen) {
  const int l = listener();
  send(from_peer(flag::SYN, kPeerIsn));
  EXPECT_TRUE(send(from_peer(flag::RST, kPeerIsn + 1)).empty());
  EXPECT_TRUE(stack->connections().empty());
  EXPECT_EQ(stack->accept(l), -EAGAIN);
  EXPECT_EQ(send(from_peer(flag::SYN, kPeerIsn)).size(), 1u);  // the listener still answers
}

TEST_F(StackTest, SynReceivedRetransmitsSynAckWithBackoffThenGivesUp) {
  StackConfig c = test_config();
  c.synack_retries = 2;
  make(c);
  listener();
  send(from_peer(flag::SYN, kPeerIsn));
  auto r = run_until(10 * kMicrosPerSecond);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].time, 1 * kMicrosPerSecond);
  EXPECT_EQ(r[1].time, 3 * kMicrosPerSecond);
  EXPECT_SEGMENT(r[1].segment, "S.", kIss, kPeerIsn + 1);
  EXPECT_TRUE(stack->connections().empty());  // dropped at 7 s
}

TEST_F(StackTest, SynReceivedDuplicateSynGetsSynAckInLinuxProfile) {
  make(test_config("linux"));
  listener();
  send(from_peer(flag::SYN, kPeerIsn));
  auto r = send(from_peer(flag::SYN, kPeerIsn));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "S.", kIss, kPeerIsn + 1);
}

TEST_F(StackTest, SynReceivedDuplicateSynGetsAckInRfcProfile) {
  listener();
  send(from_peer(flag::SYN, kPeerIsn));
  auto r = send(from_peer(flag::SYN, kPeerIsn));
  ASSERT_EQ(r.size(), 1u);  // unacceptable (before RCV.NXT): <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
  EXPECT_SEGMENT(r[0], ".", kIss + 1, kPeerIsn + 1);
}

// ---- SYN-SENT ----

TEST_F(StackTest, ConnectSendsSynAndEntersSynSent) {
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "S", kIss, 0);
  EXPECT_EQ(r[0].dport, kPeerPort);
  EXPECT_EQ(r[0].src, stack_addr());
  EXPECT_EQ(state_of(fd), State::SynSent);
  EXPECT_EQ(stack->connect_status(fd), -EINPROGRESS);
  EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EALREADY);
}

TEST_F(StackTest, LinuxSynOptions) {
  StackConfig c = test_config("linux");
  c.timestamps = c.sack = c.window_scaling = true;
  make(c);
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  using K = std::vector<std::uint8_t>;
  EXPECT_EQ(option_kinds(r[0]), (K{2, 4, 8, 1, 3}));
  const auto p = parse_options(r[0]);
  EXPECT_EQ(p.mss, 1460);
  EXPECT_EQ(p.timestamp->second, 0u);
  EXPECT_EQ(p.wscale, 7);
  EXPECT_EQ(r[0].window, 64240);
}

TEST_F(StackTest, SynSentSynAckEstablishesAndAcks) {
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  stack->connect(fd, peer_addr(), kPeerPort);
  local_port = sent().at(0).sport;
  auto r = send(to_active(flag::SYN | flag::ACK, kPeerIsn, kIss + 1, 1000));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], ".", kIss + 1, kPeerIsn + 1);
  EXPECT_EQ(state_of(fd), State::Established);
  EXPECT_EQ(stack->connect_status(fd), 0);
  EXPECT_EQ(stack->connection(fd)->snd_wnd, 1000u);
  EXPECT_EQ(stack->connection(fd)->snd_mss, 536);  // no MSS option: the default
}

TEST_F(StackTest, SynSentRstWithAcceptableAckRefuses) {
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  stack->connect(fd, peer_addr(), kPeerPort);
  local_port = sent().at(0).sport;
  EXPECT_TRUE(send(to_active(flag::RST | flag::ACK, 0, kIss + 1)).empty());
  EXPECT_EQ(state_of(fd), State::Closed);
  EXPECT_EQ(stack->connect_status(fd), -ECONNREFUSED);
}

TEST_F(StackTest, SynSentRstWithoutAckIsIgnored) {
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  stack->connect(fd, peer_addr(), kPeerPort);
  local_port = sent().at(0).sport;
  EXPECT_TRUE(send(to_active(flag::RST, 0, 0)).empty());
  EXPECT_EQ(state_of(fd), State::SynSent);
}

TEST_F(StackTest, SynSentUnacceptableAckGetsRst) {
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  stack->connect(fd, peer_addr(), kPeerPort);
  local_port = sent().at(0).sport;
  auto r = send(to_active(flag::SYN | flag::ACK, kPeerIsn, kIss + 7));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "R");
  EXPECT_EQ(r[0].seq, kIss + 7);
  EXPECT_EQ(state_of(fd), State::SynSent);
}

TEST_F(StackTest, SynSentBareAckWithoutSynIsDropped) {
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  stack->connect(fd, peer_addr(), kPeerPort);
  local_port = sent().at(0).sport;
  EXPECT_TRUE(send(to_active(flag::ACK, kPeerIsn, kIss + 1)).empty());
  EXPECT_EQ(state_of(fd), State::SynSent);
}

TEST_F(StackTest, SimultaneousOpen) {
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  stack->connect(fd, peer_addr(), kPeerPort);
  local_port = sent().at(0).sport;
  // Figure 8: a bare SYN crosses ours; we answer SYN-ACK and enter SYN-RECEIVED.
  auto r = send(to_active(flag::SYN, kPeerIsn, 0));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "S.", kIss, kPeerIsn + 1);
  EXPECT_EQ(state_of(fd), State::SynReceived);
  // The peer's SYN-ACK acknowledges our SYN: ESTABLISHED.
  r = send(to_active(flag::SYN | flag::ACK, kPeerIsn, kIss + 1));
  EXPECT_EQ(state_of(fd), State::Established);
  EXPECT_EQ(stack->connect_status(fd), 0);
}

// The SYN-ACK of a simultaneous open answers a SYN with no options: by RFC 7323 it offers none
// but MSS; the linux profile repeats its SYN's offer, as Linux does.
TEST_F(StackTest, SimultaneousOpenSynAckOptionsByProfile) {
  auto synack_option_kinds = [&](const char* profile) {
    StackConfig c = test_config(profile);
    c.timestamps = c.sack = c.window_scaling = true;  // the profile's own offer
    make(c);
    const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
    stack->connect(fd, peer_addr(), kPeerPort);
    const auto syn = sent().at(0);
    local_port = syn.sport;
    auto r = send(to_active(flag::SYN, kPeerIsn, 0));
    EXPECT_EQ(r.size(), 1u);
    std::vector<int> kinds;
    for (const auto& o : r.empty() ? syn.options : r[0].options)
      if (o.kind > 1) kinds.push_back(o.kind);
    std::vector<int> offered;
    for (const auto& o : syn.options)
      if (o.kind > 1) offered.push_back(o.kind);
    return std::pair{kinds, offered};
  };
  const auto [rfc, rfc_offered] = synack_option_kinds("rfc");
  EXPECT_EQ(rfc, std::vector<int>{2});  // MSS only
  const auto [linux_kinds, linux_offered] = synack_option_kinds("linux");
  EXPECT_GT(linux_offered.size(), 1u);
  EXPECT_EQ(linux_kinds, linux_offered);
}

TEST_F(StackTest, SynRetransmissionDoublesThenTimesOut) {
  StackConfig c = test_config("linux");
  c.syn_retries = 3;
  c.syn_linear_timeouts = 0;
  make(c);
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  stack->connect(fd, peer_addr(), kPeerPort);
  sent();
  auto r = run_until(100 * kMicrosPerSecond);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].time, 1 * kMicrosPerSecond);
  EXPECT_EQ(r[1].time, 3 * kMicrosPerSecond);
  EXPECT_EQ(r[2].time, 7 * kMicrosPerSecond);
  EXPECT_SEGMENT(r[2].segment, "S", kIss, 0);
  EXPECT_EQ(state_of(fd), State::Closed);
  EXPECT_EQ(stack->connect_status(fd), -ETIMEDOUT);
}

// Linux 6.x: the first four SYN retransmissions are 1 s apart, then the RTO doubles.
TEST_F(StackTest, LinuxSynRetransmissionsAreLinearFirst) {
  make(test_config("linux"));  // syn_retries 6, syn_linear_timeouts 4
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  stack->connect(fd, peer_addr(), kPeerPort);
  sent();
  auto r = run_until(100 * kMicrosPerSecond);
  std::vector<Micros> times;
  for (const auto& e : r) times.push_back(e.time / kMicrosPerSecond);
  EXPECT_EQ(times, (std::vector<Micros>{1, 2, 3, 4, 5, 7}));
  EXPECT_EQ(state_of(fd), State::Closed);
  EXPECT_EQ(stack->connect_status(fd), -ETIMEDOUT);
}

TEST_F(StackTest, RtoFallsBackToThreeSecondsAfterRetransmittedSyn) {
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  stack->connect(fd, peer_addr(), kPeerPort);
  local_port = sent().at(0).sport;
  run_until(1 * kMicrosPerSecond);  // SYN retransmitted: no RTT sample (Karn)
  send(to_active(flag::SYN | flag::ACK, kPeerIsn, kIss + 1));
  EXPECT_GE(stack->connection(fd)->rto, 3 * kMicrosPerSecond);  // RFC 6298 §5.7
}

TEST_F(StackTest, Rfc6528IsnDependsOnFourTupleAndClock) {
  StackConfig c = test_config();
  c.isn_mode = IsnMode::Rfc6528;
  make(c);
  const int a = stack->socket(AF_INET, SOCK_STREAM, 0);
  const int b = stack->socket(AF_INET, SOCK_STREAM, 0);
  stack->connect(a, peer_addr(), kPeerPort);
  stack->connect(b, peer_addr(), kPeerPort);
  auto r = sent();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_NE(r[0].sport, r[1].sport);
  EXPECT_NE(r[0].seq, r[1].seq);
}

}  // namespace
}  // namespace synack::reference::testing

namespace synack::reference::testing {
namespace {

TEST_F(StackTest, LinuxDropsSynFinInListen) {
  make(test_config("linux"));
  listener();
  EXPECT_TRUE(send(from_peer(flag::SYN | flag::FIN, kPeerIsn)).empty());
  EXPECT_TRUE(stack->connections().empty());
}

TEST_F(StackTest, RfcAnswersSynFinWithSynAckIgnoringTheFin) {
  listener();
  auto r = send(from_peer(flag::SYN | flag::FIN, kPeerIsn));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "S.", kIss, kPeerIsn + 1);
}

}  // namespace
}  // namespace synack::reference::testing

namespace synack::reference::testing {
namespace {

TEST_F(StackTest, RefusedSocketMayConnectAgain) {
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  stack->connect(fd, peer_addr(), kPeerPort);
  local_port = sent().at(0).sport;
  send(to_active(flag::RST | flag::ACK, 0, kIss + 1));
  ASSERT_EQ(stack->connect_status(fd), -ECONNREFUSED);
  EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  auto r = sent();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "S");
  EXPECT_EQ(r[0].sport, local_port);  // the socket keeps its port
  EXPECT_EQ(state_of(fd), State::SynSent);
}

}  // namespace
}  // namespace synack::reference::testing

namespace synack::reference::testing {
namespace {

TEST_F(StackTest, TraceFollowsTheHandshake) {
  std::vector<std::string> lines;
  std::vector<State> states;
  stack->set_trace([&](const TraceEvent& e) {
    lines.emplace_back(e.rule);
    states.push_back(e.state);
  });
  passive_open();
  ASSERT_GE(lines.size(), 2u);
  EXPECT_NE(lines[0].find("3.10.7.2 third"), std::string::npos);
  EXPECT_EQ(states[0], State::SynReceived);
  bool established = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find("3.10.7.4 fifth: ACK of our SYN") != std::string::npos) {
      established = states[i] == State::Established;
    }
  }
  EXPECT_TRUE(established);
  stack->set_trace(nullptr);
  const std::size_t before = lines.size();
  send(from_peer(flag::ACK, kPeerIsn + 900000, kIss + 1));
  EXPECT_EQ(lines.size(), before);  // off again
}

}  // namespace
}  // namespace synack::reference::testing
