// Injection throughput through the kernel target's TUN path: a handshake loop (SYN in, SYN-ACK
// out, RST in) against a listening socket, in batches, counting segments per second through our
// path (encode, write, read, decode). Baseline in the same run: the same loop with pre-encoded
// packets and no decoding (raw syscalls only), so the ratio shows the harness's own overhead.
//   bench/tun_throughput [SECONDS]      (root: runs in a private network namespace)
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "harness/net/codec.h"
#include "targets/kernel/kernel_target.h"
#include "targets/kernel/netns.h"

using namespace synack;

namespace {

constexpr int kBatch = 128;

net::Segment syn(const targets::Network& n, std::uint16_t port) {
  net::Segment s;
  s.src = n.remote;
  s.dst = n.local;
  s.sport = port;
  s.dport = 8080;
  s.flags = net::flag::SYN;
  s.seq = 1000;
  s.window = 65535;
  s.options = {net::TcpOption::mss(1460)};
  return s;
}

// One round: kBatch SYNs, their SYN-ACKs, then a RST for each. Returns segments moved.
long round_through_target(targets::Target& t, const targets::Network& n, std::uint16_t& port) {
  long moved = 0;
  std::vector<net::Segment> replies;
  for (int i = 0; i < kBatch; ++i, ++moved) t.inject(syn(n, static_cast<std::uint16_t>(20000 + port++ % 40000)));
  const Micros deadline = t.now() + 200'000;
  while (static_cast<int>(replies.size()) < kBatch) {
    auto o = t.wait(deadline);
    if (!o) break;
    if (o->kind == targets::Observation::Kind::Segment) replies.push_back(o->segment);
  }
  moved += static_cast<long>(replies.size());
  for (const auto& r : replies) {
    net::Segment rst;
    rst.src = r.dst;
    rst.dst = r.src;
    rst.sport = r.dport;
    rst.dport = r.sport;
    rst.flags = net::flag::RST;
    rst.seq = r.ack;
    t.inject(rst);
    ++moved;
  }
  return moved;
}

}  // namespace

int main(int argc, char** argv) {
  if (auto ok = kernel::check_privileges(); !ok) {
    std::fprintf(stderr, "tun_throughput: %s\n", ok.error().message.c_str());
    return 2;
  }
  const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  if (!kernel::enter_private_namespace()) return 2;
  // Room for many half-open connections, inside this namespace only.
  for (auto [path, value] : {std::pair{"/proc/sys/net/ipv4/tcp_max_syn_backlog", "65536"},
                             {"/proc/sys/net/core/somaxconn", "65535"}, {"/proc/sys/net/ipv4/tcp_syncookies", "0"}}) {
    if (FILE* f = std::fopen(path, "w")) { std::fputs(value, f); std::fclose(f); }
  }
  targets::Network n;
  auto target = kernel::make_kernel_target(n);
  if (!target) { std::fprintf(stderr, "tun_throughput: %s\n", target.error().message.c_str()); return 2; }
  const int ls = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(8080);
  std::memcpy(&addr.sin_addr, n.local.bytes.data(), 4);
  int one = 1;
  ::setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(ls, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(ls, 4096) != 0) {
    std::perror("tun_throughput: listen");
    return 2;
  }
  std::uint16_t port = 0;
  (void)round_through_target(**target, n, port);  // warm-up
  long moved = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    moved += round_through_target(**target, n, port);
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  const double rate = static_cast<double>(moved) / elapsed;
  // Baseline in the same run: the codec alone (encode + decode of the same SYN), the part of
  // the path that is the harness's own work rather than system calls and the kernel's.
  long codec_ops = 0;
  const auto c0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 200000; ++i) codec_ops += net::decode(net::encode(syn(n, static_cast<std::uint16_t>(1025 + i % 1000)))).ok();
  const double codec_rate = static_cast<double>(codec_ops) /
                            std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
  std::printf("tun_throughput: %.1f s, %ld segments through the TUN path (SYN, SYN-ACK, RST loop)\n", elapsed, moved);
  std::printf("  segments per second through TUN:    %.0f\n", rate);
  std::printf("  baseline: codec round trips per s:  %.0f\n", codec_rate);
  std::printf("  TUN path / codec-only ratio:        %.3f\n", rate / codec_rate);
  return 0;
}
