// A small long-option parser for the subcommands: "--name value", "--name=value", flags, and
// positional arguments; unknown options are usage errors with the subcommand's help pointer.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace synack::cli {

struct OptionSpec {
  std::string name;        // "jobs" for --jobs; single letter for -D style
  bool takes_value = true;
  bool repeatable = false;
};

struct ParsedArgs {
  std::map<std::string, std::vector<std::string>> values;  // option -> values (flags: {""})
  std::vector<std::string> positional;
  std::string error;  // non-empty on a usage error

  bool has(const std::string& name) const { return values.count(name) > 0; }
  std::optional<std::string> get(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
  }
};

ParsedArgs parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs);

}  // namespace synack::cli
