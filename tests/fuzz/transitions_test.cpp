// Transition coverage: the full set is explicit, and sessions report the edges they exercise.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "fuzz/session.h"
#include "fuzz/seeds.h"
#include "fuzz/to_script.h"
#include "helpers.h"

namespace synack::fuzz {
namespace {

namespace f = net::flag;
using testing::call;
using testing::segment;

bool covers(const TransitionSet& t, State from, Cause cause, State to) {
  const auto all = all_transitions();
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].from == from && all[i].cause == cause && all[i].to == to) return t.contains(i);
  ADD_FAILURE() << "not in the full set";
  return false;
}

TEST(Transitions, FullSetIsExplicitAndUnique) {
  const auto all = all_transitions();
  EXPECT_EQ(all.size(), 47u);
  std::set<std::tuple<int, int, int>> seen;
  for (const auto& t : all) {
    EXPECT_TRUE(seen.insert({static_cast<int>(t.from), static_cast<int>(t.cause), static_cast<int>(t.to)}).second)
        << format(t);
    EXPECT_NE(std::string(t.event), "");
    // Every edge is legal for the reference stack's own checker (SYN-RECEIVED -> LISTEN included).
    EXPECT_TRUE(reference::is_legal_transition(t.from, t.to)) << format(t);
  }
  TransitionSet none;
  EXPECT_EQ(none.count(), 0u);
  EXPECT_EQ(none.uncovered().size(), 47u);
}

TEST(Transitions, PassiveOpenAndPassiveClose) {
  SessionInput in = testing::passive_open();
  in.events.push_back(segment(f::FIN | f::ACK, {SeqRef::Base::RcvNxt, 0}, {AckRef::Base::SndNxt, 0}));
  in.events.push_back(call(CallKind::Close, 1));
  in.events.push_back(segment(f::ACK, {SeqRef::Base::RcvNxt, 0}, {AckRef::Base::SndNxt, 0}));
  const SessionResult r = run_session(in);
  ASSERT_FALSE(r.finding) << r.finding->detail;
  EXPECT_TRUE(r.extra.empty());
  EXPECT_TRUE(covers(r.transitions, State::Closed, Cause::Listen, State::Listen));
  EXPECT_TRUE(covers(r.transitions, State::Listen, Cause::RcvSegment, State::SynReceived));
  EXPECT_TRUE(covers(r.transitions, State::SynReceived, Cause::RcvSegment, State::Established));
  EXPECT_TRUE(covers(r.transitions, State::Established, Cause::RcvSegment, State::CloseWait));
  EXPECT_TRUE(covers(r.transitions, State::CloseWait, Cause::Close, State::LastAck));
  EXPECT_TRUE(covers(r.transitions, State::LastAck, Cause::RcvSegment, State::Closed));
  EXPECT_EQ(r.transitions.count(), 6u) << ::testing::PrintToString(r.transitions.covered());
}

TEST(Transitions, ActiveOpenResetAndTimeWait) {
  SessionInput in;
  in.events.push_back(call(CallKind::Connect, 1));
  in.events.push_back(segment(f::SYN | f::ACK, {SeqRef::Base::Raw, 0}, {AckRef::Base::SndNxt, 0}));
  in.events.push_back(call(CallKind::Close, 0));
  in.events.push_back(segment(f::FIN | f::ACK, {SeqRef::Base::RcvNxt, 0}, {AckRef::Base::SndNxt, 0}));
  in.events.push_back(testing::advance(AdvanceGen::Unit::Minutes, 5));
  const SessionResult r = run_session(in);
  ASSERT_FALSE(r.finding) << r.finding->detail;
  EXPECT_TRUE(covers(r.transitions, State::Closed, Cause::Connect, State::SynSent));
  EXPECT_TRUE(covers(r.transitions, State::SynSent, Cause::RcvSegment, State::Established));
  EXPECT_TRUE(covers(r.transitions, State::Established, Cause::Close, State::FinWait1));
  // FIN + ACK of our FIN in one segment: the reference stack passes through FIN-WAIT-2 (the ACK,
  // then the FIN); the session counts both steps and the single arc of the eighth step.
  EXPECT_TRUE(covers(r.transitions, State::FinWait1, Cause::RcvSegment, State::FinWait2));
  EXPECT_TRUE(covers(r.transitions, State::FinWait2, Cause::RcvSegment, State::TimeWait));
  EXPECT_TRUE(covers(r.transitions, State::FinWait1, Cause::RcvSegment, State::TimeWait));
  EXPECT_TRUE(covers(r.transitions, State::TimeWait, Cause::Timeout, State::Closed));
}

// An ACK of the SYN-ACK that carries a FIN: SYN-RECEIVED -> ESTABLISHED -> CLOSE-WAIT in one
// segment, counted as the eighth step's arc too; two separate segments do not make that arc.
TEST(Transitions, OneSegmentThroughTwoStatesCountsTheCompositeArc) {
  SessionInput in;
  in.events.push_back(call(CallKind::Listen, 1, 1));
  in.events.push_back(segment(f::SYN, {SeqRef::Base::Raw, 0}, {}));
  in.events.push_back(segment(f::FIN | f::ACK, {SeqRef::Base::RcvNxt, 0}, {AckRef::Base::SndNxt, 0}));
  const SessionResult r = run_session(in);
  ASSERT_FALSE(r.finding) << r.finding->detail;
  EXPECT_TRUE(covers(r.transitions, State::SynReceived, Cause::RcvSegment, State::Established));
  EXPECT_TRUE(covers(r.transitions, State::Established, Cause::RcvSegment, State::CloseWait));
  EXPECT_TRUE(covers(r.transitions, State::SynReceived, Cause::RcvSegment, State::CloseWait))
      << ::testing::PrintToString(r.transitions.covered());

  SessionInput apart = testing::passive_open();
  apart.events.push_back(segment(f::FIN | f::ACK, {SeqRef::Base::RcvNxt, 0}, {AckRef::Base::SndNxt, 0}));
  const SessionResult separate = run_session(apart);
  ASSERT_FALSE(separate.finding) << separate.finding->detail;
  EXPECT_TRUE(covers(separate.transitions, State::Established, Cause::RcvSegment, State::CloseWait));
  EXPECT_FALSE(covers(separate.transitions, State::SynReceived, Cause::RcvSegment, State::CloseWait));
}

// sendto() with the peer's address on a listener: RFC 9293 §3.10.2 SEND in LISTEN, the arc
// LISTEN --SEND--> SYN-SENT (rfc profile); the replayed script reproduces it.
TEST(Transitions, SendOnAListenerOpensActively) {
  SessionInput in;
  in.events.push_back(call(CallKind::Listen, 1, 1));
  in.events.push_back(call(CallKind::Send, 1, 10));
  in.events.push_back(segment(f::SYN | f::ACK, {SeqRef::Base::Raw, 0}, {AckRef::Base::SndNxt, 0}));
  SessionOptions options;
  options.record = true;
  const SessionResult r = run_session(in, options);
  ASSERT_FALSE(r.finding) << r.finding->detail;
  EXPECT_TRUE(r.extra.empty());
  EXPECT_TRUE(covers(r.transitions, State::Listen, Cause::Send, State::SynSent))
      << ::testing::PrintToString(r.transitions.covered());
  EXPECT_TRUE(covers(r.transitions, State::SynSent, Cause::RcvSegment, State::Established));
  const std::string script = to_script(in, r);
  EXPECT_NE(script.find("sendto("), std::string::npos) << script;
  const run::ScriptResult replayed = testing::replay(script, in.profile);
  EXPECT_EQ(replayed.verdict.status, run::Status::Pass) << replayed.verdict.reason << "\n" << script;

  // The linux profile fails the call (EPIPE) and stays in LISTEN.
  SessionInput linux_in = in;
  linux_in.profile = 1;
  const SessionResult l = run_session(linux_in);
  EXPECT_FALSE(covers(l.transitions, State::Listen, Cause::Send, State::SynSent));
}

TEST(Transitions, ResetsAndAborts) {
  SessionInput reset = testing::passive_open();
  reset.events.push_back(segment(f::RST, {SeqRef::Base::RcvNxt, 0}, {}));
  SessionResult r = run_session(reset);
  ASSERT_FALSE(r.finding);
  EXPECT_TRUE(covers(r.transitions, State::Established, Cause::RcvRst, State::Closed));

  SessionInput abort = testing::passive_open();
  abort.events.push_back(call(CallKind::SetSockOpt, 1, 0, static_cast<std::uint8_t>(SockOpt::LingerZero)));
  abort.events.push_back(call(CallKind::Close, 1));
  r = run_session(abort);
  ASSERT_FALSE(r.finding);
  EXPECT_TRUE(covers(r.transitions, State::Established, Cause::Abort, State::Closed));

  SessionInput refused;
  refused.events.push_back(call(CallKind::Connect, 1));
  refused.events.push_back(segment(f::RST | f::ACK, {SeqRef::Base::Raw, 0}, {AckRef::Base::SndNxt, 0}));
  r = run_session(refused);
  ASSERT_FALSE(r.finding);
  EXPECT_TRUE(covers(r.transitions, State::SynSent, Cause::RcvRst, State::Closed));

  SessionInput gave_up;
  gave_up.events.push_back(call(CallKind::Connect, 1));
  for (int i = 0; i < 10; ++i) gave_up.events.push_back(testing::advance(AdvanceGen::Unit::NextTimer));
  r = run_session(gave_up);
  ASSERT_FALSE(r.finding);
  EXPECT_TRUE(covers(r.transitions, State::SynSent, Cause::Timeout, State::Closed));
}

TEST(Transitions, MergeAccumulates) {
  TransitionSet a, b;
  a.add(State::Closed, Cause::Listen, State::Listen);
  b.add(State::TimeWait, Cause::Timeout, State::Closed);
  EXPECT_FALSE(b.add(State::TimeWait, Cause::Connect, State::Established));
  a.merge(b);
  EXPECT_EQ(a.count(), 2u);
  EXPECT_EQ(a.covered().size(), 2u);
}

}  // namespace
}  // namespace synack::fuzz

namespace synack::fuzz {
namespace {

// The hand-written seeds reach the arcs they are written for (with every profile).
TEST(Transitions, HandcraftedSeedsReachTheirArcs) {
  TransitionSet all;
  for (const SessionInput& in : handcrafted_seeds()) {
    const SessionResult r = run_session(in);
    EXPECT_FALSE(r.finding) << (r.finding ? r.finding->detail : "");
    all.merge(r.transitions);
  }
  EXPECT_TRUE(covers(all, State::FinWait1, Cause::Abort, State::Closed));
  EXPECT_TRUE(covers(all, State::FinWait2, Cause::Abort, State::Closed));
  EXPECT_TRUE(covers(all, State::Closing, Cause::Abort, State::Closed));
  EXPECT_TRUE(covers(all, State::LastAck, Cause::Abort, State::Closed));
  EXPECT_TRUE(covers(all, State::LastAck, Cause::Timeout, State::Closed));
  std::cout << "[ handmade ] " << all.count() << " transitions; uncovered:\n";
  for (const auto& u : all.uncovered()) std::cout << "    " << u << "\n";
}

}  // namespace
}  // namespace synack::fuzz
