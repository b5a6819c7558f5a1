#include "harness/cli/diff_cmd.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/cli/cli.h"
#include "harness/cli/diff_fuzz.h"
#include "harness/cli/options.h"
#include "harness/cli/target_setup.h"
#include "harness/run/suite.h"
#include "harness/run/trace_diff.h"
#include "reports/atomic_file.h"

namespace synack::cli {

const char* const kDiffHelp = R"(usage: synack diff PATH... [options]

Runs the same .pkt scripts on several targets and reports, per script, the first place where
what the stacks did differs: a segment they sent (flags, sequence and acknowledgment numbers,
length, urgent pointer, options) or a socket call's result, and when it happened. ISNs and
timestamp values are normalized away; so are, unless --strict, the window and the order and
values of options, which are each system's own choice.

options:
  --targets A,B[,C...]     targets to compare (default: reference,kernel); the first is the
                           baseline the others are compared with; reference/PROFILE names a
                           profile, so reference/rfc,reference/linux compares two profiles
  --profile NAME           reference stack profile (rfc, linux, freebsd)
  --set KEY=VALUE          reference stack setting (repeatable)
  --strict                 also compare windows and option order and values
  --no-timing              do not compare when segments were sent
  --filter GLOB            only scripts whose path (relative to PATH) matches
  --jobs N, -j N           scripts run at once on each target (default 1)
  --timeout SECONDS        per-script limit for targets that run scripts in a child process
  --json FILE              write the comparison as JSON (atomically)
  --quiet, -q              print only scripts that differ and the summary

differential fuzzing (no PATH needed; PATH, if given, is where seed scripts come from):
  --fuzz SECONDS           generate sessions with the session fuzzer's mutator (seeded from
                           the shipped scripts), turn each into a script that states what the
                           first target (a reference profile) did, and run it on the second;
                           every distinct divergence is kept with its reproducing script and
                           both traces (deduplicated by where the traces first differ and what
                           the script did just before)
  --max-sessions N         stop after N sessions (default: no limit but the time)
  --max-events N           events per session (default 12)
  --seed N                 random seed (default 1)
  --out DIR                where divergences go (default out/diff-fuzz)

Exit status: 0 no script differs, 1 some differ, 2 usage or input error.
)";

namespace {

using nlohmann::json;

int diff_usage(std::ostream& err, const std::string& message) {
  err << "synack diff: " << message << "\nRun 'synack diff --help' for usage.\n";
  return kExitUsage;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) items.push_back(item);
  return items;
}

std::string relative_path(const std::string& p) {
  std::error_code ec;
  auto r = std::filesystem::relative(p, ec);
  return ec || r.empty() || r.string().rfind("..", 0) == 0 ? p : r.string();
}

// What one target did with one script, for the comparison.
struct Outcome {
  const run::ScriptResult* result = nullptr;
  bool comparable() const {
    return result && (result->verdict.status == run::Status::Pass || result->verdict.status == run::Status::Fail ||
                      result->verdict.status == run::Status::ExpectedDeviation);
  }
};

json step_json(const std::optional<run::Step>& s) {
  if (!s) return nullptr;
  return {{"time_us", s->time}, {"line", s->line}, {"text", s->text}};
}

void print_step(std::ostream& out, const std::string& target, std::size_t width, const std::optional<run::Step>& s) {
  out << "      " << std::left << std::setw(static_cast<int>(width)) << target << std::right << "  ";
  if (!s) { out << "(nothing more)\n"; return; }
  out << std::setw(10) << format_seconds(s->time) << " s  " << s->text << "\n";
}

}  // namespace

int cmd_diff(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto parsed = parse_args(args, {{"targets"}, {"profile"}, {"set", true, true}, {"strict", false},
                                        {"no-timing", false}, {"filter"}, {"jobs"}, {"j"}, {"timeout"},
                                        {"json"}, {"quiet", false}, {"q", false}, {"help", false}, {"h", false},
                                        {"fuzz"}, {"max-sessions"}, {"max-events"}, {"seed"}, {"out"}});
  if (!parsed.error.empty()) return diff_usage(err, parsed.error);
  if (parsed.has("help") || parsed.has("h")) { out << kDiffHelp; return kExitPass; }
  const bool fuzzing = parsed.has("fuzz");
  if (parsed.positional.empty() && !fuzzing)
    return diff_usage(err, "no scripts given (e.g. synack diff scripts/ --targets reference,kernel)");
  const std::vector<std::string> names = split_list(parsed.get("targets").value_or("reference,kernel"));
  if (names.size() < 2) return diff_usage(err, "--targets needs at least two targets, separated by commas");
  int jobs = 1;
  if (auto j = parsed.get("jobs") ? parsed.get("jobs") : parsed.get("j")) {
    char* end = nullptr;
    const long v = std::strtol(j->c_str(), &end, 10);
    if (j->empty() || *end || v < 1 || v > 256) return diff_usage(err, "--jobs: expected an integer from 1 to 256, found '" + *j + "'");
    jobs = static_cast<int>(v);
  }
  std::optional<Micros> timeout;
  if (auto t = parsed.get("timeout")) {
    char* end = nullptr;
    const double v = std::strtod(t->c_str(), &end);
    if (t->empty() || *end || v <= 0 || v > 86400) return diff_usage(err, "--timeout: expected seconds (0 < T <= 86400), found '" + *t + "'");
    timeout = static_cast<Micros>(v * 1e6);
  }
  run::DiffOptions diff_options;
  diff_options.strict = parsed.has("strict");
  diff_options.timing = !parsed.has("no-timing");
  const bool quiet = parsed.has("quiet") || parsed.has("q");

  // Every target is set up before anything runs, so a missing privilege is reported at once.
  std::vector<TargetSetup> setups;
  for (const auto& given : names) {
    // "reference/linux" names a profile; plain "reference" takes --profile (default rfc).
    const auto slash = given.find('/');
    const std::string name = given.substr(0, slash);
    TargetRequest request;
    request.name = name;
    if (slash != std::string::npos) request.profile = given.substr(slash + 1);
    if (name == "reference") {
      if (!request.profile) request.profile = parsed.get("profile");
      if (parsed.has("set")) request.set = parsed.values.at("set");
    }
    request.timeout = timeout;
    request.overrides.push_back(learn_stack_ports_option());  // for targets run in a child
    auto setup = setup_target(request, Config{}, "");
    if (auto* e = std::get_if<TargetSetupError>(&setup)) {
      if (e->usage) return diff_usage(err, e->message);
      err << "synack diff: " << name << ": " << e->message << "\n";
      return kExitUsage;
    }
    setups.push_back(std::get<TargetSetup>(setup));
  }
  auto label = [&](const TargetSetup& s) { return s.profile.empty() ? s.name : s.name + "/" + s.profile; };
  for (std::size_t i = 0; i < setups.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (label(setups[i]) == label(setups[j])) return diff_usage(err, "--targets names " + label(setups[i]) + " twice");
  if ((parsed.has("profile") || parsed.has("set")) &&
      std::none_of(setups.begin(), setups.end(), [](const TargetSetup& s) { return s.name == "reference"; }))
    return diff_usage(err, "--profile and --set apply to the reference target, which --targets does not name");

  if (fuzzing) {
    if (setups.size() != 2) return diff_usage(err, "--fuzz compares exactly two targets");
    DiffFuzzOptions f;
    f.baseline = setups[0];
    f.other = setups[1];
    f.jobs = jobs;
    f.timing = diff_options.timing;
    f.quiet = quiet;
    const std::vector<std::string> profiles = {"rfc", "linux", "freebsd"};
    const auto p = std::find(profiles.begin(), profiles.end(), f.baseline.profile);
    if (f.baseline.name != "reference" || p == profiles.end())
      return diff_usage(err, "--fuzz: the first target must be a reference profile (reference/rfc, reference/linux, reference/freebsd)");
    f.profile = static_cast<std::uint8_t>(p - profiles.begin());
    auto number = [&](const char* name, double low, double high, double& value) {
      const auto v = parsed.get(name);
      if (!v) return true;
      char* end = nullptr;
      value = std::strtod(v->c_str(), &end);
      return !v->empty() && !*end && value >= low && value <= high;
    };
    double seconds = 0, sessions = 1e6, events = 12, seed = 1;
    if (!number("fuzz", 1, 86400, seconds)) return diff_usage(err, "--fuzz: expected seconds from 1 to 86400");
    if (!number("max-sessions", 1, 1e9, sessions)) return diff_usage(err, "--max-sessions: expected a positive count");
    if (!number("max-events", 1, 64, events)) return diff_usage(err, "--max-events: expected 1 to 64");
    if (!number("seed", 0, 1e15, seed)) return diff_usage(err, "--seed: expected a non-negative integer");
    f.seconds = seconds;
    f.max_sessions = static_cast<std::size_t>(sessions);
    f.max_events = static_cast<std::size_t>(events);
    f.seed = static_cast<std::uint64_t>(seed);
    f.out_dir = parsed.get("out").value_or("out/diff-fuzz");
    f.scripts_dir = parsed.positional.empty() ? std::string(SYNACK_SOURCE_DIR) + "/scripts" : parsed.positional[0];
    return run_diff_fuzz(f, out, err);
  }

  const auto files = run::collect_scripts(parsed.positional, parsed.get("filter").value_or(""));
  if (!files) { err << "synack diff: " << files.error().message << "\n"; return kExitUsage; }
  if (files->empty()) { err << "synack diff: no .pkt scripts found\n"; return kExitUsage; }

  std::vector<run::RunResult> runs;
  std::atomic<bool> interrupted = false;
  for (const auto& setup : setups) {
    run::SuiteOptions options;
    apply_setup(setup, options);
    options.exec.overrides.push_back(learn_stack_ports_option());
    options.jobs = jobs;
    options.interrupted = &interrupted;
    if (!quiet) out << "synack diff: running " << files->size() << " scripts on " << label(setup) << "\n" << std::flush;
    runs.push_back(run::run_suite(*files, options));
    if (!quiet) out << "  done in " << std::fixed << std::setprecision(2) << runs.back().wall_seconds << " s\n" << std::flush;
  }

  std::size_t width = 0;
  for (const auto& s : setups) width = std::max(width, label(s).size());
  std::size_t same = 0, differ = 0, not_compared = 0;
  std::map<std::string, std::size_t> keys;  // divergence key -> scripts with it, per target pair
  json scripts_json = json::array();
  for (std::size_t i = 0; i < files->size(); ++i) {
    const std::string path = relative_path((*files)[i]);
    std::vector<Outcome> outcomes(setups.size());
    for (std::size_t t = 0; t < runs.size(); ++t)
      for (const auto& r : runs[t].scripts)
        if (r.path == (*files)[i]) outcomes[t].result = &r;
    json entry = {{"path", path}, {"results", json::object()}, {"divergences", json::array()}};
    std::string skip_note;
    for (std::size_t t = 0; t < setups.size(); ++t) {
      const auto* r = outcomes[t].result;
      entry["results"][label(setups[t])] = r ? run::status_name(r->verdict.status) : "not run";
      if (!outcomes[t].comparable() && skip_note.empty())
        skip_note = label(setups[t]) + " " + (r ? std::string(run::status_name(r->verdict.status)) + ": " + r->verdict.reason : "did not run");
    }
    if (!skip_note.empty()) {
      ++not_compared;
      entry["compared"] = false;
      entry["reason"] = skip_note;
      if (!quiet) out << "  " << path << ": not compared (" << skip_note << ")\n";
      scripts_json.push_back(std::move(entry));
      continue;
    }
    entry["compared"] = true;
    bool any = false;
    std::ostringstream detail;
    const auto& base = *outcomes[0].result;
    for (std::size_t t = 1; t < setups.size(); ++t) {
      const auto d = run::first_divergence(base.trace, outcomes[t].result->trace, diff_options);
      if (!d || run::beyond_a_stopped_run(*d, base, *outcomes[t].result)) continue;
      any = true;
      const std::string key = label(setups[0]) + "|" + label(setups[t]) + "|" + run::divergence_key(*d);
      ++keys[key];
      std::vector<std::string> classes;
      for (auto c : d->classes) classes.push_back(run::diff_class_name(c));
      entry["divergences"].push_back({{"baseline", label(setups[0])}, {"target", label(setups[t])},
                                      {"step", d->index + 1}, {"classes", classes}, {"key", key},
                                      {"baseline_step", step_json(d->a)}, {"target_step", step_json(d->b)},
                                      {"baseline_status", run::status_name(base.verdict.status)},
                                      {"target_status", run::status_name(outcomes[t].result->verdict.status)}});
      detail << "    " << label(setups[t]) << ": " << d->summary() << "\n";
      print_step(detail, label(setups[0]), width, d->a);
      print_step(detail, label(setups[t]), width, d->b);
    }
    if (any) {
      ++differ;
      out << "  " << path << ": differs\n" << detail.str();
    } else {
      ++same;
      if (!quiet) out << "  " << path << ": same\n";
    }
    scripts_json.push_back(std::move(entry));
  }

  out << "\n" << files->size() << " scripts on";
  for (const auto& s : setups) out << " " << label(s);
  out << ": " << same << " same, " << differ << " differ, " << not_compared << " not compared\n";
  if (!keys.empty()) {
    out << "distinct divergences (" << keys.size() << "):\n";
    for (const auto& [key, count] : keys) out << "  " << key << "  (" << count << " script" << (count == 1 ? "" : "s") << ")\n";
  }
  if (auto path = parsed.get("json")) {
    json targets = json::array();
    for (const auto& s : setups) targets.push_back(label(s));
    json doc = {{"targets", targets}, {"strict", diff_options.strict}, {"timing", diff_options.timing},
                {"summary", {{"scripts", files->size()}, {"same", same}, {"differ", differ}, {"not_compared", not_compared}}},
                {"scripts", scripts_json}};
    std::error_code ec;
    const auto dir = std::filesystem::path(*path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (auto w = reports::write_file_atomically(*path, doc.dump(2) + "\n"); !w) {
      err << "synack diff: " << w.error().message << "\n";
      return kExitUsage;
    }
    if (!quiet) out << "wrote " << *path << "\n";
  }
  return differ ? kExitFail : kExitPass;
}

}  // namespace synack::cli
