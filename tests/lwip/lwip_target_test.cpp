// The lwIP target through the Target interface, as the executor drives it: lwIP in this process on
// virtual time. Targets are made one after another (lwIP's state is global: one at a time).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>

#include "targets/lwip/lwip_target.h"

namespace synack::lwip {
namespace {

using namespace synack::targets;
namespace flag = net::flag;

constexpr std::uint16_t kStackPort = 8080;
constexpr std::uint16_t kPeerPort = 34000;

class LwipTargetTest : public ::testing::Test {
 protected:
  void SetUp() override { make(Network{}); }

  void make(const Network& n) {
    target.reset();  // one lwIP target per process at a time
    network = n;
    auto t = make_lwip_target(network);
    ASSERT_TRUE(t) << t.error().message;
    target = std::move(*t);
  }

  net::Segment peer(std::uint16_t flags, std::uint32_t seq, std::uint32_t ack, std::vector<std::uint8_t> payload = {}) {
    net::Segment s;
    s.src = network.remote;
    s.dst = network.local;
    s.sport = kPeerPort;
    s.dport = kStackPort;
    s.seq = seq;
    s.ack = ack;
    s.flags = flags;
    s.window = 65535;
    s.payload = std::move(payload);
    return s;
  }

  CallResult done(const SocketCall& c) {
    CallOutcome o = target->call(c);
    EXPECT_FALSE(o.pending) << "call " << c.name << " blocked";
    return o.result;
  }
  SocketCall call(SysOp op, int fd = -1) {
    SocketCall c;
    c.op = op;
    c.fd = fd;
    return c;
  }
  int socket_fd() {
    SocketCall c = call(SysOp::Socket);
    c.domain = network.ip_version == net::IpVersion::v6 ? AF_INET6 : AF_INET;
    c.type = SOCK_STREAM;
    c.protocol = IPPROTO_TCP;
    return static_cast<int>(done(c).ret);
  }
  void set_nonblocking(int fd) {
    SocketCall c = call(SysOp::Fcntl, fd);
    c.fcntl_cmd = F_SETFL;
    c.fcntl_arg = O_RDWR | O_NONBLOCK;
    ASSERT_EQ(done(c).ret, 0);
  }
  int listener() {
    const int fd = socket_fd();
    SocketCall b = call(SysOp::Bind, fd);
    b.address = network.local;
    b.port = kStackPort;
    EXPECT_EQ(done(b).ret, 0);
    SocketCall l = call(SysOp::Listen, fd);
    l.backlog = 1;
    EXPECT_EQ(done(l).ret, 0);
    return fd;
  }
  // The next segment the stack sends before `deadline` (fails the test if none).
  net::Segment expect_segment(Micros deadline = 10 * kMicrosPerSecond) {
    for (;;) {
      auto o = target->wait(target->now() + deadline);
      if (!o) {
        ADD_FAILURE() << "no segment by " << deadline << " us";
        return {};
      }
      if (o->kind == Observation::Kind::Segment) {
        EXPECT_TRUE(o->segment.checksum_ok);
        last_time = o->time;
        return o->segment;
      }
    }
  }
  void expect_silence(Micros for_how_long) {
    auto o = target->wait(target->now() + for_how_long);
    EXPECT_FALSE(o) << "unexpected observation at " << (o ? o->time : 0);
  }
  // A passive open: SYN in, SYN-ACK out, ACK in; returns the accepted descriptor.
  int passive_open(int lfd) {
    target->inject(peer(flag::SYN, 0, 0));
    const net::Segment synack = expect_segment();
    EXPECT_TRUE(synack.has(flag::SYN | flag::ACK));
    EXPECT_EQ(synack.ack, 1u);
    iss = synack.seq;
    target->inject(peer(flag::ACK, 1, iss + 1));
    const int fd = static_cast<int>(done(call(SysOp::Accept, lfd)).ret);
    EXPECT_GE(fd, 0);
    return fd;
  }

  Network network;
  std::unique_ptr<Target> target;
  std::uint32_t iss = 0;
  Micros last_time = 0;
};

TEST_F(LwipTargetTest, DescribesItself) {
  const Capabilities c = target->capabilities();
  EXPECT_EQ(c.name, "lwip");
  EXPECT_NE(c.version.find("lwIP 2."), std::string::npos) << c.version;
  EXPECT_TRUE(c.virtual_time);
  EXPECT_FALSE(c.shell);
  EXPECT_FALSE(target->shell("true"));
}

TEST_F(LwipTargetTest, OnlyOneTargetAtATime) {
  auto second = make_lwip_target(network);
  EXPECT_FALSE(second);
  target.reset();
  auto third = make_lwip_target(network);
  EXPECT_TRUE(third);
}

TEST_F(LwipTargetTest, PassiveOpenAcceptsAnEstablishedConnection) {
  const int lfd = listener();
  target->inject(peer(flag::SYN, 0, 0));
  const net::Segment synack = expect_segment();
  EXPECT_EQ(synack.flags, flag::SYN | flag::ACK);
  EXPECT_EQ(synack.sport, kStackPort);
  EXPECT_EQ(synack.dport, kPeerPort);
  ASSERT_FALSE(synack.options.empty());
  EXPECT_EQ(synack.options[0].mss_value(), 1460);
  // Not yet established: accept() on a non-blocking listener has nothing.
  set_nonblocking(lfd);
  EXPECT_EQ(done(call(SysOp::Accept, lfd)).err, EAGAIN);
  target->inject(peer(flag::ACK, 1, synack.seq + 1));
  const CallResult a = done(call(SysOp::Accept, lfd));
  ASSERT_GE(a.ret, 0);
  SocketCall info = call(SysOp::GetSockOpt, static_cast<int>(a.ret));
  info.level = IPPROTO_TCP;
  info.optname = TCP_INFO;
  EXPECT_EQ(done(info).tcp_info.at("tcpi_state"), TCP_ESTABLISHED);
}

TEST_F(LwipTargetTest, BlockingAcceptCompletesWhenTheHandshakeDoes) {
  const int lfd = listener();
  const CallOutcome pending = target->call(call(SysOp::Accept, lfd));
  ASSERT_TRUE(pending.pending);
  target->inject(peer(flag::SYN, 0, 0));
  iss = expect_segment().seq;
  target->inject(peer(flag::ACK, 1, iss + 1));
  auto o = target->wait(target->now() + kMicrosPerSecond);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->kind, Observation::Kind::CallDone);
  EXPECT_EQ(o->call, pending.id);
  EXPECT_GE(o->result.ret, 3);
}

TEST_F(LwipTargetTest, ActiveOpenNonBlocking) {
  const int fd = socket_fd();
  set_nonblocking(fd);
  SocketCall c = call(SysOp::Connect, fd);
  c.address = network.remote;
  c.port = kPeerPort;
  EXPECT_EQ(done(c).err, EINPROGRESS);
  const net::Segment syn = expect_segment();
  EXPECT_EQ(syn.flags, flag::SYN);
  EXPECT_EQ(syn.dport, kPeerPort);
  // lwIP offers MSS and window scaling: <mss 1460,nop,wscale 1>.
  ASSERT_EQ(syn.options.size(), 3u);
  EXPECT_EQ(syn.options[0].mss_value(), 1460);
  EXPECT_EQ(syn.options[1].kind, net::option_kind::NOP);
  EXPECT_EQ(syn.options[2].wscale_value(), 1);
  net::Segment synack = peer(flag::SYN | flag::ACK, 0, syn.seq + 1);
  synack.sport = kPeerPort;
  synack.dport = syn.sport;
  target->inject(synack);
  const net::Segment ack = expect_segment();
  EXPECT_EQ(ack.flags, flag::ACK);
  EXPECT_EQ(ack.ack, 1u);
  SocketCall err = call(SysOp::GetSockOpt, fd);
  err.level = SOL_SOCKET;
  err.optname = SO_ERROR;
  EXPECT_EQ(done(err).int_value, 0);
}

TEST_F(LwipTargetTest, DataBothWays) {
  const int fd = passive_open(listener());
  // Peer to stack: the data is delivered, and ACKed (delayed: lwIP's fast timer, <= 250 ms).
  const std::vector<std::uint8_t> hello = {'h', 'e', 'l', 'l', 'o'};
  target->inject(peer(flag::ACK | flag::PSH, 1, iss + 1, hello));
  const net::Segment ack = expect_segment();
  EXPECT_EQ(ack.ack, 6u);
  EXPECT_LE(last_time, 300 * kMillis);
  SocketCall r = call(SysOp::Read, fd);
  r.length = 100;
  const CallResult got = done(r);
  EXPECT_EQ(got.ret, 5);
  EXPECT_EQ(got.data, hello);
  // Stack to peer.
  SocketCall w = call(SysOp::Write, fd);
  w.data = {1, 2, 3};
  w.length = 3;
  EXPECT_EQ(done(w).ret, 3);
  const net::Segment data = expect_segment();
  EXPECT_EQ(data.seq, iss + 1);
  EXPECT_EQ(data.payload, (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_TRUE(data.has(flag::PSH));
}

TEST_F(LwipTargetTest, CloseSendsFinAndPeerFinIsEndOfData) {
  const int fd = passive_open(listener());
  target->inject(peer(flag::FIN | flag::ACK, 1, iss + 1));
  EXPECT_EQ(expect_segment().ack, 2u);
  SocketCall r = call(SysOp::Read, fd);
  r.length = 10;
  EXPECT_EQ(done(r).ret, 0);
  EXPECT_EQ(done(call(SysOp::Close, fd)).ret, 0);
  const net::Segment fin = expect_segment();
  EXPECT_TRUE(fin.has(flag::FIN | flag::ACK));
  EXPECT_EQ(fin.seq, iss + 1);
  target->inject(peer(flag::ACK, 2, iss + 2));
  expect_silence(5 * kMicrosPerSecond);
}

TEST_F(LwipTargetTest, ResetReportsConnectionReset) {
  const int fd = passive_open(listener());
  target->inject(peer(flag::RST, 1, 0));
  SocketCall r = call(SysOp::Read, fd);
  r.length = 10;
  EXPECT_EQ(done(r).err, ECONNRESET);
}

TEST_F(LwipTargetTest, SynToClosedPortIsReset) {
  target->inject(peer(flag::SYN, 0, 0));
  const net::Segment rst = expect_segment();
  EXPECT_TRUE(rst.has(flag::RST | flag::ACK));
  EXPECT_EQ(rst.ack, 1u);
}

TEST_F(LwipTargetTest, BadChecksumIsDropped) {
  listener();
  net::Segment syn = peer(flag::SYN, 0, 0);
  syn.corrupt_checksum = true;
  target->inject(syn);
  expect_silence(kMicrosPerSecond);
}

// lwIP's timers run on the virtual clock: its whole SYN retransmission schedule, which takes
// seconds of protocol time, takes milliseconds of wall time. (lwIP 2.1 does not back off in
// SYN-SENT: tcp_slowtmr retransmits every initial RTO, 3 s = 6 slow-timer ticks, on the 500 ms
// slow-timer grid, TCP_SYNMAXRTX = 6 times.)
TEST_F(LwipTargetTest, SynRetransmissionScheduleRunsOnVirtualTime) {
  const auto wall_start = std::chrono::steady_clock::now();
  const int fd = socket_fd();
  SocketCall c = call(SysOp::Connect, fd);
  c.address = network.remote;
  c.port = kPeerPort;
  const CallOutcome connect = target->call(c);
  ASSERT_TRUE(connect.pending);
  std::vector<Micros> sent;
  std::optional<CallResult> result;
  while (!result) {
    auto o = target->wait(target->now() + 600 * kMicrosPerSecond);
    ASSERT_TRUE(o) << "connect() never gave up";
    if (o->kind == Observation::Kind::Segment) {
      EXPECT_EQ(o->segment.flags, flag::SYN);
      sent.push_back(o->time);
    } else if (o->kind == Observation::Kind::CallDone) {
      result = o->result;
    }
  }
  EXPECT_EQ(result->err, ETIMEDOUT);
  ASSERT_EQ(sent.size(), 7u);  // the first SYN and TCP_SYNMAXRTX retransmissions
  for (std::size_t i = 2; i < sent.size(); ++i) EXPECT_EQ(sent[i] - sent[i - 1], 3 * kMicrosPerSecond);
  EXPECT_GT(sent[1], 2 * kMicrosPerSecond);
  EXPECT_GT(target->now(), 17 * kMicrosPerSecond);
  EXPECT_LT(std::chrono::steady_clock::now() - wall_start, std::chrono::seconds(2));
}

TEST_F(LwipTargetTest, Ipv6PassiveOpen) {
  Network v6;
  v6.ip_version = net::IpVersion::v6;
  v6.local = *net::IpAddress::parse("2001:db8::1");
  v6.remote = *net::IpAddress::parse("2001:db8:1::1");
  make(v6);
  const int fd = passive_open(listener());
  SocketCall info = call(SysOp::GetSockOpt, fd);
  info.level = IPPROTO_TCP;
  info.optname = TCP_INFO;
  EXPECT_EQ(done(info).tcp_info.at("tcpi_state"), TCP_ESTABLISHED);
}

TEST_F(LwipTargetTest, ClosingWithUnreadDataResets) {
  const int fd = passive_open(listener());
  target->inject(peer(flag::ACK | flag::PSH, 1, iss + 1, {1, 2, 3}));
  expect_segment();  // the ACK
  EXPECT_EQ(done(call(SysOp::Close, fd)).ret, 0);
  const net::Segment rst = expect_segment();
  EXPECT_TRUE(rst.has(flag::RST));
}

TEST_F(LwipTargetTest, UnsupportedOptionIsRefused) {
  const int fd = socket_fd();
  SocketCall s = call(SysOp::SetSockOpt, fd);
  s.level = IPPROTO_TCP;
  s.optname = TCP_USER_TIMEOUT;
  s.int_value = 1000;
  EXPECT_EQ(done(s).err, ENOPROTOOPT);
}

}  // namespace
}  // namespace synack::lwip
