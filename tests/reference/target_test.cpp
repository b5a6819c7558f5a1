// End to end through the Target interface: inject / wait / call, as the executor drives it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "targets/reference/reference_target.h"

namespace synack::reference {

using namespace synack::targets;
namespace {

namespace flag = net::flag;

class TargetTest : public ::testing::Test {
 protected:
  void SetUp() override { make(StackConfig{}); }

  void make(StackConfig cfg) {
    target = std::make_unique<ReferenceTarget>(network, std::move(cfg));
  }

  void TearDown() override {
    const auto v = target->stack().check_invariants();
    EXPECT_TRUE(v.empty()) << (v.empty() ? "" : v.front());
  }

  net::Segment peer(std::uint16_t flags, std::uint32_t seq, std::uint32_t ack,
                    std::vector<std::uint8_t> payload = {}) {
    net::Segment s;
    s.src = network.remote;
    s.dst = network.local;
    s.sport = peer_port;
    s.dport = stack_port;
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
  SocketCall socket_call() {
    SocketCall c;
    c.op = SysOp::Socket;
    c.name = "socket";
    c.domain = AF_INET;
    c.type = SOCK_STREAM;
    c.protocol = IPPROTO_TCP;
    return c;
  }
  SocketCall fd_call(SysOp op, int fd, const char* name) {
    SocketCall c;
    c.op = op;
    c.fd = fd;
    c.name = name;
    return c;
  }
  // Next observation before `deadline` (relative to now), which must be a segment.
  net::Segment expect_segment(Micros within = 10 * kMillis) {
    auto o = target->wait(target->now() + within);
    EXPECT_TRUE(o.has_value());
    if (!o) return {};
    EXPECT_EQ(o->kind, Observation::Kind::Segment);
    EXPECT_TRUE(o->segment.checksum_ok);
    return o->segment;
  }
  void expect_quiet(Micros for_how_long) {
    const Micros deadline = target->now() + for_how_long;
    auto o = target->wait(deadline);
    EXPECT_FALSE(o.has_value());
    EXPECT_EQ(target->now(), deadline);
  }

  // socket, bind, listen on port 8080; returns the listening fd.
  int listen_fd() {
    const int fd = static_cast<int>(done(socket_call()).ret);
    EXPECT_EQ(fd, 3);
    SocketCall b = fd_call(SysOp::Bind, fd, "bind");
    b.address = net::IpAddress::v4(0, 0, 0, 0);
    b.port = stack_port;
    EXPECT_EQ(done(b).ret, 0);
    SocketCall l = fd_call(SysOp::Listen, fd, "listen");
    l.backlog = 1;
    EXPECT_EQ(done(l).ret, 0);
    return fd;
  }

  Network network;
  std::unique_ptr<ReferenceTarget> target;
  std::uint16_t stack_port = 8080;
  std::uint16_t peer_port = 40000;
};

TEST_F(TargetTest, CapabilitiesAndShell) {
  const Capabilities c = target->capabilities();
  EXPECT_EQ(c.name, "reference");
  EXPECT_EQ(c.version, "rfc profile");
  EXPECT_TRUE(c.virtual_time);
  EXPECT_TRUE(c.syscalls);
  EXPECT_FALSE(c.shell);
  EXPECT_TRUE(c.ipv6);
  auto r = target->shell("echo hi");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "the reference target has no shell");
  EXPECT_EQ(target->now(), 0);
}

TEST_F(TargetTest, RstToClosedPort) {
  target->inject(peer(flag::SYN, 0, 0));
  net::Segment r = expect_segment(0);
  EXPECT_EQ(r.flags, flag::RST | flag::ACK);
  EXPECT_EQ(r.seq, 0u);
  EXPECT_EQ(r.ack, 1u);
  EXPECT_EQ(r.src, network.local);
  EXPECT_EQ(r.dst, network.remote);
}

TEST_F(TargetTest, CorruptChecksumIsDropped) {
  net::Segment s = peer(flag::SYN, 0, 0);
  s.corrupt_checksum = true;
  target->inject(s);
  expect_quiet(1 * kMicrosPerSecond);
  EXPECT_EQ(target->dropped_injections(), 1u);
}

TEST_F(TargetTest, PassiveOpenDataAndClose) {
  const int l = listen_fd();
  target->inject(peer(flag::SYN, 0, 0));
  net::Segment synack = expect_segment(0);
  ASSERT_EQ(synack.flags, flag::SYN | flag::ACK);
  EXPECT_EQ(synack.ack, 1u);
  const std::uint32_t iss = synack.seq;  // RFC 6528: learned from the SYN-ACK
  target->inject(peer(flag::ACK, 1, iss + 1));
  SocketCall a = fd_call(SysOp::Accept, l, "accept");
  const int fd = static_cast<int>(done(a).ret);
  EXPECT_EQ(fd, 4);
  // Peer sends 1000 bytes; the application reads them.
  target->inject(peer(flag::ACK | flag::PSH, 1, iss + 1, std::vector<std::uint8_t>(1000, 'x')));
  SocketCall rd = fd_call(SysOp::Read, fd, "read");
  rd.length = 2000;
  CallResult got = done(rd);
  EXPECT_EQ(got.ret, 1000);
  EXPECT_EQ(got.data.size(), 1000u);
  // Delayed ACK at 200 ms (rfc profile).
  auto o = target->wait(1 * kMicrosPerSecond);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->time, 200 * kMillis);
  EXPECT_EQ(o->segment.flags, flag::ACK);
  EXPECT_EQ(o->segment.ack, 1001u);
  // Application writes, then closes.
  SocketCall w = fd_call(SysOp::Write, fd, "write");
  w.data = std::vector<std::uint8_t>(100, 'y');
  w.length = 100;
  EXPECT_EQ(done(w).ret, 100);
  net::Segment data = expect_segment(0);
  EXPECT_EQ(data.flags, flag::ACK | flag::PSH);
  EXPECT_EQ(data.seq, iss + 1);
  EXPECT_EQ(data.payload.size(), 100u);
  EXPECT_EQ(done(fd_call(SysOp::Close, fd, "close")).ret, 0);
  net::Segment fin = expect_segment(0);
  EXPECT_EQ(fin.flags, flag::FIN | flag::ACK);
  EXPECT_EQ(fin.seq, iss + 101);
  target->inject(peer(flag::FIN | flag::ACK, 1001, iss + 102));
  net::Segment last = expect_segment(0);
  EXPECT_EQ(last.flags, flag::ACK);
  EXPECT_EQ(last.ack, 1002u);
  // TIME-WAIT then silence; virtual time makes 240 s free.
  expect_quiet(300 * kMicrosPerSecond);
  EXPECT_TRUE(target->stack().connections().empty());
}

TEST_F(TargetTest, ActiveOpenDataAndCloseByPeer) {
  const int fd = static_cast<int>(done(socket_call()).ret);
  SocketCall f = fd_call(SysOp::Fcntl, fd, "fcntl");
  f.fcntl_cmd = F_SETFL;
  f.fcntl_arg = O_RDWR | O_NONBLOCK;
  EXPECT_EQ(done(f).ret, 0);
  SocketCall c = fd_call(SysOp::Connect, fd, "connect");
  c.address = network.remote;
  c.port = 8080;
  CallResult cr = done(c);
  EXPECT_EQ(cr.ret, -1);
  EXPECT_EQ(cr.err, EINPROGRESS);
  net::Segment syn = expect_segment(0);
  ASSERT_EQ(syn.flags, flag::SYN);
  EXPECT_EQ(syn.dport, 8080);
  stack_port = syn.sport;
  peer_port = 8080;
  target->inject(peer(flag::SYN | flag::ACK, 0, syn.seq + 1));
  net::Segment ack = expect_segment(0);
  EXPECT_EQ(ack.flags, flag::ACK);
  EXPECT_EQ(ack.ack, 1u);
  SocketCall g = fd_call(SysOp::GetSockOpt, fd, "getsockopt");
  g.level = SOL_SOCKET;
  g.optname = SO_ERROR;
  CallResult gr = done(g);
  EXPECT_EQ(gr.int_value, 0);
  // Peer sends data and closes; reads return data then EOF.
  target->inject(peer(flag::ACK | flag::PSH | flag::FIN, 1, syn.seq + 1, {'h', 'i'}));
  net::Segment fin_ack = expect_segment(0);
  EXPECT_EQ(fin_ack.ack, 4u);
  SocketCall rd = fd_call(SysOp::Read, fd, "read");
  rd.length = 10;
  EXPECT_EQ(done(rd).ret, 2);
  EXPECT_EQ(done(rd).ret, 0);
  SocketCall info = fd_call(SysOp::GetSockOpt, fd, "getsockopt");
  info.level = IPPROTO_TCP;
  info.optname = TCP_INFO;
  CallResult ir = done(info);
  EXPECT_EQ(ir.tcp_info.at("tcpi_state"), TCP_CLOSE_WAIT);
  EXPECT_EQ(done(fd_call(SysOp::Close, fd, "close")).ret, 0);
  net::Segment fin = expect_segment(0);
  EXPECT_EQ(fin.flags, flag::FIN | flag::ACK);
  target->inject(peer(flag::ACK, 4, syn.seq + 2));
  expect_quiet(1 * kMicrosPerSecond);
  EXPECT_TRUE(target->stack().connections().empty());
}

TEST_F(TargetTest, HalfClose) {
  const int l = listen_fd();
  target->inject(peer(flag::SYN, 0, 0));
  const std::uint32_t iss = expect_segment(0).seq;
  target->inject(peer(flag::ACK, 1, iss + 1));
  const int fd = static_cast<int>(done(fd_call(SysOp::Accept, l, "accept")).ret);
  SocketCall sh = fd_call(SysOp::Shutdown, fd, "shutdown");
  sh.how = SHUT_WR;
  EXPECT_EQ(done(sh).ret, 0);
  EXPECT_EQ(expect_segment(0).flags, flag::FIN | flag::ACK);
  target->inject(peer(flag::ACK, 1, iss + 2));
  target->inject(peer(flag::ACK | flag::PSH, 1, iss + 2, {'a', 'b', 'c'}));
  SocketCall rd = fd_call(SysOp::Read, fd, "read");
  rd.length = 10;
  CallResult r = done(rd);
  EXPECT_EQ(r.ret, 3);
  SocketCall info = fd_call(SysOp::GetSockOpt, fd, "getsockopt");
  info.level = IPPROTO_TCP;
  info.optname = TCP_INFO;
  EXPECT_EQ(done(info).tcp_info.at("tcpi_state"), TCP_FIN_WAIT2);
}

TEST_F(TargetTest, BlockingAcceptCompletesWithCallDone) {
  const int l = listen_fd();
  CallOutcome a = target->call(fd_call(SysOp::Accept, l, "accept"));
  ASSERT_TRUE(a.pending);
  expect_quiet(100 * kMillis);
  target->inject(peer(flag::SYN, 0, 0));
  const std::uint32_t iss = expect_segment(0).seq;
  target->inject(peer(flag::ACK, 1, iss + 1));
  auto o = target->wait(target->now() + kMillis);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->kind, Observation::Kind::CallDone);
  EXPECT_EQ(o->call, a.id);
  EXPECT_EQ(o->result.ret, 4);
  EXPECT_EQ(o->time, 100 * kMillis);
}

TEST_F(TargetTest, BlockingConnectCompletesAndRefusalIsReported) {
  const int fd = static_cast<int>(done(socket_call()).ret);
  SocketCall c = fd_call(SysOp::Connect, fd, "connect");
  c.address = network.remote;
  c.port = 8080;
  CallOutcome o = target->call(c);
  ASSERT_TRUE(o.pending);
  net::Segment syn = expect_segment(0);
  stack_port = syn.sport;
  peer_port = 8080;
  target->inject(peer(flag::SYN | flag::ACK, 0, syn.seq + 1));
  auto seen = target->wait(target->now() + kMillis);
  ASSERT_TRUE(seen.has_value());
  // The ACK of the SYN-ACK and the completion both happen now; segments come first.
  EXPECT_EQ(seen->kind, Observation::Kind::Segment);
  seen = target->wait(target->now() + kMillis);
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->kind, Observation::Kind::CallDone);
  EXPECT_EQ(seen->call, o.id);
  EXPECT_EQ(seen->result.ret, 0);

  // A second socket is refused.
  const int fd2 = static_cast<int>(done(socket_call()).ret);
  SocketCall c2 = fd_call(SysOp::Connect, fd2, "connect");
  c2.address = network.remote;
  c2.port = 8081;
  CallOutcome o2 = target->call(c2);
  ASSERT_TRUE(o2.pending);
  net::Segment syn2 = expect_segment(0);
  stack_port = syn2.sport;
  peer_port = 8081;
  target->inject(peer(flag::RST | flag::ACK, 0, syn2.seq + 1));
  seen = target->wait(target->now() + kMillis);
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->kind, Observation::Kind::CallDone);
  EXPECT_EQ(seen->result.ret, -1);
  EXPECT_EQ(seen->result.err, ECONNREFUSED);
}

TEST_F(TargetTest, BlockingReadCompletesOnDataAndOnReset) {
  const int l = listen_fd();
  target->inject(peer(flag::SYN, 0, 0));
  const std::uint32_t iss = expect_segment(0).seq;
  target->inject(peer(flag::ACK, 1, iss + 1));
  const int fd = static_cast<int>(done(fd_call(SysOp::Accept, l, "accept")).ret);
  SocketCall rd = fd_call(SysOp::Read, fd, "read");
  rd.length = 100;
  CallOutcome r = target->call(rd);
  ASSERT_TRUE(r.pending);
  target->inject(peer(flag::ACK | flag::PSH, 1, iss + 1, {'z'}));
  auto o = target->wait(target->now() + kMillis);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->kind, Observation::Kind::CallDone);
  EXPECT_EQ(o->result.ret, 1);
  EXPECT_EQ(o->result.data, std::vector<std::uint8_t>{'z'});
  r = target->call(rd);
  ASSERT_TRUE(r.pending);
  target->inject(peer(flag::RST, 2, 0));
  o = target->wait(target->now() + kMillis);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->kind, Observation::Kind::CallDone);
  EXPECT_EQ(o->result.ret, -1);
  EXPECT_EQ(o->result.err, ECONNRESET);
}

TEST_F(TargetTest, BlockingWriteCompletesAsAcksFreeTheSendBuffer) {
  StackConfig cfg;
  cfg.send_buffer = 1000;
  make(cfg);
  const int l = listen_fd();
  target->inject(peer(flag::SYN, 0, 0));
  const std::uint32_t iss = expect_segment(0).seq;
  target->inject(peer(flag::ACK, 1, iss + 1));
  const int fd = static_cast<int>(done(fd_call(SysOp::Accept, l, "accept")).ret);
  SocketCall w = fd_call(SysOp::Write, fd, "write");
  w.length = 2500;  // no bytes given: the target writes zeros
  CallOutcome o = target->call(w);
  ASSERT_TRUE(o.pending);
  std::uint32_t acked = iss + 1;
  std::uint64_t payload = 0;
  bool completed = false;
  for (int round = 0; round < 20 && !completed; ++round) {
    auto seen = target->wait(target->now() + 10 * kMillis);
    if (!seen) {
      target->inject(peer(flag::ACK, 1, acked));
      continue;
    }
    if (seen->kind == Observation::Kind::CallDone) {
      EXPECT_EQ(seen->call, o.id);
      EXPECT_EQ(seen->result.ret, 2500);
      completed = true;
      continue;
    }
    payload += seen->segment.payload.size();
    acked = seen->segment.seq + static_cast<std::uint32_t>(seen->segment.payload.size());
  }
  EXPECT_TRUE(completed);
  EXPECT_GE(payload, 1500u);  // the call completes once the last 1000 bytes fit the buffer
}

TEST_F(TargetTest, BlockingReadWithWaitallWaitsForTheFullLength) {
  const int l = listen_fd();
  target->inject(peer(flag::SYN, 0, 0));
  const std::uint32_t iss = expect_segment(0).seq;
  target->inject(peer(flag::ACK, 1, iss + 1));
  const int fd = static_cast<int>(done(fd_call(SysOp::Accept, l, "accept")).ret);
  SocketCall rd = fd_call(SysOp::Read, fd, "recv");
  rd.length = 4;
  rd.msg_flags = MSG_WAITALL;
  CallOutcome r = target->call(rd);
  ASSERT_TRUE(r.pending);
  target->inject(peer(flag::ACK | flag::PSH, 1, iss + 1, {'a', 'b'}));
  expect_quiet(100 * kMillis);  // (the delayed ACK comes at 200 ms)
  target->inject(peer(flag::ACK | flag::PSH, 3, iss + 1, {'c', 'd'}));
  auto o = target->wait(target->now() + kMillis);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->kind, Observation::Kind::Segment);  // the second segment is ACKed at once
  o = target->wait(target->now() + kMillis);
  ASSERT_TRUE(o.has_value());
  ASSERT_EQ(o->kind, Observation::Kind::CallDone);
  EXPECT_EQ(o->result.ret, 4);
  EXPECT_EQ(o->result.data, (std::vector<std::uint8_t>{'a', 'b', 'c', 'd'}));
}

TEST_F(TargetTest, PollTimesOutOnVirtualClock) {
  const int l = listen_fd();
  SocketCall p = fd_call(SysOp::Poll, l, "poll");
  p.poll_events = POLLIN;
  p.poll_timeout_ms = 500;
  CallOutcome o = target->call(p);
  ASSERT_TRUE(o.pending);
  auto seen = target->wait(10 * kMicrosPerSecond);
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->kind, Observation::Kind::CallDone);
  EXPECT_EQ(seen->time, 500 * kMillis);
  EXPECT_EQ(seen->result.ret, 0);
}

TEST_F(TargetTest, WaitJumpsTimerToTimer) {
  // An unanswered SYN is retransmitted at 1 s and 3 s on the virtual clock.
  const int fd = static_cast<int>(done(socket_call()).ret);
  SocketCall c = fd_call(SysOp::Connect, fd, "connect");
  c.address = network.remote;
  c.port = 8080;
  ASSERT_TRUE(target->call(c).pending);
  expect_segment(0);
  auto o = target->wait(2 * kMicrosPerSecond);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->time, 1 * kMicrosPerSecond);
  EXPECT_EQ(target->now(), 1 * kMicrosPerSecond);
  EXPECT_FALSE(target->wait(2 * kMicrosPerSecond).has_value());
  EXPECT_EQ(target->now(), 2 * kMicrosPerSecond);
  o = target->wait(5 * kMicrosPerSecond);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->time, 3 * kMicrosPerSecond);
}

TEST_F(TargetTest, WaitingForeverOnAnIdleStackReturns) {
  EXPECT_FALSE(target->wait(kNever).has_value());
  EXPECT_EQ(target->now(), 0);
}

TEST_F(TargetTest, FactoryBuildsFromProfile) {
  auto cfg = StackConfig::from_profile("linux");
  ASSERT_TRUE(cfg.ok());
  auto t = make_reference_target(network, *cfg);
  EXPECT_EQ(t->capabilities().version, "linux profile");
}

TEST_F(TargetTest, Ipv6PassiveOpen) {
  network.ip_version = net::IpVersion::v6;
  network.local = net::IpAddress::parse("2001:db8::1").value();
  network.remote = net::IpAddress::parse("2001:db8::2").value();
  make(StackConfig{});
  SocketCall s = socket_call();
  s.domain = AF_INET6;
  const int fd = static_cast<int>(done(s).ret);
  SocketCall b = fd_call(SysOp::Bind, fd, "bind");
  b.address = net::IpAddress::parse("::").value();
  b.port = stack_port;
  ASSERT_EQ(done(b).ret, 0);
  SocketCall l = fd_call(SysOp::Listen, fd, "listen");
  ASSERT_EQ(done(l).ret, 0);
  target->inject(peer(flag::SYN, 0, 0));
  net::Segment synack = expect_segment(0);
  EXPECT_EQ(synack.flags, flag::SYN | flag::ACK);
  EXPECT_EQ(synack.src, network.local);
}

}  // namespace
}  // namespace synack::reference
