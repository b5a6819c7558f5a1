// The socket API: RFC 9293 §3.10.1-3.10.6 user calls (OPEN, SEND, RECEIVE, CLOSE, ABORT, STATUS)
// in their Linux clothes, non-blocking, returning -errno.
#include <algorithm>
#include <cerrno>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "targets/reference/socket.h"
#include "targets/reference/stack.h"

namespace synack::reference {

namespace {

bool is_unspecified(const net::IpAddress& a) {
  const std::size_t n = a.version == net::IpVersion::v4 ? 4 : 16;
  for (std::size_t i = 0; i < n; ++i) {
    if (a.bytes[i] != 0) return false;
  }
  return true;
}

}  // namespace

Stack::Socket* Stack::sock(int fd) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= sockets_.size()) return nullptr;
  return sockets_[static_cast<std::size_t>(fd)].get();
}

const Stack::Socket* Stack::sock(int fd) const {
  if (fd < 0 || static_cast<std::size_t>(fd) >= sockets_.size()) return nullptr;
  return sockets_[static_cast<std::size_t>(fd)].get();
}

bool Stack::is_open(int fd) const { return sock(fd) != nullptr; }

bool Stack::is_nonblocking(int fd) const {
  const Socket* s = sock(fd);
  return s && s->nonblocking;
}

int Stack::take_unconnected_error(int fd) {
  const auto it = unconnected_error_.find(fd);
  if (it == unconnected_error_.end()) return 0;
  const int e = it->second;
  unconnected_error_.erase(it);
  return e;
}

int Stack::alloc_fd() {
  // Lowest free descriptor, from 3 (0-2 are stdin, stdout, stderr).
  if (sockets_.size() < 3) sockets_.resize(3);
  for (std::size_t i = std::max<std::size_t>(fd_hint_, 3); i < sockets_.size(); ++i) {
    if (!sockets_[i]) {
      fd_hint_ = i + 1;  // the caller fills slot i
      return static_cast<int>(i);
    }
  }
  sockets_.emplace_back();
  fd_hint_ = sockets_.size();
  return static_cast<int>(sockets_.size() - 1);
}

void Stack::apply_options(Tcb& tcb, const Socket& s) {
  tcb.opts = s.opts;
  const bool v6 = tcb.local.addr.version == net::IpVersion::v6;
  std::uint32_t mss = v6 ? (cfg_.mss > 20 ? cfg_.mss - 20u : cfg_.mss) : cfg_.mss;
  if (s.opts.user_mss) mss = std::min<std::uint32_t>(mss, s.opts.user_mss);
  tcb.rcv_mss = static_cast<std::uint16_t>(mss);
  tcb.snd_mss = static_cast<std::uint16_t>(mss);
  tcb.cwnd = cfg_.initial_cwnd_segments * mss;
  tcb.ssthresh = 0x7fffffff;
  tcb.ts_offset = 0;
}

int Stack::socket(int domain, int type, int protocol) {
  if (domain != AF_INET && domain != AF_INET6) return -EAFNOSUPPORT;
  const int base_type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (base_type != SOCK_STREAM) return -EPROTONOSUPPORT;
  if (protocol != 0 && protocol != IPPROTO_TCP) return -EPROTONOSUPPORT;
  const int fd = alloc_fd();
  auto s = std::make_unique<Socket>();
  s->fd = fd;
  s->domain = domain;
  s->nonblocking = (type & SOCK_NONBLOCK) != 0;
  s->opts.send_buffer = cfg_.send_buffer;
  s->opts.receive_buffer = cfg_.receive_buffer;
  s->opts.keepalive_idle = cfg_.keepalive_idle;
  s->opts.keepalive_interval = cfg_.keepalive_interval;
  s->opts.keepalive_count = cfg_.keepalive_count;
  sockets_[static_cast<std::size_t>(fd)] = std::move(s);
  return fd;
}

bool Stack::port_released_on_close(const Tcb& tcb) const {
  // Linux (failed_connect_unbinds): a connection entering CLOSE gives back the port connect()
  // picked for it (tcp_set_state -> inet_put_port); the socket may be bound again.
  return cfg_.failed_connect_unbinds && tcb.port_auto_bound;
}

bool Stack::port_released(const Socket& s) const {
  return s.tcb && s.tcb->state == State::Closed && port_released_on_close(*s.tcb);
}

std::size_t Stack::dead_children(int fd) const {
  return static_cast<std::size_t>(std::count_if(dead_children_.begin(), dead_children_.end(),
                                                [&](const DeadChild& d) { return d.listener == fd; }));
}

bool Stack::fd_sees_closed(const Tcb* tcb) const {
  // Linux (time_wait_fd_reports_close): tcp_time_wait hands the pair to a timewait sock and
  // closes the socket itself (tcp_done), so its descriptor reports CLOSE.
  return tcb && cfg_.time_wait_fd_reports_close && tcb->state == State::TimeWait;
}

bool Stack::port_in_use(std::uint16_t port, const net::IpAddress& addr, bool reuse) const {
  const bool any = is_unspecified(addr);
  for (const auto& s : sockets_) {
    if (!s || !s->bound || s->local.port != port || port_released(*s)) continue;
    if (!any && !s->bound_any && s->local.addr != addr) continue;
    if (reuse && s->opts.reuseaddr && s->kind != Socket::Kind::Listening) continue;
    return true;
  }
  if (!reuse) {
    // A connection lingering in TIME-WAIT (or any orphan) still holds its port.
    for (const auto& t : conns_) {
      if (t->state != State::Closed && t->fd < 0 && t->listener < 0 && t->local.port == port) {
        return true;
      }
    }
  }
  return false;
}

std::uint16_t Stack::ephemeral_port(const net::IpAddress& remote_addr, std::uint16_t remote_port) {
  const std::uint32_t first = cfg_.ephemeral_port_first;
  const std::uint32_t last = std::max<std::uint32_t>(cfg_.ephemeral_port_last, first);
  const std::uint32_t span = last - first + 1;
  for (std::uint32_t i = 0; i < span; ++i) {
    const std::uint16_t p = next_port_;
    next_port_ = static_cast<std::uint16_t>(p >= last ? first : p + 1);
    if (p < first || p > last) continue;
    bool busy = false;
    for (const auto& s : sockets_) {
      if (s && s->bound && s->local.port == p && !port_released(*s)) busy = true;
    }
    for (const auto& t : conns_) {
      if (t->state != State::Closed && t->local.port == p && t->remote.port == remote_port &&
          t->remote.addr == remote_addr) {
        busy = true;
      }
    }
    if (!busy) return p;
  }
  return 0;
}

int Stack::bind(int fd, const net::IpAddress& addr, std::uint16_t port) {
  Socket* s = sock(fd);
  if (!s) return -EBADF;
  if (s->bound && port_released(*s)) {
    // The failed connection gave its port back: the socket is unbound and unconnected again.
    // (connect_reports_failure: Linux keeps sk_err and SS_CONNECTING for the next connect().)
    if (cfg_.connect_reports_failure && !s->tcb->passive) {
      connect_unreported_[fd] = true;
      if (s->tcb->error) unconnected_error_[fd] = s->tcb->error;
    }
    s->tcb->fd = -1;
    s->tcb = nullptr;
    s->bound = false;
    sweep_pending_ = true;
    sweep();
  }
  if (s->bound) return -EINVAL;
  const bool any = is_unspecified(addr);
  if (!any && !is_local(addr)) return -EADDRNOTAVAIL;
  if (port == 0) {
    port = ephemeral_port(addr, 0);
    if (port == 0) return -EADDRINUSE;
  } else if (port_in_use(port, addr, s->opts.reuseaddr)) {
    return -EADDRINUSE;
  }
  s->bound = true;
  s->bound_any = any;
  s->local = Endpoint{addr, port};
  s->kind = Socket::Kind::Bound;
  return 0;
}

int Stack::listen(int fd, int backlog) {
  Socket* s = sock(fd);
  if (!s) return -EBADF;
  if (s->kind == Socket::Kind::Connection) return -EINVAL;
  // connect_reports_failure: inet_listen wants SS_UNCONNECTED; a failed connect() not yet
  // reported by connect() leaves the socket SS_CONNECTING.
  if (connect_unreported_.count(fd)) return -EINVAL;
  if (!s->bound) {
    const std::uint16_t port = ephemeral_port(s->local.addr, 0);
    if (port == 0) return -EADDRINUSE;
    s->bound = true;
    s->local.port = port;
  }
  if (s->kind != Socket::Kind::Listening) {
    listening_fds_.insert(std::upper_bound(listening_fds_.begin(), listening_fds_.end(), fd), fd);
  }
  s->kind = Socket::Kind::Listening;
  s->backlog = std::clamp(backlog, 0, SOMAXCONN);
  return 0;
}

int Stack::accept(int fd, Endpoint* peer) {
  Socket* l = sock(fd);
  if (!l) return -EBADF;
  if (l->kind != Socket::Kind::Listening) return -EINVAL;
  Tcb* tcb = nullptr;
  // A connection that failed in the queue (reset_keeps_accept_queue) comes out in its turn.
  const auto dead = std::find_if(dead_children_.begin(), dead_children_.end(),
                                 [&](const DeadChild& d) { return d.listener == fd; });
  if (dead != dead_children_.end() && dead->ahead == 0) {
    tcb = dead->tcb;
    dead_children_.erase(dead);
  } else {
    if (l->accept_queue.empty()) return -EAGAIN;
    tcb = l->accept_queue.front();
    l->accept_queue.erase(l->accept_queue.begin());
    for (auto& d : dead_children_) {
      if (d.listener == fd) --d.ahead;
    }
  }
  const int nfd = alloc_fd();
  auto s = std::make_unique<Socket>();
  s->fd = nfd;
  s->domain = l->domain;
  s->kind = Socket::Kind::Connection;
  s->bound = true;
  s->bound_any = false;
  s->local = tcb->local;
  s->tcb = tcb;
  s->opts = tcb->opts;
  tcb->fd = nfd;
  tcb->listener = -1;
  if (peer) *peer = tcb->remote;
  sockets_[static_cast<std::size_t>(nfd)] = std::move(s);
  return nfd;
}

int Stack::connect(int fd, const net::IpAddress& addr, std::uint16_t port) {
  Socket* s = sock(fd);
  if (!s) return -EBADF;
  if (s->kind == Socket::Kind::Listening) return cfg_.connect_on_listener_eisconn ? -EISCONN : -EINVAL;
  if (connect_unreported_.erase(fd) > 0) {
    // Linux __inet_stream_connect, SS_CONNECTING in TCP_CLOSE: report the failure (sock_error,
    // else ECONNABORTED); the socket is unconnected and the next connect() starts afresh.
    const int e = take_unconnected_error(fd);
    return -(e ? e : ECONNABORTED);
  }
  if (s->tcb) {
    const State st = s->tcb->state;
    if (st == State::SynSent || st == State::SynReceived) return -EALREADY;
    if (st != State::Closed) return -EISCONN;
    if (cfg_.connect_reports_failure && !s->tcb->passive) {
      // As above: the failure is reported once; the descriptor is unconnected afterwards.
      const int e = s->tcb->error;
      s->tcb->error = 0;
      if (port_released(*s)) {
        s->bound = false;
        s->bound_any = true;
        s->local = Endpoint{};
      }
      s->tcb->fd = -1;
      s->tcb = nullptr;
      s->kind = s->bound ? Socket::Kind::Bound : Socket::Kind::Fresh;
      sweep_pending_ = true;
      sweep();
      trace(nullptr, "Linux connect() on SS_CONNECTING in CLOSE: the failure is reported, socket unconnected");
      return -(e ? e : ECONNABORTED);
    }
    // Linux: a socket whose connection failed or ended may connect again (on a fresh port if
    // the old one was given back).
    if (port_released(*s)) s->bound = false;
    s->tcb->fd = -1;
    s->tcb = nullptr;
    sweep_pending_ = true;
    sweep();
  }
  if (is_broadcast_or_multicast(addr)) {
    // RFC 9293 §3.9.1.1 (MUST-46): OPEN to a broadcast or multicast address is an error; nothing
    // is sent and the socket stays unconnected (Linux: ENETUNREACH from the route lookup).
    trace(nullptr, "RFC 9293 3.9.1.1 / RFC 1122 4.2.3.10: OPEN to a broadcast or multicast address refused");
    return -ENETUNREACH;
  }
  if (port == 0) return -ECONNREFUSED;
  // Our address: the bound one, else this host's address of the peer's IP version.
  net::IpAddress local_addr;
  if (s->bound && !s->bound_any) {
    local_addr = s->local.addr;
  } else {
    auto it = std::find_if(local_.begin(), local_.end(),
                           [&](const net::IpAddress& a) { return a.version == addr.version; });
    if (it == local_.end()) return -ENETUNREACH;
    local_addr = *it;
  }
  const bool auto_bound = !s->bound;
  if (auto_bound) {
    const std::uint16_t p = ephemeral_port(addr, port);
    if (p == 0) return -EADDRNOTAVAIL;
    s->bound = true;
    s->bound_any = false;
    s->local = Endpoint{local_addr, p};
  }
  // A connection is named by its 4-tuple, so another live connection with the same one (e.g. a
  // SYN-RECEIVED child on the port this socket is bound to) makes the connect fail, as on Linux.
  // (Found by the session fuzzer: two live TCBs shared one 4-tuple.)
  if (by_tuple_.count(FourTuple{Endpoint{local_addr, s->local.port}, Endpoint{addr, port}})) return -EADDRNOTAVAIL;
  unconnected_error_.erase(fd);  // Linux tcp_connect_init: sk_err = 0
  Tcb& tcb = new_tcb();
  tcb.local = Endpoint{local_addr, s->local.port};
  tcb.remote = Endpoint{addr, port};
  index_connection(tcb);
  tcb.fd = fd;
  tcb.port_auto_bound = auto_bound;
  apply_options(tcb, *s);
  tcb.offered_wscale = cfg_.window_scaling;
  tcb.offered_ts = cfg_.timestamps;
  tcb.offered_sack = cfg_.sack;
  tcb.rcv_shift = cfg_.window_scaling ? cfg_.window_shift : 0;
  tcb.ecn_offered = cfg_.ecn_active;  // RFC 3168 §6.1.1: an ECN-setup SYN asks for ECN
  tcb.iss = choose_isn(tcb.local, tcb.remote);
  tcb.snd_una = tcb.snd_nxt = tcb.snd_max = tcb.snd_up = tcb.snd_sml = tcb.iss;
  tcb.ecn_recover = tcb.iss;
  s->tcb = &tcb;
  s->kind = Socket::Kind::Connection;
  // OPEN (active): send <SEQ=ISS><CTL=SYN>, SND.UNA = ISS, SND.NXT = ISS+1, enter SYN-SENT.
  set_state(tcb, State::SynSent, "3.10.1 OPEN (active): send SYN, SYN-SENT");
  send_syn(tcb);
  return -EINPROGRESS;
}

int Stack::connect_status(int fd) const {
  const Socket* s = sock(fd);
  if (!s) return -EBADF;
  if (!s->tcb) return -ENOTCONN;
  const Tcb& t = *s->tcb;
  if (t.state == State::SynSent || t.state == State::SynReceived) return -EINPROGRESS;
  if (t.state == State::Closed) return -(t.error ? t.error : ECONNREFUSED);
  return 0;
}

std::int64_t Stack::read(int fd, std::size_t length, int msg_flags, std::vector<std::uint8_t>& out) {
  Socket* s = sock(fd);
  if (!s) return -EBADF;
  Tcb* t = s->tcb;
  if (!t) {
    if (const int e = take_unconnected_error(fd)) return -e;
    return -ENOTCONN;  // unconnected or listening
  }
  if (!t->recv_buf.empty() && length > 0) {
    std::size_t n = std::min(length, t->recv_buf.size());
    std::size_t skip = 0;
    if (cfg_.urgent_oob_byte && t->urg_seen) {
      // Linux (tcp_recvmsg_locked, tcp_urg): the byte before the urgent pointer is the urgent
      // byte (urg_seq). A read never crosses it once it copied something; without SO_OOBINLINE a
      // read that starts there skips it (it is for MSG_OOB only) and goes on after it.
      const std::uint32_t read_seq = t->rcv_nxt - static_cast<std::uint32_t>(t->recv_buf.size());
      const std::uint32_t mark = t->rcv_up - 1;
      if (net::seq_ge(mark, read_seq) && net::seq_lt(mark, t->rcv_nxt)) {
        const std::size_t offset = mark - read_seq;
        if (offset > 0) {
          n = std::min(n, offset);
        } else if (!t->opts.oobinline) {
          skip = 1;
          n = std::min(length, t->recv_buf.size() - 1);
          trace(t, "Linux tcp_recvmsg: urgent byte taken out of the stream (no SO_OOBINLINE)");
        }
      }
    }
    t->recv_buf.copy_to(skip, n, out);
    if (!(msg_flags & MSG_PEEK)) {
      t->recv_buf.consume(skip + n);
      t->bytes_read += skip + n;
      // RFC 9293 §3.8.6.2.2 / RFC 1122 §4.2.3.3: announce a window that opened by enough.
      if (is_synchronized(t->state) && t->state != State::TimeWait) {
        const std::uint32_t cur = t->rcv_wnd();
        std::uint32_t held = static_cast<std::uint32_t>(t->recv_buf.size());
        for (const auto& e : t->ooo) held += static_cast<std::uint32_t>(e.data.size());
        const std::uint32_t space = std::min(
            t->opts.receive_buffer > held ? t->opts.receive_buffer - held : 0u,
            std::min(65535u << t->rcv_shift, t->rcv_ssthresh));
        const std::uint32_t step = std::min<std::uint32_t>(t->opts.receive_buffer / 2, t->rcv_mss);
        if (!t->fin_received && space >= cur + step && (cur == 0 || space >= 2 * cur)) {
          trace(t, "3.8.6.2.2: receive window opened after read, send window update");
          send_ack(*t);
        }
      }
    }
    // Only a skipped urgent byte was there: the read goes on as on an empty buffer.
    if (n > 0) return static_cast<std::int64_t>(n);
  }
  if (length == 0) return 0;
  // Linux (tcp_recvmsg_locked) looks at a received FIN (SOCK_DONE) before the pending error, so
  // after a RST in CLOSE-WAIT recv() returns 0 and the error waits for send().
  if (cfg_.close_wait_reset_epipe && t->fin_received) return 0;
  if (t->error) {
    const int e = t->error;
    t->error = 0;
    return -e;
  }
  if (t->fin_received || s->shut_rd || t->state == State::Closed) return 0;
  return -EAGAIN;
}

std::int64_t Stack::write(int fd, std::span<const std::uint8_t> data, int /*msg_flags*/) {
  Socket* s = sock(fd);
  if (!s) return -EBADF;
  Tcb* t = s->tcb;
  if (!t) {
    if (const int e = take_unconnected_error(fd)) return -e;
    return -EPIPE;  // Linux: write on an unconnected TCP socket
  }
  if (t->error) {
    const int e = t->error;
    t->error = 0;
    return -e;
  }
  const bool opening = t->state == State::SynSent || t->state == State::SynReceived;
  // Linux (tcp_sendmsg_locked -> sk_stream_wait_connect) waits for the handshake before it looks
  // at SEND_SHUTDOWN: a shutdown(SHUT_WR) deferred in SYN-RECEIVED still gives EAGAIN here.
  if (opening && cfg_.shutdown_in_syn_received_deferred) return -EAGAIN;
  if (t->fin_queued || s->shut_wr || t->state == State::Closed) return -EPIPE;
  if (opening) return -EAGAIN;
  if (t->state != State::Established && t->state != State::CloseWait) return -EPIPE;
  if (data.empty()) return 0;
  const std::size_t queued = t->send_buf.size();
  const std::size_t room = t->opts.send_buffer > queued ? t->opts.send_buffer - queued : 0;
  if (room == 0) return -EAGAIN;
  const std::size_t n = std::min(room, data.size());
  append_written(*t, data.first(n));
  output(*t);
  return static_cast<std::int64_t>(n);
}

std::int64_t Stack::send_to(int fd, std::span<const std::uint8_t> data, int msg_flags,
                            const net::IpAddress& addr, std::uint16_t port) {
  Socket* s = sock(fd);
  if (!s) return -EBADF;
  if (s->kind != Socket::Kind::Listening) return write(fd, data, msg_flags);
  if (!cfg_.send_on_listen_opens) return -EPIPE;
  // RFC 9293 §3.10.2 SEND, LISTEN STATE: with the remote socket given, change the connection
  // from passive to active: select an ISS, send a SYN, enter SYN-SENT; the data waits for
  // ESTABLISHED. Connections the listener had not handed out yet go, as when it closes.
  trace(nullptr, "3.10.2 SEND in LISTEN: the connection turns active");
  close_listener(*s);
  s->kind = Socket::Kind::Bound;
  const int r = connect(fd, addr, port);
  if (r != -EINPROGRESS) return r;
  Tcb* t = s->tcb;
  const std::size_t n = std::min<std::size_t>(data.size(), t->opts.send_buffer);
  append_written(*t, data.first(n));
  return static_cast<std::int64_t>(n);
}

void Stack::append_written(Tcb& tcb, std::span<const std::uint8_t> data) {
  const std::uint32_t end_before = tcb.data_seq() + static_cast<std::uint32_t>(tcb.send_buf.size());
  tcb.send_buf.append(data);
  if (cfg_.psh_at_write_end) {
    mark_push(tcb, end_before, end_before + static_cast<std::uint32_t>(data.size()));
  }
}

void Stack::close_listener(Socket& s) {
  // Connections not yet accepted die with the listener: established ones are reset.
  for (auto& t : conns_) {
    if (t->listener != s.fd) continue;
    if (t->state != State::SynReceived && t->state != State::Closed) send_rst(*t);
    terminate(*t, 0, "listener closed: queued connection dropped");
  }
  s.accept_queue.clear();
  listening_fds_.erase(std::remove(listening_fds_.begin(), listening_fds_.end(), s.fd),
                       listening_fds_.end());
}

int Stack::close(int fd) {
  Socket* s = sock(fd);
  if (!s) return -EBADF;
  unconnected_error_.erase(fd);
  connect_unreported_.erase(fd);
  if (s->kind == Socket::Kind::Listening) close_listener(*s);
  if (Tcb* t = s->tcb) {
    t->fd = -1;
    t->user_closed = true;
    const bool unread = !t->recv_buf.empty();
    const bool abort = t->opts.linger && t->opts.linger_seconds == 0;
    switch (t->state) {
      case State::SynSent:
        terminate(*t, 0, "3.10.4 CLOSE in SYN-SENT: delete the TCB");
        break;
      case State::SynReceived:
      case State::Established:
      case State::CloseWait:
        if (unread || abort) {
          // RFC 9293 §3.10.4 / RFC 1122 §4.2.2.13: data the user never read is lost: RST.
          trace(t, unread ? "RFC 1122 4.2.2.13: close with unread data, send RST"
                          : "SO_LINGER 0: close aborts, send RST");
          send_rst(*t);
          terminate(*t, 0, "3.10.5 ABORT: CLOSED");
          break;
        }
        if (!t->fin_queued) {
          t->fin_queued = true;
          t->fin_seq = t->data_seq() + static_cast<std::uint32_t>(t->send_buf.size());
        }
        if (t->state == State::CloseWait) {
          set_state(*t, State::LastAck, "3.10.4 CLOSE in CLOSE-WAIT: send FIN, LAST-ACK");
        } else if (t->state == State::Established) {
          set_state(*t, State::FinWait1, "3.10.4 CLOSE in ESTABLISHED: send FIN, FIN-WAIT-1");
        } else {
          set_state(*t, State::FinWait1, "3.10.4 CLOSE in SYN-RECEIVED: FIN, FIN-WAIT-1");
        }
        output(*t);
        break;
      case State::FinWait2:
        if (cfg_.fin_wait2_timeout > 0) t->close_at = now_ + cfg_.fin_wait2_timeout;
        [[fallthrough]];
      default:
        if (!abort || t->state == State::Closed) break;
        // RFC 9293 §3.10.5 ABORT: FIN-WAIT-1/2 send a reset; CLOSING, LAST-ACK and TIME-WAIT
        // only delete the TCB (no reset: the peer has closed its side already).
        if (t->state == State::FinWait1 || t->state == State::FinWait2) {
          send_rst(*t);
          terminate(*t, 0, "3.10.5 ABORT in FIN-WAIT: send RST, CLOSED");
        } else if (t->state != State::TimeWait) {
          terminate(*t, 0, "3.10.5 ABORT in CLOSING/LAST-ACK: delete the TCB");
        } else if (cfg_.abort_deletes_time_wait) {
          terminate(*t, 0, "3.10.5 ABORT in TIME-WAIT: delete the TCB");
        }
        break;
    }
  }
  sockets_[static_cast<std::size_t>(fd)].reset();
  fd_hint_ = std::min(fd_hint_, static_cast<std::size_t>(fd));
  sweep_pending_ = true;
  sweep();
  return 0;
}

int Stack::shutdown(int fd, int how) {
  Socket* s = sock(fd);
  if (!s) return -EBADF;
  if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) return -EINVAL;
  if (s->kind == Socket::Kind::Listening && cfg_.listener_shutdown_closes) {
    // Linux: reading is all a listener does, so only SHUT_RD has an effect: it stops listening.
    if (how != SHUT_WR) {
      close_listener(*s);
      s->kind = Socket::Kind::Bound;
    }
    return 0;
  }
  Tcb* t = s->tcb;
  if (t && t->state == State::SynSent && cfg_.shutdown_in_syn_sent_disconnects) {
    // Linux (inet_shutdown -> tcp_disconnect), for any `how`: the connection attempt is deleted
    // without a segment, as RFC 9293 §3.10.4 CLOSE in SYN-SENT, and the socket is unconnected
    // again (connect() may be called anew).
    const bool release = port_released_on_close(*t);
    terminate(*t, 0, "shutdown in SYN-SENT (Linux tcp_disconnect): delete the TCB");
    unconnected_error_[fd] = ECONNRESET;  // tcp_disconnect: sk_err = ECONNRESET in SYN-SENT
    t->fd = -1;
    s->tcb = nullptr;
    if (release) {
      s->bound = false;
      s->bound_any = true;
      s->local = Endpoint{};
    }
    s->kind = s->bound ? Socket::Kind::Bound : Socket::Kind::Fresh;
    sweep_pending_ = true;
    sweep();
    return 0;
  }
  // Linux (time_wait_fd_reports_close): a descriptor whose connection went to TIME-WAIT sees
  // CLOSE, and inet_shutdown answers ENOTCONN there.
  if (!t || t->state == State::SynSent || t->state == State::Closed || fd_sees_closed(t)) return -ENOTCONN;
  if (how == SHUT_RD || how == SHUT_RDWR) {
    s->shut_rd = true;
    t->read_shutdown = true;
  }
  if ((how == SHUT_WR || how == SHUT_RDWR) && !s->shut_wr) {
    s->shut_wr = true;
    if (t->state == State::SynReceived && cfg_.shutdown_in_syn_received_deferred) {
      // Linux's tcp_shutdown sends a FIN only in ESTABLISHED, SYN-SENT and CLOSE-WAIT: here the
      // send side is only marked shut; the FIN waits for close().
      trace(t, "shutdown in SYN-RECEIVED (Linux tcp_shutdown): no FIN, state kept");
      return 0;
    }
    if (!t->fin_queued && (t->state == State::Established || t->state == State::CloseWait ||
                           t->state == State::SynReceived)) {
      t->fin_queued = true;
      t->fin_seq = t->data_seq() + static_cast<std::uint32_t>(t->send_buf.size());
      if (t->state == State::CloseWait) {
        set_state(*t, State::LastAck, "3.10.4 CLOSE (shutdown SHUT_WR) in CLOSE-WAIT, LAST-ACK");
      } else {
        set_state(*t, State::FinWait1, "3.10.4 CLOSE (shutdown SHUT_WR): send FIN, FIN-WAIT-1");
      }
      output(*t);
    }
  }
  return 0;
}

}  // namespace synack::reference
