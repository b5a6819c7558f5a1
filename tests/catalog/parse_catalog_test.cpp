// parse_catalog / load_catalog: a valid document, and one test per kind of problem. Every problem
// message must name file:line:col and the key, so the tests check the whole prefix.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "harness/catalog/catalog.h"

namespace synack::catalog {
namespace {

// Line numbers in the expectations below refer to this text.
constexpr std::string_view kValid =
    "schema = \"synack-requirements\"\n"  // 1
    "schema_version = 1\n"                // 2
    "rfc = 9293\n"                        // 3
    "\n"                                  // 4
    "[[requirement]]\n"                   // 5
    "id = \"MUST-1\"\n"                   // 6
    "level = \"MUST\"\n"                  // 7
    "section = \"3.1\"\n"                 // 8
    "summary = \"Window is unsigned.\"\n" // 9
    "observable = \"wire\"\n"             // 10
    "reason = \"\"\n";                    // 11

// kValid with the first occurrence of `from` replaced by `to`.
std::string with(std::string_view from, std::string_view to) {
  std::string text(kValid);
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The error message for `text`; fails the test if it parses.
std::string error_of(std::string_view text) {
  Result<Catalog> parsed = parse_catalog(text, "test.toml");
  EXPECT_FALSE(parsed.ok()) << "parsed without error";
  return parsed.ok() ? std::string() : parsed.error().message;
}

TEST(ParseCatalog, ValidDocument) {
  Result<Catalog> parsed = parse_catalog(kValid, "test.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->rfc, 9293);
  ASSERT_EQ(parsed->requirements.size(), 1u);
  const Requirement& requirement = parsed->requirements[0];
  EXPECT_EQ(requirement.id, "MUST-1");
  EXPECT_EQ(requirement.level, Level::Must);
  EXPECT_EQ(requirement.section, "3.1");
  EXPECT_EQ(requirement.summary, "Window is unsigned.");
  EXPECT_EQ(requirement.observable, Observability::Wire);
  EXPECT_EQ(requirement.reason, "");
  EXPECT_EQ(parsed->find("MUST-1"), &parsed->requirements[0]);
  EXPECT_EQ(parsed->find("MUST-2"), nullptr);
}

TEST(ParseCatalog, NoneWithReasonAndOmittedReasonKey) {
  Result<Catalog> none = parse_catalog(
      with("observable = \"wire\"\nreason = \"\"", "observable = \"none\"\nreason = \"needs ICMP\""),
      "test.toml");
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_EQ(none->requirements[0].observable, Observability::None);
  EXPECT_EQ(none->requirements[0].reason, "needs ICMP");

  Result<Catalog> no_reason_key = parse_catalog(with("reason = \"\"\n", ""), "test.toml");
  ASSERT_TRUE(no_reason_key.ok()) << no_reason_key.error().message;
  EXPECT_EQ(no_reason_key->requirements[0].reason, "");
}

TEST(ParseCatalog, TomlSyntaxError) {
  const std::string message = error_of(with("level = \"MUST\"", "level = \"MUST"));
  EXPECT_EQ(message.rfind("test.toml:7:", 0), 0u) << message;
  EXPECT_NE(message.find("TOML syntax"), std::string::npos) << message;
}

TEST(ParseCatalog, UnknownTopLevelKey) {
  const std::string message = error_of(with("rfc = 9293\n\n", "rfc = 9293\nowner = \"x\"\n"));
  EXPECT_EQ(message.rfind("test.toml:4:1: owner: unknown key", 0), 0u) << message;
}

TEST(ParseCatalog, UnknownRequirementKey) {
  const std::string message = error_of(std::string(kValid) + "colour = \"red\"\n");
  EXPECT_EQ(message.rfind("test.toml:12:1: requirement[0].colour: unknown key", 0), 0u) << message;
}

TEST(ParseCatalog, WrongTypeInRequirement) {
  const std::string message = error_of(with("id = \"MUST-1\"", "id = 5"));
  EXPECT_EQ(message.rfind("test.toml:6:6: requirement[0].id: expected a string, found an integer", 0), 0u)
      << message;
}

TEST(ParseCatalog, WrongTypeAtTopLevel) {
  const std::string message = error_of(with("schema_version = 1", "schema_version = \"1\""));
  EXPECT_EQ(message, "test.toml:2:18: schema_version: expected an integer, found a string");
}

TEST(ParseCatalog, RequirementThatIsNotATable) {
  const std::string text =
      "schema = \"synack-requirements\"\nschema_version = 1\nrequirement = [1]\n";
  const std::string message = error_of(text);
  EXPECT_EQ(message.rfind("test.toml:3:16: requirement[0]: expected a table, found an integer", 0), 0u)
      << message;
}

TEST(ParseCatalog, BadLevelValue) {
  const std::string message = error_of(with("level = \"MUST\"", "level = \"SHOULD\""));
  EXPECT_EQ(message, "test.toml:7:9: requirement[0].level: expected MUST, SHLD or MAY, found \"SHOULD\"");
}

TEST(ParseCatalog, BadObservableValue) {
  const std::string message = error_of(with("observable = \"wire\"", "observable = \"maybe\""));
  EXPECT_EQ(message, "test.toml:10:14: requirement[0].observable: expected wire, api or none, found \"maybe\"");
}

TEST(ParseCatalog, MalformedId) {
  for (const char* id : {"MUST-01", "MUST-", "MUST13", "REC-1", "MUST-1a", "must-1"}) {
    const std::string message = error_of(with("\"MUST-1\"", "\"" + std::string(id) + "\""));
    EXPECT_EQ(message.rfind("test.toml:6:6: requirement[0].id: expected an ID like MUST-13", 0), 0u)
        << id << ": " << message;
  }
}

TEST(ParseCatalog, IdPrefixMustMatchLevel) {
  const std::string message = error_of(with("level = \"MUST\"", "level = \"SHLD\""));
  EXPECT_EQ(message, "test.toml:7:9: requirement[0].level: \"SHLD\" does not match the prefix of id \"MUST-1\"");
}

TEST(ParseCatalog, DuplicateId) {
  // The second table starts at line 12, so its id value sits at 13:6.
  const std::string text = std::string(kValid) + std::string(kValid.substr(kValid.find("[[requirement]]")));
  const std::string message = error_of(text);
  EXPECT_EQ(message, "test.toml:13:6: requirement[1].id: duplicate ID \"MUST-1\" (first at test.toml:6:6)");
}

TEST(ParseCatalog, NoneNeedsAReason) {
  const std::string empty_reason = error_of(with("observable = \"wire\"", "observable = \"none\""));
  EXPECT_EQ(empty_reason.rfind("test.toml:11:10: requirement[0].reason: observable is \"none\"", 0), 0u)
      << empty_reason;

  // Without a reason key at all, the problem points at the observable value.
  const std::string no_key =
      error_of(with("observable = \"wire\"\nreason = \"\"\n", "observable = \"none\"\n"));
  EXPECT_EQ(no_key.rfind("test.toml:10:14: requirement[0].reason: observable is \"none\"", 0), 0u) << no_key;
}

TEST(ParseCatalog, ReasonOnlyForUntestable) {
  const std::string message = error_of(with("reason = \"\"", "reason = \"because\""));
  EXPECT_EQ(message.rfind("test.toml:11:10: requirement[0].reason: only for observable = \"none\"", 0), 0u)
      << message;
}

TEST(ParseCatalog, WrongSchemaName) {
  const std::string message = error_of(with("\"synack-requirements\"", "\"other-schema\""));
  EXPECT_EQ(message, "test.toml:1:10: schema: expected \"synack-requirements\", found \"other-schema\"");
}

TEST(ParseCatalog, WrongSchemaVersion) {
  const std::string message = error_of(with("schema_version = 1", "schema_version = 2"));
  EXPECT_EQ(message, "test.toml:2:18: schema_version: this reader understands version 1, found 2");
}

TEST(ParseCatalog, MissingSchemaKeys) {
  const std::string message = error_of(with("schema = \"synack-requirements\"\nschema_version = 1\n", ""));
  EXPECT_NE(message.find("test.toml:1:1: schema: missing"), std::string::npos) << message;
  EXPECT_NE(message.find("test.toml:1:1: schema_version: missing"), std::string::npos) << message;
}

TEST(ParseCatalog, MissingRequirementKeyPointsAtItsTable) {
  const std::string message = error_of(with("section = \"3.1\"\n", ""));
  EXPECT_EQ(message, "test.toml:5:1: requirement[0].section: missing");
}

TEST(ParseCatalog, BadSectionAndSummary) {
  EXPECT_EQ(error_of(with("\"3.1\"", "\"three\"")),
            "test.toml:8:11: requirement[0].section: expected a section number like 3.10.7.4, found \"three\"");
  EXPECT_EQ(error_of(with("\"Window is unsigned.\"", "\"\"")),
            "test.toml:9:11: requirement[0].summary: empty; expected a one-line summary");
  EXPECT_EQ(error_of(with("\"Window is unsigned.\"", "\"two\\nlines\"")),
            "test.toml:9:11: requirement[0].summary: expected one line, found a line break");
}

TEST(ParseCatalog, ReportsEveryProblemOnItsOwnLineInFileOrder) {
  // toml++ visits keys alphabetically (observable before section); messages follow the file.
  std::string text = with("level = \"MUST\"", "level = \"SHOULD\"");
  text.replace(text.find("\"3.1\""), 5, "\"three\"");
  text.replace(text.find("\"wire\""), 6, "\"maybe\"");
  const std::string message = error_of(text);
  EXPECT_EQ(message,
            "test.toml:7:9: requirement[0].level: expected MUST, SHLD or MAY, found \"SHOULD\"\n"
            "test.toml:8:11: requirement[0].section: expected a section number like 3.10.7.4, found \"three\"\n"
            "test.toml:10:14: requirement[0].observable: expected wire, api or none, found \"maybe\"");
}

TEST(LoadCatalog, UnreadableFileNamesThePath) {
  const std::string path = std::string(SYNACK_BINARY_DIR) + "/no/such/catalog.toml";
  Result<Catalog> loaded = load_catalog(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().message.rfind(path + ": cannot open", 0), 0u) << loaded.error().message;
}

TEST(LoadCatalog, DirectoryIsNotACatalog) {
  const std::string path = std::string(SYNACK_SOURCE_DIR) + "/scripts";
  Result<Catalog> loaded = load_catalog(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().message.rfind(path + ": cannot", 0), 0u) << loaded.error().message;
}

}  // namespace
}  // namespace synack::catalog
