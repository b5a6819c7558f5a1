// Differential comparison of runs of the same scripts on several targets: per script, the verdict
// on each target, and whether the segments the stacks sent differ (compared by their tcpdump-style
// text, which has relative sequence numbers, so differing ISNs do not count as a difference).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "harness/run/result.h"

namespace synack::reports {

struct ScriptComparison {
  std::string path;  // as in the runs, without a leading "./"
  std::string title;
  // Per run, in the order of CompareResult::targets: the verdict, or nullopt if that run has no
  // result for the script.
  std::vector<std::optional<run::Status>> statuses;
  bool verdicts_differ = false;
  // Observed segments are compared between the runs that ran the script (not skipped, present).
  bool observed_differ = false;
  std::size_t first_difference = 0;  // index into the observed segments, when observed_differ
  // Per run: the observed segment at first_difference, "(none)" when that run sent fewer, "" when
  // the run is not part of the comparison. Empty unless observed_differ.
  std::vector<std::string> first_difference_text;

  bool differs() const { return verdicts_differ || observed_differ; }
};

struct CompareResult {
  std::vector<std::string> targets;        // one per run, in the order given
  std::vector<ScriptComparison> scripts;   // every script of any run, in order of first appearance
  std::size_t differing() const;           // scripts whose verdicts or observed segments differ
};

CompareResult compare_runs(const std::vector<run::RunResult>& runs);

// Text for a terminal: the matrix of statuses, then every differing script with what differs.
std::string format_compare(const CompareResult& result);

// The same as an HTML <section id="comparison"> for the HTML report (the classes are styled by the
// report's stylesheet). With `link_to_scripts`, statuses link to the scripts' sections of the
// report (html.h script_anchor).
std::string compare_html_section(const CompareResult& result, bool link_to_scripts = false);

}  // namespace synack::reports
