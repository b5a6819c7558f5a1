#include "harness/net/segment.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>

#include "harness/net/wire.h"

namespace synack::net {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton wants a NUL-terminated string; a bounded copy also rejects embedded NULs.
  const std::string copy(text);
  if (copy.size() != std::char_traits<char>::length(copy.c_str())) return std::nullopt;
  IpAddress address;
  const bool looks_v6 = copy.find(':') != std::string::npos;
  address.version = looks_v6 ? IpVersion::v6 : IpVersion::v4;
  const int family = looks_v6 ? AF_INET6 : AF_INET;
  if (inet_pton(family, copy.c_str(), address.bytes.data()) != 1) return std::nullopt;
  return address;
}

IpAddress IpAddress::v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddress address;
  address.version = IpVersion::v4;
  address.bytes[0] = a;
  address.bytes[1] = b;
  address.bytes[2] = c;
  address.bytes[3] = d;
  return address;
}

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  const int family = version == IpVersion::v6 ? AF_INET6 : AF_INET;
  if (inet_ntop(family, bytes.data(), text, sizeof text) == nullptr) return "?";
  return text;
}

IpAddress IpAddress::mapped_v6() const {
  if (version == IpVersion::v6) return *this;
  IpAddress mapped;
  mapped.version = IpVersion::v6;
  mapped.bytes[10] = 0xff;
  mapped.bytes[11] = 0xff;
  std::copy_n(bytes.begin(), 4, mapped.bytes.begin() + 12);
  return mapped;
}

// ---- TcpOption factories: value bytes in network byte order, no kind/length octets. ----

TcpOption TcpOption::nop() { return TcpOption{option_kind::NOP, {}, std::nullopt}; }

TcpOption TcpOption::eol() { return TcpOption{option_kind::EOL, {}, std::nullopt}; }

TcpOption TcpOption::mss(std::uint16_t value) {
  TcpOption option{option_kind::MSS, {}, std::nullopt};
  wire::append_be16(option.data, value);
  return option;
}

TcpOption TcpOption::wscale(std::uint8_t shift) {
  return TcpOption{option_kind::WSCALE, {shift}, std::nullopt};
}

TcpOption TcpOption::sack_permitted() {
  return TcpOption{option_kind::SACK_PERMITTED, {}, std::nullopt};
}

TcpOption TcpOption::sack(const std::vector<SackBlock>& blocks) {
  TcpOption option{option_kind::SACK, {}, std::nullopt};
  option.data.reserve(blocks.size() * 8);
  for (const SackBlock& block : blocks) {
    wire::append_be32(option.data, block.left);
    wire::append_be32(option.data, block.right);
  }
  return option;
}

TcpOption TcpOption::timestamp(std::uint32_t val, std::uint32_t ecr) {
  TcpOption option{option_kind::TIMESTAMP, {}, std::nullopt};
  option.data.reserve(8);
  wire::append_be32(option.data, val);
  wire::append_be32(option.data, ecr);
  return option;
}

TcpOption TcpOption::raw(std::uint8_t kind, std::vector<std::uint8_t> value) {
  return TcpOption{kind, std::move(value), std::nullopt};
}

// ---- Accessors: nullopt unless both the kind and the value size are right. ----

std::optional<std::uint16_t> TcpOption::mss_value() const {
  if (kind != option_kind::MSS || data.size() != 2) return std::nullopt;
  return wire::load_be16(data.data());
}

std::optional<std::uint8_t> TcpOption::wscale_value() const {
  if (kind != option_kind::WSCALE || data.size() != 1) return std::nullopt;
  return data[0];
}

std::optional<std::pair<std::uint32_t, std::uint32_t>> TcpOption::timestamp_value() const {
  if (kind != option_kind::TIMESTAMP || data.size() != 8) return std::nullopt;
  return std::pair{wire::load_be32(data.data()), wire::load_be32(data.data() + 4)};
}

// A SACK option carries at least one block (RFC 2018: length 2 + 8n, n >= 1).
std::optional<std::vector<SackBlock>> TcpOption::sack_blocks() const {
  if (kind != option_kind::SACK || data.empty() || data.size() % 8 != 0) return std::nullopt;
  std::vector<SackBlock> blocks;
  blocks.reserve(data.size() / 8);
  for (std::size_t at = 0; at < data.size(); at += 8) {
    blocks.push_back(SackBlock{wire::load_be32(&data[at]), wire::load_be32(&data[at + 4])});
  }
  return blocks;
}

std::uint32_t Segment::seq_len() const {
  std::uint32_t length = static_cast<std::uint32_t>(payload.size());
  if (flags & flag::SYN) ++length;
  if (flags & flag::FIN) ++length;
  return length;
}

std::optional<std::size_t> Segment::nonzero_after_eol() const {
  // after_eol starts right after the EOL octet: 20 fixed header bytes plus the options up to it.
  std::size_t offset = 20;
  for (const TcpOption& option : options) {
    offset += wire::is_single_octet_option(option.kind) ? 1 : wire::option_wire_length(option);
    if (option.kind == option_kind::EOL) break;
  }
  for (std::size_t i = 0; i < after_eol.size(); ++i) {
    if (after_eol[i] != 0) return offset + i;
  }
  return std::nullopt;
}

}  // namespace synack::net
