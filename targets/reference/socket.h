// Stack::Socket: what a descriptor refers to. Private to the stack's implementation files.
#pragma once

#include <vector>

#include "targets/reference/stack.h"

namespace synack::reference {

struct Stack::Socket {
  enum class Kind { Fresh, Bound, Listening, Connection };

  int fd = -1;
  int domain = 0;                // AF_INET or AF_INET6
  Kind kind = Kind::Fresh;       // Connection once connect() started or accept() returned it
  bool nonblocking = false;      // O_NONBLOCK
  bool bound = false;            // bind() (or an implicit bind) gave it a local port
  Endpoint local;                // bound address (unspecified = any) and port
  bool bound_any = true;         // bound to 0.0.0.0 / ::
  int backlog = 0;               // listen(): accept queue holds at most backlog + 1 (Linux)
  std::vector<Tcb*> accept_queue;  // established children not yet accepted, oldest first
  int half_open = 0;             // children in SYN-RECEIVED (the SYN queue); kept by set_state
  Tcb* tcb = nullptr;            // the connection (Kind::Connection), alive while the fd is open
  SocketOptions opts;            // options; copied into the Tcb and kept in sync
  bool shut_wr = false;          // shutdown(SHUT_WR) or close() was called
  bool shut_rd = false;          // shutdown(SHUT_RD)
};

}  // namespace synack::reference
