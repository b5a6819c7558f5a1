// `synack diff SCRIPT... --targets reference,kernel`: runs the same scripts on several targets
// and reports, per script, where what the stacks did first differs (run/trace_diff.h).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace synack::cli {

int cmd_diff(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
extern const char* const kDiffHelp;

}  // namespace synack::cli
