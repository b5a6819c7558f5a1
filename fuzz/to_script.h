// Findings -> .pkt scripts. A recorded session becomes a script that replays it against the
// reference target through the normal executor: '<' lines for the injected segments (sequence
// numbers in script terms: the peer's literal, acks relative to the stack's ISN), syscall lines
// with the results the stack gave, and '>' lines for everything the stack sent, at the virtual
// times it sent them. The script passes when the stack behaves as it did; a finding is named in a
// comment at the event that triggered it.
#pragma once

#include <string>

#include "fuzz/session.h"
#include "harness/script/ast.h"

namespace synack::fuzz {

// `recorded` must come from run_session(input, {.record = true, ...}).
std::string to_script(const SessionInput& input, const SessionResult& recorded);

// Runs the session with recording and converts it.
std::string to_script(const SessionInput& input, const SessionOptions& options = {});

// The profile name a reproducer must run with (`synack run --target reference --profile NAME`).
const char* profile_name(std::uint8_t profile);

}  // namespace synack::fuzz
