// synack diff against the kernel target: each script runs in its own namespace, and the trace
// that comes back from the child process is compared with the reference stack's.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "targets/kernel/netns.h"

namespace synack::kernel {
namespace {

namespace fs = std::filesystem;

TEST(KernelDiff, TheReferenceDelayedAckAgainstLinuxQuickAckIsFound) {
  if (auto ok = check_privileges(); !ok) GTEST_SKIP() << "kernel target unavailable here: " << ok.error().message;
  const fs::path out = fs::temp_directory_path() / ("synack_kernel_diff_" + std::to_string(::getpid()) + ".json");
  const std::string scripts = SYNACK_SOURCE_DIR "/scripts";
  const std::string cmd = std::string(SYNACK_BINARY_DIR "/synack diff ") + scripts + "/data/delayed_ack_single_segment.pkt " +
                          scripts + "/handshake/passive_open.pkt --targets reference/rfc,kernel -q --json " + out.string() +
                          " > /dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);  // something differs
  std::ifstream in(out);
  ASSERT_TRUE(in) << "no comparison written";
  const auto doc = nlohmann::json::parse(in);
  fs::remove(out);
  ASSERT_EQ(doc["scripts"].size(), 2u);
  for (const auto& s : doc["scripts"]) EXPECT_TRUE(s["compared"].get<bool>()) << s.dump();
  // The rfc profile delays the ACK of one segment by 200 ms; Linux acknowledges at once in a
  // new connection (quick ACK mode).
  const auto& delayed = doc["scripts"][0];
  ASSERT_EQ(delayed["divergences"].size(), 1u) << delayed.dump();
  const auto& d = delayed["divergences"][0];
  EXPECT_EQ(d["target"], "kernel");
  EXPECT_EQ(d["classes"], nlohmann::json::array({"timing"}));
  EXPECT_GT(d["baseline_step"]["time_us"].get<long>() - d["target_step"]["time_us"].get<long>(), 100000);
}

}  // namespace
}  // namespace synack::kernel
