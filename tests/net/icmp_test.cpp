// ICMP and ICMPv6 error messages: encode -> decode is the identity, the checksums hold (checked
// here independently and through libtins' own parser), malformed input is an error, and the text
// reads like tcpdump's.
#include "harness/net/icmp.h"

#include <gtest/gtest.h>
#include <tins/tins.h>

#include "tests/net/net_test_support.h"

namespace synack::net {
namespace {

using testing_support::addr;

IcmpMessage v4_message(std::uint8_t type, std::uint8_t code, std::uint32_t mtu = 0) {
  IcmpMessage m;
  m.src = addr("198.51.100.1");
  m.dst = addr("192.0.2.1");
  m.ttl = 61;
  m.tos = 0xc0;
  m.type = type;
  m.code = code;
  m.mtu = mtu;
  m.quoted.src = addr("192.0.2.1");
  m.quoted.dst = addr("198.51.100.1");
  m.quoted.sport = 8080;
  m.quoted.dport = 34000;
  m.quoted.seq = 0xdeadbeef;
  m.quoted.payload_length = 1460;
  return m;
}

IcmpMessage v6_message(std::uint8_t type, std::uint8_t code, std::uint32_t mtu = 0) {
  IcmpMessage m = v4_message(type, code, mtu);
  m.src = addr("2001:db8:1::1");
  m.dst = addr("2001:db8::1");
  m.flow_label = 0x12345;
  m.quoted.src = addr("2001:db8::1");
  m.quoted.dst = addr("2001:db8:1::1");
  return m;
}

// RFC 1071, written out again here: the one's-complement sum over the bytes (and for ICMPv6
// the pseudo-header) is all ones when the checksum is right.
std::uint16_t ones_sum(const std::vector<std::uint8_t>& b, std::size_t from, std::uint64_t sum = 0) {
  for (std::size_t i = from; i < b.size(); i += 2) {
    sum += static_cast<std::uint64_t>(b[i] << 8 | (i + 1 < b.size() ? b[i + 1] : 0));
  }
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

TEST(Icmp, Ipv4RoundTripAndLayout) {
  const IcmpMessage m = v4_message(3, 4, 1200);
  const std::vector<std::uint8_t> wire = encode_icmp(m);
  // 20 (IP) + 8 (ICMP) + 20 (quoted IP) + 8 (quoted TCP).
  ASSERT_EQ(wire.size(), 56u);
  EXPECT_EQ(wire[9], 1);  // protocol ICMP
  EXPECT_EQ(wire[20], 3);
  EXPECT_EQ(wire[21], 4);
  EXPECT_EQ(wire[26] << 8 | wire[27], 1200);  // RFC 1191 next-hop MTU in the low 16 bits
  EXPECT_EQ(wire[28], 0x45);                  // the quoted IPv4 header
  EXPECT_EQ(wire[28 + 9], 6);                 // carrying TCP
  EXPECT_EQ(wire[28 + 2] << 8 | wire[28 + 3], 20 + 20 + 1460);
  EXPECT_EQ(ones_sum(wire, 20), 0xFFFF);                                // ICMP checksum
  EXPECT_EQ(ones_sum(std::vector<std::uint8_t>(wire.begin() + 28, wire.begin() + 48), 0), 0xFFFF);  // quoted IP header
  EXPECT_TRUE(is_icmp_packet(wire));
  Result<IcmpMessage> back = decode_icmp(wire);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, m);
  EXPECT_TRUE(back->checksum_ok);
}

TEST(Icmp, Ipv6RoundTripWithThePseudoHeaderChecksum) {
  const IcmpMessage m = v6_message(2, 0, 1280);
  const std::vector<std::uint8_t> wire = encode_icmp(m);
  // 40 (IPv6) + 8 (ICMPv6) + 40 (quoted IPv6) + 8 (quoted TCP).
  ASSERT_EQ(wire.size(), 96u);
  EXPECT_EQ(wire[6], 58);  // next header ICMPv6
  EXPECT_EQ(wire[40], 2);
  EXPECT_EQ((wire[44] << 24) | (wire[45] << 16) | (wire[46] << 8) | wire[47], 1280);
  EXPECT_EQ(wire[48] >> 4, 6);
  EXPECT_EQ(wire[48 + 6], 6);  // quoted next header TCP
  // Pseudo-header: source, destination, upper-layer length, next header 58.
  std::uint64_t pseudo = 0;
  std::vector<std::uint8_t> addresses(wire.begin() + 8, wire.begin() + 40);
  pseudo += ones_sum(addresses, 0);
  pseudo += (wire.size() - 40) + 58;
  EXPECT_EQ(ones_sum(wire, 40, pseudo), 0xFFFF);
  Result<IcmpMessage> back = decode_icmp(wire);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, m);
  // Without the pseudo-header (ICMPv4's rule) the sum would be wrong.
  EXPECT_NE(ones_sum(wire, 40), 0xFFFF);
}

TEST(Icmp, LibtinsReadsWhatWeWrite) {
  const std::vector<std::uint8_t> v4 = encode_icmp(v4_message(3, 4, 1200));
  Tins::IP ip(v4.data(), static_cast<std::uint32_t>(v4.size()));
  const auto* icmp = ip.find_pdu<Tins::ICMP>();
  ASSERT_NE(icmp, nullptr);
  EXPECT_EQ(icmp->type(), Tins::ICMP::DEST_UNREACHABLE);
  EXPECT_EQ(icmp->code(), 4);
  EXPECT_EQ(icmp->mtu(), 1200);
  EXPECT_EQ(ip.src_addr().to_string(), "198.51.100.1");
  EXPECT_EQ(ip.ttl(), 61);

  const std::vector<std::uint8_t> v6 = encode_icmp(v6_message(1, 4));
  Tins::IPv6 ip6(v6.data(), static_cast<std::uint32_t>(v6.size()));
  const auto* icmp6 = ip6.find_pdu<Tins::ICMPv6>();
  ASSERT_NE(icmp6, nullptr);
  EXPECT_EQ(icmp6->type(), Tins::ICMPv6::DEST_UNREACHABLE);
  EXPECT_EQ(icmp6->code(), 4);
  EXPECT_EQ(ip6.src_addr().to_string(), "2001:db8:1::1");
  EXPECT_EQ(ip6.flow_label(), 0x12345u);
}

TEST(Icmp, ACorruptChecksumIsWrittenAndSeen) {
  for (const IcmpMessage& good : {v4_message(3, 1), v6_message(1, 3)}) {
    IcmpMessage m = good;
    m.corrupt_checksum = true;
    Result<IcmpMessage> back = decode_icmp(encode_icmp(m));
    ASSERT_TRUE(back.ok());
    EXPECT_FALSE(back->checksum_ok);
  }
}

TEST(Icmp, MalformedPacketsAreErrors) {
  const std::vector<std::uint8_t> good = encode_icmp(v4_message(3, 3));
  auto error_of = [](std::vector<std::uint8_t> bytes) {
    Result<IcmpMessage> r = decode_icmp(bytes);
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.error().message;
  };
  EXPECT_NE(error_of({}).find("empty"), std::string::npos);
  std::vector<std::uint8_t> short_quote(good.begin(), good.end() - 4);
  short_quote[3] = static_cast<std::uint8_t>(short_quote.size());
  EXPECT_NE(error_of(short_quote).find("fewer than the 8"), std::string::npos);
  std::vector<std::uint8_t> udp = good;
  udp[28 + 9] = 17;  // the quoted packet is UDP
  EXPECT_NE(error_of(udp).find("not TCP"), std::string::npos);
  std::vector<std::uint8_t> tcp = good;
  tcp[9] = 6;  // not ICMP at all
  EXPECT_NE(error_of(tcp).find("is not ICMP"), std::string::npos);
  EXPECT_FALSE(is_icmp_packet(tcp));
  std::vector<std::uint8_t> bad_length = good;
  bad_length[3] = 99;
  EXPECT_NE(error_of(bad_length).find("total length"), std::string::npos);
}

TEST(Icmp, TcpdumpStyleText) {
  IcmpMessage m = v4_message(3, 1);
  m.quoted.seq = 1;
  m.quoted.payload_length = 1000;
  EXPECT_EQ(format_icmp(m),
            "ICMP host 198.51.100.1 unreachable, for 192.0.2.1.8080 > 198.51.100.1.34000: tcp seq 1, "
            "length 1000");
  EXPECT_EQ(format_icmp(v4_message(3, 3)).substr(0, 45), "ICMP 198.51.100.1 tcp port 34000 unreachable,");
  EXPECT_EQ(format_icmp(v4_message(3, 4, 1200)).substr(0, 57),
            "ICMP 198.51.100.1 unreachable - need to frag (mtu 1200), ");
  EXPECT_EQ(format_icmp(v4_message(4, 0)).substr(0, 19), "ICMP source quench,");
  EXPECT_EQ(format_icmp(v4_message(11, 0)).substr(0, 29), "ICMP time exceeded in-transit");
  EXPECT_EQ(format_icmp(v6_message(2, 0, 1280)).substr(0, 31), "ICMP6, packet too big, mtu 1280");
  EXPECT_EQ(format_icmp(v6_message(1, 4)).substr(0, 77),
            "ICMP6, destination unreachable, unreachable port 2001:db8:1::1 tcp port 34000");
}

}  // namespace
}  // namespace synack::net
