// IcmpMessage: an ICMP (IPv4, RFC 792) or ICMPv6 (RFC 4443) error message about a TCP segment,
// as a value: its own IP header fields, type, code, the MTU field, and what it quotes of the
// invoking packet (the IP header and the first eight octets of the TCP header: ports and
// sequence number). Encoded and decoded here, with correct checksums; formatted tcpdump-style.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "harness/common/result.h"
#include "harness/net/segment.h"

namespace synack::net {

// The invoking packet an ICMP error quotes: an IP header carrying TCP and the first 8 octets of
// the TCP header (RFC 792; RFC 1122 §3.2.2 and RFC 4443 §2.4 allow more, this quotes 8).
struct QuotedTcp {
  IpAddress src;                      // the sender of the quoted segment (the stack)
  IpAddress dst;                      // its destination (the peer)
  std::uint16_t sport = 0;
  std::uint16_t dport = 0;
  std::uint32_t seq = 0;
  std::uint16_t payload_length = 0;   // TCP payload the quoted segment carried (its IP length)
  std::uint8_t ttl = 64;              // as the quoted IP header says
  bool operator==(const QuotedTcp&) const = default;
};

struct IcmpMessage {
  // The ICMP packet's own IP header. The version of `src` decides ICMP or ICMPv6.
  IpAddress src;                      // who reports the error (a router, or the peer host)
  IpAddress dst;                      // the stack under test
  std::uint8_t tos = 0;
  std::uint8_t ttl = 64;
  std::uint32_t flow_label = 0;       // IPv6 only
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  // The 32-bit field after the checksum: IPv4 Destination Unreachable code 4 carries the
  // next-hop MTU in its low 16 bits (RFC 1191 §4), ICMPv6 Packet Too Big the MTU (RFC 4443
  // §3.2), Parameter Problem a pointer (IPv4: high 8 bits; ICMPv6: all 32); 0 otherwise.
  std::uint32_t mtu = 0;
  QuotedTcp quoted;
  // Set by the decoder: whether the ICMP checksum on the wire was right. The encoder writes a
  // correct one unless `corrupt_checksum`.
  bool checksum_ok = true;
  bool corrupt_checksum = false;

  bool ipv6() const { return src.version == IpVersion::v6; }
  bool operator==(const IcmpMessage&) const = default;
};

// The whole packet: outer IP header (protocol 1, or next header 58), ICMP header with its
// checksum (ICMPv6's over the RFC 8200 §8.1 pseudo-header), quoted IP header (with its header
// checksum for IPv4) and 8 octets of TCP.
std::vector<std::uint8_t> encode_icmp(const IcmpMessage& icmp);

// Parses what encode_icmp writes (and what routers send): an IPv4 ICMP or ICMPv6 error that
// quotes a TCP segment. Errors (never exceptions) for truncated or inconsistent packets, other
// protocols, and a quoted packet that is not TCP or has fewer than 8 octets of it.
Result<IcmpMessage> decode_icmp(std::span<const std::uint8_t> packet);

// Whether the bytes are an ICMP or ICMPv6 packet (outer protocol 1 / next header 58).
bool is_icmp_packet(std::span<const std::uint8_t> packet);

// ICMP checksum (RFC 792: over the message) or ICMPv6 checksum (RFC 4443 §2.3: with the
// pseudo-header of `src`/`dst`); 0 means valid when the checksum field is included.
std::uint16_t icmp_checksum(const IpAddress& src, const IpAddress& dst,
                            std::span<const std::uint8_t> icmp_bytes);

// tcpdump-style text: "ICMP host 198.51.100.1 unreachable, for 192.0.2.1.8080 >
// 198.51.100.1.34000: tcp seq 1, length 1000". The quoted sequence number is printed as given.
std::string format_icmp(const IcmpMessage& icmp);

}  // namespace synack::net
