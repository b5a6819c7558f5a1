// Report writers. Every whole-file writer is atomic (write to a temporary file in the same
// directory, then rename), so a reader never sees half a report.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

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
// Each line is written with one write() and made durable (fdatasync) before append() returns, so
// a SIGKILL leaves every appended line intact. Destroying the sink without close() closes the
// file without an end record: that is how an interrupted run looks to read_json_lines.
// append() and close() may be called from several runner threads.
class JsonLinesSink {
 public:
  static Result<std::unique_ptr<JsonLinesSink>> open(const std::string& path, const run::RunResult& header);
  ~JsonLinesSink();
  JsonLinesSink(const JsonLinesSink&) = delete;
  JsonLinesSink& operator=(const JsonLinesSink&) = delete;
  void append(const run::ScriptResult& result);
  // Writes the end record, listing scripts that did not run (interrupted runs).
  void close(const run::RunResult& final_state);
  // The first write or sync failure of append()/close() ("<path>: cannot write: ..."), "" if none.
  std::string error() const;

 private:
  explicit JsonLinesSink(int fd);
  void write_line(const std::string& line);
  int fd_;
  bool closed_ = false;
  mutable std::mutex mutex_;  // one line at a time
  std::string path_;
  std::string error_;
};

// Rebuilds a RunResult from a JSON Lines file written by JsonLinesSink. A missing end record means
// the run was interrupted (interrupted = true, wall_seconds = 0); a truncated last line (no
// newline, not parseable) is ignored and described in `notes` if given. Errors name the file,
// the line number and the JSON path: "run.jsonl:3: trace[0].kind: ...".
Result<run::RunResult> read_json_lines(const std::string& path, std::vector<std::string>* notes = nullptr);

}  // namespace synack::reports
