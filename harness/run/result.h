// What a run produces: per script a Trace (every event with its time) and a Verdict; per suite a
// RunResult. Report writers (reports/) read only these types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/common/time.h"
#include "harness/net/segment.h"
#include "harness/script/ast.h"

namespace synack::run {

struct TraceEntry {
  enum class Kind {
    Injected,    // '<' segment written to the stack
    Observed,    // segment the stack sent (matched, or the mismatching one)
    Malformed,   // bytes from the stack that did not decode
    CallStart,   // syscall issued
    CallReturn,  // syscall returned
    Command,     // backtick command run
    Assert,      // %{ }% evaluated
  };
  Kind kind = Kind::Injected;
  Micros time = 0;              // script time when it happened
  std::optional<Micros> scripted_time;  // when the script said it should happen, if it did
  int line = 0;                 // script line of the event, 0 if none (unexpected segment)
  // Segments: as on the wire (absolute numbers) and as the script sees them (relative numbers).
  std::vector<std::uint8_t> wire;
  std::optional<net::Segment> segment;
  std::string text;             // human-readable: tcpdump-style relative segment, or call + result
  bool matched = true;          // false for the entry that made the script fail
};

struct Trace {
  std::vector<TraceEntry> entries;
};

enum class Status { Pass, Fail, Skipped, Error, ExpectedDeviation };
const char* status_name(Status s);  // "pass", "fail", "skipped", "error", "expected-deviation"

struct Failure {
  int line = 0;
  int column = 0;
  std::string script_line;   // the source text of the failing event
  std::string message;       // "expected segment not sent", "flags differ", "timing: 0.2 s late"
  std::string expected;      // tcpdump-style expected segment (relative), or expected call result
  std::string actual;        // tcpdump-style actual segment (relative), or actual call result
  Micros time = 0;           // script time of the failure
  std::string render() const;  // multi-line text with expected/actual side by side
};

struct Verdict {
  Status status = Status::Pass;
  std::optional<Failure> failure;  // Fail/Error (Error: the harness or target broke, not the stack)
  std::string reason;              // Skipped/ExpectedDeviation: why; Error: what broke
  Micros script_time = 0;          // protocol time the script covered
  double wall_seconds = 0;
};

struct ScriptResult {
  std::string path;
  script::Metadata metadata;
  std::string target;
  Verdict verdict;
  Trace trace;                          // of the last attempt
  std::vector<Verdict> earlier_attempts;  // failed attempts before the last (--retries), oldest first
  bool flaky() const { return verdict.status == Status::Pass && !earlier_attempts.empty(); }
};

struct RunResult {
  std::string target;
  std::string target_version;  // stack version / profile
  std::string profile;
  std::vector<std::pair<std::string, std::string>> options;  // effective options, for the report
  std::string started_at;      // ISO 8601 UTC
  double wall_seconds = 0;
  std::vector<ScriptResult> scripts;
  std::vector<std::string> not_run;  // scripts an interrupted run did not get to
  bool interrupted = false;
};

}  // namespace synack::run
