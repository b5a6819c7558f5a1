#include "reports/compare.h"

#include <algorithm>
#include <functional>
#include <map>
#include <sstream>

#include "reports/html.h"
#include "reports/html_text.h"

namespace synack::reports {
namespace {

using Kind = run::TraceEntry::Kind;

std::string normalized_path(const std::string& path) {
  std::string p = path;
  while (p.rfind("./", 0) == 0) p.erase(0, 2);
  return p;
}

std::vector<std::string> observed_texts(const run::ScriptResult& script) {
  std::vector<std::string> texts;
  for (const auto& e : script.trace.entries) {
    if (e.kind == Kind::Observed || e.kind == Kind::Malformed) texts.push_back(e.text);
  }
  return texts;
}

// Compares the observed segments of the runs that ran the script; fills the difference fields.
void compare_observed(const std::vector<const run::ScriptResult*>& results, ScriptComparison& out) {
  std::vector<std::optional<std::vector<std::string>>> observed(results.size());
  std::size_t participants = 0;
  std::size_t longest = 0;
  for (std::size_t r = 0; r < results.size(); ++r) {
    if (results[r] == nullptr || results[r]->verdict.status == run::Status::Skipped) continue;
    observed[r] = observed_texts(*results[r]);
    longest = std::max(longest, observed[r]->size());
    ++participants;
  }
  if (participants < 2) return;
  for (std::size_t i = 0; i < longest; ++i) {
    const std::string* first = nullptr;
    bool same = true;
    for (const auto& texts : observed) {
      if (!texts) continue;
      const std::string* text = i < texts->size() ? &(*texts)[i] : nullptr;
      if (first == nullptr && text == nullptr) {
        same = false;  // the first participant already ended: any other one that has i differs
        break;
      }
      if (first == nullptr) {
        first = text;
      } else if (text == nullptr || *text != *first) {
        same = false;
        break;
      }
    }
    if (same) continue;
    out.observed_differ = true;
    out.first_difference = i;
    for (const auto& texts : observed) {
      if (!texts) {
        out.first_difference_text.emplace_back();
      } else {
        out.first_difference_text.push_back(i < texts->size() ? (*texts)[i] : "(none)");
      }
    }
    return;
  }
}

std::string status_text(const std::optional<run::Status>& status) {
  return status ? run::status_name(*status) : "-";
}

std::string pad(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

std::string observed_summary(const ScriptComparison& s) {
  if (s.observed_differ) return "differ at #" + std::to_string(s.first_difference + 1);
  std::size_t ran = 0;
  for (const auto& st : s.statuses) ran += (st && *st != run::Status::Skipped) ? 1 : 0;
  return ran >= 2 ? "same" : "-";
}

}  // namespace

std::size_t CompareResult::differing() const {
  return static_cast<std::size_t>(
      std::count_if(scripts.begin(), scripts.end(), [](const ScriptComparison& s) { return s.differs(); }));
}

CompareResult compare_runs(const std::vector<run::RunResult>& runs) {
  CompareResult result;
  std::vector<std::string> order;
  std::map<std::string, std::vector<const run::ScriptResult*>> by_path;
  // Runs of one target under different profiles are told apart by their profile.
  auto label = [&](const run::RunResult& run) {
    const bool shared = std::count_if(runs.begin(), runs.end(), [&](const run::RunResult& o) {
                          return o.target == run.target;
                        }) > 1;
    return shared && !run.profile.empty() ? run.target + "/" + run.profile : run.target;
  };
  for (std::size_t r = 0; r < runs.size(); ++r) {
    result.targets.push_back(label(runs[r]));
    for (const auto& script : runs[r].scripts) {
      const std::string path = normalized_path(script.path);
      auto [it, inserted] = by_path.try_emplace(path, runs.size(), nullptr);
      if (inserted) order.push_back(path);
      if (it->second[r] == nullptr) it->second[r] = &script;  // a script listed twice: the first counts
    }
  }
  for (const std::string& path : order) {
    const auto& results = by_path[path];
    ScriptComparison c;
    c.path = path;
    for (const auto* s : results) {
      c.statuses.push_back(s ? std::optional<run::Status>(s->verdict.status) : std::nullopt);
      if (s && c.title.empty()) c.title = s->metadata.title;
    }
    c.verdicts_differ = std::adjacent_find(c.statuses.begin(), c.statuses.end(),
                                           std::not_equal_to<>()) != c.statuses.end();
    compare_observed(results, c);
    result.scripts.push_back(std::move(c));
  }
  return result;
}

std::string format_compare(const CompareResult& result) {
  std::ostringstream out;
  out << "Differential comparison of " << result.targets.size() << " target"
      << (result.targets.size() == 1 ? "" : "s") << ":";
  for (std::size_t r = 0; r < result.targets.size(); ++r) out << (r ? ", " : " ") << result.targets[r];
  out << "\n";
  std::size_t path_width = 6;  // "script"
  for (const auto& s : result.scripts) path_width = std::max(path_width, s.path.size());
  std::vector<std::size_t> widths;
  for (const auto& t : result.targets) widths.push_back(std::max<std::size_t>(t.size(), 18));  // "expected-deviation"
  out << pad("script", path_width);
  for (std::size_t r = 0; r < result.targets.size(); ++r) out << "  " << pad(result.targets[r], widths[r]);
  out << "  observed\n";
  for (const auto& s : result.scripts) {
    out << pad(s.path, path_width);
    for (std::size_t r = 0; r < s.statuses.size(); ++r) out << "  " << pad(status_text(s.statuses[r]), widths[r]);
    out << "  " << observed_summary(s) << (s.differs() ? "  *" : "") << "\n";
  }
  out << result.differing() << " of " << result.scripts.size() << " scripts differ.\n";
  for (const auto& s : result.scripts) {
    if (!s.differs()) continue;
    out << "\n" << s.path << "\n";
    if (s.verdicts_differ) {
      out << "  verdicts:";
      for (std::size_t r = 0; r < s.statuses.size(); ++r)
        out << (r ? ", " : " ") << result.targets[r] << " " << status_text(s.statuses[r]);
      out << "\n";
    }
    if (s.observed_differ) {
      out << "  observed segments differ at #" << s.first_difference + 1 << ":\n";
      std::size_t name_width = 0;
      for (const auto& t : result.targets) name_width = std::max(name_width, t.size());
      for (std::size_t r = 0; r < s.first_difference_text.size(); ++r) {
        if (s.first_difference_text[r].empty()) continue;
        out << "    " << pad(result.targets[r] + ":", name_width + 1) << " " << s.first_difference_text[r] << "\n";
      }
    }
  }
  return out.str();
}

std::string compare_html_section(const CompareResult& result, bool link_to_scripts) {
  std::ostringstream out;
  out << "<section id=\"comparison\">\n<h2>Differential comparison</h2>\n";
  out << "<p>" << result.differing() << " of " << result.scripts.size()
      << " scripts differ between targets in their verdict or in the segments the stacks sent "
         "(compared by their text with relative sequence numbers; skipped runs are not compared).</p>\n";
  out << "<div class=\"table-wrap\"><table class=\"compare\">\n<thead><tr><th>script</th>";
  for (const auto& t : result.targets) out << "<th>" << escape_markup(t) << "</th>";
  out << "<th>observed segments</th></tr></thead>\n<tbody>\n";
  for (const auto& s : result.scripts) {
    out << "<tr data-differs=\"" << (s.differs() ? "true" : "false") << "\"" << (s.differs() ? " class=\"differs\"" : "")
        << "><td class=\"path\">" << escape_markup(s.path) << "</td>";
    for (std::size_t r = 0; r < s.statuses.size(); ++r) {
      const std::string status = status_text(s.statuses[r]);
      if (!s.statuses[r]) {
        out << "<td class=\"cell none\">not run</td>";
        continue;
      }
      out << "<td class=\"cell " << status << "\">";
      if (link_to_scripts) {
        out << "<a href=\"#" << escape_markup(script_anchor(result.targets[r], s.path)) << "\">" << status << "</a>";
      } else {
        out << status;
      }
      out << "</td>";
    }
    out << "<td>";
    if (s.observed_differ) {
      out << "<details><summary>differ at #" << s.first_difference + 1 << "</summary><dl class=\"diff\">";
      for (std::size_t r = 0; r < s.first_difference_text.size(); ++r) {
        if (s.first_difference_text[r].empty()) continue;
        out << "<dt>" << escape_markup(result.targets[r]) << "</dt><dd><code>"
            << escape_markup(s.first_difference_text[r]) << "</code></dd>";
      }
      out << "</dl></details>";
    } else {
      out << observed_summary(s);
    }
    out << "</td></tr>\n";
  }
  out << "</tbody></table></div>\n</section>\n";
  return out.str();
}

}  // namespace synack::reports
