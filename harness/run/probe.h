// Probes: built-in checks that a script asks for with a metadata comment,
//
//   // probe: isn samples=2000
//
// for properties no script can state: statistics over thousands of connections, or absolute
// sequence numbers (scripts see only relative ones). The script's own events run first, as usual;
// then run_script_file (suite.h) makes a fresh target with the same factory and runs the probe on
// it, and the script fails if either fails. The file stays a valid packetdrill script.
//
// Probes, their parameters and the parser's range checks (harness/script/parser.cpp):
//   isn   RFC 9293 §3.4.1 MUST-8 (clock) and SHLD-1 (RFC 6528 keyed hash); probe_isn.h.
//         samples=1600..40000 (default 2000), gap_usecs=20..100000 (default 200)
#pragma once

#include <string>
#include <vector>

#include "harness/run/executor.h"
#include "harness/run/result.h"
#include "harness/script/ast.h"
#include "targets/target.h"

namespace synack::run {

struct ProbeResult {
  Status status = Status::Pass;     // Pass, Fail (the stack), Error (the harness or target broke)
  std::string message;              // Fail: names the requirement; Error: what broke
  std::vector<std::string> lines;   // figures, one trace entry each
};

// Runs `metadata.probe` on `target`, which must be fresh (nothing else has used it).
ProbeResult run_probe(const script::Metadata& metadata, targets::Target& target, const targets::Network& net,
                      const ExecOptions& options);

// Adds a probe's outcome to the result of the script's own events: its figures as trace entries
// (Kind::Assert, on the probe's metadata line) and, when it failed, the verdict and failure.
void merge_probe_result(ScriptResult& result, const script::Metadata& metadata, const ProbeResult& probe);

}  // namespace synack::run
