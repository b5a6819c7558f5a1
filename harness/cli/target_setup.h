// Turns a target name plus its settings (synack.toml's [target.<name>], --profile, --set,
// --timeout) into what the suite runner needs: a factory for in-process targets or a runner that
// puts each script in a child process. `synack run` and `synack diff` share it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "harness/cli/config.h"
#include "harness/common/time.h"
#include "harness/run/suite.h"
#include "harness/script/ast.h"

namespace synack::cli {

// The settings a target may take, gathered from the command line and the config file.
struct TargetRequest {
  std::string name;                          // "reference", "kernel", ...
  std::optional<std::string> profile;        // --profile (reference)
  std::vector<std::string> set;              // --set KEY=VALUE (reference)
  std::optional<Micros> timeout;             // --timeout (targets that run scripts in a child)
  std::vector<script::OptionSetting> overrides;  // script options given on the command line
};

struct TargetSetup {
  std::string name;
  std::string profile;        // "" for targets without profiles
  std::string expected_name;  // the stem of its expected/<name>.toml deviation list
  bool real_clock = false;    // runs on the real clock (timing can vary from run to run)
  std::string version;        // what the reports name (kernel: release and congestion control)
  run::TargetFactory make_target;                                   // in-process targets
  std::function<run::ScriptResult(const std::string&)> run_one;    // child-process targets
};

struct TargetSetupError {
  std::string message;
  bool usage = true;  // a usage error (print the help pointer) rather than an environment one
};

// The names `--target` accepts, for help and error texts.
std::string known_target_names();

std::variant<TargetSetup, TargetSetupError> setup_target(const TargetRequest& request, const Config& config,
                                                         const std::string& config_path);

// Fills a SuiteOptions' target fields from a setup.
void apply_setup(const TargetSetup& setup, run::SuiteOptions& options);

}  // namespace synack::cli
