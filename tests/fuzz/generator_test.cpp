// The state-aware generator (fuzz/generator.h): the session's trail of states, the events each
// cause becomes, insertion at state-change points, and what it buys: arcs of short-lived states
// reached from an empty corpus.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include "fuzz/generator.h"
#include "fuzz/loop.h"
#include "helpers.h"

namespace synack::fuzz {
namespace {

namespace f = net::flag;
using testing::call;
using testing::segment;

std::size_t index_of(State from, Cause cause, State to) {
  const auto all = all_transitions();
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].from == from && all[i].cause == cause && all[i].to == to) return i;
  ADD_FAILURE() << "not in the full set";
  return 0;
}

// Active open, shutdown(SHUT_WR), and the peer's FIN crossing ours (it acknowledges only the
// SYN-ACK): CLOSING; then the peer's ACK of our FIN: TIME-WAIT.
SessionInput simultaneous_close() {
  SessionInput in;
  in.events.push_back(call(CallKind::Connect, 1));
  in.events.push_back(segment(f::SYN | f::ACK, {SeqRef::Base::Raw, 0}, {AckRef::Base::SndNxt, 0}));
  in.events.push_back(call(CallKind::Shutdown, 0, SHUT_WR));
  in.events.push_back(segment(f::FIN | f::ACK, {SeqRef::Base::RcvNxt, 0}, {AckRef::Base::SndUna, 0}));
  in.events.push_back(segment(f::ACK, {SeqRef::Base::RcvNxt, 0}, {AckRef::Base::SndNxt, 0}));
  return in;
}

TEST(Generator, TrailNamesTheStateAndDescriptorAfterEveryEvent) {
  SessionOptions o;
  o.trail = true;
  const SessionResult r = run_session(simultaneous_close(), o);
  ASSERT_FALSE(r.finding) << r.finding->detail;
  ASSERT_EQ(r.trail.size(), 5u);
  const State expected[] = {State::SynSent, State::Established, State::FinWait1, State::Closing, State::TimeWait};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(r.trail[i].state, expected[i]) << i;
    EXPECT_TRUE(r.trail[i].changed) << i;
    EXPECT_EQ(r.trail[i].fd, 0) << i;  // the setup socket, fds_[0]
  }
  // A listener: LISTEN on its descriptor; a call that changes nothing is not a change.
  SessionInput listen;
  listen.events.push_back(call(CallKind::Listen, 1, 1));
  listen.events.push_back(call(CallKind::Recv, 0, 10));
  const SessionResult l = run_session(listen, o);
  ASSERT_EQ(l.trail.size(), 2u);
  EXPECT_EQ(l.trail[0].state, State::Listen);
  EXPECT_TRUE(l.trail[0].changed);
  EXPECT_FALSE(l.trail[1].changed);
  // Off by default.
  EXPECT_TRUE(run_session(listen).trail.empty());
}

TEST(Generator, CausesBecomeTheUsersCallsSegmentsOrTime) {
  Rng rng(7);
  const auto abort = cause_events(Cause::Abort, State::Closing, 2, rng);
  ASSERT_EQ(abort.size(), 2u);
  EXPECT_EQ(abort[0].call.kind, CallKind::SetSockOpt);
  EXPECT_EQ(static_cast<SockOpt>(abort[0].call.sub), SockOpt::LingerZero);
  EXPECT_EQ(abort[1].call.kind, CallKind::Close);
  EXPECT_EQ(abort[1].call.fd, 2);
  bool close = false, shutdown = false;
  for (int i = 0; i < 32; ++i) {
    const auto e = cause_events(Cause::Close, State::Established, 1, rng);
    ASSERT_EQ(e.size(), 1u);
    close |= e[0].call.kind == CallKind::Close;
    shutdown |= e[0].call.kind == CallKind::Shutdown && e[0].call.arg == SHUT_WR;
  }
  EXPECT_TRUE(close && shutdown);
  const auto rst = cause_events(Cause::RcvRst, State::Established, 0, rng);
  ASSERT_EQ(rst.size(), 1u);
  EXPECT_TRUE(rst[0].segment.flags & f::RST);
  EXPECT_EQ(rst[0].segment.seq, (SeqRef{SeqRef::Base::RcvNxt, 0}));
  for (int i = 0; i < 32; ++i) {
    const auto seg = cause_events(Cause::RcvSegment, State::FinWait1, 0, rng);
    ASSERT_EQ(seg.size(), 1u);
    EXPECT_EQ(seg[0].kind, Event::Kind::Segment);
    EXPECT_FALSE(seg[0].segment.flags & f::RST);
  }
  EXPECT_FALSE(cause_events(Cause::Timeout, State::TimeWait, 0, rng).empty());
  EXPECT_TRUE(cause_events(Cause::Other, State::Established, 0, rng).empty());
}

// Inserted events go right after an event that changed the state, and every arc leaving that
// state gets its turn: even CLOSING, which this session leaves one event after entering it.
TEST(Generator, GrowsAtStateChangesAlongEveryArcLeavingTheState) {
  const SessionInput base = simultaneous_close();
  TransitionSet reached;
  std::size_t grown = 0;
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    Rng rng(seed);
    SessionInput in = base;
    if (!grow_along_diagram(in, rng, 16)) continue;
    ++grown;
    ASSERT_GT(in.events.size(), base.events.size());
    const SessionResult r = run_session(in);
    EXPECT_FALSE(r.finding) << (r.finding ? r.finding->detail : "");
    reached.merge(r.transitions);
  }
  EXPECT_GT(grown, 390u);
  EXPECT_TRUE(reached.contains(index_of(State::Closing, Cause::Abort, State::Closed)));
  EXPECT_TRUE(reached.contains(index_of(State::Closing, Cause::RcvRst, State::Closed)));
  EXPECT_TRUE(reached.contains(index_of(State::Closing, Cause::Timeout, State::Closed)));
  EXPECT_TRUE(reached.contains(index_of(State::FinWait1, Cause::Abort, State::Closed)));
  EXPECT_TRUE(reached.contains(index_of(State::TimeWait, Cause::Abort, State::Closed)));
}

// Issue 7: from an empty corpus, the in-process loop (the same mutator libFuzzer's custom
// mutator calls) reaches every arc of the diagram, CLOSING --ABORT--> CLOSED included, within a
// fixed number of deterministic iterations. The loop is deterministic for a seed (the time
// budget only guards against a much slower machine). Measured when this was written: with seed
// 1 CLOSING --ABORT--> CLOSED by ~7,700 iterations and all 47 by ~17,400; without the
// generator (the mutator as it was), 29 to 35 of 47 after 60,000 iterations (seeds 1-3), never
// CLOSING --ABORT--> CLOSED. Raised to 100,000 when session 4's reference fixes (the unacked
// SYN-ACK is resent first in every state, Karn for a duplicate SYN's SYN-ACK) moved seed 1 to
// 46/47 at 60,000 (LAST-ACK --ABORT--> CLOSED); seeds 1-4 reach 47/47 at 100,000 (~1.5 s each).
TEST(Generator, EmptyCorpusReachesTheWholeDiagram) {
  LoopOptions o;
  o.max_iterations = 100000;
  o.max_seconds = 300;
  o.max_events = 16;
  o.seed = 1;
  const LoopStats stats = run_loop(o);
  std::cout << "[ empty    ] " << stats.iterations << " iterations, " << stats.seconds << " s, "
            << stats.transitions.count() << "/" << all_transitions().size() << " transitions\n";
  for (const auto& u : stats.transitions.uncovered()) std::cout << "    uncovered: " << u << "\n";
  EXPECT_TRUE(stats.transitions.contains(index_of(State::Closing, Cause::Abort, State::Closed)));
  EXPECT_EQ(stats.transitions.count(), all_transitions().size());
}

}  // namespace
}  // namespace synack::fuzz
