// The JSON results document: exact round trip, schema identity, atomic writes, and read_json's
// error messages (each names the file and the JSON path of the problem).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "reports/reports.h"
#include "tests/reports/sample_run.h"

namespace synack::reports {
namespace {

using testing::ScratchDir;
using testing::sample_run;
using testing::expect_same_run;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

std::vector<std::string> directory_listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(JsonDocument, RoundTripPreservesEveryField) {
  ScratchDir dir;
  const run::RunResult original = sample_run();
  const std::string path = dir.file("results.json");
  ASSERT_TRUE(write_json(original, path).ok());
  auto read = read_json(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  expect_same_run(original, *read);
  // Writing what was read gives the same bytes.
  EXPECT_EQ(to_json(*read), to_json(original));
}

// A pass on a retry (--retries) keeps its failed attempts, and says it is flaky.
TEST(JsonDocument, RoundTripKeepsEarlierAttemptsAndMarksAFlakyPass) {
  ScratchDir dir;
  run::RunResult original = sample_run();
  run::Verdict first = testing::failing_script().verdict;
  first.wall_seconds = 1.5;
  original.scripts[0].earlier_attempts = {first};
  const std::string path = dir.file("results.json");
  ASSERT_TRUE(write_json(original, path).ok());
  const std::string text = read_text(path);
  const auto doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["scripts"][0]["flaky"], true);
  EXPECT_EQ(doc["scripts"][0]["earlier_attempts"][0]["failure"]["message"], "flags differ");
  EXPECT_EQ(doc["scripts"][1]["flaky"], false);
  auto read = read_json(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  expect_same_run(original, *read);
  EXPECT_TRUE(read->scripts[0].flaky());
  // A document without the member (written before --retries existed) still reads.
  auto old = doc;
  for (auto& script : old["scripts"]) { script.erase("earlier_attempts"); script.erase("flaky"); }
  write_text(path, old.dump());
  auto read_old = read_json(path);
  ASSERT_TRUE(read_old.ok()) << read_old.error().message;
  EXPECT_TRUE(read_old->scripts[0].earlier_attempts.empty());
}

TEST(JsonDocument, RoundTripOfAnEmptyRun) {
  ScratchDir dir;
  run::RunResult empty;
  ASSERT_TRUE(write_json(empty, dir.file("r.json")).ok());
  auto read = read_json(dir.file("r.json"));
  ASSERT_TRUE(read.ok()) << read.error().message;
  expect_same_run(empty, *read);
}

TEST(JsonDocument, CarriesSchemaNameVersionAndSummary) {
  const auto doc = nlohmann::json::parse(to_json(sample_run()));
  EXPECT_EQ(doc["schema"], "synack-results");
  EXPECT_EQ(doc["schema_version"], 1);
  EXPECT_EQ(doc["summary"]["total"], 5);
  EXPECT_EQ(doc["summary"]["pass"], 1);
  EXPECT_EQ(doc["summary"]["fail"], 1);
  EXPECT_EQ(doc["summary"]["skipped"], 1);
  EXPECT_EQ(doc["summary"]["error"], 1);
  EXPECT_EQ(doc["summary"]["expected-deviation"], 1);
  EXPECT_EQ(doc["options"]["jobs"], "2");
  EXPECT_EQ(doc["not_run"].size(), 2u);
}

TEST(JsonDocument, DescribesSegmentsReadably) {
  const auto doc = nlohmann::json::parse(to_json(sample_run()));
  const auto& observed = doc["scripts"][0]["trace"][3];
  EXPECT_EQ(observed["kind"], "observed");
  EXPECT_EQ(observed["wire"], "4500003c");
  const auto& seg = observed["segment"];
  EXPECT_EQ(seg["src"], "192.0.2.1");
  EXPECT_EQ(seg["dst"], "198.51.100.7");
  EXPECT_EQ(seg["seq"], 0xfffffff0u);
  EXPECT_EQ(seg["flags"], net::flag::SYN | net::flag::ACK);
  EXPECT_EQ(seg["flags_text"], "S.");
  EXPECT_EQ(seg["options"][0]["kind"], 2);
  EXPECT_EQ(seg["options"][0]["data"], "05b4");
  EXPECT_EQ(seg["payload_len"], 0);
  EXPECT_EQ(seg["checksum_ok"], false);
  const auto& injected = doc["scripts"][0]["trace"][2]["segment"];
  EXPECT_EQ(injected["src"], "2001:db8::1");
  EXPECT_EQ(injected["payload"], "686900ff0a");
  EXPECT_EQ(injected["options"][0]["wire_length"], 9);
  const auto& entry_without_segment = doc["scripts"][0]["trace"][0];
  EXPECT_TRUE(entry_without_segment["segment"].is_null());
  EXPECT_EQ(entry_without_segment["kind"], "call_start");
  EXPECT_TRUE(doc["scripts"][0]["failure"].is_null());
  EXPECT_EQ(doc["scripts"][1]["failure"]["expected"], "R. 1:1(0) ack 1 win 0");
  EXPECT_EQ(doc["scripts"][1]["status"], "fail");
  EXPECT_EQ(doc["scripts"][4]["status"], "expected-deviation");
}

TEST(JsonDocument, AtomicWriteReplacesTargetAndLeavesNoTemporaryFiles) {
  ScratchDir dir;
  const std::string path = dir.file("results.json");
  write_text(path, "old contents");
  ASSERT_TRUE(write_json(sample_run(), path).ok());
  EXPECT_EQ(read_text(path), to_json(sample_run()));
  EXPECT_EQ(directory_listing(dir.path()), std::vector<std::string>{"results.json"});
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::others_read);
}

TEST(JsonDocument, FailedWriteNamesThePathAndLeavesNothingBehind) {
  ScratchDir dir;
  const std::string path = dir.file("missing/results.json");
  auto written = write_json(sample_run(), path);
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.error().message.find(path + ": "), std::string::npos) << written.error().message;
  EXPECT_NE(written.error().message.find("No such file or directory"), std::string::npos);
  EXPECT_TRUE(directory_listing(dir.path()).empty());
}

TEST(JsonDocument, FailedWriteLeavesAnExistingTargetUnchanged) {
  ScratchDir dir;
  // The target is a directory: rename() fails after the temporary file was written.
  const std::string path = dir.file("results.json");
  std::filesystem::create_directory(path);
  auto written = write_json(sample_run(), path);
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.error().message.find(path + ": "), std::string::npos) << written.error().message;
  EXPECT_EQ(directory_listing(dir.path()), std::vector<std::string>{"results.json"});
  EXPECT_TRUE(std::filesystem::is_directory(path));
}

// ---- read_json errors --------------------------------------------------------------------------

class ReadJsonErrors : public ::testing::Test {
 protected:
  // Writes the sample document with `edit` applied and returns read_json's error message.
  template <class Edit>
  std::string error_after(Edit edit) {
    auto doc = nlohmann::ordered_json::parse(to_json(sample_run()));
    edit(doc);
    write_text(path_, doc.dump());
    return error_of_file();
  }
  std::string error_of_file() {
    auto read = read_json(path_);
    if (read.ok()) return "(no error)";
    return read.error().message;
  }
  ScratchDir dir_;
  std::string path_ = dir_.file("results.json");
};

TEST_F(ReadJsonErrors, MissingFile) {
  auto read = read_json(dir_.file("nope.json"));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().message, dir_.file("nope.json") + ": cannot read: No such file or directory");
}

TEST_F(ReadJsonErrors, NotJson) {
  write_text(path_, "{\"schema\": ");
  const std::string message = error_of_file();
  EXPECT_EQ(message.rfind(path_ + ": not JSON: parse error at line 1, column", 0), 0u) << message;
}

TEST_F(ReadJsonErrors, NotAnObject) {
  write_text(path_, "[1, 2]");
  EXPECT_EQ(error_of_file(), path_ + ": expected an object, found an array");
}

TEST_F(ReadJsonErrors, WrongSchemaName) {
  EXPECT_EQ(error_after([](auto& d) { d["schema"] = "synack-results-lines"; }),
            path_ + ": schema: expected \"synack-results\", found \"synack-results-lines\"");
}

TEST_F(ReadJsonErrors, UnsupportedSchemaVersion) {
  EXPECT_EQ(error_after([](auto& d) { d["schema_version"] = 2; }),
            path_ + ": schema_version: unsupported version 2 (this build reads version 1)");
}

TEST_F(ReadJsonErrors, SchemaVersionNotAnInteger) {
  EXPECT_EQ(error_after([](auto& d) { d["schema_version"] = "1"; }),
            path_ + ": schema_version: expected an integer, found \"1\"");
}

TEST_F(ReadJsonErrors, MissingTopLevelField) {
  EXPECT_EQ(error_after([](auto& d) { d.erase("started_at"); }), path_ + ": started_at: missing");
}

TEST_F(ReadJsonErrors, UnknownStatus) {
  EXPECT_EQ(error_after([](auto& d) { d["scripts"][3]["status"] = "ok"; }),
            path_ + ": scripts[3].status: expected one of pass|fail|skipped|error|expected-deviation, "
                    "found \"ok\"");
}

TEST_F(ReadJsonErrors, MissingFieldDeepInATrace) {
  EXPECT_EQ(error_after([](auto& d) { d["scripts"][0]["trace"][2].erase("time_us"); }),
            path_ + ": scripts[0].trace[2].time_us: missing");
}

TEST_F(ReadJsonErrors, MistypedFields) {
  EXPECT_EQ(error_after([](auto& d) { d["interrupted"] = "yes"; }),
            path_ + ": interrupted: expected true or false, found \"yes\"");
  EXPECT_EQ(error_after([](auto& d) { d["scripts"][1]["failure"]["line"] = 1.5; }),
            path_ + ": scripts[1].failure.line: expected an integer, found 1.5");
  EXPECT_EQ(error_after([](auto& d) { d["scripts"][0]["requirements"][1] = 5; }),
            path_ + ": scripts[0].requirements[1]: expected a string, found 5");
  EXPECT_EQ(error_after([](auto& d) { d["scripts"] = nlohmann::ordered_json::object(); }),
            path_ + ": scripts: expected an array, found an object");
  EXPECT_EQ(error_after([](auto& d) { d["options"]["jobs"] = 2; }),
            path_ + ": options.jobs: expected a string, found 2");
  EXPECT_EQ(error_after([](auto& d) { d["wall_seconds"] = nullptr; }),
            path_ + ": wall_seconds: expected a number, found null");
}

TEST_F(ReadJsonErrors, OutOfRangeAndMalformedSegmentFields) {
  EXPECT_EQ(error_after([](auto& d) { d["scripts"][0]["trace"][3]["segment"]["sport"] = 70000; }),
            path_ + ": scripts[0].trace[3].segment.sport: expected an integer 0..65535, found 70000");
  EXPECT_EQ(error_after([](auto& d) { d["scripts"][0]["trace"][3]["segment"]["seq"] = -1; }),
            path_ + ": scripts[0].trace[3].segment.seq: expected an integer 0..4294967295, found -1");
  EXPECT_EQ(error_after([](auto& d) { d["scripts"][0]["trace"][3]["wire"] = "4g"; }),
            path_ + ": scripts[0].trace[3].wire: expected a hex string, found \"4g\"");
  EXPECT_EQ(error_after([](auto& d) { d["scripts"][0]["trace"][3]["segment"]["src"] = "192.0.2"; }),
            path_ + ": scripts[0].trace[3].segment.src: expected an IPv4 or IPv6 address, found \"192.0.2\"");
  EXPECT_EQ(error_after([](auto& d) { d["scripts"][0]["trace"][2]["segment"]["options"][1]["kind"] = "sack"; }),
            path_ + ": scripts[0].trace[2].segment.options[1].kind: expected an integer, found \"sack\"");
  EXPECT_EQ(error_after([](auto& d) { d["scripts"][0]["trace"][2]["segment"]["payload_len"] = 4; }),
            path_ + ": scripts[0].trace[2].segment.payload_len: expected the length of payload (5), found 4");
  EXPECT_EQ(error_after([](auto& d) { d["scripts"][0]["trace"][1]["kind"] = "sent"; }),
            path_ + ": scripts[0].trace[1].kind: expected one of injected|observed|malformed|call_start|"
                    "call_return|command|assert, found \"sent\"");
}

TEST_F(ReadJsonErrors, UnknownMembersAreIgnored) {
  // Additive schema changes keep the version: an older reader must accept newer documents.
  EXPECT_EQ(error_after([](auto& d) {
              d["new_top_level"] = 1;
              d["scripts"][0]["new_field"] = {1, 2};
            }),
            "(no error)");
}

}  // namespace
}  // namespace synack::reports
