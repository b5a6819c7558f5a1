// tcpdump-style text, so expected-vs-actual diffs read like the captures people already know.
#include "harness/net/format.h"

#include <algorithm>
#include <cstdio>

#include "harness/net/wire.h"

namespace synack::net {
namespace {

// Flags outside the nine named ones: the three reserved bits of the offset/flags word.
constexpr std::uint16_t kReservedFlagBits = 0x0E00;

std::string hex(const std::uint8_t* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    text.push_back(kDigits[bytes[i] >> 4]);
    text.push_back(kDigits[bytes[i] & 0x0F]);
  }
  return text;
}

std::string hex(const std::vector<std::uint8_t>& bytes) { return hex(bytes.data(), bytes.size()); }

std::string fast_open_text(const char* prefix, const std::uint8_t* cookie, std::size_t size) {
  if (size == 0) return std::string(prefix) + " cookiereq";
  return std::string(prefix) + " cookie " + hex(cookie, size);
}

std::string sack_text(const std::vector<SackBlock>& blocks) {
  std::string text = "sack " + std::to_string(blocks.size()) + " ";
  for (const SackBlock& block : blocks) {
    text += "{" + std::to_string(block.left) + ":" + std::to_string(block.right) + "}";
  }
  return text;
}

// The named form of an option whose value has the shape its kind requires; empty otherwise.
std::string named_option_text(const TcpOption& option) {
  switch (option.kind) {
    case option_kind::NOP: return "nop";
    case option_kind::EOL: return "eol";
    case option_kind::MSS:
      if (auto mss = option.mss_value()) return "mss " + std::to_string(*mss);
      break;
    case option_kind::WSCALE:
      if (auto shift = option.wscale_value()) return "wscale " + std::to_string(*shift);
      break;
    case option_kind::SACK_PERMITTED:
      if (option.data.empty()) return "sackOK";
      break;
    case option_kind::SACK:
      if (auto blocks = option.sack_blocks()) return sack_text(*blocks);
      break;
    case option_kind::TIMESTAMP:
      if (auto ts = option.timestamp_value()) {
        return "TS val " + std::to_string(ts->first) + " ecr " + std::to_string(ts->second);
      }
      break;
    case option_kind::MD5: return "md5 " + hex(option.data);
    case option_kind::FAST_OPEN:
      return fast_open_text("tfo", option.data.data(), option.data.size());
    case option_kind::EXPERIMENTAL:
      if (option.data.size() >= 2 &&
          wire::load_be16(option.data.data()) == wire::kFastOpenExperimentMagic) {
        return fast_open_text("exp-tfo", option.data.data() + 2, option.data.size() - 2);
      }
      break;
    default: break;
  }
  return {};
}

// A multi-octet option whose length octet is not what a well-formed option of its kind has
// (whether recorded by the decoder or implied by an odd value) is flagged for the reader.
bool has_bad_length(const TcpOption& option) {
  if (wire::is_single_octet_option(option.kind)) return false;
  const std::size_t length = wire::option_wire_length(option);
  return length != option.data.size() + 2 || !wire::option_length_well_formed(option.kind, length);
}

std::string option_text(const TcpOption& option) {
  std::string text = named_option_text(option);
  if (text.empty()) text = "opt-" + std::to_string(option.kind) + ":" + hex(option.data);
  if (has_bad_length(option)) {
    text += " [bad len " + std::to_string(wire::option_wire_length(option)) + "]";
  }
  return text;
}

}  // namespace

std::string format_flags(std::uint16_t flags) {
  struct Letter {
    std::uint16_t bit;
    char letter;
  };
  static constexpr Letter kTcpdumpOrder[] = {
      {flag::FIN, 'F'}, {flag::SYN, 'S'}, {flag::RST, 'R'}, {flag::PSH, 'P'}, {flag::ACK, '.'},
      {flag::URG, 'U'}, {flag::ECE, 'E'}, {flag::CWR, 'W'}, {flag::AE, 'A'},
  };
  std::string text;
  for (const Letter& letter : kTcpdumpOrder) {
    if (flags & letter.bit) text.push_back(letter.letter);
  }
  if (text.empty()) text = "none";
  if (const unsigned reserved = flags & kReservedFlagBits; reserved != 0) {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, " rsv 0x%03x", reserved);
    text += suffix;
  }
  return text;
}

std::string format_options(const std::vector<TcpOption>& options) {
  std::string text;
  for (const TcpOption& option : options) {
    if (!text.empty()) text.push_back(',');
    text += option_text(option);
  }
  return text;
}

std::string format_segment(const Segment& seg) {
  std::string text = "Flags [" + format_flags(seg.flags) + "], seq " + std::to_string(seg.seq);
  if (!seg.payload.empty()) {
    // tcpdump's end is seq + payload length; SYN and FIN do not count here.
    text += ":" + std::to_string(seg.seq + static_cast<std::uint32_t>(seg.payload.size()));
  }
  if (seg.has(flag::ACK)) text += ", ack " + std::to_string(seg.ack);
  text += ", win " + std::to_string(seg.window);
  if (seg.has(flag::URG)) text += ", urg " + std::to_string(seg.urgent);
  if (!seg.options.empty()) text += ", options [" + format_options(seg.options) + "]";
  text += ", length " + std::to_string(seg.payload.size());
  // Otherwise two segments that differ only in their checksum would print the same.
  if (!seg.checksum_ok || seg.corrupt_checksum) text += ", bad cksum";
  if (seg.nonzero_after_eol()) text += ", non-zero after eol";
  if (!seg.ip_options.empty()) text += ", ip options [" + format_ip_options(seg.ip_options) + "]";
  return text;
}

std::string format_ip_options(const std::vector<std::uint8_t>& options) {
  if (options.empty()) return "none";
  std::string text;
  auto item = [&](const std::string& part) { text += (text.empty() ? "" : ",") + part; };
  for (std::size_t at = 0; at < options.size();) {
    const std::uint8_t kind = options[at];
    if (kind == 0) {  // EOL: the rest is padding, shown only when it is not all zero
      item("eol");
      bool zero = true;
      for (std::size_t k = at + 1; k < options.size(); ++k) zero = zero && options[k] == 0;
      if (!zero) item("then " + hex(options.data() + at + 1, options.size() - at - 1));
      break;
    }
    if (kind == 1) {
      item("nop");
      ++at;
      continue;
    }
    const std::size_t length = at + 1 < options.size() ? options[at + 1] : 0;
    if (length < 2 || at + length > options.size()) {
      item("opt " + std::to_string(kind) + " truncated [" + hex(options.data() + at, options.size() - at) + "]");
      break;
    }
    const std::uint8_t* value = options.data() + at + 2;
    const std::size_t value_size = length - 2;
    const char* route = kind == 131 ? "lsrr" : kind == 137 ? "ssrr" : kind == 7 ? "rr" : nullptr;
    if (route && value_size >= 1 && (value_size - 1) % 4 == 0) {
      std::string part = std::string(route) + " ptr " + std::to_string(value[0]) + " [";
      for (std::size_t k = 1; k + 4 <= value_size; k += 4) {
        IpAddress address;
        std::copy(value + k, value + k + 4, address.bytes.begin());
        part += (k == 1 ? "" : " ") + address.to_string();
      }
      item(part + "]");
    } else {
      item("opt " + std::to_string(kind) + " len " + std::to_string(length) +
           (value_size ? " [" + hex(value, value_size) + "]" : ""));
    }
    at += length;
  }
  return text;
}

std::string format_segment_with_addresses(const Segment& seg) {
  return seg.src.to_string() + "." + std::to_string(seg.sport) + " > " + seg.dst.to_string() + "." +
         std::to_string(seg.dport) + ": " + format_segment(seg);
}

}  // namespace synack::net
