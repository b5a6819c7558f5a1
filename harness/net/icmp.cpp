// ICMP and ICMPv6 error messages on the wire. The ICMP part (header, quoted IP header, quoted TCP
// octets) is built and parsed byte by byte, so every field is exactly what the script asked for;
// libtins writes the outer IP header, as for segments (codec.cpp).
#include "harness/net/icmp.h"

#include <netinet/in.h>
#include <tins/tins.h>

#include <algorithm>
#include <cstring>

#include "harness/net/wire.h"

namespace synack::net {
namespace {

constexpr std::size_t kIpv4Header = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kIcmpHeader = 8;
constexpr std::size_t kQuotedTcpOctets = 8;  // RFC 792: "the first 64 bits of the data"
constexpr std::size_t kTcpHeader = 20;       // the quoted segment's header, for its IP length
constexpr std::uint8_t kProtoIcmpV6 = 58;

// ---- Checksums ----

std::uint64_t sum_words(std::span<const std::uint8_t> bytes, std::uint64_t sum) {
  const std::size_t even = bytes.size() & ~std::size_t{1};
  for (std::size_t i = 0; i < even; i += 2) sum += wire::load_be16(&bytes[i]);
  if (even != bytes.size()) sum += std::uint64_t{bytes[even]} << 8;
  return sum;
}

std::uint16_t fold_and_complement(std::uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

std::uint16_t ipv4_header_checksum(std::span<const std::uint8_t> header) {
  return fold_and_complement(sum_words(header, 0));
}

// ---- Encoding ----

std::vector<std::uint8_t> quoted_ip_header(const QuotedTcp& q) {
  std::vector<std::uint8_t> h;
  if (q.src.version == IpVersion::v4) {
    h.assign(kIpv4Header, 0);
    h[0] = 0x45;
    wire::store_be16(&h[2], static_cast<std::uint16_t>(kIpv4Header + kTcpHeader + q.payload_length));
    wire::store_be16(&h[6], 0x4000);  // DF: the stack sends with DF set (PMTUD, RFC 1191)
    h[8] = q.ttl;
    h[9] = IPPROTO_TCP;
    std::memcpy(&h[12], q.src.bytes.data(), 4);
    std::memcpy(&h[16], q.dst.bytes.data(), 4);
    wire::store_be16(&h[10], ipv4_header_checksum(h));
  } else {
    h.assign(kIpv6Header, 0);
    h[0] = 0x60;
    wire::store_be16(&h[4], static_cast<std::uint16_t>(kTcpHeader + q.payload_length));
    h[6] = IPPROTO_TCP;
    h[7] = q.ttl;
    std::memcpy(&h[8], q.src.bytes.data(), 16);
    std::memcpy(&h[24], q.dst.bytes.data(), 16);
  }
  return h;
}

std::vector<std::uint8_t> icmp_body(const IcmpMessage& m) {
  std::vector<std::uint8_t> out(kIcmpHeader, 0);
  out[0] = m.type;
  out[1] = m.code;
  wire::store_be32(&out[4], m.mtu);
  const std::vector<std::uint8_t> ip = quoted_ip_header(m.quoted);
  out.insert(out.end(), ip.begin(), ip.end());
  wire::append_be16(out, m.quoted.sport);
  wire::append_be16(out, m.quoted.dport);
  wire::append_be32(out, m.quoted.seq);
  std::uint16_t checksum = icmp_checksum(m.src, m.dst, out);
  if (m.corrupt_checksum) checksum = static_cast<std::uint16_t>(checksum + 1);
  wire::store_be16(&out[2], checksum);
  return out;
}

// ---- Decoding ----

std::string count(std::size_t n) { return std::to_string(n); }

IpAddress address(IpVersion version, const std::uint8_t* bytes) {
  IpAddress a;
  a.version = version;
  std::memcpy(a.bytes.data(), bytes, version == IpVersion::v4 ? 4 : 16);
  return a;
}

Result<QuotedTcp> parse_quoted(std::span<const std::uint8_t> q, IpVersion outer) {
  QuotedTcp out;
  if (q.empty()) return make_error("the ICMP message quotes no packet");
  const int version = q[0] >> 4;
  if (version != static_cast<int>(outer)) {
    return make_error("the quoted packet is IP version " + std::to_string(version) +
                      ", the ICMP message's own is " + std::to_string(static_cast<int>(outer)));
  }
  std::size_t header = 0;
  std::size_t payload = 0;
  if (outer == IpVersion::v4) {
    if (q.size() < kIpv4Header) return make_error("truncated quoted IPv4 header: " + count(q.size()) + " bytes");
    header = static_cast<std::size_t>(q[0] & 0x0F) * 4;
    if (header < kIpv4Header || header > q.size()) {
      return make_error("quoted IPv4 header length " + count(header) + " does not fit the " +
                        count(q.size()) + " quoted bytes");
    }
    if (q[9] != IPPROTO_TCP) return make_error("the quoted packet is protocol " + count(q[9]) + ", not TCP");
    const std::size_t total = wire::load_be16(&q[2]);
    payload = total > header + kTcpHeader ? total - header - kTcpHeader : 0;
    out.ttl = q[8];
    out.src = address(IpVersion::v4, &q[12]);
    out.dst = address(IpVersion::v4, &q[16]);
  } else {
    if (q.size() < kIpv6Header) return make_error("truncated quoted IPv6 header: " + count(q.size()) + " bytes");
    header = kIpv6Header;
    if (q[6] != IPPROTO_TCP) return make_error("the quoted packet's next header is " + count(q[6]) + ", not TCP");
    const std::size_t plen = wire::load_be16(&q[4]);
    payload = plen > kTcpHeader ? plen - kTcpHeader : 0;
    out.ttl = q[7];
    out.src = address(IpVersion::v6, &q[8]);
    out.dst = address(IpVersion::v6, &q[24]);
  }
  if (q.size() < header + kQuotedTcpOctets) {
    return make_error("the ICMP message quotes " + count(q.size() - header) +
                      " octets of TCP, fewer than the 8 that hold the ports and sequence number");
  }
  out.payload_length = static_cast<std::uint16_t>(std::min<std::size_t>(payload, 0xFFFF));
  out.sport = wire::load_be16(&q[header]);
  out.dport = wire::load_be16(&q[header + 2]);
  out.seq = wire::load_be32(&q[header + 4]);
  return out;
}

// ---- Formatting ----

std::string endpoint(const IpAddress& a, std::uint16_t port) { return a.to_string() + "." + std::to_string(port); }

// What tcpdump says about an ICMPv4 error (print-icmp.c), naming the quoted destination.
std::string v4_text(const IcmpMessage& m) {
  const std::string dst = m.quoted.dst.to_string();
  switch (m.type) {
    case 3:
      switch (m.code) {
        case 0: return "net " + dst + " unreachable";
        case 1: return "host " + dst + " unreachable";
        case 2: return dst + " protocol 6 unreachable";
        case 3: return dst + " tcp port " + std::to_string(m.quoted.dport) + " unreachable";
        case 4: return dst + " unreachable - need to frag (mtu " + std::to_string(m.mtu & 0xFFFF) + ")";
        case 5: return dst + " unreachable - source route failed";
        case 6: return "net " + dst + " unreachable - unknown";
        case 7: return "host " + dst + " unreachable - unknown";
        case 8: return dst + " unreachable - source host isolated";
        case 9: return "net " + dst + " unreachable - admin prohibited";
        case 10: return "host " + dst + " unreachable - admin prohibited";
        case 11: return "net " + dst + " unreachable - tos prohibited";
        case 12: return "host " + dst + " unreachable - tos prohibited";
        case 13: return "host " + dst + " unreachable - admin prohibited filter";
        case 14: return "host " + dst + " unreachable - host precedence violation";
        case 15: return "host " + dst + " unreachable - precedence cutoff";
        default: return dst + " unreachable - #" + std::to_string(m.code);
      }
    case 4: return "source quench";
    case 11: return m.code == 1 ? "ip reassembly time exceeded" : "time exceeded in-transit";
    case 12:
      return m.code == 0 ? "parameter problem - octet " + std::to_string(m.mtu >> 24)
                         : "parameter problem code " + std::to_string(m.code);
    default: return "type-#" + std::to_string(m.type) + " code " + std::to_string(m.code);
  }
}

// What tcpdump says about an ICMPv6 error (print-icmp6.c).
std::string v6_text(const IcmpMessage& m) {
  const std::string dst = m.quoted.dst.to_string();
  switch (m.type) {
    case 1:
      switch (m.code) {
        case 0: return "destination unreachable, unreachable route " + dst;
        case 1: return "destination unreachable, unreachable prohibited " + dst;
        case 2: return "destination unreachable, beyond scope " + dst;
        case 3: return "destination unreachable, unreachable address " + dst;
        case 4: return "destination unreachable, unreachable port " + dst + " tcp port " +
                       std::to_string(m.quoted.dport);
        default: return "destination unreachable, unknown code (" + std::to_string(m.code) + ")";
      }
    case 2: return "packet too big, mtu " + std::to_string(m.mtu);
    case 3: return m.code == 1 ? "time exceeded in reassembly" : "time exceeded in-transit for " + dst;
    case 4: return "parameter problem, code " + std::to_string(m.code) + ", pointer " + std::to_string(m.mtu);
    default: return "type " + std::to_string(m.type) + ", code " + std::to_string(m.code);
  }
}

}  // namespace

std::uint16_t icmp_checksum(const IpAddress& src, const IpAddress& dst,
                            std::span<const std::uint8_t> icmp_bytes) {
  std::uint64_t sum = 0;
  if (src.version == IpVersion::v6) {
    // RFC 4443 §2.3 / RFC 8200 §8.1: addresses, 32-bit length, 24 zero bits, next header 58.
    sum = sum_words(src.bytes, sum);
    sum = sum_words(dst.bytes, sum);
    const auto length = static_cast<std::uint32_t>(icmp_bytes.size());
    sum += (length >> 16) + (length & 0xFFFF) + kProtoIcmpV6;
  }
  return fold_and_complement(sum_words(icmp_bytes, sum));
}

std::vector<std::uint8_t> encode_icmp(const IcmpMessage& m) {
  std::vector<std::uint8_t> body = icmp_body(m);
  if (!m.ipv6()) {
    std::uint32_t src = 0, dst = 0;
    std::memcpy(&src, m.src.bytes.data(), 4);
    std::memcpy(&dst, m.dst.bytes.data(), 4);
    Tins::IP ip{Tins::IPv4Address(dst), Tins::IPv4Address(src)};
    ip.tos(m.tos);
    ip.ttl(m.ttl);
    ip.id(0);
    ip.protocol(IPPROTO_ICMP);
    ip.inner_pdu(new Tins::RawPDU(std::move(body)));  // takes ownership
    std::vector<std::uint8_t> bytes = ip.serialize();
    // libtins fills an unspecified source from the host's routes; the wire must carry ours.
    if (std::memcmp(&bytes[12], m.src.bytes.data(), 4) != 0) {
      std::memcpy(&bytes[12], m.src.bytes.data(), 4);
      bytes[10] = bytes[11] = 0;
      wire::store_be16(&bytes[10], ipv4_header_checksum(std::span(bytes).first((bytes[0] & 0x0F) * 4u)));
    }
    return bytes;
  }
  Tins::IPv6 ip{Tins::IPv6Address(m.dst.bytes.data()), Tins::IPv6Address(m.src.bytes.data())};
  ip.traffic_class(m.tos);
  ip.flow_label(m.flow_label & 0xFFFFF);
  ip.hop_limit(m.ttl);
  ip.next_header(kProtoIcmpV6);
  ip.inner_pdu(new Tins::RawPDU(std::move(body)));
  return ip.serialize();
}

bool is_icmp_packet(std::span<const std::uint8_t> packet) {
  if (packet.empty()) return false;
  const int version = packet[0] >> 4;
  if (version == 4) return packet.size() >= kIpv4Header && packet[9] == IPPROTO_ICMP;
  if (version == 6) return packet.size() >= kIpv6Header && packet[6] == kProtoIcmpV6;
  return false;
}

Result<IcmpMessage> decode_icmp(std::span<const std::uint8_t> packet) {
  if (packet.empty()) return make_error("empty packet");
  IcmpMessage m;
  std::span<const std::uint8_t> icmp;
  const int version = packet[0] >> 4;
  if (version == 4) {
    if (packet.size() < kIpv4Header) return make_error("truncated IPv4 header: " + count(packet.size()) + " bytes");
    const std::size_t header = static_cast<std::size_t>(packet[0] & 0x0F) * 4;
    if (header < kIpv4Header || header > packet.size()) return make_error("bad IPv4 header length " + count(header));
    if (wire::load_be16(&packet[2]) != packet.size()) {
      return make_error("IPv4 total length " + count(wire::load_be16(&packet[2])) + " disagrees with the " +
                        count(packet.size()) + "-byte packet");
    }
    if ((wire::load_be16(&packet[6]) & 0x3FFF) != 0) return make_error("IPv4 fragments are not supported");
    if (packet[9] != IPPROTO_ICMP) return make_error("IPv4 protocol " + count(packet[9]) + " is not ICMP (1)");
    m.src = address(IpVersion::v4, &packet[12]);
    m.dst = address(IpVersion::v4, &packet[16]);
    m.tos = packet[1];
    m.ttl = packet[8];
    icmp = packet.subspan(header);
  } else if (version == 6) {
    if (packet.size() < kIpv6Header) return make_error("truncated IPv6 header: " + count(packet.size()) + " bytes");
    if (wire::load_be16(&packet[4]) != packet.size() - kIpv6Header) {
      return make_error("IPv6 payload length " + count(wire::load_be16(&packet[4])) + " disagrees with the " +
                        count(packet.size() - kIpv6Header) + " bytes after the header");
    }
    if (packet[6] != kProtoIcmpV6) {
      return make_error("IPv6 next header " + count(packet[6]) + " is not ICMPv6 (58)");
    }
    m.src = address(IpVersion::v6, &packet[8]);
    m.dst = address(IpVersion::v6, &packet[24]);
    m.tos = static_cast<std::uint8_t>(((packet[0] & 0x0F) << 4) | (packet[1] >> 4));
    m.flow_label = (std::uint32_t{packet[1] & 0x0Fu} << 16) | wire::load_be16(&packet[2]);
    m.ttl = packet[7];
    icmp = packet.subspan(kIpv6Header);
  } else {
    return make_error("IP version " + std::to_string(version) + " is neither 4 nor 6");
  }
  if (icmp.size() < kIcmpHeader) return make_error("truncated ICMP header: " + count(icmp.size()) + " bytes");
  m.type = icmp[0];
  m.code = icmp[1];
  m.mtu = wire::load_be32(&icmp[4]);
  m.checksum_ok = icmp_checksum(m.src, m.dst, icmp) == 0;
  Result<QuotedTcp> quoted = parse_quoted(icmp.subspan(kIcmpHeader), m.src.version);
  if (!quoted) return quoted.error();
  m.quoted = *quoted;
  return m;
}

std::string format_icmp(const IcmpMessage& m) {
  std::string text = m.ipv6() ? "ICMP6, " + v6_text(m) : "ICMP " + v4_text(m);
  text += ", for " + endpoint(m.quoted.src, m.quoted.sport) + " > " + endpoint(m.quoted.dst, m.quoted.dport) +
          ": tcp seq " + std::to_string(m.quoted.seq) + ", length " + std::to_string(m.quoted.payload_length);
  if (!m.checksum_ok) text += " (bad ICMP checksum)";
  return text;
}

}  // namespace synack::net
