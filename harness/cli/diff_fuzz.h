// Differential fuzzing (`synack diff --fuzz SECONDS --targets reference/linux,kernel`).
//
// The session fuzzer's event sequences (fuzz/session.h), mutated from seeds built from the
// shipped scripts, are run on the reference stack and turned into .pkt scripts that say exactly
// what the reference did (fuzz/to_script.h). Each such script then runs on the other target; where
// that target first does something else is a divergence (run/trace_diff.h). Divergences are
// deduplicated by where the traces first differ and what the script did just before, and each
// distinct one is kept as its reproducing script plus the pair of traces.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "harness/cli/target_setup.h"

namespace synack::cli {

// The script option every run of `synack diff` adds: a script written from one stack's run may
// name that stack's ephemeral port (several connections need explicit ports); each stack's own
// port is learned from its SYN instead (run/executor.cpp, --learn_stack_ports).
inline script::OptionSetting learn_stack_ports_option() { return {"learn_stack_ports", "1", {}}; }

struct DiffFuzzOptions {
  TargetSetup baseline;     // a reference target: it writes the scripts
  TargetSetup other;
  std::uint8_t profile = 0;  // the session profile matching the baseline (0 rfc, 1 linux, 2 freebsd)
  double seconds = 60;
  std::size_t max_sessions = 1'000'000;
  int jobs = 1;
  std::size_t max_events = 12;
  // Longer sessions are not run (the other target may be on the real clock). A recorded session
  // ends with 3 s of probes (fuzz/session.cpp), so this leaves 2 s for its own events.
  Micros max_script_time = 5 * kMicrosPerSecond;
  std::uint64_t seed = 1;
  std::string out_dir = "out/diff-fuzz";
  std::string scripts_dir;  // seeds come from these scripts
  bool timing = true;
  bool quiet = false;
};

// Returns the exit status: 0 no divergence, 1 divergences found, 2 setup error.
int run_diff_fuzz(const DiffFuzzOptions& options, std::ostream& out, std::ostream& err);

}  // namespace synack::cli
