// JUnit XML in the form CI systems read (Jenkins, GitLab, GitHub test reporters): one <testsuite>
// per run, one <testcase> per script. Written by hand: escaping is the only subtle part.
#include <cstdio>
#include <string>
#include <vector>

#include "reports/atomic_file.h"
#include "reports/reports.h"

namespace synack::reports {
namespace {

// Length of the well-formed UTF-8 sequence at s[i] whose code point XML 1.0 allows, or 0.
std::size_t legal_utf8_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return lead >= 0x20 || lead == '\t' || lead == '\n' || lead == '\r' ? 1 : 0;
  // The lead byte gives the sequence length and the top bits of the code point.
  std::size_t length = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
  } else {
    return 0;
  }
  char32_t code = lead & (0x7f >> length);
  if (i + length > s.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code = code << 6 | (byte(i + k) & 0x3f);
  }
  const char32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < min_for_length[length] || code > 0x10ffff) return 0;  // overlong or out of range
  if (code >= 0xd800 && code <= 0xdfff) return 0;                  // surrogates
  if (code == 0xfffe || code == 0xffff) return 0;                  // not XML characters
  return length;
}

// Escapes text for element content (attribute = false) or a double-quoted attribute value.
// Bytes XML 1.0 cannot carry at all (most C0 controls, invalid UTF-8) become visible "\xNN".
std::string xml_escape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = legal_utf8_length(text, i);
    if (length == 0) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(text[i]));
      out += buf;
      ++i;
      continue;
    }
    const char c = text[i];
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      // Parsers normalize raw CR (and, in attributes, TAB and LF) away; references survive.
      case '\r': out += "&#13;"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      default: out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

std::string seconds_text(double seconds) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6f", seconds >= 0 && seconds < 1e12 ? seconds : 0.0);
  return buf;
}

const char* kind_label(run::TraceEntry::Kind kind) {
  using Kind = run::TraceEntry::Kind;
  switch (kind) {
    case Kind::Injected: return "injected";
    case Kind::Observed: return "observed";
    case Kind::Malformed: return "malformed";
    case Kind::CallStart: return "call";
    case Kind::CallReturn: return "return";
    case Kind::Command: return "command";
    case Kind::Assert: return "assert";
  }
  return "?";
}

// One line per entry: "0.100000 observed  line 5: S. 0:0(0) ack 1 ... (unmatched)".
std::string trace_text(const run::Trace& trace) {
  std::string out;
  for (const auto& entry : trace.entries) {
    char head[64];
    std::snprintf(head, sizeof head, "%s %-9s", format_seconds(entry.time).c_str(), kind_label(entry.kind));
    out += head;
    if (entry.line > 0) out += " line " + std::to_string(entry.line) + ":";
    out += " " + entry.text;
    if (!entry.matched) out += "   <-- did not match";
    out += "\n";
  }
  return out;
}

// "scripts/handshake/syn.pkt" -> ("scripts.handshake", "syn.pkt"); empty path parts are dropped.
std::pair<std::string, std::string> split_script_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string part = path.substr(start, slash - start);
    if (!part.empty() && part != ".") parts.push_back(part);
    start = slash + 1;
  }
  if (parts.empty()) return {"", path};
  std::string dir;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) dir += (dir.empty() ? "" : ".") + parts[i];
  return {dir, parts.back()};
}

struct Counts {
  std::size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  double seconds = 0;
};

Counts count(const std::vector<run::ScriptResult>& scripts) {
  Counts c;
  for (const auto& script : scripts) {
    ++c.tests;
    c.seconds += script.verdict.wall_seconds;
    switch (script.verdict.status) {
      case run::Status::Fail: ++c.failures; break;
      case run::Status::Error: ++c.errors; break;
      case run::Status::Skipped:
      case run::Status::ExpectedDeviation: ++c.skipped; break;
      case run::Status::Pass: break;
    }
  }
  return c;
}

std::string count_attributes(const Counts& c, double seconds) {
  return "tests=\"" + std::to_string(c.tests) + "\" failures=\"" + std::to_string(c.failures) +
         "\" errors=\"" + std::to_string(c.errors) + "\" skipped=\"" + std::to_string(c.skipped) +
         "\" time=\"" + seconds_text(seconds) + "\"";
}

void write_testcase(std::string& out, const run::ScriptResult& script, const std::string& suite_target) {
  const run::Verdict& verdict = script.verdict;
  const std::string& target = script.target.empty() ? suite_target : script.target;
  auto [dir, name] = split_script_path(script.path);
  const std::string classname = dir.empty() ? target : target + "." + dir;
  out += "    <testcase classname=\"" + xml_escape(classname, true) + "\" name=\"" + xml_escape(name, true) +
         "\" time=\"" + seconds_text(verdict.wall_seconds) + "\"";

  std::string body;
  const std::string rendered = verdict.failure ? verdict.failure->render() : "";
  std::string trace = trace_text(script.trace);
  // Attempts that failed before the last one (--retries): stated first, so a flaky pass shows.
  std::string earlier;
  for (std::size_t i = 0; i < script.earlier_attempts.size(); ++i) {
    const run::Verdict& a = script.earlier_attempts[i];
    earlier += "attempt " + std::to_string(i + 1) + ": " + run::status_name(a.status) + "\n" +
               (a.failure ? a.failure->render() + "\n" : a.reason.empty() ? "" : a.reason + "\n");
  }
  if (!earlier.empty()) trace = earlier + "attempt " + std::to_string(script.earlier_attempts.size() + 1) + ":\n" + trace;
  switch (verdict.status) {
    case run::Status::Pass:
      if (!trace.empty()) body = "      <system-out>" + xml_escape(trace, false) + "</system-out>\n";
      break;
    case run::Status::Fail: {
      const std::string message = verdict.failure ? "line " + std::to_string(verdict.failure->line) +
                                                        ": " + verdict.failure->message
                                                  : verdict.reason;
      body = "      <failure message=\"" + xml_escape(message, true) + "\" type=\"fail\">" +
             xml_escape(rendered + (trace.empty() ? "" : "\ntrace:\n" + trace), false) + "</failure>\n";
      break;
    }
    case run::Status::Error: {
      const std::string message = !verdict.reason.empty() ? verdict.reason
                                  : verdict.failure       ? verdict.failure->message
                                                          : "error";
      const std::string details = verdict.reason + (verdict.reason.empty() ? "" : "\n") + rendered +
                                  (trace.empty() ? "" : "\ntrace:\n" + trace);
      body = "      <error message=\"" + xml_escape(message, true) + "\" type=\"error\">" +
             xml_escape(details, false) + "</error>\n";
      break;
    }
    case run::Status::Skipped:
      body = "      <skipped message=\"" + xml_escape(verdict.reason, true) + "\"/>\n";
      break;
    case run::Status::ExpectedDeviation:
      body = "      <skipped message=\"" + xml_escape("expected deviation: " + verdict.reason, true) + "\"/>\n";
      break;
  }
  if (body.empty()) {
    out += "/>\n";
  } else {
    out += ">\n" + body + "    </testcase>\n";
  }
}

}  // namespace

std::string to_junit(const run::RunResult& run) {
  const Counts counts = count(run.scripts);
  // The run's own wall time covers parallel jobs correctly; fall back to the sum of scripts.
  const double seconds = run.wall_seconds > 0 ? run.wall_seconds : counts.seconds;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"synack\" " + count_attributes(counts, seconds) + ">\n";
  out += "  <testsuite name=\"" + xml_escape("synack." + run.target, true) + "\" " +
         count_attributes(counts, seconds);
  if (!run.started_at.empty()) out += " timestamp=\"" + xml_escape(run.started_at, true) + "\"";
  out += ">\n";
  out += "    <properties>\n";
  auto property = [&](const std::string& name, const std::string& value) {
    out += "      <property name=\"" + xml_escape(name, true) + "\" value=\"" + xml_escape(value, true) + "\"/>\n";
  };
  property("target", run.target);
  property("target_version", run.target_version);
  property("profile", run.profile);
  property("interrupted", run.interrupted ? "true" : "false");
  for (const auto& [name, value] : run.options) property("option." + name, value);
  for (const auto& path : run.not_run) property("not_run", path);
  out += "    </properties>\n";
  for (const auto& script : run.scripts) write_testcase(out, script, run.target);
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

Result<void> write_junit(const run::RunResult& run, const std::string& path) {
  return write_file_atomically(path, to_junit(run));
}

}  // namespace synack::reports
