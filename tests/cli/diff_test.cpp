// synack diff: the same scripts on two targets, compared step by step.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "harness/cli/cli.h"

namespace synack::cli {
namespace {

namespace fs = std::filesystem;
const std::string kScripts = std::string(SYNACK_SOURCE_DIR) + "/scripts";

struct Outcome {
  int status;
  std::string out, err;
};

Outcome diff(std::vector<std::string> args) {
  args.insert(args.begin(), "diff");
  std::ostringstream out, err;
  const int status = run_cli(args, out, err);
  return {status, out.str(), err.str()};
}

TEST(Diff, ProfilesThatAgreeExitZero) {
  const auto r = diff({kScripts + "/handshake/passive_open.pkt", kScripts + "/close/active_close.pkt",
                       "--targets", "reference/rfc,reference/linux"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("2 same, 0 differ, 0 not compared"), std::string::npos) << r.out;
}

TEST(Diff, ADelayedAckAgainstAQuickAckIsATimingDivergenceWithBothSteps) {
  const fs::path json_path = fs::temp_directory_path() / ("synack_diff_test_" + std::to_string(::getpid()) + ".json");
  const auto r = diff({kScripts + "/data/delayed_ack_single_segment.pkt", "--targets", "reference/rfc,reference/linux",
                       "--json", json_path.string()});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("timing differ at line"), std::string::npos) << r.out;
  std::ifstream in(json_path);
  const auto doc = nlohmann::json::parse(in);
  fs::remove(json_path);
  EXPECT_EQ(doc["summary"]["differ"], 1);
  const auto& d = doc["scripts"][0]["divergences"][0];
  EXPECT_EQ(d["classes"], nlohmann::json::array({"timing"}));
  EXPECT_EQ(d["baseline_step"]["time_us"], 300000);  // rfc profile: 200 ms delayed ACK
  EXPECT_EQ(d["target_step"]["time_us"], 100000);    // linux profile: quick ACK
  EXPECT_EQ(d["baseline_step"]["line"], d["target_step"]["line"]);
  // Without timing the ACK agrees; the linux run's trace ends there all the same (the script
  // failed on its timing), so what differs next is the rest of the script.
  const auto untimed = diff({kScripts + "/data/delayed_ack_single_segment.pkt", "--targets",
                             "reference/rfc,reference/linux", "--no-timing", "-q"});
  EXPECT_EQ(untimed.status, 1);
  EXPECT_EQ(untimed.out.find("timing"), std::string::npos) << untimed.out;
  EXPECT_NE(untimed.out.find("missing"), std::string::npos) << untimed.out;
}

TEST(Diff, StrictModeComparesWindows) {
  const auto loose = diff({kScripts + "/handshake/passive_open.pkt", "--targets", "reference/rfc,reference/linux", "-q"});
  EXPECT_EQ(loose.status, 0) << loose.out;
  const auto strict = diff({kScripts + "/handshake/passive_open.pkt", "--targets", "reference/rfc,reference/linux",
                            "--strict", "-q"});
  EXPECT_EQ(strict.status, 1) << strict.out;  // 65535 against 64240
  EXPECT_NE(strict.out.find("window"), std::string::npos) << strict.out;
}

TEST(Diff, UsageErrors) {
  EXPECT_EQ(diff({}).status, 2);
  EXPECT_EQ(diff({kScripts, "--targets", "reference"}).status, 2);
  EXPECT_EQ(diff({kScripts, "--targets", "reference,nonesuch"}).status, 2);
  EXPECT_EQ(diff({kScripts, "--targets", "reference/rfc,reference"}).status, 2);  // the same twice
  EXPECT_EQ(diff({kScripts, "--targets", "reference/nonesuch,reference"}).status, 2);
  EXPECT_EQ(diff({kScripts + "/no/such/dir", "--targets", "reference/rfc,reference/linux"}).status, 2);
  const auto help = diff({"--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("--targets"), std::string::npos);
}

}  // namespace
}  // namespace synack::cli

namespace synack::cli {
namespace {

// A short differential campaign between two profiles: it finds divergences, and each one's
// reproducer shows the same divergence again when diffed on its own.
TEST(DiffFuzz, EveryDivergenceComesWithAScriptThatReproducesIt) {
  const fs::path out_dir = fs::temp_directory_path() / ("synack_diff_fuzz_" + std::to_string(::getpid()));
  fs::remove_all(out_dir);
  const auto r = diff({"--fuzz", "30", "--max-sessions", "400", "--seed", "7", "--targets", "reference/rfc,reference/linux",
                       "--out", out_dir.string(), "-q"});
  ASSERT_EQ(r.status, 1) << r.out << r.err;
  std::ifstream in(out_dir / "divergences.json");
  ASSERT_TRUE(in);
  const auto doc = nlohmann::json::parse(in);
  EXPECT_EQ(doc["sessions"], 400);
  EXPECT_GT(doc["compared"].get<int>(), 100);
  const auto& divergences = doc["divergences"];
  ASSERT_GE(divergences.size(), 3u);
  std::set<std::string> keys;
  for (const auto& d : divergences) {
    EXPECT_TRUE(keys.insert(d["key"].get<std::string>()).second) << "duplicate key " << d["key"];
    const std::string script = d["script"];
    ASSERT_TRUE(fs::exists(script)) << script;
    EXPECT_TRUE(fs::exists(fs::path(script).parent_path() / "baseline-trace.txt"));
    EXPECT_TRUE(fs::exists(fs::path(script).parent_path() / "target-trace.txt"));
    // The reproducer states what the baseline did: it passes there...
    std::ostringstream out, err;
    EXPECT_EQ(run_cli({"run", script, "--target", "reference", "--profile", "rfc", "-q"}, out, err), 0) << script << out.str();
    // ...and diffing it again shows the same divergence.
    const auto again = diff({script, "--targets", "reference/rfc,reference/linux", "-q"});
    EXPECT_EQ(again.status, 1) << script;
    const std::string key = d["key"];
    const std::string shape = key.substr(key.find(" | ") + 3);
    EXPECT_NE(again.out.find(shape), std::string::npos) << script << "\nexpected " << shape << " in\n" << again.out;
  }
  fs::remove_all(out_dir);
}

}  // namespace
}  // namespace synack::cli
