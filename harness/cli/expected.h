// Known deviations of a target from what the scripts expect: scripts/expected/<target>.toml.
// Each entry names a script and says why the target behaves differently (with its RFC reference),
// so that nothing fails without an explanation and nothing unexplained is hidden:
//
//   schema = "synack-expected"
//   schema_version = 1
//   target = "kernel"
//   [[deviation]]
//   script = "rst/rst_in_time_wait.pkt"     # relative to the scripts directory
//   reason = "Linux ... (RFC 1337 ...)"
//   rfc = "1337 2"                          # optional reference shown in reports
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/common/result.h"
#include "harness/run/result.h"

namespace synack::cli {

struct Deviation {
  std::string script;  // relative to the directory holding expected/
  std::string reason;
  std::string rfc;
};

struct ExpectedDeviations {
  std::string source;        // the file
  std::string scripts_root;  // the directory scripts are relative to
  std::string target;
  std::map<std::string, Deviation> by_script;
};

Result<ExpectedDeviations> parse_expected(std::string_view text, const std::string& source_name,
                                          const std::string& scripts_root);
Result<ExpectedDeviations> load_expected(const std::string& path, const std::string& scripts_root);

// The entry for a script (its path as run), or nullptr.
const Deviation* find_deviation(const ExpectedDeviations& expected, const std::string& path);

// A failing script listed as a deviation becomes ExpectedDeviation (its failure is kept); a
// listed script that passes keeps Pass and says that the entry looks stale.
void apply_expected(const ExpectedDeviations& expected, run::ScriptResult& result);

}  // namespace synack::cli
