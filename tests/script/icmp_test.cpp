// ICMP lines ('< icmp ...', packetdrill's syntax): what they parse to, how they print, the
// errors (with their location) for what they cannot say, and the names per IP version.
#include <gtest/gtest.h>

#include "harness/script/icmp_names.h"
#include "harness/script/parser.h"
#include "tests/script/helpers.h"

namespace synack::script {
namespace {

using testing::expect_round_trip;
using testing::parse_error;
using testing::parse_ok;
using testing::second_event;

IcmpSpec icmp_of(std::string_view line) {
  const Event event = second_event(line);
  const auto* icmp = std::get_if<IcmpSpec>(&event.body);
  if (!icmp) {
    ADD_FAILURE() << "not an ICMP line: " << line;
    return {};
  }
  return *icmp;
}

TEST(IcmpLine, TypeCodeMtuAndQuotedSegment) {
  const IcmpSpec frag = icmp_of("+0 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]");
  EXPECT_EQ(frag.type, "unreachable");
  EXPECT_EQ(frag.code, "frag_needed");
  ASSERT_TRUE(frag.mtu);
  EXPECT_EQ(*frag.mtu, 1200u);
  ASSERT_TRUE(frag.quoted);
  EXPECT_EQ(frag.quoted->seq_start, 1u);
  EXPECT_EQ(frag.quoted->seq_end, 1461u);
  EXPECT_EQ(frag.quoted->payload_len, 1460u);
  EXPECT_FALSE(frag.quoted->src_port);

  const IcmpSpec bare = icmp_of("+0 < icmp unreachable [5000:6000(1000)]");
  EXPECT_EQ(bare.code, "");  // no code written: code 0, as packetdrill
  EXPECT_FALSE(bare.mtu);

  const IcmpSpec quench = icmp_of("+0 < icmp source_quench [1:1001(1000)]");
  EXPECT_EQ(quench.type, "source_quench");

  const IcmpSpec ports = icmp_of("+0 < icmp unreachable port_unreachable [8080>34001 1:1(0)]");
  ASSERT_TRUE(ports.quoted);
  EXPECT_EQ(ports.quoted->src_port, 8080);
  EXPECT_EQ(ports.quoted->dst_port, 34001);

  const IcmpSpec numbered = icmp_of("+0 < [ttl 3] icmp unreachable 3");
  EXPECT_EQ(numbered.code, "3");
  EXPECT_FALSE(numbered.quoted);
  EXPECT_EQ(numbered.ip.ttl, 3);
}

TEST(IcmpLine, PrintsBackAsWritten) {
  const char* lines[] = {
      "< icmp unreachable frag_needed mtu 1200 [1:1461(1460)]",
      "< icmp unreachable host_unreachable [1:1001(1000)]",
      "< icmp unreachable [5000:6000(1000)]",
      "< icmp source_quench [1:1001(1000)]",
      "< icmp time_exceeded [0:0(0)]",
      "< icmp parameter_problem code_1 [8080>34000 1:1(0)]",
      "< [tos 0x10] icmp type_5 2",
      "< icmp packet_too_big mtu 1280",
  };
  for (const char* line : lines) {
    EXPECT_EQ(print_icmp(icmp_of(std::string("+0 ") + line)), line);
    EXPECT_EQ(print_event(second_event(std::string("+.5 ") + line)), std::string("+0.5 ") + line);
  }
}

TEST(IcmpLine, RoundTripsInAWholeScript) {
  const Script s = parse_ok(
      "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
      "+0 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]\n"
      "+0 < icmp unreachable\n"
      "1 < icmp time_exceeded exceeded_hop_limit [0:0(0)]\n"
      "+0 < icmp unreachable 4 mtu 0 [0:0(0)]\n");
  ASSERT_EQ(s.events.size(), 5u);
  // A number on the next line is the next event's time, not the code.
  EXPECT_EQ(std::get<IcmpSpec>(s.events[2].body).code, "");
  EXPECT_EQ(s.events[3].time.start.usecs, 1'000'000);
  expect_round_trip(s);
}

TEST(IcmpLine, ErrorsNameTheLineAndColumn) {
  struct Case {
    const char* line;
    int column;
    const char* message;
  };
  const Case cases[] = {
      {"+0 < icmp unreachble [1:1(0)]", 11, "unknown ICMP type 'unreachble'"},
      {"+0 < icmp unreachable host_unreach [1:1(0)]", 23,
       "unknown ICMP code 'host_unreach' for unreachable (known: net_unreachable"},
      {"+0 < icmp source_quench port_unreachable", 25, "source_quench takes no code name"},
      {"+0 < icmp unreachable 300", 23, "unknown ICMP code '300'"},
      {"+0 > icmp unreachable port_unreachable [1:1(0)]", 6,
       "outbound ICMP lines ('> icmp') are not supported"},
      {"+0 < icmp unreachable host_unreachable mtu 1200", 40,
       "'mtu' belongs to unreachable frag_needed and packet_too_big only"},
      {"+0 < icmp unreachable frag_needed mtu 4294967296", 39, "mtu 4294967296 is out of range"},
      {"+0 < icmp unreachable frag_needed mtu", 38, "expected mtu, found end of file"},
      {"+0 < icmp unreachable [1:1001(100)]", 31, "payload length 100 does not match"},
      {"+0 < icmp unreachable [1:1(0)", 30, "expected ']' after the quoted segment"},
      {"+0 < icmp unreachable [70000>34000 1:1(0)]", 24, "source port 70000 is out of range"},
      {"+0 < icmp", 10, "expected an ICMP type"},
      {"+0 < icmp unreachable [1:1(0)] win 5", 32, "expected the end of the ICMP line"},
      {"* < icmp unreachable [1:1(0)]", 1, "'*' (any time) is only allowed on outbound packets"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    const Diagnostic d = parse_error(std::string("0 `true`\n") + c.line + "\n");
    EXPECT_EQ(d.loc.line, 2);
    EXPECT_EQ(d.loc.column, c.column);
    EXPECT_NE(d.message.find(c.message), std::string::npos) << d.message;
    EXPECT_EQ(d.render().rfind("test.pkt:2:" + std::to_string(c.column) + ": error: ", 0), 0u)
        << d.render();
  }
}

TEST(IcmpLine, InjectCommentsDoNotApply) {
  const Diagnostic d =
      parse_error("0 `true`\n+0 < icmp unreachable [1:1(0)]  // inject: tcp-checksum=bad\n");
  EXPECT_NE(d.message.find("this line's event is an ICMP message"), std::string::npos) << d.message;
}

TEST(IcmpNames, NumbersPerIpVersion) {
  auto v4 = [](const char* type, const char* code) { return resolve_icmp(type, code, false); };
  auto v6 = [](const char* type, const char* code) { return resolve_icmp(type, code, true); };
  EXPECT_EQ(*v4("unreachable", ""), (IcmpTypeCode{3, 0}));
  EXPECT_EQ(*v4("unreachable", "host_unreachable"), (IcmpTypeCode{3, 1}));
  EXPECT_EQ(*v4("unreachable", "port_unreachable"), (IcmpTypeCode{3, 3}));
  EXPECT_EQ(*v4("unreachable", "frag_needed"), (IcmpTypeCode{3, 4}));
  EXPECT_EQ(*v4("unreachable", "precedence_cutoff"), (IcmpTypeCode{3, 15}));
  EXPECT_EQ(*v4("unreachable", "code_9"), (IcmpTypeCode{3, 9}));
  EXPECT_EQ(*v4("source_quench", ""), (IcmpTypeCode{4, 0}));
  EXPECT_EQ(*v4("time_exceeded", "exceeded_frag_time"), (IcmpTypeCode{11, 1}));
  EXPECT_EQ(*v4("parameter_problem", ""), (IcmpTypeCode{12, 0}));
  EXPECT_EQ(*v4("packet_too_big", ""), (IcmpTypeCode{3, 4}));
  EXPECT_EQ(*v4("type_5", "1"), (IcmpTypeCode{5, 1}));
  // ICMPv6 (RFC 4443): the counterpart of each IPv4 name.
  EXPECT_EQ(*v6("unreachable", ""), (IcmpTypeCode{1, 0}));
  EXPECT_EQ(*v6("unreachable", "host_unreachable"), (IcmpTypeCode{1, 3}));
  EXPECT_EQ(*v6("unreachable", "port_unreachable"), (IcmpTypeCode{1, 4}));
  EXPECT_EQ(*v6("unreachable", "net_prohibited"), (IcmpTypeCode{1, 1}));
  EXPECT_EQ(*v6("unreachable", "frag_needed"), (IcmpTypeCode{2, 0}));
  EXPECT_EQ(*v6("packet_too_big", ""), (IcmpTypeCode{2, 0}));
  EXPECT_EQ(*v6("time_exceeded", ""), (IcmpTypeCode{3, 0}));
  EXPECT_EQ(*v6("parameter_problem", "unknown_next_header"), (IcmpTypeCode{4, 1}));
  EXPECT_EQ(*v6("unreachable", "4"), (IcmpTypeCode{1, 4}));  // numbers are taken literally
  // Names with no counterpart are errors that say why.
  const auto quench = v6("source_quench", "");
  ASSERT_FALSE(quench);
  EXPECT_NE(quench.error().message.find("ICMPv6 has no Source Quench"), std::string::npos);
  EXPECT_FALSE(v6("unreachable", "protocol_unreachable"));
  EXPECT_FALSE(v6("unreachable", "source_route_failed"));
  EXPECT_FALSE(v4("unreachable", "not_neighbour"));
  EXPECT_FALSE(v4("parameter_problem", "unknown_option"));
  EXPECT_TRUE(icmp_takes_mtu("unreachable", "frag_needed"));
  EXPECT_TRUE(icmp_takes_mtu("unreachable", "4"));
  EXPECT_TRUE(icmp_takes_mtu("packet_too_big", ""));
  EXPECT_FALSE(icmp_takes_mtu("unreachable", "host_unreachable"));
}

}  // namespace
}  // namespace synack::script
