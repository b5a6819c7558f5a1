// Timing accuracy of the kernel target: for every timed event of the suite, how far the actual
// time was from the scripted one. Outbound segments: when the kernel's segment arrived versus
// when the script expected it (this includes the kernel's own processing time); inbound segments:
// when the harness injected versus when it was scheduled. The baseline, measured in the same run,
// is how late a plain 1 ms ppoll() sleep wakes up on this machine. Only scripts that pass count.
//   bench/kernel_timing [SCRIPT_DIR] [ROUNDS]      (root: each script runs in its own namespace)
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "harness/run/executor.h"
#include "harness/run/suite.h"
#include "harness/script/parser.h"
#include "targets/kernel/kernel_target.h"
#include "targets/kernel/netns.h"

using namespace synack;

namespace {

struct Deltas {
  std::vector<long long> immediate;  // '>' lines at +0: the stack answers at once (harness path)
  std::vector<long long> timed;      // '>' lines later than the previous event: the stack's timers
  std::vector<long long> inbound;    // '<' lines: injection versus schedule
};

// Runs one script in a forked child with its own namespace; the child writes its deltas.
bool run_one(const std::string& path, Deltas& d, int& passed) {
  int fds[2];
  if (::pipe(fds) != 0) return false;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    if (!kernel::enter_private_namespace()) ::_exit(3);
    auto parsed = script::parse_file(path);
    if (!parsed.ok()) ::_exit(4);
    // Scripts meant for other targets only (e.g. minutes of TIME-WAIT on the reference) are skipped.
    const auto& only = parsed.script->metadata.targets;
    if (!only.empty() && std::find(only.begin(), only.end(), "kernel") == only.end()) ::_exit(0);
    auto target = kernel::make_kernel_target({});
    if (!target) ::_exit(5);
    auto r = run::execute(*parsed.script, **target, {});
    std::string out = r.verdict.status == run::Status::Pass ? "P\n" : "F\n";
    // Lines with a time range ("+0~+.5") allow any time in it: not a measure of accuracy.
    std::set<int> ranged, immediate;
    for (const auto& ev : parsed.script->events) {
      if (ev.time.range_end) ranged.insert(ev.loc.line);
      if (ev.time.start.kind == script::TimePoint::Kind::Relative && ev.time.start.usecs == 0) immediate.insert(ev.loc.line);
    }
    for (const auto& e : r.trace.entries) {
      if (!e.scripted_time || ranged.count(e.line)) continue;
      if (e.kind == run::TraceEntry::Kind::Observed)
        out += std::string(immediate.count(e.line) ? "o " : "t ") + std::to_string(e.time - *e.scripted_time) + "\n";
      if (e.kind == run::TraceEntry::Kind::Injected) out += "i " + std::to_string(e.time - *e.scripted_time) + "\n";
    }
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (text.empty()) return false;  // skipped or failed to start
  passed += text[0] == 'P';
  // A failing script (an expected deviation of Linux, say) is off by design, not by inaccuracy.
  if (text[0] != 'P') return true;
  std::size_t pos = 2;
  while (pos < text.size()) {
    const std::size_t end = text.find('\n', pos);
    const std::string line = text.substr(pos, end - pos);
    (line[0] == 'o' ? d.immediate : line[0] == 't' ? d.timed : d.inbound).push_back(std::atoll(line.c_str() + 2));
    pos = end == std::string::npos ? text.size() : end + 1;
  }
  return true;
}

void print(const char* name, std::vector<long long> v) {
  if (v.empty()) return;
  std::sort(v.begin(), v.end());
  auto pct = [&](double p) { return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))]; };
  std::printf("  %-31s n=%-5zu p50 %6lld us   p90 %6lld us   p99 %6lld us   max %6lld us\n", name, v.size(), pct(0.5),
              pct(0.9), pct(0.99), v.back());
}

}  // namespace

int main(int argc, char** argv) {
  if (auto ok = kernel::check_privileges(); !ok) {
    std::fprintf(stderr, "kernel_timing: %s\n", ok.error().message.c_str());
    return 2;
  }
  const std::string dir = argc > 1 ? argv[1] : SYNACK_SOURCE_DIR "/scripts";
  const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  auto files = run::collect_scripts({dir}, "");
  if (!files || files->empty()) return 2;
  Deltas d;
  int passed = 0, runs = 0;
  for (int r = 0; r < rounds; ++r)
    for (const auto& f : *files) runs += run_one(f, d, passed);
  // Baseline: oversleep of a 1 ms ppoll on this machine, right now.
  std::vector<long long> oversleep;
  for (int i = 0; i < 200; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    timespec ts{0, 1'000'000};
    ::ppoll(nullptr, 0, &ts, nullptr);
    oversleep.push_back(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count() - 1000);
  }
  std::printf("kernel_timing: %zu scripts x %d rounds, %d/%d passed\n", files->size(), rounds, passed, runs);
  print("outbound, immediate (+0)", d.immediate);
  print("outbound, timer-driven", d.timed);
  print("inbound (injected-scheduled)", d.inbound);
  print("baseline: 1 ms ppoll oversleep", oversleep);
  std::sort(d.immediate.begin(), d.immediate.end());
  std::sort(oversleep.begin(), oversleep.end());
  if (!d.immediate.empty() && oversleep[oversleep.size() / 2] > 0)
    std::printf("  immediate outbound p99 / baseline p50: %.2f\n",
                static_cast<double>(d.immediate[d.immediate.size() * 99 / 100]) / static_cast<double>(oversleep[oversleep.size() / 2]));
  return 0;
}
