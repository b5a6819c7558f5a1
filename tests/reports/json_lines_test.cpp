// JSON Lines results: header, one durable line per script, end record; reading back complete,
// interrupted (no end record) and crash-truncated files.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <thread>

#include "reports/reports.h"
#include "tests/reports/sample_run.h"

namespace synack::reports {
namespace {

using testing::ScratchDir;
using testing::expect_same_run;
using testing::sample_run;

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

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

// Appends every script of `run` to a new sink at `path`; closes it only if `finish`.
void write_lines(const run::RunResult& run, const std::string& path, bool finish) {
  auto sink = JsonLinesSink::open(path, run);
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  for (const auto& script : run.scripts) (*sink)->append(script);
  if (finish) (*sink)->close(run);
  EXPECT_EQ((*sink)->error(), "");
}

TEST(JsonLines, EveryRecordIsOneLineWithItsType) {
  ScratchDir dir;
  const std::string path = dir.file("run.jsonl");
  write_lines(sample_run(), path, true);
  const auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 1 + sample_run().scripts.size() + 1);
  const auto header = nlohmann::json::parse(lines.front());
  EXPECT_EQ(header["type"], "header");
  EXPECT_EQ(header["schema"], "synack-results-lines");
  EXPECT_EQ(header["schema_version"], 1);
  EXPECT_EQ(header["target"], "reference");
  EXPECT_EQ(header["started_at"], "2026-11-21T17:51:01Z");
  EXPECT_EQ(header["options"]["tolerance_usecs"], "4000");
  const auto script = nlohmann::json::parse(lines[2]);
  EXPECT_EQ(script["type"], "script");
  EXPECT_EQ(script["status"], "fail");
  EXPECT_EQ(script["failure"]["line"], 12);
  const auto end = nlohmann::json::parse(lines.back());
  EXPECT_EQ(end["type"], "end");
  EXPECT_EQ(end["summary"]["total"], 5);
  EXPECT_EQ(end["interrupted"], true);
  EXPECT_EQ(end["not_run"].size(), 2u);
}

TEST(JsonLines, CompleteFileRoundTrips) {
  ScratchDir dir;
  const std::string path = dir.file("run.jsonl");
  const run::RunResult original = sample_run();
  write_lines(original, path, true);
  auto read = read_json_lines(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  expect_same_run(original, *read);
}

TEST(JsonLines, CompletedRunIsNotInterrupted) {
  ScratchDir dir;
  const std::string path = dir.file("run.jsonl");
  run::RunResult finished = sample_run();
  finished.interrupted = false;
  finished.not_run.clear();
  write_lines(finished, path, true);
  auto read = read_json_lines(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_FALSE(read->interrupted);
  EXPECT_TRUE(read->not_run.empty());
}

TEST(JsonLines, SinkDestroyedWithoutCloseReadsAsInterrupted) {
  ScratchDir dir;
  const std::string path = dir.file("run.jsonl");
  run::RunResult original = sample_run();
  original.interrupted = false;
  write_lines(original, path, false);
  auto read = read_json_lines(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_TRUE(read->interrupted);
  ASSERT_EQ(read->scripts.size(), original.scripts.size());
  testing::expect_same_script(original.scripts[1], read->scripts[1]);
  EXPECT_EQ(read->target, "reference");
}

TEST(JsonLines, LinesSurviveSigkillRightAfterAppend) {
  ScratchDir dir;
  const std::string path = dir.file("run.jsonl");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto sink = JsonLinesSink::open(path, sample_run());
    if (!sink.ok()) ::_exit(2);
    for (int i = 0; i < 3; ++i) (*sink)->append(sample_run().scripts[1]);
    ::kill(::getpid(), SIGKILL);
    ::_exit(3);  // not reached
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  auto read = read_json_lines(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_TRUE(read->interrupted);
  ASSERT_EQ(read->scripts.size(), 3u);
  testing::expect_same_script(sample_run().scripts[1], read->scripts[2]);
}

TEST(JsonLines, TruncatedLastLineIsIgnoredAndNoted) {
  ScratchDir dir;
  const std::string path = dir.file("run.jsonl");
  const run::RunResult original = sample_run();
  write_lines(original, path, false);
  // A crash in the middle of the last append: half a line, no newline.
  std::string text = read_text(path);
  const std::size_t last_line_start = text.rfind('\n', text.size() - 2) + 1;
  const std::size_t last_line_length = text.size() - last_line_start;
  text.resize(last_line_start + last_line_length / 2);
  write_text(path, text);

  std::vector<std::string> notes;
  auto read = read_json_lines(path, &notes);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_TRUE(read->interrupted);
  EXPECT_EQ(read->scripts.size(), original.scripts.size() - 1);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].rfind(path + ":6: truncated last line ignored", 0), 0u) << notes[0];
}

TEST(JsonLines, LastLineWithoutNewlineButCompleteIsKept) {
  ScratchDir dir;
  const std::string path = dir.file("run.jsonl");
  write_lines(sample_run(), path, true);
  std::string text = read_text(path);
  text.pop_back();
  write_text(path, text);
  std::vector<std::string> notes;
  auto read = read_json_lines(path, &notes);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_TRUE(notes.empty());
  EXPECT_EQ(read->not_run.size(), 2u);
}

TEST(JsonLines, HeaderOnly) {
  ScratchDir dir;
  const std::string path = dir.file("run.jsonl");
  run::RunResult header = sample_run();
  header.scripts.clear();
  write_lines(header, path, false);
  auto read = read_json_lines(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_TRUE(read->scripts.empty());
  EXPECT_TRUE(read->interrupted);
  EXPECT_EQ(read->options, header.options);
}

TEST(JsonLines, ErrorsNameFileLineAndJsonPath) {
  ScratchDir dir;
  const std::string path = dir.file("run.jsonl");
  write_lines(sample_run(), path, true);
  auto lines = lines_of(path);

  auto error_with_line = [&](std::size_t index, const std::string& replacement) {
    auto edited = lines;
    edited[index] = replacement;
    std::string text;
    for (const auto& l : edited) text += l + "\n";
    write_text(path, text);
    auto read = read_json_lines(path);
    return read.ok() ? std::string("(no error)") : read.error().message;
  };
  auto script = nlohmann::ordered_json::parse(lines[1]);
  script["trace"][0]["kind"] = "sent";
  EXPECT_EQ(error_with_line(1, script.dump()),
            path + ":2: trace[0].kind: expected one of injected|observed|malformed|call_start|"
                   "call_return|command|assert, found \"sent\"");
  // A broken line that is not the last one is damage, not a crash artefact.
  EXPECT_EQ(error_with_line(2, "{\"type\": \"scr").rfind(path + ":3: not JSON: ", 0), 0u);
  EXPECT_EQ(error_with_line(0, "{\"type\":\"header\",\"schema\":\"synack-results\",\"schema_version\":1}"),
            path + ":1: schema: expected \"synack-results-lines\", found \"synack-results\"");
  EXPECT_EQ(error_with_line(0, lines[1]), path + ":1: type: expected \"header\", found \"script\"");
  EXPECT_EQ(error_with_line(3, "{\"type\":\"note\"}"),
            path + ":4: type: expected one of script|end, found \"note\"");
  EXPECT_EQ(error_with_line(3, lines.back()), path + ":5: unexpected line after the end record");
}

TEST(JsonLines, ConcurrentAppendsKeepLinesWhole) {
  ScratchDir dir;
  const std::string path = dir.file("run.jsonl");
  auto sink = JsonLinesSink::open(path, sample_run());
  ASSERT_TRUE(sink.ok());
  const run::ScriptResult script = sample_run().scripts[0];
  auto append_many = [&] {
    for (int i = 0; i < 40; ++i) (*sink)->append(script);
  };
  std::thread a(append_many), b(append_many);
  a.join();
  b.join();
  sink->reset();
  auto read = read_json_lines(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->scripts.size(), 80u);
}

TEST(JsonLines, OpenFailsWithThePath) {
  ScratchDir dir;
  const std::string path = dir.file("missing/run.jsonl");
  auto sink = JsonLinesSink::open(path, sample_run());
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.error().message, path + ": cannot create: No such file or directory");
}

TEST(JsonLines, ReadMissingFile) {
  ScratchDir dir;
  auto read = read_json_lines(dir.file("none.jsonl"));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().message, dir.file("none.jsonl") + ": cannot read: No such file or directory");
}

TEST(JsonLines, AppendAfterCloseIsIgnored) {
  ScratchDir dir;
  const std::string path = dir.file("run.jsonl");
  auto sink = JsonLinesSink::open(path, sample_run());
  ASSERT_TRUE(sink.ok());
  (*sink)->close(sample_run());
  (*sink)->append(sample_run().scripts[0]);
  (*sink)->close(sample_run());
  EXPECT_EQ(lines_of(path).size(), 2u);
}

}  // namespace
}  // namespace synack::reports
