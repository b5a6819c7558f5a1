// The requirement matrix: RFC 9293 requirement x target.
#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <sstream>

#include "reports/html_parts.h"
#include "reports/html_text.h"

namespace synack::reports::html {
namespace {

using run::Status;

// What the scripts claiming a requirement say about it on one target. The order is the
// precedence of the rule stated in the legend (first match wins).
enum class Cell { Fail, Error, Deviation, Pass, Skipped, NotCovered };
constexpr std::array kCells = {Cell::Fail, Cell::Error, Cell::Deviation, Cell::Pass, Cell::Skipped, Cell::NotCovered};

const char* cell_class(Cell c) {
  switch (c) {
    case Cell::Fail: return "fail";
    case Cell::Error: return "error";
    case Cell::Deviation: return "expected-deviation";
    case Cell::Pass: return "pass";
    case Cell::Skipped: return "skipped";
    case Cell::NotCovered: return "not-covered";
  }
  return "not-covered";
}

const char* cell_label(Cell c) {
  switch (c) {
    case Cell::Fail: return "fail";
    case Cell::Error: return "error";
    case Cell::Deviation: return "deviation";
    case Cell::Pass: return "pass";
    case Cell::Skipped: return "skipped";
    case Cell::NotCovered: return "not covered";
  }
  return "";
}

Cell judge(const std::vector<const run::ScriptResult*>& scripts) {
  if (scripts.empty()) return Cell::NotCovered;
  const auto any = [&](Status s) {
    return std::any_of(scripts.begin(), scripts.end(), [&](const run::ScriptResult* r) { return r->verdict.status == s; });
  };
  if (any(Status::Fail)) return Cell::Fail;
  if (any(Status::Error)) return Cell::Error;
  if (any(Status::ExpectedDeviation)) return Cell::Deviation;
  if (any(Status::Pass)) return Cell::Pass;
  return Cell::Skipped;
}

struct Row {
  RequirementRow requirement;
  bool known = true;  // listed in the catalog given
};

// Catalog rows, testable first; then IDs that scripts claim but the catalog does not list.
std::vector<Row> matrix_rows(const std::vector<run::RunResult>& runs, const HtmlOptions& options) {
  std::vector<Row> rows;
  std::set<std::string> listed;
  for (const bool testable : {true, false}) {
    for (const auto& r : options.requirements) {
      if (r.testable != testable) continue;
      rows.push_back({r, true});
      listed.insert(r.id);
    }
  }
  std::set<std::string> unknown;
  for (const auto& run : runs) {
    for (const auto& s : run.scripts) {
      for (const auto& id : s.metadata.requirements) {
        if (!listed.count(id)) unknown.insert(id);
      }
    }
  }
  for (const auto& id : unknown) {
    RequirementRow r;
    r.id = id;
    r.level = id.substr(0, id.find('-'));
    r.summary = options.requirements.empty() ? "" : "(not in the requirement catalog)";
    rows.push_back({r, false});
  }
  return rows;
}

}  // namespace

std::string requirement_matrix_section(const std::vector<run::RunResult>& runs, const HtmlOptions& options) {
  // requirement ID -> per run, the scripts that claim it
  std::map<std::string, std::vector<std::vector<const run::ScriptResult*>>> claims;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    for (const auto& s : runs[r].scripts) {
      for (const auto& id : s.metadata.requirements) {
        auto& per_run = claims[id];
        per_run.resize(runs.size());
        if (std::find(per_run[r].begin(), per_run[r].end(), &s) == per_run[r].end()) per_run[r].push_back(&s);
      }
    }
  }
  const std::vector<Row> rows = matrix_rows(runs, options);

  // Per target, how many rows fall in each cell class.
  std::vector<std::map<Cell, std::size_t>> tally(runs.size());
  std::ostringstream body;
  static const std::vector<const run::ScriptResult*> kNone;
  for (const Row& row : rows) {
    const auto found = claims.find(row.requirement.id);
    const bool covered = found != claims.end();
    std::string classes = row.requirement.testable ? "" : "untestable";
    if (!row.known) classes += classes.empty() ? "unknown" : " unknown";
    body << "<tr id=\"req-" << escape_markup(id_fragment(row.requirement.id)) << "\" data-covered=\""
         << (covered ? "true" : "false") << "\"" << (classes.empty() ? "" : " class=\"" + classes + "\"") << ">";
    body << "<td class=\"mono\">" << escape_markup(row.requirement.id) << "</td><td><span class=\"level\">"
         << escape_markup(row.requirement.level) << "</span></td><td class=\"mono\">"
         << escape_markup(row.requirement.section) << "</td><td class=\"summary\">" << escape_markup(row.requirement.summary);
    if (!row.requirement.testable) body << " <em>(not testable from outside the stack)</em>";
    body << "</td>";
    for (std::size_t r = 0; r < runs.size(); ++r) {
      const auto& scripts = covered ? found->second[r] : kNone;
      const Cell cell = judge(scripts);
      ++tally[r][cell];
      body << "<td class=\"cell " << cell_class(cell) << "\" data-state=\"" << cell_class(cell) << "\"";
      if (scripts.empty()) {
        body << ">" << (row.requirement.testable ? cell_label(cell) : "n/a") << "</td>";
        continue;
      }
      std::string names;
      for (const auto* s : scripts) names += (names.empty() ? "" : "\n") + s->path + ": " + run::status_name(s->verdict.status);
      body << " title=\"" << escape_markup(names) << "\"><a href=\"#"
           << escape_markup(script_anchor(runs[r].target, scripts.front()->path)) << "\">" << cell_label(cell) << "</a>";
      if (scripts.size() > 1) body << " <small>(" << scripts.size() << ")</small>";
      body << "</td>";
    }
    body << "</tr>\n";
  }

  std::ostringstream out;
  out << "<section id=\"requirement-matrix\">\n<h2>Requirement matrix</h2>\n";
  out << "<p class=\"legend\">One row per RFC 9293 requirement (testable ones first), one column per target. "
         "A cell judges the scripts tagged with the requirement on that target, first match wins: "
         "<b>fail</b> if any of them failed; <b>error</b> if any broke the harness or target; "
         "<b>deviation</b> if any is a known, expected deviation of that target; <b>pass</b> if every one "
         "that ran passed; <b>skipped</b> if all were skipped; <b>not covered</b> if no script claims the "
         "requirement. The number in brackets is how many scripts claim it; the cell links to the first.</p>\n";
  if (rows.empty()) {
    out << "<p>No requirements: no catalog was given and no script claims a requirement.</p>\n</section>\n";
    return out.str();
  }
  // Totals per target.
  out << "<div class=\"table-wrap\"><table class=\"matrix-totals\"><thead><tr><th>target</th>";
  for (const Cell c : kCells) out << "<th class=\"num\">" << cell_label(c) << "</th>";
  out << "</tr></thead><tbody>\n";
  for (std::size_t r = 0; r < runs.size(); ++r) {
    out << "<tr><td>" << escape_markup(runs[r].target) << "</td>";
    for (const Cell c : kCells) out << "<td class=\"num\">" << tally[r][c] << "</td>";
    out << "</tr>\n";
  }
  out << "</tbody></table></div>\n";
  out << "<p hidden><label><input type=\"checkbox\" id=\"covered-only\"> show covered requirements only</label></p>\n";
  out << "<div class=\"table-wrap\"><table class=\"matrix\">\n<thead><tr><th>requirement</th><th>level</th>"
         "<th>section</th><th>summary</th>";
  for (const auto& run : runs) out << "<th>" << escape_markup(run.target) << "</th>";
  out << "</tr></thead>\n<tbody>\n" << body.str() << "</tbody></table></div>\n</section>\n";
  return out.str();
}

}  // namespace synack::reports::html
