#include "fuzz/loop.h"

#include <chrono>
#include <unordered_set>

#include "fuzz/mutator.h"

namespace synack::fuzz {

namespace {

bool same_finding(std::span<const std::uint8_t> input, const std::string& key, const SessionOptions& o) {
  const SessionResult r = run_session(decode(input, o.max_events), o);
  return r.finding && r.finding->key() == key;
}

}  // namespace

std::vector<std::uint8_t> minimize(std::span<const std::uint8_t> input, const std::string& key,
                                   const SessionOptions& options, std::size_t max_runs) {
  SessionInput best = decode(input, options.max_events);
  std::size_t runs = 0;
  // The session stops at the finding: later events never matter.
  if (const SessionResult r = run_session(best, options); r.finding && r.finding->event_index < best.events.size()) {
    best.events.resize(r.finding->event_index + 1);
  }
  for (std::size_t chunk = std::max<std::size_t>(best.events.size() / 2, 1); chunk >= 1; chunk /= 2) {
    bool progress = true;
    while (progress && runs < max_runs) {
      progress = false;
      for (std::size_t at = 0; at + chunk <= best.events.size() && runs < max_runs;) {
        SessionInput trial = best;
        trial.events.erase(trial.events.begin() + static_cast<std::ptrdiff_t>(at),
                           trial.events.begin() + static_cast<std::ptrdiff_t>(at + chunk));
        ++runs;
        if (same_finding(encode(trial), key, options)) {
          best = std::move(trial);
          progress = true;
        } else {
          at += chunk;
        }
      }
    }
    if (chunk == 1) break;
  }
  return encode(best);
}

LoopStats run_loop(const LoopOptions& options) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  Rng rng(options.seed);
  SessionOptions so;
  so.planted_rst_bug = options.planted_rst_bug;
  so.max_events = options.max_events;

  LoopStats stats;
  std::unordered_set<std::uint32_t> seen;
  std::unordered_set<std::string> keys;
  auto consider = [&](std::vector<std::uint8_t> input, std::uint64_t iteration) {
    const SessionResult r = run_session(decode(input, options.max_events), so);
    stats.transitions.merge(r.transitions);
    bool fresh = false;
    for (std::uint32_t f : r.feature_list) fresh |= seen.insert(f).second;
    if (r.finding && keys.insert(r.finding->key()).second) {
      FoundInput found;
      found.finding = *r.finding;
      found.input = input;
      found.minimized = minimize(input, r.finding->key(), so);
      found.iteration = iteration;
      stats.findings.push_back(std::move(found));
    }
    if (fresh && !r.finding) stats.corpus.push_back(std::move(input));
    return r.finding.has_value();
  };

  for (const auto& s : options.seeds) consider(s, 0);
  if (stats.corpus.empty()) stats.corpus.push_back({0});

  auto last_report = start;
  for (stats.iterations = 0; stats.iterations < options.max_iterations; ++stats.iterations) {
    if ((stats.iterations & 255) == 0) {
      const auto now = Clock::now();
      if (std::chrono::duration<double>(now - start).count() >= options.max_seconds) break;
      if (options.progress && now - last_report >= std::chrono::seconds(1)) {
        last_report = now;
        stats.seconds = std::chrono::duration<double>(now - start).count();
        stats.corpus_size = stats.corpus.size();
        stats.features = seen.size();
        options.progress(stats);
      }
    }
    const auto& parent = stats.corpus[rng() % stats.corpus.size()];
    std::vector<std::uint8_t> child;
    if (rng() % 16 == 0 && stats.corpus.size() > 1) {
      child = crossover(parent, stats.corpus[rng() % stats.corpus.size()], rng, options.max_input_size,
                        options.max_events);
    } else {
      child = mutate(parent, rng, options.max_input_size, options.max_events);
      // Stack a few mutations now and then.
      for (int extra = static_cast<int>(rng() % 4); extra > 0 && rng() % 2; --extra)
        child = mutate(child, rng, options.max_input_size, options.max_events);
    }
    if (consider(std::move(child), stats.iterations + 1) && options.stop_at_first_finding) {
      ++stats.iterations;
      break;
    }
  }
  stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  stats.corpus_size = stats.corpus.size();
  stats.features = seen.size();
  return stats;
}

}  // namespace synack::fuzz
