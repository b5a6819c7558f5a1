#include "harness/script/lexer.h"

#include <cstdio>
#include <cstring>

namespace synack::script {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Length of the valid UTF-8 sequence starting at s[i], or 0.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b >= 0xC2 && b <= 0xDF) {
    len = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    len = 3;
    if (b == 0xE0) lo = 0xA0;  // overlong
    if (b == 0xED) hi = 0x9F;  // surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    len = 4;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
    if (c < min || c > max) return 0;
  }
  return len;
}

}  // namespace

bool find_invalid_byte(std::string_view source, SourcePos& where, std::string& message) {
  SourcePos pos;
  for (std::size_t i = 0; i < source.size();) {
    auto b = static_cast<unsigned char>(source[i]);
    std::size_t len = 1;
    bool bad = false;
    if (b >= 0x80) {
      len = utf8_sequence_length(source, i);
      bad = len == 0;
    } else if ((b < 0x20 && !is_space(static_cast<char>(b))) || b == 0x7F) {
      bad = true;
    }
    if (bad) {
      pos.offset = i;
      where = pos;
      char buf[64];
      std::snprintf(buf, sizeof buf, "unexpected byte 0x%02x%s", b,
                    b >= 0x80 ? " (not valid UTF-8)" : "");
      message = buf;
      return true;
    }
    if (b == '\n') {
      ++pos.line;
      pos.line_start = i + 1;
    }
    i += len;
  }
  return false;
}

std::string describe(const Token& token) {
  if (token.kind == TokenKind::End) return "end of file";
  std::string_view text = token.text;
  bool cut = false;
  if (auto nl = text.find('\n'); nl != std::string_view::npos) {
    text = text.substr(0, nl);
    cut = true;
  }
  constexpr std::size_t kMax = 40;
  if (text.size() > kMax) {
    text = text.substr(0, kMax);
    cut = true;
  }
  return "'" + std::string(text) + (cut ? "...'" : "'");
}

Lexer::Lexer(std::string_view source) : src_(source) {}

void Lexer::advance_one() {
  if (src_[cur_.offset] == '\n') {
    ++cur_.line;
    cur_.line_start = cur_.offset + 1;
  }
  ++cur_.offset;
}

void Lexer::advance(std::size_t n) {
  for (std::size_t k = 0; k < n && cur_.offset < src_.size(); ++k) advance_one();
}

const Token& Lexer::peek() {
  if (!has_peeked_) {
    peeked_ = scan();
    has_peeked_ = true;
  }
  return peeked_;
}

Token Lexer::next() {
  peek();
  has_peeked_ = false;
  if (peeked_.kind != TokenKind::End && peeked_.kind != TokenKind::Error) last_end_ = peeked_.end;
  return std::move(peeked_);
}

SourcePos Lexer::skip_to_next_token() {
  if (has_peeked_) {
    // The peeked token starts after any whitespace and comments; going back there is exact.
    cur_ = peeked_.pos;
    has_peeked_ = false;
    return cur_;
  }
  Token ignored;
  skip_space(ignored);  // an unterminated comment leaves the cursor at the end; reads then fail
  return cur_;
}

std::string_view Lexer::take_line() {
  skip_to_next_token();
  std::size_t begin = cur_.offset;
  const void* nl = std::memchr(src_.data() + begin, '\n', src_.size() - begin);
  std::size_t stop = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - src_.data())
                        : src_.size();
  cur_.offset = stop;  // no line break crossed, so line and line_start stay valid
  last_end_ = cur_;
  std::string_view line = src_.substr(begin, stop - begin);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool Lexer::take_parenthesized(std::string_view& contents) {
  SourcePos open = skip_to_next_token();
  if (at(open.offset) != '(') return false;
  int depth = 0;
  for (std::size_t i = open.offset; i < src_.size(); ++i) {
    if (src_[i] == '(') ++depth;
    if (src_[i] == ')' && --depth == 0) {
      contents = src_.substr(open.offset + 1, i - open.offset - 1);
      advance(i + 1 - open.offset);
      last_end_ = cur_;
      return true;
    }
  }
  return false;
}

bool Lexer::skip_space(Token& error) {
  while (cur_.offset < src_.size()) {
    char c = src_[cur_.offset];
    if (is_space(c)) {
      advance_one();
    } else if (c == '/' && at(cur_.offset + 1) == '/') {
      SourcePos start = cur_;
      std::size_t begin = cur_.offset + 2;
      const void* nl = std::memchr(src_.data() + begin, '\n', src_.size() - begin);
      std::size_t stop = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - src_.data())
                            : src_.size();
      // A rewind can scan the same comment twice; collect each only once.
      if (start.offset >= comments_seen_up_to_) {
        comments_.push_back({src_.substr(begin, stop - begin), start});
        comments_seen_up_to_ = start.offset + 1;
      }
      cur_.offset = stop;
    } else if (c == '/' && at(cur_.offset + 1) == '*') {
      SourcePos start = cur_;
      std::size_t close = src_.find("*/", cur_.offset + 2);
      if (close == std::string_view::npos) {
        advance(src_.size() - cur_.offset);
        error = error_at(start, "unterminated block comment '/*'");
        return false;
      }
      advance(close + 2 - cur_.offset);
    } else {
      return true;
    }
  }
  return true;
}

Token Lexer::make(TokenKind kind, SourcePos start) {
  Token t;
  t.kind = kind;
  t.pos = start;
  t.end = cur_;
  t.text = src_.substr(start.offset, cur_.offset - start.offset);
  return t;
}

Token Lexer::error_at(SourcePos at, std::string message) {
  Token t;
  t.kind = TokenKind::Error;
  t.pos = at;
  t.end = at;
  t.text = src_.substr(at.offset, at.offset < src_.size() ? 1 : 0);
  t.value = std::move(message);
  return t;
}

Token Lexer::scan() {
  Token error;
  if (!skip_space(error)) return error;
  SourcePos start = cur_;
  if (cur_.offset >= src_.size()) return make(TokenKind::End, start);
  char c = src_[cur_.offset];
  char c1 = at(cur_.offset + 1);
  if (is_digit(c) || (c == '.' && is_digit(c1))) return scan_number();
  if (is_ident_start(c)) {
    while (cur_.offset < src_.size() && is_ident_char(src_[cur_.offset])) advance_one();
    return make(TokenKind::Identifier, start);
  }
  if (c == '"') return scan_string();
  if (c == '`') return scan_delimited(TokenKind::Backtick, "`", "`", "shell command '`'");
  if (c == '%' && c1 == '{') return scan_delimited(TokenKind::Code, "%{", "}%", "code block '%{'");
  if (c == '.' && c1 == '.' && at(cur_.offset + 2) == '.') {
    advance(3);
    return make(TokenKind::Ellipsis, start);
  }
  if (static_cast<unsigned char>(c) >= 0x80) {
    return error_at(start, "unexpected non-ASCII character");
  }
  advance_one();
  return make(TokenKind::Punct, start);
}

// Numbers: decimal integers, 0x hex, and decimals with one '.' ("1.5", ".1"). A '.' is part of the
// number only when a digit follows, so "0...0.2" is 0, ..., 0.2.
Token Lexer::scan_number() {
  SourcePos start = cur_;
  bool malformed = false;
  if (src_[cur_.offset] == '0' && (at(cur_.offset + 1) == 'x' || at(cur_.offset + 1) == 'X')) {
    advance(2);
    if (!is_hex_digit(at(cur_.offset))) malformed = true;
    while (is_hex_digit(at(cur_.offset))) advance_one();
  } else {
    while (is_digit(at(cur_.offset))) advance_one();
    int dots = 0;
    while (at(cur_.offset) == '.' && is_digit(at(cur_.offset + 1))) {
      ++dots;
      advance_one();
      while (is_digit(at(cur_.offset))) advance_one();
    }
    malformed = dots > 1;
  }
  if (is_ident_char(at(cur_.offset)) || (malformed && at(cur_.offset) == '.')) {
    malformed = true;
    while (is_ident_char(at(cur_.offset)) || at(cur_.offset) == '.') advance_one();
  }
  if (malformed) {
    Token t = make(TokenKind::Number, start);
    return error_at(start, "malformed number " + describe(t));
  }
  return make(TokenKind::Number, start);
}

Token Lexer::scan_string() {
  SourcePos start = cur_;
  advance_one();  // opening quote
  std::string value;
  while (true) {
    char c = at(cur_.offset);
    if (cur_.offset >= src_.size() || c == '\n') {
      return error_at(start, "unterminated string literal");
    }
    if (c == '"') {
      advance_one();
      break;
    }
    if (c != '\\') {
      value.push_back(c);
      advance_one();
      continue;
    }
    SourcePos escape = cur_;
    char e = at(cur_.offset + 1);
    if (e == '"' || e == '\\') {
      value.push_back(e);
      advance(2);
    } else if (e == 'n') {
      value.push_back('\n');
      advance(2);
    } else if (e == 't') {
      value.push_back('\t');
      advance(2);
    } else if (e == 'x' && is_hex_digit(at(cur_.offset + 2)) && is_hex_digit(at(cur_.offset + 3))) {
      value.push_back(static_cast<char>(hex_value(at(cur_.offset + 2)) * 16 +
                                        hex_value(at(cur_.offset + 3))));
      advance(4);
    } else {
      return error_at(escape, "invalid escape in string literal (use \\\" \\\\ \\n \\t or \\xNN)");
    }
  }
  Token t = make(TokenKind::String, start);
  t.value = std::move(value);
  return t;
}

Token Lexer::scan_delimited(TokenKind kind, std::string_view open, std::string_view close,
                            std::string_view what) {
  SourcePos start = cur_;
  std::size_t body = cur_.offset + open.size();
  std::size_t stop = src_.find(close, body);
  if (stop == std::string_view::npos) {
    advance(src_.size() - cur_.offset);
    return error_at(start, "unterminated " + std::string(what));
  }
  advance(stop + close.size() - cur_.offset);
  Token t = make(kind, start);
  std::string_view contents = src_.substr(body, stop - body);
  t.value = std::string(kind == TokenKind::Code ? trim(contents) : contents);
  return t;
}

}  // namespace synack::script
