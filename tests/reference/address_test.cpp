// Broadcast, multicast and unspecified addresses (RFC 9293 §3.9.1.1 MUST-46, §3.9.2.3 MUST-57 and
// MUST-63; RFC 1122 §3.2.1.3, §4.2.3.10). A segment to or from such an address is discarded
// before any state is looked at: no SYN-ACK, no RST, no connection. connect() to one fails with
// ENETUNREACH and sends nothing. The stack is 192.0.2.1/24 (ipv4_prefix_length 24) unless a test
// says otherwise.
#include <string>

#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

net::IpAddress ip(const char* text) { return net::IpAddress::parse(text).value(); }

class Addresses : public StackTest {
 protected:
  void SetUp() override {
    StackTest::SetUp();
    trace_into_rules();
  }
  void trace_into_rules() {
    stack->set_trace([this](const TraceEvent& e) { rules.emplace_back(e.rule); });
  }
  void with_prefix(int length) {
    StackConfig c = test_config();
    c.ipv4_prefix_length = static_cast<std::uint8_t>(length);
    make(c);
    trace_into_rules();
  }

  // A segment from the peer with other addresses.
  static net::Segment between(const char* src, const char* dst, std::uint16_t flags,
                              std::uint32_t ack = 0) {
    net::Segment s = from_peer(flags, kPeerIsn, ack);
    s.src = ip(src);
    s.dst = ip(dst);
    return s;
  }

  bool traced(const std::string& part) const {
    for (const auto& r : rules) {
      if (r.find(part) != std::string::npos) return true;
    }
    return false;
  }

  // Nothing was sent, no connection exists, the listener is still listening.
  void expect_discarded(const std::vector<net::Segment>& r) {
    EXPECT_TRUE(r.empty()) << "sent " << (r.empty() ? "" : flags_of(r[0]));
    EXPECT_TRUE(stack->connections().empty());
    EXPECT_TRUE(traced("RFC 9293 3.9.2.3 / RFC 1122 4.2.3.10"));
  }

  std::vector<std::string> rules;
};

// ---- MUST-57: SYN addressed to a broadcast or multicast address ----

TEST_F(Addresses, ListenSynToSubnetBroadcastIsDiscarded) {
  listener();
  expect_discarded(send(between("198.51.100.1", "192.0.2.255", flag::SYN)));
  // The listener is untouched: a proper SYN is answered.
  EXPECT_EQ(send(from_peer(flag::SYN, kPeerIsn)).size(), 1u);
}

TEST_F(Addresses, ListenSynToLimitedBroadcastIsDiscarded) {
  listener();
  expect_discarded(send(between("198.51.100.1", "255.255.255.255", flag::SYN)));
}

TEST_F(Addresses, ListenSynToMulticastIsDiscarded) {
  listener();
  expect_discarded(send(between("198.51.100.1", "224.0.0.1", flag::SYN)));
  expect_discarded(send(between("198.51.100.1", "239.255.255.250", flag::SYN)));
}

TEST_F(Addresses, ClosedSegmentsToBroadcastDrawNoReset) {
  // No listener: a segment to a unicast address would draw a RST (§3.10.7.1); to a broadcast or
  // multicast address it draws nothing.
  expect_discarded(send(between("198.51.100.1", "192.0.2.255", flag::SYN)));
  expect_discarded(send(between("198.51.100.1", "192.0.2.255", flag::ACK, 1)));
  expect_discarded(send(between("198.51.100.1", "224.0.0.5", flag::ACK | flag::FIN, 1)));
}

// ---- MUST-63: SYN from an address that is not a valid unicast address ----

TEST_F(Addresses, ListenSynFromSubnetBroadcastIsDiscarded) {
  listener();
  expect_discarded(send(between("192.0.2.255", "192.0.2.1", flag::SYN)));
}

TEST_F(Addresses, ListenSynFromLimitedBroadcastIsDiscarded) {
  listener();
  expect_discarded(send(between("255.255.255.255", "192.0.2.1", flag::SYN)));
}

TEST_F(Addresses, ListenSynFromMulticastIsDiscarded) {
  listener();
  expect_discarded(send(between("224.0.0.5", "192.0.2.1", flag::SYN)));
}

TEST_F(Addresses, ListenSynFromThisNetworkIsDiscarded) {
  listener();
  expect_discarded(send(between("0.0.0.0", "192.0.2.1", flag::SYN)));
  expect_discarded(send(between("0.1.2.3", "192.0.2.1", flag::SYN)));
}

TEST_F(Addresses, ClosedSegmentFromBroadcastDrawsNoReset) {
  expect_discarded(send(between("192.0.2.255", "192.0.2.1", flag::SYN)));
}

TEST_F(Addresses, EstablishedSegmentsFromBroadcastNeverReachTheConnection) {
  const int fd = passive_open();
  // Same ports, the stack's own address, a RST that would reset the connection if it came from
  // the peer: from the broadcast address it is discarded first.
  auto s = between("192.0.2.255", "192.0.2.1", flag::RST);
  s.seq = kPeerIsn + 1;
  EXPECT_TRUE(send(s).empty());
  EXPECT_EQ(state_of(fd), State::Established);
}

// ---- the stack's subnet: ipv4_prefix_length ----

TEST_F(Addresses, ListenSynFromAnotherSubnetsHostPartOnesIsUnicast) {
  // 198.51.100.255 may be a host on a larger subnet: only our own subnet's broadcast is known.
  listener();
  const auto r = send(between("198.51.100.255", "192.0.2.1", flag::SYN));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_SEGMENT(r[0], "S.", kIss, kPeerIsn + 1);
  EXPECT_EQ(r[0].dst, ip("198.51.100.255"));
}

TEST_F(Addresses, PrefixLengthDecidesTheSubnetBroadcast) {
  with_prefix(16);
  listener();
  // On 192.0.0.0/16, 192.0.2.255 is an ordinary host ...
  auto r = send(between("192.0.2.255", "192.0.2.1", flag::SYN));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(flags_of(r[0]), "S.");
  // ... and 192.0.255.255 the broadcast address.
  EXPECT_TRUE(send(between("192.0.255.255", "192.0.2.1", flag::SYN, 0)).empty());
  EXPECT_EQ(stack->connections().size(), 1u);
}

TEST_F(Addresses, PrefixLengths31And32HaveNoSubnetBroadcast) {
  for (int length : {31, 32}) {
    with_prefix(length);
    listener();
    const auto r = send(between("192.0.2.255", "192.0.2.1", flag::SYN));
    EXPECT_EQ(r.size(), 1u) << "/" << length;
    EXPECT_TRUE(send(between("255.255.255.255", "192.0.2.1", flag::SYN)).empty()) << "/" << length;
  }
}

TEST_F(Addresses, PrefixLengthIsAConfigKey) {
  StackConfig c = test_config();
  EXPECT_EQ(c.ipv4_prefix_length, 24);
  ASSERT_TRUE(c.set("ipv4_prefix_length", "16").ok());
  EXPECT_EQ(c.ipv4_prefix_length, 16);
  EXPECT_FALSE(c.set("ipv4_prefix_length", "33").ok());
}

// ---- IPv6: ff00::/8 and :: ----

class Addresses6 : public Addresses {
 protected:
  void SetUp() override {
    stack = std::make_unique<Stack>(test_config(), std::vector<net::IpAddress>{
                                                       ip("2001:db8::1"), stack_addr()});
    trace_into_rules();
  }
  int listener6() {
    const int fd = stack->socket(AF_INET6, SOCK_STREAM, 0);
    EXPECT_EQ(stack->bind(fd, ip("::"), kPort), 0);
    EXPECT_EQ(stack->listen(fd, 8), 0);
    return fd;
  }
};

TEST_F(Addresses6, ListenSynToMulticastIsDiscarded) {
  listener6();
  expect_discarded(send(between("2001:db8:1::1", "ff02::1", flag::SYN)));
}

TEST_F(Addresses6, ListenSynFromMulticastOrUnspecifiedIsDiscarded) {
  listener6();
  expect_discarded(send(between("ff02::1", "2001:db8::1", flag::SYN)));
  expect_discarded(send(between("::", "2001:db8::1", flag::SYN)));
  // A proper SYN is answered.
  EXPECT_EQ(send(between("2001:db8:1::1", "2001:db8::1", flag::SYN)).size(), 1u);
}

TEST_F(Addresses6, ConnectToMulticastFails) {
  const int fd = stack->socket(AF_INET6, SOCK_STREAM, 0);
  EXPECT_EQ(stack->connect(fd, ip("ff02::1"), kPeerPort), -ENETUNREACH);
  EXPECT_TRUE(sent().empty());
}

// ---- MUST-46: OPEN to a broadcast or multicast address ----

TEST_F(Addresses, ClosedConnectToBroadcastOrMulticastFailsAndSendsNothing) {
  for (const char* dst : {"192.0.2.255", "255.255.255.255", "224.0.0.1", "239.1.2.3"}) {
    const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(stack->connect(fd, ip(dst), kPeerPort), -ENETUNREACH) << dst;
    EXPECT_TRUE(sent().empty()) << dst;
    EXPECT_EQ(stack->connection(fd), nullptr) << dst;
    // The socket is still usable: a connect() to a unicast peer proceeds.
    EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS) << dst;
    EXPECT_EQ(sent().size(), 1u) << dst;
    stack->close(fd);
    sent();
  }
  EXPECT_TRUE(traced("RFC 9293 3.9.1.1"));
}

TEST_F(Addresses, ClosedConnectOnANonBlockingSocketFailsTheSameWay) {
  const int fd = stack->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  EXPECT_EQ(stack->connect(fd, ip("192.0.2.255"), kPeerPort), -ENETUNREACH);
  EXPECT_TRUE(sent().empty());
}

}  // namespace
}  // namespace synack::reference::testing
