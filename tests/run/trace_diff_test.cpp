// run/trace_diff: what counts as the same behaviour of two stacks, and where they first differ.
#include "harness/run/trace_diff.h"

#include <gtest/gtest.h>

namespace synack::run {
namespace {

TraceEntry sent(Micros time, int line, const std::string& text) {
  TraceEntry e;
  e.kind = TraceEntry::Kind::Observed;
  e.time = time;
  e.line = line;
  e.text = text;
  return e;
}

TraceEntry returned(Micros time, int line, const std::string& text) {
  TraceEntry e;
  e.kind = TraceEntry::Kind::CallReturn;
  e.time = time;
  e.line = line;
  e.text = text;
  return e;
}

TraceEntry injected(Micros time, int line) {
  TraceEntry e;
  e.kind = TraceEntry::Kind::Injected;
  e.time = time;
  e.line = line;
  e.text = "Flags [S], seq 0, win 65535, length 0";
  return e;
}

Trace trace_of(std::vector<TraceEntry> entries) { return Trace{std::move(entries)}; }

const std::string kSynAckLinux =
    "Flags [S.], seq 0, ack 1, win 64240, options [mss 1460,sackOK,TS val 4161662112 ecr 0,nop,wscale 7], length 0";
const std::string kSynAckOther =
    "Flags [S.], seq 0, ack 1, win 65535, options [mss 1460,nop,wscale 9,sackOK,TS val 17 ecr 0], length 0";

TEST(TraceDiff, ParsesTheRelativeSegmentText) {
  const auto steps = steps_of(trace_of({injected(0, 3), sent(100, 4, kSynAckLinux)}));
  ASSERT_EQ(steps.size(), 1u);  // injected segments are the script's, not compared
  const Step& s = steps[0];
  EXPECT_EQ(s.flags, "S.");
  EXPECT_EQ(s.seq, "0");
  EXPECT_EQ(s.ack, "1");
  EXPECT_EQ(s.window, "64240");
  EXPECT_EQ(s.length, "0");
  EXPECT_EQ(s.options, (std::vector<std::string>{"mss 1460", "sackOK", "TS", "nop", "wscale 7"}));
  EXPECT_EQ(s.line, 4);
}

TEST(TraceDiff, TimestampsWindowsAndOptionOrderAreTheStacksOwnChoice) {
  const Trace a = trace_of({sent(1000, 4, kSynAckLinux)});
  const Trace b = trace_of({sent(1500, 4, kSynAckOther)});
  EXPECT_FALSE(first_divergence(a, b));
  DiffOptions strict;
  strict.strict = true;
  const auto d = first_divergence(a, b, strict);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->classes, (std::vector<DiffClass>{DiffClass::Options, DiffClass::Window}));
  EXPECT_EQ(d->summary(), "options, window differ at line 4");
}

TEST(TraceDiff, AMissingOptionKindDiffersEvenOutsideStrictMode) {
  const Trace a = trace_of({sent(0, 4, kSynAckLinux)});
  const Trace b = trace_of({sent(0, 4, "Flags [S.], seq 0, ack 1, win 64240, options [mss 1460], length 0")});
  const auto d = first_divergence(a, b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->classes, std::vector<DiffClass>{DiffClass::Options});
}

TEST(TraceDiff, TheFirstDifferenceIsReportedWithBothSteps) {
  const Trace a = trace_of({returned(0, 3, "socket() = 3"), sent(10, 5, "Flags [F.], seq 1, ack 1, win 100, length 0"),
                            sent(20, 6, "Flags [.], seq 2, ack 2, win 100, length 0")});
  const Trace b = trace_of({returned(0, 3, "socket() = 5"), sent(10, 5, "Flags [R.], seq 1, ack 2, win 0, length 0")});
  const auto d = first_divergence(a, b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->index, 1u);  // descriptor numbers are normalized: step 0 agrees
  EXPECT_EQ(d->classes, (std::vector<DiffClass>{DiffClass::Flags, DiffClass::Ack}));
  ASSERT_TRUE(d->a && d->b);
  EXPECT_EQ(d->a->line, 5);
  EXPECT_EQ(divergence_key(*d), "flags+ack: segment F. / segment R.");
}

TEST(TraceDiff, ATraceThatEndsEarlyIsMissingSteps) {
  const Trace a = trace_of({sent(10, 5, "Flags [.], seq 1, ack 1, win 100, length 0"), returned(20, 6, "read() = 10")});
  const Trace b = trace_of({sent(10, 5, "Flags [.], seq 1, ack 1, win 100, length 0")});
  const auto d = first_divergence(a, b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->index, 1u);
  EXPECT_EQ(d->classes, std::vector<DiffClass>{DiffClass::Missing});
  EXPECT_FALSE(d->b);
  EXPECT_EQ(divergence_key(*d), "missing: call read / end");
  EXPECT_EQ(d->summary(), "missing at line 6");
}

TEST(TraceDiff, CallResultsAndKindsAreCompared) {
  const auto d = first_divergence(trace_of({returned(0, 7, "read() = 10")}),
                                  trace_of({returned(0, 7, "read() = -1 ECONNRESET (Connection reset by peer)")}));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->classes, std::vector<DiffClass>{DiffClass::Call});
  const auto k = first_divergence(trace_of({returned(0, 7, "read() = 10")}),
                                  trace_of({sent(0, 0, "Flags [R], seq 1, win 0, length 0")}));
  ASSERT_TRUE(k);
  EXPECT_EQ(k->classes, std::vector<DiffClass>{DiffClass::Kind});
}

TEST(TraceDiff, TimingDiffersBeyondTheToleranceOnly) {
  auto with_ack_at = [](Micros t) {
    return trace_of({returned(0, 3, "accept() = 4"), sent(t, 9, "Flags [.], seq 1, ack 101, win 100, length 0")});
  };
  // 200 ms against 40 ms: a delayed ACK against a quick one.
  const auto d = first_divergence(with_ack_at(200'000), with_ack_at(40'000));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->classes, std::vector<DiffClass>{DiffClass::Timing});
  // 1.000 s against 1.100 s is within 12.5 % of the interval.
  EXPECT_FALSE(first_divergence(with_ack_at(1'000'000), with_ack_at(1'100'000)));
  // 3 ms apart is within the 10 ms floor.
  EXPECT_FALSE(first_divergence(with_ack_at(1'000), with_ack_at(4'000)));
  DiffOptions no_timing;
  no_timing.timing = false;
  EXPECT_FALSE(first_divergence(with_ack_at(200'000), with_ack_at(40'000), no_timing));
}

TraceEntry call_started(Micros time, int line, const std::string& text) {
  TraceEntry e = returned(time, line, text);
  e.kind = TraceEntry::Kind::CallStart;
  return e;
}

// A step is timed from the last thing the script did before it, not from the step before it: a
// timer that fires late on one stack is its own difference, not the next step's.
TEST(TraceDiff, AStepIsTimedFromTheScriptsLastActionNotFromALateTimer) {
  auto with_retransmission_at = [](Micros t) {
    return trace_of({call_started(0, 3, "connect(3, ..., ...)"), sent(100, 4, "Flags [S], seq 0, win 100, length 0"),
                     sent(t, 5, "Flags [S], seq 0, win 100, length 0"), call_started(3'257'000, 6, "getsockopt(3, ...)"),
                     returned(3'257'050, 6, "getsockopt() = 0")});
  };
  // The retransmission 80 ms late is within 12.5 % of its 3 s; the call after it returns at once
  // on both (it was charged the 80 ms when steps were timed from the step before).
  EXPECT_FALSE(first_divergence(with_retransmission_at(3'000'000), with_retransmission_at(3'080'000)));
  // 500 ms late is a timing difference of the retransmission itself.
  const auto d = first_divergence(with_retransmission_at(3'000'000), with_retransmission_at(3'500'000));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->classes, std::vector<DiffClass>{DiffClass::Timing});
  EXPECT_EQ(d->a->line, 5);
}

// A timer armed at the previous segment may fire late by an eighth of its time on a real clock,
// even when a call in between makes the interval since the script's last action short.
TEST(TraceDiff, ALateTimerIsAllowedAnEighthOfItsTime) {
  auto with_retransmission_at = [](Micros t) {
    return trace_of({sent(200'000, 4, "Flags [P.], seq 1:101, ack 1, win 100, length 100"),
                     call_started(310'000, 5, "accept(3, ...)"), returned(310'050, 5, "accept() = -1 EAGAIN"),
                     sent(t, 6, "Flags [P.], seq 1:101, ack 1, win 100, length 100")});
  };
  // 30 ms late: more than 12.5 % of the 190 ms since the call, within 12.5 % of the 330 ms timer.
  EXPECT_FALSE(first_divergence(with_retransmission_at(500'000), with_retransmission_at(530'000)));
  // 80 ms late is not a late timer.
  EXPECT_TRUE(first_divergence(with_retransmission_at(500'000), with_retransmission_at(580'000)));
  // 48 ms late: 12.5 % of the 348 ms timer (43.5 ms) plus two ticks (8 ms) covers it, the share
  // alone does not.
  EXPECT_FALSE(first_divergence(with_retransmission_at(500'000), with_retransmission_at(548'000)));
  DiffOptions no_ticks;
  no_ticks.timer_slack_usecs = 0;
  EXPECT_TRUE(first_divergence(with_retransmission_at(500'000), with_retransmission_at(548'000), no_ticks));
}

// One stack ACKs at once (0.1058, after the segment injected at 0.1); the other only after the
// script's next segment at 0.2. Timed from each one's own last action both are "at once"; timed
// from the earlier action they are 94 ms apart.
TEST(TraceDiff, StepsAfterDifferentScriptActionsAreTimedFromTheEarlier) {
  const std::string ack = "Flags [.], seq 1, ack 1236, win 100, length 0";
  const Trace at_once = trace_of({injected(100'000, 30), sent(105'800, 31, ack)});
  const Trace after_next = trace_of({injected(100'000, 30), injected(200'000, 32), sent(200'100, 33, ack)});
  auto d = first_divergence(at_once, after_next);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->classes, std::vector<DiffClass>{DiffClass::Timing});
  // After the same action, each is timed from it as before: the same reply 0.3 ms apart.
  const Trace both = trace_of({injected(100'000, 30), injected(200'000, 32), sent(200'400, 33, ack)});
  EXPECT_FALSE(first_divergence(after_next, both));
  // And a stack that answers just after the next action, injected at the same time, is alike.
  const Trace same_time = trace_of({injected(100'000, 30), sent(100'300, 31, ack)});
  const Trace crossed = trace_of({injected(100'000, 30), injected(100'000, 31), sent(100'500, 32, ack)});
  EXPECT_FALSE(first_divergence(same_time, crossed));
}

// Both runs failed at the same line of a stale script; the one with the later deadline (a real
// clock's timer slack) saw one more segment. That is not something the other stack did not do.
TEST(TraceDiff, AStepAfterTheOtherRunStoppedIsNoDivergence) {
  const std::string rtx = "Flags [P.], seq 1001:2001, ack 1, win 100, length 1000";
  ScriptResult stopped, watched;
  stopped.trace = trace_of({injected(200'000, 25)});
  stopped.verdict.status = Status::Fail;
  stopped.verdict.script_time = 480'000;
  watched.trace = trace_of({injected(200'000, 25), sent(512'000, 35, rtx)});
  watched.verdict.status = Status::Fail;
  watched.verdict.script_time = 515'000;
  auto d = first_divergence(stopped.trace, watched.trace);
  ASSERT_TRUE(d);
  EXPECT_TRUE(beyond_a_stopped_run(*d, stopped, watched));
  EXPECT_TRUE(beyond_a_stopped_run(*first_divergence(watched.trace, stopped.trace), watched, stopped));
  // Before it stopped, the run would have seen that segment: a real divergence.
  stopped.verdict.script_time = 520'000;
  EXPECT_FALSE(beyond_a_stopped_run(*d, stopped, watched));
  // Where the other run passed, stopping early is itself the divergence.
  stopped.verdict.script_time = 480'000;
  watched.verdict.status = Status::Pass;
  EXPECT_FALSE(beyond_a_stopped_run(*d, stopped, watched));
}

TEST(TraceDiff, BracketsInsideFieldsDoNotSplitThem) {
  const auto steps = steps_of(trace_of({sent(0, 4,
      "Flags [S.], seq 0, ack 1, win 100, options [mss 1460,opt-99:ab [bad len 9]], length 0, ip options [lsrr ptr 4 [192.0.2.7, 198.51.100.1]]")}));
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].options, (std::vector<std::string>{"mss 1460", "opt-99:ab [bad len 9]"}));
  EXPECT_EQ(steps[0].extras, "ip options [lsrr ptr 4 [192.0.2.7, 198.51.100.1]]");
  EXPECT_EQ(steps[0].length, "0");
}

}  // namespace
}  // namespace synack::run
