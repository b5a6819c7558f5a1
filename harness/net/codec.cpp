// The TCP header is built and parsed here byte by byte, because the harness must control and see
// exactly what is on the wire (option order, NOP/EOL, unknown kinds, malformed lengths, the AE and
// reserved bits), which libtins' TCP class normalizes. libtins owns the IP layer in both
// directions.
#include "harness/net/codec.h"

#include <netinet/in.h>
#include <tins/tins.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "harness/net/wire.h"

namespace synack::net {
namespace {

constexpr std::size_t kIpv4MinHeader = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kTcpMinHeader = 20;
constexpr std::size_t kTcpMaxOptions = 40;  // data offset is 4 bits: at most 60 header bytes
constexpr std::size_t kTcpChecksumOffset = 16;
// Data offset, reserved bits and the nine flags share one 16-bit word; the low 12 bits are ours.
constexpr std::uint16_t kTcpFlagAndReservedMask = 0x0FFF;

// ---- Checksum ----

std::uint64_t sum_words(std::span<const std::uint8_t> bytes, std::uint64_t sum) {
  const std::size_t even = bytes.size() & ~std::size_t{1};
  for (std::size_t i = 0; i < even; i += 2) sum += wire::load_be16(&bytes[i]);
  if (even != bytes.size()) sum += std::uint64_t{bytes[even]} << 8;  // odd byte, zero padded
  return sum;
}

std::uint16_t fold_and_complement(std::uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

// ---- Encoding ----

// Writes the options in the given order, whole options only, up to the 40 bytes a header can
// hold (a longer list cannot be expressed on the wire; the rest is dropped), then pads with zero
// (EOL) octets to a 4-byte boundary (RFC 9293 MUST-69: the space after EOL is zero). Options
// listed after an EOL are written as given: a script may put them there on purpose, to see that
// the receiver stops reading at EOL.
void append_options(std::vector<std::uint8_t>& tcp, const std::vector<TcpOption>& options,
                    const std::vector<std::uint8_t>& after_eol) {
  const std::size_t start = tcp.size();
  bool ended_with_eol = false;
  for (const TcpOption& option : options) {
    const bool single = wire::is_single_octet_option(option.kind);
    const std::size_t size = single ? 1 : 2 + option.data.size();
    if (tcp.size() - start + size > kTcpMaxOptions) break;
    tcp.push_back(option.kind);
    ended_with_eol = option.kind == option_kind::EOL;
    if (single) continue;
    // A script or the fuzzer may set wire_length to produce a malformed option on purpose.
    tcp.push_back(static_cast<std::uint8_t>(wire::option_wire_length(option)));
    tcp.insert(tcp.end(), option.data.begin(), option.data.end());
  }
  // A decoded segment's bytes after its EOL, as received, so it re-encodes to the same header.
  if (ended_with_eol) {
    for (std::uint8_t byte : after_eol) {
      if (tcp.size() - start >= kTcpMaxOptions) break;
      tcp.push_back(byte);
    }
  }
  while ((tcp.size() - start) % 4 != 0) tcp.push_back(option_kind::EOL);
}

std::vector<std::uint8_t> build_tcp(const Segment& seg, const IpAddress& src,
                                    const IpAddress& dst) {
  std::vector<std::uint8_t> tcp(kTcpMinHeader, 0);
  tcp.reserve(kTcpMinHeader + kTcpMaxOptions + seg.payload.size());
  wire::store_be16(&tcp[0], seg.sport);
  wire::store_be16(&tcp[2], seg.dport);
  wire::store_be32(&tcp[4], seg.seq);
  wire::store_be32(&tcp[8], seg.ack);
  wire::store_be16(&tcp[14], seg.window);
  wire::store_be16(&tcp[18], seg.urgent);
  append_options(tcp, seg.options, seg.after_eol);
  const auto data_offset_words = static_cast<std::uint16_t>(tcp.size() / 4);
  wire::store_be16(&tcp[12], static_cast<std::uint16_t>((data_offset_words << 12) |
                                                        (seg.flags & kTcpFlagAndReservedMask)));
  tcp.insert(tcp.end(), seg.payload.begin(), seg.payload.end());

  std::uint16_t checksum = tcp_checksum(src, dst, tcp);
  // Never 0xFFFF, so +1 cannot wrap to a value that is the same in one's complement.
  if (seg.corrupt_checksum) checksum = static_cast<std::uint16_t>(checksum + 1);
  wire::store_be16(&tcp[kTcpChecksumOffset], checksum);
  return tcp;
}

Tins::IPv4Address to_tins_v4(const IpAddress& address) {
  std::uint32_t network_order = 0;
  std::memcpy(&network_order, address.bytes.data(), 4);
  return Tins::IPv4Address(network_order);
}

Tins::IPv6Address to_tins_v6(const IpAddress& address) {
  return Tins::IPv6Address(address.bytes.data());
}

std::vector<std::uint8_t> wrap_ipv4(const Segment& seg, const IpAddress& src, const IpAddress& dst,
                                    std::vector<std::uint8_t> tcp) {
  Tins::IP ip(to_tins_v4(dst), to_tins_v4(src));
  ip.tos(seg.tos);
  ip.ttl(seg.ttl);
  ip.id(0);
  ip.flags(Tins::IP::DONT_FRAGMENT);
  ip.protocol(IPPROTO_TCP);
  ip.inner_pdu(new Tins::RawPDU(std::move(tcp)));  // takes ownership; avoids a copy of the bytes
  std::vector<std::uint8_t> bytes = ip.serialize();
  if (!seg.ip_options.empty()) {
    // IPv4 options go between the 20-octet header and the TCP bytes, zero-padded (EOL) to 32
    // bits; the header length, total length and header checksum follow (recomputed below).
    std::vector<std::uint8_t> options = seg.ip_options;
    options.resize(std::min<std::size_t>((options.size() + 3) / 4 * 4, 40), 0);
    bytes.insert(bytes.begin() + 20, options.begin(), options.end());
    bytes[0] = static_cast<std::uint8_t>(0x40 | ((20 + options.size()) / 4));
    const auto total = static_cast<std::uint16_t>(bytes.size());
    bytes[2] = static_cast<std::uint8_t>(total >> 8);
    bytes[3] = static_cast<std::uint8_t>(total);
    bytes[10] = bytes[11] = 0xFF;  // forces the checksum recomputation below
  }
  // libtins fills an unspecified source (0.0.0.0) from a routing lookup of the host; the wire must
  // carry exactly the segment's address, so put it back and recompute the header checksum.
  if (!seg.ip_options.empty() ||
      std::equal(src.bytes.begin(), src.bytes.begin() + 4, bytes.begin() + 12) == false) {
    std::copy(src.bytes.begin(), src.bytes.begin() + 4, bytes.begin() + 12);
    const std::size_t header = static_cast<std::size_t>(bytes[0] & 0x0F) * 4;
    bytes[10] = bytes[11] = 0;
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < header; i += 2) sum += static_cast<std::uint32_t>(bytes[i] << 8 | bytes[i + 1]);
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    const auto checksum = static_cast<std::uint16_t>(~sum);
    bytes[10] = static_cast<std::uint8_t>(checksum >> 8);
    bytes[11] = static_cast<std::uint8_t>(checksum);
  }
  return bytes;
}

std::vector<std::uint8_t> wrap_ipv6(const Segment& seg, const IpAddress& src, const IpAddress& dst,
                                    std::vector<std::uint8_t> tcp) {
  Tins::IPv6 ip(to_tins_v6(dst), to_tins_v6(src));
  ip.traffic_class(seg.tos);
  ip.flow_label(seg.flow_label & 0xFFFFF);
  ip.hop_limit(seg.ttl);
  ip.next_header(IPPROTO_TCP);
  ip.inner_pdu(new Tins::RawPDU(std::move(tcp)));  // takes ownership; avoids a copy of the bytes
  return ip.serialize();
}

// ---- Decoding ----

struct IpLayer {
  IpAddress src;
  IpAddress dst;
  std::uint8_t tos = 0;
  std::uint8_t ttl = 0;
  std::uint32_t flow_label = 0;
  std::span<const std::uint8_t> ip_options;  // IPv4 header options (empty without)
  std::span<const std::uint8_t> tcp;
};

std::string bytes_text(std::size_t n) { return std::to_string(n) + "-byte"; }

IpAddress from_tins_v6(const Tins::IPv6Address& address) {
  IpAddress result;
  result.version = IpVersion::v6;
  std::copy(address.begin(), address.end(), result.bytes.begin());
  return result;
}

Result<IpLayer> parse_ipv4(std::span<const std::uint8_t> packet) {
  if (packet.size() < kIpv4MinHeader) {
    return make_error("truncated IPv4 header: " + std::to_string(packet.size()) +
                      " bytes, need at least 20");
  }
  const std::size_t header_words = packet[0] & 0x0F;
  const std::size_t header_bytes = header_words * 4;
  if (header_words < 5) {
    return make_error("IPv4 header length (IHL) " + std::to_string(header_words) +
                      " words is below the minimum of 5");
  }
  if (header_bytes > packet.size()) {
    return make_error("IPv4 header length " + std::to_string(header_bytes) + " bytes exceeds the " +
                      bytes_text(packet.size()) + " packet");
  }
  const std::size_t total_length = wire::load_be16(&packet[2]);
  if (total_length != packet.size()) {
    return make_error("IPv4 total length " + std::to_string(total_length) + " disagrees with the " +
                      bytes_text(packet.size()) + " packet");
  }
  const std::uint16_t fragment = wire::load_be16(&packet[6]);
  if ((fragment & 0x2000) != 0 || (fragment & 0x1FFF) != 0) {
    return make_error("IPv4 fragment (more-fragments bit or offset set) is not supported");
  }
  if (packet[9] != IPPROTO_TCP) {
    return make_error("IPv4 protocol " + std::to_string(packet[9]) + " is not TCP (6)");
  }
  // The fixed header's fields are read in place; options are kept as raw octets (libtins's IP
  // parser rejects option kinds it does not know, and an unknown option is exactly what
  // RFC 9293 MUST-50 asks a stack to ignore).
  IpLayer layer;
  layer.tos = packet[1];
  layer.ttl = packet[8];
  layer.src.version = layer.dst.version = IpVersion::v4;
  std::copy(packet.begin() + 12, packet.begin() + 16, layer.src.bytes.begin());
  std::copy(packet.begin() + 16, packet.begin() + 20, layer.dst.bytes.begin());
  layer.ip_options = packet.subspan(20, header_bytes - 20);
  // RFC 791 option layout: EOL ends the list, NOP is one octet, every other option has a length
  // octet (at least 2) that must keep it inside the header.
  for (std::size_t at = 0; at < layer.ip_options.size();) {
    const std::uint8_t kind = layer.ip_options[at];
    if (kind == 0) break;
    if (kind == 1) { ++at; continue; }
    const std::size_t length = at + 1 < layer.ip_options.size() ? layer.ip_options[at + 1] : 0;
    if (length < 2 || at + length > layer.ip_options.size()) {
      return make_error("malformed IPv4 header options: option " + std::to_string(kind) + " at offset " +
                        std::to_string(20 + at) + " has length " + std::to_string(length) +
                        ", beyond the " + std::to_string(header_bytes) + "-byte header");
    }
    at += length;
  }
  layer.tcp = packet.subspan(header_bytes);
  return layer;
}

Result<IpLayer> parse_ipv6(std::span<const std::uint8_t> packet) {
  if (packet.size() < kIpv6Header) {
    return make_error("truncated IPv6 header: " + std::to_string(packet.size()) +
                      " bytes, need at least 40");
  }
  const std::size_t payload_length = wire::load_be16(&packet[4]);
  if (payload_length != packet.size() - kIpv6Header) {
    return make_error("IPv6 payload length " + std::to_string(payload_length) +
                      " disagrees with the " + bytes_text(packet.size() - kIpv6Header) +
                      " payload after the 40-byte header");
  }
  if (packet[6] != IPPROTO_TCP) {
    return make_error("IPv6 next header " + std::to_string(packet[6]) +
                      " is not TCP (6); extension headers are not supported");
  }
  IpLayer layer;
  try {
    const Tins::IPv6 ip(packet.data(), static_cast<std::uint32_t>(kIpv6Header));
    layer.src = from_tins_v6(ip.src_addr());
    layer.dst = from_tins_v6(ip.dst_addr());
    layer.tos = ip.traffic_class();
    layer.ttl = ip.hop_limit();
    layer.flow_label = static_cast<std::uint32_t>(ip.flow_label());
  } catch (const std::exception& e) {
    return make_error(std::string("malformed IPv6 header: ") + e.what());
  } catch (...) {
    return make_error("malformed IPv6 header");
  }
  layer.tcp = packet.subspan(kIpv6Header);
  return layer;
}

std::string describe_option(std::uint8_t kind, std::size_t header_offset) {
  const char* name = wire::option_kind_name(kind);
  std::string text = "malformed TCP option ";
  text += name != nullptr ? std::string(name) + " (kind " + std::to_string(kind) + ")"
                          : "kind " + std::to_string(kind);
  return text + " at TCP header offset " + std::to_string(header_offset);
}

// Parses the option area exactly as sent. Stops at EOL (kept once); what follows is padding, kept
// byte for byte in `after_eol` (it must be zero: RFC 9293 MUST-69).
Result<std::vector<TcpOption>> parse_options(std::span<const std::uint8_t> area,
                                             std::vector<std::uint8_t>& after_eol) {
  std::vector<TcpOption> options;
  std::size_t at = 0;
  while (at < area.size()) {
    const std::uint8_t kind = area[at];
    if (kind == option_kind::EOL) {
      options.push_back(TcpOption::eol());
      const auto rest = area.subspan(at + 1);
      // Zero fill (the rule) is what the encoder pads with anyway: only a violation is kept.
      if (std::any_of(rest.begin(), rest.end(), [](std::uint8_t b) { return b != 0; })) {
        after_eol.assign(rest.begin(), rest.end());
      }
      break;
    }
    if (kind == option_kind::NOP) {
      options.push_back(TcpOption::nop());
      ++at;
      continue;
    }
    const std::size_t header_offset = kTcpMinHeader + at;
    if (at + 1 >= area.size()) {
      return make_error(describe_option(kind, header_offset) +
                        ": length octet missing at the end of the option area");
    }
    const std::size_t length = area[at + 1];
    if (length < 2) {
      return make_error(describe_option(kind, header_offset) + ": length " +
                        std::to_string(length) + " is below 2");
    }
    if (at + length > area.size()) {
      return make_error(describe_option(kind, header_offset) + ": length " +
                        std::to_string(length) + " runs past the end of the TCP header (" +
                        std::to_string(area.size() - at) + " option bytes left)");
    }
    TcpOption option;
    option.kind = kind;
    option.data.assign(area.begin() + static_cast<std::ptrdiff_t>(at + 2),
                       area.begin() + static_cast<std::ptrdiff_t>(at + length));
    if (!wire::option_length_well_formed(kind, length)) {
      option.wire_length = static_cast<std::uint8_t>(length);
    }
    options.push_back(std::move(option));
    at += length;
  }
  return options;
}

Result<Segment> parse_tcp(const IpLayer& ip) {
  const std::span<const std::uint8_t> tcp = ip.tcp;
  if (tcp.size() < kTcpMinHeader) {
    return make_error("truncated TCP header: " + std::to_string(tcp.size()) +
                      " bytes, need at least 20");
  }
  const std::uint16_t offset_and_flags = wire::load_be16(&tcp[12]);
  const std::size_t data_offset_words = offset_and_flags >> 12;
  const std::size_t header_bytes = data_offset_words * 4;
  if (data_offset_words < 5) {
    return make_error("TCP data offset " + std::to_string(data_offset_words) +
                      " words is below the minimum of 5");
  }
  if (header_bytes > tcp.size()) {
    return make_error("TCP data offset " + std::to_string(header_bytes) + " bytes exceeds the " +
                      bytes_text(tcp.size()) + " segment");
  }
  std::vector<std::uint8_t> after_eol;
  Result<std::vector<TcpOption>> options =
      parse_options(tcp.subspan(kTcpMinHeader, header_bytes - kTcpMinHeader), after_eol);
  if (!options) return options.error();

  Segment seg;
  seg.after_eol = std::move(after_eol);
  seg.src = ip.src;
  seg.dst = ip.dst;
  seg.tos = ip.tos;
  seg.ttl = ip.ttl;
  seg.flow_label = ip.flow_label;
  seg.ip_options.assign(ip.ip_options.begin(), ip.ip_options.end());
  seg.sport = wire::load_be16(&tcp[0]);
  seg.dport = wire::load_be16(&tcp[2]);
  seg.seq = wire::load_be32(&tcp[4]);
  seg.ack = wire::load_be32(&tcp[8]);
  seg.flags = offset_and_flags & kTcpFlagAndReservedMask;
  seg.window = wire::load_be16(&tcp[14]);
  seg.urgent = wire::load_be16(&tcp[18]);
  seg.options = std::move(options).value();
  seg.payload.assign(tcp.begin() + static_cast<std::ptrdiff_t>(header_bytes), tcp.end());
  seg.checksum_ok = tcp_checksum(ip.src, pseudo_header_destination(ip.dst, ip.ip_options), tcp) == 0;
  return seg;
}

Result<IpLayer> parse_ip(std::span<const std::uint8_t> packet) {
  if (packet.empty()) return make_error("empty packet");
  const int version = packet[0] >> 4;
  if (version == 4) return parse_ipv4(packet);
  if (version == 6) return parse_ipv6(packet);
  return make_error("IP version " + std::to_string(version) + " is neither 4 nor 6");
}

}  // namespace

std::uint16_t tcp_checksum(const IpAddress& src, const IpAddress& dst,
                           std::span<const std::uint8_t> tcp_bytes) {
  const bool v6 = src.version == IpVersion::v6 || dst.version == IpVersion::v6;
  std::uint64_t sum = 0;
  if (v6) {
    // RFC 8200 §8.1: addresses, 32-bit upper-layer length, 24 zero bits, next header.
    sum = sum_words(src.mapped_v6().bytes, sum);
    sum = sum_words(dst.mapped_v6().bytes, sum);
    const auto length = static_cast<std::uint32_t>(tcp_bytes.size());
    sum += (length >> 16) + (length & 0xFFFF) + IPPROTO_TCP;
  } else {
    // RFC 9293 §3.1: addresses, zero, protocol, 16-bit TCP length.
    sum = sum_words(std::span(src.bytes).first(4), sum);
    sum = sum_words(std::span(dst.bytes).first(4), sum);
    sum += IPPROTO_TCP + (tcp_bytes.size() & 0xFFFF);
  }
  return fold_and_complement(sum_words(tcp_bytes, sum));
}

IpAddress pseudo_header_destination(const IpAddress& dst, std::span<const std::uint8_t> ip_options) {
  if (dst.version != IpVersion::v4) return dst;
  for (std::size_t at = 0; at < ip_options.size();) {
    const std::uint8_t kind = ip_options[at];
    if (kind == 0) break;  // EOL
    if (kind == 1 || at + 1 >= ip_options.size()) {
      ++at;
      continue;
    }
    const std::size_t length = ip_options[at + 1];
    if (length < 2 || at + length > ip_options.size()) break;
    const bool route = kind == 131 || kind == 137;  // LSRR, SSRR (RFC 791)
    if (route && length >= 7 && at + 2 < ip_options.size() && ip_options[at + 2] <= length) {
      IpAddress final_destination = dst;  // the route's last slot
      std::copy_n(ip_options.begin() + static_cast<std::ptrdiff_t>(at + length - 4), 4,
                  final_destination.bytes.begin());
      return final_destination;
    }
    at += length;
  }
  return dst;
}

std::vector<std::uint8_t> encode(const Segment& seg) {
  IpAddress src = seg.src;
  IpAddress dst = seg.dst;
  // Mixed families cannot share a packet; send both as IPv6 (v4 ones as ::ffff:a.b.c.d).
  if (src.version != dst.version) {
    src = src.mapped_v6();
    dst = dst.mapped_v6();
  }
  const IpAddress checksum_dst =
      src.version == IpVersion::v4 ? pseudo_header_destination(dst, seg.ip_options) : dst;
  std::vector<std::uint8_t> tcp = build_tcp(seg, src, checksum_dst);
  if (src.version == IpVersion::v4) return wrap_ipv4(seg, src, dst, std::move(tcp));
  return wrap_ipv6(seg, src, dst, std::move(tcp));
}

Result<Segment> decode(std::span<const std::uint8_t> packet) {
  Result<IpLayer> ip = parse_ip(packet);
  if (!ip) return ip.error();
  return parse_tcp(*ip);
}

}  // namespace synack::net
