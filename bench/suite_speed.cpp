// How much faster than real time the reference target runs the conformance suite:
// scripted time (the protocol time the scripts cover) divided by wall time, over several rounds.
//   bench/suite_speed [SCRIPT_DIR] [ROUNDS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness/run/suite.h"
#include "targets/reference/reference_target.h"

using namespace synack;

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : SYNACK_SOURCE_DIR "/scripts";
  const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20;
  auto files = run::collect_scripts({dir}, "");
  if (!files || files->empty()) {
    std::fprintf(stderr, "suite_speed: no scripts under %s\n", dir.c_str());
    return 2;
  }
  auto cfg = reference::StackConfig::from_profile("rfc");
  run::SuiteOptions options;
  options.target_name = "reference";
  options.jobs = 1;
  options.make_target = [&](const targets::Network& net) -> Result<std::unique_ptr<targets::Target>> {
    return reference::make_reference_target(net, *cfg);
  };
  std::vector<double> ratios;
  Micros scripted = 0;
  double wall = 0;
  std::size_t passed = 0, total = 0;
  for (int r = 0; r < rounds; ++r) {
    const auto start = std::chrono::steady_clock::now();
    run::RunResult result = run::run_suite(*files, options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    Micros round_scripted = 0;
    for (const auto& s : result.scripts) {
      round_scripted += s.verdict.script_time;
      passed += s.verdict.status == run::Status::Pass;
      ++total;
    }
    scripted += round_scripted;
    wall += seconds;
    ratios.push_back(static_cast<double>(round_scripted) / 1e6 / seconds);
  }
  std::sort(ratios.begin(), ratios.end());
  std::printf("suite_speed: %zu scripts x %d rounds, %zu/%zu passed\n", files->size(), rounds, passed, total);
  std::printf("  scripted time per round: %.3f s\n", static_cast<double>(scripted) / 1e6 / rounds);
  std::printf("  wall time per round:     %.6f s\n", wall / rounds);
  std::printf("  speed-up over real time: median %.0fx (min %.0fx, max %.0fx)\n", ratios[ratios.size() / 2],
              ratios.front(), ratios.back());
  return 0;
}
