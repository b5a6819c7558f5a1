// synack.toml loading: a full valid file, and every kind of error with its file:line:col and key.
#include "harness/cli/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace synack::cli {
namespace {

std::string error_of(std::string_view text) {
  auto config = parse_config(text, "synack.toml");
  return config.ok() ? "(no error)" : config.error().message;
}

TEST(Config, FullValidFile) {
  auto config = parse_config(R"(# defaults for this checkout
[run]
target = "kernel"
jobs = 2
filter = "handshake/*"
json = "out/results.json"
junit = "out/junit.xml"

[script]
tolerance_usecs = 4000
tolerance_percent = 12.5

[target.reference]
profile = "linux"
strict = true
[target.reference.overrides]
rto_min_ms = 200
alpha = 0.125
[target.reference.overrides.timers]
msl_seconds = 30

[target.kernel]
timeout_seconds = 120
)", "synack.toml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->source, "synack.toml");
  EXPECT_EQ(config->target, "kernel");
  EXPECT_EQ(config->jobs, 2);
  EXPECT_EQ(config->filter, "handshake/*");
  EXPECT_EQ(config->json, "out/results.json");
  EXPECT_EQ(config->junit, "out/junit.xml");
  EXPECT_EQ(config->tolerance_usecs, 4000);
  EXPECT_EQ(config->tolerance_percent, 12.5);
  ASSERT_EQ(config->targets.size(), 2u);
  const auto& reference = config->targets.at("reference");
  EXPECT_EQ(reference.size(), 5u);
  EXPECT_EQ(reference.at("profile"), SettingValue(std::string("linux")));
  EXPECT_EQ(reference.at("strict"), SettingValue(true));
  EXPECT_EQ(reference.at("overrides.rto_min_ms"), SettingValue(std::int64_t{200}));
  EXPECT_EQ(reference.at("overrides.alpha"), SettingValue(0.125));
  EXPECT_EQ(reference.at("overrides.timers.msl_seconds"), SettingValue(std::int64_t{30}));
  EXPECT_EQ(config->targets.at("kernel").at("timeout_seconds"), SettingValue(std::int64_t{120}));
}

TEST(Config, EmptyFileSetsNothing) {
  auto config = parse_config("", "synack.toml");
  ASSERT_TRUE(config.ok());
  EXPECT_FALSE(config->target);
  EXPECT_FALSE(config->jobs);
  EXPECT_FALSE(config->tolerance_percent);
  EXPECT_TRUE(config->targets.empty());
}

TEST(Config, IntegerTolerancePercentAndBounds) {
  auto config = parse_config("[script]\ntolerance_percent = 100\ntolerance_usecs = 0\n[run]\njobs = 256\n",
                             "synack.toml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->tolerance_percent, 100.0);
  EXPECT_EQ(config->tolerance_usecs, 0);
  EXPECT_EQ(config->jobs, 256);
  // An empty target table still names the target.
  auto kernel = parse_config("[target.kernel]\n", "synack.toml");
  ASSERT_TRUE(kernel.ok());
  EXPECT_EQ(kernel->targets.count("kernel"), 1u);
}

TEST(Config, WrongTypes) {
  EXPECT_EQ(error_of("[run]\njobs = \"2\"\n"), "synack.toml:2:8: run.jobs: expected an integer 1..256, found string");
  EXPECT_EQ(error_of("[run]\ntarget = 1\n"), "synack.toml:2:10: run.target: expected a string, found integer");
  EXPECT_EQ(error_of("\n[run]\n  filter = [\"a\"]\n"), "synack.toml:3:12: run.filter: expected a string, found array");
  EXPECT_EQ(error_of("[script]\ntolerance_usecs = 1.5\n"),
            "synack.toml:2:19: script.tolerance_usecs: expected an integer >= 0, found float");
  EXPECT_EQ(error_of("[script]\ntolerance_percent = \"12\"\n"),
            "synack.toml:2:21: script.tolerance_percent: expected a number 0..100, found string");
  EXPECT_EQ(error_of("run = 3\n"), "synack.toml:1:7: run: expected a table, found integer");
  EXPECT_EQ(error_of("[target]\nkernel = 5\n"), "synack.toml:2:10: target.kernel: expected a table, found integer");
  EXPECT_EQ(error_of("[target.kernel]\nports = [1, 2]\n"),
            "synack.toml:2:9: target.kernel.ports: expected a string, integer, float, boolean or table, found array");
  EXPECT_EQ(error_of("[target.reference.overrides]\nwhen = 2026-11-21\n"),
            "synack.toml:2:8: target.reference.overrides.when: expected a string, integer, float, boolean or "
            "table, found date");
}

TEST(Config, OutOfRange) {
  EXPECT_EQ(error_of("[run]\njobs = 0\n"), "synack.toml:2:8: run.jobs: expected an integer 1..256, found 0");
  EXPECT_EQ(error_of("[run]\njobs = 257\n"), "synack.toml:2:8: run.jobs: expected an integer 1..256, found 257");
  EXPECT_EQ(error_of("[run]\nretries = 11\n"), "synack.toml:2:11: run.retries: expected an integer 0..10, found 11");
  auto retries = parse_config("[run]\nretries = 2\n", "synack.toml");
  ASSERT_TRUE(retries) << retries.error().message;
  EXPECT_EQ(retries->retries, 2);
  EXPECT_EQ(error_of("[script]\ntolerance_usecs = -1\n"),
            "synack.toml:2:19: script.tolerance_usecs: expected an integer >= 0, found -1");
  EXPECT_EQ(error_of("[script]\ntolerance_percent = 100.5\n"),
            "synack.toml:2:21: script.tolerance_percent: expected a number 0..100, found 100.5");
  EXPECT_EQ(error_of("[script]\ntolerance_percent = nan\n"),
            "synack.toml:2:21: script.tolerance_percent: expected a number 0..100, found nan");
  EXPECT_EQ(error_of("[run]\ntarget = \"smoltcp\"\n"),
            "synack.toml:2:10: run.target: expected one of reference|kernel|lwip|remote, found \"smoltcp\"");
}

TEST(Config, UnknownTablesKeysAndTargets) {
  EXPECT_EQ(error_of("[runn]\njobs = 2\n"),
            "synack.toml:1:2: runn: expected one of the tables run|script|target, found unknown key");
  EXPECT_EQ(error_of("[run]\njobs = 2\njbos = 3\n"),
            "synack.toml:3:1: run.jbos: expected one of the keys target|jobs|retries|filter|json|junit, found unknown key");
  EXPECT_EQ(error_of("[script]\ntolerance = 3\n"),
            "synack.toml:2:1: script.tolerance: expected one of the keys tolerance_usecs|tolerance_percent, "
            "found unknown key");
  EXPECT_EQ(error_of("[target.smoltcp]\nprofile = \"rfc\"\n"),
            "synack.toml:1:9: target.smoltcp: expected one of the targets reference|kernel|remote, found unknown target");
  EXPECT_EQ(error_of("[run.extra]\n"),
            "synack.toml:1:6: run.extra: expected one of the keys target|jobs|retries|filter|json|junit, found unknown key");
  EXPECT_EQ(error_of("verbose = true\n"),
            "synack.toml:1:1: verbose: expected one of the tables run|script|target, found unknown key");
}

TEST(Config, SyntaxErrorsCarryThePosition) {
  const std::string message = error_of("[run]\njobs = = 2\n");
  EXPECT_EQ(message.rfind("synack.toml:2:8: ", 0), 0u) << message;
  const std::string duplicate = error_of("[run]\njobs = 2\njobs = 3\n");
  EXPECT_EQ(duplicate.rfind("synack.toml:3:", 0), 0u) << duplicate;
  EXPECT_NE(duplicate.find("jobs"), std::string::npos) << duplicate;
}

TEST(Config, LoadReadsTheFileAndNamesItInErrors) {
  char dir_template[] = "/tmp/synack-config-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string path = dir + "/synack.toml";
  {
    std::ofstream out(path);
    out << "[run]\njobs = 4\n[script]\ntolerance_usecs = \"x\"\n";
  }
  auto bad = load_config(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, path + ":4:19: script.tolerance_usecs: expected an integer >= 0, found string");
  {
    std::ofstream out(path);
    out << "[run]\njobs = 4\n";
  }
  auto good = load_config(path);
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(good->jobs, 4);
  EXPECT_EQ(good->source, path);

  auto missing = load_config(dir + "/absent.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, dir + "/absent.toml: cannot read: No such file or directory");
  auto directory = load_config(dir);
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().message, dir + ": cannot read: Is a directory");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace synack::cli
