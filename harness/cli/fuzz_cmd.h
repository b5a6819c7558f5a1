// `synack fuzz` and `synack replay`.
//
//   synack fuzz [--campaign FILE.toml] [--time S] [--jobs N] [--corpus DIR] [--out DIR]
//               [--max-events N] [--in-process] [--fuzz-bin DIR]
//   synack replay FILE [--profile NAME] [--minimize]
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace synack::cli {

int cmd_fuzz(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_replay(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace synack::cli
