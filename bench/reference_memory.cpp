// Memory per idle connection of the reference stack: opens N ESTABLISHED connections (passive
// opens through the Stack API) in one Stack and reports the heap and RSS growth per connection,
// against a baseline of 1,000 connections measured in the same run and against sizeof(Tcb).
//   bench/reference_memory [CONNECTIONS]     (default 100000; goal: under 2 KiB each)
//
// Heap bytes are counted by replacing the global operator new/delete of this binary; each block
// is charged what malloc really reserves for it (malloc_usable_size + glibc's 8-byte header).
#include <malloc.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <new>
#include <vector>

#include "targets/reference/stack.h"

namespace {

std::size_t g_heap_bytes = 0;   // usable bytes of live blocks plus their malloc headers
std::size_t g_heap_blocks = 0;  // live blocks
constexpr std::size_t kChunkHeader = 8;

void* counted_alloc(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  g_heap_bytes += malloc_usable_size(p) + kChunkHeader;
  ++g_heap_blocks;
  return p;
}

void counted_free(void* p) noexcept {
  if (p == nullptr) return;
  g_heap_bytes -= malloc_usable_size(p) + kChunkHeader;
  --g_heap_blocks;
  std::free(p);
}

}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }

namespace {

using namespace synack;
namespace flag = net::flag;

std::size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// The i-th peer: 4 documentation addresses x 25,000 ports (covers 100,000 peers; more wrap
// to further addresses of the same ranges).
net::Segment from_peer(std::size_t i, std::uint16_t flags, std::uint32_t seq, std::uint32_t ack) {
  constexpr std::size_t kPorts = 25000;
  const std::size_t host = i / kPorts;
  net::Segment s;
  s.src = host % 2 == 0 ? net::IpAddress::v4(198, 51, 100, static_cast<std::uint8_t>(1 + host / 2))
                        : net::IpAddress::v4(203, 0, 113, static_cast<std::uint8_t>(1 + host / 2));
  s.dst = net::IpAddress::v4(192, 0, 2, 1);
  s.sport = static_cast<std::uint16_t>(10000 + i % kPorts);
  s.dport = 80;
  s.seq = seq;
  s.ack = ack;
  s.flags = flags;
  s.window = 65535;
  return s;
}

struct Measurement {
  std::size_t connections = 0;
  std::size_t heap_bytes = 0;    // heap growth over the opens
  std::size_t heap_blocks = 0;   // blocks allocated and still live
  std::size_t rss_bytes = 0;     // RSS growth over the opens
  std::size_t buffered = 0;      // bytes in send/receive buffers (an idle connection holds none)
  double seconds = 0;            // to open them all
  double check_seconds = 0;      // one check_invariants() over them all
  double per_connection() const {
    return static_cast<double>(heap_bytes - buffered) / static_cast<double>(connections);
  }
};

// Opens `n` idle connections on one listener and measures what they cost. The stack stays
// alive (and measured) until the function returns.
Measurement open_idle_connections(std::size_t n) {
  auto cfg = reference::StackConfig::from_profile("rfc").value();
  reference::Stack stack(cfg, {net::IpAddress::v4(192, 0, 2, 1)});
  const int listener = stack.socket(AF_INET, SOCK_STREAM, 0);
  if (stack.bind(listener, net::IpAddress::v4(0, 0, 0, 0), 80) != 0 ||
      stack.listen(listener, SOMAXCONN) != 0) {
    std::fprintf(stderr, "reference_memory: listen failed\n");
    std::exit(1);
  }
  std::vector<int> fds;
  fds.reserve(n);  // the benchmark's own bookkeeping, outside the measured interval
  Measurement m;
  m.connections = n;
  const std::size_t heap0 = g_heap_bytes, blocks0 = g_heap_blocks, rss0 = rss_bytes();
  const auto start = std::chrono::steady_clock::now();
  constexpr std::uint32_t kPeerIsn = 7000;
  for (std::size_t i = 0; i < n; ++i) {
    stack.segment_arrives(from_peer(i, flag::SYN, kPeerIsn, 0));
    const auto synack = stack.take_output();
    if (synack.size() != 1 || !synack[0].segment.has(flag::SYN | flag::ACK)) {
      std::fprintf(stderr, "reference_memory: no SYN-ACK for peer %zu\n", i);
      std::exit(1);
    }
    stack.segment_arrives(from_peer(i, flag::ACK, kPeerIsn + 1, synack[0].segment.seq + 1));
    const int fd = stack.accept(listener);
    if (fd < 0 || stack.has_output()) {
      std::fprintf(stderr, "reference_memory: accept of peer %zu failed (%d)\n", i, fd);
      std::exit(1);
    }
    fds.push_back(fd);
  }
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.heap_bytes = g_heap_bytes - heap0;
  m.heap_blocks = g_heap_blocks - blocks0;
  m.rss_bytes = rss_bytes() - rss0;
  for (int fd : fds) {
    const reference::Tcb* t = stack.connection(fd);
    if (t == nullptr || t->state != reference::State::Established) {
      std::fprintf(stderr, "reference_memory: fd %d is not ESTABLISHED\n", fd);
      std::exit(1);
    }
    m.buffered += t->send_buf.size() + t->recv_buf.size();
  }
  const auto check_start = std::chrono::steady_clock::now();
  const auto violations = stack.check_invariants();
  m.check_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - check_start).count();
  if (!violations.empty()) {
    std::fprintf(stderr, "reference_memory: %s\n", violations.front().c_str());
    std::exit(1);
  }
  return m;
}

void print(const char* label, const Measurement& m) {
  std::printf("  %-9s %7zu conns: heap %6.0f B/conn (%4.1f blocks), RSS %6.0f B/conn, "
              "buffered %zu B, %.3f s (%.0f opens/s), check_invariants %.1f ms\n",
              label, m.connections, m.per_connection(),
              static_cast<double>(m.heap_blocks) / static_cast<double>(m.connections),
              static_cast<double>(m.rss_bytes) / static_cast<double>(m.connections), m.buffered,
              m.seconds, static_cast<double>(m.connections) / m.seconds, m.check_seconds * 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
  constexpr std::size_t kBaseline = 1000;
  constexpr double kGoal = 2048;
  std::printf("reference_memory: idle ESTABLISHED connections in one reference Stack\n");
  std::printf("  sizeof(Tcb) = %zu B\n", sizeof(reference::Tcb));
  const Measurement base = open_idle_connections(kBaseline);
  print("baseline", base);
  const Measurement big = open_idle_connections(n);
  print("measured", big);
  const double per = big.per_connection();
  std::printf("  per connection: %.0f B = %.2fx the %zu-connection baseline, %.2fx sizeof(Tcb), "
              "%.2fx the 2 KiB goal (%s)\n",
              per, per / base.per_connection(), kBaseline,
              per / static_cast<double>(sizeof(reference::Tcb)), per / kGoal,
              per < kGoal ? "met" : "NOT met");
  std::printf("  open rate: %.2fx the baseline's\n",
              (static_cast<double>(big.connections) / big.seconds) /
                  (static_cast<double>(base.connections) / base.seconds));
  return per < kGoal ? 0 : 1;
}
