#include "targets/kernel/kernel_target.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "harness/net/codec.h"
#include "targets/kernel/netns.h"

namespace synack::kernel {
namespace {

using targets::CallResult;
using targets::SocketCall;
using targets::SysOp;

sockaddr_storage to_sockaddr(const net::IpAddress& a, std::uint16_t port, int domain, socklen_t& len) {
  sockaddr_storage ss{};
  if (domain == AF_INET6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    const net::IpAddress v6 = a.version == net::IpVersion::v4 ? a.mapped_v6() : a;
    std::memcpy(&s6->sin6_addr, v6.bytes.data(), 16);
    len = sizeof(sockaddr_in6);
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    std::memcpy(&s4->sin_addr, a.bytes.data(), 4);
    len = sizeof(sockaddr_in);
  }
  return ss;
}

void fill_tcp_info(int fd, CallResult& r) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(fd, SOL_TCP, TCP_INFO, &info, &len) != 0) {
    r.ret = -1;
    r.err = errno;
    return;
  }
  auto& m = r.tcp_info;
  m["tcpi_state"] = info.tcpi_state;
  m["tcpi_ca_state"] = info.tcpi_ca_state;
  m["tcpi_retransmits"] = info.tcpi_retransmits;
  m["tcpi_probes"] = info.tcpi_probes;
  m["tcpi_backoff"] = info.tcpi_backoff;
  m["tcpi_options"] = info.tcpi_options;
  m["tcpi_snd_wscale"] = info.tcpi_snd_wscale;
  m["tcpi_rcv_wscale"] = info.tcpi_rcv_wscale;
  m["tcpi_rto"] = info.tcpi_rto;
  m["tcpi_ato"] = info.tcpi_ato;
  m["tcpi_snd_mss"] = info.tcpi_snd_mss;
  m["tcpi_rcv_mss"] = info.tcpi_rcv_mss;
  m["tcpi_unacked"] = info.tcpi_unacked;
  m["tcpi_sacked"] = info.tcpi_sacked;
  m["tcpi_lost"] = info.tcpi_lost;
  m["tcpi_retrans"] = info.tcpi_retrans;
  m["tcpi_fackets"] = info.tcpi_fackets;
  m["tcpi_pmtu"] = info.tcpi_pmtu;
  m["tcpi_rcv_ssthresh"] = info.tcpi_rcv_ssthresh;
  m["tcpi_rtt"] = info.tcpi_rtt;
  m["tcpi_rttvar"] = info.tcpi_rttvar;
  m["tcpi_snd_ssthresh"] = info.tcpi_snd_ssthresh;
  m["tcpi_snd_cwnd"] = info.tcpi_snd_cwnd;
  m["tcpi_advmss"] = info.tcpi_advmss;
  m["tcpi_reordering"] = info.tcpi_reordering;
  m["tcpi_rcv_rtt"] = info.tcpi_rcv_rtt;
  m["tcpi_rcv_space"] = info.tcpi_rcv_space;
  m["tcpi_total_retrans"] = info.tcpi_total_retrans;
}

int socket_domain(int fd) {
  int domain = AF_INET;
  socklen_t len = sizeof domain;
  if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) return AF_INET;
  return domain;
}

// Executes one call on a real socket. Runs on whichever thread the caller chose.
CallResult execute_call(const SocketCall& c) {
  CallResult r;
  auto done = [&](long long ret) {
    r.ret = ret;
    if (ret < 0) r.err = errno;
  };
  switch (c.op) {
    case SysOp::Socket: done(::socket(c.domain, c.type, c.protocol)); break;
    case SysOp::Bind:
    case SysOp::Connect: {
      socklen_t len = 0;
      auto ss = to_sockaddr(c.address, c.port, socket_domain(c.fd), len);
      done(c.op == SysOp::Bind ? ::bind(c.fd, reinterpret_cast<sockaddr*>(&ss), len)
                               : ::connect(c.fd, reinterpret_cast<sockaddr*>(&ss), len));
      break;
    }
    case SysOp::Listen: done(::listen(c.fd, c.backlog)); break;
    case SysOp::Accept: done(::accept(c.fd, nullptr, nullptr)); break;
    case SysOp::Read: {
      r.data.resize(c.length);
      const ssize_t n = c.name == "read" || c.name == "readv" ? ::read(c.fd, r.data.data(), c.length)
                                                            : ::recv(c.fd, r.data.data(), c.length, c.msg_flags);
      done(n);
      r.data.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
      break;
    }
    case SysOp::Write:
      done(::send(c.fd, c.data.data(), c.data.size(), c.msg_flags | MSG_NOSIGNAL));
      break;
    case SysOp::Close: done(::close(c.fd)); break;
    case SysOp::Shutdown: done(::shutdown(c.fd, c.how)); break;
    case SysOp::SetSockOpt:
      if (c.level == SOL_SOCKET && c.optname == SO_LINGER) {
        linger l{static_cast<int>(c.int_value), static_cast<int>(c.linger_seconds)};
        done(::setsockopt(c.fd, c.level, c.optname, &l, sizeof l));
      } else {
        int v = static_cast<int>(c.int_value);
        done(::setsockopt(c.fd, c.level, c.optname, &v, sizeof v));
      }
      break;
    case SysOp::GetSockOpt:
      if (c.level == SOL_TCP && c.optname == TCP_INFO) {
        fill_tcp_info(c.fd, r);
      } else if (c.level == SOL_SOCKET && c.optname == SO_LINGER) {
        linger l{};
        socklen_t len = sizeof l;
        done(::getsockopt(c.fd, c.level, c.optname, &l, &len));
        r.int_value = l.l_onoff;
        r.linger_seconds = l.l_linger;
      } else {
        int v = 0;
        socklen_t len = sizeof v;
        done(::getsockopt(c.fd, c.level, c.optname, &v, &len));
        r.int_value = v;
      }
      break;
    case SysOp::Fcntl: done(::fcntl(c.fd, c.fcntl_cmd, c.fcntl_arg)); break;
    case SysOp::Poll: {
      pollfd p{c.fd, c.poll_events, 0};
      done(::poll(&p, 1, c.poll_timeout_ms));
      r.revents = p.revents;
      break;
    }
  }
  return r;
}

// A blocking call started inline that has to wait: connect() whose SYN is out, or write() that
// sent part of its data. The rest runs on a helper thread.
struct Continuation {
  enum class Kind { None, FinishConnect, FinishWrite } kind = Kind::None;
  std::size_t sent = 0;  // FinishWrite: bytes already sent inline
};

// Starts a call on a blocking socket without blocking; returns a result when it is complete.
std::optional<CallResult> start_inline(const SocketCall& c, Continuation& k) {
  if (c.op == SysOp::Connect) {
    const int fl = ::fcntl(c.fd, F_GETFL);
    ::fcntl(c.fd, F_SETFL, fl | O_NONBLOCK);
    socklen_t len = 0;
    auto ss = to_sockaddr(c.address, c.port, socket_domain(c.fd), len);
    const int rc = ::connect(c.fd, reinterpret_cast<sockaddr*>(&ss), len);
    const int err = errno;
    ::fcntl(c.fd, F_SETFL, fl);
    if (rc == 0 || err != EINPROGRESS) {
      CallResult r;
      r.ret = rc;
      r.err = rc == 0 ? 0 : err;
      return r;
    }
    k.kind = Continuation::Kind::FinishConnect;
    return std::nullopt;
  }
  if (c.op == SysOp::Write) {
    const ssize_t n = ::send(c.fd, c.data.data(), c.data.size(), c.msg_flags | MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(c.data.size()) || (n < 0 && errno != EAGAIN)) {
      CallResult r;
      r.ret = n;
      r.err = n < 0 ? errno : 0;
      return r;
    }
    k.kind = Continuation::Kind::FinishWrite;
    k.sent = n > 0 ? static_cast<std::size_t>(n) : 0;
    return std::nullopt;
  }
  return execute_call(c);
}

// The waiting half of a call started by start_inline, on a helper thread.
CallResult finish_blocking(const SocketCall& c, const Continuation& k) {
  if (k.kind == Continuation::Kind::FinishConnect) {
    pollfd p{c.fd, POLLOUT, 0};
    while (::poll(&p, 1, -1) < 0 && errno == EINTR) {}
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    CallResult r;
    r.ret = err ? -1 : 0;
    r.err = err;
    return r;
  }
  if (k.kind == Continuation::Kind::FinishWrite) {
    const ssize_t n = ::send(c.fd, c.data.data() + k.sent, c.data.size() - k.sent, c.msg_flags | MSG_NOSIGNAL);
    CallResult r;
    if (n < 0 && k.sent == 0) {
      r.ret = -1;
      r.err = errno;
    } else {
      r.ret = static_cast<std::int64_t>(k.sent) + (n > 0 ? n : 0);
    }
    return r;
  }
  return execute_call(c);
}

// Calls that cannot block now run inline; only those that may really wait for the network go to
// a helper thread (thread start-up under load would otherwise delay calls that return at once).
bool may_block(const SocketCall& c) {
  switch (c.op) {
    case SysOp::Socket: case SysOp::Bind: case SysOp::Listen: case SysOp::Shutdown:
    case SysOp::SetSockOpt: case SysOp::GetSockOpt: case SysOp::Fcntl:
      return false;
    case SysOp::Close: {
      linger l{};
      socklen_t len = sizeof l;
      return ::getsockopt(c.fd, SOL_SOCKET, SO_LINGER, &l, &len) == 0 && l.l_onoff && l.l_linger > 0;
    }
    case SysOp::Poll: {
      if (c.poll_timeout_ms == 0) return false;
      pollfd p{c.fd, c.poll_events, 0};
      return ::poll(&p, 1, 0) == 0;
    }
    default: break;
  }
  if (c.msg_flags & MSG_DONTWAIT) return false;
  const int fl = ::fcntl(c.fd, F_GETFL);
  if (fl < 0 || (fl & O_NONBLOCK)) return false;  // bad descriptor: the call fails at once
  if (c.op == SysOp::Read || c.op == SysOp::Accept) {
    // Readable (data, EOF, error or a pending connection): it returns at once.
    pollfd p{c.fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }
  return true;  // connect, and write on a blocking socket
}

class KernelTarget final : public targets::Target {
 public:
  KernelTarget(int tun, int event, const KernelOptions& o)
      : tun_(tun), event_(event), options_(o), done_(std::make_shared<Completions>()) {
    done_->event = event;
    start_ = std::chrono::steady_clock::now();
    utsname u{};
    if (::uname(&u) == 0) version_ = std::string(u.sysname) + " " + u.release;
  }
  ~KernelTarget() override {
    // A call still blocked keeps only the shared completion list alive; it ends with the process.
    for (auto& t : threads_) if (t.joinable()) t.detach();
    ::close(tun_);
  }

  targets::Capabilities capabilities() const override {
    return {"kernel", version_, false, true, true, true};
  }

  Micros now() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_).count();
  }

  void restart_clock() override { start_ = std::chrono::steady_clock::now(); }

  void inject(const net::Segment& segment) override {
    const auto bytes = net::encode(segment);
    // A full TUN queue or a vanished device is a harness failure the executor sees as silence.
    (void)!::write(tun_, bytes.data(), bytes.size());
  }

  std::optional<targets::Observation> wait(Micros deadline) override {
    for (;;) {
      if (auto o = take_completed()) return o;
      if (auto o = read_tun()) return o;
      const Micros left = deadline - now();
      if (left <= 0) return std::nullopt;
      if (left <= options_.spin_usecs) continue;  // spin the last stretch
      pollfd fds[2] = {{tun_, POLLIN, 0}, {event_, POLLIN, 0}};
      const Micros sleep = left - options_.spin_usecs;
      timespec ts{static_cast<time_t>(sleep / kMicrosPerSecond), static_cast<long>(sleep % kMicrosPerSecond) * 1000};
      ::ppoll(fds, 2, &ts, nullptr);
      if (fds[1].revents & POLLIN) {
        std::uint64_t v;
        (void)!::read(event_, &v, sizeof v);
      }
    }
  }

  targets::CallOutcome call(const SocketCall& c) override {
    targets::CallOutcome out;
    if (!may_block(c)) {
      out.result = execute_call(c);
      return out;
    }
    Continuation k;
    if (c.op == SysOp::Connect || c.op == SysOp::Write) {
      if (auto r = start_inline(c, k)) {
        out.result = std::move(*r);
        return out;
      }
    }
    const targets::CallId id = next_id_++;
    threads_.emplace_back([done = done_, start = start_, c, k, id] {
      CallResult r = finish_blocking(c, k);
      targets::Observation o;
      o.kind = targets::Observation::Kind::CallDone;
      o.time = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
      o.call = id;
      o.result = std::move(r);
      std::lock_guard lock(done->mu);
      done->list.push_back(std::move(o));
      std::uint64_t one = 1;
      (void)!::write(done->event, &one, sizeof one);
    });
    // Most calls return at once even on a blocking socket: wait briefly before calling it pending.
    const Micros until = now() + options_.inline_wait_usecs;
    while (now() < until) {
      {
        std::lock_guard lock(done_->mu);
        for (auto it = done_->list.begin(); it != done_->list.end(); ++it) {
          if (it->call != id) continue;
          out.result = std::move(it->result);
          done_->list.erase(it);
          return out;
        }
      }
      pollfd p{event_, POLLIN, 0};
      ::poll(&p, 1, 1);
    }
    out.pending = true;
    out.id = id;
    return out;
  }

  Result<void> shell(std::string_view command) override {
    const std::string cmd(command);
    const pid_t pid = ::fork();
    if (pid < 0) return make_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    if (WIFEXITED(status)) return make_error("exit status " + std::to_string(WEXITSTATUS(status)));
    return make_error("killed by signal " + std::to_string(WTERMSIG(status)));
  }

 private:
  std::optional<targets::Observation> take_completed() {
    std::lock_guard lock(done_->mu);
    if (done_->list.empty()) return std::nullopt;
    targets::Observation o = std::move(done_->list.front());
    done_->list.pop_front();
    return o;
  }

  // One packet from the TUN device, skipping what the kernel sends on its own (IPv6 neighbour
  // and router discovery, MLD, anything that is not TCP).
  std::optional<targets::Observation> read_tun() {
    std::array<std::uint8_t, 65536> buf;
    for (;;) {
      const ssize_t n = ::read(tun_, buf.data(), buf.size());
      if (n <= 0) return std::nullopt;
      const Micros t = now();
      std::span<const std::uint8_t> pkt(buf.data(), static_cast<std::size_t>(n));
      if (!is_tcp(pkt)) continue;
      targets::Observation o;
      o.time = t;
      o.wire.assign(pkt.begin(), pkt.end());
      auto seg = net::decode(pkt);
      if (seg) {
        o.kind = targets::Observation::Kind::Segment;
        o.segment = std::move(*seg);
      } else {
        o.kind = targets::Observation::Kind::Malformed;
        o.error = seg.error().message;
      }
      return o;
    }
  }

  static bool is_tcp(std::span<const std::uint8_t> p) {
    if (p.empty()) return false;
    const int version = p[0] >> 4;
    if (version == 4) return p.size() >= 20 && p[9] == IPPROTO_TCP;
    if (version == 6) return p.size() >= 40 && p[6] == IPPROTO_TCP;
    return false;
  }

  int tun_;
  int event_;
  KernelOptions options_;
  std::chrono::steady_clock::time_point start_;
  std::string version_ = "Linux";
  // Calls finished on helper threads, shared with those threads (which may outlive the target).
  struct Completions {
    std::mutex mu;
    std::deque<targets::Observation> list;
    int event = -1;  // eventfd that wakes wait(); owned here, closed with the last owner
    ~Completions() { if (event >= 0) ::close(event); }
  };
  std::shared_ptr<Completions> done_;
  std::vector<std::thread> threads_;
  targets::CallId next_id_ = 1;
};

}  // namespace

Result<std::unique_ptr<targets::Target>> make_kernel_target(const targets::Network& network, const KernelOptions& options) {
  auto tun = create_tun(network);
  if (!tun) return tun.error();
  const int event = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (event < 0) {
    ::close(*tun);
    return make_error(std::string("eventfd: ") + std::strerror(errno));
  }
  ::prctl(PR_SET_TIMERSLACK, 1UL);  // wake-ups as close to the deadline as the kernel allows
  ::signal(SIGPIPE, SIG_IGN);
  return std::unique_ptr<targets::Target>(new KernelTarget(*tun, event, options));
}

}  // namespace synack::kernel
