// Sessions per second on the reference stack, the way the session fuzzer drives it: a fresh Stack
// per session, 16 events (segments from a peer, socket calls, clock advances), take_output() and
// check_invariants() after every event. Baseline in the same run: an empty session (a Stack made,
// a listener opened, the Stack destroyed). Goal: over 100,000 sessions/s on one core.
//   bench/reference_sessions [SESSIONS] [PROFILE]     (default 200000, rfc)
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "targets/reference/stack.h"

namespace {

using namespace synack;
namespace flag = net::flag;

constexpr int kEventsPerSession = 16;
constexpr double kGoalPerSecond = 100000;

// xorshift64*: deterministic, so every run plays the same sessions.
struct Rng {
  std::uint64_t s;
  std::uint32_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return static_cast<std::uint32_t>((s * 0x2545F4914F6CDD1DULL) >> 32);
  }
  std::uint32_t below(std::uint32_t n) { return next() % n; }
};

const net::IpAddress kLocal = net::IpAddress::v4(192, 0, 2, 1);
const net::IpAddress kPeer = net::IpAddress::v4(198, 51, 100, 7);

net::Segment peer_segment(std::uint16_t sport, std::uint16_t dport, std::uint16_t flags,
                          std::uint32_t seq, std::uint32_t ack, std::size_t len) {
  net::Segment s;
  s.src = kPeer;
  s.dst = kLocal;
  s.sport = sport;
  s.dport = dport;
  s.seq = seq;
  s.ack = ack;
  s.flags = flags;
  s.window = 65535;
  s.payload.assign(len, 'x');
  return s;
}

struct Totals {
  std::uint64_t segments_out = 0;
  std::uint64_t violations = 0;
};

// One session of kEventsPerSession events against a fresh stack.
void run_session(const reference::StackConfig& cfg, std::uint64_t seed, Totals& totals) {
  reference::Stack stack(cfg, {kLocal});
  Rng rng{seed * 0x9E3779B97F4A7C15ULL + 1};
  const int listener = stack.socket(AF_INET, SOCK_STREAM, 0);
  stack.bind(listener, net::IpAddress::v4(0, 0, 0, 0), 80);
  stack.listen(listener, 8);
  int fd = -1;
  std::vector<std::uint8_t> buffer;
  const std::vector<std::uint8_t> data(100, 'y');
  for (int e = 0; e < kEventsPerSession; ++e) {
    const auto conns = stack.connections();
    const reference::Tcb* t = conns.empty() ? nullptr : conns.front();
    const std::uint16_t sport = t ? t->remote.port : 40000;
    const std::uint16_t dport = t ? t->local.port : 80;
    const std::uint32_t rcv_nxt = t ? t->rcv_nxt : 5000;
    const std::uint32_t snd_nxt = t ? t->snd_nxt : 1;
    switch (rng.below(11)) {
      case 0: stack.segment_arrives(peer_segment(40000, 80, flag::SYN, 5000, 0, 0)); break;
      case 1: stack.segment_arrives(peer_segment(sport, dport, flag::ACK, rcv_nxt, snd_nxt, 0)); break;
      case 2:
        stack.segment_arrives(peer_segment(sport, dport, flag::ACK | flag::PSH, rcv_nxt, snd_nxt,
                                           1 + rng.below(200)));
        break;
      case 3:
        stack.segment_arrives(peer_segment(sport, dport, flag::FIN | flag::ACK, rcv_nxt, snd_nxt, 0));
        break;
      case 4:
        stack.segment_arrives(
            peer_segment(sport, dport, flag::RST, rcv_nxt + rng.below(3), 0, 0));
        break;
      case 5: {
        const Micros next = stack.next_timer();
        stack.advance_to(next != kNever && rng.below(2) ? next
                                                        : stack.now() + rng.below(500) * kMillis);
        break;
      }
      case 6: {
        const int r = stack.accept(listener);
        if (r >= 0) fd = r;
        break;
      }
      case 7:
        if (fd >= 0) stack.write(fd, data, 0);
        break;
      case 8:
        if (fd >= 0) {
          buffer.clear();
          stack.read(fd, 1000, 0, buffer);
        }
        break;
      case 9:
        if (fd >= 0) {
          if (rng.below(2)) {
            stack.shutdown(fd, SHUT_WR);
          } else {
            stack.close(fd);
            fd = -1;
          }
        }
        break;
      default:
        if (fd < 0) {
          fd = stack.socket(AF_INET, SOCK_STREAM, 0);
          stack.connect(fd, kPeer, 40001);
          const auto syn = stack.take_output();
          totals.segments_out += syn.size();
          if (!syn.empty()) {
            stack.segment_arrives(peer_segment(40001, syn[0].segment.sport, flag::SYN | flag::ACK,
                                               9000, syn[0].segment.seq + 1, 0));
          }
        }
        break;
    }
    totals.segments_out += stack.take_output().size();
    totals.violations += stack.check_invariants().size();
  }
}

double sessions_per_second(const reference::StackConfig& cfg, std::uint64_t n, bool empty,
                           Totals& totals) {
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < n; ++i) {
    if (empty) {
      reference::Stack stack(cfg, {kLocal});
      const int l = stack.socket(AF_INET, SOCK_STREAM, 0);
      stack.bind(l, net::IpAddress::v4(0, 0, 0, 0), 80);
      stack.listen(l, 8);
    } else {
      run_session(cfg, i, totals);
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(n) / s;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
  const std::string profile = argc > 2 ? argv[2] : "rfc";
  auto cfg = reference::StackConfig::from_profile(profile);
  if (!cfg) {
    std::fprintf(stderr, "reference_sessions: unknown profile %s\n", profile.c_str());
    return 2;
  }
  Totals totals;
  const double empty = sessions_per_second(*cfg, n, true, totals);
  const double full = sessions_per_second(*cfg, n, false, totals);
  std::printf("reference_sessions: %llu sessions x %d events, profile %s\n",
              static_cast<unsigned long long>(n), kEventsPerSession, profile.c_str());
  std::printf("  baseline (empty session): %.0f sessions/s\n", empty);
  std::printf("  16-event sessions:        %.0f sessions/s (%.2f us each), %.1f segments out each\n",
              full, 1e6 / full, static_cast<double>(totals.segments_out) / static_cast<double>(n));
  std::printf("  ratio to baseline: %.3f; to the 100,000/s goal: %.2fx (%s)\n", full / empty,
              full / kGoalPerSecond, full >= kGoalPerSecond ? "met" : "NOT met");
  if (totals.violations) std::printf("  invariant violations: %llu\n",
                                     static_cast<unsigned long long>(totals.violations));
  return totals.violations == 0 ? 0 : 1;
}
