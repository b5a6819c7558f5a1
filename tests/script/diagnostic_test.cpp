// Diagnostic rendering and the "expected X, found Y" form.
#include <gtest/gtest.h>

#include "harness/script/diagnostic.h"
#include "harness/script/parser.h"
#include "tests/script/helpers.h"

namespace synack::script {
namespace {

using testing::parse_error;

TEST(Diagnostic, RenderFormat) {
  Diagnostic d;
  d.path = "a.pkt";
  d.loc = {3, 17};
  d.message = "expected ':' after the sequence start, found '('";
  d.line_text = "+0 < S 0(0) win 1";
  d.caret_column = 8;
  EXPECT_EQ(d.render(),
            "a.pkt:3:17: error: expected ':' after the sequence start, found '('\n"
            "    +0 < S 0(0) win 1\n"
            "           ^");
}

TEST(Diagnostic, CaretFollowsTabs) {
  Diagnostic d = parse_error("0 close(3) = 0\n\t+0\tfoo(1) = 0\n");
  EXPECT_EQ(d.loc.line, 2);
  EXPECT_EQ(d.loc.column, 5);
  EXPECT_EQ(d.render(), "test.pkt:2:5: error: unknown system call 'foo'\n    \t+0\tfoo(1) = 0\n    \t  \t^");
}

TEST(Diagnostic, ExpectedFoundWording) {
  Diagnostic d = parse_error("0 close(3) = 0\n+0 < S 0(0) win 1\n");
  EXPECT_EQ(d.message, "expected ':' after the sequence start, found '('");
  EXPECT_EQ(d.loc.column, 9);
  EXPECT_EQ(d.caret_column, 9);
  EXPECT_EQ(d.line_text, "+0 < S 0(0) win 1");
}

TEST(Diagnostic, EndOfFilePointsJustPastTheLastToken) {
  Diagnostic d = parse_error("0 close(3) = 0\n+0 > S. 0:0(0) ack\n\n\n");
  EXPECT_EQ(d.message, "expected ack value, found end of file");
  EXPECT_EQ(d.loc.line, 2);
  EXPECT_EQ(d.loc.column, 19);
}

TEST(Diagnostic, AnEventCutShortPointsAtTheEndOfItsLine) {
  Diagnostic d = parse_error("0 close(3) = 0\n+0 listen(3, 1)\n+0 close(3) = 0\n");
  EXPECT_EQ(d.message,
            "expected '=' and the expected result after the system call, found '+' on the next line");
  EXPECT_EQ(d.loc.line, 2);
  EXPECT_EQ(d.loc.column, 16);
  EXPECT_EQ(d.line_text, "+0 listen(3, 1)");
  // Between events the offending token itself is the place.
  Diagnostic top = parse_error("0 close(3) = 0\n\n@ close(3) = 0\n");
  EXPECT_EQ(top.loc.line, 3);
  EXPECT_EQ(top.loc.column, 1);
}

TEST(Diagnostic, LongTokensAreShortenedInMessages) {
  Diagnostic d = parse_error("0 close(3) = 0\n+0 < S 0:0(0) win " + std::string(500, 'w') + "\n");
  EXPECT_LT(d.message.size(), 120u);
  EXPECT_NE(d.message.find("...'"), std::string::npos);
}

TEST(Diagnostic, CrLfLinesAreShownWithoutTheCr) {
  Diagnostic d = parse_error("0 close(3) = 0\r\n+0 close(3) = x y\r\n");
  EXPECT_EQ(d.line_text, "+0 close(3) = x y");
  EXPECT_EQ(d.loc.column, 17);
}

TEST(Diagnostic, OnlyTheFirstErrorIsReported) {
  ParseResult r = parse("0 close(3) = 0\n+0 foo() = 0\n+0 bar() = 0\n", "x.pkt");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].loc.line, 2);
}

}  // namespace
}  // namespace synack::script
