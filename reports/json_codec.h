// The JSON form of run results, shared by the results document (json.cpp) and JSON Lines
// (json_lines.cpp). Field by field description: reports/SCHEMA.md. Internal to reports/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/common/result.h"
#include "harness/run/result.h"

namespace synack::reports::json_codec {

// Insertion-ordered, so documents list fields in schema order and options keep their order.
using Json = nlohmann::ordered_json;

inline constexpr int kSchemaVersion = 1;
inline constexpr const char* kDocumentSchema = "synack-results";
inline constexpr const char* kLinesSchema = "synack-results-lines";

// ---- Writing -----------------------------------------------------------------------------------

Json options_to_json(const std::vector<std::pair<std::string, std::string>>& options);
Json summary_to_json(const std::vector<run::ScriptResult>& scripts);
Json script_to_json(const run::ScriptResult& script);
// Serializes on one line (indent < 0) or pretty; invalid UTF-8 is replaced, never thrown.
std::string dump(const Json& json, int indent);

// ---- Reading -----------------------------------------------------------------------------------

// Parses JSON text. Error: "<where>: not JSON: parse error at line 1, column 2: ...".
Result<Json> parse(std::string_view text, const std::string& where);

// Reads typed fields out of parsed JSON, remembering the first problem with its JSON path
// ("scripts[3].status"). After a failure every accessor is a no-op returning a default, so
// decoding code reads straight through and checks failed() once at the end.
class Decoder {
 public:
  explicit Decoder(std::string where) : where_(std::move(where)) {}

  bool failed() const { return failed_; }
  Error error() const { return make_error(message_); }
  void fail(const std::string& at, const std::string& problem);

  // `obj` is the object at JSON path `at`; each accessor reads member `key` of it.
  const Json* member(const Json& obj, const std::string& at, const char* key);
  std::string string_field(const Json& obj, const std::string& at, const char* key);
  std::int64_t integer_field(const Json& obj, const std::string& at, const char* key,
                             std::int64_t min, std::int64_t max);
  double number_field(const Json& obj, const std::string& at, const char* key);
  bool bool_field(const Json& obj, const std::string& at, const char* key);
  std::vector<std::string> string_list_field(const Json& obj, const std::string& at, const char* key);
  // Null when the member is missing or has the wrong type (the failure is recorded).
  const Json* array_field(const Json& obj, const std::string& at, const char* key);
  const Json* object_field(const Json& obj, const std::string& at, const char* key);

  // Checks the "schema" and "schema_version" members of a document or header object.
  void check_schema(const Json& doc, const char* schema);
  bool expect_object(const Json& value, const std::string& at);
  std::vector<std::pair<std::string, std::string>> options(const Json& obj, const std::string& at);
  run::ScriptResult script(const Json& obj, const std::string& at);

 private:
  std::string where_;  // file name, or "file:line" for JSON Lines
  bool failed_ = false;
  std::string message_;
};

std::string path_join(const std::string& at, const std::string& key);
std::string path_index(const std::string& at, std::size_t index);

}  // namespace synack::reports::json_codec
