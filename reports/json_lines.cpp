// JSON Lines results, schema "synack-results-lines" (reports/SCHEMA.md): a header line, one line
// per finished script, and an end line written only when the run finishes in order.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "reports/atomic_file.h"
#include "reports/json_codec.h"
#include "reports/reports.h"

namespace synack::reports {

using json_codec::Json;

JsonLinesSink::JsonLinesSink(int fd) : fd_(fd) {}

JsonLinesSink::~JsonLinesSink() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<JsonLinesSink>> JsonLinesSink::open(const std::string& path,
                                                          const run::RunResult& header) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return make_error(path + ": cannot create: " + std::strerror(errno));
  std::unique_ptr<JsonLinesSink> sink(new JsonLinesSink(fd));
  sink->path_ = path;

  Json line = Json::object();
  line["type"] = "header";
  line["schema"] = json_codec::kLinesSchema;
  line["schema_version"] = json_codec::kSchemaVersion;
  line["target"] = header.target;
  line["target_version"] = header.target_version;
  line["profile"] = header.profile;
  line["options"] = json_codec::options_to_json(header.options);
  line["started_at"] = header.started_at;
  sink->write_line(json_codec::dump(line, -1));
  if (!sink->error_.empty()) return make_error(sink->error_);
  return sink;
}

// One write() for the whole line (the newline included) and a data sync, so a line is either on
// disk whole or, at worst after a crash mid-write, a truncated last line the reader skips.
void JsonLinesSink::write_line(const std::string& line) {
  if (fd_ < 0 || !error_.empty()) return;
  const std::string bytes = line + "\n";
  if (const int err = write_all(fd_, bytes); err != 0) {
    error_ = path_ + ": cannot write: " + std::strerror(err);
    return;
  }
  if (::fdatasync(fd_) != 0) error_ = path_ + ": cannot sync: " + std::strerror(errno);
}

void JsonLinesSink::append(const run::ScriptResult& result) {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  Json line = Json::object();
  line["type"] = "script";
  Json script = json_codec::script_to_json(result);
  for (auto& [key, value] : script.items()) line[key] = std::move(value);
  write_line(json_codec::dump(line, -1));
}

void JsonLinesSink::close(const run::RunResult& final_state) {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  Json line = Json::object();
  line["type"] = "end";
  line["summary"] = json_codec::summary_to_json(final_state.scripts);
  line["wall_seconds"] = std::isfinite(final_state.wall_seconds) ? final_state.wall_seconds : 0.0;
  line["interrupted"] = final_state.interrupted;
  line["not_run"] = final_state.not_run;
  write_line(json_codec::dump(line, -1));
  closed_ = true;
  if (fd_ >= 0 && ::close(fd_) != 0 && error_.empty()) {
    error_ = path_ + ": cannot close: " + std::strerror(errno);
  }
  fd_ = -1;
}

std::string JsonLinesSink::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

namespace {

struct Line {
  int number = 0;  // 1-based
  std::string_view text;
  bool terminated = true;  // ended with '\n'
};

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  int number = 0;
  while (!text.empty()) {
    ++number;
    const auto newline = text.find('\n');
    Line line{number, text.substr(0, newline), newline != std::string_view::npos};
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (!line.text.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace

Result<run::RunResult> read_json_lines(const std::string& path, std::vector<std::string>* notes) {
  auto text = read_file(path);
  if (!text) return text.error();
  std::vector<Line> lines = split_lines(*text);
  if (lines.empty()) return make_error(path + ": empty file, expected a header line");

  run::RunResult run;
  bool saw_end = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Line& line = lines[i];
    const std::string where = path + ":" + std::to_string(line.number);
    const bool last = i + 1 == lines.size();
    auto parsed = json_codec::parse(line.text, where);
    if (!parsed) {
      // A crash during the final write leaves a line without its newline: skip it, say so.
      if (last && !line.terminated && i > 0) {
        if (notes) notes->push_back(where + ": truncated last line ignored (" +
                                    std::to_string(line.text.size()) + " bytes)");
        break;
      }
      return parsed.error();
    }
    const Json& obj = *parsed;
    json_codec::Decoder d(where);
    if (!d.expect_object(obj, "")) return d.error();
    if (saw_end) return make_error(where + ": unexpected line after the end record");
    const std::string type = d.string_field(obj, "", "type");
    if (d.failed()) return d.error();
    if (i == 0) {
      if (type != "header") {
        return make_error(where + ": type: expected \"header\", found " + json_codec::dump(obj.at("type"), -1));
      }
      d.check_schema(obj, json_codec::kLinesSchema);
      run.target = d.string_field(obj, "", "target");
      run.target_version = d.string_field(obj, "", "target_version");
      run.profile = d.string_field(obj, "", "profile");
      run.options = d.options(obj, "");
      run.started_at = d.string_field(obj, "", "started_at");
    } else if (type == "script") {
      run.scripts.push_back(d.script(obj, ""));
    } else if (type == "end") {
      d.object_field(obj, "", "summary");  // derived from the script lines; shape only
      run.wall_seconds = d.number_field(obj, "", "wall_seconds");
      run.interrupted = d.bool_field(obj, "", "interrupted");
      run.not_run = d.string_list_field(obj, "", "not_run");
      saw_end = true;
    } else {
      return make_error(where + ": type: expected one of script|end, found " +
                        json_codec::dump(obj.at("type"), -1));
    }
    if (d.failed()) return d.error();
  }
  if (!saw_end) run.interrupted = true;
  return run;
}

}  // namespace synack::reports
