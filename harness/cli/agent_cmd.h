// `synack agent`: the remote target's helper on the host of the stack under test.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace synack::cli {

// synack agent --listen HOST:PORT [--once] | --fd N
int cmd_agent(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace synack::cli
