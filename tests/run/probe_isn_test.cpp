// The isn probe's analysis on synthetic samples: generators that model real and broken ISN
// schemes, sampled the way collect_isn_samples samples a stack (a fifth on one 4-tuple 1..8 gaps
// apart, the rest from consecutive source ports back to back).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "harness/run/probe_isn.h"

namespace synack {
namespace {

using run::analyze_isn;
using run::FourTuple;
using run::IsnSample;

// ISN of the k-th connection (0-based), opened at time t (µs) on `tuple`.
using IsnModel = std::function<std::uint32_t(Micros t, const FourTuple& tuple, std::size_t k)>;

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finalizer: a stand-in for a keyed PRF
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint32_t keyed_hash(std::uint64_t key, const FourTuple& t) {
  return static_cast<std::uint32_t>(mix(key ^ mix(t.remote_port) ^ (std::uint64_t{t.local_port} << 32)));
}

struct Sampling {
  int samples = 2000;
  Micros gap = 200;
  Micros jitter = 0;        // measured time = true time + uniform(-jitter, +jitter)
  Micros hash_spacing = 30; // µs between the back-to-back samples of different 4-tuples
  std::uint64_t seed = 1;
  bool known_uncertainty = false;  // samples carry uncertainty = jitter
};

std::vector<IsnSample> sample(const IsnModel& isn, const Sampling& s = {}) {
  std::mt19937_64 rng(s.seed);
  std::uniform_int_distribution<Micros> noise(-s.jitter, s.jitter);
  const auto local = *net::IpAddress::parse("192.0.2.1");
  const auto remote = *net::IpAddress::parse("198.51.100.1");
  std::vector<IsnSample> out;
  Micros t = 1000;
  std::size_t k = 0;
  auto add = [&](std::uint16_t port) {
    FourTuple tuple{local, 8080, remote, port};
    out.push_back({t + noise(rng), tuple, isn(t, tuple, k++), s.known_uncertainty ? s.jitter : 0});
  };
  const int clock_samples = s.samples / 5;
  for (int i = 0; i < clock_samples; ++i) {
    add(10000);
    t += s.gap * (1 + (i * 5) % 8);
  }
  for (int i = 0; i < s.samples - clock_samples; ++i) {
    add(static_cast<std::uint16_t>(20000 + i));
    t += s.hash_spacing;
  }
  return out;
}

IsnModel rfc6528(std::uint64_t key, double ticks_per_usec = 0.25) {
  return [=](Micros t, const FourTuple& tuple, std::size_t) {
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(static_cast<double>(t) * ticks_per_usec)) +
           keyed_hash(key, tuple);
  };
}

std::string explain(const run::IsnAnalysis& a) {
  std::string out;
  for (const auto& l : a.lines()) out += l + "\n";
  return out + a.failure();
}

TEST(ProbeIsnThresholds, MatchTheDocumentedValues) {
  EXPECT_NEAR(run::chi_square_limit(255, 5.5), 399.6, 0.1);
  // 1599 consecutive-port differences, p = 2^-11 each: P(>= 10 small) <= 1e-7 < P(>= 9).
  EXPECT_EQ(run::binomial_upper_limit(1599, std::ldexp(1.0, -11), 1e-7), 10u);
  EXPECT_EQ(run::binomial_upper_limit(1000, 0.5, 1e-7), 583u);  // exact, from rational arithmetic
}

TEST(ProbeIsn, Rfc6528WithRandomKeysPasses) {
  std::mt19937_64 keys(2024);
  for (int i = 0; i < 40; ++i) {
    const auto a = analyze_isn(sample(rfc6528(keys()), {.seed = static_cast<std::uint64_t>(i)}));
    EXPECT_TRUE(a.ok()) << "key #" << i << "\n" << explain(a);
    EXPECT_NEAR(a.clock.ticks_per_second, 250000, 1000);
  }
}

TEST(ProbeIsn, LinuxLikeClockWithTimingJitterPasses) {
  // 64 ns ticks (Linux's secure_tcp_seq) and sample times known only to +-20 µs, as on a real
  // clock.
  std::mt19937_64 keys(7);
  for (int i = 0; i < 10; ++i) {
    const auto a = analyze_isn(sample(rfc6528(keys(), 15.625), {.jitter = 20, .seed = static_cast<std::uint64_t>(i)}));
    EXPECT_TRUE(a.ok()) << explain(a);
    EXPECT_NEAR(a.clock.ticks_per_second, 15.625e6, 0.01 * 15.625e6);
  }
}

TEST(ProbeIsn, LargeTimingNoiseIsToleratedWhenTheSamplesSayHowLarge) {
  // +-90 µs on gaps of 200..1600 µs (sequential samples, so never reordered): many steps are off
  // by more than 25 %, but each sample says it may be.
  const Sampling noisy{.jitter = 90, .seed = 3, .known_uncertainty = true};
  const auto a = analyze_isn(sample(rfc6528(11, 15.625), noisy));
  EXPECT_TRUE(a.ok()) << explain(a);
  const auto unknown = analyze_isn(sample(rfc6528(11, 15.625), {.jitter = 90, .seed = 3}));
  EXPECT_LT(unknown.clock.consistent, a.clock.consistent);
  // A counter stays a counter, however uncertain the times.
  const auto counter = analyze_isn(sample([](Micros, const FourTuple&, std::size_t k) {
    return static_cast<std::uint32_t>(1 + 64000 * k);
  }, {.jitter = 20, .known_uncertainty = true}));
  EXPECT_FALSE(counter.clock.ok) << explain(counter);
}

TEST(ProbeIsn, ConstantIsnFailsBoth) {
  const auto a = analyze_isn(sample([](Micros, const FourTuple&, std::size_t) { return 12345u; }));
  EXPECT_FALSE(a.clock.ok);
  EXPECT_FALSE(a.hash.ok);
  EXPECT_EQ(a.clock.increasing, 0u);
  EXPECT_NE(a.failure().find("MUST-8"), std::string::npos);
  EXPECT_NE(a.failure().find("SHLD-1"), std::string::npos);
}

TEST(ProbeIsn, PerConnectionCounterFailsBoth) {
  // 4.4BSD-style: +64000 per connection, no time in it.
  const auto a = analyze_isn(sample([](Micros, const FourTuple&, std::size_t k) {
    return static_cast<std::uint32_t>(1 + 64000 * k);
  }));
  EXPECT_EQ(a.clock.increasing, a.clock.steps);  // it does increase...
  EXPECT_FALSE(a.clock.ok) << explain(a);       // ...but not in proportion to time
  EXPECT_FALSE(a.hash.ok) << explain(a);
}

TEST(ProbeIsn, EquidistributedCounterFailsOnConsecutivePorts) {
  // A Weyl sequence (golden-ratio step) has balanced bits and a flat top byte; only the relation
  // between consecutive connections gives it away.
  const auto a = analyze_isn(sample([](Micros, const FourTuple&, std::size_t k) {
    return static_cast<std::uint32_t>(0x9E3779B9u * k);
  }));
  EXPECT_FALSE(a.hash.ok) << explain(a);
  EXPECT_LE(std::fabs(a.hash.max_bit_z), run::kBitZLimit);
  EXPECT_LE(a.hash.chi_square, a.hash.chi_square_limit);
  EXPECT_GE(a.hash.small_second, a.hash.small_limit);
}

TEST(ProbeIsn, ClockOnlyPassesMust8AndFailsShld1) {
  for (double rate : {0.25, 15.625}) {
    const auto a = analyze_isn(sample(
        [rate](Micros t, const FourTuple&, std::size_t) {
          return static_cast<std::uint32_t>(static_cast<std::uint64_t>(static_cast<double>(t) * rate));
        },
        {.jitter = rate > 1 ? 20 : 0}));
    EXPECT_TRUE(a.clock.ok) << explain(a);
    EXPECT_FALSE(a.hash.ok) << explain(a);
    EXPECT_TRUE(a.hash.clock_removed);
    EXPECT_EQ(a.failure().find("MUST-8"), std::string::npos);
    EXPECT_NE(a.failure().find("SHLD-1"), std::string::npos);
  }
}

TEST(ProbeIsn, ClockOnlyWithFastClockAndSlowSamplingStillFailsShld1) {
  // 1 GHz over ~50 ms of hash samples covers much of the 32-bit space; taking the fitted clock
  // away leaves only the timing noise.
  const auto a = analyze_isn(sample(
      [](Micros t, const FourTuple&, std::size_t) { return static_cast<std::uint32_t>(t * 1000); },
      {.jitter = 5, .hash_spacing = 30}));
  EXPECT_FALSE(a.hash.ok) << explain(a);
}

TEST(ProbeIsn, RandomIsnWithoutClockFailsMust8) {
  std::mt19937 rng(5);
  const auto a = analyze_isn(sample([&rng](Micros, const FourTuple&, std::size_t) { return static_cast<std::uint32_t>(rng()); }));
  EXPECT_FALSE(a.clock.ok) << explain(a);
  EXPECT_LT(a.clock.increasing, a.clock.steps);
  EXPECT_TRUE(a.hash.ok) << explain(a);
}

TEST(ProbeIsn, ClockOutsideTheBandFailsMust8) {
  const auto fast = analyze_isn(sample(rfc6528(99, 1000.0)));  // 1 ns ticks: wraps in 4.3 s
  EXPECT_FALSE(fast.clock.ok) << explain(fast);
  EXPECT_NE(fast.clock.why.find("outside"), std::string::npos);
  const auto slow = analyze_isn(sample(rfc6528(99, 0.01), {.gap = 2000}));  // one tick per 100 µs
  EXPECT_FALSE(slow.clock.ok) << explain(slow);
  EXPECT_NE(slow.clock.why.find("outside"), std::string::npos);
  EXPECT_TRUE(slow.hash.ok);
}

TEST(ProbeIsn, TooFewSamplesFailWithAReason) {
  auto few = sample(rfc6528(1));
  few.resize(300);
  const auto a = analyze_isn(few);
  EXPECT_FALSE(a.hash.ok);
  EXPECT_NE(a.hash.why.find("distinct 4-tuples"), std::string::npos);
}

TEST(ProbeIsn, LinesReportTheFigures) {
  const auto a = analyze_isn(sample(rfc6528(3)));
  const std::string text = explain(a);
  EXPECT_NE(text.find("250,000 ticks/s = 4.0000 us per tick"), std::string::npos) << text;
  EXPECT_NE(text.find("bit frequency"), std::string::npos);
  EXPECT_NE(text.find("chi-square"), std::string::npos);
  EXPECT_NE(text.find("consecutive source ports"), std::string::npos);
  EXPECT_TRUE(a.failure().empty());
}

}  // namespace
}  // namespace synack
