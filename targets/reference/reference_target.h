// ReferenceTarget: the Target adapter around the reference Stack. Owns a virtual clock starting
// at 0, puts every injected segment through the wire codec (so the stack sees exactly what a wire
// would carry), and emulates blocking socket calls on top of the non-blocking Stack API.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "targets/reference/config.h"
#include "targets/reference/stack.h"
#include "targets/target.h"

namespace synack::reference {

using targets::CallId;
using targets::CallOutcome;
using targets::CallResult;
using targets::Capabilities;
using targets::Network;
using targets::Observation;
using targets::SocketCall;
using targets::SysOp;
using targets::Target;

class ReferenceTarget : public Target {
 public:
  ReferenceTarget(const Network& network, StackConfig config);

  Capabilities capabilities() const override;
  Micros now() override;
  void inject(const net::Segment& segment) override;
  Result<void> inject_icmp(const net::IcmpMessage& message) override;
  std::optional<Observation> wait(Micros deadline) override;
  CallOutcome call(const SocketCall& call) override;
  Result<void> shell(std::string_view command) override;

  // The stack itself, for tests and the fuzzer (invariants, traces, introspection).
  Stack& stack() { return stack_; }
  const Stack& stack() const { return stack_; }
  // Segments that failed to decode or had a bad checksum when injected (dropped, as on a wire).
  std::size_t dropped_injections() const { return dropped_; }

 private:
  // A blocking call that could not complete yet.
  struct Pending {
    CallId id = 0;
    SocketCall call;
    std::size_t written = 0;      // write: bytes accepted so far
    Micros deadline = kNever;     // poll: when the timeout expires
  };

  // Runs `c` once. Returns nullopt if it would block on a blocking socket.
  std::optional<CallResult> attempt(const SocketCall& c, Pending* pending);
  // Moves the stack's output into observations and completes pending calls that can.
  void collect();
  void drain_segments();
  net::IpAddress unmap(const net::IpAddress& a) const;

  Network network_;
  Stack stack_;
  std::deque<Observation> observations_;
  std::vector<Pending> pending_;
  CallId next_call_ = 1;
  std::size_t dropped_ = 0;
  std::size_t written_hint_ = 0;  // bytes a blocking write accepted before it blocked
};

// The factory the CLI and the executor use.
std::unique_ptr<Target> make_reference_target(const Network& network,
                                              const StackConfig& config = {});

}  // namespace synack::reference
