#include <gtest/gtest.h>

#include "harness/run/assertions.h"

namespace synack::run {
namespace {

using K = AssertOutcome::Kind;
const std::map<std::string, std::int64_t> kInfo = {{"tcpi_state", 1}, {"tcpi_snd_cwnd", 10}, {"tcpi_rto", 1000000}};

TEST(Assertions, ComparisonsAndLogic) {
  EXPECT_EQ(evaluate_asserts("assert tcpi_state == TCP_ESTABLISHED", kInfo).kind, K::Pass);
  EXPECT_EQ(evaluate_asserts("assert tcpi_state == TCP_CLOSE_WAIT", kInfo).kind, K::Fail);
  EXPECT_EQ(evaluate_asserts("assert tcpi_snd_cwnd >= 10 and tcpi_rto == 1000 * 1000", kInfo).kind, K::Pass);
  EXPECT_EQ(evaluate_asserts("assert 5 < tcpi_snd_cwnd < 20", kInfo).kind, K::Pass);
  EXPECT_EQ(evaluate_asserts("assert 5 < tcpi_snd_cwnd < 8", kInfo).kind, K::Fail);
  EXPECT_EQ(evaluate_asserts("assert not tcpi_state != 1 or False", kInfo).kind, K::Pass);
  EXPECT_EQ(evaluate_asserts("assert (tcpi_rto // 1000) - 1000 == 0, tcpi_rto", kInfo).kind, K::Pass);
  EXPECT_EQ(evaluate_asserts("assert tcpi_state == 1\nassert tcpi_snd_cwnd == 11", kInfo).kind, K::Fail);
}

TEST(Assertions, BitwiseOperatorsWithPythonPrecedence) {
  const std::map<std::string, std::int64_t> info = {{"tcpi_state", 1}, {"tcpi_options", 7}};
  EXPECT_EQ(evaluate_asserts("assert tcpi_state == 1 and tcpi_options & TCPI_OPT_TIMESTAMPS", info).kind, K::Pass);
  EXPECT_EQ(evaluate_asserts("assert tcpi_options & 8", info).kind, K::Fail);
  EXPECT_EQ(evaluate_asserts("assert tcpi_options & 6 == 6", info).kind, K::Pass);  // (7 & 6) == 6
  EXPECT_EQ(evaluate_asserts("assert 1 << 3 | 1 == 9", info).kind, K::Pass);
  EXPECT_EQ(evaluate_asserts("assert 12 >> 2 ^ 1 == 2", info).kind, K::Pass);
  EXPECT_EQ(evaluate_asserts("assert 1 << 99", info).kind, K::Unsupported);
}

TEST(Assertions, FailureNamesTheValues) {
  auto r = evaluate_asserts("assert tcpi_snd_cwnd == 11", kInfo);
  ASSERT_EQ(r.kind, K::Fail);
  EXPECT_NE(r.message.find("tcpi_snd_cwnd=10"), std::string::npos) << r.message;
}

TEST(Assertions, AnythingElseIsUnsupportedNotPassed) {
  EXPECT_EQ(evaluate_asserts("print(tcpi_state)", kInfo).kind, K::Unsupported);
  EXPECT_EQ(evaluate_asserts("assert tcpi_state == os.getpid()", kInfo).kind, K::Unsupported);
  EXPECT_EQ(evaluate_asserts("assert tcpi_unknown_field == 1", kInfo).kind, K::Unsupported);
  EXPECT_EQ(evaluate_asserts("", kInfo).kind, K::Unsupported);
  EXPECT_EQ(evaluate_asserts("assert 1 / 0", kInfo).kind, K::Unsupported);
  EXPECT_EQ(evaluate_asserts("assert " + std::string(500, '(') + "1" + std::string(500, ')'), kInfo).kind, K::Unsupported);
}

}  // namespace
}  // namespace synack::run
