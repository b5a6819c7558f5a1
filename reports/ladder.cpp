#include "reports/ladder.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <vector>

#include "harness/net/format.h"
#include "reports/html_text.h"

namespace synack::reports {
namespace {

using run::TraceEntry;
using Kind = TraceEntry::Kind;

// Geometry, in SVG user units (CSS pixels at 100 %).
constexpr int kWidth = 960;
constexpr int kTimeX = 8;            // left edge of the time column
constexpr int kPeerX = 150;          // the peer's lifeline
constexpr int kStackX = 810;         // the stack's lifeline
constexpr int kHeaderHeight = 62;    // lifeline boxes
constexpr int kLineHeight = 14;      // one line of label text
constexpr std::size_t kLabelChars = 98;   // what fits between the lifelines at 11 px monospace
constexpr std::size_t kNoteChars = 92;    // notes sit left of the stack's lifeline
constexpr std::size_t kCaptionChars = 140;
constexpr double kCharWidth = 6.7;   // advance of one 11 px monospace character, roughly

constexpr const char* kFont = "ui-monospace,SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono',monospace";

// Colours (GitHub-like palette; readable on white and printable).
constexpr const char* kInjectedColour = "#0969da";
constexpr const char* kObservedColour = "#1a7f37";
constexpr const char* kMalformedColour = "#bc4c00";
constexpr const char* kMismatchColour = "#cf222e";
constexpr const char* kGhostColour = "#57606a";
constexpr const char* kCallColour = "#0550ae";
constexpr const char* kCommandColour = "#6e7781";
constexpr const char* kAssertColour = "#8250df";
constexpr const char* kMutedColour = "#6e7781";

bool is_segment(Kind kind) { return kind == Kind::Injected || kind == Kind::Observed || kind == Kind::Malformed; }

const char* kind_class(Kind kind) {
  switch (kind) {
    case Kind::Injected: return "injected";
    case Kind::Observed: return "observed";
    case Kind::Malformed: return "malformed";
    case Kind::CallStart: return "call";
    case Kind::CallReturn: return "return";
    case Kind::Command: return "command";
    case Kind::Assert: return "assert";
  }
  return "event";
}

std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// The label of a segment as one or two lines: tcpdump-style text is long mostly because of its
// options, so "options [...]" goes on a line of its own.
std::vector<std::string> segment_label_lines(const std::string& printable) {
  const std::string marker = ", options [";
  const auto pos = printable.find(marker);
  if (pos != std::string::npos) {
    const auto close = printable.find(']', pos + marker.size());
    if (close != std::string::npos) {
      return {clip_text(printable.substr(0, pos) + printable.substr(close + 1), kLabelChars),
              clip_text(printable.substr(pos + 2, close + 1 - (pos + 2)), kLabelChars)};
    }
  }
  return {clip_text(printable, kLabelChars)};
}

std::string entry_text(const TraceEntry& e) {
  if (!e.text.empty() || !e.segment) return e.text;
  return net::format_segment(*e.segment);  // absolute numbers, but better than nothing
}

// Which entries are drawn. Short traces: all. Long ones: a head, a tail, the first mismatch and
// windows around further mismatches while the budget lasts. Linear in the trace length.
std::vector<bool> entries_to_draw(const std::vector<TraceEntry>& entries, std::size_t max_rows) {
  const std::size_t n = entries.size();
  std::vector<bool> keep(n, n <= max_rows);
  if (n <= max_rows) return keep;
  const std::size_t head = max_rows * 2 / 5;
  const std::size_t tail = max_rows * 2 / 5;
  for (std::size_t i = 0; i < head; ++i) keep[i] = true;
  for (std::size_t i = n - tail; i < n; ++i) keep[i] = true;
  constexpr std::size_t kWindow = 3;  // entries before and after a mismatch
  std::size_t budget = max_rows - head - tail;
  bool first_mismatch = true;
  for (std::size_t i = 0; i < n; ++i) {
    if (entries[i].matched) continue;
    if (first_mismatch) {
      keep[i] = true;  // always, whatever the budget
      first_mismatch = false;
    }
    const std::size_t lo = i >= kWindow ? i - kWindow : 0;
    const std::size_t hi = std::min(n - 1, i + kWindow);
    for (std::size_t k = lo; k <= hi && budget > 0; ++k) {
      if (!keep[k]) {
        keep[k] = true;
        --budget;
      }
    }
    if (budget == 0) break;
  }
  return keep;
}

class LadderWriter {
 public:
  LadderWriter(const run::ScriptResult& script, const LadderOptions& options)
      : script_(script), options_(options) {}

  std::string render() {
    const auto& entries = script_.trace.entries;
    const std::vector<bool> keep = entries_to_draw(entries, options_.max_rows);
    std::optional<std::size_t> failing;
    for (std::size_t i = 0; i < entries.size() && !failing; ++i) {
      if (!entries[i].matched) failing = i;
    }
    const run::Failure* failure = script_.verdict.failure ? &*script_.verdict.failure : nullptr;
    const bool has_expected = failure != nullptr && !failure->expected.empty();

    y_ = kHeaderHeight + 10;
    if (entries.empty()) caption("no events recorded", kMutedColour, "empty");
    std::size_t omitted = 0;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (!keep[i]) {
        ++omitted;
        continue;
      }
      if (omitted > 0) gap(omitted);
      omitted = 0;
      const bool is_failing = failing && *failing == i;
      draw_entry(entries[i], is_failing && has_expected);
      if (is_failing && has_expected) draw_ghost(*failure, is_segment(entries[i].kind), entries[i].time, "expected: ");
    }
    if (omitted > 0) gap(omitted);
    if (!failing && has_expected) {
      // Nothing observed mismatched: the expected event never happened ("expected segment not sent").
      draw_ghost(*failure, failure->expected.rfind("Flags [", 0) == 0, failure->time, "expected, not observed: ");
    }
    lifelines_end_ = y_;
    if (failure != nullptr) {
      std::string text = "\u2717 ";
      if (failure->line > 0) text += "line " + std::to_string(failure->line) + ": ";
      text += failure->message.empty() ? std::string(run::status_name(script_.verdict.status)) : failure->message;
      caption(text, kMismatchColour, "failure");
    }
    return assemble();
  }

 private:
  // One entry of the trace as an arrow or a note.
  void draw_entry(const TraceEntry& e, bool with_ghost) {
    const std::string printable = printable_text(entry_text(e));
    const bool mismatch = !e.matched;
    std::string classes = std::string("event ") + kind_class(e.kind) + (mismatch ? " mismatch" : "");
    std::string title = printable;
    if (e.line > 0) title += "\nscript line " + std::to_string(e.line);
    title += "\nat " + format_seconds(e.time) + " s";
    if (e.scripted_time && *e.scripted_time != e.time) title += " (scripted " + format_seconds(*e.scripted_time) + " s)";
    open_group(classes, e.line, title);
    time_column(e.time, e.line);
    if (is_segment(e.kind)) {
      const char* colour = e.kind == Kind::Injected    ? kInjectedColour
                           : e.kind == Kind::Malformed ? kMalformedColour
                                                       : kObservedColour;
      if (mismatch) colour = kMismatchColour;
      std::vector<std::string> lines = segment_label_lines(printable);
      if (with_ghost) lines.front() = clip_text("observed: " + lines.front(), kLabelChars);
      const bool inbound = e.kind == Kind::Injected;
      arrow(inbound ? kPeerX : kStackX, inbound ? kStackX : kPeerX, lines, colour, false, mismatch);
    } else {
      const char* colour = e.kind == Kind::Command ? kCommandColour
                           : e.kind == Kind::Assert ? kAssertColour
                                                    : kCallColour;
      if (mismatch) colour = kMismatchColour;
      std::string text = printable;
      if (with_ghost) text = "observed: " + text;
      note(text, colour, false, mismatch);
    }
    body_ += "</g>\n";
  }

  void draw_ghost(const run::Failure& failure, bool as_segment, Micros time, const std::string& prefix) {
    const std::string expected = printable_text(failure.expected);
    open_group("event ghost expected", failure.line,
               "expected (script line " + std::to_string(failure.line) + "): " + expected);
    time_column(time, 0);
    if (as_segment) {
      std::vector<std::string> lines = segment_label_lines(expected);
      lines.front() = clip_text(prefix + lines.front(), kLabelChars);
      arrow(kStackX, kPeerX, lines, kGhostColour, true, false);
    } else {
      note(prefix + expected, kGhostColour, true, false);
    }
    body_ += "</g>\n";
  }

  void open_group(const std::string& classes, int line, const std::string& printable_title) {
    body_ += "<g class=\"" + classes + "\"";
    if (line > 0) body_ += " data-line=\"" + std::to_string(line) + "\"";
    body_ += "><title>" + escape_markup(printable_title) + "</title>";
  }

  void time_column(Micros time, int line) {
    body_ += "<text x=\"" + std::to_string(kTimeX) + "\" y=\"" + std::to_string(y_ + 12) +
             "\" font-size=\"10\" fill=\"#24292f\">" + escape_markup(format_seconds(time)) + "</text>";
    if (line > 0) {
      body_ += "<text x=\"" + std::to_string(kTimeX) + "\" y=\"" + std::to_string(y_ + 24) + "\" font-size=\"9\" fill=\"" +
               kMutedColour + "\">line " + std::to_string(line) + "</text>";
    }
  }

  // A slanted arrow with its label lines above it; advances y_.
  void arrow(int from_x, int to_x, const std::vector<std::string>& lines, const char* colour, bool dashed,
             bool bold) {
    const int mid_x = (kPeerX + kStackX) / 2;
    int y = y_ + 12;
    for (const std::string& line : lines) {
      body_ += "<text x=\"" + std::to_string(mid_x) + "\" y=\"" + std::to_string(y) +
               "\" text-anchor=\"middle\" font-size=\"11\" fill=\"" + colour + "\"" +
               (bold ? " font-weight=\"bold\"" : "") + (dashed ? " font-style=\"italic\"" : "") + ">" +
               escape_markup(line) + "</text>";
      y += kLineHeight;
    }
    const int y0 = y - 6;
    const int y1 = y0 + 12;
    body_ += "<line x1=\"" + std::to_string(from_x) + "\" y1=\"" + std::to_string(y0) + "\" x2=\"" + std::to_string(to_x) +
             "\" y2=\"" + std::to_string(y1) + "\" stroke=\"" + colour + "\" stroke-width=\"" + (bold ? "2.5" : "1.5") +
             "\"" + (dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>";
    // Arrowhead: a triangle at the tip, pointing along the line.
    const double dx = to_x - from_x, dy = y1 - y0;
    const double length = std::sqrt(dx * dx + dy * dy);
    const double ux = dx / length, uy = dy / length;
    const double bx = to_x - 10 * ux, by = y1 - 10 * uy;
    body_ += "<polygon points=\"" + std::to_string(to_x) + "," + std::to_string(y1) + " " + fixed1(bx - 4 * uy) + "," +
             fixed1(by + 4 * ux) + " " + fixed1(bx + 4 * uy) + "," + fixed1(by - 4 * ux) + "\" fill=\"" +
             (dashed ? "none" : colour) + "\" stroke=\"" + colour + "\"/>";
    y_ = y1 + 14;
  }

  // A note on the stack's lifeline: a dot on the line, the text in a box left of it.
  void note(const std::string& printable, const char* colour, bool dashed, bool bold) {
    const std::string text = clip_text(printable, kNoteChars);
    const int width = static_cast<int>(static_cast<double>(code_points(text)) * kCharWidth) + 12;
    const int right = kStackX - 10;
    body_ += "<rect x=\"" + std::to_string(right - width) + "\" y=\"" + std::to_string(y_ + 2) + "\" width=\"" +
             std::to_string(width) + "\" height=\"18\" rx=\"3\" fill=\"#f6f8fa\" stroke=\"" + colour + "\"" +
             (dashed ? " stroke-dasharray=\"4 3\"" : "") + (bold ? " stroke-width=\"2\"" : "") + "/>";
    body_ += "<circle cx=\"" + std::to_string(kStackX) + "\" cy=\"" + std::to_string(y_ + 11) + "\" r=\"4\" fill=\"" +
             colour + "\"/>";
    body_ += "<text x=\"" + std::to_string(right - 6) + "\" y=\"" + std::to_string(y_ + 15) +
             "\" text-anchor=\"end\" font-size=\"11\" fill=\"" + colour + "\"" + (bold ? " font-weight=\"bold\"" : "") +
             ">" + escape_markup(text) + "</text>";
    y_ += 30;
  }

  void gap(std::size_t omitted) {
    const std::string text = "\u22EF " + std::to_string(omitted) + " events not shown (trace has " +
                              std::to_string(script_.trace.entries.size()) + " entries) \u22EF";
    body_ += "<g class=\"gap\" data-omitted=\"" + std::to_string(omitted) + "\"><text x=\"" +
             std::to_string((kPeerX + kStackX) / 2) + "\" y=\"" + std::to_string(y_ + 14) +
             "\" text-anchor=\"middle\" font-size=\"11\" font-style=\"italic\" fill=\"" + kMutedColour + "\">" +
             escape_markup(text) + "</text></g>\n";
    y_ += 24;
  }

  void caption(const std::string& text, const char* colour, const char* cls) {
    body_ += "<g class=\"" + std::string(cls) + "\"><text x=\"" + std::to_string(kTimeX) + "\" y=\"" +
             std::to_string(y_ + 16) + "\" font-size=\"12\" fill=\"" + colour + "\">" +
             escape_markup(clip_text(printable_text(text), kCaptionChars)) + "</text></g>\n";
    y_ += 26;
  }

  void lifeline_box(int x, const std::string& title, const std::string& subtitle) {
    const int width = 190;
    body_head_ += "<rect x=\"" + std::to_string(x - width / 2) + "\" y=\"8\" width=\"" + std::to_string(width) +
                  "\" height=\"40\" rx=\"5\" fill=\"#f6f8fa\" stroke=\"#8c959f\"/>";
    body_head_ += "<text x=\"" + std::to_string(x) + "\" y=\"" + (subtitle.empty() ? "33" : "26") +
                  "\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"bold\" fill=\"#24292f\">" +
                  escape_markup(title) + "</text>";
    if (!subtitle.empty()) {
      body_head_ += "<text x=\"" + std::to_string(x) + "\" y=\"41\" text-anchor=\"middle\" font-size=\"10\" fill=\"" +
                    kMutedColour + "\">" + escape_markup(clip_text(printable_text(subtitle), 28)) + "</text>";
    }
  }

  std::string assemble() {
    const int height = y_ + 10;
    lifeline_box(kPeerX, "peer (synack)", "");
    lifeline_box(kStackX, "stack under test", script_.target);
    for (const int x : {kPeerX, kStackX}) {
      body_head_ += "<line x1=\"" + std::to_string(x) + "\" y1=\"48\" x2=\"" + std::to_string(x) + "\" y2=\"" +
                    std::to_string(lifelines_end_ + 4) + "\" stroke=\"#8c959f\" stroke-width=\"1.5\"/>";
    }
    body_head_ += "<text x=\"" + std::to_string(kTimeX) + "\" y=\"" + std::to_string(kHeaderHeight) +
                  "\" font-size=\"10\" fill=\"" + kMutedColour + "\">time (s)</text>\n";
    std::string svg = "<svg class=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(kWidth) +
                      "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(kWidth) + " " +
                      std::to_string(height) + "\" font-family=\"" + kFont + "\" role=\"img\" aria-label=\"" +
                      escape_markup("ladder diagram of " + script_.path) + "\" data-entries=\"" +
                      std::to_string(script_.trace.entries.size()) + "\">\n";
    svg.reserve(svg.size() + body_head_.size() + body_.size() + 8);
    svg += body_head_;
    svg += body_;
    svg += "</svg>";
    return svg;
  }

  const run::ScriptResult& script_;
  const LadderOptions& options_;
  std::string body_head_;  // lifelines: drawn first (beneath), but their length is known last
  std::string body_;
  int y_ = 0;  // top of the next row
  int lifelines_end_ = 0;  // the failure caption goes below the lifelines
};

}  // namespace

std::string ladder_svg(const run::ScriptResult& script, const LadderOptions& options) {
  return LadderWriter(script, options).render();
}

}  // namespace synack::reports
