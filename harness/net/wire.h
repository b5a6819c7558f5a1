// Internal helpers of harness/net shared by the codec, the option factories and the formatter:
// big-endian byte access and the well-formed length of each TCP option kind. Not a public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "harness/net/segment.h"

namespace synack::net::wire {

inline std::uint16_t load_be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

inline void store_be16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

inline void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

inline void append_be16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

inline void append_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// Magic number that follows kind 254 in the experimental Fast Open option (RFC 6994, RFC 7413).
inline constexpr std::uint16_t kFastOpenExperimentMagic = 0xF989;

// Whether `length` (the length octet, counting kind and length) is what a well-formed option of
// `kind` carries. Kinds without a fixed shape accept any length >= 2.
inline bool option_length_well_formed(std::uint8_t kind, std::size_t length) {
  switch (kind) {
    case option_kind::MSS: return length == 4;
    case option_kind::WSCALE: return length == 3;
    case option_kind::SACK_PERMITTED: return length == 2;
    case option_kind::SACK: return length >= 10 && (length - 2) % 8 == 0;
    case option_kind::TIMESTAMP: return length == 10;
    case option_kind::MD5: return length == 18;
    // RFC 7413: empty (cookie request) or an even cookie of 4..16 bytes.
    case option_kind::FAST_OPEN:
      return length == 2 || (length >= 6 && length <= 18 && length % 2 == 0);
    default: return length >= 2 && length <= 255;
  }
}

// The length octet an option has on the wire: the decoder's record, or what its value implies.
inline std::size_t option_wire_length(const TcpOption& option) {
  return option.wire_length ? *option.wire_length : option.data.size() + 2;
}

// EOL and NOP are single octets with no length field.
inline bool is_single_octet_option(std::uint8_t kind) {
  return kind == option_kind::EOL || kind == option_kind::NOP;
}

// Short tcpdump-style name of an option kind, or nullptr for kinds without one.
inline const char* option_kind_name(std::uint8_t kind) {
  switch (kind) {
    case option_kind::EOL: return "eol";
    case option_kind::NOP: return "nop";
    case option_kind::MSS: return "mss";
    case option_kind::WSCALE: return "wscale";
    case option_kind::SACK_PERMITTED: return "sackOK";
    case option_kind::SACK: return "sack";
    case option_kind::TIMESTAMP: return "TS";
    case option_kind::MD5: return "md5";
    case option_kind::FAST_OPEN: return "tfo";
    case option_kind::EXPERIMENTAL: return "exp";
    default: return nullptr;
  }
}

}  // namespace synack::net::wire
