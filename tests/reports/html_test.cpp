// The HTML report: structure (ids, one ladder per script, balanced markup), no external references,
// escaping of script-derived text, the requirement matrix rule, atomic writing, and the DOM that
// headless Chromium builds from the file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "harness/net/codec.h"
#include "reports/html.h"
#include "reports/pcap_export.h"
#include "tests/reports/sample_run.h"

namespace synack::reports {
namespace {

using Kind = run::TraceEntry::Kind;
using run::Status;
using testing::ScratchDir;

net::Segment segment(bool from_peer, std::uint16_t flags, std::uint32_t seq, std::uint32_t ack) {
  net::Segment s;
  s.src = *net::IpAddress::parse(from_peer ? "192.0.2.1" : "198.51.100.2");
  s.dst = *net::IpAddress::parse(from_peer ? "198.51.100.2" : "192.0.2.1");
  s.sport = from_peer ? 40000 : 8080;
  s.dport = from_peer ? 8080 : 40000;
  s.seq = seq;
  s.ack = ack;
  s.flags = flags;
  s.window = 65535;
  return s;
}

run::TraceEntry packet(Kind kind, Micros time, int line, const net::Segment& seg, std::string text) {
  run::TraceEntry e;
  e.kind = kind;
  e.time = time;
  e.scripted_time = time;
  e.line = line;
  e.segment = seg;
  e.wire = net::encode(seg);
  e.text = std::move(text);
  return e;
}

run::TraceEntry note(Kind kind, Micros time, int line, std::string text) {
  run::TraceEntry e;
  e.kind = kind;
  e.time = time;
  e.line = line;
  e.text = std::move(text);
  return e;
}

run::ScriptResult handshake(Status status) {
  run::ScriptResult s;
  s.path = "scripts/handshake/passive_open.pkt";
  s.metadata.title = "Passive open: SYN, SYN-ACK, ACK";
  s.metadata.requirements = {"MUST-8", "SHLD-5"};
  s.metadata.rfc_refs = {"9293 3.5"};
  s.verdict.status = status;
  s.verdict.script_time = 200'000;
  s.verdict.wall_seconds = 0.0012;
  s.trace.entries = {
      note(Kind::CallStart, 0, 1, "socket(..., SOCK_STREAM, IPPROTO_TCP)"),
      note(Kind::CallReturn, 0, 1, "socket() = 3"),
      packet(Kind::Injected, 100'000, 5, segment(true, net::flag::SYN, 1000, 0),
             "Flags [S], seq 0, win 65535, options [mss 1460,sackOK,nop,wscale 7], length 0"),
      packet(Kind::Observed, 100'000, 6, segment(false, net::flag::SYN | net::flag::ACK, 5000, 1001),
             "Flags [S.], seq 0, ack 1, win 65535, options [mss 1460,nop,nop,sackOK,nop,wscale 7], length 0"),
      packet(Kind::Injected, 200'000, 7, segment(true, net::flag::ACK, 1001, 5001), "Flags [.], seq 1, ack 1, win 65535, length 0"),
      note(Kind::Assert, 200'000, 8, "%{ assert tcpi_state == TCP_ESTABLISHED }%"),
  };
  return s;
}

run::ScriptResult rst_failure() {
  run::ScriptResult s;
  s.path = "scripts/rst/rst_in_syn_rcvd.pkt";
  s.metadata.title = "RST in SYN-RCVD <script>alert(1)</script> & co";
  s.metadata.requirements = {"MUST-8", "MUST-42"};
  s.verdict.status = Status::Fail;
  s.verdict.script_time = 1'200'000;
  s.verdict.wall_seconds = 0.5;
  run::Failure f;
  f.line = 12;
  f.column = 1;
  f.script_line = "+.2 > R. 1:1(0) ack 1";
  f.message = "flags differ: expected [R.], got [F.]";
  f.expected = "Flags [R.], seq 1, ack 1, win *, length 0";
  f.actual = "Flags [F.], seq 1, ack 1, win 65535, length 0";
  f.time = 1'200'000;
  s.verdict.failure = f;
  auto bad = packet(Kind::Observed, 1'200'000, 12, segment(false, net::flag::FIN | net::flag::ACK, 5001, 1001), f.actual);
  bad.matched = false;
  s.trace.entries = {packet(Kind::Injected, 1'000'000, 10, segment(true, net::flag::SYN, 1000, 0),
                            "Flags [S], seq 0, win 65535, length 0"),
                     bad};
  return s;
}

run::ScriptResult bare(Status status, std::string path, std::string reason, std::vector<std::string> requirements) {
  run::ScriptResult s;
  s.path = std::move(path);
  s.metadata.requirements = std::move(requirements);
  s.verdict.status = status;
  s.verdict.reason = std::move(reason);
  if (status == Status::Error) {
    run::Failure f;
    f.message = "target crashed";
    s.verdict.failure = f;
  }
  return s;
}

run::RunResult reference_run() {
  run::RunResult r;
  r.target = "reference";
  r.target_version = "synack-reference 0.1";
  r.profile = "linux";
  r.options = {{"tolerance_usecs", "4000"}};
  r.started_at = "2026-11-21T17:51:01Z";
  r.wall_seconds = 0.75;
  r.scripts = {handshake(Status::Pass), rst_failure(),
               bare(Status::Skipped, "scripts/keepalive/idle.pkt", "no shell commands", {"SHLD-5"}),
               bare(Status::Error, "scripts/close/fin.pkt", "target crashed: <signal 11>", {}),
               bare(Status::ExpectedDeviation, "scripts/window/zero.pkt", "Linux probes & waits", {"MUST-99"})};
  for (auto& s : r.scripts) s.target = r.target;
  return r;
}

run::RunResult kernel_run() {
  run::RunResult r;
  r.target = "kernel";
  r.target_version = "Linux 6.1";
  r.started_at = "2026-11-21T17:52:00Z";
  r.wall_seconds = 3.5;
  r.scripts = {handshake(Status::Fail), bare(Status::Pass, "scripts/window/zero.pkt", "", {"MUST-99"})};
  r.scripts[0].verdict.failure = rst_failure().verdict.failure;
  r.interrupted = true;
  r.not_run = {"scripts/close/simultaneous.pkt"};
  for (auto& s : r.scripts) s.target = r.target;
  return r;
}

HtmlOptions options() {
  HtmlOptions o;
  o.requirements = {{"MUST-8", "MUST", "3.5", "Handshake: accept a valid SYN", true},
                    {"MUST-43", "MUST", "3.9", "Not observable <internal>", false},
                    {"SHLD-5", "SHLD", "3.7", "Some should", true},
                    {"MUST-99", "MUST", "3.8.6", "Zero-window probing", true}};
  o.pcap_link = [](const run::RunResult& run, const run::ScriptResult& s) {
    return "pcaps/" + run.target + "/" + pcap_file_name(s.path);
  };
  o.generator = "synack test";
  return o;
}

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

// Checks that elements nest properly: every non-void element closed, in order. Raw text of
// <script>/<style> and comments is skipped. Returns "" or the first problem.
std::string check_balanced(const std::string& html) {
  static const std::set<std::string> kVoid = {"meta", "br", "input", "img", "hr", "link", "wbr", "!doctype"};
  std::vector<std::string> open;
  std::size_t pos = 0;
  while ((pos = html.find('<', pos)) != std::string::npos) {
    if (html.compare(pos, 4, "<!--") == 0) {
      pos = html.find("-->", pos);
      if (pos == std::string::npos) return "unterminated comment";
      continue;
    }
    const auto end = html.find('>', pos);
    if (end == std::string::npos) return "unterminated tag at " + std::to_string(pos);
    std::string tag = html.substr(pos + 1, end - pos - 1);
    const bool closing = !tag.empty() && tag[0] == '/';
    const bool self_closing = !tag.empty() && tag.back() == '/';
    std::string name;
    for (std::size_t i = closing ? 1 : 0; i < tag.size() && !std::isspace(static_cast<unsigned char>(tag[i])) && tag[i] != '/'; ++i)
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(tag[i])));
    pos = end + 1;
    if (closing) {
      if (open.empty() || open.back() != name)
        return "</" + name + "> closes <" + (open.empty() ? std::string("nothing") : open.back()) + "> at " + std::to_string(end);
      open.pop_back();
    } else if (!self_closing && !kVoid.count(name)) {
      open.push_back(name);
      if (name == "script" || name == "style") {  // raw text up to the end tag
        pos = html.find("</" + name + ">", pos);
        if (pos == std::string::npos) return "unterminated <" + name + ">";
      }
    }
  }
  return open.empty() ? "" : "<" + open.back() + "> never closed";
}

// The <tr> of one requirement row.
std::string matrix_row(const std::string& html, const std::string& id) {
  const auto start = html.find("<tr id=\"req-" + id + "\"");
  if (start == std::string::npos) return "";
  return html.substr(start, html.find("</tr>", start) - start);
}

std::vector<std::string> cell_states(const std::string& row) {
  std::vector<std::string> states;
  static const std::regex kState("data-state=\"([a-z-]+)\"");
  for (auto it = std::sregex_iterator(row.begin(), row.end(), kState); it != std::sregex_iterator(); ++it)
    states.push_back((*it)[1]);
  return states;
}

TEST(Html, HasTheSectionsAndOneLadderPerScript) {
  const std::string html = to_html({reference_run(), kernel_run()}, options());
  EXPECT_EQ(check_balanced(html), "");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count_of(html, "id=\"summary\""), 1u);
  EXPECT_EQ(count_of(html, "id=\"requirement-matrix\""), 1u);
  EXPECT_EQ(count_of(html, "id=\"comparison\""), 1u);
  EXPECT_EQ(count_of(html, "<details class=\"script\""), 7u);
  EXPECT_EQ(count_of(html, "<svg class=\"ladder\""), 7u);
  EXPECT_EQ(count_of(html, "data-status=\"pass\" data-target"), 2u);
  EXPECT_EQ(count_of(html, "data-status=\"fail\" data-target"), 2u);
  EXPECT_EQ(count_of(html, "data-status=\"skipped\" data-target"), 1u);
  EXPECT_EQ(count_of(html, "data-status=\"error\" data-target"), 1u);
  EXPECT_EQ(count_of(html, "data-status=\"expected-deviation\" data-target"), 1u);
  // Failures are open, passes collapsed.
  EXPECT_NE(html.find("id=\"script-reference--scripts-rst-rst_in_syn_rcvd.pkt\" data-status=\"fail\" "
                      "data-target=\"reference\" open>"),
            std::string::npos);
  EXPECT_NE(html.find("id=\"script-reference--scripts-handshake-passive_open.pkt\" data-status=\"pass\" "
                      "data-target=\"reference\">"),
            std::string::npos);
  EXPECT_NE(html.find("the run was interrupted"), std::string::npos);
}

TEST(Html, SummaryCountsPerTarget) {
  const std::string html = to_html({reference_run(), kernel_run()}, options());
  const auto row = html.find("<tr data-target=\"reference\">");
  ASSERT_NE(row, std::string::npos);
  const std::string reference = html.substr(row, html.find("</tr>", row) - row);
  for (const char* status : {"pass", "fail", "error", "expected-deviation", "skipped"})
    EXPECT_NE(reference.find(std::string("data-status=\"") + status + "\">1</td>"), std::string::npos) << status;
  EXPECT_NE(reference.find(">25.0 %<"), std::string::npos);  // 1 pass of 4 that ran
  EXPECT_NE(reference.find(">750.0 ms<"), std::string::npos);
  EXPECT_NE(reference.find(">1.400000 s<"), std::string::npos);  // script time 0.2 + 1.2
}

TEST(Html, RequirementMatrixFollowsTheStatedRule) {
  const std::string html = to_html({reference_run(), kernel_run()}, options());
  EXPECT_EQ(cell_states(matrix_row(html, "MUST-8")), (std::vector<std::string>{"fail", "fail"}));
  EXPECT_EQ(cell_states(matrix_row(html, "SHLD-5")), (std::vector<std::string>{"pass", "fail"}));
  EXPECT_EQ(cell_states(matrix_row(html, "MUST-99")), (std::vector<std::string>{"expected-deviation", "pass"}));
  EXPECT_EQ(cell_states(matrix_row(html, "MUST-43")), (std::vector<std::string>{"not-covered", "not-covered"}));
  // Claimed by a script but not in the catalog: a row of its own, marked.
  const std::string unknown = matrix_row(html, "MUST-42");
  EXPECT_NE(unknown.find("class=\"unknown\""), std::string::npos);
  EXPECT_EQ(cell_states(unknown), (std::vector<std::string>{"fail", "not-covered"}));
  // Testable rows come first: the untestable MUST-43 after SHLD-5 and MUST-99.
  EXPECT_LT(html.find("id=\"req-MUST-99\""), html.find("id=\"req-MUST-43\""));
  EXPECT_LT(html.find("id=\"req-MUST-43\""), html.find("id=\"req-MUST-42\""));
  EXPECT_NE(html.find("first match wins"), std::string::npos);  // the legend states the rule
  // Only skipped scripts claim it on a target: "skipped".
  run::RunResult only_skipped = reference_run();
  only_skipped.scripts = {bare(Status::Skipped, "a.pkt", "why", {"MUST-8"})};
  EXPECT_EQ(cell_states(matrix_row(to_html({only_skipped}, options()), "MUST-8")),
            (std::vector<std::string>{"skipped"}));
}

TEST(Html, FailureShowsExpectedAndActualSideBySideAndThePcapLink) {
  const std::string html = to_html({reference_run()}, options());
  EXPECT_NE(html.find("<div class=\"expected-actual\"><div class=\"expected\"><h4>expected</h4><pre>"
                      "Flags [R.], seq 1, ack 1, win *, length 0</pre></div><div class=\"actual\"><h4>actual</h4>"
                      "<pre>Flags [F.], seq 1, ack 1, win 65535, length 0</pre>"),
            std::string::npos);
  EXPECT_NE(html.find("<pre class=\"script-line\">+.2 &gt; R. 1:1(0) ack 1</pre>"), std::string::npos);
  EXPECT_NE(html.find("line 12:1 at 1.200000 s: flags differ"), std::string::npos);
  EXPECT_NE(html.find("href=\"pcaps/reference/handshake__passive_open.pcap\""), std::string::npos);
  EXPECT_NE(html.find("<a href=\"#req-MUST-8\">MUST-8</a>"), std::string::npos);
  EXPECT_EQ(html.find("id=\"comparison\""), std::string::npos);  // one target: nothing to compare
}

// A pass after a failed attempt (--retries) says so, with the attempt's failure.
TEST(Html, AFlakyPassShowsItsFailedAttempt) {
  run::RunResult r = reference_run();
  r.scripts[0].earlier_attempts = {rst_failure().verdict};
  const std::string html = to_html({r}, options());
  EXPECT_NE(html.find("<b>flaky, attempt 1 of 2: fail</b> line 12: flags differ"), std::string::npos);
}

TEST(Html, EscapesScriptDerivedTextAndReferencesNothingExternal) {
  const std::string html = to_html({reference_run(), kernel_run()}, options());
  EXPECT_EQ(count_of(html, "<script"), 1u);  // only the report's own inline script
  EXPECT_NE(html.find("RST in SYN-RCVD &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), std::string::npos);
  EXPECT_NE(html.find("target crashed: &lt;signal 11&gt;"), std::string::npos);
  EXPECT_NE(html.find("Not observable &lt;internal&gt;"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
}

TEST(Html, RendersNoRunsAndScriptsWithoutTraces) {
  const std::string empty = to_html({}, HtmlOptions{});
  EXPECT_EQ(check_balanced(empty), "");
  EXPECT_NE(empty.find("id=\"summary\""), std::string::npos);
  EXPECT_NE(empty.find("No requirements"), std::string::npos);
  run::RunResult r;
  r.target = "reference";
  r.scripts = {bare(Status::Pass, "./x.pkt", "", {}), bare(Status::Pass, "./x.pkt", "", {})};
  const std::string html = to_html({r}, HtmlOptions{});
  EXPECT_EQ(check_balanced(html), "");
  EXPECT_EQ(count_of(html, "<svg class=\"ladder\""), 2u);
  // The same script twice still gets two distinct anchors.
  EXPECT_NE(html.find("id=\"script-reference--x.pkt\""), std::string::npos);
  EXPECT_NE(html.find("id=\"script-reference--x.pkt-2\""), std::string::npos);
}

TEST(Html, WritesAtomically) {
  ScratchDir dir;
  const std::string path = dir.file("report.html");
  const std::vector<run::RunResult> runs = {reference_run()};
  ASSERT_TRUE(write_html(runs, options(), path).ok());
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  EXPECT_EQ(contents.str(), to_html(runs, options()));
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u);  // no temporary left behind
  const auto missing = write_html(runs, options(), dir.file("no/such/dir/report.html"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no/such/dir/report.html"), std::string::npos);
}

std::string run_command(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) output.append(buf, n);
  ::pclose(pipe);
  return output;
}

TEST(Html, ChromiumBuildsTheExpectedDom) {
  if (::access("/usr/bin/chromium", X_OK) != 0) GTEST_SKIP() << "chromium not installed (tools/bootstrap installs it)";
  ScratchDir dir;
  const std::string path = dir.file("report.html");
  ASSERT_TRUE(write_html({reference_run(), kernel_run()}, options(), path).ok());
  const std::string profile = dir.file("chromium-profile");
  std::filesystem::create_directory(profile);
  const std::string dom = run_command(
      "timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync --user-data-dir=" + profile +
      " --dump-dom file://" + path + " 2>/dev/null");
  ASSERT_FALSE(dom.empty()) << "chromium printed no DOM";
  EXPECT_NE(dom.find("id=\"summary\""), std::string::npos);
  EXPECT_NE(dom.find("id=\"requirement-matrix\""), std::string::npos);
  EXPECT_NE(dom.find("id=\"comparison\""), std::string::npos);
  EXPECT_EQ(count_of(dom, "<svg class=\"ladder\""), 7u);
  EXPECT_EQ(count_of(dom, "<details class=\"script\""), 7u);
  // The title stayed text: the DOM has exactly one script element, the report's own.
  EXPECT_EQ(count_of(dom, "<script"), 1u);
  EXPECT_NE(dom.find("RST in SYN-RCVD &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), std::string::npos);
  // The inline script ran: the filter bar is shown.
  EXPECT_NE(dom.find("<div id=\"filters\">"), std::string::npos);
}

}  // namespace
}  // namespace synack::reports
