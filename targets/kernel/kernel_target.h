// The kernel target: the running Linux stack, reached through a TUN device inside a private
// network namespace (see netns.h), on the real clock. Socket calls run on real sockets in that
// namespace. A call that has to wait for the network (a blocking accept, read, connect, write or
// poll) is completed by the target's own polling loop the moment its socket is ready, so its
// return time is exact even on a busy machine.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "harness/common/result.h"
#include "targets/target.h"

namespace synack::kernel {

struct KernelOptions {
  // The last stretch before a scheduled time is spun rather than slept, for timing accuracy.
  Micros spin_usecs = 200;
};

// Must be called in a process that has already entered its private namespace
// (enter_private_namespace); creates the TUN device and takes script time 0 as "now".
Result<std::unique_ptr<targets::Target>> make_kernel_target(const targets::Network& network,
                                                            const KernelOptions& options = {});

// An IPv4 or IPv6 packet carrying TCP (what a target reports; the rest is the kernel's own
// neighbour discovery, MLD and the like).
bool is_tcp_packet(std::span<const std::uint8_t> packet);

// A packet the stack sent, decoded into an observation at `time` (Malformed when it does not
// decode). The remote target reports what it captures the same way.
targets::Observation observe_packet(std::span<const std::uint8_t> packet, Micros time);

}  // namespace synack::kernel
