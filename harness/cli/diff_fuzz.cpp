#include "harness/cli/diff_fuzz.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "fuzz/mutator.h"
#include "fuzz/seeds.h"
#include "fuzz/session.h"
#include "fuzz/to_script.h"
#include "harness/cli/cli.h"
#include "harness/run/trace_diff.h"
#include "harness/script/parser.h"
#include "reports/atomic_file.h"

namespace synack::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop = false;
extern "C" void on_diff_fuzz_sigint(int) {
  g_stop.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

// Session inputs made from the shipped scripts (for the baseline's profile) and the handcrafted
// sessions: the starting corpus.
std::vector<std::vector<std::uint8_t>> seed_inputs(const std::string& scripts_dir, std::uint8_t profile) {
  std::vector<std::vector<std::uint8_t>> seeds;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(scripts_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file() || it->path().extension() != ".pkt") continue;
    auto parsed = script::parse_file(it->path().string());
    if (!parsed.ok()) continue;
    if (auto s = fuzz::from_script(*parsed.script, profile)) seeds.push_back(fuzz::encode(*s));
  }
  for (auto s : fuzz::handcrafted_seeds()) {
    if (s.profile != profile) continue;
    seeds.push_back(fuzz::encode(s));
  }
  return seeds;
}

// Sessions must finish in a few seconds of protocol time: the other target may run on the real
// clock. Waits in seconds and minutes become milliseconds; whatever is still too long is skipped.
void shorten_waits(fuzz::SessionInput& input) {
  for (auto& e : input.events) {
    if (e.kind != fuzz::Event::Kind::Advance) continue;
    if (e.advance.unit == fuzz::AdvanceGen::Unit::Seconds || e.advance.unit == fuzz::AdvanceGen::Unit::Minutes) {
      e.advance.unit = fuzz::AdvanceGen::Unit::Millis;
      e.advance.amount = static_cast<std::uint16_t>(e.advance.amount % 1000);
    }
  }
}

std::string trace_text(const run::ScriptResult& r) {
  std::ostringstream o;
  o << "# " << r.target << ": " << run::status_name(r.verdict.status);
  if (!r.verdict.reason.empty()) o << " (" << r.verdict.reason << ")";
  o << "\n";
  if (r.verdict.failure) o << r.verdict.failure->render() << "\n";
  for (const auto& e : r.trace.entries) {
    const char* kind = "";
    switch (e.kind) {
      case run::TraceEntry::Kind::Injected: kind = "<"; break;
      case run::TraceEntry::Kind::Observed: kind = ">"; break;
      case run::TraceEntry::Kind::Malformed: kind = "> malformed"; break;
      case run::TraceEntry::Kind::CallStart: kind = "call"; break;
      case run::TraceEntry::Kind::CallReturn: kind = "return"; break;
      case run::TraceEntry::Kind::Command: kind = "command"; break;
      case run::TraceEntry::Kind::Assert: kind = "assert"; break;
    }
    o << std::setw(12) << format_seconds(e.time) << "  line " << std::setw(3) << e.line << "  " << kind << "  "
      << e.text << (e.matched ? "" : "   <-- not as the script expected") << "\n";
  }
  return o.str();
}

// to_script writes a replay for the reference target; here the script is the question put to
// the other target, so it is not restricted to the reference, and its '>' lines leave out what
// each system chooses for itself (window, option order and values): the script must not stop at
// those, and the comparison of the traces (run/trace_diff.h) still sees which options were sent.
std::string portable_script(const std::string& text, const std::string& baseline) {
  static const std::regex outbound(R"(^[0-9.+*~ ]+> )");
  static const std::regex window(R"( win [0-9]+)");
  static const std::regex options(R"(<[^<>]*>\s*$)");
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("// targets:", 0) == 0) continue;
    if (std::regex_search(line, outbound)) line = std::regex_replace(std::regex_replace(line, window, ""), options, "<...>");
    if (line.rfind("// Run with:", 0) == 0) line = "// What " + baseline + " did; run it on any target: synack run FILE --target NAME";
    out += line + "\n";
  }
  return out;
}

// A script that names the reference's ephemeral port (to_script writes explicit ports when a
// session has several connections) and that the port learning (--learn_stack_ports) could not
// map, e.g. a segment to that port before the stack's SYN: the failure says nothing about either
// stack, so the session is not compared.
bool pins_ephemeral_port(const run::ScriptResult& r) {
  return r.verdict.failure && r.verdict.failure->message.rfind("source port ", 0) == 0;
}

run::ScriptResult run_on(const TargetSetup& setup, const std::string& path) {
  run::SuiteOptions options;
  apply_setup(setup, options);
  options.exec.overrides.push_back(learn_stack_ports_option());
  return options.run_one ? options.run_one(path) : run::run_script_file(path, options);
}

struct Shared {
  std::mutex mu;
  std::vector<std::vector<std::uint8_t>> corpus;
  fuzz::TransitionSet transitions;
  std::map<std::string, std::size_t> counts;  // divergence key -> sessions that hit it
  json divergences = json::array();
  std::size_t sessions = 0, compared = 0, same = 0, skipped_long = 0, skipped_finding = 0, not_compared = 0;
};

}  // namespace

int run_diff_fuzz(const DiffFuzzOptions& o, std::ostream& out, std::ostream& err) {
  if (o.baseline.name != "reference") {
    err << "synack diff --fuzz: the first target must be the reference stack (it writes the scripts)\n";
    return kExitUsage;
  }
  Shared shared;
  shared.corpus = seed_inputs(o.scripts_dir, o.profile);
  if (shared.corpus.empty()) {
    err << "synack diff --fuzz: no seed sessions from " << o.scripts_dir << "\n";
    return kExitUsage;
  }
  const fs::path out_dir = o.out_dir;
  std::error_code ec;
  fs::create_directories(out_dir / "work", ec);
  fs::create_directories(out_dir / "divergences", ec);
  if (ec) {
    err << "synack diff --fuzz: cannot create " << out_dir.string() << ": " << ec.message() << "\n";
    return kExitUsage;
  }
  const std::string label_a = "reference/" + o.baseline.profile;
  const std::string label_b = o.other.profile.empty() ? o.other.name : o.other.name + "/" + o.other.profile;
  if (!o.quiet)
    out << "synack diff --fuzz: " << label_a << " against " << label_b << ", " << o.seconds << " s, " << o.jobs
        << " job(s), " << shared.corpus.size() << " seed sessions, up to " << o.max_events << " events and "
        << format_seconds(o.max_script_time) << " s each; output in " << out_dir.string() << "\n" << std::flush;

  run::DiffOptions diff_options;
  diff_options.timing = o.timing;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::microseconds(static_cast<std::int64_t>(o.seconds * 1e6));
  g_stop = false;
  auto previous = std::signal(SIGINT, on_diff_fuzz_sigint);

  auto worker = [&](int j) {
    fuzz::Rng rng(o.seed * 1000003 + static_cast<std::uint64_t>(j));
    const fs::path script_path = out_dir / "work" / ("session-" + std::to_string(j) + ".pkt");
    for (std::size_t n = 0;; ++n) {
      std::vector<std::uint8_t> bytes;
      {
        std::lock_guard lock(shared.mu);
        if (g_stop || Clock::now() >= deadline || shared.sessions >= o.max_sessions) return;
        ++shared.sessions;
        bytes = shared.corpus[rng() % shared.corpus.size()];
      }
      const int rounds = 1 + static_cast<int>(rng() % 4);
      for (int r = 0; r < rounds; ++r) bytes = fuzz::mutate(bytes, rng, 4096, o.max_events);
      fuzz::SessionInput input = fuzz::decode(bytes, o.max_events);
      input.profile = o.profile;
      shorten_waits(input);
      fuzz::SessionOptions session_options;
      session_options.record = true;
      session_options.max_events = o.max_events;
      const fuzz::SessionResult recorded = fuzz::run_session(input, session_options);
      if (recorded.finding) {  // the reference broke one of its own rules: the session fuzzer's job
        std::lock_guard lock(shared.mu);
        ++shared.skipped_finding;
        continue;
      }
      if (recorded.end_time > o.max_script_time) {
        std::lock_guard lock(shared.mu);
        ++shared.skipped_long;
        continue;
      }
      const std::string text = portable_script(fuzz::to_script(input, recorded), label_a);
      if (auto w = reports::write_file_atomically(script_path.string(), text); !w) continue;
      const run::ScriptResult a = run_on(o.baseline, script_path.string());
      const run::ScriptResult b = run_on(o.other, script_path.string());
      auto comparable = [](const run::ScriptResult& r) {
        return r.verdict.status == run::Status::Pass || r.verdict.status == run::Status::Fail;
      };
      std::lock_guard lock(shared.mu);
      shared.transitions.merge(recorded.transitions);
      // The script states what the reference did, so it passes there; one that does not is a
      // fault of the conversion, counted apart rather than taken for a divergence.
      if (a.verdict.status != run::Status::Pass || !comparable(b) || pins_ephemeral_port(b)) {
        ++shared.not_compared;
        continue;
      }
      ++shared.compared;
      const auto d = run::first_divergence(a.trace, b.trace, diff_options);
      if (!d || run::beyond_a_stopped_run(*d, a, b)) {
        ++shared.same;
        continue;
      }
      const std::string key = run::divergence_context(a.trace, *d) + " | " + run::divergence_key(*d);
      if (shared.counts[key]++ > 0) continue;
      // A new divergence: keep its script and both traces, and the input for further mutation.
      shared.corpus.push_back(fuzz::encode(input));
      const std::size_t number = shared.divergences.size() + 1;
      const fs::path dir = out_dir / "divergences" / ("divergence-" + std::to_string(number));
      std::error_code dir_ec;
      fs::create_directories(dir, dir_ec);
      std::string header = "// divergence " + std::to_string(number) + ": " + key + "\n// " + label_a +
                           " passes this script; " + label_b + " differs: " + d->summary() + "\n";
      (void)reports::write_file_atomically((dir / "reproducer.pkt").string(), header + text);
      (void)reports::write_file_atomically((dir / "baseline-trace.txt").string(), trace_text(a));
      (void)reports::write_file_atomically((dir / "target-trace.txt").string(), trace_text(b));
      std::vector<std::string> classes;
      for (auto c : d->classes) classes.push_back(run::diff_class_name(c));
      json entry = {{"number", number}, {"key", key}, {"classes", classes}, {"summary", d->summary()},
                    {"script", (dir / "reproducer.pkt").string()},
                    {"baseline_step", d->a ? json(d->a->text) : json(nullptr)},
                    {"target_step", d->b ? json(d->b->text) : json(nullptr)},
                    {"target_status", run::status_name(b.verdict.status)},
                    {"target_failure", b.verdict.failure ? b.verdict.failure->message : ""}};
      shared.divergences.push_back(entry);
      if (!o.quiet) out << "new divergence " << number << ": " << key << "\n" << std::flush;
    }
  };

  std::vector<std::thread> threads;
  for (int j = 1; j < o.jobs; ++j) threads.emplace_back(worker, j);
  std::thread ticker([&] {
    while (!o.quiet) {
      for (int i = 0; i < 50; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (g_stop || Clock::now() >= deadline) return;
        std::lock_guard lock(shared.mu);
        if (shared.sessions >= o.max_sessions) return;
      }
      std::lock_guard lock(shared.mu);
      const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count();
      out << "[diff-fuzz] " << elapsed << "/" << static_cast<long>(o.seconds) << "s sessions " << shared.sessions
          << " compared " << shared.compared << " same " << shared.same << " divergences " << shared.divergences.size()
          << " transitions " << shared.transitions.count() << "/" << fuzz::all_transitions().size() << "\n" << std::flush;
    }
  });
  worker(0);
  for (auto& t : threads) t.join();
  ticker.join();
  std::signal(SIGINT, previous);
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();

  json counts = json::object();
  for (const auto& [key, n] : shared.counts) counts[key] = n;
  for (auto& d : shared.divergences) d["sessions"] = shared.counts[d["key"].get<std::string>()];
  const json doc = {{"baseline", label_a}, {"target", label_b}, {"seconds", wall}, {"interrupted", g_stop.load()},
                    {"sessions", shared.sessions}, {"compared", shared.compared}, {"same", shared.same},
                    {"skipped_too_long", shared.skipped_long}, {"skipped_reference_finding", shared.skipped_finding},
                    {"not_compared", shared.not_compared},
                    {"transitions", shared.transitions.count()}, {"divergences", shared.divergences}};
  const fs::path report = out_dir / "divergences.json";
  if (auto w = reports::write_file_atomically(report.string(), doc.dump(2) + "\n"); !w) {
    err << "synack diff --fuzz: " << w.error().message << "\n";
    return kExitUsage;
  }
  fs::remove_all(out_dir / "work", ec);
  out << "\n" << shared.sessions << " sessions in " << std::fixed << std::setprecision(1) << wall << " s: "
      << shared.compared << " compared, " << shared.same << " same, " << shared.divergences.size()
      << " distinct divergences; " << shared.skipped_long << " too long for a real-time target, "
      << shared.skipped_finding << " stopped by a reference finding, " << shared.not_compared << " not compared"
      << (g_stop ? " (interrupted)" : "") << "\n";
  for (const auto& d : shared.divergences)
    out << "  " << d["number"].get<std::size_t>() << ". " << d["key"].get<std::string>() << "  ("
        << d["sessions"].get<std::size_t>() << " sessions)  " << d["script"].get<std::string>() << "\n";
  out << "wrote " << report.string() << "\n";
  return shared.divergences.empty() ? kExitPass : kExitFail;
}

}  // namespace synack::cli
