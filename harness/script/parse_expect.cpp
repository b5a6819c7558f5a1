// Checks on the IP header of a segment the stack sends, written as a trailing comment on an
// outbound packet line:
//
//   +0  > S. 0:0(0) ack 1 <...>   // expect: dst=192.0.2.10 ip-options=830b04cb007105c633640100
//   +0  > . 1:1(0) ack 1          // expect: ip-options=none
//
// Keys: ip-options=HEX (the IPv4 options octet for octet, zero-padded to 32 bits as on the wire),
// ip-options=none (no options), dst=ADDR (the IP destination instead of the scripted peer: the
// first hop of a source route). Only a comment that trails an event is read: "// expect:" on a
// line of its own is prose (tests/script/malformed/ begins every file with one).
#include "harness/script/parser_impl.h"

namespace synack::script {
namespace {

constexpr std::string_view kKeysHelp = "ip-options=HEX, ip-options=none or dst=ADDR";

const char* event_kind(const Event& event) {
  if (const auto* packet = std::get_if<PacketSpec>(&event.body)) {
    return packet->direction == Direction::Inbound ? "an inbound packet ('<')" : "an outbound packet";
  }
  return std::holds_alternative<SyscallSpec>(event.body)   ? "a system call"
         : std::holds_alternative<CommandSpec>(event.body) ? "a shell command"
         : std::holds_alternative<IcmpSpec>(event.body)    ? "an ICMP message"
                                                           : "an assertion";
}

}  // namespace

bool Parser::attach_expect_comments(Script& script) {
  for (const LineComment& comment : lex_.line_comments()) {
    const std::size_t after_key = comment_key_offset(comment.body, "expect");
    if (after_key == std::string_view::npos) continue;
    const std::optional<std::size_t> index = trailed_event(comment);
    if (!index) continue;  // prose on a line of its own
    Event& event = script.events[*index];
    auto* packet = std::get_if<PacketSpec>(&event.body);
    if (!packet || packet->direction != Direction::Outbound) {
      return fail(comment.pos, std::string("'// expect:' applies only to outbound packets ('>'); "
                                           "this line's event is ") + event_kind(event));
    }
    const std::size_t body_offset =
        static_cast<std::size_t>(comment.body.data() - lex_.source().data());
    if (!parse_expect_comment(comment, body_offset + after_key, script, packet->expect)) return false;
  }
  return true;
}

// The KEY=VALUE items after "expect:", separated by blanks. `start` is the source offset of the
// first byte after the colon.
bool Parser::parse_expect_comment(const LineComment& comment, std::size_t start,
                                  const Script& script, ExpectChecks& expect) {
  const std::string_view src = lex_.source();
  const std::size_t stop = static_cast<std::size_t>(comment.body.data() - src.data()) + comment.body.size();
  auto pos_at = [&](std::size_t offset) {
    SourcePos p = comment.pos;  // the comment does not span lines
    p.offset = offset;
    return p;
  };
  std::optional<bool> family_v6;
  bool any = false;
  std::size_t i = start;
  while (true) {
    while (i < stop && is_comment_blank(src[i])) ++i;
    if (i >= stop) break;
    std::size_t end = i;
    while (end < stop && !is_comment_blank(src[end])) ++end;
    const std::string_view item = src.substr(i, end - i);
    const std::size_t eq = item.find('=');
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    const SourcePos key_at = pos_at(i);
    const SourcePos value_at = pos_at(eq == std::string_view::npos ? end : i + eq + 1);
    if (key == "ip-options") {
      if (expect.ip_options) return fail(key_at, "duplicate expect key 'ip-options'");
      std::vector<std::uint8_t> octets;
      if (value != "none" && !parse_hex_octets(key, value, value_at, octets)) return false;
      expect.ip_options = std::move(octets);
    } else if (key == "dst") {
      if (expect.dst) return fail(key_at, "duplicate expect key 'dst'");
      if (!parse_address_value(key, value, value_at, script, family_v6, expect.dst)) return false;
    } else {
      return fail(key_at, "unknown expect key '" + std::string(key) + "' (expected " +
                              std::string(kKeysHelp) + ")");
    }
    any = true;
    i = end;
  }
  if (!any) return fail(pos_at(start), "expected " + std::string(kKeysHelp) + " after 'expect:'");
  return true;
}

}  // namespace synack::script
