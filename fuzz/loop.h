// The in-process fuzzing loop: random + mutational fuzzing of session inputs without libFuzzer,
// guided by the behaviour features run_session reports (transitions, (state, flags, answered?)
// signatures). Bounded by an iteration count and a wall-clock budget. `synack fuzz` falls back to
// it when the libFuzzer binaries are not built; tests use it with the planted bug.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fuzz/session.h"

namespace synack::fuzz {

struct LoopOptions {
  std::uint64_t max_iterations = 100000;
  double max_seconds = 10;
  std::uint64_t seed = 1;
  std::size_t max_events = 16;
  std::size_t max_input_size = 4096;
  bool planted_rst_bug = false;
  bool stop_at_first_finding = false;
  std::vector<std::vector<std::uint8_t>> seeds;  // initial corpus (may be empty)
  // Called about once a second with the running stats (may be empty).
  std::function<void(const struct LoopStats&)> progress;
};

struct FoundInput {
  Finding finding;
  std::vector<std::uint8_t> input;       // as found
  std::vector<std::uint8_t> minimized;   // after event-level delta minimization
  std::uint64_t iteration = 0;
};

struct LoopStats {
  std::uint64_t iterations = 0;
  double seconds = 0;
  std::size_t corpus_size = 0;
  std::size_t features = 0;
  TransitionSet transitions;
  std::vector<FoundInput> findings;  // deduplicated by Finding::key()
  std::vector<std::vector<std::uint8_t>> corpus;
};

LoopStats run_loop(const LoopOptions& options);

// Event-level delta minimization: removes events (chunks, then single ones) while the session
// still produces a finding with the same key. Bounded by `max_runs` session runs.
std::vector<std::uint8_t> minimize(std::span<const std::uint8_t> input, const std::string& key,
                                   const SessionOptions& options, std::size_t max_runs = 2000);

}  // namespace synack::fuzz
