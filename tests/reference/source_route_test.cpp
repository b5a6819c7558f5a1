// IPv4 source routes (RFC 9293 §3.9.2.1; RFC 1122 §3.2.1.8, §4.2.3.8; RFC 791 LSRR/SSRR): the
// option parser, the return route, the application's route, and the stack's use of them
// (MUST-51, MUST-52, MUST-53, SHLD-24) with the profile keys accept_source_route and
// source_route_update. The peer 198.51.100.1 reaches the stack 192.0.2.1 through the gateways
// 203.0.113.5 and 192.0.2.10 (or 203.0.113.7 and 192.0.2.20).
#include "targets/reference/source_route.h"

#include <netinet/in.h>

#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

net::IpAddress ip(const char* text) { return net::IpAddress::parse(text).value(); }

// A used-up LSRR: pointer past the last slot, the slots as the gateways recorded them.
const std::vector<std::uint8_t> kArrivedVia5And10 = {0x83, 0x0b, 0x0c, 203, 0, 113, 5, 192, 0, 2, 10, 0};
const std::vector<std::uint8_t> kArrivedVia7And20 = {0x83, 0x0b, 0x0c, 203, 0, 113, 7, 192, 0, 2, 20, 0};
// The routes back, as sent: first hop in the IP destination, the rest, the peer in the last slot.
const std::vector<std::uint8_t> kBackVia10And5 = {0x83, 0x0b, 0x04, 203, 0, 113, 5, 198, 51, 100, 1, 0};
const std::vector<std::uint8_t> kBackVia20And7 = {0x83, 0x0b, 0x04, 203, 0, 113, 7, 198, 51, 100, 1, 0};
// IP_OPTIONS as an application writes it: pointer 4, the gateways in order.
const std::vector<std::uint8_t> kUserVia10And5 = {0x83, 0x0b, 0x04, 192, 0, 2, 10, 203, 0, 113, 5, 0};

TEST(SourceRouteOption, ParsesLooseAndStrictRoutes) {
  auto r = find_source_route(kArrivedVia5And10);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->has_value());
  const ReceivedRoute& route = **r;
  EXPECT_FALSE(route.strict);
  EXPECT_EQ(route.pointer, 12);
  EXPECT_TRUE(route.completed());
  EXPECT_EQ(route.addresses, (std::vector<net::IpAddress>{ip("203.0.113.5"), ip("192.0.2.10")}));

  std::vector<std::uint8_t> strict = {0x01, 0x89, 0x07, 0x04, 192, 0, 2, 10};  // NOP, SSRR
  auto s = find_source_route(strict);
  ASSERT_TRUE(s.ok() && s->has_value());
  EXPECT_TRUE((*s)->strict);
  EXPECT_FALSE((*s)->completed());  // pointer 4: the first slot is still to be used
}

TEST(SourceRouteOption, OtherOptionsAreNoRouteAndBadRoutesAreErrors) {
  auto none = find_source_route(std::vector<std::uint8_t>{0x9e, 0x04, 0xab, 0xcd});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_FALSE(find_source_route(std::vector<std::uint8_t>{0x83, 0x05, 0x04, 1, 2, 0, 0, 0}).ok());  // 5: not 3+4n
  EXPECT_FALSE(find_source_route(std::vector<std::uint8_t>{0x83, 0x07, 0x03, 1, 2, 3, 4, 0}).ok());  // pointer 3
  EXPECT_FALSE(find_source_route(std::vector<std::uint8_t>{0x83, 0x07, 0x06, 1, 2, 3, 4, 0}).ok());  // off a slot
  EXPECT_FALSE(find_source_route(std::vector<std::uint8_t>{0x83, 0x07, 0x08, 1, 2, 3, 4,
                                                           0x89, 0x07, 0x08, 1, 2, 3, 4, 0, 0}).ok());
}

TEST(SourceRouteOption, ReturnRouteReversesTheRecordedAddresses) {
  auto r = find_source_route(kArrivedVia5And10);
  ASSERT_TRUE(r.ok() && r->has_value());
  SourceRoute back = return_route(**r, ip("198.51.100.1"));
  EXPECT_FALSE(back.strict);
  EXPECT_EQ(back.hops, (std::vector<net::IpAddress>{ip("192.0.2.10"), ip("203.0.113.5")}));
  // RFC 1122 3.2.1.8 case B: the source recorded itself; it is not a hop of the route back.
  ReceivedRoute self = **r;
  self.addresses.insert(self.addresses.begin(), ip("198.51.100.1"));
  EXPECT_EQ(return_route(self, ip("198.51.100.1")).hops, back.hops);
}

TEST(SourceRouteOption, PutRouteAddressesTheFirstHopAndCarriesTheDestinationLast) {
  net::Segment s = from_peer(flag::ACK, 1, 1);
  s.src = stack_addr();
  s.dst = peer_addr();
  SourceRoute route{false, {ip("192.0.2.10"), ip("203.0.113.5")}};
  put_source_route(route, s);
  EXPECT_EQ(s.dst, ip("192.0.2.10"));
  EXPECT_EQ(s.ip_options, kBackVia10And5);
  net::Segment plain = s;
  plain.ip_options.clear();
  plain.dst = peer_addr();
  net::Segment unchanged = plain;
  put_source_route(SourceRoute{}, unchanged);
  EXPECT_EQ(unchanged, plain);
}

TEST(SourceRouteOption, ApplicationRoutesAreCheckedAsLinuxDoes) {
  auto r = parse_user_source_route(kUserVia10And5);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->hops, (std::vector<net::IpAddress>{ip("192.0.2.10"), ip("203.0.113.5")}));
  EXPECT_TRUE(parse_user_source_route(std::vector<std::uint8_t>{})->empty());
  EXPECT_FALSE(parse_user_source_route(std::vector<std::uint8_t>{0x83, 0x07, 0x08, 1, 2, 3, 4, 0}).ok());  // pointer
  EXPECT_FALSE(parse_user_source_route(std::vector<std::uint8_t>{0x83, 0x03, 0x04, 0}).ok());  // no slot
  EXPECT_FALSE(parse_user_source_route(std::vector<std::uint8_t>{0x07, 0x07, 0x04, 0, 0, 0, 0, 0}).ok());  // RR
}

class SourceRoutes : public StackTest {
 protected:
  void with(const char* profile, bool accept = true) {
    StackConfig c = test_config(profile);
    c.accept_source_route = accept;
    make(c);
    stack->set_trace([this](const TraceEvent& e) { rules.emplace_back(e.rule); });
  }
  static net::Segment via(net::Segment s, const std::vector<std::uint8_t>& options) {
    s.ip_options = options;
    return s;
  }
  static void expect_routed(const net::Segment& s, const char* first_hop,
                            const std::vector<std::uint8_t>& options) {
    EXPECT_EQ(s.dst.to_string(), first_hop);
    EXPECT_EQ(s.ip_options, options);
  }
  bool traced(const std::string& part) const {
    for (const auto& r : rules)
      if (r.find(part) != std::string::npos) return true;
    return false;
  }
  // A passive open whose SYN came by the route via 203.0.113.5 and 192.0.2.10.
  int routed_passive_open() {
    const int l = listener();
    auto r = send(via(from_peer(flag::SYN, kPeerIsn), kArrivedVia5And10));
    EXPECT_EQ(r.size(), 1u);
    if (!r.empty()) expect_routed(r[0], "192.0.2.10", kBackVia10And5);
    EXPECT_TRUE(send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 1)).empty());
    const int fd = stack->accept(l);
    EXPECT_GE(fd, 0);
    return fd;
  }
  std::vector<std::string> rules;
};

TEST_F(SourceRoutes, PassiveOpenSendsEverySegmentAlongTheReturnRoute) {  // MUST-53
  with("rfc");
  const int fd = routed_passive_open();
  ASSERT_EQ(write(fd, 10), 10);
  auto data = sent();
  ASSERT_EQ(data.size(), 1u);
  expect_routed(data[0], "192.0.2.10", kBackVia10And5);
  EXPECT_TRUE(traced("MUST-53"));
  // A later segment without a route changes nothing.
  auto ack = send(from_peer(flag::ACK | flag::PSH, kPeerIsn + 1, kIss + 11, 65535, bytes(5)));
  stack->advance_to(stack->now() + kMicrosPerSecond);
  for (auto& e : stack->take_output()) ack.push_back(e.segment);
  ASSERT_FALSE(ack.empty());
  expect_routed(ack.back(), "192.0.2.10", kBackVia10And5);
}

TEST_F(SourceRoutes, LaterDifferentRouteReplacesTheSavedOneInTheRfcProfile) {  // SHLD-24
  with("rfc");
  const int fd = routed_passive_open();
  send(via(from_peer(flag::ACK | flag::PSH, kPeerIsn + 1, kIss + 1, 65535, bytes(5)), kArrivedVia7And20));
  EXPECT_TRUE(traced("SHLD-24"));
  ASSERT_EQ(write(fd, 10), 10);
  auto out = sent();
  ASSERT_FALSE(out.empty());
  expect_routed(out.back(), "192.0.2.20", kBackVia20And7);
}

TEST_F(SourceRoutes, LinuxKeepsTheSynsRouteWhenSourceRoutesAreAccepted) {
  with("linux", /*accept=*/true);
  const int fd = routed_passive_open();
  send(via(from_peer(flag::ACK | flag::PSH, kPeerIsn + 1, kIss + 1, 65535, bytes(5)), kArrivedVia7And20));
  EXPECT_FALSE(traced("SHLD-24"));
  ASSERT_EQ(write(fd, 10), 10);
  auto out = sent();
  ASSERT_FALSE(out.empty());
  expect_routed(out.back(), "192.0.2.10", kBackVia10And5);
}

TEST_F(SourceRoutes, DroppedByIpWhenSourceRoutesAreNotAccepted) {
  for (const char* profile : {"linux", "freebsd"}) {
    SCOPED_TRACE(profile);
    with(profile, StackConfig::from_profile(profile)->accept_source_route);
    listener();
    EXPECT_TRUE(send(via(from_peer(flag::SYN, kPeerIsn), kArrivedVia5And10)).empty());
    EXPECT_TRUE(traced("accept_source_route off"));
    EXPECT_TRUE(stack->connections().empty());
    // The same SYN without the option opens the connection.
    auto r = send(from_peer(flag::SYN, kPeerIsn));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(r[0].ip_options.empty());
    EXPECT_EQ(r[0].dst, peer_addr());
  }
}

TEST_F(SourceRoutes, UncompletedRouteIsNotForwardedByAHost) {
  with("rfc");
  listener();
  std::vector<std::uint8_t> pending = {0x83, 0x07, 0x04, 203, 0, 113, 9, 0};  // next: 203.0.113.9
  EXPECT_TRUE(send(via(from_peer(flag::SYN, kPeerIsn), pending)).empty());
  EXPECT_TRUE(traced("RFC 1122 3.3.5"));
}

TEST_F(SourceRoutes, ApplicationRouteFromConnectOnAndOverReceivedRoutes) {  // MUST-51, MUST-52
  with("rfc");
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(stack->set_ip_options(fd, kUserVia10And5), 0);
  ASSERT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
  auto syn = sent();
  ASSERT_EQ(syn.size(), 1u);
  expect_routed(syn[0], "192.0.2.10", kBackVia10And5);
  local_port = syn[0].sport;
  auto ack = send(via(to_active(flag::SYN | flag::ACK, kPeerIsn, kIss + 1), kArrivedVia7And20));
  ASSERT_EQ(ack.size(), 1u);
  expect_routed(ack[0], "192.0.2.10", kBackVia10And5);
  // Cleared: the next segment goes straight to the peer.
  ASSERT_EQ(stack->set_ip_options(fd, {}), 0);
  ASSERT_EQ(write(fd, 10), 10);
  auto data = sent();
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(data[0].dst, peer_addr());
  EXPECT_TRUE(data[0].ip_options.empty());
}

TEST_F(SourceRoutes, ListenerRouteWinsOverTheSynsRoute) {  // MUST-52 on a passive open
  with("rfc");
  const int l = stack->socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(stack->set_ip_options(l, kUserVia10And5), 0);
  ASSERT_EQ(stack->bind(l, net::IpAddress::v4(0, 0, 0, 0), kPort), 0);
  ASSERT_EQ(stack->listen(l, 8), 0);
  auto r = send(via(from_peer(flag::SYN, kPeerIsn), kArrivedVia7And20));
  ASSERT_EQ(r.size(), 1u);
  expect_routed(r[0], "192.0.2.10", kBackVia10And5);
  EXPECT_TRUE(traced("MUST-52"));
}

TEST_F(SourceRoutes, BadApplicationRoutesAreRefused) {
  with("rfc");
  const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(stack->set_ip_options(fd, std::vector<std::uint8_t>{0x83, 0x07, 0x08, 1, 2, 3, 4, 0}), -EINVAL);
  EXPECT_EQ(stack->set_ip_options(99, kUserVia10And5), -EBADF);
  const int v6 = stack->socket(AF_INET6, SOCK_STREAM, 0);
  EXPECT_EQ(stack->set_ip_options(v6, kUserVia10And5), -ENOPROTOOPT);
}

TEST(SourceRouteConfig, ProfilesAndKeys) {
  EXPECT_TRUE(StackConfig::from_profile("rfc")->accept_source_route);
  EXPECT_TRUE(StackConfig::from_profile("rfc")->source_route_update);
  for (const char* p : {"linux", "freebsd"}) {
    EXPECT_FALSE(StackConfig::from_profile(p)->accept_source_route) << p;
    EXPECT_FALSE(StackConfig::from_profile(p)->source_route_update) << p;
  }
  StackConfig c;
  ASSERT_TRUE(c.set("accept_source_route", "false").ok());
  EXPECT_FALSE(c.accept_source_route);
  ASSERT_TRUE(c.set("source_route_update", "false").ok());
  EXPECT_FALSE(c.source_route_update);
}

}  // namespace
}  // namespace synack::reference::testing
