// The tokenizer on its own: token kinds, positions, raw reads and comment collection.
#include <gtest/gtest.h>

#include "harness/script/lexer.h"

namespace synack::script {
namespace {

std::vector<Token> all_tokens(std::string_view text) {
  Lexer lexer(text);
  std::vector<Token> out;
  while (true) {
    Token t = lexer.next();
    if (t.kind == TokenKind::End || t.kind == TokenKind::Error) {
      out.push_back(std::move(t));
      return out;
    }
    out.push_back(std::move(t));
  }
}

TEST(Lexer, NumbersDotsAndEllipsis) {
  auto tokens = all_tokens("0...0.2 +.1 1.5 0x1F ... .");
  std::vector<std::pair<TokenKind, std::string>> got;
  for (const Token& t : tokens) got.emplace_back(t.kind, std::string(t.text));
  std::vector<std::pair<TokenKind, std::string>> want = {
      {TokenKind::Number, "0"},   {TokenKind::Ellipsis, "..."}, {TokenKind::Number, "0.2"},
      {TokenKind::Punct, "+"},    {TokenKind::Number, ".1"},    {TokenKind::Number, "1.5"},
      {TokenKind::Number, "0x1F"}, {TokenKind::Ellipsis, "..."}, {TokenKind::Punct, "."},
      {TokenKind::End, ""}};
  EXPECT_EQ(got, want);
}

TEST(Lexer, MalformedNumbers) {
  for (const char* text : {"1.2.3", "0x", "12ab", "0xfg"}) {
    auto tokens = all_tokens(text);
    EXPECT_EQ(tokens.back().kind, TokenKind::Error) << text;
    EXPECT_NE(tokens.back().value.find("malformed number"), std::string::npos) << text;
  }
}

TEST(Lexer, StringsCommandsAndCode) {
  auto tokens = all_tokens("\"a\\x41\\n\" `ls -l` %{ x }%");
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[0].kind, TokenKind::String);
  EXPECT_EQ(tokens[0].value, "aA\n");
  EXPECT_EQ(tokens[1].kind, TokenKind::Backtick);
  EXPECT_EQ(tokens[1].value, "ls -l");
  EXPECT_EQ(tokens[2].kind, TokenKind::Code);
  EXPECT_EQ(tokens[2].value, "x");
}

TEST(Lexer, PositionsAcrossLinesAndComments) {
  auto tokens = all_tokens("a /* x\ny */ b\n  // c\n\tcc");
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[1].pos.loc().line, 2);
  EXPECT_EQ(tokens[1].pos.loc().column, 6);
  EXPECT_EQ(tokens[2].pos.loc().line, 4);
  EXPECT_EQ(tokens[2].pos.loc().column, 2);
  EXPECT_EQ(tokens[2].end.loc().column, 4);
}

TEST(Lexer, CommentsAreCollectedOnceDespiteRewinds) {
  Lexer lexer("// one\nx // two\ny");
  lexer.peek();
  lexer.skip_to_next_token();  // rewind to 'x'
  EXPECT_EQ(lexer.next().text, "x");
  lexer.peek();
  lexer.skip_to_next_token();
  EXPECT_EQ(lexer.next().text, "y");
  ASSERT_EQ(lexer.line_comments().size(), 2u);
  EXPECT_EQ(lexer.line_comments()[0].body, " one");
  EXPECT_EQ(lexer.line_comments()[1].body, " two");
}

TEST(Lexer, RawReads) {
  Lexer lexer("  S. 1:1  --a=b c\n(x (y) z) rest");
  lexer.peek();
  EXPECT_EQ(lexer.take_while([](char c) { return c == 'S' || c == '.'; }), "S.");
  EXPECT_EQ(lexer.next().text, "1");
  EXPECT_EQ(lexer.next().text, ":");
  EXPECT_EQ(lexer.next().text, "1");
  EXPECT_EQ(lexer.take_line(), "--a=b c");
  std::string_view inside;
  ASSERT_TRUE(lexer.take_parenthesized(inside));
  EXPECT_EQ(inside, "x (y) z");
  Token rest = lexer.next();
  EXPECT_EQ(rest.text, "rest");
  EXPECT_EQ(rest.pos.loc().line, 2);
  EXPECT_EQ(rest.pos.loc().column, 11);
}

TEST(Lexer, InvalidBytes) {
  SourcePos where;
  std::string message;
  EXPECT_FALSE(find_invalid_byte("ok\ttext\r\n\xc3\xa9", where, message));
  std::string nul("ab\ncd\0", 6);
  ASSERT_TRUE(find_invalid_byte(nul, where, message));
  EXPECT_EQ(where.loc().line, 2);
  EXPECT_EQ(where.loc().column, 3);
  EXPECT_EQ(message, "unexpected byte 0x00");
  ASSERT_TRUE(find_invalid_byte("\xed\xa0\x80", where, message));  // a UTF-16 surrogate
  EXPECT_EQ(message, "unexpected byte 0xed (not valid UTF-8)");
}

}  // namespace
}  // namespace synack::script
