#include "targets/kernel/socket_calls.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>

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

// send(), or sendto() with the call's destination when it has one (TCP ignores a destination on a
// connected socket; on a listener Linux fails with EPIPE).
ssize_t send_bytes(const SocketCall& c, const std::uint8_t* data, std::size_t size, int flags) {
  if (!c.has_address) return ::send(c.fd, data, size, flags);
  socklen_t len = 0;
  auto ss = to_sockaddr(c.address, c.port, socket_domain(c.fd), len);
  return ::sendto(c.fd, data, size, flags, reinterpret_cast<const sockaddr*>(&ss), len);
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
      done(send_bytes(c, c.data.data(), c.data.size(), c.msg_flags | MSG_NOSIGNAL));
      break;
    case SysOp::Close: done(::close(c.fd)); break;
    case SysOp::Shutdown: done(::shutdown(c.fd, c.how)); break;
    case SysOp::SetSockOpt:
      if (c.level == SOL_SOCKET && c.optname == SO_LINGER) {
        linger l{static_cast<int>(c.int_value), static_cast<int>(c.linger_seconds)};
        done(::setsockopt(c.fd, c.level, c.optname, &l, sizeof l));
      } else if (c.level == IPPROTO_IP && c.optname == IP_OPTIONS) {
        // A byte buffer: the IPv4 options (a source route) of every datagram the socket sends.
        done(::setsockopt(c.fd, c.level, c.optname, c.data.data(), static_cast<socklen_t>(c.data.size())));
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
    const ssize_t n = send_bytes(c, c.data.data(), c.data.size(), c.msg_flags | MSG_DONTWAIT | MSG_NOSIGNAL);
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

// A call that has to wait for the network, completed by the target's own polling loop: when its
// descriptor becomes ready the rest runs without blocking, at that moment. (No helper thread, so
// a busy machine cannot delay the return by the time it takes to schedule one.)
struct PendingCall {
  targets::CallId id = 0;
  SocketCall call;
  Continuation k;
  short events = POLLIN;       // readiness that lets the call go on
  Micros poll_deadline = kNever;  // poll() with a timeout: returns 0 then
};

// One step of a waiting call; a result once it is complete.
std::optional<CallResult> step(PendingCall& w, Micros now) {
  const SocketCall& c = w.call;
  pollfd p{c.fd, w.events, 0};
  const bool ready = ::poll(&p, 1, 0) > 0;
  CallResult r;
  if (c.op == SysOp::Poll) {
    if (ready) { r.ret = 1; r.revents = p.revents; return r; }
    if (now >= w.poll_deadline) { r.ret = 0; return r; }
    return std::nullopt;
  }
  if (!ready) return std::nullopt;
  switch (c.op) {
    case SysOp::Accept: {
      const int fd = ::accept4(c.fd, nullptr, nullptr, 0);
      if (fd < 0 && errno == EAGAIN) return std::nullopt;
      r.ret = fd;
      r.err = fd < 0 ? errno : 0;
      return r;
    }
    case SysOp::Read: {
      r.data.resize(c.length);
      const ssize_t n = ::recv(c.fd, r.data.data(), c.length, (c.msg_flags & ~MSG_WAITALL) | MSG_DONTWAIT);
      if (n < 0 && errno == EAGAIN) return std::nullopt;
      r.ret = n;
      r.err = n < 0 ? errno : 0;
      r.data.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
      return r;
    }
    case SysOp::Connect: {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      r.ret = err ? -1 : 0;
      r.err = err;
      return r;
    }
    case SysOp::Write: {
      const ssize_t n = send_bytes(c, c.data.data() + w.k.sent, c.data.size() - w.k.sent,
                               c.msg_flags | MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0 && errno == EAGAIN) return std::nullopt;
      if (n < 0) {
        r.ret = w.k.sent ? static_cast<std::int64_t>(w.k.sent) : -1;
        r.err = w.k.sent ? 0 : errno;
        return r;
      }
      w.k.sent += static_cast<std::size_t>(n);
      if (w.k.sent < c.data.size()) return std::nullopt;
      r.ret = static_cast<std::int64_t>(w.k.sent);
      return r;
    }
    default:
      return execute_call(c);
  }
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

}  // namespace

// Calls finished on helper threads, shared with those threads (which may outlive the owner).
struct SocketCalls::Completions {
  std::mutex mu;
  std::deque<targets::Observation> list;
  int event = -1;  // eventfd that wakes the owner's poll; closed with the last owner
  ~Completions() { if (event >= 0) ::close(event); }
};

struct SocketCalls::WaitingCall : PendingCall {};

SocketCalls::SocketCalls() : start_(std::chrono::steady_clock::now()), done_(std::make_shared<Completions>()) {
  done_->event = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

SocketCalls::~SocketCalls() {
  // A call still blocked keeps only the shared completion list alive; it ends with the process.
  for (auto& t : threads_) if (t.joinable()) t.detach();
}

Micros SocketCalls::now() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_).count();
}

void SocketCalls::restart_clock() { start_ = std::chrono::steady_clock::now(); }

targets::CallOutcome SocketCalls::call(const SocketCall& c) {
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
  if (c.op == SysOp::Close) {
    // close() with a lingering timeout is the one call left that blocks inside the kernel.
    threads_.emplace_back([done = done_, start = start_, c, id] {
      CallResult r = execute_call(c);
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
    out.pending = true;
    out.id = id;
    return out;
  }
  WaitingCall w{{id, c, k, POLLIN, kNever}};
  if (c.op == SysOp::Connect || c.op == SysOp::Write) w.events = POLLOUT;
  if (c.op == SysOp::Poll) {
    w.events = c.poll_events;
    w.poll_deadline = c.poll_timeout_ms < 0 ? kNever : now() + Micros{c.poll_timeout_ms} * kMillis;
  }
  if (auto r = step(w, now())) {
    out.result = std::move(*r);
    return out;
  }
  waiting_.push_back(std::move(w));
  out.pending = true;
  out.id = id;
  return out;
}

std::optional<targets::Observation> SocketCalls::next_completion() {
  {
    std::lock_guard lock(done_->mu);
    if (!done_->list.empty()) {
      targets::Observation o = std::move(done_->list.front());
      done_->list.pop_front();
      return o;
    }
  }
  return step_waiting_calls();
}

// The first waiting call that can complete now, as a CallDone observation.
std::optional<targets::Observation> SocketCalls::step_waiting_calls() {
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    const Micros t = now();
    auto r = step(*it, t);
    if (!r) continue;
    targets::Observation o;
    o.kind = targets::Observation::Kind::CallDone;
    o.time = t;
    o.call = it->id;
    o.result = std::move(*r);
    waiting_.erase(it);
    return o;
  }
  return std::nullopt;
}

void SocketCalls::append_poll_fds(std::vector<pollfd>& fds) const {
  fds.push_back({done_->event, POLLIN, 0});
  for (const auto& w : waiting_) fds.push_back({w.call.fd, w.events, 0});
}

Micros SocketCalls::next_deadline() const {
  Micros until = kNever;
  for (const auto& w : waiting_) until = std::min(until, w.poll_deadline);
  return until;
}

void SocketCalls::clear_wakeup() {
  std::uint64_t v;
  (void)!::read(done_->event, &v, sizeof v);
}

Result<void> run_shell(std::string_view command) {
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

}  // namespace synack::kernel
