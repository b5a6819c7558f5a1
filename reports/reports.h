// Report writers. Every whole-file writer is atomic (write to a temporary file in the same
// directory, then rename), so a reader never sees half a report.
#pragma once

#include <memory>
#include <string>

#include "harness/common/result.h"
#include "harness/run/result.h"

namespace synack::reports {

// The JSON results document (schema "synack-results", version 1; see reports/SCHEMA.md).
Result<void> write_json(const run::RunResult& run, const std::string& path);
std::string to_json(const run::RunResult& run);
// Reads a results document written by write_json back (for `synack report`).
Result<run::RunResult> read_json(const std::string& path);

// JUnit XML in the common CI form: one <testsuite> per run, one <testcase> per script;
// failures carry the message and the rendered failure + trace; skipped scripts <skipped/>.
Result<void> write_junit(const run::RunResult& run, const std::string& path);
std::string to_junit(const run::RunResult& run);

// JSON Lines, one object per finished script, appended and flushed the moment each finishes,
// so an interrupted run leaves every finished result on disk. The first line is a header
// object (target, options, started_at); a final line {"type":"end", ...} is written by close().
class JsonLinesSink {
 public:
  static Result<std::unique_ptr<JsonLinesSink>> open(const std::string& path, const run::RunResult& header);
  ~JsonLinesSink();
  void append(const run::ScriptResult& result);
  // Writes the end record, listing scripts that did not run (interrupted runs).
  void close(const run::RunResult& final_state);

 private:
  explicit JsonLinesSink(int fd);
  int fd_;
  bool closed_ = false;
};

}  // namespace synack::reports
