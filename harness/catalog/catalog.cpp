// The requirement catalog: reading scripts/rfc9293.toml, and joining it with the requirement tags
// of scripts. toml++ stays inside this file; its parse_error is caught here and becomes an Error.
//
// The reader reports every problem it finds, one per line, rather than stopping at the first: a
// catalog of 118 hand-written entries is easier to fix in one pass.
#include "harness/catalog/catalog.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include <toml++/toml.h>

namespace synack::catalog {

const char* level_name(Level level) {
  switch (level) {
    case Level::Must: return "MUST";
    case Level::Should: return "SHLD";
    case Level::May: return "MAY";
  }
  return "?";
}

const char* observability_name(Observability observable) {
  switch (observable) {
    case Observability::Wire: return "wire";
    case Observability::Api: return "api";
    case Observability::None: return "none";
  }
  return "?";
}

const Requirement* Catalog::find(std::string_view id) const {
  for (const Requirement& requirement : requirements) {
    if (requirement.id == id) return &requirement;
  }
  return nullptr;
}

namespace {

constexpr std::string_view kSchemaName = "synack-requirements";
constexpr std::int64_t kSchemaVersion = 1;

std::optional<Level> level_from_name(std::string_view name) {
  if (name == "MUST") return Level::Must;
  if (name == "SHLD") return Level::Should;
  if (name == "MAY") return Level::May;
  return std::nullopt;
}

std::optional<Observability> observability_from_name(std::string_view name) {
  if (name == "wire") return Observability::Wire;
  if (name == "api") return Observability::Api;
  if (name == "none") return Observability::None;
  return std::nullopt;
}

const char* type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// "MUST-13" -> the level its prefix names; nullopt unless the whole ID is PREFIX-N with N a
// positive decimal number without leading zeros.
std::optional<Level> level_of_id(std::string_view id) {
  const std::size_t dash = id.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const std::string_view number = id.substr(dash + 1);
  if (number.empty() || number.front() == '0' || number.size() > 4) return std::nullopt;
  if (!std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return level_from_name(id.substr(0, dash));
}

// RFC section numbers as the catalog writes them: "3.1", "3.10.7.4", "A.2".
bool is_section_number(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  if (text.find("..") != std::string_view::npos) return false;
  const bool appendix = text.front() >= 'A' && text.front() <= 'Z';
  for (std::size_t i = appendix ? 1 : 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '.' && (c < '0' || c > '9')) return false;
  }
  return !appendix || text.size() == 1 || text[1] == '.';
}

// Turns a parsed TOML document into a Catalog, collecting every problem with its position.
class CatalogReader {
 public:
  explicit CatalogReader(std::string source) : source_(std::move(source)) {}

  Result<Catalog> read(const toml::table& root) {
    bool saw_schema = false;
    bool saw_version = false;
    bool saw_requirements = false;
    for (auto&& [key, node] : root) {
      const std::string name(key.str());
      if (name == "schema") {
        saw_schema = true;
        read_schema(node, key);
      } else if (name == "schema_version") {
        saw_version = true;
        read_schema_version(node, key);
      } else if (name == "rfc") {
        read_rfc(node, key);
      } else if (name == "requirement") {
        saw_requirements = true;
        read_requirements(node, key);
      } else {
        problem(key.source(), name, "unknown key (expected schema, schema_version, rfc or requirement)");
      }
    }
    const toml::source_region top = start_of_file();
    if (!saw_schema) problem(top, "schema", "missing; the first line should be schema = \"synack-requirements\"");
    if (!saw_version) problem(top, "schema_version", "missing; expected schema_version = 1");
    if (!saw_requirements) problem(top, "requirement", "missing; expected [[requirement]] entries");

    if (!problems_.empty()) {
      // toml++ walks a table's keys in sorted order, not file order; report in file order.
      std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
        return std::pair(a.line, a.column) < std::pair(b.line, b.column);
      });
      std::string message;
      for (const Problem& found : problems_) message += (message.empty() ? "" : "\n") + found.text;
      return make_error(message);
    }
    return std::move(catalog_);
  }

 private:
  // Values carry their own position; tables made implicitly have none, so fall back to the key.
  static const toml::source_region& position(const toml::node& node, const toml::key& key) {
    return node.source().begin.line > 0 ? node.source() : key.source();
  }

  static toml::source_region start_of_file() {
    toml::source_region region;
    region.begin = {1, 1};
    region.end = {1, 1};
    return region;
  }

  void problem(const toml::source_region& where, const std::string& key, const std::string& text) {
    problems_.push_back({where.begin.line, where.begin.column,
                         source_ + ":" + std::to_string(where.begin.line) + ":" +
                             std::to_string(where.begin.column) + ": " + key + ": " + text});
  }

  // The string value of `node`, or a problem and nullopt.
  std::optional<std::string> expect_string(const toml::node& node, const toml::key& key,
                                           const std::string& dotted) {
    if (const toml::value<std::string>* text = node.as_string()) return text->get();
    problem(position(node, key), dotted, std::string("expected a string, found ") + type_name(node.type()));
    return std::nullopt;
  }

  std::optional<std::int64_t> expect_integer(const toml::node& node, const toml::key& key,
                                             const std::string& dotted) {
    if (const toml::value<std::int64_t>* number = node.as_integer()) return number->get();
    problem(position(node, key), dotted, std::string("expected an integer, found ") + type_name(node.type()));
    return std::nullopt;
  }

  void read_schema(const toml::node& node, const toml::key& key) {
    const std::optional<std::string> name = expect_string(node, key, "schema");
    if (name && *name != kSchemaName) {
      problem(node.source(), "schema", "expected " + quoted(kSchemaName) + ", found " + quoted(*name));
    }
  }

  void read_schema_version(const toml::node& node, const toml::key& key) {
    const std::optional<std::int64_t> version = expect_integer(node, key, "schema_version");
    if (version && *version != kSchemaVersion) {
      problem(node.source(), "schema_version",
              "this reader understands version " + std::to_string(kSchemaVersion) + ", found " +
                  std::to_string(*version));
    }
  }

  void read_rfc(const toml::node& node, const toml::key& key) {
    const std::optional<std::int64_t> rfc = expect_integer(node, key, "rfc");
    if (!rfc) return;
    if (*rfc <= 0 || *rfc > 99999) {
      problem(node.source(), "rfc", "expected an RFC number, found " + std::to_string(*rfc));
      return;
    }
    catalog_.rfc = static_cast<int>(*rfc);
  }

  void read_requirements(const toml::node& node, const toml::key& key) {
    const toml::array* entries = node.as_array();
    if (!entries) {
      problem(position(node, key), "requirement",
              std::string("expected [[requirement]] tables, found ") + type_name(node.type()));
      return;
    }
    for (std::size_t index = 0; index < entries->size(); ++index) {
      const toml::node& entry = *entries->get(index);
      const std::string dotted = "requirement[" + std::to_string(index) + "]";
      if (const toml::table* table = entry.as_table()) {
        read_requirement(*table, dotted);
      } else {
        const toml::source_region& where = entry.source().begin.line > 0 ? entry.source() : key.source();
        problem(where, dotted, std::string("expected a table, found ") + type_name(entry.type()));
      }
    }
  }

  // One [[requirement]] table. Fields are checked one by one, then against each other.
  void read_requirement(const toml::table& table, const std::string& dotted) {
    Requirement requirement;
    // Where each field's value sits, for the cross-field checks below.
    const toml::node* id_node = nullptr;
    const toml::node* level_node = nullptr;
    const toml::node* observable_node = nullptr;
    const toml::node* reason_node = nullptr;
    bool id_ok = false, level_ok = false, section_ok = false, summary_ok = false, observable_ok = false;

    for (auto&& [key, node] : table) {
      const std::string name(key.str());
      const std::string path = dotted + "." + name;
      if (name == "id") {
        id_node = &node;
        if (const std::optional<std::string> id = expect_string(node, key, path)) {
          if (level_of_id(*id)) {
            requirement.id = *id;
            id_ok = true;
          } else {
            problem(node.source(), path, "expected an ID like MUST-13, SHLD-5 or MAY-2, found " + quoted(*id));
          }
        }
      } else if (name == "level") {
        level_node = &node;
        if (const std::optional<std::string> text = expect_string(node, key, path)) {
          if (const std::optional<Level> level = level_from_name(*text)) {
            requirement.level = *level;
            level_ok = true;
          } else {
            problem(node.source(), path, "expected MUST, SHLD or MAY, found " + quoted(*text));
          }
        }
      } else if (name == "section") {
        if (const std::optional<std::string> text = expect_string(node, key, path)) {
          if (is_section_number(*text)) {
            requirement.section = *text;
            section_ok = true;
          } else {
            problem(node.source(), path, "expected a section number like 3.10.7.4, found " + quoted(*text));
          }
        }
      } else if (name == "summary") {
        if (const std::optional<std::string> text = expect_string(node, key, path)) {
          if (text->empty()) {
            problem(node.source(), path, "empty; expected a one-line summary");
          } else if (text->find('\n') != std::string::npos) {
            problem(node.source(), path, "expected one line, found a line break");
          } else {
            requirement.summary = *text;
            summary_ok = true;
          }
        }
      } else if (name == "observable") {
        observable_node = &node;
        if (const std::optional<std::string> text = expect_string(node, key, path)) {
          if (const std::optional<Observability> observable = observability_from_name(*text)) {
            requirement.observable = *observable;
            observable_ok = true;
          } else {
            problem(node.source(), path, "expected wire, api or none, found " + quoted(*text));
          }
        }
      } else if (name == "reason") {
        reason_node = &node;
        if (const std::optional<std::string> text = expect_string(node, key, path)) requirement.reason = *text;
      } else {
        problem(key.source(), path,
                "unknown key (expected id, level, section, summary, observable or reason)");
      }
    }

    // A missing field is reported at the [[requirement]] header that opened the table.
    const toml::source_region& header = table.source();
    if (!id_node) problem(header, dotted + ".id", "missing");
    if (!level_node) problem(header, dotted + ".level", "missing");
    if (!table.contains("section")) problem(header, dotted + ".section", "missing");
    if (!table.contains("summary")) problem(header, dotted + ".summary", "missing");
    if (!observable_node) problem(header, dotted + ".observable", "missing");

    if (id_ok && level_ok && *level_of_id(requirement.id) != requirement.level) {
      problem(level_node->source(), dotted + ".level",
              quoted(level_name(requirement.level)) + " does not match the prefix of id " +
                  quoted(requirement.id));
    }
    if (observable_ok && requirement.observable == Observability::None && requirement.reason.empty()) {
      const toml::node* where = reason_node ? reason_node : observable_node;
      problem(where->source(), dotted + ".reason",
              "observable is \"none\", so a reason must say why it cannot be checked from outside");
    }
    if (observable_ok && requirement.observable != Observability::None && !requirement.reason.empty()) {
      problem(reason_node->source(), dotted + ".reason",
              std::string("only for observable = \"none\"; this requirement is ") +
                  quoted(observability_name(requirement.observable)));
    }
    if (id_ok) {
      const auto [first, inserted] = first_seen_.emplace(requirement.id, id_node->source());
      if (!inserted) {
        problem(id_node->source(), dotted + ".id",
                "duplicate ID " + quoted(requirement.id) + " (first at " + source_ + ":" +
                    std::to_string(first->second.begin.line) + ":" +
                    std::to_string(first->second.begin.column) + ")");
        return;
      }
    }
    if (id_ok && level_ok && section_ok && summary_ok && observable_ok) {
      catalog_.requirements.push_back(std::move(requirement));
    }
  }

  struct Problem {
    toml::source_index line = 0;
    toml::source_index column = 0;
    std::string text;  // "file:line:col: key: problem"
  };

  std::string source_;
  Catalog catalog_;
  std::map<std::string, toml::source_region> first_seen_;  // ID -> where it was first defined
  std::vector<Problem> problems_;
};

}  // namespace

Result<Catalog> parse_catalog(std::string_view toml_text, const std::string& source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& error) {
    return make_error(source_name + ":" + std::to_string(error.source().begin.line) + ":" +
                      std::to_string(error.source().begin.column) +
                      ": TOML syntax: " + std::string(error.description()));
  }
  return CatalogReader(source_name).read(root);
}

Result<Catalog> load_catalog(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return make_error(path + ": cannot open: " + std::strerror(errno));
  std::string text;
  char buffer[8192];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, got);
  const bool failed = std::ferror(file) != 0;
  const int saved_errno = errno;
  std::fclose(file);
  if (failed) return make_error(path + ": cannot read: " + std::strerror(saved_errno));
  return parse_catalog(text, path);
}

// ---- Coverage -----------------------------------------------------------------------------------

Coverage compute_coverage(
    const Catalog& catalog,
    const std::vector<std::pair<std::string, std::vector<std::string>>>& scripts) {
  Coverage coverage;
  for (const auto& [path, ids] : scripts) {
    for (const std::string& id : ids) {
      if (!catalog.find(id)) {
        coverage.unknown_ids.push_back(path + ": " + id);
        continue;
      }
      std::vector<std::string>& claimed_by = coverage.scripts_by_requirement[id];
      // A script naming the same ID twice still counts once.
      if (std::find(claimed_by.begin(), claimed_by.end(), path) == claimed_by.end()) {
        claimed_by.push_back(path);
      }
    }
  }
  return coverage;
}

namespace {

bool is_covered(const Requirement& requirement, const Coverage& coverage) {
  const auto found = coverage.scripts_by_requirement.find(requirement.id);
  return found != coverage.scripts_by_requirement.end() && !found->second.empty();
}

bool is_testable(const Requirement& requirement) {
  return requirement.observable != Observability::None;
}

std::string padded(std::string_view text, std::size_t width) {
  std::string out(text);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

std::string right_aligned(int number, std::size_t width) {
  std::string text = std::to_string(number);
  if (text.size() < width) text.insert(0, width - text.size(), ' ');
  return text;
}

}  // namespace

std::map<Level, LevelCounts> count_by_level(const Catalog& catalog, const Coverage& coverage) {
  std::map<Level, LevelCounts> counts{{Level::Must, {}}, {Level::Should, {}}, {Level::May, {}}};
  for (const Requirement& requirement : catalog.requirements) {
    LevelCounts& level = counts[requirement.level];
    ++level.total;
    if (!is_testable(requirement)) continue;
    ++level.testable;
    if (is_covered(requirement, coverage)) ++level.covered;
  }
  return counts;
}

std::string format_coverage_table(const Catalog& catalog, const Coverage& coverage) {
  std::size_t id_width = 2, section_width = 7;  // at least the headings "ID" and "SECTION"
  for (const Requirement& requirement : catalog.requirements) {
    id_width = std::max(id_width, requirement.id.size());
    section_width = std::max(section_width, requirement.section.size());
  }
  const auto row_start = [&](std::string_view id, std::string_view level, std::string_view section,
                             std::string_view observable) {
    return padded(id, id_width) + "  " + padded(level, 5) + "  " + padded(section, section_width) +
           "  " + padded(observable, 10) + "  ";
  };

  std::string out = row_start("ID", "LEVEL", "SECTION", "OBSERVABLE") + "SCRIPTS\n";
  for (const Requirement& requirement : catalog.requirements) {
    std::string scripts;
    if (const auto found = coverage.scripts_by_requirement.find(requirement.id);
        found != coverage.scripts_by_requirement.end()) {
      for (const std::string& path : found->second) scripts += (scripts.empty() ? "" : ", ") + path;
    }
    out += row_start(requirement.id, level_name(requirement.level), requirement.section,
                     observability_name(requirement.observable)) +
           (scripts.empty() ? "-" : scripts) + "\n";
  }

  out += "\nLEVEL  TOTAL  TESTABLE  COVERED\n";
  LevelCounts all;
  for (const auto& [level, counts] : count_by_level(catalog, coverage)) {
    out += padded(level_name(level), 5) + "  " + right_aligned(counts.total, 5) + "  " +
           right_aligned(counts.testable, 8) + "  " + right_aligned(counts.covered, 7) + "\n";
    all.total += counts.total;
    all.testable += counts.testable;
    all.covered += counts.covered;
  }
  out += padded("all", 5) + "  " + right_aligned(all.total, 5) + "  " + right_aligned(all.testable, 8) +
         "  " + right_aligned(all.covered, 7) + "\n";

  std::vector<const Requirement*> uncovered;
  for (const Requirement& requirement : catalog.requirements) {
    if (is_testable(requirement) && !is_covered(requirement, coverage)) uncovered.push_back(&requirement);
  }
  if (uncovered.empty()) {
    out += "\nUncovered testable requirements: none\n";
  } else {
    out += "\nUncovered testable requirements (" + std::to_string(uncovered.size()) + "):\n";
    for (const Requirement* requirement : uncovered) {
      out += "  " + padded(requirement->id, id_width) + "  " + padded(requirement->section, section_width) +
             "  " + padded(observability_name(requirement->observable), 4) + "  " + requirement->summary + "\n";
    }
  }

  if (!coverage.unknown_ids.empty()) {
    out += "\nRequirement tags naming no catalog entry (" + std::to_string(coverage.unknown_ids.size()) +
           "):\n";
    for (const std::string& tag : coverage.unknown_ids) out += "  " + tag + "\n";
  }
  return out;
}

}  // namespace synack::catalog
