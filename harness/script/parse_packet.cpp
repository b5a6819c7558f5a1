// Packet lines:  < [ip annotation] [src>dst] FLAGS start:end(len) [ack N] [win N] [urg N] [<options>]
#include <cctype>
#include <limits>

#include "harness/script/parser_impl.h"

namespace synack::script {
namespace {

constexpr std::uint64_t kU32Max = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kU16Max = std::numeric_limits<std::uint16_t>::max();

// The TCP header has 40 bytes for options; one option's data is at most 38 (kind and length).
constexpr std::size_t kOptionSpace = 40;
constexpr std::size_t kMaxOptionData = kOptionSpace - 2;
constexpr std::size_t kMaxSackBlocks = 4;  // 2 + 4 * 8 = 34 bytes

// Bytes an option takes on the wire.
std::size_t wire_size(const OptionSpec& option) {
  using Kind = OptionSpec::Kind;
  switch (option.kind) {
    case Kind::Nop:
    case Kind::Eol: return 1;
    case Kind::Mss: return 4;
    case Kind::Wscale: return 3;
    case Kind::SackOk: return 2;
    case Kind::Sack: return 2 + 8 * option.sack_blocks.size();
    case Kind::Timestamp: return 10;
    case Kind::FastOpenExp: return 4 + option.bytes.size();  // kind, length, 2-byte magic
    case Kind::Md5:
    case Kind::FastOpen:
    case Kind::Raw: return 2 + option.bytes.size();
  }
  return 2;
}

constexpr std::string_view kFlagLetters = "SFRP.EWUA";

// The position of byte `i` of a token that does not span lines.
SourcePos offset_by(SourcePos pos, std::size_t i) {
  pos.offset += i;
  return pos;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool Parser::parse_packet(PacketSpec& packet, std::optional<IcmpSpec>& icmp) {
  Token direction = lex_.next();
  packet.direction = direction.is('<') ? Direction::Inbound : Direction::Outbound;
  if (lex_.peek().is('[')) {
    if (!parse_ip_annotation(packet.ip)) return false;
  }
  const Token& kind = lex_.peek();
  if (kind.is_word("icmp")) {
    if (packet.direction == Direction::Outbound) {
      return fail(kind.pos, "outbound ICMP lines ('> icmp') are not supported: synack checks the "
                            "TCP segments a stack sends; only injected ICMP errors ('< icmp') are");
    }
    lex_.next();
    icmp.emplace();
    icmp->ip = packet.ip;
    return parse_icmp(*icmp);
  }
  if (kind.is_word("udp") || kind.is_word("gre") || kind.is_word("mpls") ||
      kind.is_word("sctp")) {
    return fail(kind.pos, "unsupported packet type '" + std::string(kind.text) +
                              "' (only TCP segments and injected ICMP errors are supported)");
  }
  // Ports are integers; a number with a '.' is an AccECN flags word such as ".6".
  if (kind.kind == TokenKind::Number && kind.text.find('.') == std::string_view::npos) {
    SourcePos number_pos = kind.pos;
    std::uint64_t src = 0, dst = 0;
    if (!expect_unsigned("source port", kU16Max, src)) return false;
    if (lex_.peek().is(':')) return fail(number_pos, "expected TCP flags before the sequence range");
    if (!expect_punct('>', "'>' between the source and destination port")) return false;
    if (!expect_unsigned("destination port", kU16Max, dst)) return false;
    packet.src_port = static_cast<std::uint16_t>(src);
    packet.dst_port = static_cast<std::uint16_t>(dst);
  }
  if (!parse_flags(packet.flags)) return false;
  if (!parse_sequence(packet)) return false;

  while (true) {
    const Token& token = lex_.peek();
    auto field = [&](std::string_view name, std::uint64_t max, auto& slot) {
      if (slot) return fail(token.pos, "duplicate '" + std::string(name) + "' in a packet");
      lex_.next();
      std::uint64_t value = 0;
      if (!expect_unsigned(std::string(name) + " value", max, value)) return false;
      slot = static_cast<std::remove_reference_t<decltype(*slot)>>(value);
      return true;
    };
    if (token.is_word("ack")) {
      if (!field("ack", kU32Max, packet.ack)) return false;
    } else if (token.is_word("win")) {
      if (!field("win", kU16Max, packet.win)) return false;
    } else if (token.is_word("urg")) {
      if (!field("urg", kU16Max, packet.urg)) return false;
    } else if (token.is('<')) {
      if (!parse_option_list(packet)) return false;
      break;  // the option list ends the packet
    } else if (token.kind == TokenKind::Identifier || token.kind == TokenKind::Error) {
      return fail_expected("'ack', 'win', 'urg' or an option list '<...>'", token);
    } else {
      break;  // the next event
    }
  }
  if (packet.direction == Direction::Inbound) {
    if (!packet.win) return fail(direction.pos, "inbound packets need 'win'");
    if (packet.options_any) {
      return fail(direction.pos, "inbound packets need concrete options, not '<...>'");
    }
  }
  return true;
}

// [ect0], [ect1], [ce], [noecn], [tos 0x10], [ttl 32], [flowlabel 0x12345], separated by spaces
// or commas.
bool Parser::parse_ip_annotation(IpAnnotation& ip) {
  Token open = lex_.next();
  if (lex_.peek().is(']')) return fail(open.pos, "empty IP annotation '[]'");
  while (!lex_.peek().is(']')) {
    Token word = lex_.peek();
    auto duplicate = [&] { return fail(word.pos, "duplicate " + describe(word) + " in the IP annotation"); };
    auto number = [&](std::string_view what, std::uint64_t max, auto& slot) {
      if (slot) return duplicate();
      lex_.next();
      std::uint64_t value = 0;
      if (!expect_unsigned(what, max, value)) return false;
      slot = static_cast<std::remove_reference_t<decltype(*slot)>>(value);
      return true;
    };
    std::optional<std::uint8_t> ecn;
    if (word.is_word("noecn")) ecn = 0;
    if (word.is_word("ect1")) ecn = 1;
    if (word.is_word("ect0")) ecn = 2;
    if (word.is_word("ce")) ecn = 3;
    if (ecn) {
      if (ip.ecn) return duplicate();
      lex_.next();
      ip.ecn = ecn;
    } else if (word.is_word("tos")) {
      if (!number("tos", 0xFF, ip.tos)) return false;
    } else if (word.is_word("ttl")) {
      if (!number("ttl", 0xFF, ip.ttl)) return false;
    } else if (word.is_word("flowlabel")) {
      if (!number("flowlabel", 0xFFFFF, ip.flow_label)) return false;
    } else if (word.is_word("ect01")) {
      return fail(word.pos, "'ect01' (either ECT codepoint) is not supported");
    } else {
      return fail_expected(
          "an IP annotation (ect0, ect1, ce, noecn, tos N, ttl N, flowlabel N) or ']'", word);
    }
    if (lex_.peek().is(',')) lex_.next();  // packetdrill separates some items with ','
  }
  lex_.next();  // ']'
  return true;
}

// Flags are read as one raw word ("S.", "P.", "-", AccECN's "P.6"): '.' and letters would otherwise
// be lexed apart. A digit 0-7 right after '.' is the AccECN ACE field (AE, CWR, ECE as a number).
bool Parser::parse_flags(std::string& flags) {
  const Token& next = lex_.peek();
  if (next.kind == TokenKind::Error || next.kind == TokenKind::End) {
    return fail_expected("TCP flags (S F R P . E W U A, or '-')", next);
  }
  SourcePos start = lex_.skip_to_next_token();
  std::string_view word = lex_.take_while([](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
  });
  if (word.empty()) return fail_expected("TCP flags (S F R P . E W U A, or '-')");
  if (word == "-") {
    flags = "-";
    return true;
  }
  auto bad = [&](std::size_t i, std::string what, std::string hint = "") {
    return fail(offset_by(start, i), what + " in '" + std::string(word) + "'" + hint);
  };
  for (std::size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (c == '-') return bad(i, "'-' (no flags) cannot be combined with other flags");
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (c > '7' || i == 0 || word[i - 1] != '.' || i + 1 != word.size()) {
        return bad(i, "invalid TCP flag '" + std::string(1, c) + "'",
                   " (an AccECN ACE value is one digit 0-7 right after '.')");
      }
      if (word.find_first_of("EWA") != std::string_view::npos) {
        return bad(i, "an ACE value cannot be combined with the E, W or A flags");
      }
      continue;
    }
    if (kFlagLetters.find(c) == std::string_view::npos) {
      return bad(i, "invalid TCP flag '" + std::string(1, c) + "'", " (flags are S F R P . E W U A)");
    }
    if (word.substr(0, i).find(c) != std::string_view::npos) {
      return bad(i, "duplicate TCP flag '" + std::string(1, c) + "'");
    }
  }
  flags = std::string(word);
  return true;
}

bool Parser::parse_sequence(PacketSpec& packet) {
  if (lex_.peek().kind != TokenKind::Number) {
    return fail_expected("a sequence range 'start:end(length)'");
  }
  std::uint64_t start = 0, end = 0, length = 0;
  if (!expect_unsigned("sequence start", kU32Max, start)) return false;
  if (!expect_punct(':', "':' after the sequence start")) return false;
  if (!expect_unsigned("sequence end", kU32Max, end)) return false;
  if (!expect_punct('(', "'(' before the payload length")) return false;
  SourcePos length_pos = lex_.peek().pos;
  if (!expect_unsigned("payload length", kU16Max, length)) return false;
  if (!expect_punct(')', "')' after the payload length")) return false;
  auto expected = static_cast<std::uint32_t>(end - start);  // modulo 2^32: ranges may wrap
  if (length != expected) {
    return fail(length_pos, "payload length " + std::to_string(length) +
                                " does not match the sequence range " + std::to_string(start) +
                                ":" + std::to_string(end) + " (expected " +
                                std::to_string(expected) + ")");
  }
  packet.seq_start = static_cast<std::uint32_t>(start);
  packet.seq_end = static_cast<std::uint32_t>(end);
  packet.payload_len = static_cast<std::uint32_t>(length);
  return true;
}

bool Parser::parse_option_list(PacketSpec& packet) {
  Token open = lex_.next();  // '<'
  if (lex_.peek().kind == TokenKind::Ellipsis) {
    lex_.next();
    if (!expect_punct('>', "'>' after '<...'")) return false;
    packet.options_any = true;
    packet.options.emplace();
    return true;
  }
  if (lex_.peek().is('>')) {
    return fail(open.pos,
                "empty option list '<>' (write '<...>' to skip checking options, or leave it out)");
  }
  std::vector<OptionSpec> options;
  std::size_t bytes = 0;
  while (true) {
    OptionSpec option;
    SourcePos at = lex_.peek().pos;
    if (!parse_tcp_option(option)) return false;
    bytes += wire_size(option);
    if (bytes > kOptionSpace) {
      return fail(at, "options take more than the " + std::to_string(kOptionSpace) +
                          " bytes a TCP header has room for");
    }
    options.push_back(std::move(option));
    if (lex_.peek().is(',')) {
      lex_.next();
    } else if (lex_.peek().is('>')) {
      lex_.next();
      break;
    } else {
      return fail_expected("',' or '>' in the option list");
    }
  }
  packet.options = std::move(options);
  return true;
}

// Option syntax, one per list item:
//   nop | eol | sackOK | mss N | wscale N | sack a:b [c:d ...] | TS val X ecr Y
//   md5 [HEX] | FO [HEX] | FOEXP [HEX]          (FO with no cookie is a cookie request)
//   kind K [data HEX]                          (any other option, raw: kind byte and its data)
//   ECN e0b A ceb B e1b C | ECN e1b C ceb B e0b A   (AccECN; see parse_accecn_option)
// HEX is an even number of hex digits with no prefix, e.g. "abcd0123".
bool Parser::parse_tcp_option(OptionSpec& option) {
  const Token& name = lex_.peek();
  if (name.kind != TokenKind::Identifier) {
    return fail_expected("a TCP option (nop, eol, mss, wscale, sackOK, sack, TS, md5, FO, FOEXP, ECN, kind)",
                         name);
  }
  Token word = lex_.next();
  std::uint64_t value = 0;
  using Kind = OptionSpec::Kind;
  if (word.is_word("nop")) {
    option.kind = Kind::Nop;
  } else if (word.is_word("eol")) {
    option.kind = Kind::Eol;
  } else if (word.is_word("sackOK")) {
    option.kind = Kind::SackOk;
  } else if (word.is_word("mss")) {
    option.kind = Kind::Mss;
    if (!expect_unsigned("mss", kU16Max, value)) return false;
    option.value = static_cast<std::uint32_t>(value);
  } else if (word.is_word("wscale")) {
    option.kind = Kind::Wscale;
    if (!expect_unsigned("wscale", 0xFF, value)) return false;
    option.value = static_cast<std::uint32_t>(value);
  } else if (word.is_word("sack")) {
    option.kind = Kind::Sack;
    if (lex_.peek().kind != TokenKind::Number) return fail_expected("a SACK block 'start:end'");
    while (lex_.peek().kind == TokenKind::Number) {
      SourcePos block_at = lex_.peek().pos;
      std::uint64_t left = 0, right = 0;
      if (!expect_unsigned("SACK block start", kU32Max, left)) return false;
      if (!expect_punct(':', "':' in the SACK block")) return false;
      if (!expect_unsigned("SACK block end", kU32Max, right)) return false;
      if (option.sack_blocks.size() == kMaxSackBlocks) {
        return fail(block_at, "at most 4 SACK blocks fit in the option space");
      }
      option.sack_blocks.emplace_back(static_cast<std::uint32_t>(left),
                                      static_cast<std::uint32_t>(right));
    }
  } else if (word.is_word("TS")) {
    option.kind = Kind::Timestamp;
    if (!lex_.peek().is_word("val")) return fail_expected("'val' after 'TS'");
    lex_.next();
    if (!expect_unsigned("TS val", kU32Max, value)) return false;
    option.value = static_cast<std::uint32_t>(value);
    if (!lex_.peek().is_word("ecr")) return fail_expected("'ecr' after the TS value");
    lex_.next();
    if (!expect_unsigned("TS ecr", kU32Max, value)) return false;
    option.ecr = static_cast<std::uint32_t>(value);
  } else if (word.is_word("md5") || word.is_word("FO") || word.is_word("FOEXP")) {
    option.kind = word.is_word("md5") ? Kind::Md5 : word.is_word("FO") ? Kind::FastOpen
                                                                         : Kind::FastOpenExp;
    if (!parse_optional_hex(option.bytes)) return false;
  } else if (word.is_word("ECN")) {
    if (!parse_accecn_option(option)) return false;
  } else if (word.is_word("kind")) {
    option.kind = Kind::Raw;
    if (!expect_unsigned("option kind", 0xFF, value)) return false;
    option.raw_kind = static_cast<std::uint8_t>(value);
    if (lex_.peek().is_word("data")) {
      lex_.next();
      if (!parse_optional_hex(option.bytes)) return false;
      if (option.bytes.empty()) return fail_expected("hex bytes after 'data'");
    }
  } else {
    return fail(word.pos, "unknown TCP option " + describe(word));
  }
  return true;
}

// AccECN option: "ECN e0b A ceb B e1b C" (kind 172, order 0) or "ECN e1b C ceb B e0b A" (kind 174,
// order 1), possibly truncated after any field as the option allows. Kept as a raw option whose
// data is the 24-bit counters; the printer writes it back in this form.
bool Parser::parse_accecn_option(OptionSpec& option) {
  option.kind = OptionSpec::Kind::Raw;
  option.raw_kind = lex_.peek().is_word("e1b") ? kAccEcnOrder1 : kAccEcnOrder0;
  const char* order[3] = {"e0b", "ceb", "e1b"};
  if (option.raw_kind == kAccEcnOrder1) std::swap(order[0], order[2]);
  for (const char* field : order) {
    if (!lex_.peek().is_word(field)) break;
    lex_.next();
    std::uint64_t counter = 0;
    if (!expect_unsigned(std::string("AccECN ") + field + " counter", 0xFFFFFF, counter)) {
      return false;
    }
    for (int shift = 16; shift >= 0; shift -= 8) {
      option.bytes.push_back(static_cast<std::uint8_t>(counter >> shift));
    }
  }
  return true;
}

bool Parser::parse_optional_hex(std::vector<std::uint8_t>& bytes) {
  const Token& next = lex_.peek();
  if (next.is(',') || next.is('>') || next.kind == TokenKind::End) return true;
  // Raw read: a cookie like "0123abcd" would otherwise lex as a number and an identifier.
  SourcePos start = lex_.skip_to_next_token();
  std::string_view hex =
      lex_.take_while([](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
  if (hex.empty()) return fail_expected("hex bytes, ',' or '>'");
  for (std::size_t i = 0; i < hex.size(); ++i) {
    if (hex_value(hex[i]) < 0) {
      return fail(offset_by(start, i), "bad hex string '" + std::string(hex.substr(0, 40)) +
                                           "' (expected hex digits, e.g. 'abcd0123')");
    }
  }
  if (hex.size() % 2 != 0) {
    return fail(start, "bad hex string '" + std::string(hex.substr(0, 40)) +
                           "' (odd number of hex digits)");
  }
  if (hex.size() / 2 > kMaxOptionData) {
    return fail(start, "option data is " + std::to_string(hex.size() / 2) +
                           " bytes; at most 38 fit in the TCP option space");
  }
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    bytes.push_back(static_cast<std::uint8_t>(hex_value(hex[i]) * 16 + hex_value(hex[i + 1])));
  }
  return true;
}

}  // namespace synack::script
