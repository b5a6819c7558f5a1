// "// expect: ..." comments on outbound packet lines: checks on the IP header of a segment the
// stack sends (its IPv4 options, its destination), their errors with locations, the printer's
// round trip, and "// expect:" prose on a line of its own staying a comment.
#include <gtest/gtest.h>

#include "harness/script/parser.h"
#include "tests/script/helpers.h"

namespace synack::script {
namespace {

using testing::packet_of;
using testing::parse_error;
using testing::parse_ok;

const char* kOpen = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n";

TEST(Expect, IpOptionsAndDestinationAreReadFromTheTrailingComment) {
  PacketSpec p = packet_of("+0 > S. 0:0(0) ack 1 <...>  // expect: dst=192.0.2.10 ip-options=0x830B04cb007105c633640100");
  ASSERT_TRUE(p.expect.ip_options);
  EXPECT_EQ(*p.expect.ip_options, (std::vector<std::uint8_t>{0x83, 0x0b, 0x04, 0xcb, 0x00, 0x71, 0x05,
                                                             0xc6, 0x33, 0x64, 0x01, 0x00}));
  EXPECT_EQ(p.expect.dst, "192.0.2.10");
  EXPECT_TRUE(p.options_any);
  EXPECT_TRUE(p.inject.empty());
}

TEST(Expect, NoneMeansNoOptionsAndAbsentMeansUnchecked) {
  PacketSpec none = packet_of("+0 > . 1:1(0) ack 1 // EXPECT : ip-options=none");
  ASSERT_TRUE(none.expect.ip_options);
  EXPECT_TRUE(none.expect.ip_options->empty());
  EXPECT_FALSE(none.expect.dst);
  PacketSpec unchecked = packet_of("+0 > . 1:1(0) ack 1 // a delayed ACK");
  EXPECT_TRUE(unchecked.expect.empty());
  EXPECT_FALSE(unchecked.expect.ip_options);
}

TEST(Expect, PrintedBackAndParsedAgain) {
  std::string text = kOpen;
  text += "+0 > S 0:0(0) <...>   // expect: ip-options=830b04 dst=192.0.2.10\n";
  text += "+0 > . 1:1(0) ack 1   // expect: ip-options=none\n";
  Script s = parse_ok(text);
  const auto& first = std::get<PacketSpec>(s.events[1].body);
  EXPECT_EQ(print_expect(first.expect), "// expect: dst=192.0.2.10 ip-options=830b04");
  EXPECT_EQ(print_packet(first), "> S 0:0(0) <...>  // expect: dst=192.0.2.10 ip-options=830b04");
  const auto& second = std::get<PacketSpec>(s.events[2].body);
  EXPECT_EQ(print_expect(second.expect), "// expect: ip-options=none");
  Script again = parse_ok(print(s));
  EXPECT_EQ(again, s);
}

TEST(Expect, ProseOnALineOfItsOwnIsAComment) {
  std::string text = "// expect: the stack to answer\n";
  text += kOpen;
  text += "// expect: ip-options=none (not attached to anything)\n";
  text += "+0 > S 0:0(0) <...>\n";
  Script s = parse_ok(text);
  EXPECT_TRUE(std::get<PacketSpec>(s.events[1].body).expect.empty());
}

struct ExpectError {
  const char* line;      // the second event (line 3 of the script)
  const char* message;   // part of the message
  const char* at;        // the text the caret must point at
};

TEST(Expect, ErrorsAreLocated) {
  const ExpectError cases[] = {
      {"+0 > S 0:0(0) <...> // expect: options=none", "unknown expect key 'options'", "options=none"},
      {"+0 > S 0:0(0) <...> // expect: ip-options=83x", "even number of hex digits", "83x"},
      {"+0 > S 0:0(0) <...> // expect: ip-options=zz", "is not hex", "zz"},
      {"+0 > S 0:0(0) <...> // expect: ip-options=", "1 to 40 octets", ""},
      {"+0 > S 0:0(0) <...> // expect: ip-options=none ip-options=01", "duplicate expect key 'ip-options'", "ip-options=01"},
      {"+0 > S 0:0(0) <...> // expect: dst=240.0.0.1", "only documentation ranges", "240.0.0.1"},
      {"+0 > S 0:0(0) <...> // expect: dst=2001:db8::1", "an IPv6 address, but the script runs over IPv4", "2001:db8::1"},
      {"+0 > S 0:0(0) <...> // expect: dst=192.0.2.9 dst=192.0.2.8", "duplicate expect key 'dst'", "dst=192.0.2.8"},
      {"+0 > S 0:0(0) <...> // expect:", "expected ip-options=HEX, ip-options=none or dst=ADDR", ""},
      {"+0 < S 0:0(0) win 1 // expect: ip-options=none", "only to outbound packets", "// expect"},
      {"+0 close(3) = 0 // expect: ip-options=none", "a system call", "// expect"},
  };
  for (const ExpectError& c : cases) {
    SCOPED_TRACE(c.line);
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

}  // namespace
}  // namespace synack::script
