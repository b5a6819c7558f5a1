// The `isn` probe: RFC 9293 §3.4.1 initial sequence number selection, checked statistically over
// many connections (a script sees only relative sequence numbers, so no script can).
//
//   MUST-8  ISNs come from a 32-bit clock-like counter that keeps advancing ("at least once every
//           roughly 4 µs"; it cycles in about 4.55 hours, much longer than the MSL).
//   SHLD-1  ISN = M + F(localip, localport, remoteip, remoteport, secretkey): that clock plus a
//           keyed pseudorandom function of the 4-tuple (RFC 6528 §3).
//
// Collection (collect_isn_samples) drives any Target: a listening socket, then SYN in, SYN-ACK
// out (its seq is the ISN), RST in, per sample. Analysis (analyze_isn) is a pure function of the
// samples, so it is tested on synthetic data.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/common/result.h"
#include "harness/common/time.h"
#include "harness/net/segment.h"
#include "harness/run/executor.h"
#include "targets/target.h"

namespace synack::run {

struct FourTuple {
  net::IpAddress local;   // the stack under test
  std::uint16_t local_port = 0;
  net::IpAddress remote;  // the peer that sent the SYN
  std::uint16_t remote_port = 0;
  auto operator<=>(const FourTuple&) const = default;
  bool operator==(const FourTuple&) const = default;
};

struct IsnSample {
  Micros time = 0;  // when the stack chose the ISN (script time of the target)
  FourTuple tuple;
  std::uint32_t isn = 0;
  Micros uncertainty = 0;  // `time` is right give or take this much (real time: the injection's span)
};

// ---- Analysis -----------------------------------------------------------------------------------

// Pass band of the clock (MUST-8), in ticks per second. RFC 9293 §3.4.1 asks for a counter that
// increments "at least once every roughly 4 microseconds" (250,000 ticks/s) and cycles far less
// often than the MSL. The band accepts anything from half the nominal rate (one tick per 8 µs:
// "roughly") up to the rate at which the 32-bit counter would wrap within one MSL (2 minutes,
// RFC 9293 §3.4.2): faster than that, an ISN repeats while old segments may still be around.
inline constexpr double kMinClockRate = 125'000.0;
inline constexpr double kMaxClockRate = 4294967296.0 / 120.0;  // 35,791,394 ticks/s
// A step counts as consistent with the fitted rate when its increase is within this fraction of
// rate x elapsed time (plus the samples' timing uncertainty and two ticks of quantization); at
// least kMinConsistentSteps of the steps must be. A per-connection counter (no time in it) gets
// about 3/8 because the probe varies the gaps between samples by a factor of 8. (Linux's clock on a
// machine with both cores busy: 399 of 399 steps, once the injection's span is accounted for.)
inline constexpr double kStepTolerance = 0.25;
inline constexpr double kMinConsistentSteps = 0.75;

// Thresholds of the keyed-hash tests (SHLD-1). Each is chosen so that a stack whose F() is a good
// PRF fails it with probability well below 1e-6 per run (the four together: about 3e-7):
//   - per-bit frequency: |z| <= 6 for each of 32 bits, z = (2*ones - n)/sqrt(n);
//     P(|Z| > 6) = 2.0e-9 per bit, 6.3e-8 for 32 bits;
//   - chi-square of the top byte over 256 buckets: the 255-df quantile at z = 5.5 (Wilson-Hilferty,
//     about 399.6), P = 1.9e-8 (simulated at 1600 samples, the multinomial tail is up to 1.2x
//     heavier than the approximation; even 5x would stay within the budget);
//   - consecutive source ports: a difference of residual ISNs is "small" when |d| < 2^20, which a
//     uniform value is with p = 2^-11; the count of small first (and second) differences may not
//     exceed the binomial quantile with tail probability 1e-7 (about 10 for 1600 samples).
inline constexpr double kBitZLimit = 6.0;
inline constexpr double kChiSquareZ = 5.5;
inline constexpr std::uint32_t kSmallDifference = 1u << 20;
inline constexpr double kSmallCountAlpha = 1e-7;
// Fewer distinct 4-tuples than this and the keyed-hash tests are not meaningful (256 buckets at
// five samples each).
inline constexpr std::size_t kMinTuples = 1280;
inline constexpr std::size_t kMinClockSteps = 16;

struct ClockFigures {
  std::size_t steps = 0;            // successive samples on the same 4-tuple
  std::size_t increasing = 0;       // steps whose ISN increased (mod 2^32)
  std::size_t consistent = 0;       // steps whose increase matches rate x elapsed time
  double span_seconds = 0;          // time the steps cover
  double ticks_per_second = 0;      // fitted rate (0 when the ISN does not advance)
  bool ok = false;
  std::string why;                  // when !ok
};

struct HashFigures {
  std::size_t tuples = 0;           // distinct 4-tuples (one sample each)
  double max_bit_z = 0;             // largest |z| of the 32 bit frequencies
  int max_bit = 0;                  // which bit (0 = least significant)
  double chi_square = 0;            // top byte, 256 buckets
  double chi_square_limit = 0;
  std::size_t small_first = 0;      // consecutive ports: |d| < 2^20
  std::size_t small_second = 0;     // second differences: |d2| < 2^20
  std::size_t small_limit = 0;      // allowed count for each
  bool clock_removed = false;       // residuals ISN - rate*t (true) or raw ISNs (false)
  bool ok = false;
  std::string why;                  // when !ok
};

struct IsnAnalysis {
  ClockFigures clock;
  HashFigures hash;
  bool ok() const { return clock.ok && hash.ok; }
  // Human-readable figures, one line each (trace entries of the script).
  std::vector<std::string> lines() const;
  // "MUST-8: ...; SHLD-1: ..." naming what failed; empty when both pass.
  std::string failure() const;
};

// (a) Clock: every tuple with several samples contributes its successive steps. (b) Keyed hash:
// the first sample of every distinct tuple, ordered by remote port, after subtracting the clock
// fitted in (a) (when the ISN advances monotonically) so that only F() remains.
IsnAnalysis analyze_isn(const std::vector<IsnSample>& samples);

// Smallest k with P(Binomial(trials, p) >= k) <= alpha.
std::size_t binomial_upper_limit(std::size_t trials, double p, double alpha);
// The chi-square quantile for `df` degrees of freedom at standard-normal deviate `z`
// (Wilson-Hilferty approximation).
double chi_square_limit(int df, double z);

// ---- Collection ---------------------------------------------------------------------------------

struct IsnProbeParams {
  int samples = 2000;    // connections in all; a fifth on one 4-tuple (clock), the rest one each
  Micros gap_usecs = 200;  // clock samples are 1..8 x this apart
};

// Parameters from the script's `// probe: isn ...` line (already range-checked by the parser).
Result<IsnProbeParams> isn_params(const std::map<std::string, std::string>& params);

struct IsnCollection {
  std::vector<IsnSample> samples;
  std::string stack_failure;  // set when the stack stopped answering (samples are then partial)
};

// Runs the samples on `target` (fresh): listen on options.local_port, then per sample a SYN from
// the peer, its SYN-ACK, and a RST that makes the stack forget the connection. An error when the
// target cannot listen (a harness problem); `stack_failure` when the stack does not answer a SYN.
Result<IsnCollection> collect_isn_samples(targets::Target& target, const targets::Network& net,
                                          const ExecOptions& options, const IsnProbeParams& params);

}  // namespace synack::run
