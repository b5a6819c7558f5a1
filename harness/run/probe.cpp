#include "harness/run/probe.h"

#include <chrono>
#include <cstdio>

#include "harness/run/probe_isn.h"

namespace synack::run {

namespace {

std::string probe_line(const script::Metadata& m) {
  std::string out = "// probe: " + m.probe;
  for (const auto& [name, value] : m.probe_params) out += " " + name + "=" + value;
  return out;
}

ProbeResult run_isn(const script::Metadata& metadata, targets::Target& target, const targets::Network& net,
                    const ExecOptions& options) {
  ProbeResult out;
  auto params = isn_params(metadata.probe_params);
  if (!params) return {Status::Error, params.error().message, {}};
  const auto wall_start = std::chrono::steady_clock::now();
  const Micros target_start = target.now();
  auto collected = collect_isn_samples(target, net, options, *params);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (!collected) return {Status::Error, collected.error().message, {}};
  if (!collected->stack_failure.empty()) return {Status::Fail, collected->stack_failure, {}};
  const IsnAnalysis analysis = analyze_isn(collected->samples);
  char head[200];
  std::snprintf(head, sizeof head, "probe isn: %zu connections in %.3f s of target time, %.3f s wall time",
                collected->samples.size(), static_cast<double>(target.now() - target_start) / 1e6, wall);
  out.lines.push_back(head);
  for (auto& line : analysis.lines()) out.lines.push_back(std::move(line));
  if (!analysis.ok()) {
    out.status = Status::Fail;
    out.message = analysis.failure();
  }
  return out;
}

}  // namespace

ProbeResult run_probe(const script::Metadata& metadata, targets::Target& target, const targets::Network& net,
                      const ExecOptions& options) {
  if (metadata.probe == "isn") return run_isn(metadata, target, net, options);
  return {Status::Error, "unknown probe '" + metadata.probe + "'", {}};
}

void merge_probe_result(ScriptResult& result, const script::Metadata& metadata, const ProbeResult& probe) {
  // The probe ran on a target of its own, with a clock of its own: its entries go after the
  // script's last one.
  const Micros at = result.trace.entries.empty() ? result.verdict.script_time : result.trace.entries.back().time;
  auto add = [&](std::string text, bool matched) {
    TraceEntry e;
    e.kind = TraceEntry::Kind::Assert;
    e.time = at;
    e.line = metadata.probe_loc.line;
    e.text = std::move(text);
    e.matched = matched;
    result.trace.entries.push_back(std::move(e));
  };
  for (const auto& line : probe.lines) add(line, true);
  if (probe.status == Status::Pass) return;
  add("probe " + metadata.probe + ": " + probe.message, false);
  if (result.verdict.status != Status::Pass) return;  // the script's own failure comes first
  result.verdict.status = probe.status;
  if (probe.status == Status::Error) {
    result.verdict.reason = probe.message;
    return;
  }
  Failure f;
  f.line = metadata.probe_loc.line;
  f.column = metadata.probe_loc.column;
  f.script_line = probe_line(metadata);
  f.message = probe.message;
  f.time = at;
  result.verdict.failure = f;
}

}  // namespace synack::run
