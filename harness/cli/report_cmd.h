// Report output of the CLI: the `--report DIR` bundle of `synack run` (index.html, results.json,
// results.jsonl, junit.xml, summary.md, pcaps/) and the `synack report` subcommand that renders
// saved results again or compares runs of several targets.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "harness/common/result.h"
#include "harness/run/result.h"
#include "reports/html.h"

namespace synack::cli {

// "pcaps/handshake__passive_open.pcap": where a script's capture sits inside a report directory.
std::string pcap_relative_path(const run::ScriptResult& script);

// Writes one script's capture into DIR/pcaps/ (called the moment the script finishes).
Result<void> write_script_pcap(const std::string& dir, const std::string& started_at, const run::ScriptResult& script);

// HTML options with the requirement rows of the catalog at `catalog_path` ("" or missing file:
// no matrix rows, with a note on `err`), and pcap links when `with_pcaps`.
reports::HtmlOptions html_options(const std::string& catalog_path, bool with_pcaps, std::ostream& err);

// Writes results.json, junit.xml, index.html and summary.md into DIR (each atomically).
Result<void> write_report_files(const std::string& dir, const run::RunResult& run, const std::string& catalog_path,
                                std::ostream& err);

// Reads a results document (.json) or a JSON Lines stream (.jsonl).
Result<run::RunResult> read_results(const std::string& path);

int cmd_report(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace synack::cli
