#include "targets/reference/options.h"

namespace synack::reference {

namespace {

std::uint32_t be32(const std::vector<std::uint8_t>& d, std::size_t at) {
  return (std::uint32_t{d[at]} << 24) | (std::uint32_t{d[at + 1]} << 16) |
         (std::uint32_t{d[at + 2]} << 8) | std::uint32_t{d[at + 3]};
}

void put32(std::vector<std::uint8_t>& d, std::uint32_t v) {
  d.push_back(static_cast<std::uint8_t>(v >> 24));
  d.push_back(static_cast<std::uint8_t>(v >> 16));
  d.push_back(static_cast<std::uint8_t>(v >> 8));
  d.push_back(static_cast<std::uint8_t>(v));
}

}  // namespace

ParsedOptions parse_options(const net::Segment& seg) {
  ParsedOptions p;
  for (const auto& o : seg.options) {
    if (o.wire_length) continue;  // a malformed length octet: ignore the option
    switch (o.kind) {
      case net::option_kind::EOL:
        return p;  // end of option list
      case net::option_kind::MSS:
        if (o.data.size() == 2) p.mss = static_cast<std::uint16_t>((o.data[0] << 8) | o.data[1]);
        break;
      case net::option_kind::WSCALE:
        if (o.data.size() == 1) p.wscale = o.data[0];
        break;
      case net::option_kind::SACK_PERMITTED:
        if (o.data.empty()) p.sack_permitted = true;
        break;
      case net::option_kind::TIMESTAMP:
        if (o.data.size() == 8) p.timestamp = std::pair{be32(o.data, 0), be32(o.data, 4)};
        break;
      default:
        break;
    }
  }
  return p;
}

net::TcpOption mss_option(std::uint16_t mss) {
  return net::TcpOption{net::option_kind::MSS,
                        {static_cast<std::uint8_t>(mss >> 8), static_cast<std::uint8_t>(mss)},
                        std::nullopt};
}

net::TcpOption wscale_option(std::uint8_t shift) {
  return net::TcpOption{net::option_kind::WSCALE, {shift}, std::nullopt};
}

net::TcpOption sack_permitted_option() {
  return net::TcpOption{net::option_kind::SACK_PERMITTED, {}, std::nullopt};
}

net::TcpOption timestamp_option(std::uint32_t val, std::uint32_t ecr) {
  net::TcpOption o{net::option_kind::TIMESTAMP, {}, std::nullopt};
  o.data.reserve(8);
  put32(o.data, val);
  put32(o.data, ecr);
  return o;
}

net::TcpOption sack_option(const std::vector<net::SackBlock>& blocks) {
  net::TcpOption o{net::option_kind::SACK, {}, std::nullopt};
  o.data.reserve(blocks.size() * 8);
  for (const auto& b : blocks) {
    put32(o.data, b.left);
    put32(o.data, b.right);
  }
  return o;
}

net::TcpOption nop_option() { return net::TcpOption{net::option_kind::NOP, {}, std::nullopt}; }
net::TcpOption eol_option() { return net::TcpOption{net::option_kind::EOL, {}, std::nullopt}; }

std::size_t options_length(const std::vector<net::TcpOption>& options) {
  std::size_t n = 0;
  for (const auto& o : options) {
    n += (o.kind == net::option_kind::NOP || o.kind == net::option_kind::EOL) ? 1 : 2 + o.data.size();
  }
  return n;
}

}  // namespace synack::reference
