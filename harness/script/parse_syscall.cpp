// System call lines:  name(arg, ...) = RESULT [ERRNO [(free text)]]
// and the expressions used for arguments and results.
#include <cctype>
#include <limits>

#include "harness/script/parser_impl.h"
#include "harness/script/syscalls.h"

namespace synack::script {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_errno_name(std::string_view name) {
  if (name.size() < 2 || name[0] != 'E') return false;
  for (char c : name) {
    if (!std::isupper(static_cast<unsigned char>(c)) && !std::isdigit(static_cast<unsigned char>(c)) &&
        c != '_') {
      return false;
    }
  }
  return true;
}

ExprPtr make_expr(Expr expr) { return std::make_shared<const Expr>(std::move(expr)); }

constexpr std::string_view kExpressionKinds =
    "an expression (number, name, '...', \"string\", [list] or {struct})";

}  // namespace

bool Parser::parse_syscall(SyscallSpec& call) {
  Token name = lex_.next();
  if (!is_known_syscall(name.text)) return fail(name.pos, "unknown system call " + describe(name));
  call.name = std::string(name.text);
  if (!expect_punct('(', "'(' after the system call name")) return false;
  if (!parse_expr_list(')', call.args, 1)) return false;
  if (!lex_.peek().is('=')) return fail_expected("'=' and the expected result after the system call");
  lex_.next();
  if (!parse_expr(call.result, 0)) return false;
  const Token& errno_token = lex_.peek();
  if (errno_token.kind == TokenKind::Identifier) {
    if (!is_errno_name(errno_token.text)) {
      return fail_expected("an errno name like 'ECONNREFUSED' after the result", errno_token);
    }
    call.errno_name = std::string(errno_token.text);
    lex_.next();
  }
  if (lex_.peek().is('(')) {
    // Free text such as "(Operation now in progress)" or packetdrill's "= 0x2 (flags O_RDWR)":
    // read raw, parentheses balanced.
    SourcePos open = lex_.skip_to_next_token();
    std::string_view text;
    if (!lex_.take_parenthesized(text)) {
      return fail(open, "unterminated text after the result: '(' without a matching ')'");
    }
    call.errno_text = std::string(trim(text));
  }
  return true;
}

// Items separated by ',' up to `close` (the opening bracket is already consumed).
bool Parser::parse_expr_list(char close, std::vector<ExprPtr>& items, int depth) {
  if (lex_.peek().is(close)) {
    lex_.next();
    return true;
  }
  const std::string separator = std::string("',' or '") + close + "'";
  while (true) {
    ExprPtr item;
    if (!parse_expr(item, depth)) return false;
    items.push_back(std::move(item));
    if (items.size() > kMaxListItems) {
      return fail(lex_.peek().pos, "more than " + std::to_string(kMaxListItems) + " items in a list");
    }
    if (lex_.peek().is(',')) {
      lex_.next();
    } else if (lex_.peek().is(close)) {
      lex_.next();
      return true;
    } else {
      return fail_expected(separator);
    }
  }
}

// A|B|C is BinaryOr(BinaryOr(A, B), C).
bool Parser::parse_expr(ExprPtr& out, int depth) {
  if (!parse_primary(out, depth)) return false;
  int operands = 1;
  while (lex_.peek().is('|')) {
    // Each '|' nests the tree one level deeper; bound it like brackets.
    if (++operands > kMaxNesting) {
      return fail(lex_.peek().pos, "more than " + std::to_string(kMaxNesting) + " '|' operands");
    }
    lex_.next();
    ExprPtr rhs;
    if (!parse_primary(rhs, depth)) return false;
    Expr combined;
    combined.kind = Expr::Kind::BinaryOr;
    combined.loc = out->loc;
    combined.items = {std::move(out), std::move(rhs)};
    out = make_expr(std::move(combined));
  }
  return true;
}

bool Parser::parse_primary(ExprPtr& out, int depth) {
  const Token& token = lex_.peek();
  Expr expr;
  const SourcePos start = token.pos;
  expr.loc = start.loc();
  auto nested = [&]() {
    if (depth + 1 > kMaxNesting) {
      return fail(start, "brackets nested deeper than " + std::to_string(kMaxNesting) + " levels");
    }
    return true;
  };
  if (token.kind == TokenKind::Number || token.is('-')) {
    bool negative = token.is('-');
    if (negative) {
      lex_.next();
      if (lex_.peek().kind != TokenKind::Number) return fail_expected("a number after '-'");
    }
    const Token& number = lex_.peek();
    std::uint64_t magnitude = 0;
    if (!parse_integer_literal(number.text, magnitude)) {
      bool decimal = number.text.find('.') != std::string_view::npos;
      return fail(number.pos, decimal ? "expected an integer, found " + describe(number)
                                      : "integer " + describe(number) + " is out of range");
    }
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (magnitude > kMax + (negative ? 1 : 0)) {
      return fail(number.pos, "integer " + describe(number) + " is out of range");
    }
    expr.kind = Expr::Kind::Int;
    expr.int_value = negative ? static_cast<std::int64_t>(0 - magnitude)
                              : static_cast<std::int64_t>(magnitude);
    lex_.next();
  } else if (token.kind == TokenKind::Ellipsis) {
    expr.kind = Expr::Kind::Ellipsis;
    lex_.next();
  } else if (token.kind == TokenKind::String) {
    expr.kind = Expr::Kind::String;
    expr.text = lex_.next().value;
    // Adjacent literals concatenate: "abc" "def" is "abcdef".
    while (lex_.peek().kind == TokenKind::String) expr.text += lex_.next().value;
  } else if (token.kind == TokenKind::Identifier) {
    expr.text = std::string(token.text);
    lex_.next();
    if (lex_.peek().is('(')) {
      if (!nested()) return false;
      lex_.next();
      expr.kind = Expr::Kind::Call;
      if (!parse_expr_list(')', expr.items, depth + 1)) return false;
    } else {
      expr.kind = Expr::Kind::Symbol;
    }
  } else if (token.is('[')) {
    if (!nested()) return false;
    lex_.next();
    expr.kind = Expr::Kind::List;
    if (!parse_expr_list(']', expr.items, depth + 1)) return false;
  } else if (token.is('{')) {
    if (!nested()) return false;
    lex_.next();
    expr.kind = Expr::Kind::Struct;
    if (!parse_struct_fields(expr.fields, depth + 1)) return false;
  } else {
    return fail_expected(kExpressionKinds, token);
  }
  out = make_expr(std::move(expr));
  return true;
}

// {name=value, ...}. Items without a name are kept with an empty one: a bare "..." ("and the
// rest") or packetdrill's positional forms such as the iovec {..., 1000}. Field names may carry a
// parenthesized count as packetdrill writes them: msg_iov(1)=[...], msg_name(...)=...
bool Parser::parse_struct_fields(std::vector<std::pair<std::string, ExprPtr>>& fields, int depth) {
  if (lex_.peek().is('}')) {
    lex_.next();
    return true;
  }
  while (true) {
    ExprPtr item;
    if (!parse_expr(item, depth)) return false;
    if (lex_.peek().is('=')) {
      std::string name;
      bool counted = item->kind == Expr::Kind::Call && item->items.size() == 1 &&
                     (item->items[0]->kind == Expr::Kind::Int ||
                      item->items[0]->kind == Expr::Kind::Symbol ||
                      item->items[0]->kind == Expr::Kind::Ellipsis);
      if (item->kind == Expr::Kind::Symbol) {
        name = item->text;
      } else if (counted) {
        name = item->text + "(" + print_expr(*item->items[0]) + ")";
      } else {
        return fail_expected("',' or '}' (only a name can be followed by '=')");
      }
      lex_.next();
      ExprPtr value;
      if (!parse_expr(value, depth)) return false;
      fields.emplace_back(std::move(name), std::move(value));
    } else {
      fields.emplace_back("", std::move(item));
    }
    if (fields.size() > kMaxListItems) {
      return fail(lex_.peek().pos, "more than " + std::to_string(kMaxListItems) + " struct fields");
    }
    if (lex_.peek().is(',')) {
      lex_.next();
    } else if (lex_.peek().is('}')) {
      lex_.next();
      return true;
    } else {
      return fail_expected("',' or '}'");
    }
  }
}

}  // namespace synack::script
