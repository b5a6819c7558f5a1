// synack.toml (see config.h). toml++ is used only here; its exceptions are caught at this edge.
// Every key is checked: a typo or a wrong type is an error naming file:line:col and the key.
#include "harness/cli/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include <toml++/toml.h>

namespace synack::cli {
namespace {

constexpr std::int64_t kMaxJobs = 256;
constexpr std::int64_t kMaxRetries = 10;

const char* type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::table: return "table";
    case toml::node_type::array: return "array";
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::date: return "date";
    case toml::node_type::time: return "time";
    case toml::node_type::date_time: return "date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::string number_text(double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}

// Walks the parsed document; the first problem ends the walk (later ones may be consequences).
class ConfigReader {
 public:
  explicit ConfigReader(std::string source) : source_(std::move(source)) { config_.source = source_; }

  Result<Config> read(const toml::table& root) {
    for (auto&& [key, node] : root) {
      const std::string name(key.str());
      if (name == "run") {
        if (const toml::table* table = expect_table(node, key, name)) read_run(*table, name);
      } else if (name == "script") {
        if (const toml::table* table = expect_table(node, key, name)) read_script(*table, name);
      } else if (name == "target") {
        if (const toml::table* table = expect_table(node, key, name)) read_targets(*table, name);
      } else {
        fail(key.source(), name, "expected one of the tables run|script|target, found unknown key");
      }
      if (error_) return *error_;
    }
    return config_;
  }

 private:
  void fail(const toml::source_region& where, const std::string& dotted, const std::string& problem) {
    if (error_) return;
    error_ = make_error(source_ + ":" + std::to_string(where.begin.line) + ":" +
                        std::to_string(where.begin.column) + ": " + dotted + ": " + problem);
  }

  // Values point at themselves; implicitly created tables have no position, so use their key's.
  static const toml::source_region& position(const toml::node& node, const toml::key& key) {
    return node.source().begin.line > 0 ? node.source() : key.source();
  }

  void wrong_type(const toml::node& node, const toml::key& key, const std::string& dotted,
                  const std::string& expected) {
    fail(position(node, key), dotted, expected + ", found " + type_name(node.type()));
  }

  const toml::table* expect_table(const toml::node& node, const toml::key& key, const std::string& dotted) {
    if (const toml::table* table = node.as_table()) return table;
    wrong_type(node, key, dotted, "expected a table");
    return nullptr;
  }

  std::optional<std::string> string_value(const toml::node& node, const toml::key& key, const std::string& dotted) {
    if (node.is_string()) return *node.value<std::string>();
    wrong_type(node, key, dotted, "expected a string");
    return std::nullopt;
  }

  std::optional<std::int64_t> integer_value(const toml::node& node, const toml::key& key,
                                            const std::string& dotted, std::int64_t min, std::int64_t max) {
    const std::string expected = max == INT64_MAX ? "expected an integer >= " + std::to_string(min)
                                                  : "expected an integer " + std::to_string(min) + ".." +
                                                        std::to_string(max);
    if (!node.is_integer()) {
      wrong_type(node, key, dotted, expected);
      return std::nullopt;
    }
    const std::int64_t value = *node.value<std::int64_t>();
    if (value < min || value > max) {
      fail(node.source(), dotted, expected + ", found " + std::to_string(value));
      return std::nullopt;
    }
    return value;
  }

  void read_run(const toml::table& table, const std::string& at) {
    for (auto&& [key, node] : table) {
      const std::string name(key.str());
      const std::string dotted = at + "." + name;
      if (name == "target") {
        config_.target = string_value(node, key, dotted);
        if (config_.target && *config_.target != "reference" && *config_.target != "kernel" && *config_.target != "lwip" &&
            *config_.target != "remote") {
          fail(node.source(), dotted, "expected one of reference|kernel|lwip|remote, found \"" + *config_.target + "\"");
        }
      } else if (name == "jobs") {
        if (auto jobs = integer_value(node, key, dotted, 1, kMaxJobs)) config_.jobs = static_cast<int>(*jobs);
      } else if (name == "retries") {
        if (auto retries = integer_value(node, key, dotted, 0, kMaxRetries)) config_.retries = static_cast<int>(*retries);
      } else if (name == "filter") {
        config_.filter = string_value(node, key, dotted);
      } else if (name == "json") {
        config_.json = string_value(node, key, dotted);
      } else if (name == "junit") {
        config_.junit = string_value(node, key, dotted);
      } else {
        fail(key.source(), dotted, "expected one of the keys target|jobs|retries|filter|json|junit, found unknown key");
      }
      if (error_) return;
    }
  }

  void read_script(const toml::table& table, const std::string& at) {
    for (auto&& [key, node] : table) {
      const std::string name(key.str());
      const std::string dotted = at + "." + name;
      if (name == "tolerance_usecs") {
        config_.tolerance_usecs = integer_value(node, key, dotted, 0, INT64_MAX);
      } else if (name == "tolerance_percent") {
        read_percent(node, key, dotted);
      } else {
        fail(key.source(), dotted, "expected one of the keys tolerance_usecs|tolerance_percent, found unknown key");
      }
      if (error_) return;
    }
  }

  void read_percent(const toml::node& node, const toml::key& key, const std::string& dotted) {
    const std::string expected = "expected a number 0..100";
    if (!node.is_number()) {
      wrong_type(node, key, dotted, expected);
      return;
    }
    const double value = node.is_integer() ? static_cast<double>(*node.value<std::int64_t>())
                                           : *node.value<double>();
    if (!(value >= 0 && value <= 100)) {  // also rejects nan
      fail(node.source(), dotted, expected + ", found " + number_text(value));
      return;
    }
    config_.tolerance_percent = value;
  }

  void read_targets(const toml::table& table, const std::string& at) {
    for (auto&& [key, node] : table) {
      const std::string name(key.str());
      const std::string dotted = at + "." + name;
      if (name != "reference" && name != "kernel" && name != "remote") {
        fail(key.source(), dotted, "expected one of the targets reference|kernel|remote, found unknown target");
        return;
      }
      const toml::table* settings = expect_table(node, key, dotted);
      if (settings == nullptr) return;
      auto& out = config_.targets[name];
      read_settings(*settings, dotted, "", out, config_.targets_at[name]);
      if (error_) return;
    }
  }

  // Scalars by key; nested tables flattened: [target.reference.overrides] rto_min_ms = 200
  // becomes "overrides.rto_min_ms".
  void read_settings(const toml::table& table, const std::string& at, const std::string& prefix,
                     std::map<std::string, SettingValue>& out, std::map<std::string, std::string>& where) {
    for (auto&& [key, node] : table) {
      const std::string name = prefix + std::string(key.str());
      const std::string dotted = at + "." + std::string(key.str());
      where[name] = source_ + ":" + std::to_string(key.source().begin.line) + ":" +
                    std::to_string(key.source().begin.column);
      if (const toml::table* nested = node.as_table()) {
        read_settings(*nested, dotted, name + ".", out, where);
      } else if (node.is_string()) {
        out[name] = *node.value<std::string>();
      } else if (node.is_integer()) {
        out[name] = *node.value<std::int64_t>();
      } else if (node.is_floating_point()) {
        out[name] = *node.value<double>();
      } else if (node.is_boolean()) {
        out[name] = *node.value<bool>();
      } else {
        wrong_type(node, key, dotted, "expected a string, integer, float, boolean or table");
      }
      if (error_) return;
    }
  }

  std::string source_;
  Config config_;
  std::optional<Error> error_;
};

}  // namespace

Result<Config> parse_config(std::string_view text, const std::string& source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return make_error(source_name + ":" + std::to_string(e.source().begin.line) + ":" +
                      std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
  return ConfigReader(source_name).read(root);
}

Result<Config> load_config(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(path + ": cannot read: " + std::strerror(errno));
  std::string text;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return make_error(path + ": cannot read: " + std::strerror(err));
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return parse_config(text, path);
}

}  // namespace synack::cli
