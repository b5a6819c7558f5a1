// Per-script pcaps: every segment of the trace, in order, with its script time on the epoch;
// read back byte for byte, and by tshark. File names: safe, readable, unique.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "harness/net/codec.h"
#include "reports/pcap_export.h"
#include "tests/reports/sample_run.h"

namespace synack::reports {
namespace {

using Kind = run::TraceEntry::Kind;
using testing::ScratchDir;

constexpr std::int64_t kEpoch = 1'700'000'000'000'000;  // 2023-11-14T22:13:20Z

net::Segment segment(const char* src, const char* dst, std::uint16_t flags, std::uint32_t seq) {
  net::Segment s;
  s.src = *net::IpAddress::parse(src);
  s.dst = *net::IpAddress::parse(dst);
  s.sport = std::strchr(src, ':') ? 40001 : 40000;
  s.dport = 8080;
  s.seq = seq;
  s.flags = flags;
  s.window = 1000;
  return s;
}

run::TraceEntry entry(Kind kind, Micros time) {
  run::TraceEntry e;
  e.kind = kind;
  e.time = time;
  return e;
}

// A trace as the executor records it: injected segments without wire bytes, observed ones with,
// a malformed packet, and non-packet entries in between.
run::ScriptResult traced_script() {
  run::ScriptResult s;
  s.path = "scripts/handshake/passive_open.pkt";
  auto call = entry(Kind::CallStart, 0);
  call.text = "socket(...)";
  auto syn = entry(Kind::Injected, 100'000);
  syn.segment = segment("192.0.2.1", "198.51.100.2", net::flag::SYN, 1000);
  auto syn_ack = entry(Kind::Observed, 100'250);
  syn_ack.segment = segment("198.51.100.2", "192.0.2.1", net::flag::SYN | net::flag::ACK, 5000);
  syn_ack.wire = net::encode(*syn_ack.segment);
  auto malformed = entry(Kind::Malformed, 2'500'000);
  malformed.wire = {0x45, 0x00, 0x00, 0x14, 0, 0, 0, 0, 64, 6, 0, 0, 198, 51, 100, 2, 192, 0, 2, 1};
  auto rst6 = entry(Kind::Injected, 3'600'000'000);  // an hour later
  rst6.segment = segment("2001:db8::1", "2001:db8::2", net::flag::RST | net::flag::ACK, 1001);
  s.trace.entries = {call, syn, syn_ack, entry(Kind::Assert, 100'300), malformed, rst6, entry(Kind::Command, 3'600'000'001)};
  return s;
}

struct Packet {
  std::int64_t micros = 0;
  std::vector<std::uint8_t> bytes;
};

std::uint32_t le32(const std::string& data, std::size_t at) {
  std::uint32_t v = 0;
  std::memcpy(&v, data.data() + at, 4);
  return v;  // the writer uses host order; tests run on little-endian hosts like the writer
}

// Reads a classic pcap file: the link type, then every record.
std::vector<Packet> read_pcap(const std::string& path, std::uint32_t* link_type) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string data = buffer.str();
  std::vector<Packet> packets;
  if (data.size() < 24 || le32(data, 0) != 0xa1b2c3d4u) {
    ADD_FAILURE() << path << ": not a microsecond pcap file";
    return packets;
  }
  *link_type = le32(data, 20);
  for (std::size_t at = 24; at + 16 <= data.size();) {
    Packet p;
    p.micros = std::int64_t{le32(data, at)} * 1'000'000 + le32(data, at + 4);
    const std::uint32_t caplen = le32(data, at + 8);
    EXPECT_EQ(caplen, le32(data, at + 12));
    at += 16;
    p.bytes.assign(data.begin() + static_cast<std::ptrdiff_t>(at), data.begin() + static_cast<std::ptrdiff_t>(at + caplen));
    at += caplen;
    packets.push_back(std::move(p));
  }
  return packets;
}

std::string run_command(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) output.append(buf, n);
  ::pclose(pipe);
  return output;
}

TEST(PcapExport, WritesEverySegmentInTraceOrderOnTheEpoch) {
  ScratchDir dir;
  const std::string path = dir.file("passive_open.pcap");
  const run::ScriptResult script = traced_script();
  ASSERT_TRUE(write_pcap(script, path, kEpoch).ok());
  EXPECT_EQ(pcap_packet_count(script), 4u);
  std::uint32_t link_type = 0;
  const std::vector<Packet> packets = read_pcap(path, &link_type);
  EXPECT_EQ(link_type, 101u);  // LINKTYPE_RAW
  ASSERT_EQ(packets.size(), 4u);
  const auto& e = script.trace.entries;
  EXPECT_EQ(packets[0].micros, kEpoch + 100'000);
  EXPECT_EQ(packets[0].bytes, net::encode(*e[1].segment));  // encoded: the trace has no wire bytes
  EXPECT_EQ(packets[1].micros, kEpoch + 100'250);
  EXPECT_EQ(packets[1].bytes, e[2].wire);  // as captured
  EXPECT_EQ(packets[2].micros, kEpoch + 2'500'000);
  EXPECT_EQ(packets[2].bytes, e[4].wire);
  EXPECT_EQ(packets[3].micros, kEpoch + 3'600'000'000);
  EXPECT_EQ(packets[3].bytes, net::encode(*e[5].segment));
  // Atomic: nothing but the pcap in the directory.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& f : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u);
}

TEST(PcapExport, TsharkReadsTheSameTimesAndFlags) {
  if (::access("/usr/bin/tshark", X_OK) != 0) GTEST_SKIP() << "tshark not installed";
  ScratchDir dir;
  const std::string path = dir.file("passive_open.pcap");
  ASSERT_TRUE(write_pcap(traced_script(), path, kEpoch).ok());
  const std::string output =
      run_command("/usr/bin/tshark -r " + path + " -T fields -E separator=, -e frame.time_epoch -e tcp.flags 2>/dev/null");
  std::vector<std::pair<double, std::string>> rows;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    const auto comma = line.find(',');
    ASSERT_NE(comma, std::string::npos) << line;
    rows.emplace_back(std::stod(line.substr(0, comma)), line.substr(comma + 1));
  }
  ASSERT_EQ(rows.size(), 4u) << output;
  const double base = static_cast<double>(kEpoch) / 1e6;
  EXPECT_NEAR(rows[0].first, base + 0.1, 1e-6);
  EXPECT_NEAR(rows[1].first, base + 0.10025, 1e-6);
  EXPECT_NEAR(rows[2].first, base + 2.5, 1e-6);
  EXPECT_NEAR(rows[3].first, base + 3600, 1e-6);
  EXPECT_EQ(std::stoul(rows[0].second, nullptr, 16), 0x002u);  // SYN
  EXPECT_EQ(std::stoul(rows[1].second, nullptr, 16), 0x012u);  // SYN-ACK
  EXPECT_EQ(rows[2].second, "");                               // no TCP header: malformed
  EXPECT_EQ(std::stoul(rows[3].second, nullptr, 16), 0x014u);  // RST-ACK over IPv6
}

TEST(PcapExport, EmptyTraceGivesAnEmptyCaptureAndBadPathsAnError) {
  ScratchDir dir;
  run::ScriptResult empty;
  ASSERT_TRUE(write_pcap(empty, dir.file("empty.pcap"), kEpoch).ok());
  std::uint32_t link_type = 0;
  EXPECT_TRUE(read_pcap(dir.file("empty.pcap"), &link_type).empty());
  const auto missing = write_pcap(traced_script(), dir.file("no/such/dir/x.pcap"), kEpoch);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message.rfind(dir.file("no/such/dir/x.pcap") + ": cannot write pcap: ", 0), 0u)
      << missing.error().message;
}

TEST(PcapExport, FileNamesAreReadableSafeAndUnique) {
  EXPECT_EQ(pcap_file_name("scripts/handshake/passive_open.pkt"), "handshake__passive_open.pcap");
  EXPECT_EQ(pcap_file_name("./scripts/close/fin-wait-1.pkt"), "close__fin-wait-1.pcap");
  EXPECT_EQ(pcap_file_name("/work/main/scripts/rst/rst.pkt"), "rst__rst.pcap");
  EXPECT_EQ(pcap_file_name("local/test.pkt"), "local__test.pcap");
  EXPECT_EQ(pcap_file_name("x.txt"), "x.txt.pcap");
  const std::regex hashed("[A-Za-z0-9._-]+-[0-9a-f]{8}\\.pcap");
  for (const char* lossy : {"a b/c.pkt", "a_/b.pkt", "../up.pkt", "x/<script>.pkt", "\xff.pkt", "", "a__b.pkt",
                            ".hidden.pkt"}) {
    const std::string name = pcap_file_name(lossy);
    EXPECT_TRUE(std::regex_match(name, hashed)) << lossy << " -> " << name;
  }
  EXPECT_NE(pcap_file_name("a b.pkt"), pcap_file_name("a_b.pkt"));
  EXPECT_NE(pcap_file_name("a/__b.pkt"), pcap_file_name("a__/b.pkt"));
  EXPECT_NE(pcap_file_name("a/b_c.pkt"), pcap_file_name("a_b/c.pkt"));
  const std::string deep = "scripts/" + std::string(300, 'd') + ".pkt";
  EXPECT_LE(pcap_file_name(deep).size(), 200u);
  EXPECT_NE(pcap_file_name(deep), pcap_file_name("scripts/" + std::string(301, 'd') + ".pkt"));
}

TEST(PcapExport, ParsesStartedAt) {
  EXPECT_EQ(parse_started_at("1970-01-01T00:00:01Z"), 1'000'000);
  EXPECT_EQ(parse_started_at("2023-11-14T22:13:20Z"), kEpoch);
  EXPECT_EQ(parse_started_at("2023-11-14T22:13:20.25Z"), kEpoch + 250'000);
  EXPECT_EQ(parse_started_at("2023-11-14T22:13:20+00:00"), kEpoch);
  EXPECT_EQ(parse_started_at(""), std::nullopt);
  EXPECT_EQ(parse_started_at("2023-11-14 22:13:20Z"), std::nullopt);
  EXPECT_EQ(parse_started_at("2023-13-14T22:13:20Z"), std::nullopt);
  EXPECT_EQ(parse_started_at("2023-11-14T22:13:20+02:00"), std::nullopt);
}

}  // namespace
}  // namespace synack::reports
