// The suite runner: finds scripts, runs them N at a time (each on a fresh target), and hands
// each result over the moment it finishes.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/common/result.h"
#include "harness/run/executor.h"
#include "harness/run/result.h"
#include "targets/target.h"

namespace synack::run {

// Expands files and directories (recursively, *.pkt, sorted) and applies a glob filter to the
// path relative to the directory given (or to the file name for files). Errors for missing paths.
Result<std::vector<std::string>> collect_scripts(const std::vector<std::string>& paths, const std::string& filter);

using TargetFactory = std::function<Result<std::unique_ptr<targets::Target>>(const targets::Network&)>;

struct SuiteOptions {
  std::string target_name;          // for `// targets:` restrictions and reports
  int jobs = 1;
  ExecOptions exec;
  TargetFactory make_target;
  // Called once per finished script, in finishing order, never concurrently. It may amend the
  // result (e.g. mark an expected deviation) before it is stored.
  std::function<void(ScriptResult&, std::size_t done, std::size_t total)> on_result;
  // When set, each script runs through this instead of in process (the kernel target runs every
  // script in a child process of its own).
  std::function<ScriptResult(const std::string& path)> run_one;
  // A script whose result `retry_if` accepts (a failure on a real-clock target, where timing varies
  // from run to run) runs again, up to `retries` more times; the failed attempts are kept in
  // ScriptResult::earlier_attempts, so a pass after a failure is reported as flaky, not hidden.
  int retries = 0;
  std::function<bool(const ScriptResult&)> retry_if;
  // Set (e.g. by SIGINT) to stop starting new scripts; running ones finish.
  const std::atomic<bool>* interrupted = nullptr;
};

// Runs one script file: parse, check `// targets:`, build the target, execute. Never throws.
ScriptResult run_script_file(const std::string& path, const SuiteOptions& options);

// Results come back in the order of `files`; RunResult::not_run lists what an interrupt skipped.
RunResult run_suite(const std::vector<std::string>& files, const SuiteOptions& options);

}  // namespace synack::run
