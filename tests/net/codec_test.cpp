#include "harness/net/codec.h"

#include <gtest/gtest.h>
#include <tins/tins.h>

#include <string>

#include "tests/net/net_test_support.h"

namespace synack::net {
namespace {

using testing_support::addr;
using testing_support::bytes_of;
using testing_support::linux_syn_ack;
using testing_support::v4_segment;
using testing_support::v6_segment;

constexpr std::size_t kIpv4Header = 20;
constexpr std::size_t kIpv6Header = 40;

Segment decode_ok(const std::vector<std::uint8_t>& packet) {
  Result<Segment> decoded = decode(packet);
  EXPECT_TRUE(decoded.ok()) << decoded.error().message;
  return decoded.ok() ? *decoded : Segment{};
}

std::string decode_error(const std::vector<std::uint8_t>& packet) {
  Result<Segment> decoded = decode(packet);
  EXPECT_FALSE(decoded.ok());
  return decoded.ok() ? std::string("<decoded fine>") : decoded.error().message;
}

void set_be16(std::vector<std::uint8_t>& bytes, std::size_t at, std::size_t value) {
  bytes[at] = static_cast<std::uint8_t>(value >> 8);
  bytes[at + 1] = static_cast<std::uint8_t>(value);
}

std::uint16_t get_be16(const std::vector<std::uint8_t>& bytes, std::size_t at) {
  return static_cast<std::uint16_t>(bytes[at] << 8 | bytes[at + 1]);
}

// Replaces the TCP option area of an encoded IPv4 packet (IHL 5) with `area` (a multiple of 4).
std::vector<std::uint8_t> with_option_area(Segment seg, const std::vector<std::uint8_t>& area) {
  seg.options.clear();
  std::vector<std::uint8_t> packet = encode(seg);
  packet.insert(packet.begin() + kIpv4Header + 20, area.begin(), area.end());
  set_be16(packet, 2, packet.size());
  packet[kIpv4Header + 12] = static_cast<std::uint8_t>(((20 + area.size()) / 4) << 4);
  return packet;
}

Segment every_field_v4() {
  Segment seg = linux_syn_ack();
  seg.tos = 0xb9;
  seg.ttl = 37;
  seg.seq = 0xfedcba98;
  seg.ack = 0x01234567;
  seg.flags = 0x1FF;  // all nine flags, AE included
  seg.window = 4321;
  seg.urgent = 77;
  seg.payload = bytes_of(33, 0x40);
  return seg;
}

TEST(Codec, Ipv4RoundTripKeepsEveryField) {
  const Segment seg = every_field_v4();
  const std::vector<std::uint8_t> packet = encode(seg);
  ASSERT_EQ(packet.size(), kIpv4Header + 20 + 20 + 33);
  const Segment decoded = decode_ok(packet);
  EXPECT_EQ(decoded, seg);
  EXPECT_TRUE(decoded.checksum_ok);
  EXPECT_TRUE(decoded.has(flag::AE));
  EXPECT_EQ(decoded.urgent, 77);
  EXPECT_EQ(decoded.tos, 0xb9);
  EXPECT_EQ(decoded.ttl, 37);
}

TEST(Codec, Ipv6RoundTripKeepsEveryField) {
  Segment seg = every_field_v4();
  seg.src = addr("2001:db8::1");
  seg.dst = addr("2001:db8:ffff::2");
  seg.flow_label = 0xabcde;
  const std::vector<std::uint8_t> packet = encode(seg);
  ASSERT_EQ(packet.size(), kIpv6Header + 20 + 20 + 33);
  EXPECT_EQ(packet[0] >> 4, 6);
  EXPECT_EQ(packet[6], 6) << "next header TCP";
  EXPECT_EQ(packet[7], 37) << "hop limit";
  EXPECT_EQ(get_be16(packet, 4), 20 + 20 + 33) << "payload length";
  const Segment decoded = decode_ok(packet);
  EXPECT_EQ(decoded, seg);
  EXPECT_EQ(decoded.flow_label, 0xabcdeu);
  EXPECT_EQ(decoded.tos, 0xb9);
}

TEST(Codec, Ipv4HeaderIsWellFormed) {
  const std::vector<std::uint8_t> packet = encode(every_field_v4());
  EXPECT_EQ(packet[0], 0x45);
  EXPECT_EQ(packet[1], 0xb9);
  EXPECT_EQ(get_be16(packet, 2), packet.size());
  EXPECT_EQ(packet[8], 37);
  EXPECT_EQ(packet[9], 6);
  EXPECT_EQ(std::vector<std::uint8_t>(packet.begin() + 12, packet.begin() + 16),
            (std::vector<std::uint8_t>{192, 0, 2, 1}));
  EXPECT_EQ(std::vector<std::uint8_t>(packet.begin() + 16, packet.begin() + 20),
            (std::vector<std::uint8_t>{198, 51, 100, 1}));
  // The header checksum makes the one's-complement sum of the header 0xFFFF.
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < kIpv4Header; i += 2) sum += get_be16(packet, i);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  EXPECT_EQ(sum, 0xFFFFu);
}

TEST(Codec, TcpHeaderLayoutIncludingAeAndReservedBits) {
  Segment seg = v4_segment(flag::AE | flag::SYN);
  seg.flags |= 0x0A00;  // two reserved bits: carried, not dropped
  seg.seq = 1;
  seg.ack = 2;
  seg.window = 3;
  seg.urgent = 4;
  const std::vector<std::uint8_t> packet = encode(seg);
  const std::size_t tcp = kIpv4Header;
  EXPECT_EQ(get_be16(packet, tcp + 0), 8080);
  EXPECT_EQ(get_be16(packet, tcp + 2), 40000);
  EXPECT_EQ(get_be16(packet, tcp + 12), 0x5B02);
  EXPECT_EQ(get_be16(packet, tcp + 14), 3);
  EXPECT_EQ(get_be16(packet, tcp + 18), 4);
  EXPECT_EQ(decode_ok(packet).flags, flag::AE | flag::SYN | 0x0A00);
}

// libtins builds the same segment independently; the bytes (checksums included) must agree.
TEST(Codec, MatchesLibtinsSerializationForPlainSegments) {
  Segment seg = v4_segment(flag::PSH | flag::ACK);
  seg.seq = 1000;
  seg.ack = 2000;
  seg.window = 512;
  seg.ttl = 64;
  seg.payload = bytes_of(11, 'a');  // odd length exercises the checksum's padding byte

  Tins::IP ip(Tins::IPv4Address("198.51.100.1"), Tins::IPv4Address("192.0.2.1"));
  ip.ttl(64);
  ip.id(0);
  ip.flags(Tins::IP::DONT_FRAGMENT);
  Tins::TCP tcp(40000, 8080);
  tcp.seq(1000);
  tcp.ack_seq(2000);
  tcp.window(512);
  tcp.flags(Tins::TCP::PSH | Tins::TCP::ACK);
  const std::vector<std::uint8_t> reference = (ip / tcp / Tins::RawPDU(seg.payload)).serialize();
  EXPECT_EQ(encode(seg), reference);
}

TEST(Codec, LibtinsParsesEncodedOptions) {
  const std::vector<std::uint8_t> packet = encode(linux_syn_ack());
  const Tins::IP ip(packet.data(), static_cast<std::uint32_t>(packet.size()));
  const auto& tcp = ip.rfind_pdu<Tins::TCP>();
  EXPECT_EQ(tcp.sport(), 8080);
  EXPECT_EQ(tcp.dport(), 40000);
  EXPECT_EQ(tcp.ack_seq(), 1u);
  EXPECT_EQ(tcp.flags(), Tins::TCP::SYN | Tins::TCP::ACK);
  EXPECT_EQ(tcp.mss(), 1460);
  EXPECT_EQ(tcp.winscale(), 7);
  EXPECT_TRUE(tcp.has_sack_permitted());
  EXPECT_EQ(tcp.timestamp(), (std::pair<std::uint32_t, std::uint32_t>{1, 0}));
}

TEST(Codec, OptionsAreWrittenInOrderExactly) {
  Segment seg = v4_segment(flag::SYN);
  seg.options = {TcpOption::mss(1460), TcpOption::nop(), TcpOption::wscale(7)};
  const std::vector<std::uint8_t> packet = encode(seg);
  ASSERT_EQ(packet.size(), kIpv4Header + 28);
  EXPECT_EQ(std::vector<std::uint8_t>(packet.begin() + 40, packet.end()),
            (std::vector<std::uint8_t>{2, 4, 5, 0xb4, 1, 3, 3, 7}));
  EXPECT_EQ(decode_ok(packet).options, seg.options);
}

TEST(Codec, NopAndEolArePreservedInOrder) {
  Segment seg = v4_segment(flag::SYN);
  seg.options = {TcpOption::nop(),  TcpOption::nop(), TcpOption::timestamp(5, 6),
                 TcpOption::mss(9), TcpOption::nop(), TcpOption::wscale(2),
                 TcpOption::eol()};
  const Segment decoded = decode_ok(encode(seg));
  EXPECT_EQ(decoded.options, seg.options);
}

TEST(Codec, UnalignedOptionsArePaddedWithEol) {
  Segment seg = v4_segment(flag::SYN);
  seg.options = {TcpOption::mss(1460), TcpOption::wscale(7)};
  const std::vector<std::uint8_t> packet = encode(seg);
  ASSERT_EQ(packet.size(), kIpv4Header + 28);
  EXPECT_EQ(packet.back(), 0);
  EXPECT_EQ(packet[kIpv4Header + 12] >> 4, 7);
  const Segment decoded = decode_ok(packet);
  ASSERT_EQ(decoded.options.size(), 3u);
  EXPECT_EQ(decoded.options[0], TcpOption::mss(1460));
  EXPECT_EQ(decoded.options[1], TcpOption::wscale(7));
  EXPECT_EQ(decoded.options[2], TcpOption::eol());
}

TEST(Codec, DecodingStopsAtEolAndKeepsItOnce) {
  // EOL, then three more EOL padding bytes and a whole NOP word.
  const Segment decoded =
      decode_ok(with_option_area(v4_segment(flag::SYN), {0, 0, 0, 0, 1, 1, 1, 1}));
  EXPECT_EQ(decoded.options, std::vector<TcpOption>{TcpOption::eol()});
}

// ---- RFC 9293 MUST-69: the header space after EOL is zero-filled ----

TEST(EolFill, EncoderZeroFillsAfterEolAndTheDecoderSeesNoViolation) {
  for (Segment seg : {v4_segment(flag::SYN), v6_segment(flag::SYN)}) {
    seg.options = {TcpOption::mss(1000), TcpOption::eol()};
    const std::vector<std::uint8_t> packet = encode(seg);
    const std::size_t tcp = seg.src.version == IpVersion::v4 ? kIpv4Header : kIpv6Header;
    ASSERT_EQ(packet.size(), tcp + 28);
    EXPECT_EQ(std::vector<std::uint8_t>(packet.begin() + static_cast<std::ptrdiff_t>(tcp + 20), packet.end()),
              (std::vector<std::uint8_t>{2, 4, 0x03, 0xe8, 0, 0, 0, 0}));
    const Segment decoded = decode_ok(packet);
    EXPECT_EQ(decoded.options, seg.options);
    EXPECT_TRUE(decoded.after_eol.empty());
    EXPECT_FALSE(decoded.nonzero_after_eol());
    EXPECT_EQ(decoded, seg);
  }
  // A lone EOL fills a whole word with zeros.
  Segment lone = v4_segment(flag::SYN);
  lone.options = {TcpOption::eol()};
  const std::vector<std::uint8_t> packet = encode(lone);
  EXPECT_EQ(std::vector<std::uint8_t>(packet.begin() + kIpv4Header + 20, packet.end()),
            (std::vector<std::uint8_t>{0, 0, 0, 0}));
}

TEST(EolFill, ZeroFillLongerThanTheAlignmentIsNoViolation) {
  const Segment decoded =
      decode_ok(with_option_area(v4_segment(flag::SYN), {2, 4, 0x05, 0xb4, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(decoded.options, (std::vector<TcpOption>{TcpOption::mss(1460), TcpOption::eol()}));
  EXPECT_TRUE(decoded.after_eol.empty());
  EXPECT_FALSE(decoded.nonzero_after_eol());
}

// An IPv4 packet made by with_option_area, with its IP header and TCP checksums made right again.
std::vector<std::uint8_t> with_valid_checksums(std::vector<std::uint8_t> packet) {
  set_be16(packet, 10, 0);
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < kIpv4Header; i += 2) sum += get_be16(packet, i);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  set_be16(packet, 10, static_cast<std::uint16_t>(~sum));
  set_be16(packet, kIpv4Header + 16, 0);
  const std::span<const std::uint8_t> tcp(packet.data() + kIpv4Header, packet.size() - kIpv4Header);
  set_be16(packet, kIpv4Header + 16, tcp_checksum(addr("192.0.2.1"), addr("198.51.100.1"), tcp));
  return packet;
}

TEST(EolFill, NonZeroBytesAfterEolAreKeptAndLocated) {
  // MSS, EOL, then 0x00 0x01 0x00: the byte at TCP header offset 20 + 4 + 1 + 1 = 26 is not zero.
  const std::vector<std::uint8_t> packet =
      with_valid_checksums(with_option_area(v4_segment(flag::SYN), {2, 4, 0x05, 0xb4, 0, 0, 1, 0}));
  const Segment decoded = decode_ok(packet);
  EXPECT_TRUE(decoded.checksum_ok);
  EXPECT_EQ(decoded.options, (std::vector<TcpOption>{TcpOption::mss(1460), TcpOption::eol()}));
  EXPECT_EQ(decoded.after_eol, (std::vector<std::uint8_t>{0, 1, 0}));
  EXPECT_EQ(decoded.nonzero_after_eol(), 26u);
  // Re-encoding reproduces the header byte for byte (the checksum is recomputed, and was right).
  EXPECT_EQ(encode(decoded), packet);
  // A whole NOP word after the EOL word: offset 24.
  const Segment nops = decode_ok(with_option_area(v4_segment(flag::SYN), {0, 0, 0, 0, 1, 1, 1, 1}));
  EXPECT_EQ(nops.options, std::vector<TcpOption>{TcpOption::eol()});
  EXPECT_EQ(nops.nonzero_after_eol(), 24u);
}

TEST(EolFill, OptionsWrittenAfterEolGoOnTheWireAsGiven) {
  // A script may put options after EOL on purpose (does the receiver stop reading at EOL?).
  Segment seg = v4_segment(flag::SYN);
  seg.options = {TcpOption::eol(), TcpOption::mss(1000)};
  const std::vector<std::uint8_t> packet = encode(seg);
  EXPECT_EQ(std::vector<std::uint8_t>(packet.begin() + kIpv4Header + 20, packet.end()),
            (std::vector<std::uint8_t>{0, 2, 4, 0x03, 0xe8, 0, 0, 0}));
  EXPECT_EQ(decode_ok(packet).nonzero_after_eol(), 21u);
}

TEST(EolFill, AfterEolIsOnlyWrittenAfterAnEol) {
  Segment seg = v4_segment(flag::SYN);
  seg.options = {TcpOption::mss(1000)};
  seg.after_eol = {1, 1, 1};
  const std::vector<std::uint8_t> packet = encode(seg);
  EXPECT_EQ(std::vector<std::uint8_t>(packet.begin() + kIpv4Header + 20, packet.end()),
            (std::vector<std::uint8_t>{2, 4, 0x03, 0xe8}));
}

TEST(Codec, EveryOptionKindRoundTrips) {
  const std::vector<TcpOption> options = {
      TcpOption::mss(1220),
      TcpOption::wscale(14),
      TcpOption::sack_permitted(),
      TcpOption::sack({{1, 2}}),
      TcpOption::sack({{1, 1001}, {2001, 3001}, {4001, 5001}, {4294967000u, 7}}),
      TcpOption::timestamp(0xdeadbeef, 0x01020304),
      TcpOption::raw(option_kind::MD5, bytes_of(16)),
      TcpOption::raw(option_kind::FAST_OPEN, {}),
      TcpOption::raw(option_kind::FAST_OPEN, bytes_of(8, 0x80)),
      TcpOption::raw(option_kind::EXPERIMENTAL, {0xf9, 0x89}),
      TcpOption::raw(option_kind::EXPERIMENTAL, {0xf9, 0x89, 1, 2, 3, 4}),
      TcpOption::raw(99, {0xaa, 0xbb, 0xcc}),
      TcpOption::raw(253, {}),
      TcpOption::nop(),
      TcpOption::eol(),
  };
  for (const TcpOption& option : options) {
    Segment seg = v4_segment(flag::SYN);
    seg.options = {option};
    const bool single = option.kind <= option_kind::NOP;
    const std::size_t size = single ? 1 : option.data.size() + 2;
    const Segment decoded = decode_ok(encode(seg));
    std::vector<TcpOption> expected = seg.options;
    if (size % 4 != 0 && option.kind != option_kind::EOL) expected.push_back(TcpOption::eol());
    EXPECT_EQ(decoded.options, expected) << "kind " << int{option.kind};
  }
}

TEST(Codec, DecodedAccessorsWork) {
  const Segment decoded = decode_ok(encode(linux_syn_ack()));
  ASSERT_EQ(decoded.options.size(), 5u);
  EXPECT_EQ(decoded.options[0].mss_value(), 1460);
  EXPECT_EQ(decoded.options[2].timestamp_value(), (std::pair<std::uint32_t, std::uint32_t>{1, 0}));
  EXPECT_EQ(decoded.options[4].wscale_value(), 7);
}

TEST(Codec, OddLengthOfAKnownKindIsRecordedAsWireLength) {
  Segment seg = v4_segment(flag::SYN);
  seg.options = {TcpOption::raw(option_kind::MSS, {5, 0xb4, 0}), TcpOption::eol()};
  const std::vector<std::uint8_t> packet = encode(seg);
  const Segment decoded = decode_ok(packet);
  ASSERT_EQ(decoded.options.size(), 2u);
  EXPECT_EQ(decoded.options[0].wire_length, 5);
  EXPECT_EQ(decoded.options[0].data, (std::vector<std::uint8_t>{5, 0xb4, 0}));
  EXPECT_FALSE(decoded.options[0].mss_value().has_value());
  EXPECT_EQ(encode(decoded), packet) << "re-encoding reproduces the malformed bytes";
}

TEST(Codec, WireLengthProducesMalformedOptionsOnPurpose) {
  Segment seg = v4_segment(flag::SYN);
  TcpOption lying = TcpOption::mss(1460);
  lying.wire_length = 9;
  seg.options = {lying};
  const std::vector<std::uint8_t> packet = encode(seg);
  EXPECT_EQ(std::vector<std::uint8_t>(packet.begin() + 40, packet.end()),
            (std::vector<std::uint8_t>{2, 9, 5, 0xb4}));
  const std::string error = decode_error(packet);
  EXPECT_NE(error.find("mss (kind 2)"), std::string::npos) << error;
  EXPECT_NE(error.find("offset 20"), std::string::npos) << error;
  EXPECT_NE(error.find("runs past"), std::string::npos) << error;
}

TEST(Codec, OptionsBeyondFortyBytesAreDroppedWhole) {
  Segment seg = v4_segment(flag::SYN);
  // 34 + 4 bytes fit; the 3-byte wscale would make 41.
  const TcpOption sack = TcpOption::sack({{1, 2}, {3, 4}, {5, 6}, {7, 8}});
  seg.options = {sack, TcpOption::mss(1000), TcpOption::wscale(1)};
  const Segment decoded = decode_ok(encode(seg));
  EXPECT_EQ(decoded.options,
            (std::vector<TcpOption>{sack, TcpOption::mss(1000), TcpOption::eol()}));
}

TEST(Codec, MixedFamiliesAreSentAsIpv6) {
  Segment seg = v6_segment(flag::ACK);
  seg.dst = addr("192.0.2.7");
  const Segment decoded = decode_ok(encode(seg));
  EXPECT_EQ(decoded.src, seg.src);
  EXPECT_EQ(decoded.dst, addr("::ffff:192.0.2.7"));
}

TEST(Codec, LoopbackAddressesWork) {
  Segment seg = v4_segment(flag::ACK);
  seg.src = addr("127.0.0.1");
  seg.dst = addr("127.0.0.1");
  EXPECT_EQ(decode_ok(encode(seg)), seg);
  seg.src = addr("::1");
  seg.dst = addr("::1");
  EXPECT_EQ(decode_ok(encode(seg)), seg);
}

// ---- Checksums ----

TEST(Checksum, EncodedChecksumVerifies) {
  for (Segment seg : {every_field_v4(), v6_segment(flag::SYN)}) {
    const std::vector<std::uint8_t> packet = encode(seg);
    const std::size_t ip_header = seg.src.version == IpVersion::v4 ? kIpv4Header : kIpv6Header;
    EXPECT_EQ(tcp_checksum(seg.src, seg.dst, std::span(packet).subspan(ip_header)), 0);
    EXPECT_TRUE(decode_ok(packet).checksum_ok);
  }
}

TEST(Checksum, FlippedPayloadByteIsDetected) {
  for (Segment seg : {every_field_v4(), v6_segment(flag::SYN)}) {
    seg.payload = bytes_of(10);
    std::vector<std::uint8_t> packet = encode(seg);
    packet.back() ^= 0x01;
    EXPECT_FALSE(decode_ok(packet).checksum_ok);
  }
}

TEST(Checksum, ChangedAddressIsDetected) {
  std::vector<std::uint8_t> packet = encode(every_field_v4());
  packet[15] ^= 0x01;  // source address, covered by the pseudo-header
  EXPECT_FALSE(decode_ok(packet).checksum_ok);
}

TEST(Checksum, CorruptChecksumIsWrongForManySegments) {
  // Walk the checksum through many values, including those that fold to 0x0000 and 0xFFFE.
  for (std::uint32_t seq = 0; seq < 70000; seq += 7) {
    Segment seg = v4_segment(flag::ACK);
    seg.seq = seq;
    seg.corrupt_checksum = true;
    const Segment decoded = decode_ok(encode(seg));
    ASSERT_FALSE(decoded.checksum_ok) << seq;
    EXPECT_FALSE(decoded.corrupt_checksum);
  }
  Segment v6 = v6_segment(flag::SYN);
  v6.corrupt_checksum = true;
  EXPECT_FALSE(decode_ok(encode(v6)).checksum_ok);
}

TEST(Checksum, KnownVector) {
  // 20-byte TCP header, all zero except ports 1 -> 2; pseudo-header 192.0.2.1 -> 198.51.100.1.
  std::vector<std::uint8_t> tcp(20, 0);
  tcp[1] = 1;
  tcp[3] = 2;
  // Words: c000 0201 c633 6401 0006 0014 0001 0002 -> sum 0x1ec52 -> 0xec53 -> ~ = 0x13ac.
  EXPECT_EQ(tcp_checksum(addr("192.0.2.1"), addr("198.51.100.1"), tcp), 0x13ac);
}

// ---- Malformed packets ----

struct MalformedCase {
  const char* name;
  std::vector<std::uint8_t> packet;
  const char* expected;
};

std::vector<MalformedCase> malformed_cases() {
  const std::vector<std::uint8_t> v4 = encode(linux_syn_ack());
  Segment v6_seg = linux_syn_ack();
  v6_seg.src = addr("2001:db8::1");
  v6_seg.dst = addr("2001:db8::2");
  const std::vector<std::uint8_t> v6 = encode(v6_seg);
  std::vector<MalformedCase> cases;
  auto add = [&](const char* name, std::vector<std::uint8_t> packet, const char* expected) {
    cases.push_back({name, std::move(packet), expected});
  };
  add("empty", {}, "empty packet");
  add("truncated IPv4", std::vector<std::uint8_t>(v4.begin(), v4.begin() + 12),
      "truncated IPv4 header");
  {
    auto p = v4;
    p[0] = 0x55;
    add("version 5", p, "IP version 5");
  }
  {
    auto p = v4;
    p[0] = 0x44;
    add("IHL 4", p, "IHL) 4 words");
  }
  {
    auto p = std::vector<std::uint8_t>(v4.begin(), v4.begin() + 40);
    p[0] = 0x4F;
    set_be16(p, 2, p.size());
    add("IHL past buffer", p, "header length 60 bytes exceeds the 40-byte packet");
  }
  {
    auto p = v4;
    p.push_back(0);
    add("total length short", p, "total length 60 disagrees with the 61-byte packet");
  }
  {
    auto p = v4;
    set_be16(p, 2, 1000);
    add("total length long", p, "total length 1000");
  }
  {
    auto p = v4;
    p[9] = 17;
    add("UDP", p, "protocol 17 is not TCP");
  }
  {
    auto p = v4;
    p[6] |= 0x20;
    add("fragment", p, "fragment");
  }
  {
    auto p = v4;
    p[0] = 0x46;
    p.insert(p.begin() + 20, {7, 9, 0, 0});  // record-route option with length past the header
    set_be16(p, 2, p.size());
    add("bad IPv4 options", p, "malformed IPv4 header");
  }
  add("truncated IPv6", std::vector<std::uint8_t>(v6.begin(), v6.begin() + 39),
      "truncated IPv6 header");
  {
    auto p = v6;
    set_be16(p, 4, 10);
    add("IPv6 payload length", p, "IPv6 payload length 10 disagrees");
  }
  {
    auto p = v6;
    p[6] = 0;  // hop-by-hop options header
    add("IPv6 extension header", p, "next header 0 is not TCP");
  }
  {
    auto p = std::vector<std::uint8_t>(v4.begin(), v4.begin() + 30);
    set_be16(p, 2, p.size());
    add("truncated TCP", p, "truncated TCP header: 10 bytes");
  }
  {
    auto p = v4;
    p[kIpv4Header + 12] = 0x40;
    add("data offset 4", p, "data offset 4 words is below the minimum of 5");
  }
  {
    auto p = v4;
    p[kIpv4Header + 12] = 0xF0;
    add("data offset past segment", p, "data offset 60 bytes exceeds the 40-byte segment");
  }
  const Segment bare = v4_segment(flag::SYN);
  add("option length 1", with_option_area(bare, {1, 1, 3, 1}),
      "wscale (kind 3) at TCP header offset 22: length 1 is below 2");
  add("option length 0", with_option_area(bare, {99, 0, 0, 0}),
      "kind 99 at TCP header offset 20: length 0");
  add("option past header", with_option_area(bare, {1, 8, 10, 0, 0, 0, 0, 0}),
      "TS (kind 8) at TCP header offset 21: length 10 runs past");
  add("option without length", with_option_area(bare, {1, 1, 1, 2}),
      "mss (kind 2) at TCP header offset 23: length octet missing");
  return cases;
}

TEST(DecodeErrors, EveryMalformedCaseIsNamed) {
  for (const MalformedCase& c : malformed_cases()) {
    Result<Segment> decoded = decode(c.packet);
    ASSERT_FALSE(decoded.ok()) << c.name;
    EXPECT_NE(decoded.error().message.find(c.expected), std::string::npos)
        << c.name << ": " << decoded.error().message;
  }
}

TEST(DecodeErrors, Ipv4HeaderOptionsAreKeptAsOctets) {
  std::vector<std::uint8_t> p = encode(linux_syn_ack());
  p[0] = 0x46;
  p.insert(p.begin() + 20, {1, 1, 1, 0});  // NOP NOP NOP EOL
  set_be16(p, 2, p.size());
  Segment expected = linux_syn_ack();
  expected.ip_options = {1, 1, 1, 0};
  EXPECT_EQ(decode_ok(p), expected);
}

}  // namespace
}  // namespace synack::net

namespace synack::net {
namespace {

// Found by fuzz_codec: an unspecified IPv4 source must stay 0.0.0.0 on the wire (libtins would
// fill in an address of the host), with a valid header and TCP checksum.
TEST(CodecRegression, UnspecifiedIpv4SourceSurvivesEncode) {
  Segment s;
  s.src = IpAddress::v4(0, 0, 0, 0);
  s.dst = IpAddress::v4(192, 0, 2, 1);
  s.sport = 34000;
  s.dport = 8080;
  s.flags = flag::SYN;
  s.window = 1000;
  const auto bytes = encode(s);
  EXPECT_EQ(bytes[12], 0);
  EXPECT_EQ(bytes[15], 0);
  auto back = decode(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->src, s.src);
  EXPECT_TRUE(back->checksum_ok);
  EXPECT_EQ(encode(*back), bytes);
  // The IPv4 header checksum verifies (sums to 0xFFFF).
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < 20; i += 2) sum += static_cast<std::uint32_t>(bytes[i] << 8 | bytes[i + 1]);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  EXPECT_EQ(sum, 0xFFFFu);
}

}  // namespace
}  // namespace synack::net

namespace synack::net {
namespace {

// IPv4 header options (RFC 791): carried between the 20-octet header and TCP, zero-padded to 32
// bits, with IHL, total length and header checksum to match; decoded back as raw octets.
TEST(CodecIpOptions, EncodedPaddedAndDecodedBack) {
  for (const std::vector<std::uint8_t>& options :
       {std::vector<std::uint8_t>{0x9e, 0x04, 0xab, 0xcd}, std::vector<std::uint8_t>{0x9e, 0x06, 0, 1, 2, 3},
        std::vector<std::uint8_t>{0x01, 0x9e, 0x04, 0xab, 0xcd}}) {
    Segment seg = testing_support::v4_segment(flag::ACK);
    seg.payload = {1, 2, 3};
    seg.ip_options = options;
    const std::vector<std::uint8_t> packet = encode(seg);
    const std::size_t padded = (options.size() + 3) / 4 * 4;
    ASSERT_EQ(packet[0], 0x40 | ((20 + padded) / 4));
    ASSERT_EQ(static_cast<std::size_t>(packet[2] << 8 | packet[3]), packet.size());
    // The header checksum covers the options.
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < 20 + padded; i += 2) sum += static_cast<std::uint32_t>(packet[i] << 8 | packet[i + 1]);
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    EXPECT_EQ(sum, 0xFFFFu);
    Result<Segment> decoded = decode(packet);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_TRUE(decoded->checksum_ok);
    std::vector<std::uint8_t> expected = options;
    expected.resize(padded, 0);
    EXPECT_EQ(decoded->ip_options, expected);
    EXPECT_EQ(decoded->payload, seg.payload);
  }
}

}  // namespace
}  // namespace synack::net
