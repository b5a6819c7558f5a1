// The JSON results document, schema "synack-results" (reports/SCHEMA.md).
#include <cmath>

#include "reports/atomic_file.h"
#include "reports/json_codec.h"
#include "reports/reports.h"

namespace synack::reports {

using json_codec::Json;

std::string to_json(const run::RunResult& run) {
  Json doc = Json::object();
  doc["schema"] = json_codec::kDocumentSchema;
  doc["schema_version"] = json_codec::kSchemaVersion;
  doc["target"] = run.target;
  doc["target_version"] = run.target_version;
  doc["profile"] = run.profile;
  doc["options"] = json_codec::options_to_json(run.options);
  doc["started_at"] = run.started_at;
  doc["wall_seconds"] = std::isfinite(run.wall_seconds) ? run.wall_seconds : 0.0;
  doc["interrupted"] = run.interrupted;
  doc["not_run"] = run.not_run;
  doc["summary"] = json_codec::summary_to_json(run.scripts);
  Json scripts = Json::array();
  for (const auto& script : run.scripts) scripts.push_back(json_codec::script_to_json(script));
  doc["scripts"] = std::move(scripts);
  return json_codec::dump(doc, 2) + "\n";
}

Result<void> write_json(const run::RunResult& run, const std::string& path) {
  return write_file_atomically(path, to_json(run));
}

Result<run::RunResult> read_json(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  auto parsed = json_codec::parse(*text, path);
  if (!parsed) return parsed.error();
  const Json& doc = *parsed;

  json_codec::Decoder d(path);
  run::RunResult run;
  if (!d.expect_object(doc, "")) return d.error();
  d.check_schema(doc, json_codec::kDocumentSchema);
  run.target = d.string_field(doc, "", "target");
  run.target_version = d.string_field(doc, "", "target_version");
  run.profile = d.string_field(doc, "", "profile");
  run.options = d.options(doc, "");
  run.started_at = d.string_field(doc, "", "started_at");
  run.wall_seconds = d.number_field(doc, "", "wall_seconds");
  run.interrupted = d.bool_field(doc, "", "interrupted");
  run.not_run = d.string_list_field(doc, "", "not_run");
  d.object_field(doc, "", "summary");  // derived from scripts; checked for shape only
  if (const Json* scripts = d.array_field(doc, "", "scripts")) {
    for (std::size_t i = 0; i < scripts->size() && !d.failed(); ++i) {
      run.scripts.push_back(d.script((*scripts)[i], json_codec::path_index("scripts", i)));
    }
  }
  if (d.failed()) return d.error();
  return run;
}

}  // namespace synack::reports
