// Segment: the one value type for an IP+TCP segment, used by the script engine, every target,
// the reference stack, the fuzzer and the reports. Plain data; host byte order throughout.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synack::net {

enum class IpVersion : std::uint8_t { v4 = 4, v6 = 6 };

// An IPv4 or IPv6 address. IPv4 uses the first four bytes of `bytes`.
struct IpAddress {
  IpVersion version = IpVersion::v4;
  std::array<std::uint8_t, 16> bytes{};

  static std::optional<IpAddress> parse(std::string_view text);  // "192.0.2.1", "2001:db8::1"
  static IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);
  std::string to_string() const;
  // ::ffff:a.b.c.d form of an IPv4 address (for ipv4-mapped-ipv6 mode).
  IpAddress mapped_v6() const;
  bool operator==(const IpAddress&) const = default;
  auto operator<=>(const IpAddress&) const = default;
};

// TCP header flag bits as they sit in the 16-bit data-offset/flags word (AE is the former NS bit).
namespace flag {
inline constexpr std::uint16_t FIN = 0x001;
inline constexpr std::uint16_t SYN = 0x002;
inline constexpr std::uint16_t RST = 0x004;
inline constexpr std::uint16_t PSH = 0x008;
inline constexpr std::uint16_t ACK = 0x010;
inline constexpr std::uint16_t URG = 0x020;
inline constexpr std::uint16_t ECE = 0x040;
inline constexpr std::uint16_t CWR = 0x080;
inline constexpr std::uint16_t AE = 0x100;
}  // namespace flag

// TCP option kinds the harness knows by name; any other kind is carried as raw bytes.
namespace option_kind {
inline constexpr std::uint8_t EOL = 0;
inline constexpr std::uint8_t NOP = 1;
inline constexpr std::uint8_t MSS = 2;
inline constexpr std::uint8_t WSCALE = 3;
inline constexpr std::uint8_t SACK_PERMITTED = 4;
inline constexpr std::uint8_t SACK = 5;
inline constexpr std::uint8_t TIMESTAMP = 8;
inline constexpr std::uint8_t MD5 = 19;
inline constexpr std::uint8_t FAST_OPEN = 34;
inline constexpr std::uint8_t EXPERIMENTAL = 254;  // RFC 6994; FOEXP uses magic 0xF989
}  // namespace option_kind

struct SackBlock {
  std::uint32_t left = 0;
  std::uint32_t right = 0;
  bool operator==(const SackBlock&) const = default;
};

// One TCP option: its kind and its value bytes (without the kind and length octets).
// EOL and NOP have no value and no length octet on the wire.
struct TcpOption {
  std::uint8_t kind = option_kind::NOP;
  std::vector<std::uint8_t> data;
  // Set only by the decoder when the length octet on the wire disagrees with what a well-formed
  // option of this kind has; the encoder then writes `wire_length` as given.
  std::optional<std::uint8_t> wire_length;

  static TcpOption nop();
  static TcpOption eol();
  static TcpOption mss(std::uint16_t value);
  static TcpOption wscale(std::uint8_t shift);
  static TcpOption sack_permitted();
  static TcpOption sack(const std::vector<SackBlock>& blocks);
  static TcpOption timestamp(std::uint32_t val, std::uint32_t ecr);
  static TcpOption raw(std::uint8_t kind, std::vector<std::uint8_t> value);

  std::optional<std::uint16_t> mss_value() const;
  std::optional<std::uint8_t> wscale_value() const;
  std::optional<std::pair<std::uint32_t, std::uint32_t>> timestamp_value() const;  // val, ecr
  std::optional<std::vector<SackBlock>> sack_blocks() const;

  bool operator==(const TcpOption&) const = default;
};

struct Segment {
  // IP layer.
  IpAddress src;
  IpAddress dst;
  std::uint8_t tos = 0;          // IPv4 TOS / IPv6 traffic class, ECN in the low two bits
  std::uint8_t ttl = 64;         // IPv4 TTL / IPv6 hop limit
  std::uint32_t flow_label = 0;  // IPv6 only
  std::vector<std::uint8_t> ip_options;  // IPv4 header options as on the wire (padding included
                                         // when decoded; the encoder pads to 32 bits with zeros)
  // TCP layer.
  std::uint16_t sport = 0;
  std::uint16_t dport = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint16_t flags = 0;  // flag:: bits
  std::uint16_t window = 0;
  std::uint16_t urgent = 0;
  std::vector<TcpOption> options;
  std::vector<std::uint8_t> payload;
  // Filled by the decoder for segments read from a target: whether the TCP checksum on the wire
  // was right. The encoder always writes a correct checksum unless `corrupt_checksum` is set.
  bool checksum_ok = true;
  bool corrupt_checksum = false;
  // The TCP header bytes after an EOL option, up to the data offset, as the decoder found them,
  // when any of them is non-zero (RFC 9293 3.1, MUST-69: they must be zero); empty when they are
  // all zero and for segments built in code. When the options end with EOL the encoder writes
  // these bytes after it, in place of its own zero padding, so a decoded segment re-encodes to
  // the same header.
  std::vector<std::uint8_t> after_eol;

  // The offset in the TCP header of the first non-zero byte after an EOL option (MUST-69).
  std::optional<std::size_t> nonzero_after_eol() const;

  bool has(std::uint16_t f) const { return (flags & f) == f; }
  // Sequence space the segment occupies: payload plus one each for SYN and FIN.
  std::uint32_t seq_len() const;
  std::uint8_t ecn() const { return tos & 0x3; }
  bool operator==(const Segment&) const = default;
};

// Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4).
inline bool seq_lt(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) < 0; }
inline bool seq_le(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) <= 0; }
inline bool seq_gt(std::uint32_t a, std::uint32_t b) { return seq_lt(b, a); }
inline bool seq_ge(std::uint32_t a, std::uint32_t b) { return seq_le(b, a); }

}  // namespace synack::net
