// Runs one script in a child process of this binary (`synack __run-one ...`). A kernel-target
// child enters a network namespace of its own before it touches the network, so everything the
// script does vanishes with it; an lwip-target child runs lwIP in process (lwIP's state is global,
// so a process per script keeps scripts apart). The parent waits with a timeout and ends the
// child, by its PID, when the timeout expires.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "harness/common/time.h"
#include "harness/run/result.h"
#include "harness/script/ast.h"

namespace synack::cli {

struct IsolatedOptions {
  std::string target = "kernel";
  Micros timeout = 120 * kMicrosPerSecond;
  std::vector<script::OptionSetting> overrides;  // passed on as --opt NAME=VALUE
  std::vector<std::string> target_options;       // KEY=VALUE settings of the target, as --target-opt
  std::string self_exe = "/proc/self/exe";
};

run::ScriptResult run_isolated(const std::string& path, const IsolatedOptions& options);

// The child side: `synack __run-one --target kernel|lwip|remote --result FILE [--opt NAME=VALUE]...
// [--target-opt KEY=VALUE]... SCRIPT`.
int cmd_run_one(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace synack::cli
