#include "harness/cli/expected.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

namespace synack::cli {
namespace {

std::string at(const std::string& source, const toml::source_region& r) {
  return source + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
}

}  // namespace

Result<ExpectedDeviations> parse_expected(std::string_view text, const std::string& source,
                                          const std::string& scripts_root) {
  toml::table doc;
  try {
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return make_error(at(source, e.source()) + ": " + std::string(e.description()));
  }
  ExpectedDeviations out;
  out.source = source;
  out.scripts_root = scripts_root;
  for (auto&& [key, node] : doc) {
    const std::string k(key.str());
    if (k == "schema") {
      if (node.value<std::string>() != "synack-expected")
        return make_error(at(source, node.source()) + ": schema: expected \"synack-expected\"");
    } else if (k == "schema_version") {
      if (node.value<std::int64_t>() != 1)
        return make_error(at(source, node.source()) + ": schema_version: expected 1");
    } else if (k == "target") {
      auto v = node.value<std::string>();
      if (!v) return make_error(at(source, node.source()) + ": target: expected a string");
      out.target = *v;
    } else if (k == "deviation") {
      const toml::array* list = node.as_array();
      if (!list) return make_error(at(source, node.source()) + ": deviation: expected [[deviation]] tables");
      std::size_t i = 0;
      for (const auto& item : *list) {
        const std::string where = "deviation[" + std::to_string(i++) + "]";
        const toml::table* t = item.as_table();
        if (!t) return make_error(at(source, item.source()) + ": " + where + ": expected a table");
        Deviation d;
        for (auto&& [fk, fv] : *t) {
          const std::string f(fk.str());
          auto s = fv.value<std::string>();
          if (!s) return make_error(at(source, fv.source()) + ": " + where + "." + f + ": expected a string");
          if (f == "script") d.script = *s;
          else if (f == "reason") d.reason = *s;
          else if (f == "rfc") d.rfc = *s;
          else return make_error(at(source, fk.source()) + ": " + where + "." + f + ": unknown key (script, reason, rfc)");
        }
        if (d.script.empty() || d.reason.empty())
          return make_error(at(source, item.source()) + ": " + where + ": needs both script and reason");
        if (!std::filesystem::exists(std::filesystem::path(scripts_root) / d.script))
          return make_error(at(source, item.source()) + ": " + where + ".script: no such script " + d.script +
                            " under " + scripts_root);
        if (!out.by_script.emplace(d.script, d).second)
          return make_error(at(source, item.source()) + ": " + where + ".script: " + d.script + " is listed twice");
      }
    } else {
      return make_error(at(source, key.source()) + ": " + k + ": unknown key (schema, schema_version, target, deviation)");
    }
  }
  return out;
}

Result<ExpectedDeviations> load_expected(const std::string& path, const std::string& scripts_root) {
  std::ifstream in(path);
  if (!in) return make_error(path + ": cannot read");
  std::stringstream text;
  text << in.rdbuf();
  return parse_expected(text.str(), path, scripts_root);
}

const Deviation* find_deviation(const ExpectedDeviations& expected, const std::string& path) {
  std::error_code ec;
  const auto rel = std::filesystem::relative(path, expected.scripts_root, ec).generic_string();
  auto it = expected.by_script.find(rel);
  return ec || it == expected.by_script.end() ? nullptr : &it->second;
}

void apply_expected(const ExpectedDeviations& expected, run::ScriptResult& result) {
  const Deviation* found = find_deviation(expected, result.path);
  if (!found) return;
  const Deviation& d = *found;
  if (result.verdict.status == run::Status::Fail) {
    result.verdict.status = run::Status::ExpectedDeviation;
    result.verdict.reason = d.reason + (d.rfc.empty() ? "" : " (RFC " + d.rfc + ")");
  } else if (result.verdict.status == run::Status::Pass) {
    result.verdict.reason = "listed in " + expected.source + " as a deviation but passed: the entry may be stale";
  }
}

}  // namespace synack::cli
