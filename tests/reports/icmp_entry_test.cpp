// An injected ICMP error is a trace entry with wire bytes and text but no TCP segment: every
// report shows it (JSON round trip, ladder diagram, pcap, HTML) without needing a segment.
#include <gtest/gtest.h>

#include <filesystem>

#include "harness/net/icmp.h"
#include "reports/html.h"
#include "reports/ladder.h"
#include "reports/pcap_export.h"
#include "reports/reports.h"
#include "tests/reports/sample_run.h"

namespace synack::reports {
namespace {

run::ScriptResult script_with_icmp() {
  net::IcmpMessage m;
  m.src = *net::IpAddress::parse("198.51.100.1");
  m.dst = *net::IpAddress::parse("192.0.2.1");
  m.type = 3;
  m.code = 1;
  m.quoted.src = m.dst;
  m.quoted.dst = m.src;
  m.quoted.sport = 8080;
  m.quoted.dport = 34000;
  m.quoted.seq = 1;
  m.quoted.payload_length = 1000;
  run::ScriptResult s = testing::passing_script();
  s.path = "scripts/icmp/soft_error_established.pkt";
  auto icmp = testing::entry(run::TraceEntry::Kind::Injected, 150'000, 14, net::format_icmp(m));
  icmp.scripted_time = 150'000;
  icmp.wire = net::encode_icmp(m);
  s.trace.entries.push_back(icmp);
  return s;
}

TEST(IcmpEntry, JsonKeepsItWithoutASegment) {
  run::RunResult r = testing::sample_run();
  r.scripts = {script_with_icmp()};
  testing::ScratchDir dir;
  ASSERT_TRUE(write_json(r, dir.file("r.json")).ok());
  const auto back = read_json(dir.file("r.json"));
  ASSERT_TRUE(back.ok()) << back.error().message;
  const run::TraceEntry& e = back->scripts.at(0).trace.entries.back();
  EXPECT_EQ(e.kind, run::TraceEntry::Kind::Injected);
  EXPECT_FALSE(e.segment);
  EXPECT_EQ(e.wire, r.scripts[0].trace.entries.back().wire);
  EXPECT_EQ(e.text.rfind("ICMP host 198.51.100.1 unreachable", 0), 0u);
}

TEST(IcmpEntry, LadderAndHtmlDrawItAsAnInboundArrow) {
  const run::ScriptResult s = script_with_icmp();
  const std::string svg = ladder_svg(s);
  EXPECT_NE(svg.find("ICMP host 198.51.100.1 unreachable"), std::string::npos);
  run::RunResult r = testing::sample_run();
  r.scripts = {s};
  const std::string html = to_html({r}, {});
  EXPECT_NE(html.find("ICMP host 198.51.100.1 unreachable"), std::string::npos);
}

TEST(IcmpEntry, PcapCarriesTheIcmpPacket) {
  const run::ScriptResult s = script_with_icmp();
  testing::ScratchDir dir;
  EXPECT_EQ(pcap_packet_count(s), 3u);  // two segments of the sample and the ICMP message
  ASSERT_TRUE(write_pcap(s, dir.file("x.pcap"), 0).ok());
  // 24-byte file header, then per packet a 16-byte record header and the bytes.
  const std::size_t expected = 24 + 3 * 16 + s.trace.entries[2].wire.size() +
                               s.trace.entries[3].wire.size() + s.trace.entries.back().wire.size();
  EXPECT_EQ(std::filesystem::file_size(dir.file("x.pcap")), expected);
}

}  // namespace
}  // namespace synack::reports
