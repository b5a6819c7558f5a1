// The RFC 9293 requirement catalog (scripts/rfc9293.toml) and the coverage scripts give it.
//
// The catalog lists every requirement ID of RFC 9293 Appendix B (MUST-n, SHLD-n, MAY-n) with the
// section that states it, a one-line summary, and whether a black-box harness can check it on the
// wire, through the socket API, or not at all. Scripts claim requirements with
// "// requirement: MUST-13 SHLD-5"; coverage joins the two for `synack list --requirements` and
// the reports.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/common/result.h"

namespace synack::catalog {

// RFC 9293's requirement levels, as its labels spell them: MUST-n, SHLD-n, MAY-n. "MUST NOT" and
// "SHOULD NOT" carry the MUST and SHLD labels.
enum class Level { Must, Should, May };

// How a harness that injects and captures segments and makes socket calls can check a requirement.
enum class Observability {
  Wire,  // from the segments the stack sends in answer to the ones injected
  Api,   // through socket calls (return values, errno, getsockopt/TCP_INFO)
  None,  // not from outside the stack; Requirement::reason says why
};

struct Requirement {
  std::string id;       // "MUST-13"; the prefix always matches `level`
  Level level = Level::Must;
  std::string section;  // RFC 9293 section that states it: "3.6.1"
  std::string summary;  // one line
  Observability observable = Observability::Wire;
  std::string reason;   // non-empty exactly when observable == None
};

struct Catalog {
  int rfc = 9293;
  std::vector<Requirement> requirements;  // in file order; IDs are unique

  // The requirement with this exact ID, or nullptr.
  const Requirement* find(std::string_view id) const;
};

// Parses catalog TOML. `source_name` names the file in messages. Every problem is reported, one
// per line, as "file:line:col: key: problem" (unknown keys, wrong types, bad level or observable
// values, an ID whose prefix does not match its level, duplicate IDs, "none" without a reason,
// wrong schema name or version, TOML syntax errors).
Result<Catalog> parse_catalog(std::string_view toml_text, const std::string& source_name);

// Reads and parses a catalog file; an unreadable file is an error naming the path.
Result<Catalog> load_catalog(const std::string& path);

// Which scripts claim which requirements.
struct Coverage {
  // Requirement ID -> the scripts that claim it, in the order given, each once. Only IDs the
  // catalog knows appear here.
  std::map<std::string, std::vector<std::string>> scripts_by_requirement;
  // Tags naming no catalog entry, as "path: MUST-999", in the order met.
  std::vector<std::string> unknown_ids;
};

// `scripts` pairs each script path with the requirement IDs from its metadata.
Coverage compute_coverage(
    const Catalog& catalog,
    const std::vector<std::pair<std::string, std::vector<std::string>>>& scripts);

// Per level: total requirements, testable ones (observable != None), and covered ones (testable
// and claimed by at least one script). Every level is present, with zeros if it has no entries.
struct LevelCounts {
  int total = 0;
  int testable = 0;
  int covered = 0;
};
std::map<Level, LevelCounts> count_by_level(const Catalog& catalog, const Coverage& coverage);

// The text `synack list --requirements` prints: one line per requirement (ID, level, section,
// observable, claiming scripts or "-"), the per-level totals, the uncovered testable requirements,
// and, if any, the script tags that name no requirement.
std::string format_coverage_table(const Catalog& catalog, const Coverage& coverage);

const char* level_name(Level level);                      // "MUST", "SHLD", "MAY"
const char* observability_name(Observability observable);  // "wire", "api", "none"

}  // namespace synack::catalog
