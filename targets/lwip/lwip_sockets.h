// POSIX-style sockets over lwIP's raw TCP API, for the script's socket calls.
//
// lwIP's own socket layer (sockets.c over netconn) needs the tcpip thread; this is a small,
// single-threaded equivalent that keeps lwIP's socket-layer choices where they show on the wire:
// a connection's receive buffer is the data its tcp_recv callback delivered, and the window opens
// again (tcp_recved) only when the script reads, as netconn does; closing with unread data leaves
// the window short, so tcp_close() resets the connection, as in lwIP; writes go through
// tcp_write(COPY) and tcp_output(). Errors lwIP reports through tcp_err become the errno of the
// next call (ECONNREFUSED, ECONNRESET, ETIMEDOUT), as a socket layer would report them.
//
// Every call returns a non-negative result or a negative errno, and never blocks: -EAGAIN on a
// blocking socket tells the target to wait and try again (lwip_target.cpp).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "harness/net/segment.h"

struct tcp_pcb;
struct pbuf;

namespace synack::lwip {

// One endpoint: a socket the script holds, or a connection waiting in a listener's queue.
class SocketTable;

struct Socket {
  SocketTable* table = nullptr;   // the owner, for lwIP's callbacks (an accepted connection is new)
  struct tcp_pcb* pcb = nullptr;  // lwIP's control block; null once lwIP freed it or we gave it up
  int domain = 0;                 // AF_INET or AF_INET6
  bool nonblocking = false;       // O_NONBLOCK
  bool listening = false;
  bool connecting = false;        // connect() sent a SYN, no answer yet
  bool connected = false;         // the connection reached ESTABLISHED (tcp_connected / accept)
  bool fin_received = false;      // tcp_recv delivered end of data
  bool shut_wr = false, shut_rd = false;
  bool bound = false;             // bind() succeeded: lwIP lists the pcb from now on
  bool gone = false;              // lwIP freed the connection (reset, timeout, or closed)
  int error = 0;                  // pending errno, reported once (SO_ERROR or the next call)
  std::vector<std::uint8_t> received;          // delivered, not yet read
  std::deque<Socket*> accept_queue;            // listener: established, not yet accepted
  int linger_onoff = 0, linger_seconds = 0;    // SO_LINGER, as set
  std::int64_t rcvbuf = 0, sndbuf = 0;         // SO_RCVBUF / SO_SNDBUF, as set (0: never set)
};

// TCP_INFO fields lwIP can fill, by name ("tcpi_state" -> Linux's TCP_* number, ...).
using TcpInfoFields = std::map<std::string, std::int64_t>;

class SocketTable {
 public:
  SocketTable() = default;
  ~SocketTable();
  SocketTable(const SocketTable&) = delete;
  SocketTable& operator=(const SocketTable&) = delete;

  int socket(int domain, int type, int protocol);
  int bind(int fd, const net::IpAddress& address, std::uint16_t port);
  int listen(int fd, int backlog);
  int accept(int fd);
  int connect(int fd, const net::IpAddress& address, std::uint16_t port);
  // The outcome of a connect() in progress: 0, -EINPROGRESS, or the error (consumed).
  int connect_status(int fd);
  std::int64_t read(int fd, std::size_t length, int flags, std::vector<std::uint8_t>& out);
  std::int64_t write(int fd, std::span<const std::uint8_t> data, int flags);
  int close(int fd);
  int shutdown(int fd, int how);
  int setsockopt(int fd, int level, int name, std::int64_t value, std::int64_t linger_seconds);
  int getsockopt(int fd, int level, int name, std::int64_t& value, std::int64_t* linger_seconds);
  int tcp_info(int fd, TcpInfoFields& out);
  int fcntl(int fd, int cmd, std::int64_t arg);
  int poll_events(int fd, short events);

  bool is_open(int fd) const { return fds_.count(fd) != 0; }
  bool is_nonblocking(int fd) const;
  // The socket behind `fd` (what a read would return, whether the FIN arrived, the pending error),
  // for MSG_WAITALL, which waits for the full length; null if `fd` is not open.
  const Socket* find(int fd) const { return lookup(fd); }

 private:
  Socket* lookup(int fd) const;
  Socket* create(int domain);
  int allocate_fd();
  // The socket's pcb if lwIP still holds it for this socket (TIME-WAIT ends without a callback).
  struct tcp_pcb* live_pcb(Socket* s) const;
  int take_error(Socket* s);
  void attach(Socket* s, struct tcp_pcb* pcb);
  void release(Socket* s, bool abort);

  // lwIP callbacks; `arg` is the Socket.
  static signed char on_accept(void* arg, struct tcp_pcb* pcb, signed char err);
  static signed char on_connected(void* arg, struct tcp_pcb* pcb, signed char err);
  static signed char on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, signed char err);
  static void on_error(void* arg, signed char err);

  std::map<int, Socket*> fds_;
  // Every socket ever made lives until the table goes: lwIP may still hold a pointer to one as a
  // callback argument (an embryonic connection inherits its listener's), so none dangles.
  std::vector<std::unique_ptr<Socket>> all_;
};

}  // namespace synack::lwip
