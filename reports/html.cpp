#include "reports/html.h"

#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "reports/atomic_file.h"
#include "reports/compare.h"
#include "reports/html_parts.h"
#include "reports/html_text.h"
#include "reports/ladder.h"

namespace synack::reports {
namespace {

using run::Status;

constexpr Status kStatuses[] = {Status::Pass, Status::Fail, Status::Error, Status::ExpectedDeviation,
                                Status::Skipped};

struct Counts {
  std::size_t by_status[5] = {};
  std::size_t total = 0;
  Micros script_time = 0;
  std::size_t of(Status s) const { return by_status[static_cast<int>(s)]; }
};

Counts count(const run::RunResult& run) {
  Counts c;
  for (const auto& s : run.scripts) {
    ++c.by_status[static_cast<int>(s.verdict.status)];
    ++c.total;
    if (s.verdict.script_time > 0) c.script_time += s.verdict.script_time;
  }
  return c;
}

std::string percent(std::size_t part, std::size_t whole) {
  if (whole == 0) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

std::string status_label(Status s) { return s == Status::ExpectedDeviation ? "expected deviation" : run::status_name(s); }

std::string badge(Status s) {
  return std::string("<span class=\"badge ") + html::status_class(s) + "\">" + status_label(s) + "</span>";
}

std::string script_title(const run::ScriptResult& s) {
  if (!s.metadata.title.empty()) return s.metadata.title;
  const auto slash = s.path.rfind('/');
  return slash == std::string::npos ? s.path : s.path.substr(slash + 1);
}

// The summary bar: one coloured span per status, widths in proportion.
std::string status_bar(const Counts& c) {
  std::string out = "<div class=\"bar\" role=\"img\" aria-label=\"share of scripts per status\">";
  for (const Status s : kStatuses) {
    if (c.of(s) == 0) continue;
    char width[32];
    std::snprintf(width, sizeof width, "%.2f%%", 100.0 * static_cast<double>(c.of(s)) / static_cast<double>(c.total));
    out += std::string("<span class=\"") + html::status_class(s) + "\" style=\"width:" + width + "\" title=\"" +
           status_label(s) + ": " + std::to_string(c.of(s)) + "\"></span>";
  }
  return out + "</div>";
}

class HtmlWriter {
 public:
  HtmlWriter(const std::vector<run::RunResult>& runs, const HtmlOptions& options) : runs_(runs), options_(options) {}

  std::string render() {
    // Anchors in document order, so a repeated (target, path) pair numbers its copies top-down.
    for (const auto& run : runs_) {
      for (const auto& s : run.scripts) anchor_of(run, s);
    }
    out_ << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         << "<title>" << escape_markup(options_.title) << "</title>\n<style>" << html::stylesheet() << "</style>\n"
         << "</head>\n<body>\n<main>\n";
    header();
    summary();
    out_ << html::requirement_matrix_section(runs_, options_);
    if (runs_.size() >= 2) out_ << compare_html_section(compare_runs(runs_), true);
    scripts();
    out_ << "<footer>";
    if (!options_.generator.empty()) out_ << escape_markup(options_.generator) << ". ";
    out_ << "Times: “script time” is protocol time the scripts covered (virtual on the reference target); "
            "“wall time” is how long they took. Ladder diagrams space events by order, not by time.</footer>\n";
    out_ << "</main>\n<script>" << html::script() << "</script>\n</body>\n</html>\n";
    return out_.str();
  }

 private:
  void header() {
    out_ << "<header>\n<h1>" << escape_markup(options_.title) << "</h1>\n<p class=\"subtitle\">";
    if (runs_.empty()) {
      out_ << "No runs.";
    } else {
      out_ << runs_.size() << (runs_.size() == 1 ? " target: " : " targets: ");
      for (std::size_t r = 0; r < runs_.size(); ++r) out_ << (r ? ", " : "") << escape_markup(runs_[r].target);
    }
    out_ << "</p>\n<nav class=\"toc\"><a href=\"#summary\">Summary</a><a href=\"#requirement-matrix\">Requirement "
            "matrix</a>";
    if (runs_.size() >= 2) out_ << "<a href=\"#comparison\">Differential comparison</a>";
    out_ << "<a href=\"#scripts\">Scripts</a></nav>\n</header>\n";
  }

  void summary() {
    out_ << "<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"table-wrap\"><table class=\"summary\">\n"
         << "<thead><tr><th>target</th><th class=\"num\">scripts</th>";
    for (const Status s : kStatuses) out_ << "<th class=\"num\">" << status_label(s) << "</th>";
    out_ << "<th class=\"num\">pass rate</th><th class=\"num\">wall time</th>"
            "<th class=\"num\">script time</th><th>started</th><th>version / profile</th></tr></thead>\n<tbody>\n";
    for (const auto& run : runs_) {
      const Counts c = count(run);
      out_ << "<tr data-target=\"" << escape_markup(run.target) << "\"><td><b>" << escape_markup(run.target)
           << "</b></td><td class=\"num\">" << c.total << "</td>";
      for (const Status s : kStatuses) {
        out_ << "<td class=\"num\" data-status=\"" << html::status_class(s) << "\">" << c.of(s) << "</td>";
      }
      out_ << "<td class=\"num\">" << percent(c.of(Status::Pass), c.total - c.of(Status::Skipped))
           << (c.total ? status_bar(c) : "") << "</td><td class=\"num\">" << html::duration_text(run.wall_seconds)
           << "</td><td class=\"num\">" << escape_markup(format_seconds(c.script_time)) << " s</td><td class=\"nowrap\">"
           << escape_markup(run.started_at) << "</td><td>" << escape_markup(run.target_version);
      if (!run.profile.empty()) out_ << " <span class=\"level\">" << escape_markup(run.profile) << "</span>";
      out_ << "</td></tr>\n";
    }
    out_ << "</tbody></table></div>\n<p class=\"legend\">Pass rate: passed scripts ÷ scripts that ran (skipped "
            "ones excluded); expected deviations are counted apart, not as passes.</p>\n";
    for (const auto& run : runs_) {
      if (run.interrupted || !run.not_run.empty()) {
        out_ << "<div class=\"warning\"><b>" << escape_markup(run.target) << ": the run was interrupted.</b> "
             << run.not_run.size() << " script" << (run.not_run.size() == 1 ? "" : "s") << " did not run";
        if (!run.not_run.empty()) {
          out_ << ":<ul>";
          for (const auto& p : run.not_run) out_ << "<li><code>" << escape_markup(p) << "</code></li>";
          out_ << "</ul>";
        }
        out_ << "</div>\n";
      }
      if (!run.options.empty()) {
        out_ << "<details class=\"options\"><summary>Options of the " << escape_markup(run.target)
             << " run</summary><table><tbody>";
        for (const auto& [name, value] : run.options) {
          out_ << "<tr><td class=\"mono\">" << escape_markup(name) << "</td><td class=\"mono\">" << escape_markup(value)
               << "</td></tr>";
        }
        out_ << "</tbody></table></details>\n";
      }
    }
    failure_list();
    out_ << "</section>\n";
  }

  // Quick links to every failing script.
  void failure_list() {
    std::ostringstream items;
    std::size_t n = 0;
    for (const auto& run : runs_) {
      for (const auto& s : run.scripts) {
        if (s.verdict.status != Status::Fail && s.verdict.status != Status::Error) continue;
        ++n;
        items << "<li>" << badge(s.verdict.status) << " <a href=\"#" << escape_markup(anchor_of(run, s)) << "\">"
              << escape_markup(s.path) << "</a>";
        if (runs_.size() > 1) items << " on " << escape_markup(run.target);
        const std::string message = s.verdict.failure ? s.verdict.failure->message : s.verdict.reason;
        if (!message.empty()) items << " — " << escape_markup(clip_text(printable_text(message), 200));
        items << "</li>\n";
      }
    }
    if (n == 0) return;
    out_ << "<h3>Failures (" << n << ")</h3>\n<ul class=\"failure-list\">\n" << items.str() << "</ul>\n";
  }

  void scripts() {
    out_ << "<section id=\"scripts\">\n<h2>Scripts</h2>\n";
    out_ << "<div id=\"filters\" hidden><span>Show:</span>";
    for (const Status s : kStatuses) {
      out_ << "<label><input type=\"checkbox\" checked data-status=\"" << html::status_class(s) << "\"> "
           << status_label(s) << "</label>";
    }
    out_ << "<button type=\"button\" id=\"expand-all\">expand all</button>"
            "<button type=\"button\" id=\"collapse-all\">collapse all</button></div>\n";
    for (const auto& run : runs_) {
      out_ << "<h3>" << escape_markup(run.target) << " (" << run.scripts.size() << " script"
           << (run.scripts.size() == 1 ? "" : "s") << ")</h3>\n";
      for (const auto& s : run.scripts) script_section(run, s);
    }
    out_ << "</section>\n";
  }

  // Anchors are unique in the document: a repeated (target, path) pair gets "-2", "-3", ...
  std::string anchor_of(const run::RunResult& run, const run::ScriptResult& s) {
    auto [it, inserted] = anchors_.try_emplace(&s, std::string());
    if (!inserted) return it->second;
    std::string id = script_anchor(run.target, s.path);
    for (int k = 2; used_anchors_.count(id); ++k) id = script_anchor(run.target, s.path) + "-" + std::to_string(k);
    used_anchors_.insert(id);
    it->second = id;
    return id;
  }

  void script_section(const run::RunResult& run, const run::ScriptResult& s) {
    const Status status = s.verdict.status;
    const bool open = status == Status::Fail || status == Status::Error;
    out_ << "<details class=\"script\" id=\"" << escape_markup(anchor_of(run, s)) << "\" data-status=\""
         << html::status_class(status) << "\" data-target=\"" << escape_markup(run.target) << "\""
         << (open ? " open" : "") << ">\n<summary>" << badge(status) << "<span class=\"title\">"
         << escape_markup(script_title(s)) << "</span><code class=\"path\">" << escape_markup(s.path) << "</code>";
    if (!s.metadata.requirements.empty()) {
      out_ << "<span class=\"reqs\">";
      for (std::size_t i = 0; i < s.metadata.requirements.size(); ++i)
        out_ << (i ? " " : "") << escape_markup(s.metadata.requirements[i]);
      out_ << "</span>";
    }
    out_ << "</summary>\n<div class=\"script-body\">\n<dl class=\"meta\">";
    out_ << "<dt>path</dt><dd><code>" << escape_markup(s.path) << "</code></dd>";
    out_ << "<dt>target</dt><dd>" << escape_markup(s.target.empty() ? run.target : s.target) << "</dd>";
    if (!s.metadata.requirements.empty()) {
      out_ << "<dt>requirements</dt><dd>";
      for (std::size_t i = 0; i < s.metadata.requirements.size(); ++i) {
        const std::string& id = s.metadata.requirements[i];
        out_ << (i ? ", " : "") << "<a href=\"#req-" << escape_markup(id_fragment(id)) << "\">" << escape_markup(id)
             << "</a>";
      }
      out_ << "</dd>";
    }
    if (!s.metadata.rfc_refs.empty()) {
      out_ << "<dt>RFC</dt><dd>";
      for (std::size_t i = 0; i < s.metadata.rfc_refs.size(); ++i)
        out_ << (i ? "; " : "") << "RFC " << escape_markup(s.metadata.rfc_refs[i]);
      out_ << "</dd>";
    }
    out_ << "<dt>script time</dt><dd>" << escape_markup(format_seconds(s.verdict.script_time)) << " s</dd>";
    out_ << "<dt>wall time</dt><dd>" << html::duration_text(s.verdict.wall_seconds) << "</dd>";
    out_ << "<dt>trace</dt><dd>" << s.trace.entries.size() << " entr" << (s.trace.entries.size() == 1 ? "y" : "ies")
         << "</dd>";
    if (options_.pcap_link) {
      const std::string link = options_.pcap_link(run, s);
      if (!link.empty()) {
        out_ << "<dt>capture</dt><dd><a class=\"pcap\" href=\"" << escape_markup(link) << "\">"
             << escape_markup(link) << "</a></dd>";
      }
    }
    out_ << "</dl>\n";
    if (!s.verdict.reason.empty()) {
      out_ << "<div class=\"reason\"><b>" << status_label(status) << ":</b> " << escape_markup(s.verdict.reason)
           << "</div>\n";
    }
    if (s.verdict.failure) failure_block(*s.verdict.failure);
    // Attempts that failed before the last one (--retries on a real-clock target).
    for (std::size_t i = 0; i < s.earlier_attempts.size(); ++i) {
      const run::Verdict& a = s.earlier_attempts[i];
      out_ << "<div class=\"reason\"><b>" << (s.flaky() ? "flaky, " : "") << "attempt " << i + 1 << " of "
           << s.earlier_attempts.size() + 1 << ": " << status_label(a.status) << "</b> "
           << escape_markup(a.failure ? "line " + std::to_string(a.failure->line) + ": " + a.failure->message : a.reason)
           << "</div>\n";
    }
    std::string svg = ladder_svg(s, options_.ladder);
    // Inline SVG in HTML needs no namespace declaration; dropping it keeps the page free of URLs.
    const std::string xmlns = " xmlns=\"http://www.w3.org/2000/svg\"";
    if (const auto pos = svg.find(xmlns); pos != std::string::npos) svg.erase(pos, xmlns.size());
    out_ << "<div class=\"ladder-wrap\">" << svg << "</div>\n</div>\n</details>\n";
  }

  void failure_block(const run::Failure& f) {
    out_ << "<div class=\"failure\"><p class=\"failure-message\">";
    if (f.line > 0) {
      out_ << "line " << f.line;
      if (f.column > 0) out_ << ":" << f.column;
      out_ << " at " << escape_markup(format_seconds(f.time)) << " s: ";
    }
    out_ << escape_markup(f.message.empty() ? "failed" : f.message) << "</p>\n";
    if (!f.script_line.empty()) out_ << "<pre class=\"script-line\">" << escape_markup(f.script_line) << "</pre>\n";
    if (!f.expected.empty() || !f.actual.empty()) {
      out_ << "<div class=\"expected-actual\"><div class=\"expected\"><h4>expected</h4><pre>"
           << escape_markup(f.expected.empty() ? "(nothing)" : f.expected)
           << "</pre></div><div class=\"actual\"><h4>actual</h4><pre>"
           << escape_markup(f.actual.empty() ? "(nothing)" : f.actual) << "</pre></div></div>\n";
    }
    out_ << "</div>\n";
  }

  const std::vector<run::RunResult>& runs_;
  const HtmlOptions& options_;
  std::ostringstream out_;
  std::map<const run::ScriptResult*, std::string> anchors_;
  std::set<std::string> used_anchors_;
};

}  // namespace

namespace html {

std::string duration_text(double seconds) {
  char buf[48];
  if (seconds < 0.001) {
    std::snprintf(buf, sizeof buf, "%.0f µs", seconds * 1e6);
  } else if (seconds < 1) {
    std::snprintf(buf, sizeof buf, "%.1f ms", seconds * 1e3);
  } else if (seconds < 120) {
    std::snprintf(buf, sizeof buf, "%.2f s", seconds);
  } else {
    const auto whole = static_cast<long long>(seconds);
    std::snprintf(buf, sizeof buf, "%lld min %lld s", whole / 60, whole % 60);
  }
  return buf;
}

const char* status_class(run::Status status) { return run::status_name(status); }

}  // namespace html

std::string script_anchor(const std::string& target, const std::string& path) {
  std::string p = path;
  while (p.rfind("./", 0) == 0) p.erase(0, 2);
  return "script-" + id_fragment(target) + "--" + id_fragment(p);
}

std::string to_html(const std::vector<run::RunResult>& runs, const HtmlOptions& options) {
  return HtmlWriter(runs, options).render();
}

Result<void> write_html(const std::vector<run::RunResult>& runs, const HtmlOptions& options, const std::string& path) {
  return write_file_atomically(path, to_html(runs, options));
}

}  // namespace synack::reports
