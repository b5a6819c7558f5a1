// Malformed input: every file in tests/script/malformed/ (one defect each, the expected message in
// its first line as "// expect: ...") and generated hostile input fail with a located diagnostic.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "harness/script/parser.h"
#include "tests/script/helpers.h"

namespace synack::script {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The diagnostic is located, rendered as "file:L:C: error: ..." with the line and a caret.
void expect_located(const ParseResult& result, const std::string& path) {
  ASSERT_FALSE(result.ok());
  ASSERT_FALSE(result.diagnostics.empty());
  const Diagnostic& d = result.diagnostics[0];
  EXPECT_GT(d.loc.line, 0);
  EXPECT_GT(d.loc.column, 0);
  EXPECT_GT(d.caret_column, 0);
  EXPECT_FALSE(d.message.empty());
  std::string rendered = d.render();
  std::string where = path + ":" + std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) + ":";
  EXPECT_EQ(rendered.rfind(where, 0), 0u) << rendered;
  EXPECT_NE(rendered.find("error: "), std::string::npos);
  EXPECT_EQ(rendered.back(), '^') << rendered;
}

TEST(Malformed, EveryFileFailsWithItsMessage) {
  std::vector<fs::path> files;
  for (const auto& entry :
       fs::directory_iterator(fs::path(SYNACK_SOURCE_DIR) / "tests/script/malformed")) {
    if (entry.path().extension() == ".pkt") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 30u);
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.filename().string());
    std::string text = read_file(file);
    const std::string marker = "// expect: ";
    ASSERT_EQ(text.rfind(marker, 0), 0u) << "first line must be '// expect: <message part>'";
    std::string expected = text.substr(marker.size(), text.find('\n') - marker.size());
    ParseResult result = parse_file(file.string());
    expect_located(result, file.string());
    if (!result.diagnostics.empty()) {
      EXPECT_NE(result.diagnostics[0].message.find(expected), std::string::npos)
          << result.diagnostics[0].render();
      // The caret's line is the located line of the file.
      int line = result.diagnostics[0].loc.line;
      std::istringstream lines(text);
      std::string source_line;
      for (int i = 0; i < line; ++i) std::getline(lines, source_line);
      if (source_line.size() <= 120) {
        EXPECT_EQ(result.diagnostics[0].line_text, source_line);
      }
    }
  }
}

// Exact positions for a few representative defects.
struct Case {
  const char* text;
  int line;
  int column;
  const char* message;
};

TEST(Malformed, ExactLocationsAndMessages) {
  const Case cases[] = {
      {"0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < SX 0:0(0) win 1\n", 2, 7,
       "invalid TCP flag 'X' in 'SX' (flags are S F R P . E W U A)"},
      {"0 close(3) = 0\n+0 < S 0:0(0) win\n", 2, 18, "expected win value, found end of file"},
      {"0 close(3) = 0\n+0 < S 0:0(0) win 10 <mss 1000 nop>\n", 2, 32,
       "expected ',' or '>' in the option list, found 'nop'"},
      {"0 close(3) = 0\n+0 < S 0:0x(0) win 10\n", 2, 10, "malformed number '0x'"},
      {"0 close(3) = 0\n+0 foo(3) = 0\n", 2, 4, "unknown system call 'foo'"},
      {"0 close(3) = 0\n+0 close(3)\n", 2, 12, "expected '=' and the expected result after the system call, found end of file"},
      {"0 close(3) = 0\n  +0 < . 1:1(0) ack 1\n", 2, 6, "inbound packets need 'win'"},
      {"0 close(3) = 0\n+0 < P. 1:11(9) win 1\n", 2, 14,
       "payload length 9 does not match the sequence range 1:11 (expected 10)"},
      {"0 close(3) = 0\n0.5 close(3) = 0\n0.25 close(3) = 0\n", 3, 1,
       "time goes backwards: 0.25 is before the previous event at 0.5"},
      {"+1 close(3) = 0\n", 1, 1, "the first event must be at time 0 ('0' or '+0'), found '+1'"},
      {"", 1, 1, "script has no events"},
      {"  \n\n// nothing\n", 1, 1, "script has no events"},
      {"0 close(3) = 0\n+0 `never closed\n", 2, 4, "unterminated shell command '`'"},
      {"0 close(3) = 0 /* open\n", 1, 16, "unterminated block comment '/*'"},
      {"0 close(3) = 0\n+0 < udp (1000)\n", 2, 6,
       "unsupported packet type 'udp' (only TCP segments and injected ICMP errors are supported)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    ParseResult result = parse(c.text, "x.pkt");
    expect_located(result, "x.pkt");
    if (result.diagnostics.empty()) continue;
    EXPECT_EQ(result.diagnostics[0].loc.line, c.line);
    EXPECT_EQ(result.diagnostics[0].loc.column, c.column);
    EXPECT_EQ(result.diagnostics[0].message, c.message);
  }
}

TEST(Malformed, EmptyFile) {
  ParseResult result = parse("", "empty.pkt");
  expect_located(result, "empty.pkt");
  EXPECT_EQ(result.diagnostics[0].render(), "empty.pkt:1:1: error: script has no events\n    \n    ^");
}

TEST(Malformed, NulBytes) {
  std::string text = "0 close(3) = 0\n+0 clo";
  text += '\0';
  text += "se(3) = 0\n";
  ParseResult result = parse(text, "nul.pkt");
  expect_located(result, "nul.pkt");
  EXPECT_EQ(result.diagnostics[0].message, "unexpected byte 0x00");
  EXPECT_EQ(result.diagnostics[0].loc.line, 2);
  EXPECT_EQ(result.diagnostics[0].loc.column, 7);
}

TEST(Malformed, InvalidUtf8AndControlBytes) {
  ParseResult bad_utf8 = parse("0 close(3) = 0 // caf\xc3\n", "u.pkt");
  expect_located(bad_utf8, "u.pkt");
  EXPECT_EQ(bad_utf8.diagnostics[0].message, "unexpected byte 0xc3 (not valid UTF-8)");
  ParseResult control = parse("0 close(3) = 0\x01\n", "c.pkt");
  expect_located(control, "c.pkt");
  EXPECT_EQ(control.diagnostics[0].loc.column, 15);
  // Valid UTF-8 in a comment is fine.
  EXPECT_TRUE(parse("0 close(3) = 0 // 40 \xc2\xb5s\n").ok());
}

TEST(Malformed, BinaryGarbage) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 200; ++round) {
    std::string text(static_cast<std::size_t>(rng() % 4096), '\0');
    for (char& c : text) c = static_cast<char>(rng() & 0xFF);
    ParseResult result = parse(text, "garbage.pkt");
    expect_located(result, "garbage.pkt");
  }
}

TEST(Malformed, PrintableGarbage) {
  // Printable noise gets past the byte check and exercises the lexer and parser.
  std::mt19937 rng(777);
  const std::string alphabet = "0123456789+.*~<>[](){},:=|-`%\"/ \nSFRP.EWUAackwinurgmssTSvalecr";
  for (int round = 0; round < 2000; ++round) {
    std::string text(static_cast<std::size_t>(rng() % 200), ' ');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    ParseResult result = parse(text, "noise.pkt");
    if (!result.ok()) expect_located(result, "noise.pkt");
  }
}

TEST(Malformed, TenMegabyteLine) {
  const std::size_t kSize = 10 * 1024 * 1024;
  // A huge token where a number belongs, a huge run of blanks before a bad token, and a huge valid
  // list that is never closed: each fails fast, and the rendered diagnostic stays short.
  std::vector<std::string> texts;
  texts.push_back("0 close(3) = 0\n+0 < S 0:0(0) win " + std::string(kSize, 'x') + "\n");
  texts.push_back("0 close(3) = 0" + std::string(kSize, ' ') + "@\n");
  std::string list = "0 socket(";
  while (list.size() < kSize) list += "1, ";
  texts.push_back(list);
  texts.push_back("0 open(\"" + std::string(kSize, 'a') + "\", O_RDONLY) = 3 !\n");
  texts.push_back("0 close(3) = 0 // " + std::string(kSize, 'c') + "\n+0 close(3) = 0 /*" + std::string(kSize, 'd'));
  for (const std::string& text : texts) {
    auto start = std::chrono::steady_clock::now();
    ParseResult result = parse(text, "huge.pkt");
    auto elapsed = std::chrono::steady_clock::now() - start;
    expect_located(result, "huge.pkt");
    std::string rendered = result.diagnostics[0].render();
    EXPECT_LT(rendered.size(), 1000u) << rendered.substr(0, 2000);
    EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(elapsed).count(), 20);
    const Diagnostic& d = result.diagnostics[0];
    ASSERT_GE(d.caret_column, 1);
    ASSERT_LE(static_cast<std::size_t>(d.caret_column), d.line_text.size() + 1);
  }
}

TEST(Malformed, HugeLineCaretPointsAtTheError) {
  std::string text = "0 close(3) = 0\n+0 close(" + std::string(5000, ' ') + "3 4) = 0\n";
  ParseResult result = parse(text, "wide.pkt");
  expect_located(result, "wide.pkt");
  const Diagnostic& d = result.diagnostics[0];
  EXPECT_EQ(d.loc.column, 10 + 5000 + 2);
  EXPECT_EQ(d.line_text.substr(0, 3), "...");
  EXPECT_LE(d.line_text.size(), 90u);
  EXPECT_EQ(d.line_text[static_cast<std::size_t>(d.caret_column - 1)], '4');
}

TEST(Malformed, DeeplyNestedBrackets) {
  for (char open : {'[', '{', '('}) {
    std::string text = "0 socket(";
    if (open == '(') {
      for (int i = 0; i < 100000; ++i) text += "f(";
    } else if (open == '{') {
      for (int i = 0; i < 100000; ++i) text += "{a=";
    } else {
      text += std::string(100000, open);
    }
    ParseResult result = parse(text, "deep.pkt");
    expect_located(result, "deep.pkt");
    EXPECT_NE(result.diagnostics[0].message.find("nested deeper than 64"), std::string::npos)
        << result.diagnostics[0].message;
  }
  // 64 levels are fine.
  std::string ok = "0 socket(" + std::string(63, '[') + std::string(63, ']') + ") = 3\n";
  EXPECT_TRUE(parse(ok).ok());
}

TEST(Malformed, LongOrChainIsBounded) {
  std::string text = "0 fcntl(3, F_SETFL, A";
  for (int i = 0; i < 100000; ++i) text += "|A";
  text += ") = 0\n";
  ParseResult result = parse(text, "or.pkt");
  expect_located(result, "or.pkt");
}

TEST(Malformed, UnreadableFile) {
  ParseResult result = parse_file("/nonexistent/dir/x.pkt");
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].path, "/nonexistent/dir/x.pkt");
  EXPECT_EQ(result.diagnostics[0].loc.line, 0);
  EXPECT_EQ(result.diagnostics[0].render(),
            "/nonexistent/dir/x.pkt:0:0: error: cannot read the script: No such file or directory");
  ParseResult directory = parse_file(SYNACK_SOURCE_DIR);
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.diagnostics[0].message, "cannot read the script: Is a directory");
}

}  // namespace
}  // namespace synack::script
