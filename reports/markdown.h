// A short Markdown summary of one or more runs, for CI comments (GitHub, GitLab): per target a
// table of counts, then the failing scripts (fail and error) with line, message and expected vs
// actual in a code block. Bounded: at most `max_failures` failures are listed, then "and N more".
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "harness/run/result.h"

namespace synack::reports {

struct MarkdownOptions {
  std::size_t max_failures = 50;       // over all targets
  std::size_t max_text_chars = 400;    // per message / expected / actual line
};

std::string to_markdown(const std::vector<run::RunResult>& runs, const MarkdownOptions& options = {});

}  // namespace synack::reports
