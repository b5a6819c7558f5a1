// The kernel target: the running Linux stack, reached through a TUN device inside a private
// network namespace (see netns.h), on the real clock. Socket calls run on real sockets in that
// namespace; calls that may block run on a helper thread and report their return time.
#pragma once

#include <memory>

#include "harness/common/result.h"
#include "targets/target.h"

namespace synack::kernel {

struct KernelOptions {
  // The last stretch before a scheduled time is spun rather than slept, for timing accuracy.
  Micros spin_usecs = 200;
  // How long call() waits for a call on the helper thread before reporting it as pending.
  Micros inline_wait_usecs = 2000;
};

// Must be called in a process that has already entered its private namespace
// (enter_private_namespace); creates the TUN device and takes script time 0 as "now".
Result<std::unique_ptr<targets::Target>> make_kernel_target(const targets::Network& network,
                                                            const KernelOptions& options = {});

}  // namespace synack::kernel
