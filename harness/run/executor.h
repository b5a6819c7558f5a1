// The Executor runs one parsed script against one target: it schedules events on the target's
// clock with packetdrill's timing semantics, rewrites sequence numbers both ways, matches every
// segment the stack sends, checks syscall results and their timing, and records a Trace.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/run/result.h"
#include "harness/script/ast.h"
#include "targets/target.h"

namespace synack::run {

struct ExecOptions {
  Micros tolerance_usecs = 4000;     // script option --tolerance_usecs
  double tolerance_percent = 12.5;   // script option --tolerance_percent
  // Real-clock targets only: a segment the stack sends may also come this share of the time since
  // the previous segment (either way) later than scheduled. Timers on the real clock fire late,
  // never early: Linux's timer wheel rounds a timeout up by as much as one eighth of it (a 300 ms
  // RTO fires up to 32 ms late, a 3 s one up to 256 ms). Virtual-time targets are exact.
  double timer_slack_percent = 12.5;
  // ... plus this much: the timer fires on a tick (Linux at HZ=250: every 4 ms) and its softirq
  // may run one tick later still. And a segment whose injection came late (a loaded machine)
  // starts the stack's timers that much later: that lateness is added as well.
  Micros timer_slack_usecs = 8000;
  std::uint16_t local_port = 8080;   // the stack's port (bind with "...")
  std::uint16_t remote_port = 34000; // the scripted peer's port
  // How long '*' lines and blocking calls with no deadline may wait, in script time. On a
  // real-time target the wait is also capped by `real_time_wait_limit`, so such a line fails
  // with a clear message before the per-script timeout ends the script.
  Micros wait_limit = 3600 * kMicrosPerSecond;
  Micros real_time_wait_limit = 60 * kMicrosPerSecond;
  // Options given on the command line; they override the script's own (name -> value).
  std::vector<script::OptionSetting> overrides;
};

// The network a script asks for (--ip_version, --local_ip, --remote_ip), or an error when an
// option names a value the harness refuses (e.g. an address outside the documentation ranges).
Result<targets::Network> network_for(const script::Script& script, const ExecOptions& options);

// True for addresses the harness may use: documentation ranges and loopback.
bool is_permitted_address(const net::IpAddress& address);

// Applies an inbound line's "// inject:" overrides to the segment built for it: a wrong TCP
// checksum, another IP source or destination. An error for an address outside the permitted
// ranges or of another IP version than the run's (the parser checks the script's own options;
// this also covers command-line overrides and ASTs built in code).
Result<void> apply_inject(const script::InjectOverrides& inject, const targets::Network& network,
                          net::Segment& seg);

// Runs the script on `target`, which must be fresh (created for this script, clock at 0).
ScriptResult execute(const script::Script& script, targets::Target& target, const ExecOptions& options);

}  // namespace synack::run
