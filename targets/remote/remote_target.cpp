#include "targets/remote/remote_target.h"

#include <linux/if_packet.h>
#include <netinet/in.h>
#include <net/ethernet.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <optional>
#include <utility>

#include "harness/net/codec.h"
#include "targets/kernel/kernel_target.h"
#include "targets/remote/protocol.h"

namespace synack::remote {
namespace {

// How long a request may take before the agent counts as gone (a shell line may run a while).
constexpr int kReplyTimeoutMs = 120'000;

class RemoteTarget final : public targets::Target {
 public:
  RemoteTarget(Link link, const RemoteOptions& options) : link_(std::move(link)), options_(options) {
    ::fcntl(link_.control_fd, F_SETFL, ::fcntl(link_.control_fd, F_GETFL) | O_NONBLOCK);
    note_control_connection();
    start_ = std::chrono::steady_clock::now();
  }
  ~RemoteTarget() override { close_link(link_); }

  targets::Capabilities capabilities() const override {
    return {"remote", link_.version, false, true, true, true};
  }

  Micros now() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_).count();
  }
  void restart_clock() override { start_ = std::chrono::steady_clock::now(); }

  // A send that fails is a harness failure the executor sees as silence, as on the kernel target.
  void inject(const net::Segment& segment) override { (void)send_datagram(net::encode(segment)); }

  Result<void> inject_icmp(const net::IcmpMessage& message) override { return send_datagram(net::encode_icmp(message)); }

  std::optional<targets::Observation> wait(Micros deadline) override {
    for (;;) {
      if (!completions_.empty()) return take_completion();
      if (auto o = read_packet()) return o;
      read_control();
      if (!completions_.empty()) return take_completion();
      const Micros left = deadline - now();
      if (left <= 0) return std::nullopt;
      if (left <= options_.spin_usecs) continue;  // spin the last stretch
      std::array<pollfd, 2> fds{{{link_.packet_fd, POLLIN, 0}, {link_.control_fd, POLLIN, 0}}};
      const Micros sleep = left - options_.spin_usecs;
      timespec ts{static_cast<time_t>(sleep / kMicrosPerSecond), static_cast<long>(sleep % kMicrosPerSecond) * 1000};
      ::ppoll(fds.data(), fds.size(), &ts, nullptr);
    }
  }

  targets::CallOutcome call(const targets::SocketCall& c) override {
    targets::CallOutcome out;
    auto reply = request(Json{{"type", "call"}, {"call", to_json(c)}}, "outcome");
    if (!reply) {
      // The agent is gone: the call fails visibly (EIO is what no socket call returns here).
      out.result.ret = -1;
      out.result.err = EIO;
      return out;
    }
    out.pending = reply->value("pending", false);
    out.id = reply->value("id", targets::CallId{0});
    if (auto r = result_from_json(reply->value("result", Json::object()))) out.result = std::move(*r);
    return out;
  }

  Result<void> shell(std::string_view command) override {
    auto reply = request(Json{{"type", "shell"}, {"command", std::string(command)}}, "shell_done");
    if (!reply) return reply.error();
    const std::string error = reply->value("error", "");
    if (!error.empty()) return make_error(error);
    return {};
  }

 private:
  Result<void> send_datagram(const std::vector<std::uint8_t>& bytes) {
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = link_.ifindex;
    to.sll_protocol = htons(!bytes.empty() && bytes[0] >> 4 == 6 ? ETH_P_IPV6 : ETH_P_IP);
    to.sll_halen = 6;
    std::memcpy(to.sll_addr, link_.target_mac.data(), 6);
    if (::sendto(link_.packet_fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0)
      return make_error(std::string("sending on the injector's interface failed: ") + std::strerror(errno));
    return {};
  }

  // One TCP datagram the stack sent; frames this host sent itself (PACKET_OUTGOING: the injected
  // segments) and anything that is not TCP over IP (ARP, neighbour discovery) are skipped.
  std::optional<targets::Observation> read_packet() {
    std::array<std::uint8_t, 65536> buf;
    for (;;) {
      sockaddr_ll from{};
      socklen_t len = sizeof from;
      const ssize_t n = ::recvfrom(link_.packet_fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) return std::nullopt;
      const Micros t = now();
      if (from.sll_pkttype == PACKET_OUTGOING) continue;
      std::span<const std::uint8_t> pkt(buf.data(), static_cast<std::size_t>(n));
      if (!kernel::is_tcp_packet(pkt)) continue;
      targets::Observation o = kernel::observe_packet(pkt, t);
      if (o.kind == targets::Observation::Kind::Segment && is_control_segment(o.segment)) continue;
      return o;
    }
  }

  // A TCP control connection to an agent on the same link carries segments of its own; they are
  // not the stack's answers to the script.
  void note_control_connection() {
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    if (::getsockname(link_.control_fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
        ::getpeername(link_.control_fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0)
      return;
    auto endpoint = [](const sockaddr_storage& ss) -> std::optional<std::pair<net::IpAddress, std::uint16_t>> {
      net::IpAddress a;
      if (ss.ss_family == AF_INET) {
        const auto* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
        std::memcpy(a.bytes.data(), &s4->sin_addr, 4);
        return std::pair{a, ntohs(s4->sin_port)};
      }
      if (ss.ss_family == AF_INET6) {
        const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
        a.version = net::IpVersion::v6;
        std::memcpy(a.bytes.data(), &s6->sin6_addr, 16);
        return std::pair{a, ntohs(s6->sin6_port)};
      }
      return std::nullopt;  // a socketpair: nothing on the link
    };
    control_local_ = endpoint(local);
    control_peer_ = endpoint(peer);
  }

  bool is_control_segment(const net::Segment& s) const {
    return control_local_ && control_peer_ && s.src == control_peer_->first && s.sport == control_peer_->second &&
           s.dst == control_local_->first && s.dport == control_local_->second;
  }

  // Takes the messages that have arrived; "done" messages become CallDone observations, stamped
  // when they arrive (the agent's clock may be another machine's).
  void read_control() {
    if (!reader_.read_from(link_.control_fd)) agent_gone_ = true;
    while (auto m = reader_.next()) {
      if (m->value("type", "") == "done") {
        targets::Observation o;
        o.kind = targets::Observation::Kind::CallDone;
        o.time = now();
        o.call = m->value("id", targets::CallId{0});
        if (auto r = result_from_json(m->value("result", Json::object()))) o.result = std::move(*r);
        completions_.push_back(std::move(o));
      } else {
        replies_.push_back(std::move(*m));
      }
    }
  }

  targets::Observation take_completion() {
    targets::Observation o = std::move(completions_.front());
    completions_.pop_front();
    return o;
  }

  // Sends a request and waits for its reply (of type `reply_type`).
  Result<Json> request(const Json& message, const std::string& reply_type) {
    if (agent_gone_) return make_error("the agent has gone away");
    if (auto r = send_message(link_.control_fd, message); !r) return r.error();
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(kReplyTimeoutMs);
    for (;;) {
      read_control();
      if (!replies_.empty()) {
        Json reply = std::move(replies_.front());
        replies_.pop_front();
        if (reply.value("type", "") != reply_type) return make_error("unexpected agent reply " + reply.dump());
        return reply;
      }
      if (agent_gone_) return make_error("the agent has gone away");
      if (std::chrono::steady_clock::now() > give_up) return make_error("the agent did not answer");
      pollfd p{link_.control_fd, POLLIN, 0};
      ::poll(&p, 1, 100);
    }
  }

  Link link_;
  RemoteOptions options_;
  std::chrono::steady_clock::time_point start_;
  MessageReader reader_;
  std::deque<Json> replies_;
  std::deque<targets::Observation> completions_;
  bool agent_gone_ = false;
  std::optional<std::pair<net::IpAddress, std::uint16_t>> control_local_, control_peer_;  // TCP control only
};

}  // namespace

std::unique_ptr<targets::Target> make_remote_target(Link link, const RemoteOptions& options) {
  ::prctl(PR_SET_TIMERSLACK, 1UL);  // wake-ups as close to the deadline as the kernel allows
  ::signal(SIGPIPE, SIG_IGN);
  return std::make_unique<RemoteTarget>(std::move(link), options);
}

Result<std::unique_ptr<targets::Target>> make_veth_target(const targets::Network& network) {
  auto link = create_veth_testbed(network);
  if (!link) return link.error();
  return std::unique_ptr<targets::Target>(make_remote_target(std::move(*link)));
}

}  // namespace synack::remote
