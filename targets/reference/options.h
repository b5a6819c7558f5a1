// TCP options as the reference stack reads and writes them (RFC 9293 §3.2, RFC 7323, RFC 2018).
// Parsing is tolerant: an option whose value has the wrong size is ignored, as RFC 9293 §3.1
// (MUST-7 area) asks a receiver to be robust against malformed options.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "harness/net/segment.h"

namespace synack::reference {

struct ParsedOptions {
  std::optional<std::uint16_t> mss;
  std::optional<std::uint8_t> wscale;
  bool sack_permitted = false;
  std::optional<std::pair<std::uint32_t, std::uint32_t>> timestamp;  // TSval, TSecr
};

ParsedOptions parse_options(const net::Segment& seg);

// Builders (value bytes in network order, as net::TcpOption carries them).
net::TcpOption mss_option(std::uint16_t mss);
net::TcpOption wscale_option(std::uint8_t shift);
net::TcpOption sack_permitted_option();
net::TcpOption timestamp_option(std::uint32_t val, std::uint32_t ecr);
net::TcpOption sack_option(const std::vector<net::SackBlock>& blocks);
net::TcpOption nop_option();
net::TcpOption eol_option();

// Bytes the options take on the wire.
std::size_t options_length(const std::vector<net::TcpOption>& options);

}  // namespace synack::reference
