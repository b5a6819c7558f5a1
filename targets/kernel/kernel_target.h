// The kernel target: the running Linux stack, reached through a TUN device inside a private
// network namespace (see netns.h), on the real clock. Socket calls run on real sockets in that
// namespace. A call that has to wait for the network (a blocking accept, read, connect, write or
// poll) is completed by the target's own polling loop the moment its socket is ready, so its
// return time is exact even on a busy machine.
#pragma once

#include <memory>

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

}  // namespace synack::kernel
