// IPv4 header options: format_ip_options (the readable form traces and "// expect:" mismatches
// show) and the TCP pseudo-header of a source-routed segment (its final destination).
#include <gtest/gtest.h>

#include "harness/net/codec.h"
#include "harness/net/format.h"

namespace synack::net {
namespace {

TEST(FormatIpOptions, RoutesShowPointerAndAddresses) {
  EXPECT_EQ(format_ip_options({0x83, 0x0b, 0x04, 203, 0, 113, 5, 198, 51, 100, 1, 0}),
            "lsrr ptr 4 [203.0.113.5 198.51.100.1],eol");
  EXPECT_EQ(format_ip_options({0x01, 0x89, 0x07, 0x08, 192, 0, 2, 10}), "nop,ssrr ptr 8 [192.0.2.10]");
  EXPECT_EQ(format_ip_options({0x07, 0x07, 0x04, 0, 0, 0, 0, 0}), "rr ptr 4 [0.0.0.0],eol");
}

TEST(FormatIpOptions, OtherOptionsAndOddBytes) {
  EXPECT_EQ(format_ip_options({}), "none");
  EXPECT_EQ(format_ip_options({0x9e, 0x04, 0xab, 0xcd}), "opt 158 len 4 [abcd]");
  EXPECT_EQ(format_ip_options({0x00, 0x00, 0x00, 0x00}), "eol");
  EXPECT_EQ(format_ip_options({0x00, 0x07, 0x00, 0x00}), "eol,then 070000");
  EXPECT_EQ(format_ip_options({0x94, 0x09, 0x01}), "opt 148 truncated [940901]");
  EXPECT_EQ(format_ip_options({0x83, 0x05, 0x04, 1, 2}), "opt 131 len 5 [040102]");  // not 3+4n
}

// A segment on its way along a loose source route: IP destination 192.0.2.10 (the next hop), the
// final destination 198.51.100.1 in the option's last slot.
Segment routed_segment() {
  Segment s;
  s.src = IpAddress::v4(192, 0, 2, 1);
  s.dst = IpAddress::v4(192, 0, 2, 10);
  s.sport = 8080;
  s.dport = 34000;
  s.seq = 1;
  s.ack = 1;
  s.flags = flag::ACK;
  s.window = 100;
  s.ip_options = {0x83, 0x0b, 0x04, 203, 0, 113, 5, 198, 51, 100, 1, 0};
  return s;
}

TEST(SourceRoutedChecksum, PseudoHeaderUsesTheFinalDestination) {
  const Segment s = routed_segment();
  EXPECT_EQ(pseudo_header_destination(s.dst, s.ip_options), IpAddress::v4(198, 51, 100, 1));
  const auto wire = encode(s);
  auto back = decode(wire);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->checksum_ok);
  EXPECT_EQ(back->dst, s.dst);
  EXPECT_EQ(back->ip_options, s.ip_options);
  const std::size_t header = static_cast<std::size_t>(wire[0] & 0x0F) * 4;
  std::span<const std::uint8_t> tcp(wire.data() + header, wire.size() - header);
  EXPECT_EQ(tcp_checksum(s.src, IpAddress::v4(198, 51, 100, 1), tcp), 0);
  EXPECT_NE(tcp_checksum(s.src, s.dst, tcp), 0);
}

TEST(SourceRoutedChecksum, UsedUpRoutesAndOtherOptionsKeepTheIpDestination) {
  Segment s = routed_segment();
  s.ip_options[2] = 12;  // pointer past the last slot: the route is complete, dst is final
  EXPECT_EQ(pseudo_header_destination(s.dst, s.ip_options), s.dst);
  EXPECT_TRUE(decode(encode(s))->checksum_ok);
  EXPECT_EQ(pseudo_header_destination(s.dst, std::vector<std::uint8_t>{0x9e, 0x04, 0xab, 0xcd}), s.dst);
  EXPECT_EQ(pseudo_header_destination(s.dst, {}), s.dst);
}

}  // namespace
}  // namespace synack::net
