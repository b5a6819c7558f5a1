// The synack command line: `synack run|check|list|help`. Everything but main() lives here so
// tests can drive the subcommands and read what they print.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace synack::cli {

// Exit statuses (README): 0 all passed, 1 some failed, 2 usage or input error.
inline constexpr int kExitPass = 0;
inline constexpr int kExitFail = 1;
inline constexpr int kExitUsage = 2;

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

int cmd_run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_check(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_list(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace synack::cli
