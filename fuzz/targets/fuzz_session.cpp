// libFuzzer target: session fuzzing of the reference stack. An invariant violation (or a broken
// RFC property the session checks itself) aborts, so libFuzzer keeps the input as a crash;
// `synack replay` turns it into a .pkt script. The custom mutator works on events and fields.
//
// The arcs of the state diagram are coverage too (one extra counter each): code coverage alone
// does not tell two arcs apart when the stack runs the same code for both (an ABORT in CLOSING
// and one in LAST-ACK both just delete the TCB), so libFuzzer would drop the input that first
// took an arc. (Hashing the session's (state, flags, outcome) signatures into counters as well
// multiplied the features and cost libFuzzer's entropic bookkeeping half the exec rate.)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <string>

#include "fuzz/transitions.h"

#include "fuzz/mutator.h"
#include "fuzz/session.h"

namespace {

std::size_t max_events() {
  static const std::size_t n = [] {
    const char* v = std::getenv("SYNACK_FUZZ_MAX_EVENTS");
    const long parsed = v ? std::strtol(v, nullptr, 10) : 0;
    return parsed > 0 && parsed <= 1024 ? static_cast<std::size_t>(parsed) : synack::fuzz::kDefaultMaxEvents;
  }();
  return n;
}

// Findings already reported (one Finding::key() per line in $SYNACK_FUZZ_KNOWN_FINDINGS): inputs
// that reproduce them are rejected instead of crashing, so a long campaign keeps going past them.
const std::set<std::string>& known_findings() {
  static const std::set<std::string> keys = [] {
    std::set<std::string> k;
    if (const char* path = std::getenv("SYNACK_FUZZ_KNOWN_FINDINGS")) {
      std::ifstream in(path);
      for (std::string line; std::getline(in, line);)
        if (!line.empty()) k.insert(line);
    }
    return k;
  }();
  return keys;
}

// libFuzzer's extra counters (Linux): cleared before every run, read as features after it.
__attribute__((section("__libfuzzer_extra_counters"))) std::uint8_t g_arcs[synack::fuzz::TransitionSet::kMax];

void count_arcs(const synack::fuzz::SessionResult& r) {
  for (std::size_t i = 0; i < synack::fuzz::TransitionSet::kMax; ++i)
    if (r.transitions.contains(i)) g_arcs[i] = 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace synack::fuzz;
  SessionOptions options;
  options.max_events = max_events();
  const SessionResult r = run_session(decode({data, size}, options.max_events), options);
  count_arcs(r);
  if (r.finding && known_findings().count(r.finding->key())) return -1;  // not added to the corpus
  if (r.finding) {
    std::fprintf(stderr, "synack: FINDING: %s\n  state %s, event %s\n", r.finding->detail.c_str(),
                 r.finding->state.c_str(), r.finding->event.c_str());
    std::abort();
  }
  return 0;
}

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned int seed) {
  synack::fuzz::Rng rng(seed);
  const auto out = synack::fuzz::mutate({data, size}, rng, max_size, max_events());
  std::memcpy(data, out.data(), out.size());
  return out.size();
}

extern "C" std::size_t LLVMFuzzerCustomCrossOver(const std::uint8_t* a, std::size_t a_size, const std::uint8_t* b,
                                                 std::size_t b_size, std::uint8_t* out, std::size_t max_out,
                                                 unsigned int seed) {
  synack::fuzz::Rng rng(seed);
  const auto child = synack::fuzz::crossover({a, a_size}, {b, b_size}, rng, max_out, max_events());
  std::memcpy(out, child.data(), child.size());
  return child.size();
}
