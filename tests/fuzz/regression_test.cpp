// Inputs of fixed findings stay fixed: each regression input in fuzz/corpus/ runs without a finding.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz/session.h"
#include "harness/net/codec.h"

namespace synack::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> regression_inputs(const std::string& fuzzer) {
  std::vector<fs::path> out;
  const fs::path dir = fs::path(SYNACK_SOURCE_DIR) / "fuzz" / "corpus" / fuzzer;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("regression-", 0) == 0) out.push_back(e.path());
  return out;
}

TEST(FixedFindings, SessionInputsRunClean) {
  const auto inputs = regression_inputs("fuzz_session");
  ASSERT_FALSE(inputs.empty());
  for (const auto& p : inputs) {
    const auto bytes = read_bytes(p);
    const SessionResult r = run_session(decode(bytes));
    EXPECT_FALSE(r.finding) << p << ": " << (r.finding ? r.finding->detail : "");
  }
}

TEST(FixedFindings, CodecInputsRoundTrip) {
  const auto inputs = regression_inputs("fuzz_codec");
  ASSERT_FALSE(inputs.empty());
  for (const auto& p : inputs) {
    const auto bytes = read_bytes(p);
    auto first = net::decode(bytes);
    if (!first) continue;  // not a packet: nothing to round-trip
    const auto again = net::encode(*first);
    auto second = net::decode(again);
    ASSERT_TRUE(second.ok()) << p << ": " << second.error().message;
    EXPECT_EQ(second->src, first->src) << p;
    EXPECT_EQ(net::encode(*second), again) << p;
  }
}

}  // namespace
}  // namespace synack::fuzz
