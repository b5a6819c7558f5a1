#include "targets/kernel/kernel_target.h"

#include "targets/observation.h"

#include <poll.h>
#include <sys/prctl.h>
#include <netinet/in.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "harness/net/codec.h"
#include "targets/kernel/netns.h"
#include "targets/kernel/socket_calls.h"

namespace synack::kernel {
namespace {

class KernelTarget final : public targets::Target {
 public:
  KernelTarget(int tun, const KernelOptions& o) : tun_(tun), options_(o), version_(system_version()) {}
  ~KernelTarget() override { ::close(tun_); }

  targets::Capabilities capabilities() const override {
    return {"kernel", version_, false, true, true, true};
  }

  Micros now() override { return calls_.now(); }

  void restart_clock() override { calls_.restart_clock(); }

  void inject(const net::Segment& segment) override {
    const auto bytes = net::encode(segment);
    // A full TUN queue or a vanished device is a harness failure the executor sees as silence.
    (void)!::write(tun_, bytes.data(), bytes.size());
  }

  // An ICMP error goes in through the TUN like a segment; the kernel's ICMP layer hands it to
  // TCP (tcp_v4_err / tcp_v6_err).
  Result<void> inject_icmp(const net::IcmpMessage& message) override {
    const auto bytes = net::encode_icmp(message);
    if (::write(tun_, bytes.data(), bytes.size()) < 0) {
      return make_error(std::string("writing the ICMP message to the TUN device failed: ") + std::strerror(errno));
    }
    return {};
  }

  std::optional<targets::Observation> wait(Micros deadline) override {
    std::vector<pollfd> fds;
    for (;;) {
      if (auto o = calls_.next_completion()) return o;
      if (auto o = read_tun()) return o;
      const Micros t = now();
      const Micros until = std::min(deadline, calls_.next_deadline());
      const Micros left = until - t;
      if (deadline - t <= 0) return std::nullopt;
      if (left <= options_.spin_usecs) continue;  // spin the last stretch
      fds.assign({{tun_, POLLIN, 0}});
      calls_.append_poll_fds(fds);
      const Micros sleep = left - options_.spin_usecs;
      timespec ts{static_cast<time_t>(sleep / kMicrosPerSecond), static_cast<long>(sleep % kMicrosPerSecond) * 1000};
      ::ppoll(fds.data(), fds.size(), &ts, nullptr);
      if (fds[1].revents & POLLIN) calls_.clear_wakeup();
    }
  }

  targets::CallOutcome call(const targets::SocketCall& c) override { return calls_.call(c); }

  Result<void> shell(std::string_view command) override { return run_shell(command); }

 private:
  // One packet from the TUN device, skipping what the kernel sends on its own (IPv6 neighbour
  // and router discovery, MLD, anything that is not TCP).
  std::optional<targets::Observation> read_tun() {
    std::array<std::uint8_t, 65536> buf;
    for (;;) {
      const ssize_t n = ::read(tun_, buf.data(), buf.size());
      if (n <= 0) return std::nullopt;
      const Micros t = now();
      std::span<const std::uint8_t> pkt(buf.data(), static_cast<std::size_t>(n));
      if (!is_tcp_packet(pkt)) continue;
      return observe_packet(pkt, t);
    }
  }

  int tun_;
  KernelOptions options_;
  std::string version_;
  SocketCalls calls_;
};

}  // namespace

Result<std::unique_ptr<targets::Target>> make_kernel_target(const targets::Network& network, const KernelOptions& options) {
  auto tun = create_tun(network);
  if (!tun) return tun.error();
  ::prctl(PR_SET_TIMERSLACK, 1UL);  // wake-ups as close to the deadline as the kernel allows
  ::signal(SIGPIPE, SIG_IGN);
  return std::unique_ptr<targets::Target>(new KernelTarget(*tun, options));
}

bool is_tcp_packet(std::span<const std::uint8_t> p) {
  if (p.empty()) return false;
  const int version = p[0] >> 4;
  if (version == 4) return p.size() >= 20 && p[9] == IPPROTO_TCP;
  if (version == 6) return p.size() >= 40 && p[6] == IPPROTO_TCP;
  return false;
}

targets::Observation observe_packet(std::span<const std::uint8_t> pkt, Micros time) {
  return targets::observation_of_packet(time, std::vector<std::uint8_t>(pkt.begin(), pkt.end()));
}

}  // namespace synack::kernel
