// JUnit XML: well-formed (checked by a small parser here, and by xmllint when installed), counts
// right, one testcase per script with the expected element for its status, everything escaped.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "reports/reports.h"
#include "tests/reports/sample_run.h"

namespace synack::reports {
namespace {

using testing::ScratchDir;
using testing::sample_run;

// ---- A small strict XML reader: enough of XML 1.0 to check what the writer produces ----------

struct Element {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::string text;  // concatenated character data, entities resolved
  std::vector<std::unique_ptr<Element>> children;

  std::vector<const Element*> all(const std::string& child_name) const {
    std::vector<const Element*> out;
    for (const auto& c : children) {
      if (c->name == child_name) out.push_back(c.get());
    }
    return out;
  }
  const Element* first(const std::string& child_name) const {
    auto matches = all(child_name);
    return matches.empty() ? nullptr : matches.front();
  }
};

class XmlChecker {
 public:
  explicit XmlChecker(std::string text) : s_(std::move(text)) {}

  // Returns the root element, or null with error() describing the first problem.
  std::unique_ptr<Element> parse() {
    const std::string prolog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    if (s_.rfind(prolog, 0) != 0) return fail("missing XML declaration");
    pos_ = prolog.size();
    skip_space();
    auto root = element();
    if (!root) return nullptr;
    skip_space();
    if (pos_ != s_.size()) return fail("content after the root element");
    return root;
  }
  const std::string& error() const { return error_; }

 private:
  std::unique_ptr<Element> fail(const std::string& what) {
    if (error_.empty()) error_ = what + " at offset " + std::to_string(pos_);
    return nullptr;
  }
  static bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ':';
  }
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  std::string name() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && name_char(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  // Character data up to `stop`; '<' is never allowed raw, '&' only as a known reference.
  bool character_data(char stop, std::string& out) {
    while (pos_ < s_.size() && s_[pos_] != stop) {
      const char c = s_[pos_];
      if (c == '<') return fail("raw '<' in character data") != nullptr;
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 && c != '\t' && c != '\n' && c != '\r') return fail("control character") != nullptr;
      if (c != '&') {
        out.push_back(c);
        ++pos_;
        continue;
      }
      const std::size_t semi = s_.find(';', pos_);
      if (semi == std::string::npos) return fail("unterminated reference") != nullptr;
      const std::string ref = s_.substr(pos_ + 1, semi - pos_ - 1);
      static const std::map<std::string, char> kNamed = {
          {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
      if (auto it = kNamed.find(ref); it != kNamed.end()) {
        out.push_back(it->second);
      } else if (ref == "#9" || ref == "#10" || ref == "#13") {
        out.push_back(static_cast<char>(std::stoi(ref.substr(1))));
      } else {
        return fail("unknown reference &" + ref + ";") != nullptr;
      }
      pos_ = semi + 1;
    }
    return true;
  }
  std::unique_ptr<Element> element() {
    if (pos_ >= s_.size() || s_[pos_] != '<') return fail("expected '<'");
    ++pos_;
    auto e = std::make_unique<Element>();
    e->name = name();
    if (e->name.empty()) return fail("missing element name");
    for (;;) {
      skip_space();
      if (s_.compare(pos_, 2, "/>") == 0) {
        pos_ += 2;
        return e;
      }
      if (pos_ < s_.size() && s_[pos_] == '>') {
        ++pos_;
        break;
      }
      const std::string attribute = name();
      if (attribute.empty()) return fail("bad attribute name");
      if (pos_ >= s_.size() || s_[pos_] != '=') return fail("expected '='");
      ++pos_;
      if (pos_ >= s_.size() || s_[pos_] != '"') return fail("attribute value not quoted");
      ++pos_;
      std::string value;
      if (!character_data('"', value)) return nullptr;
      if (pos_ >= s_.size()) return fail("unterminated attribute value");
      ++pos_;
      if (!e->attributes.emplace(attribute, value).second) return fail("duplicate attribute " + attribute);
    }
    for (;;) {
      if (!character_data('<', e->text)) return nullptr;
      if (pos_ >= s_.size()) return fail("unclosed element " + e->name);
      if (s_.compare(pos_, 2, "</") == 0) {
        pos_ += 2;
        const std::string closing = name();
        if (closing != e->name) return fail("</" + closing + "> closes <" + e->name + ">");
        if (pos_ >= s_.size() || s_[pos_] != '>') return fail("expected '>'");
        ++pos_;
        return e;
      }
      auto child = element();
      if (!child) return nullptr;
      e->children.push_back(std::move(child));
    }
  }

  std::string s_;
  std::size_t pos_ = 0;
  std::string error_;
};

std::unique_ptr<Element> parse_or_fail(const std::string& xml) {
  XmlChecker checker(xml);
  auto root = checker.parse();
  EXPECT_NE(root, nullptr) << checker.error() << "\n" << xml;
  return root;
}

// ---- Tests -------------------------------------------------------------------------------------

TEST(XmlChecker, RejectsWhatIsNotWellFormed) {
  const std::string decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
  EXPECT_EQ(XmlChecker(decl + "<a><b></a></b>").parse(), nullptr);
  EXPECT_EQ(XmlChecker(decl + "<a x=1/>").parse(), nullptr);
  EXPECT_EQ(XmlChecker(decl + "<a>1 < 2</a>").parse(), nullptr);
  EXPECT_EQ(XmlChecker(decl + "<a>R&D</a>").parse(), nullptr);
  EXPECT_EQ(XmlChecker(decl + "<a x=\"<\"/>").parse(), nullptr);
  EXPECT_EQ(XmlChecker(decl + "<a>\x01</a>").parse(), nullptr);
  EXPECT_NE(XmlChecker(decl + "<a x=\"&amp;\">&lt;&#10;</a>").parse(), nullptr);
}

TEST(JUnit, WellFormedWithCorrectCounts) {
  auto root = parse_or_fail(to_junit(sample_run()));
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->name, "testsuites");
  EXPECT_EQ(root->attributes["name"], "synack");
  EXPECT_EQ(root->attributes["tests"], "5");
  EXPECT_EQ(root->attributes["failures"], "1");
  EXPECT_EQ(root->attributes["errors"], "1");
  EXPECT_EQ(root->attributes["skipped"], "2");  // skipped + expected deviation
  EXPECT_EQ(root->attributes["time"], "0.333333");
  const auto suites = root->all("testsuite");
  ASSERT_EQ(suites.size(), 1u);
  const Element& suite = *suites[0];
  EXPECT_EQ(suite.attributes.at("name"), "synack.reference");
  EXPECT_EQ(suite.attributes.at("tests"), "5");
  EXPECT_EQ(suite.attributes.at("failures"), "1");
  EXPECT_EQ(suite.attributes.at("errors"), "1");
  EXPECT_EQ(suite.attributes.at("skipped"), "2");
  EXPECT_EQ(suite.attributes.at("timestamp"), "2026-11-21T17:51:01Z");
  EXPECT_EQ(suite.all("testcase").size(), 5u);
}

TEST(JUnit, TestcaseNamesComeFromTargetAndScriptPath) {
  auto root = parse_or_fail(to_junit(sample_run()));
  ASSERT_NE(root, nullptr);
  const auto cases = root->first("testsuite")->all("testcase");
  ASSERT_EQ(cases.size(), 5u);
  EXPECT_EQ(cases[0]->attributes.at("classname"), "reference.scripts.handshake");
  EXPECT_EQ(cases[0]->attributes.at("name"), "passive_open.pkt");
  EXPECT_EQ(cases[0]->attributes.at("time"), "0.001230");
  EXPECT_EQ(cases[3]->attributes.at("classname"), "reference");  // "time_wait.pkt": no directory
  EXPECT_EQ(cases[3]->attributes.at("name"), "time_wait.pkt");
  EXPECT_EQ(cases[4]->attributes.at("classname"), "reference.scripts.window");  // "./" dropped
}

TEST(JUnit, EachStatusHasItsElement) {
  auto root = parse_or_fail(to_junit(sample_run()));
  ASSERT_NE(root, nullptr);
  const auto cases = root->first("testsuite")->all("testcase");
  ASSERT_EQ(cases.size(), 5u);
  // Pass: no failure; the trace as system-out.
  EXPECT_EQ(cases[0]->first("failure"), nullptr);
  ASSERT_NE(cases[0]->first("system-out"), nullptr);
  EXPECT_NE(cases[0]->first("system-out")->text.find("observed  line 6: > S. 0:0(0) ack 1"), std::string::npos)
      << cases[0]->first("system-out")->text;

  const Element* failure = cases[1]->first("failure");
  ASSERT_NE(failure, nullptr);
  EXPECT_EQ(failure->attributes.at("message"), "line 12: flags differ");
  EXPECT_NE(failure->text.find("expected: R. 1:1(0) ack 1 win 0"), std::string::npos) << failure->text;
  EXPECT_NE(failure->text.find("actual:   F. 1:1(0) ack 1 win 65535"), std::string::npos);
  EXPECT_NE(failure->text.find("1.200000 observed  line 12: > F. 1:1(0) ack 1 win 65535   <-- did not match"),
            std::string::npos) << failure->text;

  const Element* skipped = cases[2]->first("skipped");
  ASSERT_NE(skipped, nullptr);
  EXPECT_EQ(skipped->attributes.at("message"), "target cannot run shell commands");

  const Element* error = cases[3]->first("error");
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->attributes.at("message"), "target crashed: <signal 11>");

  const Element* deviation = cases[4]->first("skipped");
  ASSERT_NE(deviation, nullptr);
  EXPECT_EQ(deviation->attributes.at("message"), "expected deviation: Linux probes with 1 byte & waits");
}

TEST(JUnit, EscapesMarkupQuotesAndIllegalCharacters) {
  run::RunResult r;
  r.target = "ref\"<&>'";
  run::ScriptResult s = testing::script_with(run::Status::Skipped, "a&b/<c>.pkt", "why\x01\x1f\nnot'\"");
  s.target = "";
  s.trace.entries.push_back(
      testing::entry(run::TraceEntry::Kind::Command, 0, 1, "bad utf-8 \xff\xc3 ok \xc3\xa9 \xef\xbf\xbe"));
  run::ScriptResult p = s;
  p.verdict.status = run::Status::Pass;
  r.scripts = {s, p};
  const std::string xml = to_junit(r);
  auto root = parse_or_fail(xml);
  ASSERT_NE(root, nullptr);
  const auto cases = root->first("testsuite")->all("testcase");
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(root->first("testsuite")->attributes.at("name"), "synack.ref\"<&>'");
  EXPECT_EQ(cases[0]->attributes.at("classname"), "ref\"<&>'.a&b");
  EXPECT_EQ(cases[0]->attributes.at("name"), "<c>.pkt");
  EXPECT_EQ(cases[0]->first("skipped")->attributes.at("message"), "why\\x01\\x1F\nnot'\"");
  const std::string out = cases[1]->first("system-out")->text;
  EXPECT_NE(out.find("bad utf-8 \\xFF\\xC3 ok \xc3\xa9 \\xEF\\xBF\\xBE"), std::string::npos) << out;
}

// The built-in checker always runs; xmllint (libxml2-utils) adds a full parser when installed.
TEST(JUnit, WellFormedForXmllintToo) {
  ScratchDir dir;
  run::RunResult r = sample_run();
  r.scripts[1].trace.entries[0].text = "control \x02 & <markup> \xfe";
  const std::string path = dir.file("junit.xml");
  ASSERT_TRUE(write_junit(r, path).ok());
  ASSERT_NE(parse_or_fail(to_junit(r)), nullptr);
  if (!std::filesystem::exists("/usr/bin/xmllint")) return;
  const std::string command = "/usr/bin/xmllint --noout '" + path + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[256];
  while (std::fgets(buf, sizeof buf, pipe)) output += buf;
  EXPECT_EQ(::pclose(pipe), 0) << output;
  EXPECT_EQ(output, "");
}

TEST(JUnit, WriteIsAtomicAndReportsFailures) {
  ScratchDir dir;
  const std::string path = dir.file("junit.xml");
  ASSERT_TRUE(write_junit(sample_run(), path).ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), to_junit(sample_run()));
  auto failed = write_junit(sample_run(), dir.file("no/such/dir/junit.xml"));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message.rfind(dir.file("no/such/dir/junit.xml") + ": ", 0), 0u);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()), 1);
}

TEST(JUnit, EmptyRun) {
  run::RunResult r;
  r.target = "kernel";
  auto root = parse_or_fail(to_junit(r));
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->attributes["tests"], "0");
  EXPECT_EQ(root->first("testsuite")->attributes.at("name"), "synack.kernel");
}

}  // namespace
}  // namespace synack::reports
