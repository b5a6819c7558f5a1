// "// inject: ..." comments on inbound packet lines: per-segment overrides (bad TCP checksum, IP
// source and destination), their errors with locations, and the printer's round trip.
#include <gtest/gtest.h>

#include "harness/script/parser.h"
#include "tests/script/helpers.h"

namespace synack::script {
namespace {

using testing::packet_of;
using testing::parse_error;
using testing::parse_ok;

const char* kOpen = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n";

PacketSpec only_packet(const Script& s, std::size_t index) {
  EXPECT_LT(index, s.events.size());
  if (index >= s.events.size()) return {};
  const auto* p = std::get_if<PacketSpec>(&s.events[index].body);
  EXPECT_NE(p, nullptr);
  return p ? *p : PacketSpec{};
}

TEST(Inject, BadChecksumIsReadFromTheTrailingComment) {
  PacketSpec p = packet_of("+0 < . 1:1001(1000) ack 1 win 257   // inject: tcp-checksum=bad");
  EXPECT_TRUE(p.inject.bad_tcp_checksum);
  EXPECT_FALSE(p.inject.src);
  EXPECT_FALSE(p.inject.dst);
  EXPECT_EQ(p.win, 257u);
}

TEST(Inject, AddressesAreKeptInCanonicalForm) {
  PacketSpec p = packet_of("+0 < S 0:0(0) win 100 <mss 1000> //inject:src=192.0.2.255 dst=192.0.2.1");
  EXPECT_EQ(p.inject.src, "192.0.2.255");
  EXPECT_EQ(p.inject.dst, "192.0.2.1");
  EXPECT_FALSE(p.inject.bad_tcp_checksum);
  Script v6 = parse_ok("--ip_version=ipv6\n" + std::string(kOpen) +
                       "+0 < S 0:0(0) win 100 // INJECT: dst=2001:DB8:0::00FF tcp-checksum=bad\n");
  PacketSpec q = only_packet(v6, 1);
  EXPECT_EQ(q.inject.dst, "2001:db8::ff");
  EXPECT_TRUE(q.inject.bad_tcp_checksum);
}

TEST(Inject, IpOptionsAreReadAsHexOctetsAndPrintedBack) {
  PacketSpec p = packet_of("+0 < S 0:0(0) win 1 // inject: ip-options=0x9E04abCD");
  EXPECT_EQ(p.inject.ip_options, (std::vector<std::uint8_t>{0x9e, 0x04, 0xab, 0xcd}));
  EXPECT_EQ(print_inject(p.inject), "// inject: ip-options=9e04abcd");
  Script again = parse_ok(std::string(kOpen) + "+0 < S 0:0(0) win 1 " + print_inject(p.inject) + "\n");
  EXPECT_EQ(only_packet(again, 1).inject, p.inject);
}

TEST(Inject, OtherCommentsAreNotInjectAnnotations) {
  Script s = parse_ok(std::string(kOpen) +
                      "+0 < S 0:0(0) win 100 // injected later\n"
                      "+0 < S 0:0(0) win 100 // inject the SYN again\n"
                      "+0 < S 0:0(0) win 100 // title: not an inject comment\n");
  for (std::size_t i = 1; i < s.events.size(); ++i) EXPECT_TRUE(only_packet(s, i).inject.empty());
}

TEST(Inject, ACommentInsideAPacketThatSpansLinesBelongsToIt) {
  Script s = parse_ok(std::string(kOpen) + "+0 < S 0:0(0)   // inject: tcp-checksum=bad\n"
                                           "   win 100 <mss 1000>\n"
                                           "+0 close(3) = 0\n");
  EXPECT_TRUE(only_packet(s, 1).inject.bad_tcp_checksum);
  testing::expect_round_trip(s);
}

TEST(Inject, SeveralEventsOnALineTheCommentTrailsTheLastOne) {
  Script s = parse_ok(std::string(kOpen) +
                      "+0 close(3) = 0 +0 < S 0:0(0) win 100 // inject: tcp-checksum=bad\n");
  EXPECT_TRUE(only_packet(s, 2).inject.bad_tcp_checksum);
  Diagnostic d = parse_error(std::string(kOpen) +
                             "+0 < S 0:0(0) win 100 +0 close(3) = 0 // inject: tcp-checksum=bad\n");
  EXPECT_NE(d.message.find("only to inbound packets"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("a system call"), std::string::npos) << d.message;
}

TEST(Inject, PrinterWritesTheCommentBackAndTheRoundTripHolds) {
  EXPECT_EQ(print_packet(packet_of("+0 < . 1:1(0) ack 1 win 257 //   inject:  src=198.51.100.7   tcp-checksum=bad")),
            "< . 1:1(0) ack 1 win 257  // inject: tcp-checksum=bad src=198.51.100.7");
  EXPECT_EQ(print_inject({}), "");
  InjectOverrides all;
  all.bad_tcp_checksum = true;
  all.src = "192.0.2.255";
  all.dst = "192.0.2.1";
  EXPECT_EQ(print_inject(all), "// inject: tcp-checksum=bad src=192.0.2.255 dst=192.0.2.1");
  Script s = parse_ok(std::string(kOpen) +
                      "+0 < S 0:0(0) win 100 <mss 1000,eol> // inject: dst=192.0.2.255\n"
                      "+0 > R. 0:0(0) ack 1\n"
                      "+0 < S 0:0(0) win 100 // inject: src=203.0.113.1 dst=192.0.2.1 tcp-checksum=bad\n"
                      "+0 < . 1:1(0) ack 1 win 100\n");
  testing::expect_round_trip(s);
  std::string printed = print(s);
  EXPECT_NE(printed.find("<mss 1000,eol>  // inject: dst=192.0.2.255\n+0 > R."), std::string::npos) << printed;
  // The line without a comment stays without one.
  EXPECT_TRUE(only_packet(s, 4).inject.empty());
}

// Errors point at the offending word of the comment.
struct InjectError {
  const char* line;      // the second event (line 2 of the script)
  const char* message;   // part of the message
  const char* at;        // the text the caret must point at
};

TEST(Inject, ErrorsAreLocated) {
  const InjectError cases[] = {
      {"+0 < S 0:0(0) win 1 // inject: checksum=bad", "unknown inject key 'checksum'", "checksum=bad"},
      {"+0 < S 0:0(0) win 1 // inject: tcp-checksum=good", "bad value for tcp-checksum", "good"},
      {"+0 < S 0:0(0) win 1 // inject: tcp-checksum", "bad value for tcp-checksum", ""},
      {"+0 < S 0:0(0) win 1 // inject: src=240.0.0.8", "only documentation ranges", "240.0.0.8"},
      {"+0 < S 0:0(0) win 1 // inject: dst=240.0.0.1", "only documentation ranges", "240.0.0.1"},
      {"+0 < S 0:0(0) win 1 // inject: dst=100::1", "only documentation ranges", "100::1"},
      {"+0 < S 0:0(0) win 1 // inject: src=192.0.2", "not an IPv4 or IPv6 address", "192.0.2"},
      {"+0 < S 0:0(0) win 1 // inject: src=", "needs an address", ""},
      {"+0 < S 0:0(0) win 1 // inject: src=192.0.2.9 src=192.0.2.8", "duplicate inject key 'src'", "src=192.0.2.8"},
      {"+0 < S 0:0(0) win 1 // inject: src=192.0.2.9 dst=2001:db8::1", "same IP version", "2001:db8::1"},
      {"+0 < S 0:0(0) win 1 // inject: dst=2001:db8::1", "an IPv6 address, but the script runs over IPv4", "2001:db8::1"},
      {"+0 < S 0:0(0) win 1 // inject:", "expected tcp-checksum=bad, src=ADDR, dst=ADDR or ip-options=HEX", ""},
      {"+0 < S 0:0(0) win 1 // inject: ip-options=9e0", "even number of hex digits", "9e0"},
      {"+0 < S 0:0(0) win 1 // inject: ip-options=9e04zz", "is not hex", "9e04zz"},
      {"+0 < S 0:0(0) win 1 // inject: ip-options=", "1 to 40 octets", ""},
      {"+0 < S 0:0(0) win 1 // inject: ip-options=01 ip-options=02", "duplicate inject key 'ip-options'", "ip-options=02"},
      {"+0 > S. 0:0(0) ack 1 // inject: tcp-checksum=bad", "only to inbound packets", "// inject"},
      {"+0 close(3) = 0 // inject: tcp-checksum=bad", "a system call", "// inject"},
      {"+0 `true` // inject: tcp-checksum=bad", "a shell command", "// inject"},
  };
  for (const InjectError& c : cases) {
    SCOPED_TRACE(c.line);
    // A script that says IPv4 explicitly, so the version check is made by the parser.
    std::string text = "--ip_version=ipv4\n" + std::string(kOpen) + c.line + "\n";
    Diagnostic d = parse_error(text);
    EXPECT_NE(d.message.find(c.message), std::string::npos) << d.message;
    EXPECT_EQ(d.loc.line, 3);
    const std::string line = c.line;
    const std::size_t expected_col = *c.at ? line.find(c.at) : line.size();
    EXPECT_EQ(d.loc.column, static_cast<int>(expected_col) + 1) << d.render();
    EXPECT_EQ(d.line_text, line);
    EXPECT_EQ(d.render().back(), '^');
  }
}

TEST(Inject, ACommentNotOnAPacketLineIsAnError) {
  Diagnostic own_line = parse_error(std::string(kOpen) +
                                    "+0 < S 0:0(0) win 1\n"
                                    "   // inject: tcp-checksum=bad\n");
  EXPECT_NE(own_line.message.find("must be on the same line"), std::string::npos) << own_line.message;
  EXPECT_EQ(own_line.loc.line, 3);
  EXPECT_EQ(own_line.loc.column, 4);
  Diagnostic before_any = parse_error("// inject: tcp-checksum=bad\n" + std::string(kOpen));
  EXPECT_NE(before_any.message.find("must be on the same line"), std::string::npos);
  EXPECT_EQ(before_any.loc.line, 1);
  Diagnostic twice = parse_error(std::string(kOpen) +
                                 "+0 < S 0:0(0) // inject: tcp-checksum=bad\n"
                                 "   win 1 // inject: src=192.0.2.2\n");
  EXPECT_NE(twice.message.find("second '// inject:'"), std::string::npos) << twice.message;
  EXPECT_EQ(twice.loc.line, 3);
}

TEST(Inject, Ipv6ScriptsTakeIpv6Addresses) {
  Diagnostic d = parse_error("--ip_version=ipv6\n" + std::string(kOpen) +
                             "+0 < S 0:0(0) win 1 // inject: src=192.0.2.255\n");
  EXPECT_NE(d.message.find("an IPv4 address, but the script runs over IPv6 (--ip_version=ipv6)"),
            std::string::npos)
      << d.message;
  // ipv4-mapped-ipv6 runs IPv4 on the wire.
  Script mapped = parse_ok("--ip_version=ipv4-mapped-ipv6\n" + std::string(kOpen) +
                           "+0 < S 0:0(0) win 1 // inject: src=192.0.2.255\n");
  EXPECT_EQ(only_packet(mapped, 1).inject.src, "192.0.2.255");
}

}  // namespace
}  // namespace synack::script
