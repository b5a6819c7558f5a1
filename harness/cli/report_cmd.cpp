#include "harness/cli/report_cmd.h"

#include <filesystem>
#include <fstream>

#include "harness/catalog/catalog.h"
#include "harness/cli/cli.h"
#include "harness/cli/options.h"
#include "reports/compare.h"
#include "reports/markdown.h"
#include "reports/pcap_export.h"
#include "reports/reports.h"

namespace synack::cli {

namespace fs = std::filesystem;

std::string pcap_relative_path(const run::ScriptResult& script) {
  return "pcaps/" + reports::pcap_file_name(script.path);
}

Result<void> write_script_pcap(const std::string& dir, const std::string& started_at, const run::ScriptResult& script) {
  if (reports::pcap_packet_count(script) == 0) return {};
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "pcaps", ec);
  const std::int64_t base = reports::parse_started_at(started_at).value_or(0);
  return reports::write_pcap(script, (fs::path(dir) / pcap_relative_path(script)).string(), base);
}

reports::HtmlOptions html_options(const std::string& catalog_path, bool with_pcaps, std::ostream& err) {
  reports::HtmlOptions o;
  o.generator = "synack 0.1.0";
  if (!catalog_path.empty() && fs::exists(catalog_path)) {
    auto cat = catalog::load_catalog(catalog_path);
    if (!cat) {
      err << "synack: requirement matrix left out: " << cat.error().message << "\n";
    } else {
      for (const auto& r : cat->requirements)
        o.requirements.push_back({r.id, catalog::level_name(r.level), r.section, r.summary,
                                  r.observable != catalog::Observability::None});
    }
  }
  if (with_pcaps) {
    o.pcap_link = [](const run::RunResult&, const run::ScriptResult& s) {
      return reports::pcap_packet_count(s) ? pcap_relative_path(s) : std::string();
    };
  }
  return o;
}

Result<void> write_report_files(const std::string& dir, const run::RunResult& run, const std::string& catalog_path,
                                std::ostream& err) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error(dir + ": " + ec.message());
  const fs::path d(dir);
  if (auto r = reports::write_json(run, (d / "results.json").string()); !r) return r;
  if (auto r = reports::write_junit(run, (d / "junit.xml").string()); !r) return r;
  if (auto r = reports::write_html({run}, html_options(catalog_path, true, err), (d / "index.html").string()); !r) return r;
  std::ofstream md(d / "summary.md");
  md << reports::to_markdown({run});
  if (!md) return make_error((d / "summary.md").string() + ": cannot write");
  return {};
}

Result<run::RunResult> read_results(const std::string& path) {
  if (fs::path(path).extension() == ".jsonl") return reports::read_json_lines(path);
  return reports::read_json(path);
}

namespace {

constexpr const char* kReportHelp = R"(usage: synack report RESULTS... [options]

Renders saved results (results.json, or a results.jsonl stream, also of an interrupted run)
again, or compares runs of several targets.

options:
  --html FILE       self-contained HTML report (requirement matrix, ladder diagrams)
  --markdown FILE   Markdown summary for CI comments ('-' for standard output)
  --junit FILE      JUnit XML (one RESULTS file only)
  --compare         print the differential matrix between the runs given (two or more); exit
                    status 1 when any script's verdict or observed segments differ
  --catalog FILE    requirement catalog for the HTML matrix (default: scripts/rfc9293.toml)
With no output option, the Markdown summary is printed.
)";

}  // namespace

int cmd_report(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto parsed = parse_args(args, {{"html"}, {"markdown"}, {"junit"}, {"compare", false}, {"catalog"},
                                        {"help", false}, {"h", false}});
  auto usage = [&](const std::string& msg) {
    err << "synack report: " << msg << "\nRun 'synack report --help' for usage.\n";
    return kExitUsage;
  };
  if (!parsed.error.empty()) return usage(parsed.error);
  if (parsed.has("help") || parsed.has("h")) { out << kReportHelp; return kExitPass; }
  if (parsed.positional.empty()) return usage("no results given");
  std::vector<run::RunResult> runs;
  for (const auto& p : parsed.positional) {
    auto r = read_results(p);
    if (!r) { err << "synack report: " << r.error().message << "\n"; return kExitUsage; }
    runs.push_back(std::move(*r));
  }
  int status = kExitPass;
  if (auto f = parsed.get("html")) {
    reports::HtmlOptions o = html_options(parsed.get("catalog").value_or("scripts/rfc9293.toml"), false, err);
    if (auto w = reports::write_html(runs, o, *f); !w) { err << "synack report: " << w.error().message << "\n"; return kExitUsage; }
    out << "wrote HTML report to " << *f << "\n";
  }
  if (auto f = parsed.get("junit")) {
    if (runs.size() != 1) return usage("--junit takes exactly one RESULTS file");
    if (auto w = reports::write_junit(runs[0], *f); !w) { err << "synack report: " << w.error().message << "\n"; return kExitUsage; }
    out << "wrote JUnit XML to " << *f << "\n";
  }
  if (auto f = parsed.get("markdown")) {
    const std::string md = reports::to_markdown(runs);
    if (*f == "-") {
      out << md;
    } else {
      std::ofstream o(*f);
      o << md;
      if (!o) { err << "synack report: " << *f << ": cannot write\n"; return kExitUsage; }
      out << "wrote Markdown summary to " << *f << "\n";
    }
  }
  if (parsed.has("compare")) {
    if (runs.size() < 2) return usage("--compare needs results of two or more runs");
    const auto cmp = reports::compare_runs(runs);
    out << reports::format_compare(cmp);
    if (cmp.differing() > 0) status = kExitFail;
  }
  if (!parsed.has("html") && !parsed.has("junit") && !parsed.has("markdown") && !parsed.has("compare"))
    out << reports::to_markdown(runs);
  return status;
}

}  // namespace synack::cli
