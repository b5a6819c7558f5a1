// Internal pieces of the HTML report (html.cpp joins them). Not for use outside reports/.
#pragma once

#include <string>
#include <vector>

#include "harness/run/result.h"
#include "reports/html.h"

namespace synack::reports::html {

// The inline stylesheet and the inline script (filters, expand/collapse; the report reads fine
// without it).
const char* stylesheet();
const char* script();

// <section id="requirement-matrix">: requirement x target, with the rule in its legend.
std::string requirement_matrix_section(const std::vector<run::RunResult>& runs, const HtmlOptions& options);

// "0.8 ms", "1.25 s", "3 min 20 s".
std::string duration_text(double seconds);

// The CSS class and label of a status: "pass", "fail", "skipped", "error", "expected-deviation".
const char* status_class(run::Status status);

}  // namespace synack::reports::html
