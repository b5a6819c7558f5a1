// tcpdump-style one-line text for segments:
//   "Flags [S.], seq 0, ack 1, win 65535, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0"
#pragma once

#include <string>

#include "harness/net/segment.h"

namespace synack::net {

std::string format_flags(std::uint16_t flags);       // "S.", "P.", "F.", "R", "none" for 0
std::string format_options(const std::vector<TcpOption>& options);  // "mss 1460,sackOK,..."
// The TCP part only ("Flags [...], seq ..., length N"). Sequence numbers are printed as given.
std::string format_segment(const Segment& seg);
// With addresses: "192.0.2.1.8080 > 198.51.100.1.40000: Flags [...] ..."
std::string format_segment_with_addresses(const Segment& seg);

}  // namespace synack::net
