#include "harness/run/assertions.h"

#include <cctype>
#include <optional>
#include <sstream>
#include <vector>

#include "harness/run/symbols.h"

namespace synack::run {
namespace {

struct Unsupported {
  std::string what;
};

// A recursive-descent evaluator over one assert statement. Depth is bounded by kMaxDepth.
class Evaluator {
 public:
  Evaluator(const std::string& text, const std::map<std::string, std::int64_t>& info)
      : s_(text), info_(info) {}

  std::int64_t statement_value() {
    const std::int64_t v = expr();
    skip_space();
    if (peek(',')) {  // assert cond, message: the message is not evaluated
      pos_ = s_.size();
    }
    skip_space();
    if (pos_ != s_.size()) throw Unsupported{"unexpected '" + s_.substr(pos_, 20) + "'"};
    return v;
  }
  const std::vector<std::string>& names_seen() const { return names_; }

 private:
  static constexpr int kMaxDepth = 64;

  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool peek(char c) {
    skip_space();
    return pos_ < s_.size() && s_[pos_] == c;
  }
  bool accept(std::string_view tok) {
    skip_space();
    if (s_.compare(pos_, tok.size(), tok) != 0) return false;
    // Keywords must not run into an identifier ("and" vs "android").
    if (std::isalpha(static_cast<unsigned char>(tok.back())) && pos_ + tok.size() < s_.size() &&
        (std::isalnum(static_cast<unsigned char>(s_[pos_ + tok.size()])) || s_[pos_ + tok.size()] == '_'))
      return false;
    pos_ += tok.size();
    return true;
  }
  std::int64_t expr() {
    if (++depth_ > kMaxDepth) throw Unsupported{"expression nested too deeply"};
    std::int64_t v = disjunction();
    --depth_;
    return v;
  }
  std::int64_t disjunction() {
    std::int64_t v = conjunction();
    while (accept("or")) v = (conjunction() != 0) || v != 0;
    return v;
  }
  std::int64_t conjunction() {
    std::int64_t v = negation();
    while (accept("and")) {
      const std::int64_t rhs = negation();
      v = v != 0 && rhs != 0;
    }
    return v;
  }
  std::int64_t negation() {
    if (accept("not")) return negation() == 0;
    return comparison();
  }
  std::int64_t comparison() {
    std::int64_t lhs = bit_or();
    bool result = true;
    bool any = false;
    for (;;) {
      std::string op;
      for (const char* candidate : {"==", "!=", "<=", ">=", "<", ">"}) {
        skip_space();
        if (s_.compare(pos_, 2, "<<") == 0 || s_.compare(pos_, 2, ">>") == 0) break;
        if (accept(candidate)) { op = candidate; break; }
      }
      if (op.empty()) break;
      any = true;
      const std::int64_t rhs = bit_or();
      bool r = op == "==" ? lhs == rhs : op == "!=" ? lhs != rhs : op == "<=" ? lhs <= rhs
             : op == ">=" ? lhs >= rhs : op == "<" ? lhs < rhs : lhs > rhs;
      result = result && r;
      lhs = rhs;
    }
    return any ? result : lhs;
  }
  // Python's bitwise operators bind tighter than comparisons and looser than + and -.
  std::int64_t bit_or() {
    std::int64_t v = bit_xor();
    while (accept_op("|")) v |= bit_xor();
    return v;
  }
  std::int64_t bit_xor() {
    std::int64_t v = bit_and();
    while (accept_op("^")) v ^= bit_and();
    return v;
  }
  std::int64_t bit_and() {
    std::int64_t v = shift();
    while (accept_op("&")) v &= shift();
    return v;
  }
  std::int64_t shift() {
    std::int64_t v = sum();
    for (;;) {
      if (accept("<<")) {
        const std::int64_t n = sum();
        if (n < 0 || n > 62) throw Unsupported{"shift out of range"};
        v <<= n;
      } else if (accept(">>")) {
        const std::int64_t n = sum();
        if (n < 0 || n > 62) throw Unsupported{"shift out of range"};
        v >>= n;
      } else {
        return v;
      }
    }
  }
  // A one-character operator that is not the start of a two-character one ("|" but not "||").
  bool accept_op(const char* op) {
    skip_space();
    if (pos_ + 1 < s_.size() && s_[pos_] == op[0] && s_[pos_ + 1] == op[0]) return false;
    return accept(op);
  }
  std::int64_t sum() {
    std::int64_t v = product();
    for (;;) {
      if (accept("+")) v += product();
      else if (accept("-")) v -= product();
      else return v;
    }
  }
  std::int64_t product() {
    std::int64_t v = unary();
    for (;;) {
      if (accept("//") || accept("/")) v = divide(v, unary());
      else if (accept("*")) v *= unary();
      else if (accept("%")) {
        std::int64_t d = unary();
        if (d == 0) throw Unsupported{"modulo by zero"};
        v %= d;
      } else return v;
    }
  }
  static std::int64_t divide(std::int64_t a, std::int64_t b) {
    if (b == 0) throw Unsupported{"division by zero"};
    return a / b;
  }
  std::int64_t unary() {
    if (accept("-")) return -unary();
    return atom();
  }
  std::int64_t atom() {
    skip_space();
    if (pos_ >= s_.size()) throw Unsupported{"expression ends early"};
    if (accept("(")) {
      std::int64_t v = expr();
      if (!accept(")")) throw Unsupported{"missing ')'"};
      return v;
    }
    const char c = s_[pos_];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t used = 0;
      long long v = std::stoll(s_.substr(pos_, 24), &used, 0);
      pos_ += used;
      return v;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t start = pos_;
      while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
      const std::string name = s_.substr(start, pos_ - start);
      if (peek('(') || peek('.') || peek('[')) throw Unsupported{"'" + name + "' is not a plain name"};
      if (auto it = info_.find(name); it != info_.end()) {
        names_.push_back(name + "=" + std::to_string(it->second));
        return it->second;
      }
      if (name.rfind("tcpi_", 0) == 0) throw Unsupported{"'" + name + "' is not reported by this target"};
      if (auto v = symbol_value(name)) return *v;
      throw Unsupported{"unknown name '" + name + "'"};
    }
    throw Unsupported{std::string("unexpected '") + c + "'"};
  }

  std::string s_;
  const std::map<std::string, std::int64_t>& info_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  std::vector<std::string> names_;
};

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

AssertOutcome evaluate_asserts(const std::string& code, const std::map<std::string, std::int64_t>& info) {
  // Statements are separated by newlines or ';'.
  std::vector<std::string> statements;
  std::string current;
  for (char c : code) {
    if (c == '\n' || c == ';') {
      statements.push_back(trim(current));
      current.clear();
    } else {
      current += c;
    }
  }
  statements.push_back(trim(current));
  bool any = false;
  for (const auto& st : statements) {
    if (st.empty() || st[0] == '#') continue;
    if (st.rfind("assert", 0) != 0 || (st.size() > 6 && !std::isspace(static_cast<unsigned char>(st[6])) && st[6] != '(')) {
      return {AssertOutcome::Kind::Unsupported, "only 'assert EXPR' statements are evaluated natively: '" + st + "'"};
    }
    any = true;
    Evaluator ev(st.substr(6), info);
    try {
      if (ev.statement_value() == 0) {
        std::ostringstream msg;
        msg << "assertion failed: " << st;
        if (!ev.names_seen().empty()) {
          msg << " (";
          for (std::size_t i = 0; i < ev.names_seen().size(); ++i) msg << (i ? ", " : "") << ev.names_seen()[i];
          msg << ")";
        }
        return {AssertOutcome::Kind::Fail, msg.str()};
      }
    } catch (const Unsupported& u) {
      return {AssertOutcome::Kind::Unsupported, u.what + " in '" + st + "'"};
    } catch (const std::exception& e) {
      return {AssertOutcome::Kind::Unsupported, std::string("cannot evaluate '") + st + "'"};
    }
  }
  if (!any) return {AssertOutcome::Kind::Unsupported, "no assert statement in the block"};
  return {};
}

}  // namespace synack::run
