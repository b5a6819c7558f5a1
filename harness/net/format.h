// tcpdump-style one-line text for segments:
//   "Flags [S.], seq 0, ack 1, win 65535, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0"
#pragma once

#include <string>

#include "harness/net/segment.h"

namespace synack::net {

std::string format_flags(std::uint16_t flags);       // "S.", "P.", "F.", "R", "none" for 0
std::string format_options(const std::vector<TcpOption>& options);  // "mss 1460,sackOK,..."
// IPv4 header options (RFC 791), raw octets as Segment::ip_options holds them:
// "lsrr ptr 4 [203.0.113.5 198.51.100.1],eol"; "none" when empty. Routes (LSRR, SSRR, RR) show
// their pointer and addresses, NOP and EOL their names (zero padding after EOL is not shown),
// anything else "opt KIND len N [HEX]".
std::string format_ip_options(const std::vector<std::uint8_t>& options);
// The TCP part only ("Flags [...], seq ..., length N"). Sequence numbers are printed as given.
std::string format_segment(const Segment& seg);
// With addresses: "192.0.2.1.8080 > 198.51.100.1.40000: Flags [...] ..."
std::string format_segment_with_addresses(const Segment& seg);

}  // namespace synack::net
