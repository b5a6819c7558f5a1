// Random sessions against the stack, with the invariant checker after every step: a small
// in-tree cousin of the fuzzer. Segments are drawn near the connection's sequence numbers so
// that most of them reach the deeper steps of §3.10.7.4.
#include <netinet/tcp.h>

#include <random>
#include <set>

#include "targets/reference/options.h"
#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing {
namespace {

class RandomWalk {
 public:
  RandomWalk(std::uint64_t seed, const char* profile) : rng_(seed) {
    StackConfig c = StackConfig::from_profile(profile).value();
    c.isn_mode = (seed % 2) ? IsnMode::Rfc6528 : IsnMode::Fixed;
    c.fixed_isn = static_cast<std::uint32_t>(rng_());
    c.receive_buffer = 1 + pick(0, 3) * 3000;
    c.send_buffer = 1 + pick(0, 3) * 3000;
    stack_ = std::make_unique<Stack>(c, std::vector<net::IpAddress>{stack_addr()});
  }

  // Runs `steps` random events; returns the first invariant violation, or "".
  std::string run(int steps) {
    listen_fd_ = stack_->socket(AF_INET, SOCK_STREAM, 0);
    stack_->bind(listen_fd_, net::IpAddress::v4(0, 0, 0, 0), kPort);
    stack_->listen(listen_fd_, static_cast<int>(pick(0, 2)));
    if (pick(0, 1)) {
      // Start most sessions from an established connection, closed by either side.
      stack_->segment_arrives(from_peer(flag::SYN, peer_isn_));
      learn();
      stack_->segment_arrives(from_peer(flag::ACK, peer_isn_ + 1, their_nxt_));
      learn();
      peer_nxt_ = peer_isn_ + 1;
      const int fd = stack_->accept(listen_fd_);
      if (pick(0, 1)) {
        stack_->shutdown(fd, SHUT_WR);
        learn();
      }
      if (pick(0, 1)) {
        stack_->segment_arrives(from_peer(flag::FIN | flag::ACK, peer_nxt_, their_nxt_ - pick(0, 1)));
        learn();
        peer_nxt_ += 1;
      }
    }
    for (int i = 0; i < steps; ++i) {
      step();
      learn();
      for (const Tcb* t : stack_->connections()) reached.insert(t->state);
      const auto v = stack_->check_invariants();
      if (!v.empty()) return "step " + std::to_string(i) + ": " + v.front() + describe();
    }
    return "";
  }

 private:
  std::string describe() const {
    std::string d;
    for (const Tcb* t : stack_->connections()) {
      d += "\n  conn " + std::to_string(t->id) + " " + std::string(to_string(t->state)) +
           " RCV.NXT=" + std::to_string(t->rcv_nxt) + " ooo:";
      for (const auto& e : t->ooo) {
        d += " [" + std::to_string(e.seq) + "+" + std::to_string(e.data.size()) + (e.fin ? "F" : "") + "]";
      }
    }
    return d;
  }

  std::uint32_t pick(std::uint32_t lo, std::uint32_t hi) {
    return std::uniform_int_distribution<std::uint32_t>(lo, hi)(rng_);
  }

  void learn() {
    for (auto& e : stack_->take_output()) {
      const net::Segment& s = e.segment;
      if (s.has(flag::SYN)) their_isn_ = s.seq;
      if (!s.has(flag::RST)) {
        their_nxt_ = s.seq + static_cast<std::uint32_t>(s.payload.size()) +
                     (s.has(flag::SYN) ? 1 : 0) + (s.has(flag::FIN) ? 1 : 0);
      }
      if (s.has(flag::ACK)) our_acked_ = s.ack;
      if (s.dport != kPeerPort || s.sport != kPort) other_port_ = s.sport;
    }
  }

  std::uint32_t near(std::uint32_t base) {
    switch (pick(0, 6)) {
      case 0: return base;
      case 5: return base - 1;
      case 1: return base + pick(0, 3000);
      case 2: return base - pick(0, 3000);
      case 3: return static_cast<std::uint32_t>(rng_());
      default: return base + pick(0, 2);
    }
  }

  void step() {
    const std::uint32_t what = pick(0, 19);
    if (what < 11) {
      net::Segment s = from_peer(0, 0);
      static constexpr std::uint16_t kFlags[] = {
          flag::SYN, flag::ACK, flag::ACK | flag::PSH, flag::FIN | flag::ACK, flag::RST,
          flag::RST | flag::ACK, flag::SYN | flag::ACK, flag::ACK | flag::URG, 0, flag::FIN};
      s.flags = kFlags[pick(0, 9)];
      if (pick(0, 7) == 0) s.flags = static_cast<std::uint16_t>(pick(0, 0x1ff));
      s.seq = s.has(flag::SYN) && pick(0, 1) ? peer_isn_ : near(peer_nxt_);
      s.ack = near(their_nxt_);
      s.window = static_cast<std::uint16_t>(pick(0, 3) == 0 ? 0 : pick(0, 65535));
      s.urgent = static_cast<std::uint16_t>(pick(0, 10));
      if (pick(0, 2) == 0) s.payload = bytes(pick(1, 1500));
      if (s.has(flag::SYN) && pick(0, 1)) {
        s.options = {mss_option(static_cast<std::uint16_t>(pick(0, 2000))),
                     wscale_option(static_cast<std::uint8_t>(pick(0, 16))), sack_permitted_option(),
                     timestamp_option(pick(0, 100), 0)};
      } else if (pick(0, 3) == 0) {
        s.options = {timestamp_option(pick(0, 200), pick(0, 200))};
      }
      if (pick(0, 5) == 0) s.sport = static_cast<std::uint16_t>(kPeerPort + pick(1, 2));
      if (pick(0, 9) == 0 && other_port_) s.dport = other_port_;
      if (s.has(flag::SYN)) peer_isn_ = s.seq;
      stack_->segment_arrives(s);
      // The peer mostly behaves: advance its idea of its own next sequence number.
      if (pick(0, 2) != 0 && !s.has(flag::RST)) {
        peer_nxt_ = s.seq + static_cast<std::uint32_t>(s.payload.size()) + (s.has(flag::SYN) ? 1 : 0) +
                    (s.has(flag::FIN) ? 1 : 0);
      }
      return;
    }
    const int fd = static_cast<int>(pick(3, 6));
    std::vector<std::uint8_t> out;
    switch (what) {
      case 11: stack_->advance_to(stack_->now() + pick(0, 3) * pick(0, 100000) * 10); break;
      case 12: stack_->advance_to(std::min(stack_->next_timer(), stack_->now() + 500 * kMicrosPerSecond)); break;
      case 13: stack_->accept(listen_fd_); break;
      case 14: stack_->write(fd, bytes(pick(0, 5000)), 0); break;
      case 15: stack_->read(fd, pick(0, 4000), 0, out); break;
      case 16: pick(0, 3) ? stack_->shutdown(fd, SHUT_WR) : stack_->close(fd); break;
      case 17: {
        const int s = stack_->socket(AF_INET, SOCK_STREAM, 0);
        stack_->connect(s, peer_addr(), kPeerPort);
        break;
      }
      case 18:
        stack_->setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
        stack_->setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, 1);
        stack_->setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, pick(0, 1));
        break;
      default:
        stack_->setsockopt(fd, SOL_SOCKET, SO_LINGER, 1, 0);
        break;
    }
  }

 public:
  std::set<State> reached;  // states any connection was seen in

 private:
  std::mt19937_64 rng_;
  std::unique_ptr<Stack> stack_;
  int listen_fd_ = -1;
  std::uint32_t peer_isn_ = 777;
  std::uint32_t peer_nxt_ = 777;
  std::uint32_t their_isn_ = 0;
  std::uint32_t their_nxt_ = 0;
  std::uint32_t our_acked_ = 0;
  std::uint16_t other_port_ = 0;
};

TEST(RandomWalk, InvariantsHoldInEveryProfile) {
  std::set<State> reached;
  for (const char* profile : {"rfc", "linux", "freebsd"}) {
    for (std::uint64_t seed = 1; seed <= 600; ++seed) {
      RandomWalk walk(seed, profile);
      const std::string failure = walk.run(80);
      ASSERT_EQ(failure, "") << "profile " << profile << " seed " << seed;
      reached.insert(walk.reached.begin(), walk.reached.end());
    }
  }
  // The walk is only worth something if it gets around the state machine.
  std::string missing;
  for (State s : {State::SynSent, State::SynReceived, State::Established, State::FinWait1,
                  State::FinWait2, State::CloseWait, State::Closing, State::LastAck,
                  State::TimeWait}) {
    if (!reached.count(s)) missing += std::string(to_string(s)) + " ";
  }
  EXPECT_EQ(missing, "");
}

}  // namespace
}  // namespace synack::reference::testing
