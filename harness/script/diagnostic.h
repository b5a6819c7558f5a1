// Diagnostics for script input: file:line:col, the offending line with a caret, and what was
// expected versus what was found.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/script/ast.h"

namespace synack::script {

struct Diagnostic {
  std::string path;
  SourceLoc loc;
  std::string message;     // "expected ':' after sequence start, found '('"
  std::string line_text;   // the source line (truncated to a readable length for huge lines)
  int caret_column = 0;    // 1-based column of the caret within line_text

  // "path:3:17: error: message\n  <line>\n  <spaces>^"
  std::string render() const;
};

}  // namespace synack::script
