// ICMP errors arriving at the reference stack (icmp_arrival.cpp): one test per case, each checking
// what the stack sends (usually nothing), the connection's next state and the error the user sees.
#include <netinet/tcp.h>
#include <poll.h>

#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

// An ICMPv4 error from the peer's address quoting a segment the stack sent.
net::IcmpMessage icmp(std::uint8_t type, std::uint8_t code, std::uint32_t quoted_seq,
                      std::uint16_t sport = kPort, std::uint16_t dport = kPeerPort,
                      std::uint32_t mtu = 0) {
  net::IcmpMessage m;
  m.src = peer_addr();
  m.dst = stack_addr();
  m.type = type;
  m.code = code;
  m.mtu = mtu;
  m.quoted.src = stack_addr();
  m.quoted.dst = peer_addr();
  m.quoted.sport = sport;
  m.quoted.dport = dport;
  m.quoted.seq = quoted_seq;
  return m;
}

constexpr std::uint8_t kUnreach = 3, kSourceQuench = 4, kTimeExceeded = 11, kParamProblem = 12;

class IcmpTest : public StackTest {
 protected:
  // Delivers an ICMP message; returns what the stack sent at once.
  std::vector<net::Segment> deliver(const net::IcmpMessage& m) {
    stack->icmp_arrives(m);
    expect_invariants();
    return sent();
  }
  const Tcb& tcb(int fd) { return *stack->connection(fd); }
  int so_error(int fd) {
    std::int64_t v = -1;
    EXPECT_EQ(stack->getsockopt(fd, SOL_SOCKET, SO_ERROR, v, nullptr), 0);
    return static_cast<int>(v);
  }
  // ESTABLISHED (passive) with two full segments in flight (the peer sent no MSS option, so
  // 536 octets each): SND.UNA = kIss + 1, SND.NXT = kIss + 1073.
  int established_with_data() {
    const int fd = passive_open();
    EXPECT_EQ(write(fd, 1072), 1072);
    EXPECT_EQ(sent().size(), 2u);
    return fd;
  }
  // Active open in SYN-SENT, the SYN sent (SND.UNA = ISS = kIss).
  int syn_sent() {
    const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
    auto syn = sent();
    EXPECT_EQ(syn.size(), 1u);
    local_port = syn.at(0).sport;
    return fd;
  }
};

// ---- soft errors (MUST-56, SHLD-25) ----

TEST_F(IcmpTest, SoftErrorInEstablishedIsRememberedAndDoesNotAbort) {
  const int fd = established_with_data();
  EXPECT_TRUE(deliver(icmp(kUnreach, 1, kIss + 1)).empty());
  EXPECT_EQ(state_of(fd), State::Established);
  EXPECT_EQ(tcb(fd).soft_error, EHOSTUNREACH);
  EXPECT_EQ(tcb(fd).error, 0);
  std::int64_t r = 0;
  read(fd, 100, &r);
  EXPECT_EQ(r, -EAGAIN);  // not reported through calls without IP_RECVERR ...
  EXPECT_EQ(so_error(fd), EHOSTUNREACH);  // ... but SO_ERROR shows it once (as Linux)
  EXPECT_EQ(so_error(fd), 0);
}

TEST_F(IcmpTest, EverySoftErrorOfRfc9293KeepsTheConnectionWithItsErrno) {
  struct Case {
    std::uint8_t type, code;
    int err;
  };
  const Case cases[] = {{kUnreach, 0, ENETUNREACH},   {kUnreach, 1, EHOSTUNREACH},
                        {kUnreach, 5, EOPNOTSUPP},    {kTimeExceeded, 0, EHOSTUNREACH},
                        {kTimeExceeded, 1, EHOSTUNREACH}, {kParamProblem, 0, EPROTO},
                        {kUnreach, 13, EHOSTUNREACH}};  // not classified by the RFC: kept soft
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.type) + "/" + std::to_string(c.code));
    make(test_config());
    const int fd = established_with_data();
    EXPECT_TRUE(deliver(icmp(c.type, c.code, kIss + 501)).empty());
    EXPECT_EQ(state_of(fd), State::Established);
    EXPECT_EQ(tcb(fd).soft_error, c.err);
  }
}

TEST_F(IcmpTest, WithRecvErrASoftErrorIsReportedAtOnceThroughTheNextCall) {
  const int fd = passive_open();
  ASSERT_EQ(stack->setsockopt(fd, IPPROTO_IP, IP_RECVERR, 1), 0);
  std::int64_t on = 0;
  ASSERT_EQ(stack->getsockopt(fd, IPPROTO_IP, IP_RECVERR, on, nullptr), 0);
  EXPECT_EQ(on, 1);
  ASSERT_EQ(write(fd, 100), 100);
  ASSERT_EQ(sent().size(), 1u);
  EXPECT_TRUE(deliver(icmp(kTimeExceeded, 0, kIss + 1)).empty());
  EXPECT_EQ(state_of(fd), State::Established);
  EXPECT_EQ(tcb(fd).error, EHOSTUNREACH);
  EXPECT_EQ(tcb(fd).soft_error, 0);
  EXPECT_NE(stack->poll_events(fd, POLLIN) & POLLERR, 0);
  std::int64_t r = 0;
  read(fd, 100, &r);
  EXPECT_EQ(r, -EHOSTUNREACH);
  read(fd, 100, &r);
  EXPECT_EQ(r, -EAGAIN);
  // The connection carries on: the ACK completes the transfer.
  EXPECT_TRUE(send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 101)).empty());
  EXPECT_EQ(tcb(fd).snd_una, kIss + 101);
}

TEST_F(IcmpTest, ATimeoutReportsTheSoftErrorInsteadOfEtimedout) {
  StackConfig cfg = test_config();
  cfg.data_retries = 2;
  make(cfg);
  const int fd = established_with_data();
  deliver(icmp(kUnreach, 0, kIss + 1));
  run_until(60 * kMicrosPerSecond);
  EXPECT_EQ(state_of(fd), State::Closed);
  std::int64_t r = 0;
  read(fd, 100, &r);
  EXPECT_EQ(r, -ENETUNREACH);
  EXPECT_EQ(so_error(fd), 0);  // reported once
}

TEST_F(IcmpTest, AnAckOfNewDataForgetsTheSoftError) {
  const int fd = established_with_data();
  deliver(icmp(kUnreach, 1, kIss + 1));
  ASSERT_EQ(tcb(fd).soft_error, EHOSTUNREACH);
  send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 537));
  EXPECT_EQ(tcb(fd).soft_error, 0);
}

TEST_F(IcmpTest, SoftErrorInSynSentDoesNotAbortTheRfcProfile) {
  StackConfig cfg = test_config();
  cfg.syn_retries = 1;
  make(cfg);
  const int fd = syn_sent();
  EXPECT_TRUE(deliver(icmp(kUnreach, 1, kIss, local_port)).empty());
  EXPECT_EQ(state_of(fd), State::SynSent);
  EXPECT_EQ(stack->connect_status(fd), -EINPROGRESS);
  const auto retransmitted = run_until(2 * kMicrosPerSecond);
  ASSERT_EQ(retransmitted.size(), 1u);
  EXPECT_EQ(flags_of(retransmitted[0].segment), "S");
  run_until(10 * kMicrosPerSecond);
  EXPECT_EQ(stack->connect_status(fd), -EHOSTUNREACH);  // not ETIMEDOUT
}

TEST_F(IcmpTest, SoftErrorInSynSentAbortsTheLinuxProfile) {
  make(test_config("linux"));
  const int fd = syn_sent();
  EXPECT_TRUE(deliver(icmp(kUnreach, 1, kIss, local_port)).empty());
  EXPECT_EQ(stack->connect_status(fd), -EHOSTUNREACH);
  EXPECT_TRUE(run_until(10 * kMicrosPerSecond).empty());  // no SYN retransmission
}

// ---- Source Quench (MUST-55) ----

TEST_F(IcmpTest, SourceQuenchIsSilentlyDiscarded) {
  const int fd = established_with_data();
  ASSERT_EQ(stack->setsockopt(fd, IPPROTO_IP, IP_RECVERR, 1), 0);
  const std::uint32_t cwnd = tcb(fd).cwnd;
  EXPECT_TRUE(deliver(icmp(kSourceQuench, 0, kIss + 1)).empty());
  EXPECT_EQ(state_of(fd), State::Established);
  EXPECT_EQ(tcb(fd).error, 0);
  EXPECT_EQ(tcb(fd).soft_error, 0);
  EXPECT_EQ(tcb(fd).cwnd, cwnd);
}

// ---- hard errors (SHLD-26) ----

TEST_F(IcmpTest, PortUnreachableAbortsAnEstablishedConnectionWithoutARst) {
  const int fd = established_with_data();
  EXPECT_TRUE(deliver(icmp(kUnreach, 3, kIss + 1)).empty());
  EXPECT_EQ(stack->connection(fd)->state, State::Closed);
  std::int64_t r = 0;
  read(fd, 100, &r);
  EXPECT_EQ(r, -ECONNREFUSED);
  EXPECT_TRUE(run_until(60 * kMicrosPerSecond).empty());  // nothing retransmitted
  EXPECT_EQ(write(fd, 10), -EPIPE);
}

TEST_F(IcmpTest, ProtocolUnreachableAbortsWithEnoprotoopt) {
  const int fd = established_with_data();
  EXPECT_TRUE(deliver(icmp(kUnreach, 2, kIss + 1)).empty());
  EXPECT_EQ(stack->connection(fd)->state, State::Closed);
  EXPECT_EQ(so_error(fd), ENOPROTOOPT);
}

TEST_F(IcmpTest, PortUnreachableRefusesAConnectInBothProfiles) {
  for (const char* profile : {"rfc", "linux"}) {
    SCOPED_TRACE(profile);
    make(test_config(profile));
    const int fd = syn_sent();
    EXPECT_TRUE(deliver(icmp(kUnreach, 3, kIss, local_port)).empty());
    EXPECT_EQ(stack->connect_status(fd), -ECONNREFUSED);
    EXPECT_TRUE(run_until(10 * kMicrosPerSecond).empty());
  }
}

TEST_F(IcmpTest, LinuxKeepsAnEstablishedConnectionOnAHardError) {
  make(test_config("linux"));
  const int fd = established_with_data();
  EXPECT_TRUE(deliver(icmp(kUnreach, 3, kIss + 1)).empty());
  EXPECT_EQ(state_of(fd), State::Established);
  EXPECT_EQ(tcb(fd).soft_error, ECONNREFUSED);
  EXPECT_EQ(tcb(fd).error, 0);
  ASSERT_EQ(stack->setsockopt(fd, IPPROTO_IP, IP_RECVERR, 1), 0);
  deliver(icmp(kUnreach, 3, kIss + 1));
  EXPECT_EQ(state_of(fd), State::Established);
  EXPECT_EQ(tcb(fd).error, ECONNREFUSED);  // pending: reported by the next call
}

TEST_F(IcmpTest, AHardErrorDropsAnEmbryonicConnectionAndTheListenerListensOn) {
  const int l = listener();
  ASSERT_EQ(send(from_peer(flag::SYN, kPeerIsn)).size(), 1u);
  EXPECT_TRUE(deliver(icmp(kUnreach, 3, kIss)).empty());
  EXPECT_EQ(stack->accept(l), -EAGAIN);
  // The pair is free again: the same SYN is answered anew.
  EXPECT_EQ(send(from_peer(flag::SYN, kPeerIsn)).size(), 1u);
}

TEST_F(IcmpTest, LinuxDropsAnEmbryonicConnectionOnSoftErrorsOnly) {
  make(test_config("linux"));
  const int l = listener();
  ASSERT_EQ(send(from_peer(flag::SYN, kPeerIsn)).size(), 1u);
  deliver(icmp(kUnreach, 3, kIss));  // tcp_req_err: port unreachable is not on its list
  EXPECT_TRUE(send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 1)).empty());
  EXPECT_GE(stack->accept(l), 0);
  ASSERT_EQ(send(from_peer(flag::SYN, kPeerIsn, 0, 65535, {}, kPeerPort + 1)).size(), 1u);
  deliver(icmp(kUnreach, 1, kIss, kPort, kPeerPort + 1));  // host unreachable: dropped
  const auto r = send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 1, 65535, {}, kPeerPort + 1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "R");  // the ACK finds no connection
}

// ---- validation (MUST-54, RFC 5927) ----

TEST_F(IcmpTest, QuotedSequenceNumbersOutsideTheWindowAreIgnored) {
  const int fd = established_with_data();
  for (const std::uint32_t seq : {kIss, kIss + 1073 + 4000, kIss - 100000}) {
    EXPECT_TRUE(deliver(icmp(kUnreach, 3, seq)).empty());
    EXPECT_EQ(state_of(fd), State::Established);
  }
  // SND.NXT itself: outside RFC 5927's half-open range ...
  deliver(icmp(kUnreach, 1, kIss + 1073));
  EXPECT_EQ(tcb(fd).soft_error, 0);
  // ... inside Linux's closed one.
  make(test_config("linux"));
  const int fd2 = established_with_data();
  deliver(icmp(kUnreach, 1, kIss + 1073));
  EXPECT_EQ(tcb(fd2).soft_error, EHOSTUNREACH);
}

TEST_F(IcmpTest, AnUnknownFourTupleTouchesNoConnection) {
  const int fd = established_with_data();
  EXPECT_TRUE(deliver(icmp(kUnreach, 3, kIss + 1, kPort, kPeerPort + 1)).empty());
  EXPECT_TRUE(deliver(icmp(kUnreach, 3, kIss + 1, kPort + 1, kPeerPort)).empty());
  net::IcmpMessage other_peer = icmp(kUnreach, 3, kIss + 1);
  other_peer.quoted.dst = net::IpAddress::v4(203, 0, 113, 7);
  EXPECT_TRUE(deliver(other_peer).empty());
  EXPECT_EQ(state_of(fd), State::Established);
  EXPECT_EQ(tcb(fd).soft_error, 0);
}

TEST_F(IcmpTest, ABadChecksumOrAForeignQuoteIsDiscarded) {
  const int fd = established_with_data();
  net::IcmpMessage bad = icmp(kUnreach, 3, kIss + 1);
  bad.checksum_ok = false;
  deliver(bad);
  net::IcmpMessage foreign = icmp(kUnreach, 3, kIss + 1);
  foreign.quoted.src = net::IpAddress::v4(192, 0, 2, 99);  // not a segment this host sent
  deliver(foreign);
  EXPECT_EQ(state_of(fd), State::Established);
}

TEST_F(IcmpTest, TimeWaitIgnoresIcmp) {
  const int fd = passive_open();
  ASSERT_EQ(stack->close(fd), 0);
  ASSERT_EQ(sent().size(), 1u);  // FIN
  send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 2));
  send(from_peer(flag::FIN | flag::ACK, kPeerIsn + 1, kIss + 2));
  const auto conns = stack->connections();
  ASSERT_EQ(conns.size(), 1u);
  ASSERT_EQ(conns[0]->state, State::TimeWait);
  EXPECT_TRUE(deliver(icmp(kUnreach, 3, kIss + 2)).empty());
  EXPECT_EQ(conns[0]->state, State::TimeWait);
}

TEST_F(IcmpTest, NonErrorTypesAreIgnored) {
  const int fd = established_with_data();
  EXPECT_TRUE(deliver(icmp(8, 0, kIss + 1)).empty());  // echo request
  EXPECT_TRUE(deliver(icmp(kUnreach, 16, kIss + 1)).empty());  // no such code
  EXPECT_EQ(state_of(fd), State::Established);
  EXPECT_EQ(tcb(fd).soft_error, 0);
}

// ---- Path MTU Discovery (RFC 1191) ----

TEST_F(IcmpTest, FragNeededLowersTheSegmentSizeAndResendsAtOnce) {
  const int fd = established_with_data();  // 2 x 536 in flight
  const auto r = deliver(icmp(kUnreach, 4, kIss + 1, kPort, kPeerPort, 300));
  // 300 - 20 - 20 = 260 octets per segment: 4 x 260 and 32.
  ASSERT_EQ(r.size(), 5u);
  std::uint32_t seq = kIss + 1;
  for (std::size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(r[i].seq, seq);
    EXPECT_EQ(r[i].payload.size(), i < 4 ? 260u : 32u);
    seq += static_cast<std::uint32_t>(r[i].payload.size());
  }
  EXPECT_EQ(state_of(fd), State::Established);
  EXPECT_EQ(tcb(fd).snd_mss, 260);
  EXPECT_EQ(tcb(fd).soft_error, 0);  // code 4 is not a hard (or soft) error here
  std::int64_t mss = 0;
  ASSERT_EQ(stack->getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, mss, nullptr), 0);
  EXPECT_EQ(mss, 260);
  // A report that does not lower the size changes nothing.
  EXPECT_TRUE(deliver(icmp(kUnreach, 4, kIss + 1, kPort, kPeerPort, 1500)).empty());
  EXPECT_EQ(tcb(fd).snd_mss, 260);
}

TEST_F(IcmpTest, FragNeededBelowTheMinimumIsClampedPerProfile) {
  const int fd = established_with_data();
  deliver(icmp(kUnreach, 4, kIss + 1, kPort, kPeerPort, 40));
  EXPECT_EQ(tcb(fd).snd_mss, 68 - 40);  // RFC 1191 §3: never below 68
  // Linux clamps to its min_pmtu (552) and remembers EMSGSIZE as the soft error.
  make(test_config("linux"));
  const int fd2 = established_with_data();
  deliver(icmp(kUnreach, 4, kIss + 1, kPort, kPeerPort, 300));
  EXPECT_EQ(tcb(fd2).snd_mss, 552 - 40);
  EXPECT_EQ(tcb(fd2).soft_error, EMSGSIZE);
}

TEST_F(IcmpTest, FragNeededWithoutAnMtuGuessesAPlateau) {
  const int fd = passive_open();
  ASSERT_EQ(write(fd, 500), 500);
  ASSERT_EQ(sent().size(), 1u);
  net::IcmpMessage m = icmp(kUnreach, 4, kIss + 1);
  m.quoted.payload_length = 500;  // a 540-octet datagram: the plateau below is 508
  const auto r = deliver(m);
  EXPECT_EQ(tcb(fd).snd_mss, 508 - 40);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].payload.size(), 468u);
}

// ---- TCP-LD (RFC 6069), linux profile ----

TEST_F(IcmpTest, LinuxRevertsOneBackoffOnUnreachableForSndUna) {
  make(test_config("linux"));
  const int fd = established_with_data();
  // Two timeouts: the RTO is doubled twice.
  auto first = run_until(stack->next_timer());
  auto second = run_until(stack->next_timer());
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  const Micros backed_off = tcb(fd).rto;
  ASSERT_EQ(tcb(fd).backoff, 2);
  const Micros due = tcb(fd).rexmt_at;
  deliver(icmp(kUnreach, 0, kIss + 1));
  EXPECT_EQ(tcb(fd).backoff, 1);
  EXPECT_EQ(tcb(fd).rto, backed_off / 2);
  EXPECT_LT(tcb(fd).rexmt_at, due);
  EXPECT_EQ(state_of(fd), State::Established);
  // The rfc profile does not implement RFC 6069.
  make(test_config());
  const int fd2 = established_with_data();
  run_until(stack->next_timer());
  const Micros due2 = tcb(fd2).rexmt_at;
  deliver(icmp(kUnreach, 0, kIss + 1));
  EXPECT_EQ(tcb(fd2).rexmt_at, due2);
}

}  // namespace
}  // namespace synack::reference::testing
