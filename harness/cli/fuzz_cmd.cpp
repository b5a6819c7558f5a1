// `synack fuzz`: libFuzzer campaigns against the reference stack (or the in-process loop when the
// fuzz build is absent), corpus management, a live status line, deduplicated and minimized
// findings written as .pkt scripts, and a JSON report. `synack replay`: finding input -> script.
#include "harness/cli/fuzz_cmd.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "fuzz/findings.h"
#include "fuzz/loop.h"
#include "fuzz/seeds.h"
#include "fuzz/session.h"
#include "fuzz/to_script.h"
#include "harness/cli/cli.h"
#include "harness/cli/fuzz_processes.h"
#include "harness/script/parser.h"

namespace synack::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

#ifndef SYNACK_SOURCE_DIR
#define SYNACK_SOURCE_DIR "."
#endif
#ifndef SYNACK_BINARY_DIR
#define SYNACK_BINARY_DIR "."
#endif

const char* const kAllFuzzers[] = {"fuzz_session", "fuzz_script_parser", "fuzz_codec", "fuzz_config"};

constexpr const char* kFuzzHelp = R"(usage: synack fuzz [options]

Runs the libFuzzer targets built by the fuzz preset against the reference stack, with a time
budget, and writes findings as .pkt scripts plus a JSON report.

  --campaign FILE.toml   fuzzers, time, jobs, max events (see fuzz/campaigns/*.toml)
  --time S               total time budget in seconds (default 60, at most 86400)
  --jobs N               libFuzzer processes per fuzzer (default 1)
  --corpus DIR           persistent corpus root, one directory per fuzzer (default OUT/corpus)
  --out DIR              output directory (default fuzz-out)
  --max-events N         events per session input (default 16)
  --fuzz-bin DIR         where the libFuzzer binaries are (default: searched, see below)
  --in-process           use the in-process loop even if the libFuzzer binaries exist

The binaries are looked for in --fuzz-bin, $SYNACK_FUZZ_BIN, this build's fuzz/ directory,
and <source>/build/fuzz/fuzz (cmake --preset fuzz && cmake --build --preset fuzz). Without them
`synack fuzz` falls back to an in-process mutational loop over the session fuzzer (no sanitizer
coverage, no parser/codec/config fuzzers).
)";

constexpr const char* kReplayHelp = R"(usage: synack replay FILE [--minimize] [--profile NAME] [--max-events N]

Decodes a session fuzzer input (a libFuzzer crash file, a corpus entry, a finding's .input) and
prints the .pkt script that replays it against the reference target.
)";

struct Args {
  std::map<std::string, std::string> values;
  std::set<std::string> flags;
  std::vector<std::string> positional;
  std::string error;
};

Args parse_args(const std::vector<std::string>& args, const std::set<std::string>& valued,
                const std::set<std::string>& flags) {
  Args a;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& s = args[i];
    if (s.rfind("--", 0) != 0) {
      a.positional.push_back(s);
      continue;
    }
    std::string name = s.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (flags.count(name)) {
      a.flags.insert(name);
    } else if (valued.count(name)) {
      if (!value) {
        if (i + 1 >= args.size()) {
          a.error = "--" + name + " needs a value";
          return a;
        }
        value = args[++i];
      }
      a.values[name] = *value;
    } else {
      a.error = "unknown option --" + name;
      return a;
    }
  }
  return a;
}

std::optional<long> parse_long(const std::string& text, long lo, long hi) {
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end || v < lo || v > hi) return std::nullopt;
  return v;
}

int usage(std::ostream& err, const std::string& cmd, const std::string& message) {
  err << "synack " << cmd << ": " << message << " (see synack " << cmd << " --help)\n";
  return kExitUsage;
}

std::optional<std::vector<std::uint8_t>> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

void write_bytes(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// ---- campaign ----

struct Campaign {
  double seconds = 60;
  int jobs = 1;
  std::size_t max_events = 16;
  std::vector<std::string> fuzzers = {"fuzz_session", "fuzz_script_parser", "fuzz_codec", "fuzz_config"};
  std::map<std::string, double> weights;  // share of the time; default: session 4, others 1
  bool seeds = true;  // start from seeds made of scripts/ (false: from nothing but the corpus)
};

Result<void> load_campaign(const std::string& path, Campaign& c) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    return make_error(msg.str());
  }
  const toml::table* camp = t["campaign"].as_table();
  if (!camp) return make_error(path + ": missing [campaign] table");
  for (const auto& [key, node] : *camp) {
    const std::string k(key.str());
    if (k == "time") {
      auto v = node.value<double>();
      if (!v || *v <= 0 || *v > 86400) return make_error(path + ": campaign.time: expected seconds (0 < T <= 86400)");
      c.seconds = *v;
    } else if (k == "jobs") {
      auto v = node.value<std::int64_t>();
      if (!v || *v < 1 || *v > 64) return make_error(path + ": campaign.jobs: expected an integer from 1 to 64");
      c.jobs = static_cast<int>(*v);
    } else if (k == "max_events") {
      auto v = node.value<std::int64_t>();
      if (!v || *v < 1 || *v > 1024) return make_error(path + ": campaign.max_events: expected an integer from 1 to 1024");
      c.max_events = static_cast<std::size_t>(*v);
    } else if (k == "seeds") {
      auto v = node.value<bool>();
      if (!v) return make_error(path + ": campaign.seeds: expected true or false");
      c.seeds = *v;
    } else if (k == "fuzzers") {
      const toml::array* arr = node.as_array();
      if (!arr) return make_error(path + ": campaign.fuzzers: expected an array of names");
      c.fuzzers.clear();
      for (const auto& item : *arr) {
        auto name = item.value<std::string>();
        if (!name || std::find(std::begin(kAllFuzzers), std::end(kAllFuzzers), *name) == std::end(kAllFuzzers))
          return make_error(path + ": campaign.fuzzers: unknown fuzzer (known: fuzz_session, fuzz_script_parser, fuzz_codec, fuzz_config)");
        c.fuzzers.push_back(*name);
      }
      if (c.fuzzers.empty()) return make_error(path + ": campaign.fuzzers: empty");
    } else if (k == "weights") {
      const toml::table* w = node.as_table();
      if (!w) return make_error(path + ": campaign.weights: expected a table fuzzer = share");
      for (const auto& [wk, wn] : *w) {
        auto v = wn.value<double>();
        if (!v || *v <= 0) return make_error(path + ": campaign.weights." + std::string(wk.str()) + ": expected a positive number");
        c.weights[std::string(wk.str())] = *v;
      }
    } else {
      return make_error(path + ": campaign." + k + ": unknown key");
    }
  }
  return {};
}

// ---- locating the fuzz build ----

std::optional<fs::path> find_fuzz_bin(const Args& a) {
  std::vector<fs::path> candidates;
  if (auto it = a.values.find("fuzz-bin"); it != a.values.end()) candidates.emplace_back(it->second);
  if (const char* env = std::getenv("SYNACK_FUZZ_BIN")) candidates.emplace_back(env);
  candidates.emplace_back(fs::path(SYNACK_BINARY_DIR) / "fuzz");
  candidates.emplace_back(fs::path(SYNACK_SOURCE_DIR) / "build" / "fuzz" / "fuzz");
  candidates.emplace_back(fs::path("build") / "fuzz" / "fuzz");
  for (const auto& dir : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(dir / "fuzz_session", ec) && ::access((dir / "fuzz_session").c_str(), X_OK) == 0)
      return dir;
  }
  return std::nullopt;
}

std::size_t count_files(const fs::path& dir, const std::string& prefix = "") {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->is_regular_file() && it->path().filename().string().rfind(prefix, 0) == 0) ++n;
  return n;
}

// ---- findings ----

// Findings go through fuzz::FindingsDir (fuzz/findings.h): replayed, deduplicated by key
// (also against the findings an earlier campaign left in the same directory), minimized, written.
// known-findings.txt: the keys fuzz_session workers skip (SYNACK_FUZZ_KNOWN_FINDINGS).
void write_known(const fs::path& path, const std::set<std::string>& keys) {
  std::ofstream k(path);
  for (const auto& key : keys) k << key << "\n";
}

fuzz::TransitionSet transitions_of_corpus(const fs::path& dir, std::size_t max_events, std::set<std::string>* seen) {
  fuzz::TransitionSet t;
  fuzz::SessionOptions so;
  so.max_events = max_events;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    if (seen && !seen->insert(it->path().filename().string()).second) continue;
    if (auto bytes = read_bytes(it->path())) t.merge(fuzz::run_session(fuzz::decode(*bytes, max_events), so).transitions);
  }
  return t;
}

json transitions_json(const fuzz::TransitionSet& t) {
  return json{{"covered", t.count()},
              {"total", fuzz::all_transitions().size()},
              {"covered_edges", t.covered()},
              {"uncovered_edges", t.uncovered()}};
}

json findings_json(const std::vector<fuzz::StoredFinding>& found) {
  json arr = json::array();
  for (const auto& f : found) {
    arr.push_back({{"key", f.finding.key()},
                   {"invariant", f.finding.invariant},
                   {"detail", f.finding.detail},
                   {"state", f.finding.state},
                   {"event", f.finding.event},
                   {"earlier", f.earlier},
                   {"events", f.events},
                   {"minimized_events", f.minimized_events},
                   {"input", f.input_path},
                   {"script", f.script_path}});
  }
  return arr;
}

// ---- the in-process fallback ----

std::vector<std::vector<std::uint8_t>> script_seeds(std::ostream& err) {
  std::vector<std::vector<std::uint8_t>> seeds;
  const fs::path scripts = fs::path(SYNACK_SOURCE_DIR) / "scripts";
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(scripts, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file() || it->path().extension() != ".pkt") continue;
    auto parsed = script::parse_file(it->path().string());
    if (!parsed.ok()) continue;
    for (std::uint8_t p = 0; p < 3; ++p)
      if (auto s = fuzz::from_script(*parsed.script, p)) seeds.push_back(fuzz::encode(*s));
  }
  if (seeds.empty()) err << "synack fuzz: no seed scripts found under " << scripts.string() << "\n";
  for (const auto& s : fuzz::handcrafted_seeds()) seeds.push_back(fuzz::encode(s));
  return seeds;
}

int fuzz_in_process(const Campaign& c, const fs::path& out_dir, std::ostream& out, std::ostream& err) {
  out << "synack fuzz: in-process session fuzzing (libFuzzer binaries not used), " << c.seconds
      << " s, max " << c.max_events << " events per session\n";
  fuzz::LoopOptions lo;
  lo.max_seconds = c.seconds;
  lo.max_iterations = ~0ull;
  lo.max_events = c.max_events;
  lo.seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  lo.seeds = script_seeds(err);
  lo.progress = [&](const fuzz::LoopStats& s) {
    out << "[in-process] " << static_cast<int>(s.seconds) << "s execs " << s.iterations << " ("
        << static_cast<std::uint64_t>(static_cast<double>(s.iterations) / std::max(s.seconds, 1e-3)) << "/s) corpus "
        << s.corpus_size << " features " << s.features << " transitions " << s.transitions.count() << "/"
        << fuzz::all_transitions().size() << " findings " << s.findings.size() << "\n"
        << std::flush;
  };
  const fuzz::LoopStats stats = fuzz::run_loop(lo);
  fuzz::SessionOptions replay;
  replay.max_events = c.max_events;
  fuzz::FindingsDir dir(out_dir / "findings", replay);
  dir.load();
  for (const auto& f : stats.findings) dir.add(f.input);
  const auto& found = dir.findings();
  std::error_code ec;
  fs::create_directories(out_dir / "corpus" / "fuzz_session", ec);
  for (std::size_t i = 0; i < stats.corpus.size(); ++i)
    write_bytes(out_dir / "corpus" / "fuzz_session" / ("in-process-" + std::to_string(i)), stats.corpus[i]);
  json report = {{"mode", "in-process"},
                 {"seconds", stats.seconds},
                 {"max_events", c.max_events},
                 {"fuzzers", json::array({{{"name", "fuzz_session"},
                                           {"execs", stats.iterations},
                                           {"exec_per_s", static_cast<double>(stats.iterations) / std::max(stats.seconds, 1e-3)},
                                           {"corpus", stats.corpus.size()},
                                           {"features", stats.features}}})},
                 {"transitions", transitions_json(stats.transitions)},
                 {"findings", findings_json(found)}};
  write_text(out_dir / "fuzz-report.json", report.dump(2) + "\n");
  out << "synack fuzz: " << stats.iterations << " sessions in " << stats.seconds << " s, transitions "
      << stats.transitions.count() << "/" << fuzz::all_transitions().size() << ", " << found.size()
      << " finding(s); report " << (out_dir / "fuzz-report.json").string() << "\n";
  for (const auto& f : found)
    out << "  FINDING " << f.finding.key() << " -> " << f.script_path << (f.earlier ? " (earlier)" : "") << "\n";
  return found.empty() ? kExitPass : kExitFail;
}

}  // namespace

int cmd_fuzz(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const Args a = parse_args(args, {"campaign", "time", "jobs", "corpus", "out", "max-events", "fuzz-bin"},
                            {"in-process", "help"});
  if (!a.error.empty()) return usage(err, "fuzz", a.error);
  if (a.flags.count("help")) {
    out << kFuzzHelp;
    return kExitPass;
  }
  if (!a.positional.empty()) return usage(err, "fuzz", "unexpected argument '" + a.positional[0] + "'");
  Campaign c;
  if (auto it = a.values.find("campaign"); it != a.values.end()) {
    if (auto r = load_campaign(it->second, c); !r) {
      err << "synack fuzz: " << r.error().message << "\n";
      return kExitUsage;
    }
  }
  if (auto it = a.values.find("time"); it != a.values.end()) {
    auto v = parse_long(it->second, 1, 86400);
    if (!v) return usage(err, "fuzz", "--time: expected seconds from 1 to 86400, found '" + it->second + "'");
    c.seconds = static_cast<double>(*v);
  }
  if (auto it = a.values.find("jobs"); it != a.values.end()) {
    auto v = parse_long(it->second, 1, 64);
    if (!v) return usage(err, "fuzz", "--jobs: expected an integer from 1 to 64, found '" + it->second + "'");
    c.jobs = static_cast<int>(*v);
  }
  if (auto it = a.values.find("max-events"); it != a.values.end()) {
    auto v = parse_long(it->second, 1, 1024);
    if (!v) return usage(err, "fuzz", "--max-events: expected an integer from 1 to 1024, found '" + it->second + "'");
    c.max_events = static_cast<std::size_t>(*v);
  }
  const fs::path out_dir = a.values.count("out") ? fs::path(a.values.at("out")) : fs::path("fuzz-out");
  const fs::path corpus_root = a.values.count("corpus") ? fs::path(a.values.at("corpus")) : out_dir / "corpus";
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) {
    err << "synack fuzz: cannot create " << out_dir.string() << ": " << ec.message() << "\n";
    return kExitUsage;
  }

  const auto bin = a.flags.count("in-process") ? std::nullopt : find_fuzz_bin(a);
  if (!bin) {
    if (!a.flags.count("in-process")) {
      err << "synack fuzz: libFuzzer binaries not found (build them with: cmake --preset fuzz && "
             "cmake --build --preset fuzz, or pass --fuzz-bin DIR); using the in-process loop\n";
    }
    return fuzz_in_process(c, out_dir, out, err);
  }

  // Seeds from the scripts, regenerated every run (cheap).
  const fs::path seeds = out_dir / "seeds";
  if (auto r = fuzz::write_seed_corpora((fs::path(SYNACK_SOURCE_DIR) / "scripts").string(), seeds.string()); !r)
    err << "synack fuzz: seeds: " << r.error().message << "\n";

  double total_weight = 0;
  for (const auto& f : c.fuzzers) {
    const double w = c.weights.count(f) ? c.weights.at(f) : (f == "fuzz_session" ? 4.0 : 1.0);
    total_weight += w;
  }
  out << "synack fuzz: libFuzzer binaries in " << bin->string() << ", " << c.seconds << " s, "
      << c.jobs << " job(s) per fuzzer, fuzzers:";
  for (const auto& f : c.fuzzers) out << " " << f;
  out << "\n" << std::flush;

  json fuzzers_json = json::array();
  // Findings of earlier campaigns in this output directory: kept, and skipped by the workers.
  fuzz::SessionOptions replay;
  replay.max_events = c.max_events;
  fuzz::FindingsDir dir(out_dir / "findings", replay);
  if (const std::size_t earlier = dir.load(); earlier > 0)
    out << "synack fuzz: " << earlier << " earlier finding(s) in " << (out_dir / "findings").string() << " still fail; skipping them\n";
  const fs::path known = out_dir / "known-findings.txt";
  write_known(known, dir.keys());
  fuzz::TransitionSet transitions;
  std::size_t other_crashes = 0;
  json crashes_json = json::array();
  const fs::path dict_dir = fs::path(SYNACK_SOURCE_DIR) / "fuzz" / "dictionaries";

  for (const auto& name : c.fuzzers) {
    const fs::path exe = *bin / name;
    if (::access(exe.c_str(), X_OK) != 0) {
      err << "synack fuzz: " << exe.string() << " is missing; skipped\n";
      continue;
    }
    const double w = c.weights.count(name) ? c.weights.at(name) : (name == "fuzz_session" ? 4.0 : 1.0);
    const long seconds = std::max(1L, static_cast<long>(c.seconds * w / total_weight));
    const fs::path corpus = corpus_root / name;
    const fs::path artifacts = out_dir / "artifacts" / name;
    const fs::path logs = out_dir / "logs";
    fs::create_directories(corpus, ec);
    fs::create_directories(artifacts, ec);
    fs::create_directories(logs, ec);
    const auto started = Clock::now();
    const auto budget_end = started + std::chrono::seconds(seconds);
    std::set<std::string> seen;
    std::vector<Process> procs;
    std::vector<Stats> finished;  // stats of processes that ended before the budget was used
    // A libFuzzer process stops at its first finding; it is restarted (up to 20 rounds) for the
    // rest of the budget. fuzz_session also gets the findings so far listed as known (those
    // inputs are then skipped), so it goes on to find different ones.
    for (int round = 0; round < 20; ++round) {
      const long remaining = std::chrono::duration_cast<std::chrono::seconds>(budget_end - Clock::now()).count();
      if (round > 0 && remaining < 2) break;
      const long run_seconds = round == 0 ? seconds : remaining;
      for (auto& p : procs) finished.push_back(p.stats);
      procs.clear();
      for (int j = 0; j < c.jobs; ++j) {
        std::vector<std::string> argv = {exe.string(), corpus.string(), c.seeds ? (seeds / name).string() : corpus.string(),
                                         "-max_total_time=" + std::to_string(run_seconds),
                                         "-timeout=10", "-rss_limit_mb=1024", "-reload=1",
                                         "-print_final_stats=1",
                                         "-artifact_prefix=" + (artifacts / "").string()};
        const fs::path dict = dict_dir / (name + ".dict");
        if (fs::exists(dict, ec)) argv.push_back("-dict=" + dict.string());
        if (name == "fuzz_session") {
          argv.push_back("-max_len=4096");
          argv.push_back("-len_control=0");  // structured inputs: full length from the start
        }
        argv.push_back("-seed=" + std::to_string(1000 + j + 100 * round));
        auto p = spawn(argv, logs / (name + "-" + std::to_string(j) + "-" + std::to_string(round) + ".log"),
                       {{"SYNACK_FUZZ_MAX_EVENTS", std::to_string(c.max_events)},
                        {"SYNACK_FUZZ_KNOWN_FINDINGS", known.string()},
                        {"ASAN_OPTIONS", worker_asan_options()}});
        if (!p) {
          err << "synack fuzz: cannot start " << exe.string() << "\n";
          continue;
        }
        procs.push_back(std::move(*p));
      }
      auto tick = [&] {
        const Stats sum = combined(finished, procs);
        if (name == "fuzz_session") transitions.merge(transitions_of_corpus(corpus, c.max_events, &seen));
        const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count();
        out << "[" << name << "] " << elapsed << "/" << seconds << "s execs " << sum.execs << " ("
            << sum.exec_per_s << "/s) cov " << sum.cov << " ft " << sum.ft << " corpus " << sum.corpus
            << " rss " << sum.peak_rss_mb << "MB";
        if (name == "fuzz_session")
          out << " transitions " << transitions.count() << "/" << fuzz::all_transitions().size();
        out << " findings " << count_files(artifacts, "crash-") + count_files(artifacts, "timeout-") +
                                      count_files(artifacts, "leak-") + count_files(artifacts, "oom-")
            << "\n" << std::flush;
      };
      // libFuzzer stops at its first crash, timeout, leak or out-of-memory: a worker that stopped
      // that way is restarted (new seed, same corpus) for the rest of the budget.
      auto findings = [&] {
        return count_files(artifacts, "crash-") + count_files(artifacts, "timeout-") +
               count_files(artifacts, "leak-") + count_files(artifacts, "oom-");
      };
      const std::size_t findings_before = findings();
      supervise(procs, Clock::now() + std::chrono::seconds(run_seconds + 30), tick);
      tick();
      if (findings() == findings_before) break;
      out << "[" << name << "] stopped at a finding; restarting for the rest of the budget\n";
      // fuzz_session: record the keys of the findings so far, so the next round skips them.
      if (name == "fuzz_session") {
        std::set<std::string> keys = dir.keys();
        fuzz::SessionOptions so;
        so.max_events = c.max_events;
        for (auto it = fs::directory_iterator(artifacts, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
          if (it->path().filename().string().rfind("crash-", 0) != 0) continue;
          if (auto bytes = read_bytes(it->path())) {
            const auto r = fuzz::run_session(fuzz::decode(*bytes, c.max_events), so);
            if (r.finding) keys.insert(r.finding->key());
          }
        }
        write_known(known, keys);
      }
    }

    // Merge: keep a minimal corpus that preserves coverage.
    const fs::path merged = corpus_root / (name + ".merged");
    fs::remove_all(merged, ec);
    fs::create_directories(merged, ec);
    std::vector<Process> merge;
    if (auto p = spawn({exe.string(), "-merge=1", merged.string(), corpus.string()}, logs / (name + "-merge.log"),
                       {{"SYNACK_FUZZ_MAX_EVENTS", std::to_string(c.max_events)}})) {
      merge.push_back(std::move(*p));
      supervise(merge, Clock::now() + std::chrono::seconds(60), nullptr);
      if (count_files(merged) > 0) {
        fs::remove_all(corpus, ec);
        fs::rename(merged, corpus, ec);
      }
    }
    fs::remove_all(merged, ec);

    const Stats sum = combined(finished, procs);
    // Crashes: session findings are replayed, deduplicated and minimized in process; every crash
    // also goes through libFuzzer's -minimize_crash (bounded).
    std::vector<std::vector<std::uint8_t>> session_inputs;
    std::size_t crashes = 0;
    for (auto it = fs::directory_iterator(artifacts, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      const std::string fname = it->path().filename().string();
      if (fname.rfind("minimized-", 0) == 0) continue;
      ++crashes;
      if (name == "fuzz_session") {
        if (auto bytes = read_bytes(it->path())) session_inputs.push_back(*bytes);
      }
      if (crashes <= 5) {
        std::vector<Process> mp;
        if (auto p = spawn({exe.string(), "-minimize_crash=1", "-max_total_time=10", "-runs=100000",
                            "-exact_artifact_path=" + (artifacts / ("minimized-" + fname)).string(), it->path().string()},
                           logs / (name + "-minimize.log"), {{"SYNACK_FUZZ_MAX_EVENTS", std::to_string(c.max_events)}})) {
          mp.push_back(std::move(*p));
          supervise(mp, Clock::now() + std::chrono::seconds(20), nullptr);
        }
      }
      crashes_json.push_back({{"fuzzer", name}, {"file", it->path().string()}});
    }
    if (name == "fuzz_session") {
      for (const auto& input : session_inputs) dir.add(input);
      transitions.merge(transitions_of_corpus(corpus, c.max_events, nullptr));
    } else {
      other_crashes += crashes;
    }
    fuzzers_json.push_back({{"name", name},
                            {"seconds", seconds},
                            {"jobs", c.jobs},
                            {"execs", sum.execs},
                            {"exec_per_s", sum.exec_per_s},
                            {"cov", sum.cov},
                            {"ft", sum.ft},
                            {"peak_rss_mb", sum.peak_rss_mb},
                            {"corpus", count_files(corpus)},
                            {"crashes", crashes}});
  }

  const auto& found = dir.findings();
  json report = {{"mode", "libfuzzer"},
                 {"fuzz_bin", bin->string()},
                 {"seconds", c.seconds},
                 {"max_events", c.max_events},
                 {"fuzzers", fuzzers_json},
                 {"transitions", transitions_json(transitions)},
                 {"findings", findings_json(found)},
                 {"crashes", crashes_json}};
  write_text(out_dir / "fuzz-report.json", report.dump(2) + "\n");
  out << "synack fuzz: transitions " << transitions.count() << "/" << fuzz::all_transitions().size() << ", "
      << found.size() << " session finding(s), " << other_crashes << " other crash(es); report "
      << (out_dir / "fuzz-report.json").string() << "\n";
  for (const auto& f : found)
    out << "  FINDING " << f.finding.key() << " -> " << f.script_path << (f.earlier ? " (earlier)" : "") << "\n";
  return found.empty() && other_crashes == 0 ? kExitPass : kExitFail;
}

int cmd_replay(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const Args a = parse_args(args, {"profile", "max-events"}, {"minimize", "help"});
  if (!a.error.empty()) return usage(err, "replay", a.error);
  if (a.flags.count("help")) {
    out << kReplayHelp;
    return kExitPass;
  }
  if (a.positional.size() != 1) return usage(err, "replay", "expected one input file");
  std::size_t max_events = fuzz::kDefaultMaxEvents;
  if (auto it = a.values.find("max-events"); it != a.values.end()) {
    auto v = parse_long(it->second, 1, 1024);
    if (!v) return usage(err, "replay", "--max-events: expected an integer from 1 to 1024");
    max_events = static_cast<std::size_t>(*v);
  }
  auto bytes = read_bytes(a.positional[0]);
  if (!bytes) {
    err << "synack replay: cannot read " << a.positional[0] << "\n";
    return kExitUsage;
  }
  fuzz::SessionInput input = fuzz::decode(*bytes, max_events);
  if (auto it = a.values.find("profile"); it != a.values.end()) {
    const std::string& p = it->second;
    if (p == "rfc") input.profile = 0;
    else if (p == "linux") input.profile = 1;
    else if (p == "freebsd") input.profile = 2;
    else return usage(err, "replay", "--profile: expected rfc, linux or freebsd");
  }
  fuzz::SessionOptions so;
  so.max_events = max_events;
  if (a.flags.count("minimize")) {
    const fuzz::SessionResult r = fuzz::run_session(input, so);
    if (r.finding) input = fuzz::decode(fuzz::minimize(fuzz::encode(input), r.finding->key(), so), max_events);
  }
  out << fuzz::to_script(input, so);
  return kExitPass;
}

}  // namespace synack::cli
