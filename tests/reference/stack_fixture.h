// Tiny segment builders and a fixture that drives one reference Stack with a scripted peer.
// The stack is 192.0.2.1 (ISS 1000 unless a test says otherwise), the peer 198.51.100.1:40000
// (ISN 5000). Options are off unless a test turns them on, so expectations stay readable.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "harness/net/segment.h"
#include "targets/reference/config.h"
#include "targets/reference/stack.h"

namespace synack::reference::testing {

namespace flag = net::flag;

inline constexpr std::uint32_t kIss = 1000;       // the stack's ISN (fixed mode)
inline constexpr std::uint32_t kPeerIsn = 5000;   // the scripted peer's ISN
inline constexpr std::uint16_t kPort = 8080;      // the stack's listening port
inline constexpr std::uint16_t kPeerPort = 40000;

inline net::IpAddress stack_addr() { return net::IpAddress::v4(192, 0, 2, 1); }
inline net::IpAddress peer_addr() { return net::IpAddress::v4(198, 51, 100, 1); }

inline std::vector<std::uint8_t> bytes(std::size_t n, std::uint8_t first = 'a') {
  std::vector<std::uint8_t> b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(first + i % 26);
  return b;
}

// A segment from the peer to the stack.
inline net::Segment from_peer(std::uint16_t flags, std::uint32_t seq, std::uint32_t ack = 0,
                              std::uint16_t win = 65535, std::vector<std::uint8_t> payload = {},
                              std::uint16_t sport = kPeerPort, std::uint16_t dport = kPort) {
  net::Segment s;
  s.src = peer_addr();
  s.dst = stack_addr();
  s.sport = sport;
  s.dport = dport;
  s.seq = seq;
  s.ack = ack;
  s.flags = flags;
  s.window = win;
  s.payload = std::move(payload);
  return s;
}

inline StackConfig test_config(const char* profile = "rfc") {
  StackConfig c = StackConfig::from_profile(profile).value();
  c.isn_mode = IsnMode::Fixed;
  c.fixed_isn = kIss;
  c.timestamps = false;
  c.sack = false;
  c.window_scaling = false;
  return c;
}

inline std::string flags_of(const net::Segment& s) {
  std::string f;
  if (s.has(flag::SYN)) f += 'S';
  if (s.has(flag::FIN)) f += 'F';
  if (s.has(flag::RST)) f += 'R';
  if (s.has(flag::PSH)) f += 'P';
  if (s.has(flag::ACK)) f += '.';
  if (s.has(flag::ECE)) f += 'E';  // RFC 3168 ECN-Echo
  if (s.has(flag::CWR)) f += 'W';  // RFC 3168 Congestion Window Reduced
  return f;
}

class StackTest : public ::testing::Test {
 protected:
  void make(StackConfig cfg) {
    stack = std::make_unique<Stack>(std::move(cfg), std::vector<net::IpAddress>{stack_addr()});
  }
  void SetUp() override { make(test_config()); }
  void TearDown() override { expect_invariants(); }

  void expect_invariants() {
    if (!stack) return;
    const auto v = stack->check_invariants();
    EXPECT_TRUE(v.empty()) << "invariant violated: " << (v.empty() ? "" : v.front());
  }

  // Delivers a segment and returns what the stack sent in answer.
  std::vector<net::Segment> send(const net::Segment& s) {
    stack->segment_arrives(s);
    expect_invariants();
    return sent();
  }
  std::vector<net::Segment> sent() {
    std::vector<net::Segment> out;
    for (auto& e : stack->take_output()) out.push_back(std::move(e.segment));
    return out;
  }
  // Advances the clock to `t` and returns what was sent, with times.
  std::vector<Emitted> run_until(Micros t) {
    stack->advance_to(t);
    expect_invariants();
    return stack->take_output();
  }

  State state_of(int fd) const {
    const Tcb* t = stack->connection(fd);
    return t ? t->state : State::Closed;
  }

  int listener(std::uint16_t port = kPort, int backlog = 8) {
    const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(stack->bind(fd, net::IpAddress::v4(0, 0, 0, 0), port), 0);
    EXPECT_EQ(stack->listen(fd, backlog), 0);
    return fd;
  }

  // Passive open to ESTABLISHED; returns the accepted descriptor. Peer's next seq is
  // kPeerIsn + 1, the stack's is kIss + 1.
  int passive_open(std::uint16_t win = 65535) {
    const int l = listener();
    auto r = send(from_peer(flag::SYN, kPeerIsn, 0, win));
    EXPECT_EQ(r.size(), 1u);
    r = send(from_peer(flag::ACK, kPeerIsn + 1, kIss + 1, win));
    EXPECT_TRUE(r.empty());
    const int fd = stack->accept(l);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(state_of(fd), State::Established);
    return fd;
  }

  // Active open to ESTABLISHED; returns the descriptor. The stack's port is in `local_port`.
  int active_open(std::uint16_t win = 65535) {
    const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
    auto syn = sent();
    EXPECT_EQ(syn.size(), 1u);
    local_port = syn.at(0).sport;
    auto r = send(from_peer(flag::SYN | flag::ACK, kPeerIsn, kIss + 1, win, {}, kPeerPort, local_port));
    EXPECT_EQ(r.size(), 1u);
    EXPECT_EQ(state_of(fd), State::Established);
    return fd;
  }

  // A segment from the peer on the actively opened connection.
  net::Segment to_active(std::uint16_t flags, std::uint32_t seq, std::uint32_t ack,
                         std::uint16_t win = 65535, std::vector<std::uint8_t> payload = {}) {
    return from_peer(flags, seq, ack, win, std::move(payload), kPeerPort, local_port);
  }

  std::int64_t write(int fd, std::size_t n) {
    const auto b = bytes(n);
    return stack->write(fd, b, 0);
  }
  std::vector<std::uint8_t> read(int fd, std::size_t n, std::int64_t* ret = nullptr) {
    std::vector<std::uint8_t> out;
    const std::int64_t r = stack->read(fd, n, 0, out);
    if (ret) *ret = r;
    return out;
  }

  std::unique_ptr<Stack> stack;
  std::uint16_t local_port = 0;
};

// Asserts the essentials of one segment the stack sent.
#define EXPECT_SEGMENT(seg, flags_str, seq_v, ack_v)        \
  do {                                                      \
    EXPECT_EQ(flags_of(seg), flags_str);                    \
    EXPECT_EQ((seg).seq, static_cast<std::uint32_t>(seq_v)); \
    EXPECT_EQ((seg).ack, static_cast<std::uint32_t>(ack_v)); \
  } while (0)

}  // namespace synack::reference::testing
