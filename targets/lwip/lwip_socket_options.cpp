// setsockopt(), getsockopt() and TCP_INFO over lwIP's pcb fields, with the options lwIP's own
// socket layer offers (lwip_setsockopt_impl): an option lwIP has no equivalent for fails with
// ENOPROTOOPT, as lwIP's sockets do.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

#include "targets/lwip/lwip_headers.h"
#include "targets/lwip/lwip_sockets.h"

namespace synack::lwip {
namespace {

// lwIP's TCP states as Linux numbers them in TCP_INFO (include/net/tcp_states.h).
int linux_state(enum tcp_state s) {
  switch (s) {
    case CLOSED: return TCP_CLOSE;
    case LISTEN: return TCP_LISTEN;
    case SYN_SENT: return TCP_SYN_SENT;
    case SYN_RCVD: return TCP_SYN_RECV;
    case ESTABLISHED: return TCP_ESTABLISHED;
    case FIN_WAIT_1: return TCP_FIN_WAIT1;
    case FIN_WAIT_2: return TCP_FIN_WAIT2;
    case CLOSE_WAIT: return TCP_CLOSE_WAIT;
    case CLOSING: return TCP_CLOSING;
    case LAST_ACK: return TCP_LAST_ACK;
    case TIME_WAIT: return TCP_TIME_WAIT;
  }
  return TCP_CLOSE;
}

void set_flag(struct tcp_pcb* pcb, u8_t option, bool on) {
  if (on) ip_set_option(pcb, option);
  else ip_reset_option(pcb, option);
}

}  // namespace

int SocketTable::setsockopt(int fd, int level, int name, std::int64_t value, std::int64_t linger_seconds) {
  Socket* s = lookup(fd);
  if (!s) return -EBADF;
  struct tcp_pcb* pcb = s->listening ? s->pcb : live_pcb(s);
  if (level == SOL_SOCKET) {
    switch (name) {
      case SO_LINGER:
        s->linger_onoff = value != 0;
        s->linger_seconds = static_cast<int>(linger_seconds);
        return 0;
      case SO_RCVBUF:
        // lwIP's SO_RCVBUF (LWIP_SO_RCVBUF) limits only what UDP and raw sockets queue; a TCP
        // connection always offers its TCP_WND. Accepted and kept, as lwIP's sockets do.
        s->rcvbuf = value;
        return 0;
      case SO_REUSEADDR:
      case SO_KEEPALIVE:
        if (!pcb) return -EINVAL;
        set_flag(pcb, name == SO_REUSEADDR ? SOF_REUSEADDR : SOF_KEEPALIVE, value != 0);
        return 0;
      default:
        return -ENOPROTOOPT;
    }
  }
  if (level == IPPROTO_IP) {
    if (!pcb) return -EINVAL;
    if (name == IP_TTL) { pcb->ttl = static_cast<u8_t>(value); return 0; }
    if (name == IP_TOS) { pcb->tos = static_cast<u8_t>(value); return 0; }
    return -ENOPROTOOPT;
  }
  if (level == IPPROTO_TCP) {
    // lwIP's sockets refuse TCP options on a listener (its pcb is the small tcp_pcb_listen).
    if (s->listening) return -EINVAL;
    if (!pcb) return -EINVAL;
    switch (name) {
      case TCP_NODELAY:
        if (value) tcp_nagle_disable(pcb);
        else tcp_nagle_enable(pcb);
        return 0;
      case TCP_KEEPIDLE: pcb->keep_idle = static_cast<u32_t>(value * 1000); return 0;
      case TCP_KEEPINTVL: pcb->keep_intvl = static_cast<u32_t>(value * 1000); return 0;
      case TCP_KEEPCNT: pcb->keep_cnt = static_cast<u32_t>(value); return 0;
      default: return -ENOPROTOOPT;
    }
  }
  return -ENOPROTOOPT;
}

int SocketTable::getsockopt(int fd, int level, int name, std::int64_t& value, std::int64_t* linger_seconds) {
  Socket* s = lookup(fd);
  if (!s) return -EBADF;
  struct tcp_pcb* pcb = s->listening ? s->pcb : live_pcb(s);
  value = 0;
  if (level == SOL_SOCKET) {
    switch (name) {
      case SO_ERROR: value = take_error(s); return 0;
      case SO_LINGER:
        value = s->linger_onoff;
        if (linger_seconds) *linger_seconds = s->linger_seconds;
        return 0;
      case SO_RCVBUF: value = s->rcvbuf ? s->rcvbuf : TCP_WND; return 0;
      case SO_REUSEADDR:
      case SO_KEEPALIVE:
        if (!pcb) return -EINVAL;
        value = ip_get_option(pcb, name == SO_REUSEADDR ? SOF_REUSEADDR : SOF_KEEPALIVE) ? 1 : 0;
        return 0;
      default: return -ENOPROTOOPT;
    }
  }
  if (level == IPPROTO_IP) {
    if (!pcb) return -EINVAL;
    if (name == IP_TTL) { value = pcb->ttl; return 0; }
    if (name == IP_TOS) { value = pcb->tos; return 0; }
    return -ENOPROTOOPT;
  }
  if (level == IPPROTO_TCP) {
    if (s->listening || !pcb) return -EINVAL;
    switch (name) {
      case TCP_NODELAY: value = tcp_nagle_disabled(pcb) ? 1 : 0; return 0;
      case TCP_MAXSEG: value = tcp_mss(pcb); return 0;  // the raw API's tcp_mss()
      case TCP_KEEPIDLE: value = pcb->keep_idle / 1000; return 0;
      case TCP_KEEPINTVL: value = pcb->keep_intvl / 1000; return 0;
      case TCP_KEEPCNT: value = pcb->keep_cnt; return 0;
      default: return -ENOPROTOOPT;
    }
  }
  return -ENOPROTOOPT;
}

int SocketTable::tcp_info(int fd, TcpInfoFields& out) {
  Socket* s = lookup(fd);
  if (!s) return -EBADF;
  if (s->listening) {
    out["tcpi_state"] = TCP_LISTEN;
    return 0;
  }
  struct tcp_pcb* pcb = live_pcb(s);
  if (!pcb) {
    out["tcpi_state"] = TCP_CLOSE;
    return 0;
  }
  out["tcpi_state"] = linux_state(pcb->state);
  out["tcpi_snd_mss"] = pcb->mss;
  out["tcpi_rcv_mss"] = pcb->mss;
  out["tcpi_advmss"] = pcb->mss;
  // lwIP counts the RTO in slow-timer ticks (TCP_SLOW_INTERVAL, 500 ms); TCP_INFO in microseconds.
  out["tcpi_rto"] = static_cast<std::int64_t>(pcb->rto) * TCP_SLOW_INTERVAL * 1000;
  out["tcpi_retransmits"] = pcb->nrtx;
  out["tcpi_snd_cwnd"] = pcb->mss ? pcb->cwnd / pcb->mss : 0;
  out["tcpi_snd_ssthresh"] = pcb->mss ? pcb->ssthresh / pcb->mss : 0;
  const bool scaled = (pcb->flags & TF_WND_SCALE) != 0;
  out["tcpi_snd_wscale"] = scaled ? pcb->snd_scale : 0;
  out["tcpi_rcv_wscale"] = scaled ? pcb->rcv_scale : 0;
  return 0;
}

}  // namespace synack::lwip
