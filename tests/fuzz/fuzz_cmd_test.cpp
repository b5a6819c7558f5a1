// `synack fuzz` (in-process fallback) and `synack replay`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/cli/fuzz_cmd.h"
#include "helpers.h"

namespace synack::fuzz {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("synack-fuzz-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

TEST(FuzzCommand, InProcessCampaignWritesAReport) {
  const fs::path out = temp_dir("campaign");
  std::ostringstream o, e;
  const int rc = cli::cmd_fuzz({"--in-process", "--time", "2", "--out", out.string(), "--max-events", "12"}, o, e);
  EXPECT_TRUE(rc == 0 || rc == 1) << e.str();
  EXPECT_NE(o.str().find("in-process"), std::string::npos);
  std::ifstream in(out / "fuzz-report.json");
  ASSERT_TRUE(in) << o.str() << e.str();
  const auto report = nlohmann::json::parse(in);
  EXPECT_EQ(report["mode"], "in-process");
  EXPECT_EQ(report["transitions"]["total"], 47);
  EXPECT_GT(report["transitions"]["covered"].get<int>(), 10);
  EXPECT_GT(report["fuzzers"][0]["execs"].get<std::uint64_t>(), 100u);
  for (const auto& f : report["findings"]) EXPECT_TRUE(fs::exists(f["script"].get<std::string>()));
  fs::remove_all(out);
}

TEST(FuzzCommand, CampaignFileIsValidated) {
  const fs::path dir = temp_dir("campaign-file");
  std::ofstream(dir / "bad.toml") << "[campaign]\ntime = 10\nbogus = 1\n";
  std::ostringstream o, e;
  EXPECT_EQ(cli::cmd_fuzz({"--campaign", (dir / "bad.toml").string(), "--in-process"}, o, e), 2);
  EXPECT_NE(e.str().find("campaign.bogus: unknown key"), std::string::npos) << e.str();
  std::ofstream(dir / "fuzzers.toml") << "[campaign]\nfuzzers = [\"fuzz_nothing\"]\n";
  EXPECT_EQ(cli::cmd_fuzz({"--campaign", (dir / "fuzzers.toml").string()}, o, e), 2);
  EXPECT_EQ(cli::cmd_fuzz({"--time", "0"}, o, e), 2);
  EXPECT_EQ(cli::cmd_fuzz({"--jobs", "x"}, o, e), 2);
  EXPECT_EQ(cli::cmd_fuzz({"--frobnicate"}, o, e), 2);
  // The shipped campaigns parse (checked with a bad --time so nothing runs).
  for (const char* c : {"default.toml", "session-long.toml"}) {
    std::ostringstream o2, e2;
    EXPECT_EQ(cli::cmd_fuzz({"--campaign", std::string(SYNACK_SOURCE_DIR) + "/fuzz/campaigns/" + c, "--time", "0"}, o2, e2), 2);
    EXPECT_NE(e2.str().find("--time"), std::string::npos) << c << ": " << e2.str();
  }
  fs::remove_all(dir);
}

TEST(ReplayCommand, PrintsAScriptThatPasses) {
  const fs::path dir = temp_dir("replay");
  SessionInput in = testing::passive_open(1);
  const auto bytes = encode(in);
  std::ofstream(dir / "input", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                       static_cast<std::streamsize>(bytes.size()));
  std::ostringstream o, e;
  ASSERT_EQ(cli::cmd_replay({(dir / "input").string()}, o, e), 0) << e.str();
  EXPECT_NE(o.str().find("accept(3, ..., ...) = 4"), std::string::npos) << o.str();
  EXPECT_NE(o.str().find("--profile linux"), std::string::npos);
  EXPECT_EQ(testing::replay(o.str(), 1).verdict.status, run::Status::Pass) << o.str();
  std::ostringstream o2, e2;
  EXPECT_EQ(cli::cmd_replay({(dir / "missing").string()}, o2, e2), 2);
  EXPECT_EQ(cli::cmd_replay({}, o2, e2), 2);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace synack::fuzz
