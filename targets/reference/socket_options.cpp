// The socket API, continued: socket options (setsockopt, getsockopt, TCP_INFO), fcntl and poll,
// in their Linux clothes, returning -errno.
#include <algorithm>
#include <cerrno>
#include <limits>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include "targets/reference/socket.h"
#include "targets/reference/stack.h"

namespace synack::reference {

namespace {

// Linux doubles SO_SNDBUF/SO_RCVBUF values and enforces minimums (SOCK_MIN_SNDBUF/RCVBUF).
constexpr std::int64_t kMinSndBuf = 4608;
constexpr std::int64_t kMinRcvBuf = 2304;

}  // namespace

int Stack::setsockopt(int fd, int level, int optname, std::int64_t value, std::int64_t linger_s) {
  Socket* s = sock(fd);
  if (!s) return -EBADF;
  SocketOptions& o = s->opts;
  if (level == SOL_SOCKET) {
    switch (optname) {
      case SO_REUSEADDR: o.reuseaddr = value != 0; break;
      case SO_KEEPALIVE: o.keepalive = value != 0; break;
      case SO_LINGER:
        o.linger = value != 0;
        o.linger_seconds = static_cast<int>(std::max<std::int64_t>(linger_s, 0));
        break;
      case SO_SNDBUF:
        o.send_buffer = static_cast<std::uint32_t>(std::clamp<std::int64_t>(2 * value, kMinSndBuf, 1 << 30));
        break;
      case SO_RCVBUF:
        o.receive_buffer = static_cast<std::uint32_t>(std::clamp<std::int64_t>(2 * value, kMinRcvBuf, 1 << 30));
        break;
      case SO_OOBINLINE: o.oobinline = value != 0; break;
      default: return -ENOPROTOOPT;
    }
  } else if (level == IPPROTO_TCP) {
    switch (optname) {
      case TCP_NODELAY: o.nodelay = value != 0; break;
      case TCP_MAXSEG:
        if (value < 88 || value > 32767) return -EINVAL;
        o.user_mss = static_cast<std::uint16_t>(value);
        break;
      case TCP_KEEPIDLE:
        if (value < 1 || value > 32767) return -EINVAL;
        o.keepalive_idle = value * kMicrosPerSecond;
        break;
      case TCP_KEEPINTVL:
        if (value < 1 || value > 32767) return -EINVAL;
        o.keepalive_interval = value * kMicrosPerSecond;
        break;
      case TCP_KEEPCNT:
        if (value < 1 || value > 127) return -EINVAL;
        o.keepalive_count = static_cast<int>(value);
        break;
      case TCP_USER_TIMEOUT:  // milliseconds, as in Linux
        if (value < 0 || value > std::numeric_limits<int>::max()) return -EINVAL;
        o.user_timeout = value * kMillis;
        break;
      default: return -ENOPROTOOPT;
    }
  } else if (level == IPPROTO_IP) {
    switch (optname) {
      case IP_TOS: o.tos = static_cast<std::uint8_t>(value & 0xFC); break;  // Linux keeps ECN bits
      case IP_TTL:
        if (value == -1) value = 0;  // -1: back to the default
        if (value < 0 || value > 255) return -EINVAL;
        o.ttl = static_cast<std::uint8_t>(value);
        break;
      case IP_RECVERR: o.recverr = value != 0; break;  // icmp_arrival.cpp: report ICMP errors at once
      default: return -ENOPROTOOPT;
    }
  } else if (level == IPPROTO_IPV6 && optname == IPV6_RECVERR) {
    o.recverr = value != 0;
  } else {
    return -ENOPROTOOPT;
  }
  if (Tcb* t = s->tcb) {
    const std::uint16_t mss_before = t->opts.user_mss;
    t->opts = o;
    t->opts.user_mss = mss_before;  // TCP_MAXSEG after the handshake does not renegotiate
    if (level == SOL_SOCKET && optname == SO_KEEPALIVE) {
      if (o.keepalive && is_synchronized(t->state)) {
        arm_keepalive(*t);
      } else if (!o.keepalive) {
        t->keepalive_at = kNever;
      }
    }
    if (level == IPPROTO_TCP && (optname == TCP_KEEPIDLE) && o.keepalive &&
        is_synchronized(t->state)) {
      arm_keepalive(*t);
    }
    if (level == IPPROTO_TCP && optname == TCP_NODELAY && o.nodelay) output(*t);
  }
  return 0;
}

int Stack::getsockopt(int fd, int level, int optname, std::int64_t& value, std::int64_t* linger_s) {
  Socket* s = sock(fd);
  if (!s) return -EBADF;
  const SocketOptions& o = s->tcb ? s->tcb->opts : s->opts;
  if (level == SOL_SOCKET) {
    switch (optname) {
      case SO_ERROR:
        value = 0;
        if (!s->tcb && unconnected_error_.count(fd)) {
          value = unconnected_error_[fd];
          unconnected_error_.erase(fd);
        } else if (s->tcb && s->tcb->error) {
          value = s->tcb->error;
          s->tcb->error = 0;
        } else if (s->tcb && s->tcb->soft_error) {
          // As Linux's sock_getsockopt: with no pending error, the remembered soft ICMP error
          // (RFC 9293 SHLD-25), once.
          value = s->tcb->soft_error;
          s->tcb->soft_error = 0;
        }
        return 0;
      case SO_TYPE: value = SOCK_STREAM; return 0;
      case SO_REUSEADDR: value = o.reuseaddr; return 0;
      case SO_KEEPALIVE: value = o.keepalive; return 0;
      case SO_LINGER:
        value = o.linger;
        if (linger_s) *linger_s = o.linger_seconds;
        return 0;
      case SO_SNDBUF: value = o.send_buffer; return 0;
      case SO_RCVBUF: value = o.receive_buffer; return 0;
      case SO_ACCEPTCONN: value = s->kind == Socket::Kind::Listening; return 0;
      case SO_OOBINLINE: value = o.oobinline; return 0;
      default: return -ENOPROTOOPT;
    }
  }
  if (level == IPPROTO_TCP) {
    switch (optname) {
      case TCP_NODELAY: value = o.nodelay; return 0;
      case TCP_MAXSEG:
        if (s->tcb && is_synchronized(s->tcb->state)) {
          value = s->tcb->snd_mss;
        } else {
          value = o.user_mss ? o.user_mss : 536;  // Linux: TCP_MSS_DEFAULT before connecting
        }
        return 0;
      case TCP_KEEPIDLE: value = o.keepalive_idle / kMicrosPerSecond; return 0;
      case TCP_KEEPINTVL: value = o.keepalive_interval / kMicrosPerSecond; return 0;
      case TCP_KEEPCNT: value = o.keepalive_count; return 0;
      case TCP_USER_TIMEOUT: value = o.user_timeout / kMillis; return 0;
      default: return -ENOPROTOOPT;
    }
  }
  if (level == IPPROTO_IP) {
    switch (optname) {
      case IP_TOS: value = o.tos; return 0;
      case IP_TTL: value = o.ttl ? o.ttl : 64; return 0;
      case IP_RECVERR: value = o.recverr; return 0;
      default: return -ENOPROTOOPT;
    }
  }
  if (level == IPPROTO_IPV6 && optname == IPV6_RECVERR) {
    value = o.recverr;
    return 0;
  }
  return -ENOPROTOOPT;
}

int Stack::tcp_info(int fd, TcpInfo& info) const {
  const Socket* s = sock(fd);
  if (!s) return -EBADF;
  auto& f = info.fields;
  f.clear();
  const Tcb* t = s->tcb;
  State st = t ? t->state : (s->kind == Socket::Kind::Listening ? State::Listen : State::Closed);
  if (fd_sees_closed(t)) st = State::Closed;
  f.emplace_back("tcpi_state", linux_state_number(st));
  if (!t) {
    f.emplace_back("tcpi_unacked", static_cast<std::int64_t>(s->accept_queue.size() + dead_children(fd)));
    f.emplace_back("tcpi_sacked", s->backlog);
    return 0;
  }
  const std::int64_t options = (t->ts_ok ? TCPI_OPT_TIMESTAMPS : 0) | (t->sack_ok ? TCPI_OPT_SACK : 0) |
                               (t->wscale_ok ? TCPI_OPT_WSCALE : 0) | (t->ecn_ok ? TCPI_OPT_ECN : 0) |
                               (t->ecn_seen ? TCPI_OPT_ECN_SEEN : 0);
  // Linux's tcpi_ca_state: 0 Open, 1 Disorder, 3 Recovery, 4 Loss.
  const std::int64_t ca_state = t->in_recovery ? 3 : (t->rtx_active || t->retries > 0) ? 4
                                : t->dupacks > 0                                   ? 1
                                                                                    : 0;
  const std::uint32_t mss = std::max<std::uint32_t>(t->snd_mss, 1);
  f.emplace_back("tcpi_ca_state", ca_state);
  f.emplace_back("tcpi_retransmits", t->retries);
  f.emplace_back("tcpi_probes", t->probes);
  f.emplace_back("tcpi_backoff", t->backoff);
  f.emplace_back("tcpi_options", options);
  f.emplace_back("tcpi_snd_wscale", t->wscale_ok ? t->snd_shift : 0);
  f.emplace_back("tcpi_rcv_wscale", t->wscale_ok ? t->rcv_shift : 0);
  f.emplace_back("tcpi_rto", t->rto);
  f.emplace_back("tcpi_snd_mss", t->snd_mss);
  f.emplace_back("tcpi_rcv_mss", t->rcv_seg_max ? t->rcv_seg_max : t->rcv_mss);
  f.emplace_back("tcpi_unacked", (t->snd_max - t->snd_una + mss - 1) / mss);
  f.emplace_back("tcpi_lost", 0);
  f.emplace_back("tcpi_retrans", t->rtx_active ? 1 : 0);
  f.emplace_back("tcpi_total_retrans", t->total_retrans);
  f.emplace_back("tcpi_rtt", t->srtt);
  f.emplace_back("tcpi_rttvar", t->rttvar);
  f.emplace_back("tcpi_snd_ssthresh", t->ssthresh >= 0x7fffffff ? 0x7fffffff : t->ssthresh / mss);
  f.emplace_back("tcpi_snd_cwnd", t->cwnd / mss);
  f.emplace_back("tcpi_advmss", t->rcv_mss);
  f.emplace_back("tcpi_rcv_space", t->opts.receive_buffer);
  f.emplace_back("tcpi_last_data_recv", (now_ - t->last_received) / kMillis);
  f.emplace_back("tcpi_snd_wnd", t->snd_wnd);
  f.emplace_back("tcpi_bytes_acked", t->syn_acked() ? static_cast<std::int64_t>(t->snd_una - t->iss - 1) : 0);
  f.emplace_back("tcpi_bytes_received", static_cast<std::int64_t>(t->bytes_delivered));
  const std::uint32_t unsent_offset = t->snd_nxt - t->data_seq();
  const std::size_t notsent = unsent_offset < t->send_buf.size() ? t->send_buf.size() - unsent_offset : 0;
  f.emplace_back("tcpi_notsent_bytes", static_cast<std::int64_t>(notsent));
  f.emplace_back("tcpi_bytes_sent", static_cast<std::int64_t>(t->bytes_sent));
  f.emplace_back("tcpi_bytes_retrans", static_cast<std::int64_t>(t->bytes_retrans));
  f.emplace_back("tcpi_segs_out", t->segs_out);
  f.emplace_back("tcpi_segs_in", t->segs_in);
  f.emplace_back("tcpi_data_segs_out", t->data_segs_out);
  f.emplace_back("tcpi_data_segs_in", t->data_segs_in);
  f.emplace_back("tcpi_last_data_sent", (now_ - t->last_data_sent) / kMillis);
  f.emplace_back("tcpi_last_ack_recv", (now_ - t->last_ack_recv) / kMillis);
  f.emplace_back("tcpi_rcv_ssthresh",
                 std::min<std::int64_t>(t->rcv_ssthresh, std::int64_t{65535} << t->rcv_shift));
  f.emplace_back("tcpi_pmtu", 1500);
  f.emplace_back("tcpi_reordering", cfg_.dupack_threshold);
  return 0;
}

int Stack::fcntl(int fd, int cmd, std::int64_t arg) {
  Socket* s = sock(fd);
  if (!s) return -EBADF;
  switch (cmd) {
    case F_GETFL: return O_RDWR | (s->nonblocking ? O_NONBLOCK : 0);
    case F_SETFL: s->nonblocking = (arg & O_NONBLOCK) != 0; return 0;
    case F_GETFD: return 0;
    case F_SETFD: return 0;
    default: return -EINVAL;
  }
}

int Stack::poll_events(int fd, short events) const {
  const Socket* s = sock(fd);
  if (!s) return POLLNVAL;
  int ready = 0;
  if (s->kind == Socket::Kind::Listening) {
    if (!s->accept_queue.empty() || dead_children(fd) > 0) ready |= POLLIN | POLLRDNORM;
  } else if (const Tcb* t = s->tcb) {
    const bool closed = t->state == State::Closed || fd_sees_closed(t);
    if (!t->recv_buf.empty() || t->fin_received || s->shut_rd || closed) ready |= POLLIN | POLLRDNORM;
    if (t->fin_received) ready |= POLLRDHUP;
    // RFC 9293 MUST-32/33: urgent data not yet read past (Linux: POLLPRI until the mark is read).
    const std::uint32_t read_seq = t->rcv_nxt - static_cast<std::uint32_t>(t->recv_buf.size());
    if (t->urg_seen && net::seq_lt(read_seq, t->rcv_up)) ready |= POLLPRI;
    if (t->error) ready |= POLLERR;
    if (closed || (t->fin_received && t->fin_queued)) ready |= POLLHUP;
    const bool can_write = t->state == State::Established || t->state == State::CloseWait;
    if (closed || (can_write && !t->fin_queued && t->send_buf.size() < t->opts.send_buffer)) {
      ready |= POLLOUT | POLLWRNORM;
    }
  } else {
    ready |= POLLOUT | POLLWRNORM | POLLHUP;  // Linux: an unconnected socket is TCP_CLOSE
  }
  return ready & (events | POLLERR | POLLHUP | POLLNVAL);
}

}  // namespace synack::reference
