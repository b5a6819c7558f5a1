// Session inputs: bytes -> events -> bytes is canonical, and decoding never fails.
#include <gtest/gtest.h>

#include <random>

#include "fuzz/mutator.h"
#include "fuzz/session.h"
#include "helpers.h"

namespace synack::fuzz {
namespace {

using testing::call;
using testing::segment;

TEST(SessionCodec, HandBuiltInputRoundTrips) {
  SessionInput in = testing::passive_open(1);
  in.events.push_back(segment(net::flag::ACK | net::flag::PSH, {SeqRef::Base::RcvRight, -3},
                              {AckRef::Base::Raw, static_cast<std::int32_t>(0xdeadbeef)}, 100,
                              {{OptionGen::Kind::Timestamp, 7, 2, 99},
                               {OptionGen::Kind::Sack, 10, 3, 20},
                               {OptionGen::Kind::Malformed, net::option_kind::MSS, 3, 0},
                               {OptionGen::Kind::Unknown, 77, 4, 0}}));
  in.events.push_back(call(CallKind::SetSockOpt, 1, 5, static_cast<std::uint8_t>(SockOpt::KeepIdle)));
  in.events.push_back(testing::advance(AdvanceGen::Unit::Minutes, 3));
  const auto bytes = encode(in);
  EXPECT_EQ(decode(bytes), in);
}

TEST(SessionCodec, DecodeOfRandomBytesIsCanonical) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::uint8_t> bytes(rng() % 300);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    const SessionInput first = decode(bytes);
    const auto encoded = encode(first);
    const SessionInput second = decode(encoded);
    ASSERT_EQ(second, first) << "input " << i;
    ASSERT_EQ(encode(second), encoded) << "input " << i;
    ASSERT_LE(first.events.size(), kDefaultMaxEvents);
  }
}

TEST(SessionCodec, MaxEventsBoundsDecoding) {
  std::vector<std::uint8_t> bytes(1000, 2);  // many Advance events
  EXPECT_EQ(decode(bytes, 16).events.size(), 16u);
}

TEST(SessionCodec, EmptyInputIsAnEmptySession) {
  EXPECT_TRUE(decode({}).events.empty());
  const SessionResult r = run_session(decode({}));
  EXPECT_FALSE(r.finding);
}

TEST(Mutator, MutantsStayCanonicalAndBounded) {
  Rng rng(3);
  std::vector<std::uint8_t> input = encode(testing::passive_open());
  for (int i = 0; i < 2000; ++i) {
    input = mutate(input, rng, 512, 16);
    ASSERT_LE(input.size(), 512u);
    const SessionInput s = decode(input, 16);
    ASSERT_LE(s.events.size(), 16u);
    ASSERT_EQ(encode(s), input) << "mutant " << i << " is not canonical";
    if (i % 100 == 99) input = encode(testing::passive_open());
  }
}

TEST(Mutator, CrossoverSplicesEvents) {
  Rng rng(5);
  const auto a = encode(testing::passive_open());
  SessionInput other;
  for (int i = 0; i < 5; ++i) other.events.push_back(testing::advance(AdvanceGen::Unit::Seconds, 1));
  const auto b = encode(other);
  for (int i = 0; i < 50; ++i) {
    const auto child = crossover(a, b, rng, 4096, 16);
    EXPECT_LE(decode(child, 16).events.size(), 9u);
  }
}

}  // namespace
}  // namespace synack::fuzz
