#include "harness/net/segment.h"

#include <gtest/gtest.h>

#include <string>

namespace synack::net {
namespace {

TEST(IpAddress, ParsesDottedIpv4) {
  const auto address = IpAddress::parse("192.0.2.1");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->version, IpVersion::v4);
  EXPECT_EQ(address->bytes[0], 192);
  EXPECT_EQ(address->bytes[1], 0);
  EXPECT_EQ(address->bytes[2], 2);
  EXPECT_EQ(address->bytes[3], 1);
  for (std::size_t i = 4; i < 16; ++i) EXPECT_EQ(address->bytes[i], 0) << i;
  EXPECT_EQ(address->to_string(), "192.0.2.1");
  EXPECT_EQ(*address, IpAddress::v4(192, 0, 2, 1));
}

TEST(IpAddress, ParsesIpv6WithCompression) {
  const auto address = IpAddress::parse("2001:db8::1");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->version, IpVersion::v6);
  EXPECT_EQ(address->bytes[0], 0x20);
  EXPECT_EQ(address->bytes[1], 0x01);
  EXPECT_EQ(address->bytes[2], 0x0d);
  EXPECT_EQ(address->bytes[3], 0xb8);
  EXPECT_EQ(address->bytes[15], 1);
  EXPECT_EQ(address->to_string(), "2001:db8::1");
}

TEST(IpAddress, PrintsIpv6InCanonicalForm) {
  EXPECT_EQ(IpAddress::parse("2001:0db8:0000:0000:0001:0000:0000:0002")->to_string(),
            "2001:db8::1:0:0:2");
  EXPECT_EQ(IpAddress::parse("::1")->to_string(), "::1");
  EXPECT_EQ(IpAddress::parse("::")->to_string(), "::");
  EXPECT_EQ(IpAddress::parse("127.0.0.1")->to_string(), "127.0.0.1");
}

TEST(IpAddress, RejectsMalformedText) {
  for (const std::string text :
       {"", "192.0.2", "192.0.2.256", "192.0.2.1 ", " 192.0.2.1", "2001:db8:::1", "2001:db8::1::2",
        "hello", "2001:db8::g", "198.51.100.1/24", "2001:db8::1%lo"}) {
    EXPECT_FALSE(IpAddress::parse(text).has_value()) << text;
  }
  EXPECT_FALSE(IpAddress::parse(std::string_view("192.0.2.1\0junk", 14)).has_value());
}

TEST(IpAddress, MapsIpv4IntoIpv6) {
  const IpAddress mapped = IpAddress::v4(203, 0, 113, 9).mapped_v6();
  EXPECT_EQ(mapped.version, IpVersion::v6);
  EXPECT_EQ(mapped, *IpAddress::parse("::ffff:203.0.113.9"));
  EXPECT_EQ(mapped.to_string(), "::ffff:203.0.113.9");
  const IpAddress v6 = *IpAddress::parse("2001:db8::5");
  EXPECT_EQ(v6.mapped_v6(), v6);
}

TEST(IpAddress, OrdersAndComparesByValue) {
  EXPECT_LT(IpAddress::v4(192, 0, 2, 1), IpAddress::v4(192, 0, 2, 2));
  EXPECT_NE(IpAddress::v4(192, 0, 2, 1), IpAddress::v4(192, 0, 2, 1).mapped_v6());
}

TEST(TcpOption, FactoriesStoreValuesInNetworkOrder) {
  EXPECT_EQ(TcpOption::mss(1460).data, (std::vector<std::uint8_t>{0x05, 0xb4}));
  EXPECT_EQ(TcpOption::mss(1460).kind, option_kind::MSS);
  EXPECT_EQ(TcpOption::wscale(7).data, (std::vector<std::uint8_t>{7}));
  EXPECT_EQ(TcpOption::wscale(7).kind, option_kind::WSCALE);
  EXPECT_TRUE(TcpOption::sack_permitted().data.empty());
  EXPECT_EQ(TcpOption::sack_permitted().kind, option_kind::SACK_PERMITTED);
  EXPECT_EQ(TcpOption::timestamp(0x01020304, 0xa0b0c0d0).data,
            (std::vector<std::uint8_t>{1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0}));
  EXPECT_EQ(TcpOption::sack({{1, 1001}}).data,
            (std::vector<std::uint8_t>{0, 0, 0, 1, 0, 0, 0x03, 0xe9}));
  EXPECT_EQ(TcpOption::nop().kind, option_kind::NOP);
  EXPECT_TRUE(TcpOption::nop().data.empty());
  EXPECT_EQ(TcpOption::eol().kind, option_kind::EOL);
  const TcpOption raw = TcpOption::raw(99, {0xde, 0xad});
  EXPECT_EQ(raw.kind, 99);
  EXPECT_EQ(raw.data, (std::vector<std::uint8_t>{0xde, 0xad}));
  EXPECT_FALSE(raw.wire_length.has_value());
}

TEST(TcpOption, AccessorsReadBackFactoryValues) {
  EXPECT_EQ(TcpOption::mss(536).mss_value(), 536);
  EXPECT_EQ(TcpOption::wscale(14).wscale_value(), 14);
  EXPECT_EQ(TcpOption::timestamp(4000000000u, 7).timestamp_value(),
            (std::pair<std::uint32_t, std::uint32_t>{4000000000u, 7}));
  const std::vector<SackBlock> blocks{{1, 1001}, {2001, 3001}, {4294967000u, 100}};
  EXPECT_EQ(TcpOption::sack(blocks).sack_blocks(), blocks);
}

TEST(TcpOption, AccessorsRejectWrongKindOrSize) {
  EXPECT_FALSE(TcpOption::wscale(7).mss_value().has_value());
  EXPECT_FALSE(TcpOption::raw(option_kind::MSS, {5, 0xb4, 0}).mss_value().has_value());
  EXPECT_FALSE(TcpOption::mss(1460).wscale_value().has_value());
  EXPECT_FALSE(TcpOption::raw(option_kind::WSCALE, {}).wscale_value().has_value());
  EXPECT_FALSE(TcpOption::mss(1460).timestamp_value().has_value());
  EXPECT_FALSE(TcpOption::raw(option_kind::TIMESTAMP, {1, 2, 3}).timestamp_value().has_value());
  EXPECT_FALSE(TcpOption::timestamp(1, 2).sack_blocks().has_value());
  EXPECT_FALSE(TcpOption::raw(option_kind::SACK, {1, 2, 3, 4}).sack_blocks().has_value());
  EXPECT_FALSE(TcpOption::sack({}).sack_blocks().has_value());
}

TEST(Segment, SeqLenCountsPayloadSynAndFin) {
  Segment seg;
  EXPECT_EQ(seg.seq_len(), 0u);
  seg.flags = flag::SYN;
  EXPECT_EQ(seg.seq_len(), 1u);
  seg.flags = flag::SYN | flag::FIN | flag::ACK;
  seg.payload = {1, 2, 3};
  EXPECT_EQ(seg.seq_len(), 5u);
  seg.flags = flag::ACK | flag::PSH;
  EXPECT_EQ(seg.seq_len(), 3u);
}

TEST(Segment, EcnIsTheLowTwoTosBits) {
  Segment seg;
  seg.tos = 0xb9;
  EXPECT_EQ(seg.ecn(), 1);
}

}  // namespace
}  // namespace synack::net
