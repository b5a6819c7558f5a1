// The remote target: a stack on another host (or in another network namespace that models one),
// reached over a link. Segments are injected and captured with a packet socket on the injector's
// interface; the script's socket calls and shell lines run in `synack agent` next to the stack,
// over a control connection (protocol.h). Real clock, as on the kernel target.
#pragma once

#include <memory>

#include "harness/common/result.h"
#include "targets/remote/testbed.h"
#include "targets/target.h"

namespace synack::remote {

struct RemoteOptions {
  // The last stretch before a scheduled time is spun rather than slept, for timing accuracy.
  Micros spin_usecs = 200;
};

// Takes over the link (closed with the target). Script time 0 is now.
std::unique_ptr<targets::Target> make_remote_target(Link link, const RemoteOptions& options = {});

// The veth test bed (testbed.h) with a remote target on it: the run's child process calls this
// after entering its private namespace.
Result<std::unique_ptr<targets::Target>> make_veth_target(const targets::Network& network);

}  // namespace synack::remote
