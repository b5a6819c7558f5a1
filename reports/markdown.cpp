#include "reports/markdown.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "reports/html_text.h"

namespace synack::reports {
namespace {

using run::Status;

// Characters with a meaning in inline Markdown (CommonMark + GitHub tables) are backslash-escaped;
// newlines become spaces so a message stays on its line.
std::string inline_text(const std::string& text, std::size_t max_chars) {
  const std::string printable = clip_text(printable_text(text), max_chars);
  std::string out;
  for (const char c : printable) {
    if (c == '\n' || c == '\t') {
      out += ' ';
      continue;
    }
    if (std::string_view("\\`*_[]<>|~#!").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// The longest run of backticks in `text`.
std::size_t longest_backtick_run(const std::string& text) {
  std::size_t longest = 0, run = 0;
  for (const char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

std::string code_span(const std::string& text) {
  const std::string printable = printable_text(text);
  const std::string fence(longest_backtick_run(printable) + 1, '`');
  const bool pad = !printable.empty() && (printable.front() == '`' || printable.back() == '`');
  return fence + (pad ? " " : "") + printable + (pad ? " " : "") + fence;
}

std::string seconds_text(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", seconds);
  return buf;
}

struct Counts {
  std::size_t pass = 0, fail = 0, error = 0, skipped = 0, deviation = 0;
  std::size_t total() const { return pass + fail + error + skipped + deviation; }
};

Counts count(const run::RunResult& run) {
  Counts c;
  for (const auto& s : run.scripts) {
    switch (s.verdict.status) {
      case Status::Pass: ++c.pass; break;
      case Status::Fail: ++c.fail; break;
      case Status::Error: ++c.error; break;
      case Status::Skipped: ++c.skipped; break;
      case Status::ExpectedDeviation: ++c.deviation; break;
    }
  }
  return c;
}

std::string pass_rate(const Counts& c) {
  const std::size_t ran = c.total() - c.skipped;
  if (ran == 0) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", 100.0 * static_cast<double>(c.pass) / static_cast<double>(ran));
  return buf;
}

void failure_entry(std::ostringstream& out, const run::RunResult& run, const run::ScriptResult& s,
                   const MarkdownOptions& options) {
  out << "- **" << inline_text(run.target, 80) << "** " << code_span(s.path) << " ("
      << run::status_name(s.verdict.status) << ")";
  const run::Failure* f = s.verdict.failure ? &*s.verdict.failure : nullptr;
  if (f != nullptr && f->line > 0) out << ", line " << f->line;
  std::string message = f != nullptr ? f->message : "";
  if (message.empty()) message = s.verdict.reason;
  if (!message.empty()) out << ": " << inline_text(message, options.max_text_chars);
  out << "\n";
  if (f == nullptr || (f->script_line.empty() && f->expected.empty() && f->actual.empty())) return;
  std::string block;
  const auto add = [&](const char* label, const std::string& text) {
    block += label + clip_text(printable_text(text), options.max_text_chars) + "\n";
  };
  if (!f->script_line.empty()) add("script:   ", f->script_line);
  if (!f->expected.empty() || !f->actual.empty()) {
    add("expected: ", f->expected.empty() ? "(nothing)" : f->expected);
    add("actual:   ", f->actual.empty() ? "(nothing)" : f->actual);
  }
  const std::string fence(std::max<std::size_t>(3, longest_backtick_run(block) + 1), '`');
  out << "\n  " << fence << "text\n";
  std::istringstream lines(block);
  for (std::string line; std::getline(lines, line);) out << "  " << line << "\n";
  out << "  " << fence << "\n";
}

}  // namespace

std::string to_markdown(const std::vector<run::RunResult>& runs, const MarkdownOptions& options) {
  std::ostringstream out;
  out << "## synack results\n";
  std::size_t failures = 0;
  for (const auto& run : runs) {
    const Counts c = count(run);
    out << "\n### " << inline_text(run.target, 80);
    if (!run.target_version.empty()) out << " (" << inline_text(run.target_version, 120) << ")";
    out << "\n\n| scripts | pass | fail | error | skipped | expected deviation | pass rate | wall time |\n"
        << "|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        << "| " << c.total() << " | " << c.pass << " | " << c.fail << " | " << c.error << " | " << c.skipped << " | "
        << c.deviation << " | " << pass_rate(c) << " | " << seconds_text(run.wall_seconds) << " |\n";
    if (run.interrupted) {
      out << "\n**Interrupted**: " << run.not_run.size() << " script" << (run.not_run.size() == 1 ? "" : "s")
          << " did not run.\n";
    }
    failures += c.fail + c.error;
  }
  if (failures == 0) {
    out << "\nNo failures.\n";
    return out.str();
  }
  out << "\n### Failures (" << failures << ")\n\n";
  std::size_t listed = 0;
  for (const auto& run : runs) {
    for (const auto& s : run.scripts) {
      if (s.verdict.status != Status::Fail && s.verdict.status != Status::Error) continue;
      if (listed == options.max_failures) break;
      failure_entry(out, run, s, options);
      ++listed;
    }
  }
  if (listed < failures) out << "\nand " << failures - listed << " more.\n";
  return out.str();
}

}  // namespace synack::reports
