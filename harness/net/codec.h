// Wire codec: Segment <-> raw IPv4/IPv6 packet bytes (no link layer). libtins is used only here.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "harness/common/result.h"
#include "harness/net/segment.h"

namespace synack::net {

// Serializes with correct IP header checksum and TCP checksum (unless seg.corrupt_checksum).
std::vector<std::uint8_t> encode(const Segment& seg);

// Parses an IP packet carrying TCP. Verifies the TCP checksum and records it in checksum_ok.
// Errors (never exceptions) for: truncated headers, bad IP version, non-TCP protocol, length
// fields that disagree with the buffer, malformed TCP options (the message says which).
Result<Segment> decode(std::span<const std::uint8_t> packet);

// RFC 1071 Internet checksum over the TCP pseudo-header and segment; 0 result means "valid"
// when the checksum field is included.
std::uint16_t tcp_checksum(const IpAddress& src, const IpAddress& dst,
                           std::span<const std::uint8_t> tcp_bytes);

// The destination address of the TCP pseudo-header: the IP destination, except that with an IPv4
// source route (LSRR/SSRR) not yet used up it is the route's last address, the final destination
// (as BSD and Linux compute it, and as RFC 8200 §8.1 says for IPv6 routing headers). encode and
// decode use it.
IpAddress pseudo_header_destination(const IpAddress& dst, std::span<const std::uint8_t> ip_options);

}  // namespace synack::net
