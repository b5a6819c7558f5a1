// Differential comparison between targets: statuses per target, observed segments compared by
// their relative text, the first difference named; text and HTML renderings.
#include <gtest/gtest.h>

#include "reports/compare.h"

namespace synack::reports {
namespace {

using Kind = run::TraceEntry::Kind;
using run::Status;

run::ScriptResult script(const std::string& path, Status status, std::vector<std::string> observed) {
  run::ScriptResult s;
  s.path = path;
  s.verdict.status = status;
  run::TraceEntry injected;
  injected.kind = Kind::Injected;
  injected.text = "Flags [S], seq 0, win 65535, length 0";  // injected segments are never compared
  s.trace.entries.push_back(injected);
  for (auto& text : observed) {
    run::TraceEntry e;
    e.kind = Kind::Observed;
    e.text = std::move(text);
    s.trace.entries.push_back(e);
  }
  return s;
}

const std::string kSynAck = "Flags [S.], seq 0, ack 1, win 65535, length 0";
const std::string kSynAckWs = "Flags [S.], seq 0, ack 1, win 64240, options [mss 1460], length 0";
const std::string kRst = "Flags [R.], seq 1, ack 1, win 0, length 0";

std::vector<run::RunResult> runs() {
  run::RunResult reference;
  reference.target = "reference";
  reference.scripts = {script("scripts/a.pkt", Status::Pass, {kSynAck, kRst}),
                       script("scripts/b.pkt", Status::Pass, {kSynAck}),
                       script("./scripts/c.pkt", Status::Pass, {kSynAck}),
                       script("scripts/d.pkt", Status::Skipped, {}),
                       script("scripts/e.pkt", Status::Fail, {kSynAck})};
  run::RunResult kernel;
  kernel.target = "kernel";
  kernel.scripts = {script("scripts/a.pkt", Status::Pass, {kSynAck, kRst}),
                    script("scripts/b.pkt", Status::Fail, {kSynAckWs}),
                    script("scripts/c.pkt", Status::Pass, {kSynAck, kRst}),
                    script("scripts/d.pkt", Status::Pass, {kRst}),
                    script("scripts/f.pkt", Status::Pass, {})};
  return {reference, kernel};
}

TEST(Compare, StatusesAndObservedDifferencesPerScript) {
  const CompareResult result = compare_runs(runs());
  EXPECT_EQ(result.targets, (std::vector<std::string>{"reference", "kernel"}));
  ASSERT_EQ(result.scripts.size(), 6u);
  const auto& a = result.scripts[0];
  EXPECT_EQ(a.path, "scripts/a.pkt");
  EXPECT_FALSE(a.differs());
  const auto& b = result.scripts[1];
  EXPECT_TRUE(b.verdicts_differ);
  EXPECT_TRUE(b.observed_differ);
  EXPECT_EQ(b.first_difference, 0u);
  EXPECT_EQ(b.first_difference_text, (std::vector<std::string>{kSynAck, kSynAckWs}));
  const auto& c = result.scripts[2];  // "./" does not make it another script
  EXPECT_EQ(c.path, "scripts/c.pkt");
  EXPECT_FALSE(c.verdicts_differ);
  EXPECT_TRUE(c.observed_differ);  // same verdict, but the kernel sent one more segment
  EXPECT_EQ(c.first_difference, 1u);
  EXPECT_EQ(c.first_difference_text, (std::vector<std::string>{"(none)", kRst}));
  const auto& d = result.scripts[3];  // skipped on one side: verdicts differ, segments not compared
  EXPECT_TRUE(d.verdicts_differ);
  EXPECT_FALSE(d.observed_differ);
  const auto& e = result.scripts[4];
  EXPECT_EQ(e.path, "scripts/e.pkt");
  EXPECT_EQ(e.statuses, (std::vector<std::optional<Status>>{Status::Fail, std::nullopt}));
  EXPECT_TRUE(e.verdicts_differ);
  EXPECT_FALSE(e.observed_differ);
  EXPECT_EQ(result.scripts[5].statuses, (std::vector<std::optional<Status>>{std::nullopt, Status::Pass}));
  EXPECT_EQ(result.differing(), 5u);
}

TEST(Compare, FormatsTheMatrixAndEveryDifference) {
  EXPECT_EQ(format_compare(compare_runs(runs())),
            "Differential comparison of 2 targets: reference, kernel\n"
            "script         reference           kernel              observed\n"
            "scripts/a.pkt  pass                pass                same\n"
            "scripts/b.pkt  pass                fail                differ at #1  *\n"
            "scripts/c.pkt  pass                pass                differ at #2  *\n"
            "scripts/d.pkt  skipped             pass                -  *\n"
            "scripts/e.pkt  fail                -                   -  *\n"
            "scripts/f.pkt  -                   pass                -  *\n"
            "5 of 6 scripts differ.\n"
            "\n"
            "scripts/b.pkt\n"
            "  verdicts: reference pass, kernel fail\n"
            "  observed segments differ at #1:\n"
            "    reference: Flags [S.], seq 0, ack 1, win 65535, length 0\n"
            "    kernel:    Flags [S.], seq 0, ack 1, win 64240, options [mss 1460], length 0\n"
            "\n"
            "scripts/c.pkt\n"
            "  observed segments differ at #2:\n"
            "    reference: (none)\n"
            "    kernel:    Flags [R.], seq 1, ack 1, win 0, length 0\n"
            "\n"
            "scripts/d.pkt\n"
            "  verdicts: reference skipped, kernel pass\n"
            "\n"
            "scripts/e.pkt\n"
            "  verdicts: reference fail, kernel -\n"
            "\n"
            "scripts/f.pkt\n"
            "  verdicts: reference -, kernel pass\n");
}

TEST(Compare, ThreeTargetsAndOneTarget) {
  auto three = runs();
  run::RunResult lwip;
  lwip.target = "lwip";
  lwip.scripts = {script("scripts/a.pkt", Status::Pass, {kSynAck, kSynAck})};
  three.push_back(lwip);
  const CompareResult result = compare_runs(three);
  const auto& a = result.scripts[0];
  EXPECT_TRUE(a.observed_differ);
  EXPECT_EQ(a.first_difference, 1u);
  EXPECT_EQ(a.first_difference_text, (std::vector<std::string>{kRst, kRst, kSynAck}));
  EXPECT_EQ(a.statuses.size(), 3u);
  // One target: nothing can differ.
  const CompareResult single = compare_runs({runs()[0]});
  EXPECT_EQ(single.differing(), 0u);
  EXPECT_EQ(compare_runs({}).scripts.size(), 0u);
}

TEST(Compare, HtmlSectionEscapesAndMarksDifferences) {
  auto input = runs();
  input[0].scripts[1].trace.entries[1].text = "<b>&</b>";
  const std::string html = compare_html_section(compare_runs(input), true);
  EXPECT_EQ(html.rfind("<section id=\"comparison\">", 0), 0u);
  EXPECT_NE(html.find("5 of 6 scripts differ"), std::string::npos);
  EXPECT_NE(html.find("<code>&lt;b&gt;&amp;&lt;/b&gt;</code>"), std::string::npos);
  EXPECT_EQ(html.find("<b>&</b>"), std::string::npos);
  EXPECT_NE(html.find("<tr data-differs=\"false\"><td class=\"path\">scripts/a.pkt</td>"), std::string::npos);
  EXPECT_NE(html.find("<tr data-differs=\"true\" class=\"differs\"><td class=\"path\">scripts/b.pkt</td>"
                      "<td class=\"cell pass\"><a href=\"#script-reference--scripts-b.pkt\">pass</a></td>"
                      "<td class=\"cell fail\"><a href=\"#script-kernel--scripts-b.pkt\">fail</a></td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"cell none\">not run</td>"), std::string::npos);
}

}  // namespace
}  // namespace synack::reports
