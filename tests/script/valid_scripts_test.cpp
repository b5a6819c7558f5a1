// Whole scripts in tests/script/valid/ parse, and parse -> print -> parse is the identity.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/script/parser.h"
#include "tests/script/helpers.h"

namespace synack::script {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> files_in(const char* subdir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(fs::path(SYNACK_SOURCE_DIR) / "tests/script" / subdir)) {
    if (entry.path().extension() == ".pkt") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

const Script& parsed(const char* name) {
  static std::map<std::string, Script> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    std::string path = std::string(SYNACK_SOURCE_DIR) + "/tests/script/valid/" + name;
    ParseResult result = parse_file(path);
    EXPECT_TRUE(result.ok()) << result.diagnostics[0].render();
    it = cache.emplace(name, result.script.value_or(Script{})).first;
  }
  return it->second;
}

TEST(ValidScripts, AllParseAndRoundTrip) {
  std::vector<fs::path> files = files_in("valid");
  ASSERT_GE(files.size(), 5u);
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    ParseResult result = parse_file(file.string());
    ASSERT_TRUE(result.ok()) << result.diagnostics[0].render();
    EXPECT_EQ(result.script->path, file.string());
    EXPECT_FALSE(result.script->events.empty());
    testing::expect_round_trip(*result.script);
  }
}

TEST(ValidScripts, PassiveOpen) {
  const Script& s = parsed("passive_open_data_close.pkt");
  EXPECT_EQ(s.metadata.title, "Passive open, one data segment each way, orderly close");
  EXPECT_EQ(s.metadata.requirements, (std::vector<std::string>{"MUST-2", "MUST-13"}));
  EXPECT_EQ(s.metadata.rfc_refs, (std::vector<std::string>{"9293 3.5", "9293 3.6"}));
  ASSERT_EQ(s.options.size(), 3u);
  EXPECT_EQ(s.options[2].name, "remote_ip");
  EXPECT_EQ(s.options[2].value, "192.0.2.2");
  ASSERT_EQ(s.events.size(), 20u);
  const auto& fin = std::get<PacketSpec>(s.events[14].body);
  EXPECT_EQ(fin.flags, "F.");
  EXPECT_EQ(fin.seq_start, 1001u);
  EXPECT_EQ(s.events[14].loc.line, 30);
  EXPECT_EQ(s.events[14].loc.column, 1);
}

TEST(ValidScripts, ActiveOpen) {
  const Script& s = parsed("active_open_nonblocking.pkt");
  EXPECT_EQ(s.metadata.targets, (std::vector<std::string>{"reference", "kernel"}));
  const auto& getfl = std::get<SyscallSpec>(s.events[1].body);
  EXPECT_EQ(getfl.result->int_value, 2);
  EXPECT_FALSE(getfl.errno_name);
  EXPECT_EQ(getfl.errno_text, "flags O_RDWR");
  const auto& connect = std::get<SyscallSpec>(s.events[3].body);
  EXPECT_EQ(connect.errno_name, "EINPROGRESS");
  const Expr& addr = *connect.args[1];
  ASSERT_EQ(addr.kind, Expr::Kind::Struct);
  EXPECT_EQ(addr.fields[1].first, "sin_port");
  EXPECT_EQ(addr.fields[1].second->kind, Expr::Kind::Call);
  EXPECT_EQ(addr.fields[1].second->text, "htons");
  EXPECT_EQ(addr.fields[1].second->items[0]->int_value, 8080);
  EXPECT_EQ(addr.fields[2].second->items[0]->kind, Expr::Kind::String);
  EXPECT_EQ(addr.fields[2].second->items[0]->text, "198.51.100.7");
  const auto& syn = std::get<PacketSpec>(s.events[4].body);
  EXPECT_EQ((*syn.options)[2].kind, OptionSpec::Kind::Timestamp);
  EXPECT_EQ((*syn.options)[2].value, 100u);
  const auto& poll = std::get<SyscallSpec>(s.events[5].body);
  EXPECT_EQ(poll.args[0]->items[0]->fields[0].first, "fd");
  const auto& recv = std::get<SyscallSpec>(s.events[13].body);
  EXPECT_EQ(recv.name, "recv");
  EXPECT_EQ(recv.errno_name, "EAGAIN");
  EXPECT_EQ(recv.errno_text, "Resource temporarily unavailable");
}

TEST(ValidScripts, AssertCommandsAndTiming) {
  const Script& s = parsed("established_assert_sack.pkt");
  EXPECT_EQ(s.defines.at("CWND"), "10");
  EXPECT_EQ(s.defines.at("MSS"), "1000");
  ASSERT_EQ(s.init_commands.size(), 2u);
  EXPECT_EQ(s.init_commands[1].command, "ip link set dev lo up");
  ASSERT_EQ(s.cleanup_commands.size(), 2u);
  EXPECT_EQ(s.cleanup_commands[1].command, "echo cleanup two");
  EXPECT_EQ(s.events[4].time.blocking_end, (TimePoint{TimePoint::Kind::Relative, 200'000}));
  EXPECT_EQ(std::get<AssertSpec>(s.events[8].body).code, "assert tcpi_state == TCP_ESTABLISHED");
  const auto& range = s.events[13];
  EXPECT_EQ(range.time.range_end, (TimePoint{TimePoint::Kind::Relative, 40'000}));
  EXPECT_TRUE(std::get<PacketSpec>(range.body).options_any);
  const auto& sack = std::get<PacketSpec>(s.events[11].body);
  EXPECT_EQ((*sack.options)[5].sack_blocks.at(0), (std::pair<std::uint32_t, std::uint32_t>{1001, 2001}));
  int anys = 0;
  for (const Event& e : s.events) anys += e.time.start.kind == TimePoint::Kind::Any;
  EXPECT_EQ(anys, 2);
}

TEST(ValidScripts, PortsAndAnnotations) {
  const Script& s = parsed("ports_ecn_misc.pkt");
  const auto& syn = std::get<PacketSpec>(s.events[5].body);
  EXPECT_EQ(syn.src_port, 40000);
  EXPECT_EQ(syn.flags, "SEW");
  EXPECT_EQ((*syn.options)[4].raw_kind, 253);
  const auto& other = std::get<PacketSpec>(s.events[8].body);
  EXPECT_EQ(other.ip.flow_label, 0xabcdeu);
  EXPECT_EQ(other.ip.tos, 2);
  const auto& send = std::get<SyscallSpec>(s.events[14].body);
  EXPECT_EQ(send.args[1]->text, "hello\n\t\"quoted\" \\ \x01");
  const auto& urgent = std::get<PacketSpec>(s.events[10].body);
  EXPECT_EQ(urgent.urg, 10);
}

TEST(ValidScripts, TimingAndCalls) {
  const Script& s = parsed("timing_and_calls.pkt");
  EXPECT_EQ(s.events[7].time.start, (TimePoint{TimePoint::Kind::Absolute, 300'000}));
  EXPECT_EQ(s.events[7].time.blocking_end, (TimePoint{TimePoint::Kind::Absolute, 500'000}));
  EXPECT_EQ(s.events[9].time.range_end, (TimePoint{TimePoint::Kind::Absolute, 600'000}));
  const auto& sendmsg = std::get<SyscallSpec>(s.events[16].body);
  EXPECT_EQ(sendmsg.args[1]->fields[0].first, "msg_name(...)");
  EXPECT_EQ(sendmsg.args[1]->fields[1].first, "msg_iov(1)");
  const auto& fcntl = std::get<SyscallSpec>(s.events[26].body);
  // O_RDWR|O_NONBLOCK|O_APPEND groups to the left.
  ASSERT_EQ(fcntl.args[2]->kind, Expr::Kind::BinaryOr);
  EXPECT_EQ(fcntl.args[2]->items[0]->kind, Expr::Kind::BinaryOr);
  EXPECT_EQ(fcntl.args[2]->items[1]->text, "O_APPEND");
}

}  // namespace
}  // namespace synack::script

namespace synack::script {
namespace {

TEST(ValidScripts, PacketdrillForms) {
  ParseResult r = parse_file(std::string(SYNACK_SOURCE_DIR) + "/tests/script/valid/packetdrill_forms.pkt");
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].render();
  const Script& s = *r.script;
  EXPECT_EQ(s.defines.at("CC"), "\"reno\"");
  EXPECT_EQ(std::get<SyscallSpec>(s.events[2].body).args[3]->text, "reno");
  EXPECT_EQ(s.events[3].time.blocking_end, (TimePoint{TimePoint::Kind::Relative, 52'000}));
  EXPECT_EQ(std::get<PacketSpec>(s.events[8].body).flags, "P.6");
  EXPECT_EQ((*std::get<PacketSpec>(s.events[5].body).options)[1].raw_kind, 172);
  const auto& recvmsg = std::get<SyscallSpec>(s.events[11].body);
  EXPECT_EQ(recvmsg.args[1]->fields[3].first, "msg_control");
  EXPECT_EQ(s.cleanup_commands.size(), 1u);
}

}  // namespace
}  // namespace synack::script
