#include "harness/cli/cli.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <mutex>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "harness/catalog/catalog.h"
#include "harness/cli/agent_cmd.h"
#include "harness/cli/config.h"
#include "harness/cli/diff_cmd.h"
#include "harness/cli/expected.h"
#include "harness/cli/fuzz_cmd.h"
#include "harness/cli/isolated.h"
#include "harness/cli/report_cmd.h"
#include "harness/cli/target_setup.h"
#include "harness/cli/options.h"
#include "harness/run/suite.h"
#include "harness/script/parser.h"
#include "reports/reports.h"

namespace synack::cli {
namespace {

constexpr const char* kVersion = "synack 0.1.0";

constexpr const char* kMainHelp = R"(synack - TCP conformance and fuzz testing harness

usage: synack <command> [options]

commands:
  run PATH...     run .pkt scripts (files or directories) against a target
  check FILE...   parse scripts only and report errors with file:line:col
  list PATH...    list scripts with their titles and RFC 9293 requirement IDs
  report FILE...  render saved results again (HTML, Markdown, JUnit) or compare targets
  diff PATH...    run scripts on several targets and show where the stacks' behaviour differs
  fuzz            run a fuzzing campaign against the reference stack (time-bounded)
  replay FILE     print the .pkt script that reproduces a fuzzer finding
  agent           execute a remote target's socket calls on this host (synack agent --help)
  help [COMMAND]  show help for a command

Run 'synack <command> --help' for the options of a command.
Exit status: 0 all passed, 1 some failed, 2 usage or input error.
)";

constexpr const char* kRunHelp = R"(usage: synack run PATH... [options]

Runs every .pkt script under PATH (files or directories, recursively) against a target and
prints one line per script and a summary.

options:
  --target NAME            reference (default): the bundled RFC 9293 stack on virtual time
                           kernel: the Linux stack, each script in its own network namespace
                           (needs root or CAP_NET_ADMIN+CAP_SYS_ADMIN, and /dev/net/tun)
                           remote: Linux in another namespace over veth + raw sockets (root, nft)
                           lwip: lwIP 2.1 (liblwip-dev) on virtual time, each script in a child
  --timeout SECONDS        kernel and lwip targets: end a script that runs longer (default 120)
  --profile NAME           reference stack profile: rfc (default), linux, freebsd
  --set KEY=VALUE          override one reference stack parameter (repeatable)
  --jobs N, -j N           run N scripts at once (default 1)
  --retries N              kernel and remote targets (real clock): rerun a script that fails, up
                           to N more times (0-10, default 0). A pass after a failure counts as a
                           pass and is reported as flaky, with every failed attempt. Scripts
                           listed as known deviations are not rerun.
  --filter GLOB            only scripts whose path (relative to PATH) matches GLOB
  --json FILE              write the results document (JSON) to FILE, atomically
  --junit FILE             write JUnit XML to FILE, atomically
  --jsonl FILE             append each result to FILE (JSON Lines) the moment it finishes
  --report DIR             write everything into DIR: index.html (summary, requirement matrix,
                           ladder diagrams), results.json, results.jsonl (as scripts finish),
                           junit.xml, summary.md and pcaps/ (one capture per script)
  --catalog FILE           requirement catalog for the report (default: rfc9293.toml beside the
                           scripts)
  --config FILE            settings file (default: ./synack.toml if it exists)
  --tolerance_usecs N      timing tolerance in microseconds (overrides scripts)
  --tolerance_percent P    timing tolerance as a percentage of the interval (overrides scripts)
  --ip_version V           ipv4, ipv6 or ipv4-mapped-ipv6 (overrides scripts)
  -D SYMBOL=VALUE          define a symbol for the scripts (repeatable)
  --verbose, -v            print the trace of failing scripts
  --quiet, -q              print only failures and the summary
  --help                   show this help
)";

constexpr const char* kCheckHelp = R"(usage: synack check FILE... [--quiet]

Parses each script (or every .pkt under a directory) without running it. Errors are printed
as file:line:col with the offending line and a caret. Exit status 2 if any script has an error.
)";

constexpr const char* kListHelp = R"(usage: synack list PATH... [--filter GLOB] [--requirements [--catalog FILE]]

Lists the scripts under PATH with their title, RFC 9293 requirement IDs and target restrictions.

  --requirements   print the coverage table instead: every RFC 9293 requirement with the scripts
                   that check it, totals per level, and the testable requirements no script covers
  --catalog FILE   the requirement catalog (default: rfc9293.toml in the first PATH that is a
                   directory holding one, else scripts/rfc9293.toml)
)";

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) {
  g_interrupted.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

int usage_error(std::ostream& err, const std::string& command, const std::string& message) {
  err << "synack " << command << ": " << message << "\n"
      << "Run 'synack " << command << " --help' for usage.\n";
  return kExitUsage;
}

std::string rel_path(const std::string& p) {
  std::error_code ec;
  auto r = std::filesystem::relative(p, ec);
  return ec || r.empty() || r.string().rfind("..", 0) == 0 ? p : r.string();
}

void print_result_line(const run::ScriptResult& r, std::ostream& out, bool quiet, bool verbose) {
  using run::Status;
  const auto& v = r.verdict;
  if (quiet && ((v.status == Status::Pass && !r.flaky()) || v.status == Status::Skipped)) return;
  const char* tag = v.status == Status::Pass ? "PASS " : v.status == Status::Fail ? "FAIL "
                  : v.status == Status::Skipped ? "SKIP " : v.status == Status::Error ? "ERROR"
                  : "XFAIL";
  out << tag << " " << rel_path(r.path);
  if (v.status == Status::Pass || v.status == Status::Fail)
    out << "  (" << format_seconds(v.script_time) << " s scripted, " << std::fixed << std::setprecision(1)
        << v.wall_seconds * 1000 << " ms)";
  if (r.flaky()) out << "  FLAKY: passed on attempt " << r.earlier_attempts.size() + 1;
  out << "\n";
  for (std::size_t i = 0; i < r.earlier_attempts.size(); ++i) {
    const auto& a = r.earlier_attempts[i];
    out << "      attempt " << i + 1 << " " << run::status_name(a.status) << ": "
        << (a.failure ? "line " + std::to_string(a.failure->line) + ": " + a.failure->message : a.reason) << "\n";
  }
  if (!v.reason.empty() && v.status != Status::Pass) {
    std::istringstream lines(v.reason);
    for (std::string l; std::getline(lines, l);) out << "      " << l << "\n";
  }
  if (v.failure && v.status == Status::Fail) {
    std::istringstream lines(v.failure->render());
    for (std::string l; std::getline(lines, l);) out << "      " << l << "\n";
  }
  if (verbose && v.status == Status::Fail) {
    out << "      trace:\n";
    for (const auto& e : r.trace.entries) {
      const char* dir = e.kind == run::TraceEntry::Kind::Injected ? "<" : e.kind == run::TraceEntry::Kind::Observed ? ">" : " ";
      out << "        " << format_seconds(e.time) << " " << dir << " " << e.text
          << (e.matched ? "" : "   <-- mismatch") << "\n";
    }
  }
}

struct Counts {
  std::size_t pass = 0, fail = 0, skipped = 0, error = 0, deviation = 0, flaky = 0;
  Micros scripted = 0;
};

Counts count(const run::RunResult& run) {
  Counts c;
  for (const auto& s : run.scripts) {
    switch (s.verdict.status) {
      case run::Status::Pass: ++c.pass; break;
      case run::Status::Fail: ++c.fail; break;
      case run::Status::Skipped: ++c.skipped; break;
      case run::Status::Error: ++c.error; break;
      case run::Status::ExpectedDeviation: ++c.deviation; break;
    }
    c.scripted += s.verdict.script_time;
    c.flaky += s.flaky() ? 1 : 0;
  }
  return c;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

namespace {

// The directory at or above `path` (a file or directory) that holds `name`, if any.
std::optional<std::filesystem::path> find_upward(const std::string& path, const std::string& name) {
  std::error_code ec;
  auto dir = std::filesystem::absolute(path, ec);
  if (ec) return std::nullopt;
  if (!std::filesystem::is_directory(dir)) dir = dir.parent_path();
  for (; !dir.empty(); dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / name)) return dir;
    if (dir == dir.parent_path()) break;
  }
  return std::nullopt;
}

// The requirement catalog: --catalog, else the first rfc9293.toml found in a given path or one
// of its parent directories (so `synack run scripts/handshake` finds scripts/rfc9293.toml).
std::string find_catalog(const ParsedArgs& parsed) {
  if (auto c = parsed.get("catalog")) return *c;
  for (const auto& p : parsed.positional)
    if (auto dir = find_upward(p, "rfc9293.toml")) return (*dir / "rfc9293.toml").string();
  return "";
}

}  // namespace

int cmd_run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto parsed = parse_args(args, {
      {"target"}, {"profile"}, {"set", true, true}, {"jobs"}, {"j"}, {"retries"}, {"filter"}, {"json"}, {"junit"},
      {"jsonl"}, {"config"}, {"tolerance_usecs"}, {"tolerance_percent"}, {"ip_version"},
      {"D", true, true}, {"define", true, true}, {"verbose", false}, {"v", false}, {"quiet", false},
      {"q", false}, {"timeout"}, {"report"}, {"catalog"}, {"help", false}, {"h", false}});
  if (!parsed.error.empty()) return usage_error(err, "run", parsed.error);
  if (parsed.has("help") || parsed.has("h")) { out << kRunHelp; return kExitPass; }
  if (parsed.positional.empty()) return usage_error(err, "run", "no scripts given (e.g. synack run scripts/)");

  // Settings: built-in defaults < synack.toml < command line.
  Config config;
  std::string config_path = parsed.get("config").value_or("");
  if (config_path.empty() && std::filesystem::exists("synack.toml")) config_path = "synack.toml";
  if (!config_path.empty()) {
    auto loaded = load_config(config_path);
    if (!loaded) { err << "synack run: " << loaded.error().message << "\n"; return kExitUsage; }
    config = *loaded;
  }
  const std::string target = parsed.get("target").value_or(config.target.value_or("reference"));
  int jobs = config.jobs.value_or(1);
  if (auto j = parsed.get("jobs") ? parsed.get("jobs") : parsed.get("j")) {
    char* end = nullptr;
    long v = std::strtol(j->c_str(), &end, 10);
    if (j->empty() || *end || v < 1 || v > 256) return usage_error(err, "run", "--jobs: expected an integer from 1 to 256, found '" + *j + "'");
    jobs = static_cast<int>(v);
  }
  int retries = config.retries.value_or(0);
  if (auto n = parsed.get("retries")) {
    char* end = nullptr;
    long v = std::strtol(n->c_str(), &end, 10);
    if (n->empty() || *end || v < 0 || v > 10) return usage_error(err, "run", "--retries: expected an integer from 0 to 10, found '" + *n + "'");
    retries = static_cast<int>(v);
  }
  const std::string filter = parsed.get("filter").value_or(config.filter.value_or(""));
  const auto json_path = parsed.get("json") ? parsed.get("json") : config.json;
  const auto junit_path = parsed.get("junit") ? parsed.get("junit") : config.junit;
  const auto report_dir = parsed.get("report");
  auto jsonl_path = parsed.get("jsonl");
  if (report_dir && !jsonl_path) jsonl_path = (std::filesystem::path(*report_dir) / "results.jsonl").string();
  const bool quiet = parsed.has("quiet") || parsed.has("q");
  const bool verbose = parsed.has("verbose") || parsed.has("v");

  run::SuiteOptions options;
  options.target_name = target;
  options.jobs = jobs;
  if (config.tolerance_usecs) options.exec.tolerance_usecs = *config.tolerance_usecs;
  if (config.tolerance_percent) options.exec.tolerance_percent = *config.tolerance_percent;
  for (const char* name : {"tolerance_usecs", "tolerance_percent", "ip_version"})
    if (auto v = parsed.get(name)) options.exec.overrides.push_back({name, *v, {}});
  for (const char* name : {"D", "define"}) {
    if (!parsed.has(name)) continue;
    for (const auto& d : parsed.values.at(name)) {
      if (d.find('=') == std::string::npos) return usage_error(err, "run", "-D expects SYMBOL=VALUE, found '" + d + "'");
      options.exec.overrides.push_back({"define", d, {}});
    }
  }

  TargetRequest request;
  request.name = target;
  request.profile = parsed.get("profile");
  if (parsed.has("set")) request.set = parsed.values.at("set");
  request.overrides = options.exec.overrides;
  if (auto t = parsed.get("timeout")) {
    char* end = nullptr;
    double v = std::strtod(t->c_str(), &end);
    if (t->empty() || *end || v <= 0 || v > 86400) return usage_error(err, "run", "--timeout: expected seconds (0 < T <= 86400), found '" + *t + "'");
    request.timeout = static_cast<Micros>(v * 1e6);
  }
  auto setup_or = setup_target(request, config, config_path);
  if (auto* e = std::get_if<TargetSetupError>(&setup_or)) {
    if (e->usage) return usage_error(err, "run", e->message);
    err << "synack run: " << e->message << "\n";
    return kExitUsage;
  }
  const TargetSetup& setup = std::get<TargetSetup>(setup_or);
  apply_setup(setup, options);
  const std::string profile = setup.profile;
  if (retries > 0 && !setup.real_clock && !quiet)
    out << "synack run: --retries has no effect on the " << target << " target: it runs on virtual time, so a rerun repeats the result\n";
  options.retries = setup.real_clock ? retries : 0;

  auto files = run::collect_scripts(parsed.positional, filter);
  if (!files) { err << "synack run: " << files.error().message << "\n"; return kExitUsage; }
  if (files->empty()) { err << "synack run: no .pkt scripts found" << (filter.empty() ? "" : " matching '" + filter + "'") << "\n"; return kExitUsage; }

  // Known deviations: expected/<target>.toml beside the scripts (found at or above each path
  // given, so a single script gets its directory's list too; setup_target names the list).
  const std::string& expected_name = setup.expected_name;
  std::vector<ExpectedDeviations> expected;
  std::set<std::string> loaded;
  for (const auto& p : parsed.positional) {
    const std::string rel = "expected/" + expected_name + ".toml";
    auto root = find_upward(p, rel);
    if (!root || !loaded.insert(root->string()).second) continue;
    auto e = load_expected((*root / rel).string(), root->string());
    if (!e) { err << "synack run: " << e.error().message << "\n"; return kExitUsage; }
    expected.push_back(std::move(*e));
  }

  options.retry_if = [&](const run::ScriptResult& r) {
    if (r.verdict.status != run::Status::Fail) return false;
    for (const auto& e : expected)
      if (find_deviation(e, r.path)) return false;
    return true;
  };

  run::RunResult header;
  header.target = target;
  header.profile = profile;
  header.target_version = profile.empty() ? setup.version : profile + " profile";
  header.started_at = utc_now();
  header.options = {{"jobs", std::to_string(jobs)}, {"retries", std::to_string(options.retries)}, {"filter", filter},
                    {"tolerance_usecs", std::to_string(options.exec.tolerance_usecs)}};
  for (const auto& o : options.exec.overrides) header.options.push_back({o.name, o.value});

  std::unique_ptr<reports::JsonLinesSink> sink;
  if (jsonl_path) {
    std::error_code ec;
    auto dir = std::filesystem::path(*jsonl_path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    auto s = reports::JsonLinesSink::open(*jsonl_path, header);
    if (!s) { err << "synack run: " << s.error().message << "\n"; return kExitUsage; }
    sink = std::move(*s);
  }

  if (!quiet)
    out << "synack: running " << files->size() << " script" << (files->size() == 1 ? "" : "s") << " on the "
        << target << " target" << (profile.empty() ? "" : " (profile " + profile + ")") << ", " << jobs
        << " job" << (jobs == 1 ? "" : "s") << "\n";
  // On a terminal a live line shows done/total, failures so far and elapsed time; elsewhere
  // (CI logs, pipes) only the plain per-script lines are printed.
  const bool live = &out == &std::cout && ::isatty(STDOUT_FILENO) && !quiet;
  const auto run_start = std::chrono::steady_clock::now();
  std::size_t failures = 0;
  options.on_result = [&](run::ScriptResult& r, std::size_t done, std::size_t total) {
    for (const auto& e : expected) apply_expected(e, r);
    if (sink) sink->append(r);
    if (report_dir) {
      if (auto w = write_script_pcap(*report_dir, header.started_at, r); !w) err << "synack run: " << w.error().message << "\n";
    }
    if (r.verdict.status == run::Status::Fail || r.verdict.status == run::Status::Error) ++failures;
    if (live) out << "\r\033[K";
    print_result_line(r, out, quiet, verbose);
    if (live) {
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
      out << "[" << done << "/" << total << "] " << failures << " failed, " << std::fixed << std::setprecision(1)
          << secs << " s" << std::flush;
      if (done == total) out << "\r\033[K";
    }
    out.flush();
  };
  g_interrupted = false;
  auto previous = std::signal(SIGINT, on_sigint);
  options.interrupted = &g_interrupted;
  run::RunResult result = run::run_suite(*files, options);
  std::signal(SIGINT, previous);
  result.target = header.target;
  result.profile = header.profile;
  result.target_version = header.target_version;
  result.started_at = header.started_at;
  result.options = header.options;
  if (sink) sink->close(result);

  int status = kExitPass;
  auto write = [&](const std::optional<std::string>& path, auto writer, const char* what) {
    if (!path) return;
    std::error_code ec;
    auto dir = std::filesystem::path(*path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (auto r = writer(result, *path); !r) { err << "synack run: " << r.error().message << "\n"; status = kExitUsage; }
    else if (!quiet) out << "wrote " << what << " " << *path << "\n";
  };
  write(json_path, reports::write_json, "JSON results to");
  write(junit_path, reports::write_junit, "JUnit XML to");
  if (report_dir) {
    if (auto r = write_report_files(*report_dir, result, find_catalog(parsed), err); !r) {
      err << "synack run: " << r.error().message << "\n";
      status = kExitUsage;
    } else if (!quiet) {
      out << "wrote report to " << *report_dir << "/index.html\n";
    }
  }

  const Counts c = count(result);
  out << "\n" << result.scripts.size() << " scripts on " << target << ": " << c.pass << " passed, " << c.fail
      << " failed, " << c.skipped << " skipped, " << c.error << " errors";
  if (c.deviation) out << ", " << c.deviation << " expected deviations";
  if (c.flaky) out << ", " << c.flaky << " flaky (passed on a retry)";
  out << " (" << format_seconds(c.scripted) << " s scripted in " << std::fixed << std::setprecision(3)
      << result.wall_seconds << " s)\n";
  if (result.interrupted) {
    out << "interrupted: " << result.not_run.size() << " scripts did not run:\n";
    for (const auto& p : result.not_run) out << "  " << rel_path(p) << "\n";
  }
  out << c.pass << " passed, " << c.fail << " failed, " << c.skipped << " skipped\n";
  if (status != kExitPass) return status;
  if (c.error > 0) return kExitUsage;
  if (c.fail > 0 || result.interrupted) return kExitFail;
  return kExitPass;
}

int cmd_check(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto parsed = parse_args(args, {{"quiet", false}, {"q", false}, {"help", false}, {"h", false}});
  if (!parsed.error.empty()) return usage_error(err, "check", parsed.error);
  if (parsed.has("help") || parsed.has("h")) { out << kCheckHelp; return kExitPass; }
  if (parsed.positional.empty()) return usage_error(err, "check", "no scripts given");
  auto files = run::collect_scripts(parsed.positional, "");
  if (!files) { err << "synack check: " << files.error().message << "\n"; return kExitUsage; }
  std::size_t bad = 0;
  for (const auto& f : *files) {
    auto r = script::parse_file(f);
    if (r.ok()) {
      if (!parsed.has("quiet") && !parsed.has("q")) out << "ok    " << f << " (" << r.script->events.size() << " events)\n";
      continue;
    }
    ++bad;
    for (const auto& d : r.diagnostics) err << d.render() << "\n";
  }
  out << files->size() - bad << " of " << files->size() << " scripts parse\n";
  return bad ? kExitUsage : kExitPass;
}

int cmd_list(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto parsed = parse_args(args, {{"filter"}, {"requirements", false}, {"catalog"}, {"help", false}, {"h", false}});
  if (!parsed.error.empty()) return usage_error(err, "list", parsed.error);
  if (parsed.has("help") || parsed.has("h")) { out << kListHelp; return kExitPass; }
  if (parsed.positional.empty()) return usage_error(err, "list", "no paths given");
  auto files = run::collect_scripts(parsed.positional, parsed.get("filter").value_or(""));
  if (!files) { err << "synack list: " << files.error().message << "\n"; return kExitUsage; }
  int status = kExitPass;
  std::vector<std::pair<std::string, std::vector<std::string>>> tags;
  std::ostringstream listing;
  for (const auto& f : *files) {
    auto r = script::parse_file(f);
    if (!r.ok()) {
      err << r.diagnostics.front().render() << "\n";
      status = kExitUsage;
      continue;
    }
    const auto& m = r.script->metadata;
    tags.emplace_back(rel_path(f), m.requirements);
    listing << rel_path(f);
    if (!m.title.empty()) listing << "  -  " << m.title;
    listing << "\n";
    if (!m.requirements.empty()) {
      listing << "    requirements:";
      for (const auto& q : m.requirements) listing << " " << q;
      listing << "\n";
    }
    if (!m.targets.empty()) {
      listing << "    targets:";
      for (const auto& t : m.targets) listing << " " << t;
      listing << "\n";
    }
  }
  if (parsed.has("requirements")) {
    const std::string path = find_catalog(parsed);
    if (path.empty()) { err << "synack list: no rfc9293.toml beside the scripts; give --catalog FILE\n"; return kExitUsage; }
    auto cat = catalog::load_catalog(path);
    if (!cat) { err << "synack list: " << cat.error().message << "\n"; return kExitUsage; }
    const auto coverage = catalog::compute_coverage(*cat, tags);
    out << catalog::format_coverage_table(*cat, coverage);
    if (!coverage.unknown_ids.empty()) status = kExitUsage;
    return status;
  }
  out << listing.str() << files->size() << " scripts\n";
  return status;
}

namespace {

// Runs a command, or with `probe_only` only says whether it exists; nullopt: no such command.
std::optional<int> dispatch(const std::string& cmd, const std::vector<std::string>& args, std::ostream& out,
                            std::ostream& err, bool probe_only) {
  using Command = int (*)(const std::vector<std::string>&, std::ostream&, std::ostream&);
  static const std::map<std::string, Command> commands = {
      {"run", cmd_run},       {"check", cmd_check}, {"list", cmd_list},   {"report", cmd_report},
      {"fuzz", cmd_fuzz},     {"replay", cmd_replay}, {"diff", cmd_diff}, {"agent", cmd_agent},
      {"__run-one", cmd_run_one}};
  auto it = commands.find(cmd);
  if (it == commands.end()) return std::nullopt;
  if (probe_only) return kExitPass;
  return it->second(args, out, err);
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) { err << kMainHelp; return kExitUsage; }
  const std::string& cmd = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (cmd == "--help" || cmd == "-h") { out << kMainHelp; return kExitPass; }
  if (cmd == "--version" || cmd == "version") { out << kVersion << "\n"; return kExitPass; }
  if (cmd == "help") {
    if (rest.empty()) { out << kMainHelp; return kExitPass; }
    if (rest[0] == "help" || rest[0] == "__run-one" || !dispatch(rest[0], {}, out, err, true)) {
      err << "synack help: unknown command '" << rest[0] << "'\n";
      return kExitUsage;
    }
    return dispatch(rest[0], {"--help"}, out, err, false).value_or(kExitUsage);
  }
  if (auto status = dispatch(cmd, rest, out, err, false)) return *status;
  err << "synack: unknown command '" << cmd << "'\n\n" << kMainHelp;
  return kExitUsage;
}

}  // namespace synack::cli
