// Session fuzzer throughput on one core: sessions of up to 16 events per second, against two
// baselines measured in the same run: decoding alone, and a no-op session (decode + a fresh stack
// with its setup socket, no events). Goal: >= 100,000 sessions/s.
//   bench/fuzz_throughput [SECONDS_PER_MEASUREMENT] [session-only]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <vector>

#include "fuzz/mutator.h"
#include "fuzz/seeds.h"
#include "fuzz/session.h"
#include "harness/script/parser.h"

using namespace synack;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxEvents = 16;

// Inputs like the ones a campaign runs: the shipped scripts converted to sessions, mutated.
std::vector<std::vector<std::uint8_t>> make_inputs() {
  std::vector<std::vector<std::uint8_t>> seeds;
  for (const auto& e : std::filesystem::recursive_directory_iterator(SYNACK_SOURCE_DIR "/scripts")) {
    if (e.path().extension() != ".pkt") continue;
    auto parsed = script::parse_file(e.path().string());
    if (parsed.ok())
      for (std::uint8_t p = 0; p < 3; ++p)
        if (auto s = fuzz::from_script(*parsed.script, p)) seeds.push_back(fuzz::encode(*s));
  }
  if (seeds.empty()) seeds.push_back({0});
  fuzz::Rng rng(1);
  std::vector<std::vector<std::uint8_t>> inputs;
  for (int i = 0; i < 4096; ++i) {
    auto bytes = seeds[rng() % seeds.size()];
    for (int m = 0; m < 1 + static_cast<int>(rng() % 4); ++m) bytes = fuzz::mutate(bytes, rng, 4096, kMaxEvents);
    inputs.push_back(std::move(bytes));
  }
  return inputs;
}

template <class F>
double measure(const std::vector<std::vector<std::uint8_t>>& inputs, double seconds, F&& one) {
  std::uint64_t n = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  do {
    for (int i = 0; i < 256; ++i, ++n) one(inputs[n % inputs.size()]);
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < seconds);
  return static_cast<double>(n) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::max(0.1, std::atof(argv[1])) : 2.0;
  const auto inputs = make_inputs();
  std::size_t events = 0;
  for (const auto& in : inputs) events += fuzz::decode(in, kMaxEvents).events.size();
  std::printf("fuzz_throughput: %zu inputs, %.1f events per session on average (max %zu)\n", inputs.size(),
              static_cast<double>(events) / static_cast<double>(inputs.size()), kMaxEvents);

  volatile std::size_t sink = 0;
  if (argc > 2 && std::string_view(argv[2]) == "session-only") {  // for profiling
    fuzz::SessionOptions full;
    full.max_events = kMaxEvents;
    std::printf("session only: %.0f sessions/s\n", measure(inputs, seconds, [&](const auto& in) {
      sink = sink + fuzz::run_session(fuzz::decode(in, kMaxEvents), full).events_run;
    }));
    return 0;
  }
  const double decode_rate = measure(inputs, seconds, [&](const auto& in) {
    sink = sink + fuzz::decode(in, kMaxEvents).events.size();
  });
  fuzz::SessionOptions noop;
  noop.max_events = 0;
  const double noop_rate = measure(inputs, seconds, [&](const auto& in) {
    sink = sink + fuzz::run_session(fuzz::decode(in, kMaxEvents), noop).events_run;
  });
  fuzz::SessionOptions full;
  full.max_events = kMaxEvents;
  const double full_rate = measure(inputs, seconds, [&](const auto& in) {
    sink = sink + fuzz::run_session(fuzz::decode(in, kMaxEvents), full).events_run;
  });
  std::printf("  baseline: decode only          %12.0f inputs/s\n", decode_rate);
  std::printf("  baseline: no-op session        %12.0f sessions/s\n", noop_rate);
  std::printf("  session (<= %zu events)        %12.0f sessions/s\n", kMaxEvents, full_rate);
  std::printf("  ratio session / decode only    %12.3f\n", full_rate / decode_rate);
  std::printf("  ratio session / no-op session  %12.3f\n", full_rate / noop_rate);
  std::printf("  goal >= 100000 sessions/s: %s\n", full_rate >= 100000 ? "met" : "NOT met");
  return 0;
}
