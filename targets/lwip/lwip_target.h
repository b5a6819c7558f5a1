// The lwIP target: Debian's liblwip (lwIP 2.1), in this process, on virtual time.
//
// lwIP runs single-threaded on the caller's thread with its timers on a virtual clock
// (lwip_stack.h): a script's minutes of protocol time take milliseconds. Socket calls are
// emulated over lwIP's raw TCP API (lwip_sockets.h), blocking calls by waiting on the virtual
// clock until they can complete, as the reference target does. lwIP keeps global state, so one
// target exists per process at a time; `synack run --target lwip` runs every script in a child
// process of its own (harness/cli/isolated.cpp). No shell; ICMP messages go to lwIP's ICMP input.
#pragma once

#include <memory>

#include "harness/common/result.h"
#include "targets/target.h"

namespace synack::lwip {

// The lwIP version the library reports, e.g. "lwIP 2.1.3".
std::string lwip_version();

// Fails if another lwIP target is alive in this process.
Result<std::unique_ptr<targets::Target>> make_lwip_target(const targets::Network& network);

}  // namespace synack::lwip
