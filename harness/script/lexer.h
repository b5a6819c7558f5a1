// Tokenizer for .pkt scripts. Whitespace (newlines included) and comments separate tokens and are
// otherwise insignificant; `//` comments are also collected so the parser can read the project's
// metadata comments (`// title: ...`). A few constructs depend on where they appear (flag words,
// hex cookies, option lines, errno text), so besides plain tokens the lexer offers raw reads that the
// parser uses at exactly those places.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "harness/script/ast.h"

namespace synack::script {

// A byte position in the source. Columns count bytes and are derived from the line's start, so
// moving the cursor never needs a rescan.
struct SourcePos {
  std::size_t offset = 0;
  int line = 1;
  std::size_t line_start = 0;
  SourceLoc loc() const { return {line, static_cast<int>(offset - line_start) + 1}; }
};

enum class TokenKind {
  End,         // end of input
  Number,      // 42, 0x1f, 1.5, .1 (text as written; the parser decides what it may be)
  Identifier,  // [A-Za-z_][A-Za-z0-9_]*
  String,      // "..." (value: decoded contents)
  Backtick,    // `...` (value: contents)
  Code,        // %{ ... }% (value: contents, trimmed)
  Ellipsis,    // ...
  Punct,       // any other single printable character: < > [ ] ( ) { } , : = | + - * ~ . ...
  Error,       // malformed input (value: message, pos: where)
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::string_view text;  // the source text of the token
  std::string value;      // see TokenKind
  SourcePos pos;          // first byte
  SourcePos end;          // just past the last byte

  bool is(char c) const { return kind == TokenKind::Punct && text.size() == 1 && text[0] == c; }
  bool is_word(std::string_view w) const { return kind == TokenKind::Identifier && text == w; }
};

// A `//` comment: its text after the slashes, for metadata.
struct LineComment {
  std::string_view body;
  SourcePos pos;
};

class Lexer {
 public:
  explicit Lexer(std::string_view source);

  const Token& peek();
  Token next();

  // End of the last token taken with next(); where "found end of file" errors point.
  SourcePos last_end() const { return last_end_; }

  // ---- Raw reads. Each first drops a peeked token and skips whitespace and comments, so it starts
  // where that token started.
  SourcePos skip_to_next_token();
  // The longest run of bytes for which `accept` is true (possibly empty).
  template <class Pred>
  std::string_view take_while(Pred accept) {
    skip_to_next_token();
    std::size_t begin = cur_.offset;
    while (cur_.offset < src_.size() && accept(src_[cur_.offset])) advance_one();
    last_end_ = cur_;
    return src_.substr(begin, cur_.offset - begin);
  }
  // The rest of the current line (without the line break).
  std::string_view take_line();
  // At '(': the text up to the matching ')', both consumed. False if there is no matching ')'.
  bool take_parenthesized(std::string_view& contents);

  const std::vector<LineComment>& line_comments() const { return comments_; }
  std::string_view source() const { return src_; }

 private:
  Token scan();
  // Skips whitespace and comments; false (with `error` filled) on an unterminated block comment.
  bool skip_space(Token& error);
  Token scan_number();
  Token scan_string();
  Token scan_delimited(TokenKind kind, std::string_view open, std::string_view close,
                       std::string_view what);
  Token make(TokenKind kind, SourcePos start);
  Token error_at(SourcePos at, std::string message);
  void advance_one();
  void advance(std::size_t n);
  char at(std::size_t offset) const { return offset < src_.size() ? src_[offset] : '\0'; }

  std::string_view src_;
  SourcePos cur_;
  SourcePos last_end_;
  Token peeked_;
  bool has_peeked_ = false;
  std::vector<LineComment> comments_;
  std::size_t comments_seen_up_to_ = 0;  // comments before this offset are already collected
};

// The first byte that cannot appear in a script: NUL, other control characters (tab, line breaks
// and form feed aside), DEL, or bytes that are not valid UTF-8. False when the text is clean.
bool find_invalid_byte(std::string_view source, SourcePos& where, std::string& message);

// Text of a token for "found X" in messages: 'text' (shortened), or "end of file".
std::string describe(const Token& token);

}  // namespace synack::script
