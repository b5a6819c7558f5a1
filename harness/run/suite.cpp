#include "harness/run/suite.h"

#include <fnmatch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "harness/run/probe.h"
#include "harness/script/parser.h"

namespace synack::run {

namespace fs = std::filesystem;

Result<std::vector<std::string>> collect_scripts(const std::vector<std::string>& paths, const std::string& filter) {
  std::vector<std::string> out;
  auto keep = [&](const std::string& relative) {
    return filter.empty() || fnmatch(filter.c_str(), relative.c_str(), 0) == 0;
  };
  for (const auto& p : paths) {
    std::error_code ec;
    const auto status = fs::status(p, ec);
    if (ec || !fs::exists(status)) return make_error(p + ": no such file or directory");
    if (fs::is_directory(status)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file() || it->path().extension() != ".pkt") continue;
        if (keep(fs::relative(it->path(), p).string())) found.push_back(it->path().string());
      }
      if (ec) return make_error(p + ": " + ec.message());
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (keep(fs::path(p).filename().string()) || keep(p)) {
      out.push_back(p);
    }
  }
  return out;
}

ScriptResult run_script_file(const std::string& path, const SuiteOptions& options) {
  const auto wall_start = std::chrono::steady_clock::now();
  ScriptResult r;
  r.path = path;
  r.target = options.target_name;
  auto finish = [&](Status status, std::string reason) {
    r.verdict.status = status;
    r.verdict.reason = std::move(reason);
    r.verdict.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    return r;
  };
  script::ParseResult parsed = script::parse_file(path);
  if (!parsed.ok()) {
    const auto& d = parsed.diagnostics.front();
    Failure f;
    f.line = d.loc.line;
    f.column = d.loc.column;
    f.message = d.message;
    f.script_line = d.line_text;
    r.verdict.failure = f;
    return finish(Status::Error, d.render());
  }
  const script::Script& s = *parsed.script;
  r.metadata = s.metadata;
  const auto& allowed = s.metadata.targets;
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), options.target_name) == allowed.end()) {
    std::string list;
    for (const auto& t : allowed) list += (list.empty() ? "" : ", ") + t;
    return finish(Status::Skipped, "the script is meant for: " + list);
  }
  auto net = network_for(s, options.exec);
  if (!net) return finish(Status::Error, net.error().message);
  try {
    ScriptResult done;
    {
      auto target = options.make_target(*net);
      if (!target) return finish(Status::Error, target.error().message);
      done = execute(s, **target, options.exec);
    }
    // A probe (probe.h) runs after the script's events have passed, on a target of its own. The
    // script's target is gone by now: the kernel target's TUN device name is free again.
    if (!s.metadata.probe.empty() && done.verdict.status == Status::Pass) {
      auto target = options.make_target(*net);
      ProbeResult probe = target ? run_probe(s.metadata, **target, *net, options.exec)
                                 : ProbeResult{Status::Error, "probe " + s.metadata.probe + ": " + target.error().message, {}};
      merge_probe_result(done, s.metadata, probe);
      done.verdict.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    }
    done.path = path;
    done.target = options.target_name;
    return done;
  } catch (const std::exception& e) {
    return finish(Status::Error, std::string("internal error: ") + e.what());
  }
}

RunResult run_suite(const std::vector<std::string>& files, const SuiteOptions& options) {
  const auto wall_start = std::chrono::steady_clock::now();
  RunResult run;
  run.target = options.target_name;
  std::vector<std::optional<ScriptResult>> results(files.size());
  std::mutex mu;
  std::size_t next = 0, done = 0;
  auto worker = [&] {
    for (;;) {
      std::size_t i;
      {
        std::lock_guard lock(mu);
        if (next >= files.size() || (options.interrupted && options.interrupted->load())) return;
        i = next++;
      }
      auto run_once = [&] { return options.run_one ? options.run_one(files[i]) : run_script_file(files[i], options); };
      ScriptResult r = run_once();
      for (int attempt = 0; attempt < options.retries && options.retry_if && options.retry_if(r); ++attempt) {
        if (options.interrupted && options.interrupted->load()) break;
        std::vector<Verdict> earlier = std::move(r.earlier_attempts);
        earlier.push_back(std::move(r.verdict));
        r = run_once();
        r.earlier_attempts = std::move(earlier);
      }
      std::lock_guard lock(mu);
      ++done;
      if (options.on_result) options.on_result(r, done, files.size());
      results[i] = std::move(r);
    }
  };
  const int jobs = std::clamp(options.jobs, 1, 256);
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs && static_cast<std::size_t>(j) < files.size(); ++j) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (results[i]) run.scripts.push_back(std::move(*results[i]));
    else run.not_run.push_back(files[i]);
  }
  run.interrupted = !run.not_run.empty();
  run.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return run;
}

}  // namespace synack::run
