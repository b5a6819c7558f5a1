#include "harness/run/trace_diff.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace synack::run {
namespace {

// Splits `text` at `separator` where it is not inside brackets: "a [b, c], d" -> {"a [b, c]", "d"}.
std::vector<std::string> split_top_level(const std::string& text, const std::string& separator) {
  std::vector<std::string> parts;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '[') ++depth;
    else if (text[i] == ']') depth = std::max(0, depth - 1);
    else if (depth == 0 && text.compare(i, separator.size(), separator) == 0) {
      parts.push_back(text.substr(start, i - start));
      start = i + separator.size();
      i = start - 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// "[S.]" -> "S."; "options [a,b]" -> "a,b".
std::string inside_brackets(const std::string& s) {
  const auto open = s.find('['), close = s.rfind(']');
  return open == std::string::npos || close == std::string::npos || close < open ? s : s.substr(open + 1, close - open - 1);
}

// The trace text of a segment is net::format_segment of its relative view:
// "Flags [S.], seq 0, ack 1, win 65535, options [mss 1460,TS val 5 ecr 0], length 0".
void parse_segment_text(Step& step) {
  for (const std::string& field : split_top_level(step.text, ", ")) {
    if (starts_with(field, "Flags ")) step.flags = inside_brackets(field);
    else if (starts_with(field, "seq ")) step.seq = field.substr(4);
    else if (starts_with(field, "ack ")) step.ack = field.substr(4);
    else if (starts_with(field, "win ")) step.window = field.substr(4);
    else if (starts_with(field, "urg ")) step.urgent = field.substr(4);
    else if (starts_with(field, "length ")) step.length = field.substr(7);
    else if (starts_with(field, "options [")) {
      for (std::string option : split_top_level(inside_brackets(field), ",")) {
        // Timestamp values are the stack's clock: only their presence is compared.
        if (starts_with(option, "TS val ")) option = "TS";
        step.options.push_back(option);
      }
    } else {
      step.extras += (step.extras.empty() ? "" : ", ") + field;
    }
  }
}

// Options as compared outside strict mode: which kinds are present, not their order, padding or
// values (a window scale of 7 and one of 9 are both right).
std::vector<std::string> option_kinds(const std::vector<std::string>& options) {
  std::vector<std::string> kinds;
  for (const auto& o : options) {
    if (o == "nop" || o == "eol") continue;
    kinds.push_back(o.substr(0, o.find(' ')));
  }
  std::sort(kinds.begin(), kinds.end());
  return kinds;
}

// Descriptor numbers are the target's to choose (the executor maps the script's): a socket() or
// accept() that succeeded is compared as "= FD".
std::string normalize_call_text(const std::string& text) {
  for (const char* name : {"socket() = ", "accept() = ", "accept4() = "}) {
    if (!starts_with(text, name)) continue;
    const std::size_t at = std::string(name).size();
    std::size_t end = at;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end > at) return text.substr(0, at) + "FD" + text.substr(end);
  }
  return text;
}

bool timing_differs(Micros interval_a, Micros interval_b, const DiffOptions& options) {
  const Micros larger = std::max(interval_a, interval_b);
  const auto tolerance = std::max<Micros>(options.timing_tolerance_usecs,
                                          static_cast<Micros>(static_cast<double>(larger) * options.timing_tolerance_percent / 100.0));
  return std::llabs(interval_a - interval_b) > tolerance;
}

std::vector<DiffClass> compare_steps(const Step& a, const Step& b, Micros interval_a, Micros interval_b,
                                     const DiffOptions& options) {
  std::vector<DiffClass> classes;
  if (a.kind != b.kind) return {DiffClass::Kind};
  if (a.kind == Step::Kind::CallReturn || a.kind == Step::Kind::Malformed) {
    if (a.text != b.text) classes.push_back(DiffClass::Call);
  } else {
    if (a.flags != b.flags) classes.push_back(DiffClass::Flags);
    if (a.seq != b.seq) classes.push_back(DiffClass::Seq);
    if (a.ack != b.ack) classes.push_back(DiffClass::Ack);
    if (a.length != b.length) classes.push_back(DiffClass::Length);
    if (a.urgent != b.urgent) classes.push_back(DiffClass::Urgent);
    if (a.extras != b.extras) classes.push_back(DiffClass::Extras);
    if (options.strict ? a.options != b.options : option_kinds(a.options) != option_kinds(b.options))
      classes.push_back(DiffClass::Options);
    if (options.strict && a.window != b.window) classes.push_back(DiffClass::Window);
  }
  if (options.timing && timing_differs(interval_a, interval_b, options)) classes.push_back(DiffClass::Timing);
  return classes;
}

std::string step_label(const Step& s) {
  switch (s.kind) {
    case Step::Kind::Segment: return "segment";
    case Step::Kind::Malformed: return "malformed";
    case Step::Kind::CallReturn: return "call";
  }
  return "?";
}

}  // namespace

const char* diff_class_name(DiffClass c) {
  switch (c) {
    case DiffClass::Missing: return "missing";
    case DiffClass::Kind: return "kind";
    case DiffClass::Flags: return "flags";
    case DiffClass::Seq: return "seq";
    case DiffClass::Ack: return "ack";
    case DiffClass::Length: return "length";
    case DiffClass::Urgent: return "urgent";
    case DiffClass::Window: return "window";
    case DiffClass::Options: return "options";
    case DiffClass::Extras: return "extras";
    case DiffClass::Call: return "call";
    case DiffClass::Timing: return "timing";
  }
  return "?";
}

std::vector<Step> steps_of(const Trace& trace) {
  std::vector<Step> steps;
  Micros last_stimulus = 0, last_segment = 0;
  std::size_t stimuli = 0;
  for (const TraceEntry& e : trace.entries) {
    Step s;
    s.since_segment = last_segment;
    if (e.kind == TraceEntry::Kind::Injected || e.kind == TraceEntry::Kind::Observed) last_segment = e.time;
    switch (e.kind) {
      case TraceEntry::Kind::Observed: s.kind = Step::Kind::Segment; break;
      case TraceEntry::Kind::Malformed: s.kind = Step::Kind::Malformed; break;
      case TraceEntry::Kind::CallReturn: s.kind = Step::Kind::CallReturn; break;
      case TraceEntry::Kind::Injected:
      case TraceEntry::Kind::CallStart:
      case TraceEntry::Kind::Command:
        last_stimulus = e.time;
        ++stimuli;
        continue;
      default: continue;
    }
    s.time = e.time;
    s.since = last_stimulus;
    s.after = stimuli;
    s.line = e.line;
    s.text = e.text;
    if (s.kind == Step::Kind::Segment) parse_segment_text(s);
    if (s.kind == Step::Kind::CallReturn) s.text = normalize_call_text(s.text);
    steps.push_back(std::move(s));
  }
  return steps;
}

std::string Divergence::summary() const {
  std::string what;
  for (DiffClass c : classes) what += (what.empty() ? "" : ", ") + std::string(diff_class_name(c));
  const int line = a ? a->line : b ? b->line : 0;
  return what + (classes.size() == 1 && classes[0] == DiffClass::Missing ? "" : " differ") +
         (line > 0 ? " at line " + std::to_string(line) : " at step " + std::to_string(index + 1));
}

std::optional<Divergence> first_divergence(const Trace& trace_a, const Trace& trace_b, const DiffOptions& options) {
  const std::vector<Step> a = steps_of(trace_a), b = steps_of(trace_b);
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    Divergence d;
    d.index = i;
    if (i < a.size()) d.a = a[i];
    if (i < b.size()) d.b = b[i];
    if (!d.a || !d.b) {
      d.classes = {DiffClass::Missing};
      return d;
    }
    // Each step is timed from the script's last action before it. When the two came after
    // different actions (one stack answered at once, the other only after the script's next
    // segment), both are timed from the earlier action: an ACK at 0.1 and one after a segment
    // injected at 0.2 are 100 ms apart, not both "at once".
    const Micros base_a = a[i].after == b[i].after ? a[i].since : std::min(a[i].since, b[i].since);
    const Micros base_b = a[i].after == b[i].after ? b[i].since : base_a;
    const Micros interval_a = a[i].time - base_a, interval_b = b[i].time - base_b;
    d.classes = compare_steps(a[i], b[i], interval_a, interval_b, options);
    // A late timer on one side (a real clock: Linux's timer wheel fires up to an eighth of the
    // timeout late, then on a tick): the later step may be late by that share of the time since
    // its trace's previous segment plus two ticks, when that is more than the tolerance.
    if (d.classes == std::vector<DiffClass>{DiffClass::Timing}) {
      const Step& later = interval_a > interval_b ? a[i] : b[i];
      const Micros timer = std::max<Micros>(later.time - later.since_segment, 0);
      DiffOptions widened = options;
      widened.timing_tolerance_usecs = std::max<Micros>(
          options.timing_tolerance_usecs, static_cast<Micros>(options.timer_slack_percent / 100.0 * static_cast<double>(timer)) +
                                                 options.timer_slack_usecs);
      if (!timing_differs(interval_a, interval_b, widened)) d.classes.clear();
    }
    if (!d.classes.empty()) return d;
  }
  return std::nullopt;
}

bool beyond_a_stopped_run(const Divergence& d, const ScriptResult& a, const ScriptResult& b) {
  if (d.classes != std::vector<DiffClass>{DiffClass::Missing}) return false;
  // One run failing where the other passes is a divergence in itself.
  if (a.verdict.status == Status::Pass || b.verdict.status == Status::Pass) return false;
  const auto stopped_before = [](const ScriptResult& ended, const std::optional<Step>& other) {
    return other && ended.verdict.status != Status::Pass && other->time > ended.verdict.script_time;
  };
  return (!d.a && stopped_before(a, d.b)) || (!d.b && stopped_before(b, d.a));
}

namespace {

// "segment S." / "call read" / "end": what a step is, without its numbers.
std::string step_shape(const std::optional<Step>& s) {
  if (!s) return "end";
  if (s->kind == Step::Kind::CallReturn) return "call " + s->text.substr(0, s->text.find('('));
  if (s->kind == Step::Kind::Segment) return "segment " + s->flags;
  return step_label(*s);
}

// An injected segment by what it is for the state machine, not by its exact flags: one difference
// reached with SF. and SFU. segments is one divergence.
std::string segment_class(const Step& s, const std::string& text) {
  if (s.flags.empty()) return text.substr(0, text.find(' '));  // "icmp ..."
  const auto has = [&](char c) { return s.flags.find(c) != std::string::npos; };
  if (has('R')) return "RST";
  if (has('S')) return has('.') ? "SYN-ACK" : "SYN";
  if (has('F')) return "FIN";
  if (s.length != "0" && !s.length.empty()) return "data";
  return has('.') ? "ACK" : "no-ACK";
}

}  // namespace

std::string divergence_key(const Divergence& d) {
  std::string key;
  for (DiffClass c : d.classes) key += (key.empty() ? "" : "+") + std::string(diff_class_name(c));
  return key + ": " + step_shape(d.a) + " / " + step_shape(d.b);
}

std::string divergence_context(const Trace& baseline, const Divergence& d) {
  std::string context = "at start";
  std::size_t steps = 0;
  for (const TraceEntry& e : baseline.entries) {
    const bool is_step = e.kind == TraceEntry::Kind::Observed || e.kind == TraceEntry::Kind::Malformed ||
                         e.kind == TraceEntry::Kind::CallReturn;
    if (is_step && steps++ == d.index) break;
    if (e.kind == TraceEntry::Kind::Injected) {
      Step s;
      s.text = e.text;
      parse_segment_text(s);
      context = "after < " + segment_class(s, e.text);
    } else if (e.kind == TraceEntry::Kind::CallStart) {
      context = "after " + e.text.substr(0, e.text.find('(')) + "()";
    }
  }
  return context;
}

}  // namespace synack::run
