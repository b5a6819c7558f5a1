#include "harness/run/symbols.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>

namespace synack::run {
namespace {

// One table for every named constant; the X-macro keeps the spelling and the value together.
#define SYM(name) {#name, name}

const std::unordered_map<std::string_view, std::int64_t>& symbols() {
  static const std::unordered_map<std::string_view, std::int64_t> table = {
      SYM(AF_INET), SYM(AF_INET6), SYM(AF_UNSPEC), SYM(PF_INET), SYM(PF_INET6),
      SYM(SOCK_STREAM), SYM(SOCK_DGRAM), SYM(SOCK_RAW), SYM(SOCK_NONBLOCK), SYM(SOCK_CLOEXEC),
      SYM(IPPROTO_TCP), SYM(IPPROTO_UDP), SYM(IPPROTO_IP), SYM(IPPROTO_IPV6),
      SYM(SOL_SOCKET), SYM(SOL_TCP), SYM(SOL_IP), SYM(SOL_IPV6),
      SYM(SO_REUSEADDR), SYM(SO_REUSEPORT), SYM(SO_KEEPALIVE), SYM(SO_LINGER), SYM(SO_RCVBUF),
      SYM(SO_SNDBUF), SYM(SO_ERROR), SYM(SO_RCVLOWAT), SYM(SO_SNDLOWAT), SYM(SO_OOBINLINE),
      SYM(SO_TYPE), SYM(SO_DEBUG), SYM(SO_BROADCAST), SYM(SO_ACCEPTCONN),
      SYM(TCP_NODELAY), SYM(TCP_MAXSEG), SYM(TCP_CORK), SYM(TCP_KEEPIDLE), SYM(TCP_KEEPINTVL),
      SYM(TCP_KEEPCNT), SYM(TCP_SYNCNT), SYM(TCP_LINGER2), SYM(TCP_DEFER_ACCEPT),
      SYM(TCP_WINDOW_CLAMP), SYM(TCP_INFO), SYM(TCP_QUICKACK), SYM(TCP_CONGESTION),
      SYM(TCP_USER_TIMEOUT), SYM(TCP_FASTOPEN), SYM(TCP_NOTSENT_LOWAT),
      SYM(O_RDONLY), SYM(O_WRONLY), SYM(O_RDWR), SYM(O_NONBLOCK), SYM(O_NDELAY),
      SYM(F_GETFL), SYM(F_SETFL), SYM(F_GETFD), SYM(F_SETFD), SYM(FD_CLOEXEC),
      SYM(MSG_PEEK), SYM(MSG_OOB), SYM(MSG_DONTWAIT), SYM(MSG_WAITALL), SYM(MSG_NOSIGNAL),
      SYM(MSG_MORE), SYM(MSG_TRUNC), SYM(MSG_ZEROCOPY), SYM(MSG_FASTOPEN),
      SYM(SHUT_RD), SYM(SHUT_WR), SYM(SHUT_RDWR),
      SYM(POLLIN), SYM(POLLOUT), SYM(POLLERR), SYM(POLLHUP), SYM(POLLNVAL), SYM(POLLPRI),
      SYM(POLLRDNORM), SYM(POLLWRNORM), SYM(POLLRDHUP),
      SYM(IP_TOS), SYM(IP_TTL), SYM(IP_RECVERR), SYM(IPV6_TCLASS), SYM(IPV6_UNICAST_HOPS), SYM(IPV6_V6ONLY),
      SYM(IPV6_RECVERR), SYM(IP_OPTIONS),
      SYM(INADDR_ANY),
      // Linux TCP_INFO state numbering (include/net/tcp_states.h).
      {"TCP_ESTABLISHED", 1}, {"TCP_SYN_SENT", 2}, {"TCP_SYN_RECV", 3}, {"TCP_FIN_WAIT1", 4},
      {"TCP_FIN_WAIT2", 5}, {"TCP_TIME_WAIT", 6}, {"TCP_CLOSE", 7}, {"TCP_CLOSE_WAIT", 8},
      {"TCP_LAST_ACK", 9}, {"TCP_LISTEN", 10}, {"TCP_CLOSING", 11},
      {"TCP_CA_Open", 0}, {"TCP_CA_Disorder", 1}, {"TCP_CA_CWR", 2}, {"TCP_CA_Recovery", 3},
      {"TCP_CA_Loss", 4},
      {"TCPI_OPT_TIMESTAMPS", 1}, {"TCPI_OPT_SACK", 2}, {"TCPI_OPT_WSCALE", 4},
      {"TCPI_OPT_ECN", 8},
      {"NULL", 0}, {"true", 1}, {"false", 0}, {"True", 1}, {"False", 0},
  };
  return table;
}

const std::unordered_map<std::string_view, int>& errnos() {
  static const std::unordered_map<std::string_view, int> table = {
      SYM(EPERM), SYM(ENOENT), SYM(EINTR), SYM(EIO), SYM(EBADF), SYM(EAGAIN), SYM(EWOULDBLOCK),
      SYM(ENOMEM), SYM(EACCES), SYM(EFAULT), SYM(EBUSY), SYM(EEXIST), SYM(EINVAL), SYM(ENFILE),
      SYM(EMFILE), SYM(ENOSPC), SYM(EPIPE), SYM(ENOSYS), SYM(ENOTSOCK), SYM(EDESTADDRREQ),
      SYM(EMSGSIZE), SYM(EPROTOTYPE), SYM(ENOPROTOOPT), SYM(EPROTONOSUPPORT),
      SYM(ESOCKTNOSUPPORT), SYM(EOPNOTSUPP), SYM(EAFNOSUPPORT), SYM(EADDRINUSE),
      SYM(EADDRNOTAVAIL), SYM(ENETDOWN), SYM(ENETUNREACH), SYM(ECONNABORTED), SYM(ECONNRESET),
      SYM(ENOBUFS), SYM(EISCONN), SYM(ENOTCONN), SYM(ETIMEDOUT), SYM(ECONNREFUSED),
      SYM(EHOSTUNREACH), SYM(EALREADY), SYM(EINPROGRESS), SYM(ESHUTDOWN),
  };
  return table;
}

#undef SYM

}  // namespace

std::optional<std::int64_t> symbol_value(std::string_view name) {
  auto it = symbols().find(name);
  if (it != symbols().end()) return it->second;
  // Errno names are values too: getsockopt(fd, SOL_SOCKET, SO_ERROR, [ETIMEDOUT], [4]).
  if (auto e = errno_value(name)) return *e;
  return std::nullopt;
}

std::optional<int> errno_value(std::string_view name) {
  auto it = errnos().find(name);
  if (it == errnos().end()) return std::nullopt;
  return it->second;
}

std::string errno_name(int err) {
  if (err == EAGAIN) return "EAGAIN";  // == EWOULDBLOCK on Linux; prefer the common spelling
  for (const auto& [name, value] : errnos())
    if (value == err) return std::string(name);
  return "E" + std::to_string(err);
}

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace synack::run
