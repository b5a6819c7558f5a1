// compute_coverage, count_by_level and format_coverage_table on a small hand-made catalog, and the
// join with real script metadata as the parser produces it.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "harness/catalog/catalog.h"
#include "harness/script/parser.h"

namespace synack::catalog {
namespace {

using ScriptTags = std::vector<std::pair<std::string, std::vector<std::string>>>;

Requirement requirement(std::string id, Level level, std::string section, Observability observable,
                        std::string summary, std::string reason = "") {
  return Requirement{std::move(id), level, std::move(section), std::move(summary), observable, std::move(reason)};
}

// Two MUSTs (one not testable from outside), one SHLD, one MAY.
Catalog small_catalog() {
  Catalog catalog;
  catalog.requirements = {
      requirement("MUST-1", Level::Must, "3.1", Observability::Wire, "Window is unsigned."),
      requirement("MUST-2", Level::Must, "3.4.1", Observability::None, "ISN PRF is secret.", "needs the key"),
      requirement("SHLD-1", Level::Should, "3.7.4", Observability::Api, "Nagle can be disabled."),
      requirement("MAY-1", Level::May, "3.6.1", Observability::Wire, "Half-duplex close."),
  };
  return catalog;
}

const ScriptTags kScripts = {
    {"a.pkt", {"MUST-1", "SHLD-1", "MUST-1"}},  // names MUST-1 twice
    {"b.pkt", {"MUST-1", "MUST-999"}},          // MUST-999 is in no catalog
    {"c.pkt", {"MUST-2"}},                      // claims an untestable requirement
    {"d.pkt", {}},
};

TEST(Coverage, ScriptsByRequirement) {
  const Coverage coverage = compute_coverage(small_catalog(), kScripts);
  const std::map<std::string, std::vector<std::string>> expected = {
      {"MUST-1", {"a.pkt", "b.pkt"}},
      {"MUST-2", {"c.pkt"}},
      {"SHLD-1", {"a.pkt"}},
  };
  EXPECT_EQ(coverage.scripts_by_requirement, expected);
  EXPECT_EQ(coverage.unknown_ids, std::vector<std::string>{"b.pkt: MUST-999"});
}

TEST(Coverage, NoScriptsCoverNothing) {
  const Coverage coverage = compute_coverage(small_catalog(), {});
  EXPECT_TRUE(coverage.scripts_by_requirement.empty());
  EXPECT_TRUE(coverage.unknown_ids.empty());
}

TEST(Coverage, CountsPerLevel) {
  const Catalog catalog = small_catalog();
  const std::map<Level, LevelCounts> counts = count_by_level(catalog, compute_coverage(catalog, kScripts));
  ASSERT_EQ(counts.size(), 3u);
  // MUST-2 is claimed by c.pkt but is not testable, so it counts as neither testable nor covered.
  EXPECT_EQ(counts.at(Level::Must).total, 2);
  EXPECT_EQ(counts.at(Level::Must).testable, 1);
  EXPECT_EQ(counts.at(Level::Must).covered, 1);
  EXPECT_EQ(counts.at(Level::Should).total, 1);
  EXPECT_EQ(counts.at(Level::Should).testable, 1);
  EXPECT_EQ(counts.at(Level::Should).covered, 1);
  EXPECT_EQ(counts.at(Level::May).total, 1);
  EXPECT_EQ(counts.at(Level::May).testable, 1);
  EXPECT_EQ(counts.at(Level::May).covered, 0);
}

TEST(Coverage, CountsListEveryLevelEvenWhenEmpty) {
  const std::map<Level, LevelCounts> counts = count_by_level(Catalog{}, Coverage{});
  ASSERT_EQ(counts.size(), 3u);
  for (const auto& [level, level_counts] : counts) {
    EXPECT_EQ(level_counts.total, 0) << level_name(level);
    EXPECT_EQ(level_counts.testable, 0) << level_name(level);
    EXPECT_EQ(level_counts.covered, 0) << level_name(level);
  }
}

TEST(Coverage, Table) {
  const Catalog catalog = small_catalog();
  EXPECT_EQ(format_coverage_table(catalog, compute_coverage(catalog, kScripts)),
            "ID      LEVEL  SECTION  OBSERVABLE  SCRIPTS\n"
            "MUST-1  MUST   3.1      wire        a.pkt, b.pkt\n"
            "MUST-2  MUST   3.4.1    none        c.pkt\n"
            "SHLD-1  SHLD   3.7.4    api         a.pkt\n"
            "MAY-1   MAY    3.6.1    wire        -\n"
            "\n"
            "LEVEL  TOTAL  TESTABLE  COVERED\n"
            "MUST       2         1        1\n"
            "SHLD       1         1        1\n"
            "MAY        1         1        0\n"
            "all        4         3        2\n"
            "\n"
            "Uncovered testable requirements (1):\n"
            "  MAY-1   3.6.1    wire  Half-duplex close.\n"
            "\n"
            "Requirement tags naming no catalog entry (1):\n"
            "  b.pkt: MUST-999\n");
}

TEST(Coverage, TableWhenEverythingTestableIsCovered) {
  const Catalog catalog = small_catalog();
  const std::string table = format_coverage_table(
      catalog, compute_coverage(catalog, {{"all.pkt", {"MUST-1", "SHLD-1", "MAY-1"}}}));
  EXPECT_NE(table.find("\nUncovered testable requirements: none\n"), std::string::npos) << table;
  EXPECT_EQ(table.find("naming no catalog entry"), std::string::npos) << table;
  EXPECT_NE(table.find("MUST-2  MUST   3.4.1    none        -\n"), std::string::npos) << table;
}

TEST(Coverage, Names) {
  EXPECT_STREQ(level_name(Level::Must), "MUST");
  EXPECT_STREQ(level_name(Level::Should), "SHLD");
  EXPECT_STREQ(level_name(Level::May), "MAY");
  EXPECT_STREQ(observability_name(Observability::Wire), "wire");
  EXPECT_STREQ(observability_name(Observability::Api), "api");
  EXPECT_STREQ(observability_name(Observability::None), "none");
}

const std::string kShippedCatalog = std::string(SYNACK_SOURCE_DIR) + "/scripts/rfc9293.toml";

// The tags come from the script parser's metadata, as `synack list --requirements` gets them.
TEST(Coverage, FromParsedScriptMetadata) {
  Result<Catalog> catalog = load_catalog(kShippedCatalog);
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  const script::ParseResult parsed = script::parse(
      "// title: TIME-WAIT lasts 2 MSL\n"
      "// requirement: MUST-13 SHLD-5, MAY-99\n"
      "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n",
      "time_wait.pkt");
  ASSERT_TRUE(parsed.ok()) << parsed.diagnostics.at(0).render();
  const Coverage coverage =
      compute_coverage(*catalog, {{parsed.script->path, parsed.script->metadata.requirements}});
  EXPECT_EQ(coverage.scripts_by_requirement.at("MUST-13"), std::vector<std::string>{"time_wait.pkt"});
  EXPECT_EQ(coverage.scripts_by_requirement.at("SHLD-5"), std::vector<std::string>{"time_wait.pkt"});
  EXPECT_EQ(coverage.unknown_ids, std::vector<std::string>{"time_wait.pkt: MAY-99"});
  EXPECT_EQ(count_by_level(*catalog, coverage).at(Level::Must).covered, 1);
}

// Every requirement tag in the shipped scripts names a catalog entry (a typo such as MUST-130
// would otherwise silently cover nothing).
TEST(Coverage, ShippedScriptsTagOnlyKnownRequirements) {
  Result<Catalog> catalog = load_catalog(kShippedCatalog);
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  ScriptTags scripts;
  const std::filesystem::path root = std::filesystem::path(SYNACK_SOURCE_DIR) / "scripts";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".pkt") continue;
    const script::ParseResult parsed = script::parse_file(entry.path().string());
    if (!parsed.ok()) continue;  // the script tests report unparsable scripts
    scripts.emplace_back(entry.path().lexically_relative(SYNACK_SOURCE_DIR).string(),
                         parsed.script->metadata.requirements);
  }
  EXPECT_FALSE(scripts.empty());
  EXPECT_EQ(compute_coverage(*catalog, scripts).unknown_ids, std::vector<std::string>{});
}

}  // namespace
}  // namespace synack::catalog
