// The whole scripts/ suite on the lwip target through the synack binary: every script passes, is
// skipped with a reason, or fails as a deviation listed in scripts/expected/lwip.toml; no listed
// entry has gone stale by passing.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

namespace synack::lwip {
namespace {

namespace fs = std::filesystem;

TEST(LwipSuite, EveryScriptPassesOrIsAListedDeviation) {
  const fs::path dir = fs::temp_directory_path() / ("synack-lwip-suite-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path json = dir / "results.json";
  const std::string cmd = std::string(SYNACK_BINARY_DIR "/synack run ") + SYNACK_SOURCE_DIR +
                          "/scripts --target lwip --jobs 2 --quiet --json " + json.string() + " > " +
                          (dir / "out.txt").string() + " 2>&1";
  const int status = std::system(cmd.c_str());
  std::ifstream out_file(dir / "out.txt");
  const std::string out((std::istreambuf_iterator<char>(out_file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  std::ifstream in(json);
  ASSERT_TRUE(in) << out;
  const auto doc = nlohmann::json::parse(in);
  std::size_t passed = 0, deviations = 0, skipped = 0;
  for (const auto& s : doc["scripts"]) {
    const std::string status_name = s["status"];
    const std::string reason = s.value("reason", "");
    if (status_name == "pass") {
      ++passed;
      EXPECT_EQ(reason.find("stale"), std::string::npos) << s["path"] << ": " << reason;
    } else if (status_name == "skipped") {
      ++skipped;
      EXPECT_FALSE(reason.empty()) << s["path"];
    } else {
      ++deviations;
      EXPECT_EQ(status_name, "expected-deviation") << s["path"] << ": " << reason;
      EXPECT_FALSE(reason.empty()) << s["path"];
    }
  }
  EXPECT_GT(passed, 30u);
  EXPECT_GT(deviations, 0u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace synack::lwip
