// synack.toml: defaults for the CLI and per-target settings. Every error names the file, the line
// and the key.
//
//   [run]
//   target = "reference"          # reference | kernel
//   jobs = 2
//   retries = 2                   # real-clock targets: rerun a failing script up to 2 times
//   filter = "handshake/*"
//   json = "out/results.json"
//   junit = "out/junit.xml"
//
//   [script]                      # defaults for script options (a script's own options win,
//   tolerance_usecs = 4000        #  the command line wins over both)
//   tolerance_percent = 12.5
//
//   [target.reference]
//   profile = "rfc"               # rfc | linux | freebsd
//   [target.reference.overrides]  # any stack parameter by name, e.g. rto_min_ms = 200
//
//   [target.kernel]
//   timeout_seconds = 120
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "harness/common/result.h"

namespace synack::cli {

// A scalar setting value from TOML.
using SettingValue = std::variant<std::int64_t, double, bool, std::string>;

struct Config {
  std::string source;  // file the config came from ("" = built-in defaults)
  // [run]
  std::optional<std::string> target;
  std::optional<int> jobs;
  std::optional<int> retries;
  std::optional<std::string> filter;
  std::optional<std::string> json;
  std::optional<std::string> junit;
  // [script]
  std::optional<std::int64_t> tolerance_usecs;
  std::optional<double> tolerance_percent;
  // [target.<name>]: profile and everything else, by key (nested tables flattened with '.').
  std::map<std::string, std::map<std::string, SettingValue>> targets;
  // Where each of those settings stands: targets_at[name][key] = "synack.toml:12:1", so a value
  // the target rejects later can be reported at its place.
  std::map<std::string, std::map<std::string, std::string>> targets_at;
};

// Parses TOML text. Errors: "synack.toml:4:9: run.jobs: expected an integer >= 1, found string".
// Unknown keys are errors too (a typo must not be silently ignored).
Result<Config> parse_config(std::string_view text, const std::string& source_name);
Result<Config> load_config(const std::string& path);

}  // namespace synack::cli
