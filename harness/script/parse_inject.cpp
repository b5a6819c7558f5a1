// Per-segment injection overrides, written as a trailing comment on an inbound packet line:
//
//   +0  < . 1:1001(1000) ack 1 win 65535   // inject: tcp-checksum=bad
//   +0  < S 0:0(0) win 65535 <mss 1000>    // inject: src=192.0.2.255 dst=192.0.2.1
//
// The comment belongs to the event on its line that starts last before it; it must be an inbound
// packet. Keys: tcp-checksum=bad, src=ADDR, dst=ADDR (documentation ranges and loopback only, the
// same set the executor accepts for --local_ip/--remote_ip).
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#include "harness/script/parser_impl.h"

namespace synack::script {
namespace {

constexpr std::string_view kKeysHelp = "tcp-checksum=bad, src=ADDR, dst=ADDR or ip-options=HEX";

// Documentation ranges and loopback (harness/run's is_permitted_address, which this library
// cannot depend on; the executor checks again with that function).
bool permitted(const std::array<std::uint8_t, 16>& b, bool v6) {
  if (!v6) {
    return b[0] == 127 || (b[0] == 192 && b[1] == 0 && b[2] == 2) ||
           (b[0] == 198 && b[1] == 51 && b[2] == 100) || (b[0] == 203 && b[1] == 0 && b[2] == 113);
  }
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // 2001:db8::/32
  for (std::size_t i = 0; i < 15; ++i) {
    if (b[i] != 0) return false;
  }
  return b[15] == 1;  // ::1
}

}  // namespace

bool is_comment_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::size_t comment_key_offset(std::string_view body, std::string_view key) {
  std::size_t i = 0;
  while (i < body.size() && is_comment_blank(body[i])) ++i;
  if (body.size() - i < key.size()) return std::string_view::npos;
  for (std::size_t k = 0; k < key.size(); ++k) {
    if (std::tolower(static_cast<unsigned char>(body[i + k])) != key[k]) return std::string_view::npos;
  }
  i += key.size();
  while (i < body.size() && is_comment_blank(body[i])) ++i;
  if (i >= body.size() || body[i] != ':') return std::string_view::npos;
  return i + 1;
}

std::optional<std::size_t> Parser::trailed_event(const LineComment& comment) const {
  // The last event that starts before the comment, if that event is on the comment's line (it may
  // have started on an earlier one).
  const auto after = std::partition_point(
      event_spans_.begin(), event_spans_.end(),
      [&](const EventSpan& span) { return span.start.offset < comment.pos.offset; });
  const auto index = static_cast<std::size_t>(after - event_spans_.begin());
  if (index == 0 || comment.pos.line > event_spans_[index - 1].end.line) return std::nullopt;
  return index - 1;
}

bool Parser::attach_inject_comments(Script& script) {
  for (const LineComment& comment : lex_.line_comments()) {
    const std::size_t after_key = comment_key_offset(comment.body, "inject");
    if (after_key == std::string_view::npos) continue;
    SourcePos at = comment.pos;
    const std::optional<std::size_t> index = trailed_event(comment);
    if (!index) {
      return fail(at, "an '// inject:' comment must be on the same line as the inbound packet "
                      "('<') it applies to");
    }
    Event& event = script.events[*index];
    auto* packet = std::get_if<PacketSpec>(&event.body);
    if (!packet || packet->direction != Direction::Inbound) {
      const char* what = packet                                          ? "an outbound packet ('>')"
                         : std::holds_alternative<SyscallSpec>(event.body) ? "a system call"
                         : std::holds_alternative<CommandSpec>(event.body) ? "a shell command"
                         : std::holds_alternative<IcmpSpec>(event.body)    ? "an ICMP message"
                                                                           : "an assertion";
      return fail(at, std::string("'// inject:' applies only to inbound packets ('<'); this line's "
                                  "event is ") + what);
    }
    if (!packet->inject.empty()) return fail(at, "a second '// inject:' comment for the same packet");
    const std::size_t body_offset =
        static_cast<std::size_t>(comment.body.data() - lex_.source().data());
    if (!parse_inject_comment(comment, body_offset + after_key, script, packet->inject)) return false;
  }
  return true;
}

// The KEY[=VALUE] items after "inject:", separated by blanks. `start` is the source offset of the
// first byte after the colon.
bool Parser::parse_inject_comment(const LineComment& comment, std::size_t start,
                                  const Script& script, InjectOverrides& inject) {
  const std::string_view src = lex_.source();
  const std::size_t stop = static_cast<std::size_t>(comment.body.data() - src.data()) + comment.body.size();
  auto pos_at = [&](std::size_t offset) {
    SourcePos p = comment.pos;  // the comment does not span lines
    p.offset = offset;
    return p;
  };
  std::optional<bool> family_v6;  // of the first address given
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
      // Raw IPv4 header options in hex, e.g. ip-options=9e04abcd; padded with zeros (EOL) to a
      // 32-bit boundary on the wire, at most 40 octets (the IHL field's limit).
      if (!inject.ip_options.empty()) return fail(key_at, "duplicate inject key 'ip-options'");
      if (!parse_hex_octets(key, value, value_at, inject.ip_options)) return false;
    } else if (key == "tcp-checksum") {
      if (inject.bad_tcp_checksum) return fail(key_at, "duplicate inject key 'tcp-checksum'");
      if (value != "bad") {
        return fail(value_at, "bad value for tcp-checksum: expected 'tcp-checksum=bad', found '" +
                                  std::string(item) + "'");
      }
      inject.bad_tcp_checksum = true;
    } else if (key == "src" || key == "dst") {
      std::optional<std::string>& slot = key == "src" ? inject.src : inject.dst;
      if (slot) return fail(key_at, "duplicate inject key '" + std::string(key) + "'");
      if (!parse_address_value(key, value, value_at, script, family_v6, slot)) return false;
    } else {
      return fail(key_at, "unknown inject key '" + std::string(key) + "' (expected " +
                              std::string(kKeysHelp) + ")");
    }
    any = true;
    i = end;
  }
  if (!any) return fail(pos_at(start), "expected " + std::string(kKeysHelp) + " after 'inject:'");
  return true;
}

bool Parser::parse_hex_octets(std::string_view key, std::string_view value, SourcePos value_at,
                              std::vector<std::uint8_t>& octets) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  const std::string name(key);
  std::string_view hex = value;
  if (hex.substr(0, 2) == "0x" || hex.substr(0, 2) == "0X") hex.remove_prefix(2);
  if (hex.empty() || hex.size() % 2 != 0 || hex.size() > 80) {
    return fail(value_at, "bad value for " + name + ": expected 1 to 40 octets in hex (an even "
                          "number of hex digits), found '" + std::string(value) + "'");
  }
  for (std::size_t k = 0; k < hex.size(); k += 2) {
    const int hi = nibble(hex[k]), lo = nibble(hex[k + 1]);
    if (hi < 0 || lo < 0) {
      return fail(value_at, "bad value for " + name + ": '" + std::string(value) + "' is not hex");
    }
    octets.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return true;
}

bool Parser::parse_address_value(std::string_view key, std::string_view value, SourcePos value_at,
                                 const Script& script, std::optional<bool>& family_v6,
                                 std::optional<std::string>& slot) {
  const std::string name(key);
  if (value.empty()) return fail(value_at, "key '" + name + "' needs an address: " + name + "=ADDR");
  const std::string text(value);
  std::array<std::uint8_t, 16> bytes{};
  bool v6 = false;
  if (::inet_pton(AF_INET, text.c_str(), bytes.data()) != 1) {
    v6 = true;
    if (::inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) {
      return fail(value_at, name + "=" + text + ": not an IPv4 or IPv6 address");
    }
  }
  if (!permitted(bytes, v6)) {
    return fail(value_at, name + "=" + text +
                              ": only documentation ranges (192.0.2.0/24, 198.51.100.0/24, "
                              "203.0.113.0/24, 2001:db8::/32) and loopback may be used");
  }
  if (family_v6 && *family_v6 != v6) {
    return fail(value_at, name + "=" + text + ": src and dst must be of the same IP version");
  }
  family_v6 = v6;
  // The script's own --ip_version decides the family (a command-line override is checked when
  // the script runs).
  const OptionSetting* ip_version = nullptr;
  for (const OptionSetting& option : script.options) {
    if (option.name == "ip_version") ip_version = &option;
  }
  if (ip_version && (ip_version->value == "ipv6") != v6) {
    return fail(value_at, name + "=" + text + ": an " + (v6 ? "IPv6" : "IPv4") +
                              " address, but the script runs over " + (v6 ? "IPv4" : "IPv6") +
                              " (--ip_version=" + ip_version->value + ")");
  }
  char canonical[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), canonical, sizeof canonical);
  slot = canonical;
  return true;
}

}  // namespace synack::script
