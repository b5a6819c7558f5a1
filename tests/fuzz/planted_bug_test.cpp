// The planted bug: a test-only flag makes the reference stack accept a RST at any SEG.SEQ
// (breaking RFC 9293 §3.10.7.4 / RFC 5961 §3.2). The in-process session fuzzer must find it
// within a bounded number of iterations, minimize it, and emit a script that reproduces it: the
// script passes on the buggy stack and fails on the correct one.
#include <gtest/gtest.h>

#include <filesystem>

#include "fuzz/loop.h"
#include "fuzz/seeds.h"
#include "fuzz/to_script.h"
#include "helpers.h"

namespace synack::fuzz {
namespace {

std::vector<std::vector<std::uint8_t>> seeds() {
  std::vector<std::vector<std::uint8_t>> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::filesystem::path(SYNACK_SOURCE_DIR) / "scripts")) {
    if (entry.path().extension() != ".pkt") continue;
    auto parsed = script::parse_file(entry.path().string());
    if (parsed.ok())
      if (auto s = from_script(*parsed.script, 0)) out.push_back(encode(*s));
  }
  return out;
}

class PlantedBug : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(PlantedBug, InProcessLoopFindsItAndEmitsAReproducer) {
  LoopOptions o;
  o.planted_rst_bug = true;
  o.max_iterations = 20000;
  o.max_seconds = 60;
  o.seed = GetParam();
  o.stop_at_first_finding = true;
  // Only seeds that do not trigger the bug already: the loop has to get there by mutation.
  SessionOptions buggy_options;
  buggy_options.planted_rst_bug = true;
  for (auto& s : seeds())
    if (!run_session(decode(s), buggy_options).finding) o.seeds.push_back(std::move(s));
  ASSERT_FALSE(o.seeds.empty());
  const LoopStats stats = run_loop(o);
  const FoundInput* planted = nullptr;
  for (const auto& f : stats.findings) {
    std::cout << "[ finding  ] " << f.finding.key() << "\n";
    if (f.finding.invariant.find("a RST with SEG.SEQ") != std::string::npos) planted = &f;
  }
  ASSERT_NE(planted, nullptr) << "not found in " << stats.iterations << " iterations";
  const FoundInput& found = *planted;
  EXPECT_NE(found.finding.invariant.find("RST"), std::string::npos) << found.finding.detail;
  EXPECT_GT(found.iteration, 0u);  // found by mutation, not by a seed
  EXPECT_LT(found.iteration, 20000u);
  std::cout << "[ planted  ] found after " << found.iteration << " iterations: " << found.finding.key() << "\n";

  SessionOptions so;
  so.planted_rst_bug = true;
  const SessionInput minimized = decode(found.minimized);
  EXPECT_LE(minimized.events.size(), decode(found.input).events.size());
  const std::string text = to_script(minimized, so);
  std::cout << text;
  EXPECT_NE(text.find("FINDING: a RST"), std::string::npos);
  // Reproduces on the buggy stack ...
  const run::ScriptResult buggy = testing::replay(text, minimized.profile, true);
  EXPECT_EQ(buggy.verdict.status, run::Status::Pass)
      << (buggy.verdict.failure ? buggy.verdict.failure->message : buggy.verdict.reason);
  // ... and the correct stack behaves differently.
  const run::ScriptResult correct = testing::replay(text, minimized.profile, false);
  EXPECT_EQ(correct.verdict.status, run::Status::Fail);
}

INSTANTIATE_TEST_SUITE_P(Seeds, PlantedBug, ::testing::Values(42u, 1u, 2u, 3u, 4u));

TEST(PlantedBugBaseline, CorrectStackHasNoFindingInTheSameBudget) {
  LoopOptions o;
  o.max_iterations = 5000;
  o.max_seconds = 30;
  o.seed = 42;
  o.seeds = seeds();
  const LoopStats stats = run_loop(o);
  // The planted kind must not show up; other findings are real ones about the stack (printed).
  for (const auto& f : stats.findings) {
    EXPECT_EQ(f.finding.invariant.find("a RST with SEG.SEQ"), std::string::npos) << f.finding.detail;
    std::cout << "[ finding  ] " << f.finding.key() << "\n" << to_script(decode(f.minimized)) << "\n";
  }
  EXPECT_GT(stats.transitions.count(), 10u);
}

TEST(Minimize, KeepsTheFindingAndDropsNoise) {
  SessionInput in = testing::passive_open();
  for (int i = 0; i < 5; ++i) in.events.push_back(testing::advance(AdvanceGen::Unit::Millis, 10));
  in.events.push_back(testing::segment(net::flag::RST, {SeqRef::Base::RcvNxt, 100}, {}));
  for (int i = 0; i < 5; ++i) in.events.push_back(testing::advance(AdvanceGen::Unit::Millis, 10));
  SessionOptions so;
  so.planted_rst_bug = true;
  const SessionResult r = run_session(in, so);
  ASSERT_TRUE(r.finding);
  const auto minimized = decode(minimize(encode(in), r.finding->key(), so));
  EXPECT_LE(minimized.events.size(), 4u);
  const SessionResult again = run_session(minimized, so);
  ASSERT_TRUE(again.finding);
  EXPECT_EQ(again.finding->key(), r.finding->key());
}

}  // namespace
}  // namespace synack::fuzz
