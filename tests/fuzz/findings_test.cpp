// Finding deduplication: the key is (rule, state, kind of event), not the segment's flags; a
// findings directory keeps deduplicating across campaigns that reuse it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "fuzz/findings.h"
#include "helpers.h"

namespace synack::fuzz {
namespace {

namespace f = net::flag;
using testing::segment;

// The planted bug (a RST at any SEG.SEQ resets) in ESTABLISHED, by a RST with extra flags.
SessionInput planted_in_established(std::uint16_t extra_flags) {
  SessionInput in = testing::passive_open();
  in.events.push_back(segment(f::RST | extra_flags, {SeqRef::Base::RcvNxt, 100}, {AckRef::Base::SndNxt, 0}));
  return in;
}

// The same bug in CLOSE-WAIT.
SessionInput planted_in_close_wait() {
  SessionInput in = testing::passive_open();
  in.events.push_back(segment(f::FIN | f::ACK, {SeqRef::Base::RcvNxt, 0}, {AckRef::Base::SndNxt, 0}));
  in.events.push_back(segment(f::RST, {SeqRef::Base::RcvNxt, 100}, {}));
  return in;
}

SessionOptions planted() {
  SessionOptions o;
  o.planted_rst_bug = true;
  return o;
}

TEST(FindingKey, IgnoresIncidentalFlags) {
  // One bug, reached by segments with flag sets R, RA, SFRUE and FRUEW (as SFUE./SFUEW./SFUW.
  // once came out as three findings).
  const std::uint16_t extras[] = {0, f::ACK, f::SYN | f::FIN | f::URG | f::ECE, f::FIN | f::URG | f::ECE | f::CWR};
  std::set<std::string> keys, events;
  for (std::uint16_t extra : extras) {
    const SessionResult r = run_session(planted_in_established(extra), planted());
    ASSERT_TRUE(r.finding) << extra;
    EXPECT_EQ(r.finding->state, "ESTABLISHED");
    EXPECT_EQ(r.finding->trigger, "segment");
    keys.insert(r.finding->key());
    events.insert(r.finding->event);  // the full event still names the flags, for the report
  }
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(*keys.begin(),
            "a RST with SEG.SEQ != RCV.NXT closed the connection (RFC 5961 3.2, RFC 9293 3.10.7.4) | "
            "ESTABLISHED | segment");
  EXPECT_EQ(events.size(), 4u);
  // Another state is another finding.
  const SessionResult other = run_session(planted_in_close_wait(), planted());
  ASSERT_TRUE(other.finding);
  EXPECT_EQ(other.finding->state, "CLOSE-WAIT");
  EXPECT_NE(other.finding->key(), *keys.begin());
}

TEST(FindingKey, RuleDropsCountsButKeepsRfcAndSectionNumbers) {
  EXPECT_EQ(rule_of("RCV.NXT does not match the octets delivered (12 vs 1460)"),
            "RCV.NXT does not match the octets delivered (N vs N)");
  EXPECT_EQ(rule_of("the 4-tuple index holds 3 entries for 2 live connections (two share a 4-tuple?)"),
            "the 4-tuple index holds N entries for N live connections (two share a 4-tuple?)");
  EXPECT_EQ(rule_of("a RST closed it (RFC 5961 3.2, RFC 9293 3.10.7.4)"), "a RST closed it (RFC 5961 3.2, RFC 9293 3.10.7.4)");
  EXPECT_EQ(rule_of("SND.UNA > SND.NXT"), "SND.UNA > SND.NXT");
  EXPECT_EQ(rule_of("listener fd 12 missing"), "listener fd N missing");
}

TEST(FindingsDir, DeduplicatesAcrossRestarts) {
  const auto dir = std::filesystem::temp_directory_path() / ("synack-findings-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    FindingsDir first(dir, planted());
    EXPECT_EQ(first.load(), 0u);
    EXPECT_TRUE(first.add(encode(planted_in_established(0))));
    EXPECT_FALSE(first.add(encode(planted_in_established(f::FIN | f::URG | f::ECE))));  // same bug
    ASSERT_EQ(first.findings().size(), 1u);
    EXPECT_TRUE(std::filesystem::exists(dir / "finding-1.input"));
    EXPECT_TRUE(std::filesystem::exists(dir / "finding-1.pkt"));
  }
  {
    // A later campaign on the same directory: the earlier finding is known, numbering goes on.
    FindingsDir second(dir, planted());
    EXPECT_EQ(second.load(), 1u);
    ASSERT_EQ(second.findings().size(), 1u);
    EXPECT_TRUE(second.findings()[0].earlier);
    EXPECT_EQ(second.findings()[0].finding.key(), run_session(planted_in_established(f::ACK), planted()).finding->key());
    EXPECT_FALSE(second.add(encode(planted_in_established(f::ACK | f::SYN))));
    EXPECT_TRUE(second.add(encode(planted_in_close_wait())));
    EXPECT_TRUE(std::filesystem::exists(dir / "finding-2.input"));
    EXPECT_EQ(second.keys().size(), 2u);
  }
  {
    // Replayed without the bug, the stored inputs no longer fail: nothing is carried over.
    FindingsDir fixed(dir, SessionOptions{});
    EXPECT_EQ(fixed.load(), 0u);
    EXPECT_TRUE(fixed.keys().empty());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace synack::fuzz
