// The suite runner's --retries: a failure on a real-clock target reruns; a later pass is flaky,
// every failed attempt is kept, and a pass or an unretriable failure runs once.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "harness/run/suite.h"

namespace synack::run {
namespace {

// A run_one whose outcomes follow a list: one status per call, the last one repeating.
struct ScriptedOutcomes {
  std::vector<Status> outcomes;
  std::atomic<int> calls{0};
  ScriptResult operator()(const std::string& path) {
    const int n = calls++;
    ScriptResult r;
    r.path = path;
    r.verdict.status = outcomes[std::min<std::size_t>(n, outcomes.size() - 1)];
    if (r.verdict.status == Status::Fail) {
      Failure f;
      f.line = 7;
      f.message = "attempt " + std::to_string(n + 1) + " late";
      r.verdict.failure = f;
    }
    return r;
  }
};

SuiteOptions options_for(ScriptedOutcomes& outcomes, int retries) {
  SuiteOptions o;
  o.target_name = "kernel";
  o.retries = retries;
  o.retry_if = [](const ScriptResult& r) { return r.verdict.status == Status::Fail; };
  o.run_one = [&outcomes](const std::string& path) { return outcomes(path); };
  return o;
}

TEST(SuiteRetries, APassAfterFailuresIsFlakyAndKeepsEveryFailedAttempt) {
  ScriptedOutcomes outcomes{{Status::Fail, Status::Fail, Status::Pass}};
  const RunResult run = run_suite({"a.pkt"}, options_for(outcomes, 3));
  ASSERT_EQ(run.scripts.size(), 1u);
  const ScriptResult& r = run.scripts[0];
  EXPECT_EQ(outcomes.calls.load(), 3);
  EXPECT_EQ(r.verdict.status, Status::Pass);
  EXPECT_TRUE(r.flaky());
  ASSERT_EQ(r.earlier_attempts.size(), 2u);
  EXPECT_EQ(r.earlier_attempts[0].failure->message, "attempt 1 late");
  EXPECT_EQ(r.earlier_attempts[1].failure->message, "attempt 2 late");
}

TEST(SuiteRetries, AFailureThatPersistsStaysAFailureAfterTheLastRetry) {
  ScriptedOutcomes outcomes{{Status::Fail}};
  const RunResult run = run_suite({"a.pkt"}, options_for(outcomes, 2));
  EXPECT_EQ(outcomes.calls.load(), 3);
  EXPECT_EQ(run.scripts[0].verdict.status, Status::Fail);
  EXPECT_FALSE(run.scripts[0].flaky());
  EXPECT_EQ(run.scripts[0].earlier_attempts.size(), 2u);
  EXPECT_EQ(run.scripts[0].verdict.failure->message, "attempt 3 late");
}

TEST(SuiteRetries, PassesErrorsAndZeroRetriesRunOnce) {
  ScriptedOutcomes pass{{Status::Pass}};
  EXPECT_FALSE(run_suite({"a.pkt"}, options_for(pass, 3)).scripts[0].flaky());
  EXPECT_EQ(pass.calls.load(), 1);
  ScriptedOutcomes error{{Status::Error, Status::Pass}};
  EXPECT_EQ(run_suite({"a.pkt"}, options_for(error, 3)).scripts[0].verdict.status, Status::Error);
  EXPECT_EQ(error.calls.load(), 1);
  ScriptedOutcomes no_retries{{Status::Fail, Status::Pass}};
  EXPECT_EQ(run_suite({"a.pkt"}, options_for(no_retries, 0)).scripts[0].verdict.status, Status::Fail);
  EXPECT_EQ(no_retries.calls.load(), 1);
}

TEST(SuiteRetries, TheRetryPredicateDecides) {
  ScriptedOutcomes outcomes{{Status::Fail, Status::Pass}};
  SuiteOptions o = options_for(outcomes, 3);
  o.retry_if = [](const ScriptResult&) { return false; };  // e.g. a listed deviation
  EXPECT_EQ(run_suite({"a.pkt"}, o).scripts[0].verdict.status, Status::Fail);
  EXPECT_EQ(outcomes.calls.load(), 1);
}

}  // namespace
}  // namespace synack::run
