// Socket calls on real sockets of the calling process's network namespace, shared by the kernel
// target (the stack behind a TUN device) and the remote target's agent (the stack behind a veth
// or a real link). A call that has to wait for the network (a blocking accept, read, connect,
// write or poll) is not run on a thread that blocks: the owner's polling loop steps it the moment
// its socket is ready, so its return time is exact even on a busy machine. Only close() with a
// lingering timeout, which blocks inside the kernel, runs on a helper thread.
#pragma once

#include <poll.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "harness/common/result.h"
#include "harness/common/time.h"
#include "targets/target.h"

namespace synack::kernel {

class SocketCalls {
 public:
  SocketCalls();
  ~SocketCalls();
  SocketCalls(const SocketCalls&) = delete;
  SocketCalls& operator=(const SocketCalls&) = delete;

  // Script time: microseconds since construction or the last restart_clock().
  Micros now() const;
  void restart_clock();

  // Executes a call now: done, or pending (completed later by next_completion()).
  targets::CallOutcome call(const targets::SocketCall& call);

  // A pending call that has completed, as a CallDone observation stamped with its completion time.
  std::optional<targets::Observation> next_completion();

  // What the owner's poll must watch while calls are pending (the completion eventfd first), and
  // the earliest time a pending poll() call times out (kNever when none does).
  void append_poll_fds(std::vector<pollfd>& fds) const;
  Micros next_deadline() const;
  // Call after a poll: consumes the wake-up of the completion eventfd.
  void clear_wakeup();

 private:
  struct WaitingCall;
  struct Completions;
  std::optional<targets::Observation> step_waiting_calls();

  std::chrono::steady_clock::time_point start_;
  std::shared_ptr<Completions> done_;
  std::vector<std::thread> threads_;
  std::vector<WaitingCall> waiting_;
  targets::CallId next_id_ = 1;
};

// Runs a shell command with /bin/sh in the calling process's environment and waits for it.
Result<void> run_shell(std::string_view command);

}  // namespace synack::kernel
