// Ladder diagrams: arrows in the right direction with their labels, notes for calls, the mismatch
// in red with the expected segment as a dashed ghost beside it, escaping, and bounded output for
// long traces.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "reports/ladder.h"
#include "tests/reports/sample_run.h"

namespace synack::reports {
namespace {

using Kind = run::TraceEntry::Kind;

run::TraceEntry event(Kind kind, Micros time, int line, std::string text, bool matched = true) {
  run::TraceEntry e;
  e.kind = kind;
  e.time = time;
  e.line = line;
  e.text = std::move(text);
  e.matched = matched;
  return e;
}

run::ScriptResult script_of(std::vector<run::TraceEntry> entries) {
  run::ScriptResult s;
  s.path = "scripts/handshake/passive_open.pkt";
  s.target = "reference";
  s.trace.entries = std::move(entries);
  return s;
}

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

// The markup of the first <g> whose class attribute is exactly `classes`.
std::string group(const std::string& svg, const std::string& classes) {
  const auto start = svg.find("<g class=\"" + classes + "\"");
  if (start == std::string::npos) return "";
  return svg.substr(start, svg.find("</g>", start) - start);
}

// x1 and x2 of the first <line> in `markup`.
std::pair<int, int> line_ends(const std::string& markup) {
  static const std::regex kLine("<line x1=\"(\\d+)\" y1=\"\\d+\" x2=\"(\\d+)\"");
  std::smatch m;
  if (!std::regex_search(markup, m, kLine)) return {-1, -1};
  return {std::stoi(m[1]), std::stoi(m[2])};
}

// Well-formed XML according to xmllint, when it is installed.
void expect_well_formed_xml(const std::string& svg) {
  if (!std::filesystem::exists("/usr/bin/xmllint")) return;
  testing::ScratchDir dir;
  const std::string path = dir.file("ladder.svg");
  std::ofstream(path) << svg;
  const std::string command = "/usr/bin/xmllint --noout " + path + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) output.append(buf, n);
  EXPECT_EQ(::pclose(pipe), 0) << output;
}

TEST(Ladder, EmptyTraceDrawsTheLifelinesAndSaysSo) {
  const std::string svg = ladder_svg(script_of({}));
  EXPECT_EQ(svg.rfind("<svg class=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("peer (synack)"), std::string::npos);
  EXPECT_NE(svg.find("stack under test"), std::string::npos);
  EXPECT_NE(svg.find("no events recorded"), std::string::npos);
  EXPECT_EQ(count_of(svg, "<g class=\"event"), 0u);
  EXPECT_NE(svg.find("data-entries=\"0\""), std::string::npos);
  expect_well_formed_xml(svg);
}

TEST(Ladder, InjectedGoRightObservedGoLeftCallsAreNotes) {
  const std::string svg = ladder_svg(script_of({
      event(Kind::CallStart, 0, 1, "socket(..., SOCK_STREAM, IPPROTO_TCP)"),
      event(Kind::Injected, 100'000, 5, "Flags [S], seq 0, win 65535, options [mss 1460,sackOK], length 0"),
      event(Kind::Observed, 100'250, 6, "Flags [S.], seq 0, ack 1, win 65535, length 0"),
      event(Kind::Command, 200'000, 7, "`sysctl -q net.ipv4.tcp_sack=1`"),
      event(Kind::Assert, 200'001, 8, "%{ assert tcpi_state == 1 }%"),
  }));
  expect_well_formed_xml(svg);
  EXPECT_EQ(count_of(svg, "<g class=\"event"), 5u);
  const std::string injected = group(svg, "event injected");
  const std::string observed = group(svg, "event observed");
  ASSERT_FALSE(injected.empty());
  ASSERT_FALSE(observed.empty());
  const auto [in_from, in_to] = line_ends(injected);
  const auto [out_from, out_to] = line_ends(observed);
  EXPECT_LT(in_from, in_to);    // peer (left) -> stack (right)
  EXPECT_GT(out_from, out_to);  // stack -> peer
  EXPECT_EQ(in_from, out_to);
  EXPECT_EQ(in_to, out_from);
  // Options on a line of their own, the rest above; the time printed in seconds; the script line.
  EXPECT_NE(injected.find(">Flags [S], seq 0, win 65535, length 0</text>"), std::string::npos);
  EXPECT_NE(injected.find(">options [mss 1460,sackOK]</text>"), std::string::npos);
  EXPECT_NE(injected.find(">0.100000</text>"), std::string::npos);
  EXPECT_NE(injected.find(">line 5</text>"), std::string::npos);
  EXPECT_NE(observed.find(">0.100250</text>"), std::string::npos);
  EXPECT_NE(group(svg, "event call").find(">socket(..., SOCK_STREAM, IPPROTO_TCP)</text>"), std::string::npos);
  EXPECT_NE(group(svg, "event command").find("<circle"), std::string::npos);
  EXPECT_NE(group(svg, "event assert").find(">%{ assert tcpi_state == 1 }%</text>"), std::string::npos);
  // Ordered top to bottom by the trace, not by time: the injected row is above the observed one.
  EXPECT_LT(svg.find("event injected"), svg.find("event observed"));
  EXPECT_EQ(svg.find("#cf222e"), std::string::npos);  // nothing failed: nothing red
}

TEST(Ladder, MismatchIsRedWithTheExpectedSegmentAsAGhostBesideIt) {
  run::ScriptResult s = script_of({
      event(Kind::Injected, 1'000'000, 10, "Flags [S], seq 0, win 65535, length 0"),
      event(Kind::Observed, 1'200'000, 12, "Flags [F.], seq 1, ack 1, win 65535, length 0", false),
      event(Kind::Observed, 1'300'000, 0, "Flags [R], seq 2, win 0, length 0"),
  });
  s.verdict.status = run::Status::Fail;
  run::Failure f;
  f.line = 12;
  f.message = "flags differ";
  f.expected = "Flags [R.], seq 1, ack 1, win *, length 0";
  f.actual = "Flags [F.], seq 1, ack 1, win 65535, length 0";
  f.time = 1'200'000;
  s.verdict.failure = f;
  const std::string svg = ladder_svg(s);
  expect_well_formed_xml(svg);
  const std::string bad = group(svg, "event observed mismatch");
  ASSERT_FALSE(bad.empty());
  EXPECT_NE(bad.find("stroke=\"#cf222e\""), std::string::npos);
  EXPECT_NE(bad.find(">observed: Flags [F.], seq 1, ack 1, win 65535, length 0</text>"), std::string::npos);
  const std::string ghost = group(svg, "event ghost expected");
  ASSERT_FALSE(ghost.empty());
  EXPECT_NE(ghost.find("stroke-dasharray"), std::string::npos);
  EXPECT_NE(ghost.find(">expected: Flags [R.], seq 1, ack 1, win *, length 0</text>"), std::string::npos);
  const auto [from, to] = line_ends(ghost);
  EXPECT_GT(from, to);  // drawn like the observed segment: stack -> peer
  // Right after the mismatching arrow, before the next entry.
  EXPECT_LT(svg.find("event observed mismatch"), svg.find("event ghost expected"));
  EXPECT_LT(svg.find("event ghost expected"), svg.find("<g class=\"event observed\""));
  EXPECT_NE(svg.find(">\u2717 line 12: flags differ</text>"), std::string::npos);
}

TEST(Ladder, ExpectedSegmentNeverSentIsAGhostAtTheEnd) {
  run::ScriptResult s = script_of({event(Kind::Injected, 0, 3, "Flags [S], seq 0, win 65535, length 0")});
  s.verdict.status = run::Status::Fail;
  run::Failure f;
  f.line = 4;
  f.message = "expected segment not sent by 0.300000 s";
  f.expected = "Flags [S.], seq 0, ack 1, win *, length 0";
  f.actual = "(nothing)";
  f.time = 300'000;
  s.verdict.failure = f;
  const std::string svg = ladder_svg(s);
  const std::string ghost = group(svg, "event ghost expected");
  ASSERT_FALSE(ghost.empty());
  EXPECT_NE(ghost.find("<line"), std::string::npos);
  EXPECT_NE(ghost.find(">0.300000</text>"), std::string::npos);
  EXPECT_NE(ghost.find(">expected, not observed: Flags [S.], seq 0, ack 1, win *, length 0</text>"), std::string::npos);
  EXPECT_LT(svg.find("event injected"), svg.find("event ghost expected"));
}

TEST(Ladder, FailedCallIsARedNoteWithTheExpectedResultBesideIt) {
  run::ScriptResult s = script_of({event(Kind::CallStart, 0, 2, "accept(3, ..., ...)"),
                                   event(Kind::CallReturn, 10, 2, "accept() = -1 (EAGAIN)", false)});
  s.verdict.status = run::Status::Fail;
  run::Failure f;
  f.line = 2;
  f.message = "returned -1, expected 4";
  f.expected = "= 4";
  f.actual = "= -1 (EAGAIN)";
  s.verdict.failure = f;
  const std::string svg = ladder_svg(s);
  const std::string bad = group(svg, "event return mismatch");
  EXPECT_NE(bad.find(">observed: accept() = -1 (EAGAIN)</text>"), std::string::npos);
  EXPECT_NE(bad.find("fill=\"#cf222e\""), std::string::npos);
  const std::string ghost = group(svg, "event ghost expected");
  EXPECT_NE(ghost.find(">expected: = 4</text>"), std::string::npos);
  EXPECT_EQ(ghost.find("<line"), std::string::npos);  // a note, not an arrow
}

TEST(Ladder, EscapesTextForXml) {
  run::ScriptResult s = script_of({event(Kind::Command, 0, 1, "`echo \"<a>\" & 'b' \x01\xff`")});
  s.target = "<target>";
  const std::string svg = ladder_svg(s);
  expect_well_formed_xml(svg);
  EXPECT_NE(svg.find("`echo &quot;&lt;a&gt;&quot; &amp; &#39;b&#39; \\x01\\xff`"), std::string::npos);
  EXPECT_NE(svg.find(">&lt;target&gt;</text>"), std::string::npos);
  EXPECT_EQ(svg.find("<a>"), std::string::npos);
}

TEST(Ladder, LongLabelsAreClippedWithTheFullTextInTheTitle) {
  const std::string long_text = "Flags [.], seq 1, ack 1, win 65535, length 0" + std::string(200, 'x');
  const std::string svg = ladder_svg(script_of({event(Kind::Injected, 0, 1, long_text)}));
  EXPECT_NE(svg.find("<title>" + long_text), std::string::npos);
  EXPECT_NE(svg.find("x\u2026</text>"), std::string::npos);
}

TEST(Ladder, TenThousandEntriesAreCompressedAroundTheMismatch) {
  std::vector<run::TraceEntry> entries;
  for (int i = 0; i < 10'000; ++i) {
    entries.push_back(event(i % 2 ? Kind::Observed : Kind::Injected, Micros{i} * 3'600'000'000, i + 1,
                            "Flags [.], seq " + std::to_string(i) + ", ack 1, win 65535, length 0", i != 7'001));
  }
  run::ScriptResult s = script_of(std::move(entries));
  s.verdict.status = run::Status::Fail;
  run::Failure f;
  f.line = 7'002;
  f.message = "ack differs";
  f.expected = "Flags [.], seq 7001, ack 2, win *, length 0";
  s.verdict.failure = f;
  const auto start = std::chrono::steady_clock::now();
  const std::string svg = ladder_svg(s);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
  expect_well_formed_xml(svg);
  EXPECT_LT(svg.size(), 400'000u);
  const std::size_t drawn = count_of(svg, "<g class=\"event");
  EXPECT_LE(drawn, LadderOptions{}.max_rows + 1);  // + the ghost
  EXPECT_GE(drawn, LadderOptions{}.max_rows / 2);
  // The mismatch and its neighbours are drawn; the omissions are said, and add up.
  EXPECT_NE(svg.find("data-line=\"7002\""), std::string::npos);
  EXPECT_NE(svg.find("data-line=\"6999\""), std::string::npos);
  EXPECT_NE(svg.find("data-line=\"7005\""), std::string::npos);
  EXPECT_NE(svg.find("data-line=\"10000\""), std::string::npos);
  EXPECT_NE(group(svg, "event ghost expected").find("ack 2"), std::string::npos);
  static const std::regex kOmitted("data-omitted=\"(\\d+)\"");
  std::size_t omitted = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), kOmitted); it != std::sregex_iterator(); ++it)
    omitted += std::stoul((*it)[1]);
  EXPECT_EQ(omitted + drawn - 1, 10'000u);
  EXPECT_NE(svg.find("events not shown (trace has 10000 entries)"), std::string::npos);
  // Hours between events do not stretch the diagram: rows are spaced by order.
  static const std::regex kHeight("height=\"(\\d+)\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, kHeight));
  EXPECT_LT(std::stoi(m[1]), 20'000);
}

TEST(Ladder, ShortTracesAreNeverCompressed) {
  std::vector<run::TraceEntry> entries;
  for (int i = 0; i < 300; ++i) entries.push_back(event(Kind::Injected, i, i + 1, "Flags [.]"));
  const std::string svg = ladder_svg(script_of(std::move(entries)));
  EXPECT_EQ(count_of(svg, "<g class=\"event"), 300u);
  EXPECT_EQ(svg.find("class=\"gap\""), std::string::npos);
}

}  // namespace
}  // namespace synack::reports
