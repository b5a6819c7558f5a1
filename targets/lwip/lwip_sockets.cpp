#include "targets/lwip/lwip_sockets.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "targets/lwip/lwip_headers.h"

namespace synack::lwip {
namespace {

// lwIP's err_t as the errno its socket layer reports (err_to_errno in sockets.c), for the
// errors the raw API returns from calls.
int errno_of(err_t err) {
  switch (err) {
    case ERR_OK: return 0;
    case ERR_MEM: case ERR_BUF: return ENOBUFS;
    case ERR_TIMEOUT: return ETIMEDOUT;
    case ERR_RTE: return EHOSTUNREACH;
    case ERR_INPROGRESS: return EINPROGRESS;
    case ERR_VAL: case ERR_ARG: return EINVAL;
    case ERR_WOULDBLOCK: return EWOULDBLOCK;
    case ERR_USE: return EADDRINUSE;
    case ERR_ALREADY: return EALREADY;
    case ERR_ISCONN: return EISCONN;
    case ERR_CONN: return ENOTCONN;
    case ERR_ABRT: return ECONNABORTED;
    case ERR_RST: return ECONNRESET;
    case ERR_CLSD: return ENOTCONN;
    default: return EIO;
  }
}

bool is_v4_mapped(const net::IpAddress& a) {
  if (a.version != net::IpVersion::v6) return false;
  for (int i = 0; i < 10; ++i) {
    if (a.bytes[i] != 0) return false;
  }
  return a.bytes[10] == 0xff && a.bytes[11] == 0xff;
}

bool is_wildcard(const net::IpAddress& a) {
  return std::all_of(a.bytes.begin(), a.bytes.end(), [](std::uint8_t b) { return b == 0; });
}

// An address as lwIP takes it. IPv4-mapped IPv6 addresses are unmapped, as lwIP's dual-stack
// sockets do (lwip_bind, lwip_connect).
ip_addr_t to_ip_addr(const net::IpAddress& a) {
  ip_addr_t out;
  if (a.version == net::IpVersion::v4 || is_v4_mapped(a)) {
    const std::size_t o = a.version == net::IpVersion::v4 ? 0 : 12;
    IP_ADDR4(&out, a.bytes[o], a.bytes[o + 1], a.bytes[o + 2], a.bytes[o + 3]);
    return out;
  }
  ip_addr_set_zero_ip6(&out);
  std::memcpy(ip_2_ip6(&out)->addr, a.bytes.data(), 16);
  ip6_addr_clear_zone(ip_2_ip6(&out));
  return out;
}

bool listed(struct tcp_pcb* list, const struct tcp_pcb* pcb) {
  for (; list; list = list->next) {
    if (list == pcb) return true;
  }
  return false;
}

}  // namespace

SocketTable::~SocketTable() {
  // The stack (LwipStack) aborts what is left; here only the callbacks that point at us go.
  for (auto& s : all_) {
    if (!s->pcb) continue;
    if (s->listening) {
      tcp_arg(s->pcb, nullptr);
      tcp_accept(s->pcb, nullptr);
    } else if (struct tcp_pcb* p = live_pcb(s.get())) {
      tcp_arg(p, nullptr);
      tcp_recv(p, nullptr);
      tcp_err(p, nullptr);
      // A pcb that was never bound or connected is in none of lwIP's lists: free it here.
      if (!s->bound && !s->connecting && !s->connected) tcp_close(p);
    }
  }
}

Socket* SocketTable::lookup(int fd) const {
  auto it = fds_.find(fd);
  return it == fds_.end() ? nullptr : it->second;
}

bool SocketTable::is_nonblocking(int fd) const {
  const Socket* s = lookup(fd);
  return s && s->nonblocking;
}

Socket* SocketTable::create(int domain) {
  all_.push_back(std::make_unique<Socket>());
  all_.back()->domain = domain;
  all_.back()->table = this;
  return all_.back().get();
}

int SocketTable::allocate_fd() {
  int fd = 3;
  while (fds_.count(fd)) ++fd;
  return fd;
}

struct tcp_pcb* SocketTable::live_pcb(Socket* s) const {
  if (!s->pcb) return nullptr;
  // A pcb that was never bound or connected is in no list, and only we can free it.
  if (!s->bound && !s->connecting && !s->connected && !s->listening) return s->pcb;
  const bool found = listed(tcp_active_pcbs, s->pcb) || listed(tcp_tw_pcbs, s->pcb) ||
                     listed(tcp_bound_pcbs, s->pcb) || listed(tcp_listen_pcbs.pcbs, s->pcb);
  if (found && s->pcb->callback_arg == s) return s->pcb;
  // lwIP ends TIME-WAIT (and a few orderly closes) without a callback: the connection is gone.
  s->pcb = nullptr;
  s->gone = true;
  return nullptr;
}

int SocketTable::take_error(Socket* s) { return std::exchange(s->error, 0); }

void SocketTable::attach(Socket* s, struct tcp_pcb* pcb) {
  s->pcb = pcb;
  tcp_arg(pcb, s);
  tcp_recv(pcb, &SocketTable::on_recv);
  tcp_err(pcb, &SocketTable::on_error);
}

// ---------------------------------------------------------------------------------------------
// Callbacks from lwIP

err_t SocketTable::on_accept(void* arg, struct tcp_pcb* pcb, err_t err) {
  auto* listener = static_cast<Socket*>(arg);
  // Refusing makes lwIP abort the new connection (a listener closed meanwhile).
  if (!listener || !listener->listening || err != ERR_OK || !pcb) return ERR_VAL;
  Socket* c = listener->table->create(listener->domain);
  c->connected = true;
  c->table->attach(c, pcb);
  listener->accept_queue.push_back(c);
  return ERR_OK;
}

err_t SocketTable::on_connected(void* arg, struct tcp_pcb*, err_t) {
  if (auto* s = static_cast<Socket*>(arg)) {
    s->connecting = false;
    s->connected = true;
  }
  return ERR_OK;
}

err_t SocketTable::on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t) {
  auto* s = static_cast<Socket*>(arg);
  if (!s) return tcp_recv_null(nullptr, pcb, p, ERR_OK);
  if (!p) {
    s->fin_received = true;
    return ERR_OK;
  }
  const std::size_t at = s->received.size();
  s->received.resize(at + p->tot_len);
  pbuf_copy_partial(p, s->received.data() + at, p->tot_len, 0);
  pbuf_free(p);
  return ERR_OK;
}

// lwIP has freed the pcb by now. The error is what a socket layer reports for it.
void SocketTable::on_error(void* arg, err_t err) {
  auto* s = static_cast<Socket*>(arg);
  if (!s) return;
  switch (err) {
    case ERR_RST:
      // A reset in SYN-SENT refuses the connection; later it resets it.
      s->error = s->connected ? ECONNRESET : ECONNREFUSED;
      break;
    case ERR_ABRT:
      // lwIP aborts a connection on its own only in tcp_slowtmr, when its retransmissions (or
      // keep-alive probes) are exhausted; our own aborts clear this callback first. lwIP's socket
      // layer would say ECONNABORTED; the socket API's word for this is ETIMEDOUT.
      s->error = ETIMEDOUT;
      break;
    case ERR_CLSD:
      break;  // an orderly end (LAST-ACK acknowledged): nothing to report
    default:
      s->error = errno_of(err);
      break;
  }
  s->pcb = nullptr;
  s->gone = true;
  s->connecting = false;
}

// ---------------------------------------------------------------------------------------------
// Calls

int SocketTable::socket(int domain, int type, int protocol) {
  if (domain != AF_INET && domain != AF_INET6) return -EAFNOSUPPORT;
  if ((type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != SOCK_STREAM) return -ESOCKTNOSUPPORT;
  if (protocol != 0 && protocol != IPPROTO_TCP) return -EPROTONOSUPPORT;
  // An AF_INET6 socket is dual-stack, as lwIP's are unless IPV6_V6ONLY is set.
  struct tcp_pcb* pcb = tcp_new_ip_type(domain == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);
  if (!pcb) return -ENOBUFS;
  Socket* s = create(domain);
  s->nonblocking = (type & SOCK_NONBLOCK) != 0;
  attach(s, pcb);
  const int fd = allocate_fd();
  fds_[fd] = s;
  return fd;
}

int SocketTable::bind(int fd, const net::IpAddress& address, std::uint16_t port) {
  Socket* s = lookup(fd);
  if (!s) return -EBADF;
  struct tcp_pcb* pcb = live_pcb(s);
  if (!pcb || s->bound || s->connecting || s->connected || s->listening) return -EINVAL;
  ip_addr_t addr = to_ip_addr(address);
  // The wildcard of a dual-stack socket takes both families (lwIP's netconn_bind does the same).
  const ip_addr_t* a = is_wildcard(address) ? (s->domain == AF_INET6 ? IP_ANY_TYPE : IP4_ADDR_ANY) : &addr;
  if (const err_t err = tcp_bind(pcb, a, port); err != ERR_OK) return -errno_of(err);
  s->bound = true;
  return 0;
}

int SocketTable::listen(int fd, int backlog) {
  Socket* s = lookup(fd);
  if (!s) return -EBADF;
  if (s->listening) return 0;
  struct tcp_pcb* pcb = live_pcb(s);
  if (!pcb || s->connecting || s->connected) return -EINVAL;
  err_t err = ERR_OK;
  // lwIP frees the pcb and gives a smaller listening one in its place.
  struct tcp_pcb* lpcb = tcp_listen_with_backlog_and_err(pcb, static_cast<u8_t>(std::clamp(backlog, 0, 255)), &err);
  if (!lpcb) return -errno_of(err);
  s->pcb = lpcb;
  s->listening = true;
  tcp_arg(lpcb, s);
  tcp_accept(lpcb, &SocketTable::on_accept);
  return 0;
}

int SocketTable::accept(int fd) {
  Socket* s = lookup(fd);
  if (!s) return -EBADF;
  if (!s->listening) return -EINVAL;
  if (s->accept_queue.empty()) return -EAGAIN;
  Socket* c = s->accept_queue.front();
  s->accept_queue.pop_front();
  const int nfd = allocate_fd();
  fds_[nfd] = c;
  return nfd;
}

int SocketTable::connect(int fd, const net::IpAddress& address, std::uint16_t port) {
  Socket* s = lookup(fd);
  if (!s) return -EBADF;
  if (s->listening || s->connected) return -EISCONN;
  if (s->connecting) return -EALREADY;
  if (s->error) return -take_error(s);
  struct tcp_pcb* pcb = live_pcb(s);
  if (!pcb) return -EINVAL;
  const ip_addr_t addr = to_ip_addr(address);
  if (const err_t err = tcp_connect(pcb, &addr, port, &SocketTable::on_connected); err != ERR_OK)
    return -errno_of(err);
  s->connecting = true;
  return -EINPROGRESS;
}

int SocketTable::connect_status(int fd) {
  Socket* s = lookup(fd);
  if (!s) return -EBADF;
  if (s->connected) return 0;
  if (s->error) return -take_error(s);
  if (s->connecting) return -EINPROGRESS;
  return -ECONNABORTED;
}

std::int64_t SocketTable::read(int fd, std::size_t length, int flags, std::vector<std::uint8_t>& out) {
  Socket* s = lookup(fd);
  if (!s) return -EBADF;
  if (s->listening) return -ENOTCONN;
  if (length == 0) return 0;
  if (!s->received.empty()) {
    const std::size_t n = std::min(length, s->received.size());
    out.assign(s->received.begin(), s->received.begin() + static_cast<std::ptrdiff_t>(n));
    if (flags & MSG_PEEK) return static_cast<std::int64_t>(n);
    s->received.erase(s->received.begin(), s->received.begin() + static_cast<std::ptrdiff_t>(n));
    // The window opens as the application reads (netconn_recv_data does the same).
    if (struct tcp_pcb* pcb = live_pcb(s)) {
      for (std::size_t left = n; left > 0;) {
        const auto chunk = static_cast<u16_t>(std::min<std::size_t>(left, 0xffff));
        tcp_recved(pcb, chunk);
        left -= chunk;
      }
    }
    return static_cast<std::int64_t>(n);
  }
  if (s->error) return -take_error(s);
  if (s->fin_received || s->shut_rd || s->gone) return 0;
  if (!s->connected && !s->connecting) return -ENOTCONN;
  return -EAGAIN;
}

std::int64_t SocketTable::write(int fd, std::span<const std::uint8_t> data, int flags) {
  Socket* s = lookup(fd);
  if (!s) return -EBADF;
  if (s->error) return -take_error(s);
  if (s->listening || s->shut_wr || s->gone) return -EPIPE;
  // Like Linux, a write waits for a handshake in progress; an unconnected socket has no peer.
  if (!s->connected) return s->connecting ? -EAGAIN : -EPIPE;
  struct tcp_pcb* pcb = live_pcb(s);
  if (!pcb) return -EPIPE;
  if (data.empty()) return 0;
  const std::size_t room = tcp_sndbuf(pcb);
  if (room == 0) return -EAGAIN;
  const std::size_t n = std::min({data.size(), room, std::size_t{0xffff}});
  u8_t api = TCP_WRITE_FLAG_COPY;
  // A blocking write that will continue later has more to come: no PSH yet (lwIP's netconn sets
  // TCP_WRITE_FLAG_MORE for a partial blocking write too).
  const bool blocking = !s->nonblocking && !(flags & MSG_DONTWAIT);
  if ((flags & MSG_MORE) || (blocking && n < data.size())) api |= TCP_WRITE_FLAG_MORE;
  const err_t err = tcp_write(pcb, data.data(), static_cast<u16_t>(n), api);
  if (err == ERR_MEM) return -EAGAIN;  // the send queue is full: wait for ACKs, as netconn does
  if (err != ERR_OK) return -errno_of(err);
  tcp_output(pcb);
  return static_cast<std::int64_t>(n);
}

void SocketTable::release(Socket* s, bool abort) {
  for (Socket* c : s->accept_queue) release(c, true);  // lwIP's netconn_drain aborts them
  s->accept_queue.clear();
  if (s->listening) {
    if (s->pcb) {
      tcp_arg(s->pcb, nullptr);
      tcp_accept(s->pcb, nullptr);
      tcp_close(s->pcb);
    }
    s->pcb = nullptr;
    s->listening = false;
    return;
  }
  struct tcp_pcb* pcb = live_pcb(s);
  s->pcb = nullptr;
  s->gone = true;
  if (!pcb) return;
  // lwIP keeps the connection after close (FIN-WAIT, TIME-WAIT); nothing of ours is called again.
  tcp_arg(pcb, nullptr);
  tcp_recv(pcb, nullptr);
  tcp_err(pcb, nullptr);
  tcp_sent(pcb, nullptr);
  if (abort || tcp_close(pcb) != ERR_OK) tcp_abort(pcb);
}

int SocketTable::close(int fd) {
  Socket* s = lookup(fd);
  if (!s) return -EBADF;
  fds_.erase(fd);
  // SO_LINGER with a zero timeout resets the connection (lwIP's netconn close does tcp_abort). A
  // positive timeout would make close() wait for the data to be acknowledged; it returns at once.
  release(s, s->linger_onoff && s->linger_seconds == 0);
  return 0;
}

int SocketTable::shutdown(int fd, int how) {
  Socket* s = lookup(fd);
  if (!s) return -EBADF;
  if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) return -EINVAL;
  if (s->listening || (!s->connected && !s->connecting && !s->gone)) return -ENOTCONN;
  const bool rd = how != SHUT_WR, wr = how != SHUT_RD;
  s->shut_rd |= rd;
  s->shut_wr |= wr;
  struct tcp_pcb* pcb = live_pcb(s);
  if (!pcb) return 0;
  if (rd && wr) {
    // For lwIP both directions shut is tcp_close(), which may free the pcb at once.
    release(s, false);
    return 0;
  }
  const err_t err = tcp_shutdown(pcb, rd ? 1 : 0, wr ? 1 : 0);
  return err == ERR_OK ? 0 : -errno_of(err);
}

int SocketTable::fcntl(int fd, int cmd, std::int64_t arg) {
  Socket* s = lookup(fd);
  if (!s) return -EBADF;
  if (cmd == F_GETFL) return O_RDWR | (s->nonblocking ? O_NONBLOCK : 0);
  if (cmd == F_SETFL) {
    s->nonblocking = (arg & O_NONBLOCK) != 0;
    return 0;
  }
  return -EINVAL;
}

int SocketTable::poll_events(int fd, short events) {
  Socket* s = lookup(fd);
  if (!s) return POLLNVAL;
  int ev = 0;
  if (s->listening) {
    if (!s->accept_queue.empty()) ev |= POLLIN | POLLRDNORM;
  } else {
    struct tcp_pcb* pcb = live_pcb(s);
    if (!s->received.empty() || s->fin_received || s->shut_rd) ev |= POLLIN | POLLRDNORM;
    if (s->error) ev |= POLLERR;
    if (s->gone || (s->fin_received && s->shut_wr)) ev |= POLLHUP;
    if (s->gone) ev |= POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
    if (s->connected && pcb && !s->shut_wr && tcp_sndbuf(pcb) > 0) ev |= POLLOUT | POLLWRNORM;
  }
  return ev & (events | POLLERR | POLLHUP);
}

}  // namespace synack::lwip
