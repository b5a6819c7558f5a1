// The Markdown summary for CI comments: exact output for a small run, escaping, and the cap on
// the number of failures listed.
#include <gtest/gtest.h>

#include "reports/markdown.h"

namespace synack::reports {
namespace {

using run::Status;

run::ScriptResult result(Status status, std::string path) {
  run::ScriptResult s;
  s.path = std::move(path);
  s.verdict.status = status;
  return s;
}

run::RunResult small_run() {
  run::RunResult r;
  r.target = "reference";
  r.target_version = "synack-reference 0.1";
  r.wall_seconds = 1.5;
  r.scripts.push_back(result(Status::Pass, "scripts/handshake/passive_open.pkt"));
  auto fail = result(Status::Fail, "scripts/rst/rst_in_syn_rcvd.pkt");
  run::Failure f;
  f.line = 12;
  f.message = "flags differ";
  f.script_line = "+.2 > R. 1:1(0) ack 1";
  f.expected = "Flags [R.], seq 1, ack 1, win *, length 0";
  f.actual = "Flags [F.], seq 1, ack 1, win 65535, length 0";
  fail.verdict.failure = f;
  r.scripts.push_back(fail);
  auto error = result(Status::Error, "scripts/close/fin.pkt");
  error.verdict.reason = "target crashed";
  r.scripts.push_back(error);
  r.scripts.push_back(result(Status::Skipped, "scripts/keepalive/idle.pkt"));
  r.scripts.push_back(result(Status::ExpectedDeviation, "scripts/window/zero.pkt"));
  return r;
}

TEST(Markdown, SummarisesCountsAndFailures) {
  run::RunResult kernel;
  kernel.target = "kernel";
  kernel.wall_seconds = 0.25;
  kernel.scripts.push_back(result(Status::Pass, "scripts/handshake/passive_open.pkt"));
  kernel.interrupted = true;
  kernel.not_run = {"scripts/rst/rst_in_syn_rcvd.pkt"};
  EXPECT_EQ(to_markdown({small_run(), kernel}),
            "## synack results\n"
            "\n"
            "### reference (synack-reference 0.1)\n"
            "\n"
            "| scripts | pass | fail | error | skipped | expected deviation | pass rate | wall time |\n"
            "|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            "| 5 | 1 | 1 | 1 | 1 | 1 | 25.0 % | 1.50 s |\n"
            "\n"
            "### kernel\n"
            "\n"
            "| scripts | pass | fail | error | skipped | expected deviation | pass rate | wall time |\n"
            "|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            "| 1 | 1 | 0 | 0 | 0 | 0 | 100.0 % | 0.25 s |\n"
            "\n"
            "**Interrupted**: 1 script did not run.\n"
            "\n"
            "### Failures (2)\n"
            "\n"
            "- **reference** `scripts/rst/rst_in_syn_rcvd.pkt` (fail), line 12: flags differ\n"
            "\n"
            "  ```text\n"
            "  script:   +.2 > R. 1:1(0) ack 1\n"
            "  expected: Flags [R.], seq 1, ack 1, win *, length 0\n"
            "  actual:   Flags [F.], seq 1, ack 1, win 65535, length 0\n"
            "  ```\n"
            "- **reference** `scripts/close/fin.pkt` (error): target crashed\n");
}

TEST(Markdown, NoFailuresSaysSo) {
  run::RunResult r;
  r.target = "reference";
  r.scripts.push_back(result(Status::Skipped, "a.pkt"));
  EXPECT_EQ(to_markdown({r}),
            "## synack results\n\n### reference\n\n"
            "| scripts | pass | fail | error | skipped | expected deviation | pass rate | wall time |\n"
            "|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            "| 1 | 0 | 0 | 0 | 1 | 0 | n/a | 0.00 s |\n\nNo failures.\n");
}

TEST(Markdown, EscapesMarkupAndFencesAroundBackticks) {
  run::RunResult r;
  r.target = "ref|erence";
  auto s = result(Status::Fail, "scripts/`odd`.pkt");
  run::Failure f;
  f.message = "got <b>*bold*</b> | pipe\nnext line";
  f.actual = "```";
  s.verdict.failure = f;
  r.scripts.push_back(s);
  const std::string md = to_markdown({r});
  EXPECT_NE(md.find("### ref\\|erence\n"), std::string::npos) << md;
  EXPECT_NE(md.find("- **ref\\|erence** ``scripts/`odd`.pkt`` (fail): got \\<b\\>\\*bold\\*\\</b\\> \\| pipe next line\n"),
            std::string::npos)
      << md;
  // The code block's fence is longer than any backtick run inside it.
  EXPECT_NE(md.find("  ````text\n  expected: (nothing)\n  actual:   ```\n  ````\n"), std::string::npos) << md;
}

TEST(Markdown, ListsAtMostTheCapThenSaysHowManyMore) {
  run::RunResult r;
  r.target = "reference";
  for (int i = 0; i < 60; ++i) r.scripts.push_back(result(Status::Fail, "f" + std::to_string(i) + ".pkt"));
  const std::string md = to_markdown({r});
  EXPECT_NE(md.find("### Failures (60)\n"), std::string::npos);
  EXPECT_NE(md.find("`f49.pkt`"), std::string::npos);
  EXPECT_EQ(md.find("`f50.pkt`"), std::string::npos);
  EXPECT_EQ(md.substr(md.size() - 14), "\nand 10 more.\n");
  MarkdownOptions small;
  small.max_failures = 3;
  small.max_text_chars = 10;
  r.scripts[0].verdict.failure = run::Failure{};
  r.scripts[0].verdict.failure->message = std::string(100, 'm');
  const std::string capped = to_markdown({r}, small);
  EXPECT_NE(capped.find(": mmmmmmmmm\u2026\n"), std::string::npos);
  EXPECT_NE(capped.find("\nand 57 more.\n"), std::string::npos);
  EXPECT_LT(to_markdown({r}).size(), 8'000u);
}

}  // namespace
}  // namespace synack::reports
