// Bounded random mutation of the valid scripts (fixed seed): parse never throws or crashes, every
// failure carries a located diagnostic, and every success survives parse -> print -> parse.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "harness/script/parser.h"

namespace synack::script {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> seed_scripts() {
  std::vector<std::string> out;
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(fs::path(SYNACK_SOURCE_DIR) / "tests/script/valid")) {
    paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  for (const fs::path& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    out.push_back(text.str());
  }
  return out;
}

// Fragments that are meaningful to the grammar, so mutations reach deep into it.
const std::vector<std::string> kFragments = {
    "<", ">", "...", "~", "+", "*", "[", "]", "{", "}", "(", ")", "\"", "`", "%{", "}%", "/*", "*/",
    "//", "\n", " ", ",", ":", "=", "|", "-", ".", "win", "ack", "urg", "0x", "-1", "0", "+.1",
    "4294967295", "65536", "S", "F.", "nop", "mss", "sack", "TS val", "ecr", "FO", "kind", "data",
    "ect0", "tos", "EAGAIN", "(text)", "--x=1", "-D A=1", "// title: t", "// requirement: R-1",
    "udp", "close", "socket(", "\\x4", "\\", "ab", "zz", "\t", "\r\n",
};

std::string mutate(std::string text, std::mt19937& rng) {
  auto pick = [&](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); };
  int rounds = 1 + static_cast<int>(rng() % 3);
  for (int r = 0; r < rounds; ++r) {
    std::size_t at = pick(text.size() + 1);
    switch (rng() % 6) {
      case 0:  // delete a short range
        text.erase(std::min(at, text.size()), 1 + pick(8));
        break;
      case 1:  // insert a grammar fragment
        text.insert(std::min(at, text.size()), kFragments[pick(kFragments.size())]);
        break;
      case 2:  // replace a byte with a printable one
        if (!text.empty()) text[pick(text.size())] = static_cast<char>(' ' + pick(95));
        break;
      case 3: {  // duplicate a range
        std::size_t from = pick(text.size());
        std::string chunk = text.substr(from, 1 + pick(40));
        text.insert(std::min(at, text.size()), chunk);
        break;
      }
      case 4: {  // move a line elsewhere
        std::size_t begin = text.rfind('\n', std::min(at, text.size() - (text.empty() ? 0 : 1)));
        begin = begin == std::string::npos ? 0 : begin + 1;
        std::size_t end = text.find('\n', begin);
        if (end == std::string::npos) break;
        std::string line = text.substr(begin, end - begin + 1);
        text.erase(begin, line.size());
        text.insert(pick(text.size() + 1), line);
        break;
      }
      default:  // any byte at all
        text.insert(std::min(at, text.size()), 1, static_cast<char>(rng() & 0xFF));
        break;
    }
  }
  return text;
}

TEST(Mutation, ParseNeverCrashesAndSuccessesRoundTrip) {
  std::vector<std::string> seeds = seed_scripts();
  ASSERT_FALSE(seeds.empty());
  // Fixed by default; SYNACK_MUTATION_SEED / SYNACK_MUTATIONS explore further by hand.
  const char* seed_env = std::getenv("SYNACK_MUTATION_SEED");
  const char* count_env = std::getenv("SYNACK_MUTATIONS");
  std::mt19937 rng(seed_env ? static_cast<unsigned>(std::strtoul(seed_env, nullptr, 10)) : 20240601u);
  const int kMutations = count_env ? std::atoi(count_env) : 20000;
  int accepted = 0, rejected = 0;
  for (int i = 0; i < kMutations; ++i) {
    std::string text = mutate(seeds[static_cast<std::size_t>(i) % seeds.size()], rng);
    ParseResult result;
    ASSERT_NO_THROW(result = parse(text, "mutant.pkt")) << text;
    if (!result.ok()) {
      ++rejected;
      ASSERT_EQ(result.diagnostics.size(), 1u) << text;
      const Diagnostic& d = result.diagnostics[0];
      ASSERT_GT(d.loc.line, 0) << text;
      ASSERT_GT(d.loc.column, 0) << text;
      ASSERT_GT(d.caret_column, 0) << text;
      ASSERT_LE(static_cast<std::size_t>(d.caret_column), d.line_text.size() + 1) << text;
      std::string where = "mutant.pkt:" + std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column);
      ASSERT_EQ(d.render().rfind(where, 0), 0u) << text;
      continue;
    }
    ++accepted;
    std::string printed = print(*result.script);
    ParseResult again = parse(printed, "printed.pkt");
    ASSERT_TRUE(again.ok()) << "mutant:\n" << text << "\nprinted:\n" << printed << "\n"
                            << again.diagnostics[0].render();
    ASSERT_EQ(*again.script, *result.script) << "mutant:\n" << text << "\nprinted:\n" << printed;
    ASSERT_EQ(print(*again.script), printed);
  }
  // Both outcomes must be well represented, or the mutator is not testing much.
  EXPECT_GT(accepted, kMutations / 20);
  EXPECT_GT(rejected, kMutations / 4);
  std::cout << "mutations: " << accepted << " accepted, " << rejected << " rejected\n";
}

}  // namespace
}  // namespace synack::script
