// ICMP lines (packetdrill's syntax), after "< [ip annotation] icmp":
//   TYPE [CODE] [mtu N] ['[' [SRC>DST] START:END(LEN) ']']
// e.g. "unreachable host_unreachable [1:1001(1000)]", "unreachable frag_needed mtu 1200 [1:1461(1460)]".
#include <limits>

#include "harness/script/icmp_names.h"
#include "harness/script/parser_impl.h"

namespace synack::script {
namespace {

constexpr std::uint64_t kU32Max = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kU16Max = std::numeric_limits<std::uint16_t>::max();

}  // namespace

bool Parser::parse_icmp(IcmpSpec& icmp) {
  const Token type = lex_.peek();
  if (type.kind != TokenKind::Identifier) {
    return fail_expected("an ICMP type (" + icmp_type_names() + ")", type);
  }
  lex_.next();
  icmp.type = std::string(type.text);
  // The code: a name, or a number on the same line (a number on the next line is the next
  // event's time).
  std::optional<Token> code;
  const Token& next = lex_.peek();
  if ((next.kind == TokenKind::Identifier && !next.is_word("mtu")) ||
      (next.kind == TokenKind::Number && next.pos.line == type.pos.line)) {
    code = lex_.next();
    icmp.code = std::string(code->text);
  }
  bool code_at_fault = false;
  if (std::string why = check_icmp_names(icmp.type, icmp.code, code_at_fault); !why.empty()) {
    return fail(code_at_fault ? code->pos : type.pos, why);
  }
  if (lex_.peek().is_word("mtu")) {
    const Token mtu = lex_.next();
    if (!icmp_takes_mtu(icmp.type, icmp.code)) {
      return fail(mtu.pos, "'mtu' belongs to unreachable frag_needed and packet_too_big only, not to '" +
                               icmp.type + (icmp.code.empty() ? "" : " " + icmp.code) + "'");
    }
    std::uint64_t value = 0;
    if (!expect_unsigned("mtu", kU32Max, value)) return false;
    icmp.mtu = static_cast<std::uint32_t>(value);
  }
  if (lex_.peek().is('[')) {
    QuotedSegmentSpec quoted;
    if (!parse_quoted_segment(quoted)) return false;
    icmp.quoted = quoted;
  }
  const Token& after = lex_.peek();
  if (after.kind == TokenKind::Identifier || after.kind == TokenKind::Error ||
      (after.kind == TokenKind::Punct && !after.is('+') && !after.is('*') && !after.is('-'))) {
    return fail_expected(icmp.quoted ? "the end of the ICMP line"
                                     : "'mtu N', the quoted segment '[start:end(length)]' or the end "
                                       "of the ICMP line",
                         after);
  }
  return true;
}

// "[1:1001(1000)]" or "[8080>34000 1:1001(1000)]": the segment the stack sent that the ICMP
// message quotes.
bool Parser::parse_quoted_segment(QuotedSegmentSpec& quoted) {
  lex_.next();  // '['
  if (lex_.peek().kind != TokenKind::Number) {
    return fail_expected("the quoted segment 'start:end(length)' after '['");
  }
  const SourcePos first = lex_.peek().pos;
  std::uint64_t a = 0;
  if (!expect_unsigned("sequence start", kU32Max, a)) return false;
  if (lex_.peek().is('>')) {
    if (a > kU16Max) return fail(first, "source port " + std::to_string(a) + " is out of range (at most 65535)");
    lex_.next();
    std::uint64_t dst = 0;
    if (!expect_unsigned("destination port", kU16Max, dst)) return false;
    quoted.src_port = static_cast<std::uint16_t>(a);
    quoted.dst_port = static_cast<std::uint16_t>(dst);
    if (!expect_unsigned("sequence start", kU32Max, a)) return false;
  }
  std::uint64_t end = 0, length = 0;
  if (!expect_punct(':', "':' after the sequence start")) return false;
  if (!expect_unsigned("sequence end", kU32Max, end)) return false;
  if (!expect_punct('(', "'(' before the payload length")) return false;
  const SourcePos length_pos = lex_.peek().pos;
  if (!expect_unsigned("payload length", kU16Max, length)) return false;
  if (!expect_punct(')', "')' after the payload length")) return false;
  const auto expected = static_cast<std::uint32_t>(end - a);  // modulo 2^32: ranges may wrap
  if (length != expected) {
    return fail(length_pos, "payload length " + std::to_string(length) +
                                " does not match the sequence range " + std::to_string(a) + ":" +
                                std::to_string(end) + " (expected " + std::to_string(expected) + ")");
  }
  if (!expect_punct(']', "']' after the quoted segment")) return false;
  quoted.seq_start = static_cast<std::uint32_t>(a);
  quoted.seq_end = static_cast<std::uint32_t>(end);
  quoted.payload_len = static_cast<std::uint32_t>(length);
  return true;
}

}  // namespace synack::script
