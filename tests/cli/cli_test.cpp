#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "harness/cli/cli.h"

namespace synack::cli {
namespace {

namespace fs = std::filesystem;
const std::string kSource = SYNACK_SOURCE_DIR;
const std::string kData = kSource + "/tests/cli/data";

struct Run {
  int status;
  std::string out, err;
};

Run cli(std::vector<std::string> args) {
  std::ostringstream out, err;
  int status = run_cli(args, out, err);
  return {status, out.str(), err.str()};
}

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("synack_cli_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

TEST(Cli, HelpAndVersion) {
  auto r = cli({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("run PATH..."), std::string::npos);
  EXPECT_EQ(cli({"run", "--help"}).status, 0);
  EXPECT_NE(cli({"help", "check"}).out.find("synack check"), std::string::npos);
  // `synack help X` shows X's usage for every command the main help lists.
  for (const char* command : {"run", "check", "list", "report", "fuzz", "replay", "diff", "agent"}) {
    auto h = cli({"help", command});
    EXPECT_EQ(h.status, 0) << command << ": " << h.err;
    EXPECT_NE(h.out.find(std::string("synack ") + command), std::string::npos) << command << ": " << h.out;
  }
  EXPECT_EQ(cli({"help", "nonesuch"}).status, 2);
  EXPECT_EQ(cli({"--version"}).status, 0);
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(cli({}).status, 2);
  EXPECT_EQ(cli({"frobnicate"}).status, 2);
  auto r = cli({"run", "--jobs", "zero", kSource + "/scripts"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--jobs"), std::string::npos);
  EXPECT_EQ(cli({"run"}).status, 2);
  EXPECT_EQ(cli({"run", "--no-such-option", "x"}).status, 2);
  EXPECT_EQ(cli({"run", kSource + "/does/not/exist"}).status, 2);
  EXPECT_EQ(cli({"run", "--target", "nonesuch", kSource + "/scripts"}).status, 2);
  EXPECT_EQ(cli({"run", "--profile", "nonesuch", kSource + "/scripts"}).status, 2);
  EXPECT_EQ(cli({"run", "--set", "no_such_key=1", kSource + "/scripts"}).status, 2);
  auto retries = cli({"run", "--retries", "11", kSource + "/scripts"});
  EXPECT_EQ(retries.status, 2);
  EXPECT_NE(retries.err.find("--retries: expected an integer from 0 to 10"), std::string::npos);
}

// On virtual time a rerun repeats the result, so --retries says it does nothing there.
TEST(Cli, RetriesOnTheReferenceTargetAreDeclined) {
  auto r = cli({"run", "--retries", "2", kSource + "/scripts/handshake/passive_open.pkt"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("--retries has no effect on the reference target"), std::string::npos) << r.out;
}

TEST(Cli, CheckAcceptsTheSuiteAndRejectsABadScriptWithItsLocation) {
  auto good = cli({"check", kSource + "/scripts"});
  EXPECT_EQ(good.status, 0) << good.err;
  auto bad = cli({"check", kData + "/parse_error.pkt"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("parse_error.pkt:2:"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("^"), std::string::npos) << bad.err;
}

TEST(Cli, CheckRejectsEveryMalformedScript) {
  int files = 0;
  for (const auto& e : fs::directory_iterator(kSource + "/tests/script/malformed")) {
    if (e.path().extension() != ".pkt") continue;
    ++files;
    auto r = cli({"check", e.path().string()});
    EXPECT_EQ(r.status, 2) << e.path();
    EXPECT_NE(r.err.find(e.path().filename().string() + ":"), std::string::npos) << r.err;
  }
  EXPECT_GE(files, 30);
}

TEST(Cli, ListShowsTitles) {
  auto r = cli({"list", kSource + "/scripts/handshake"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("passive_open.pkt  -  Passive open"), std::string::npos) << r.out;
}

TEST(Cli, RunTheSuiteOnTheReferenceTargetWritesJsonAndJunit) {
  auto dir = temp_dir("suite");
  auto r = cli({"run", kSource + "/scripts", "--jobs", "2", "--json", (dir / "r.json").string(), "--junit",
                (dir / "j.xml").string(), "--jsonl", (dir / "r.jsonl").string()});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(" passed, 0 failed"), std::string::npos) << r.out;
  std::ifstream in(dir / "r.json");
  auto doc = nlohmann::json::parse(in);
  EXPECT_EQ(doc["schema"], "synack-results");
  EXPECT_EQ(doc["target"], "reference");
  EXPECT_GE(doc["scripts"].size(), 10u);
  for (const auto& s : doc["scripts"]) EXPECT_EQ(s["status"], "pass") << s["path"];
  std::ifstream junit(dir / "j.xml");
  std::string xml((std::istreambuf_iterator<char>(junit)), std::istreambuf_iterator<char>());
  EXPECT_NE(xml.find("<testsuites"), std::string::npos);
  EXPECT_EQ(xml.find("<failure"), std::string::npos);
  std::ifstream lines(dir / "r.jsonl");
  std::size_t n = 0;
  for (std::string l; std::getline(lines, l);) ++n;
  EXPECT_EQ(n, doc["scripts"].size() + 2);  // header + one per script + end
  fs::remove_all(dir);
}

TEST(Cli, AWrongExpectationFailsWithExpectedAndActual) {
  auto r = cli({"run", kData + "/wrong_expectation.pkt"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL"), std::string::npos);
  EXPECT_NE(r.out.find("expected: Flags [S.], seq 0, ack 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("actual:   Flags [S.], seq 0, ack 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("line 6"), std::string::npos) << r.out;
}

TEST(Cli, AScriptThatDoesNotParseIsAnInputError) {
  auto r = cli({"run", kData + "/parse_error.pkt"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("ERROR"), std::string::npos);
}

TEST(Cli, ConfigFileErrorsNameTheFile) {
  auto dir = temp_dir("config");
  std::ofstream(dir / "synack.toml") << "[run]\njobs = \"many\"\n";
  auto r = cli({"run", "--config", (dir / "synack.toml").string(), kSource + "/scripts"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("synack.toml:2"), std::string::npos) << r.err;
  // A stack setting the reference target rejects is reported at its line too.
  std::ofstream(dir / "synack.toml") << "[target.reference]\nprofile = \"linux\"\n[target.reference.overrides]\nrto_minn_ms = 200\n";
  auto bad_key = cli({"run", "--config", (dir / "synack.toml").string(), kSource + "/scripts"});
  EXPECT_EQ(bad_key.status, 2);
  EXPECT_NE(bad_key.err.find("synack.toml:4:1: target.reference.overrides.rto_minn_ms: unknown stack setting"),
            std::string::npos) << bad_key.err;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace synack::cli

namespace synack::cli {
namespace {

TEST(CliReport, ReportDirectoryHoldsEverything) {
  auto dir = temp_dir("report");
  auto r = cli({"run", kSource + "/scripts/handshake", "--report", dir.string(), "--quiet"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  for (const char* f : {"index.html", "results.json", "results.jsonl", "junit.xml", "summary.md"})
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  std::size_t scripts = 0, pcaps = 0;
  for (const auto& e : fs::directory_iterator(kSource + "/scripts/handshake")) scripts += e.path().extension() == ".pkt";
  for (const auto& e : fs::directory_iterator(dir / "pcaps")) pcaps += e.path().extension() == ".pcap";
  EXPECT_EQ(pcaps, scripts);
  std::ifstream html(dir / "index.html");
  std::string text((std::istreambuf_iterator<char>(html)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("id=\"requirement-matrix\""), std::string::npos);
  EXPECT_NE(text.find("MUST-1"), std::string::npos);  // the catalog beside the scripts was found
  fs::remove_all(dir);
}

// Every profile runs the whole suite: a script passes, or its failure is listed with a reason in
// scripts/expected/reference-<profile>.toml (and no listed entry has gone stale by passing).
TEST(Cli, EveryProfileRunsTheSuiteWithItsListedDeviationsOnly) {
  auto dir = temp_dir("profiles");
  for (const std::string profile : {"linux", "freebsd"}) {
    const auto json = (dir / (profile + ".json")).string();
    auto r = cli({"run", kSource + "/scripts", "--quiet", "--profile", profile, "--json", json});
    EXPECT_EQ(r.status, 0) << profile << "\n" << r.out << r.err;
    std::ifstream in(json);
    auto doc = nlohmann::json::parse(in);
    std::size_t passed = 0, deviations = 0;
    for (const auto& s : doc["scripts"]) {
      const std::string status = s["status"];
      const std::string reason = s.value("reason", "");
      if (status == "pass") {
        ++passed;
        EXPECT_EQ(reason.find("stale"), std::string::npos) << profile << ": " << s["path"] << ": " << reason;
      } else {
        ++deviations;
        EXPECT_EQ(status, "expected-deviation") << profile << ": " << s["path"];
        EXPECT_FALSE(reason.empty()) << profile << ": " << s["path"];
      }
    }
    EXPECT_GT(passed, 60u) << profile;
    EXPECT_GT(deviations, 0u) << profile;
  }
  fs::remove_all(dir);
}

TEST(CliReport, RendersSavedResultsAndComparesTargets) {
  auto dir = temp_dir("rerender");
  const auto a = (dir / "rfc.json").string(), b = (dir / "linux.json").string();
  ASSERT_EQ(cli({"run", kSource + "/scripts", "--quiet", "--json", a}).status, 0);
  // The suite is written for the default (rfc) profile; under linux some timer scripts are
  // expected deviations (scripts/expected/reference-linux.toml), which makes the runs worth comparing.
  const int linux_status = cli({"run", kSource + "/scripts", "--quiet", "--profile", "linux", "--json", b}).status;
  ASSERT_EQ(linux_status, 0);
  ASSERT_TRUE(fs::exists(b));
  auto html = cli({"report", a, "--html", (dir / "again.html").string(), "--markdown", "-"});
  EXPECT_EQ(html.status, 0) << html.err;
  EXPECT_TRUE(fs::exists(dir / "again.html"));
  EXPECT_NE(html.out.find("reference"), std::string::npos);
  auto cmp = cli({"report", "--compare", a, b});
  // The profiles differ (window sizes, timer-driven segments): the comparison says so (exit 1)
  // and names each run by its profile.
  EXPECT_EQ(cmp.status, 1) << cmp.out << cmp.err;
  EXPECT_NE(cmp.out.find("reference/rfc"), std::string::npos) << cmp.out;
  EXPECT_NE(cmp.out.find("reference/linux"), std::string::npos) << cmp.out;
  EXPECT_NE(cmp.out.find("handshake/passive_open.pkt"), std::string::npos) << cmp.out;
  EXPECT_EQ(cli({"report", "--compare", a}).status, 2);
  EXPECT_EQ(cli({"report", (dir / "missing.json").string()}).status, 2);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace synack::cli
