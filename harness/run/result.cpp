#include "harness/run/result.h"

#include <algorithm>
#include <sstream>

namespace synack::run {

const char* status_name(Status s) {
  switch (s) {
    case Status::Pass: return "pass";
    case Status::Fail: return "fail";
    case Status::Skipped: return "skipped";
    case Status::Error: return "error";
    case Status::ExpectedDeviation: return "expected-deviation";
  }
  return "unknown";
}

std::string Failure::render() const {
  std::ostringstream out;
  out << "line " << line;
  if (column > 0) out << ":" << column;
  out << " at " << format_seconds(time) << " s: " << message << "\n";
  if (!script_line.empty()) out << "  script:   " << script_line << "\n";
  if (!expected.empty() || !actual.empty()) {
    out << "  expected: " << (expected.empty() ? "(nothing)" : expected) << "\n";
    out << "  actual:   " << (actual.empty() ? "(nothing)" : actual) << "\n";
  }
  return out.str();
}

}  // namespace synack::run
