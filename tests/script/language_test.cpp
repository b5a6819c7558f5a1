// Every construct and example of SCRIPT-LANGUAGE.md parses, with its fields as documented.
#include <gtest/gtest.h>

#include "harness/script/parser.h"
#include "tests/script/helpers.h"

namespace synack::script {
namespace {

using testing::packet_of;
using testing::parse_ok;
using testing::second_event;
using testing::syscall_of;
using Kind = OptionSpec::Kind;

OptionSpec opt(Kind kind, std::uint32_t value = 0) {
  OptionSpec o;
  o.kind = kind;
  o.value = value;
  return o;
}

TEST(Language, LineAndBlockComments) {
  Script s = parse_ok(
      "// a comment\n"
      "/* a block\n comment */ 0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3 // trailing\n"
      "+0 /* inside */ close(3) = 0\n");
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(s.events[1].loc.line, 4);
}

TEST(Language, OptionLines) {
  Script s = parse_ok(
      "--tolerance_usecs=10000\n"
      "--ip_version=ipv4-mapped-ipv6\n"
      "--mss=1000\n"
      "--local_ip=192.0.2.1\n"
      "--remote_ip=192.0.2.2   // the peer\n"
      "--verbose\n"
      "0 `true`\n");
  ASSERT_EQ(s.options.size(), 6u);
  EXPECT_EQ(s.options[0].name, "tolerance_usecs");
  EXPECT_EQ(s.options[0].value, "10000");
  EXPECT_EQ(s.options[0].loc.line, 1);
  EXPECT_EQ(s.options[1].value, "ipv4-mapped-ipv6");
  EXPECT_EQ(s.options[2].name, "mss");
  EXPECT_EQ(s.options[3].value, "192.0.2.1");
  EXPECT_EQ(s.options[4].value, "192.0.2.2");
  EXPECT_EQ(s.options[5].name, "verbose");
  EXPECT_EQ(s.options[5].value, "");
}

TEST(Language, Defines) {
  Script s = parse_ok("-D FOO=1\n-DBAR=two words\n--define=BAZ=x=y\n0 `true`\n");
  EXPECT_TRUE(s.options.empty());
  EXPECT_EQ(s.defines.size(), 3u);
  EXPECT_EQ(s.defines["FOO"], "1");
  EXPECT_EQ(s.defines["BAR"], "two words");
  EXPECT_EQ(s.defines["BAZ"], "x=y");
}

TEST(Language, InitCleanupAndTimedCommands) {
  Script s = parse_ok(
      "`sysctl -q net.ipv4.tcp_timestamps=0`\n"
      "`echo init two`\n"
      "0 `echo at zero`\n"
      "+1 close(3) = 0\n"
      "`echo cleanup`\n");
  ASSERT_EQ(s.init_commands.size(), 2u);
  EXPECT_EQ(s.init_commands[0].command, "sysctl -q net.ipv4.tcp_timestamps=0");
  EXPECT_EQ(s.init_commands[1].command, "echo init two");
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(std::get<CommandSpec>(s.events[0].body).command, "echo at zero");
  ASSERT_EQ(s.cleanup_commands.size(), 1u);
  EXPECT_EQ(s.cleanup_commands[0].command, "echo cleanup");
}

TEST(Language, EventsMaySpanLines) {
  Script s = parse_ok("0\n  < S 0:0(0)\n  win 32792\n  <mss 1000,\n   nop>\n");
  ASSERT_EQ(s.events.size(), 1u);
  PacketSpec p = std::get<PacketSpec>(s.events[0].body);
  EXPECT_EQ(p.win, 32792u);
  EXPECT_EQ(p.options->size(), 2u);
}

// ---- Time

TEST(Language, AbsoluteAndRelativeTimes) {
  Script s = parse_ok("0 `a`\n1.5 `b`\n+0 `c`\n+.1 `d`\n+2 `e`\n3.600001 `f`\n");
  using TK = TimePoint::Kind;
  ASSERT_EQ(s.events.size(), 6u);
  EXPECT_EQ(s.events[0].time.start, (TimePoint{TK::Absolute, 0}));
  EXPECT_EQ(s.events[1].time.start, (TimePoint{TK::Absolute, 1'500'000}));
  EXPECT_EQ(s.events[2].time.start, (TimePoint{TK::Relative, 0}));
  EXPECT_EQ(s.events[3].time.start, (TimePoint{TK::Relative, 100'000}));
  EXPECT_EQ(s.events[4].time.start, (TimePoint{TK::Relative, 2'000'000}));
  EXPECT_EQ(s.events[5].time.start, (TimePoint{TK::Absolute, 3'600'001}));
}

TEST(Language, FirstEventMayBeRelativeZero) {
  Script s = parse_ok("+0 `a`\n");
  EXPECT_EQ(s.events[0].time.start, (TimePoint{TimePoint::Kind::Relative, 0}));
}

TEST(Language, AnyTimeOnOutbound) {
  Event e = second_event("*    > F. 1:1(0) ack 1001");
  EXPECT_EQ(e.time.start.kind, TimePoint::Kind::Any);
  EXPECT_FALSE(e.time.range_end);
}

TEST(Language, BlockingEndCountsFromThePreviousEvent) {
  // packetdrill: "+.01...0.020" after an event at 0.5 starts at 0.51 and returns at 0.52.
  Script s = parse_ok("0 `a`\n0.5 `b`\n+.01...0.020 read(4, ..., 1) = 1\n+0.01 `c`\n");
  EXPECT_EQ(s.events[2].time.start, (TimePoint{TimePoint::Kind::Relative, 10'000}));
  EXPECT_EQ(s.events[2].time.blocking_end, (TimePoint{TimePoint::Kind::Relative, 20'000}));
  EXPECT_EQ(print_time(s.events[2].time), "+0.01...+0.02");
  // Events that follow a blocking call happen while it blocks: they are ordered after its start
  // (0.51), not its end (0.52), as in packetdrill's blocking-accept scripts.
  parse_ok("0 `a`\n0.5 `b`\n+.01...0.020 read(4, ..., 1) = 1\n0.515 `c`\n");
  testing::parse_error("0 `a`\n0.5 `b`\n+.01...0.020 read(4, ..., 1) = 1\n0.505 `c`\n");
}

TEST(Language, TimeRanges) {
  Event relative = second_event("+1~+2 > . 1:1(0) ack 1");
  EXPECT_EQ(relative.time.start, (TimePoint{TimePoint::Kind::Relative, 1'000'000}));
  EXPECT_EQ(relative.time.range_end, (TimePoint{TimePoint::Kind::Relative, 2'000'000}));
  Event absolute = second_event("0.5~0.75 > . 1:1(0) ack 1");
  EXPECT_EQ(absolute.time.start, (TimePoint{TimePoint::Kind::Absolute, 500'000}));
  EXPECT_EQ(absolute.time.range_end, (TimePoint{TimePoint::Kind::Absolute, 750'000}));
}

TEST(Language, BlockingSyscall) {
  // After a relative start, the end shares its base (the previous event), as in packetdrill.
  Event e = second_event("+0...0.2 accept(3, ..., ...) = 4");
  EXPECT_EQ(e.time.start, (TimePoint{TimePoint::Kind::Relative, 0}));
  EXPECT_EQ(e.time.blocking_end, (TimePoint{TimePoint::Kind::Relative, 200'000}));
  Event absolute = second_event("0.1...0.2 accept(3, ..., ...) = 4");
  EXPECT_EQ(absolute.time.blocking_end, (TimePoint{TimePoint::Kind::Absolute, 200'000}));
  Event relative_end = second_event("0.1...+0.3 read(4, ..., 1000) = 1000");
  EXPECT_EQ(relative_end.time.blocking_end, (TimePoint{TimePoint::Kind::Relative, 300'000}));
  EXPECT_EQ(std::get<SyscallSpec>(e.body).name, "accept");
}

// ---- Packets: every line of the documentation's example block

TEST(Language, PacketSynWithOptions) {
  PacketSpec p = packet_of("+0   < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>");
  EXPECT_EQ(p.direction, Direction::Inbound);
  EXPECT_EQ(p.flags, "S");
  EXPECT_EQ(p.seq_start, 0u);
  EXPECT_EQ(p.seq_end, 0u);
  EXPECT_EQ(p.payload_len, 0u);
  EXPECT_FALSE(p.ack);
  EXPECT_EQ(p.win, 32792u);
  EXPECT_FALSE(p.options_any);
  std::vector<OptionSpec> expected = {opt(Kind::Mss, 1000), opt(Kind::SackOk), opt(Kind::Nop),
                                      opt(Kind::Nop),       opt(Kind::Nop),    opt(Kind::Wscale, 7)};
  EXPECT_EQ(p.options, expected);
}

TEST(Language, PacketSynAck) {
  PacketSpec p = packet_of("+0   > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>");
  EXPECT_EQ(p.direction, Direction::Outbound);
  EXPECT_EQ(p.flags, "S.");
  EXPECT_EQ(p.ack, 1u);
  EXPECT_FALSE(p.win);
  ASSERT_TRUE(p.options);
  EXPECT_EQ(p.options->size(), 6u);
  EXPECT_EQ((*p.options)[0], opt(Kind::Mss, 1460));
  EXPECT_EQ((*p.options)[5], opt(Kind::Wscale, 8));
}

TEST(Language, PacketAckAndData) {
  PacketSpec ack = packet_of("+.1  < . 1:1(0) ack 1 win 257");
  EXPECT_EQ(ack.flags, ".");
  EXPECT_EQ(ack.seq_start, 1u);
  EXPECT_EQ(ack.win, 257u);
  EXPECT_FALSE(ack.options);
  PacketSpec data = packet_of("+0   < P. 1:1001(1000) ack 1 win 257");
  EXPECT_EQ(data.flags, "P.");
  EXPECT_EQ(data.seq_end, 1001u);
  EXPECT_EQ(data.payload_len, 1000u);
  PacketSpec reply = packet_of("+0   > . 1:1(0) ack 1001");
  EXPECT_EQ(reply.ack, 1001u);
  EXPECT_FALSE(reply.options);  // no list written: expects none
}

TEST(Language, PacketFinAndRst) {
  PacketSpec fin = packet_of("*    > F. 1:1(0) ack 1001");
  EXPECT_EQ(fin.flags, "F.");
  PacketSpec rst = packet_of("+0   < R 1001:1001(0) win 0");
  EXPECT_EQ(rst.flags, "R");
  EXPECT_EQ(rst.win, 0u);
}

TEST(Language, PacketIpAnnotations) {
  PacketSpec p = packet_of("+0   < [ect0] . 1:1(0) ack 1 win 257   // annotation");
  EXPECT_EQ(p.ip.ecn, 2);
  EXPECT_EQ(packet_of("+0 < [ect1] . 1:1(0) win 1").ip.ecn, 1);
  EXPECT_EQ(packet_of("+0 < [ce] . 1:1(0) win 1").ip.ecn, 3);
  EXPECT_EQ(packet_of("+0 < [noecn] . 1:1(0) win 1").ip.ecn, 0);
  PacketSpec all = packet_of("+0 > [ect0 tos 0x10 ttl 32 flowlabel 0x12345] . 1:1(0)");
  EXPECT_EQ(all.ip.ecn, 2);
  EXPECT_EQ(all.ip.tos, 0x10);
  EXPECT_EQ(all.ip.ttl, 32);
  EXPECT_EQ(all.ip.flow_label, 0x12345u);
}

TEST(Language, AllFlagLettersAndNone) {
  EXPECT_EQ(packet_of("+0 < SFRP.EWUA 0:0(0) win 1").flags, "SFRP.EWUA");
  EXPECT_EQ(packet_of("+0 < SEW 0:0(0) win 1").flags, "SEW");
  EXPECT_EQ(packet_of("+0 < - 0:0(0) win 1").flags, "-");
}

TEST(Language, AckWinUrgAnyOrder) {
  PacketSpec p = packet_of("+0 < U. 1:2(1) urg 1 win 100 ack 7");
  EXPECT_EQ(p.urg, 1);
  EXPECT_EQ(p.win, 100u);
  EXPECT_EQ(p.ack, 7u);
}

TEST(Language, SequenceRangeWrapsModulo32) {
  PacketSpec p = packet_of("+0 < P. 4294967295:999(1000) ack 1 win 1");
  EXPECT_EQ(p.seq_start, 4294967295u);
  EXPECT_EQ(p.seq_end, 999u);
  EXPECT_EQ(p.payload_len, 1000u);
}

TEST(Language, AllOptionForms) {
  // Three packets: all forms together would exceed the 40 bytes of option space.
  PacketSpec p = packet_of(
      "+0 < S 0:0(0) win 1 <nop,eol,mss 536,wscale 14,sackOK,sack 1:2 3:4,TS val 100 ecr 0>");
  ASSERT_TRUE(p.options);
  const auto& o = *p.options;
  ASSERT_EQ(o.size(), 7u);
  EXPECT_EQ(o[0].kind, Kind::Nop);
  EXPECT_EQ(o[1].kind, Kind::Eol);
  EXPECT_EQ(o[2], opt(Kind::Mss, 536));
  EXPECT_EQ(o[3], opt(Kind::Wscale, 14));
  EXPECT_EQ(o[4].kind, Kind::SackOk);
  EXPECT_EQ(o[5].kind, Kind::Sack);
  EXPECT_EQ(o[5].sack_blocks, (std::vector<std::pair<std::uint32_t, std::uint32_t>>{{1, 2}, {3, 4}}));
  EXPECT_EQ(o[6].kind, Kind::Timestamp);
  EXPECT_EQ(o[6].value, 100u);
  EXPECT_EQ(o[6].ecr, 0u);

  PacketSpec q = packet_of(
      "+0 < S 0:0(0) win 1 <md5 00112233445566778899aabbccddeeff,FO 0123abcd,FO,FOEXP abcdef01>");
  const auto& c = *q.options;
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].kind, Kind::Md5);
  EXPECT_EQ(c[0].bytes.size(), 16u);
  EXPECT_EQ(c[0].bytes[15], 0xff);
  EXPECT_EQ(c[1].kind, Kind::FastOpen);
  EXPECT_EQ(c[1].bytes, (std::vector<std::uint8_t>{0x01, 0x23, 0xab, 0xcd}));
  EXPECT_EQ(c[2].kind, Kind::FastOpen);
  EXPECT_TRUE(c[2].bytes.empty());  // cookie request
  EXPECT_EQ(c[3].kind, Kind::FastOpenExp);
  EXPECT_EQ(c[3].bytes.size(), 4u);

  PacketSpec r = packet_of("+0 < S 0:0(0) win 1 <FOEXP,md5,kind 253 data 4a6f,kind 30>");
  const auto& w = *r.options;
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0].kind, Kind::FastOpenExp);
  EXPECT_TRUE(w[0].bytes.empty());
  EXPECT_EQ(w[1].kind, Kind::Md5);
  EXPECT_TRUE(w[1].bytes.empty());
  EXPECT_EQ(w[2].kind, Kind::Raw);
  EXPECT_EQ(w[2].raw_kind, 253);
  EXPECT_EQ(w[2].bytes, (std::vector<std::uint8_t>{0x4a, 0x6f}));
  EXPECT_EQ(w[3].raw_kind, 30);
  EXPECT_TRUE(w[3].bytes.empty());
}

TEST(Language, AnyOptionsOnOutbound) {
  PacketSpec p = packet_of("+0 > S. 0:0(0) ack 1 <...>");
  EXPECT_TRUE(p.options_any);
  ASSERT_TRUE(p.options);
  EXPECT_TRUE(p.options->empty());
}

TEST(Language, ExplicitPorts) {
  PacketSpec p = packet_of("+0 < 8080>40000 S 0:0(0) win 100");
  EXPECT_EQ(p.src_port, 8080);
  EXPECT_EQ(p.dst_port, 40000);
  PacketSpec annotated = packet_of("+0 > [ce] 40000>8080 S. 0:0(0) ack 1");
  EXPECT_EQ(annotated.ip.ecn, 3);
  EXPECT_EQ(annotated.src_port, 40000);
}

// ---- System calls: every line of the documentation's example block

TEST(Language, SyscallExampleBlock) {
  Script s = parse_ok(R"(
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0    fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0    connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0...0.2 accept(3, ..., ...) = 4
+0    write(4, ..., 1000) = 1000
+0    read(4, ..., 1000) = 0
+0    shutdown(4, SHUT_WR) = 0
+0    getsockopt(4, SOL_TCP, TCP_MAXSEG, [1100], [4]) = 0
+0    setsockopt(4, SOL_SOCKET, SO_KEEPALIVE, [1], 4) = 0
+0    close(4) = 0
)");
  ASSERT_EQ(s.events.size(), 13u);
  std::vector<std::string> names;
  for (const Event& e : s.events) names.push_back(std::get<SyscallSpec>(e.body).name);
  EXPECT_EQ(names, (std::vector<std::string>{"socket", "setsockopt", "bind", "listen", "fcntl",
                                             "connect", "accept", "write", "read", "shutdown",
                                             "getsockopt", "setsockopt", "close"}));
  const auto& socket = std::get<SyscallSpec>(s.events[0].body);
  ASSERT_EQ(socket.args.size(), 3u);
  EXPECT_EQ(socket.args[0]->kind, Expr::Kind::Ellipsis);
  EXPECT_EQ(socket.args[1]->kind, Expr::Kind::Symbol);
  EXPECT_EQ(socket.args[1]->text, "SOCK_STREAM");
  EXPECT_EQ(socket.result->int_value, 3);
  const auto& setsockopt = std::get<SyscallSpec>(s.events[1].body);
  EXPECT_EQ(setsockopt.args[3]->kind, Expr::Kind::List);
  EXPECT_EQ(setsockopt.args[3]->items[0]->int_value, 1);
  const auto& fcntl = std::get<SyscallSpec>(s.events[4].body);
  EXPECT_EQ(fcntl.args[2]->kind, Expr::Kind::BinaryOr);
  EXPECT_EQ(fcntl.args[2]->items[0]->text, "O_RDWR");
  EXPECT_EQ(fcntl.args[2]->items[1]->text, "O_NONBLOCK");
  const auto& connect = std::get<SyscallSpec>(s.events[5].body);
  EXPECT_EQ(connect.result->int_value, -1);
  EXPECT_EQ(connect.errno_name, "EINPROGRESS");
  EXPECT_EQ(connect.errno_text, "Operation now in progress");
  EXPECT_EQ(s.events[6].time.blocking_end, (TimePoint{TimePoint::Kind::Relative, 200'000}));
  const auto& getsockopt = std::get<SyscallSpec>(s.events[10].body);
  EXPECT_EQ(getsockopt.args[4]->items[0]->int_value, 4);
  EXPECT_FALSE(std::get<SyscallSpec>(s.events[12].body).errno_name);
}

TEST(Language, ErrnoWithoutText) {
  SyscallSpec c = syscall_of("+0 read(4, ..., 1000) = -1 EAGAIN");
  EXPECT_EQ(c.errno_name, "EAGAIN");
  EXPECT_FALSE(c.errno_text);
  SyscallSpec refused = syscall_of("+0 connect(3, ..., ...) = -1 ECONNREFUSED (Connection refused)");
  EXPECT_EQ(refused.errno_text, "Connection refused");
}

TEST(Language, TcpInfoStruct) {
  SyscallSpec c = syscall_of(
      "+0 getsockopt(4, SOL_TCP, TCP_INFO, {tcpi_state=TCP_ESTABLISHED, tcpi_rto=200000, ...}, [104]) = 0");
  const Expr& info = *c.args[3];
  ASSERT_EQ(info.kind, Expr::Kind::Struct);
  ASSERT_EQ(info.fields.size(), 3u);
  EXPECT_EQ(info.fields[0].first, "tcpi_state");
  EXPECT_EQ(info.fields[0].second->text, "TCP_ESTABLISHED");
  EXPECT_EQ(info.fields[1].second->int_value, 200000);
  EXPECT_EQ(info.fields[2].first, "");
  EXPECT_EQ(info.fields[2].second->kind, Expr::Kind::Ellipsis);
}

TEST(Language, SocketOptionsFromTheList) {
  for (const char* name : {"SO_REUSEADDR", "SO_KEEPALIVE", "SO_RCVBUF", "SO_SNDBUF", "SO_ERROR",
                           "TCP_NODELAY", "TCP_MAXSEG", "TCP_KEEPIDLE", "TCP_KEEPINTVL",
                           "TCP_KEEPCNT"}) {
    SyscallSpec c = syscall_of(std::string("+0 setsockopt(4, SOL_SOCKET, ") + name + ", [1], 4) = 0");
    EXPECT_EQ(c.args[2]->text, name);
  }
  SyscallSpec linger = syscall_of("+0 setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0");
  EXPECT_EQ(linger.args[3]->fields[1].first, "linger");
}

TEST(Language, AllDocumentedSyscallsAreKnown) {
  for (const char* name : {"socket", "bind", "listen", "accept", "accept4", "connect", "read", "readv",
                           "recv", "recvfrom", "recvmsg", "write", "writev", "send", "sendto",
                           "sendmsg", "sendfile", "close", "shutdown", "getsockopt", "setsockopt",
                           "fcntl", "ioctl", "poll", "epoll_create", "epoll_ctl", "epoll_wait", "pipe",
                           "splice", "open", "getsockname", "getpeername"}) {
    EXPECT_EQ(syscall_of(std::string("+0 ") + name + "() = 0").name, name);
  }
}

TEST(Language, AssertBlock) {
  Event e = second_event("+0 %{ assert tcpi_state == TCP_ESTABLISHED }%");
  EXPECT_EQ(std::get<AssertSpec>(e.body).code, "assert tcpi_state == TCP_ESTABLISHED");
  Event multi = second_event("+0 %{\nassert tcpi_rto >= 200000\nassert tcpi_snd_cwnd == 10\n}%");
  EXPECT_EQ(std::get<AssertSpec>(multi.body).code,
            "assert tcpi_rto >= 200000\nassert tcpi_snd_cwnd == 10");
}

TEST(Language, MetadataComments) {
  Script s = parse_ok(
      "// title: RST in SYN-RECEIVED returns to LISTEN\n"
      "// requirement: MUST-13 SHLD-5, MUST-2\n"
      "// rfc: 9293 3.10.7.4; 5961 3.2 ;\n"
      "// targets: reference kernel\n"
      "// an ordinary comment: with a colon\n"
      "0 `true`\n"
      "// requirement: MUST-64\n");
  EXPECT_EQ(s.metadata.title, "RST in SYN-RECEIVED returns to LISTEN");
  EXPECT_EQ(s.metadata.requirements, (std::vector<std::string>{"MUST-13", "SHLD-5", "MUST-2", "MUST-64"}));
  EXPECT_EQ(s.metadata.rfc_refs, (std::vector<std::string>{"9293 3.10.7.4", "5961 3.2"}));
  EXPECT_EQ(s.metadata.targets, (std::vector<std::string>{"reference", "kernel"}));
}

TEST(Language, MetadataInsideRawTextIsNotMetadata) {
  Script s = parse_ok("0 `echo // title: no`\n+0 %{ x = 1 // title: no }%\n");
  EXPECT_EQ(s.metadata.title, "");
}

}  // namespace
}  // namespace synack::script

// ---- packetdrill forms beyond the examples above (packetdrill's own scripts must parse)

namespace synack::script {
namespace {

using testing::packet_of;
using testing::parse_ok;
using testing::syscall_of;

TEST(Packetdrill, AccEcnAceFlags) {
  EXPECT_EQ(packet_of("+0 > [ect0] P.6 1:101(100) ack 1").flags, "P.6");
  EXPECT_EQ(packet_of("+0 > [ect0] .5 1:1(0) ack 1").flags, ".5");
  EXPECT_EQ(packet_of("+0 < SEWA 0:0(0) win 1").flags, "SEWA");
  EXPECT_EQ(packet_of("+0 < [ce] EAP. 1:1001(1000) ack 1 win 257").flags, "EAP.");
  EXPECT_NE(testing::parse_error("0 `a`\n+0 > .8 1:1(0)\n").message.find("ACE value"), std::string::npos);
  EXPECT_NE(testing::parse_error("0 `a`\n+0 > E.6 1:1(0)\n").message.find("cannot be combined"),
            std::string::npos);
}

TEST(Packetdrill, AccEcnOption) {
  PacketSpec order0 = packet_of("+0 < SW. 0:0(0) ack 1 win 1 <mss 1460,ECN e0b 1 ceb 0 e1b 257,nop>");
  const OptionSpec& a = (*order0.options)[1];
  EXPECT_EQ(a.kind, OptionSpec::Kind::Raw);
  EXPECT_EQ(a.raw_kind, 172);
  EXPECT_EQ(a.bytes, (std::vector<std::uint8_t>{0, 0, 1, 0, 0, 0, 0, 1, 1}));
  PacketSpec order1 = packet_of("+0 > WA. 1:1(0) ack 1 <ECN e1b 1 ceb 1000,nop>");
  const OptionSpec& b = (*order1.options)[0];
  EXPECT_EQ(b.raw_kind, 174);
  EXPECT_EQ(b.bytes.size(), 6u);
  EXPECT_EQ(print_packet(order1), "> WA. 1:1(0) ack 1 <ECN e1b 1 ceb 1000,nop>");
  EXPECT_EQ(print_packet(order0), "< SW. 0:0(0) ack 1 win 1 <mss 1460,ECN e0b 1 ceb 0 e1b 257,nop>");
}

TEST(Packetdrill, PositionalStructItemsAndCountedFieldNames) {
  SyscallSpec call = syscall_of(
      "+0 sendmsg(4, {msg_name(...)=..., msg_iov(3)=[{..., 500},{..., 1000},{...,400}], "
      "msg_flags=0, msg_control=[{cmsg_level=SOL_TCP, cmsg_type=TCP_CM_INQ, cmsg_data=0}]}, "
      "MSG_NOSIGNAL|MSG_FASTOPEN) = 1900");
  const Expr& msg = *call.args[1];
  ASSERT_EQ(msg.fields.size(), 4u);
  EXPECT_EQ(msg.fields[0].first, "msg_name(...)");
  EXPECT_EQ(msg.fields[1].first, "msg_iov(3)");
  const Expr& iov = *msg.fields[1].second->items[2];
  ASSERT_EQ(iov.fields.size(), 2u);
  EXPECT_EQ(iov.fields[0].first, "");
  EXPECT_EQ(iov.fields[0].second->kind, Expr::Kind::Ellipsis);
  EXPECT_EQ(iov.fields[1].first, "");
  EXPECT_EQ(iov.fields[1].second->int_value, 400);
  EXPECT_EQ(msg.fields[3].second->items[0]->fields[1].second->text, "TCP_CM_INQ");
}

TEST(Packetdrill, EpollEventsAndHexValues) {
  SyscallSpec ctl = syscall_of("+0 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLOUT|EPOLLIN|EPOLLET, fd=4}) = 0");
  EXPECT_EQ(ctl.args[3]->fields[0].second->kind, Expr::Kind::BinaryOr);
  SyscallSpec lowat = syscall_of("+0 setsockopt(4, SOL_TCP, TCP_NOTSENT_LOWAT, [0xffffffff], 4) = 0");
  EXPECT_EQ(lowat.args[3]->items[0]->int_value, 0xffffffffLL);
}

TEST(Packetdrill, NoteAfterResultAndSpacedEllipsis) {
  Script s = parse_ok(
      "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4\n"
      "+.002 ... 0.052 connect(4, ..., ...) = 0\n"
      "+0 fcntl(4, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)\n");
  EXPECT_EQ(s.events[1].time.blocking_end, (TimePoint{TimePoint::Kind::Relative, 52'000}));
  EXPECT_EQ(std::get<SyscallSpec>(s.events[2].body).errno_text, "flags O_RDWR|O_NONBLOCK");
}

TEST(Packetdrill, StringConcatenationAndCommaAnnotations) {
  SyscallSpec call = syscall_of("+0 setsockopt(3, SOL_TCP, TCP_CONGESTION, \"cu\" \"bic\", 5) = 0");
  EXPECT_EQ(call.args[3]->text, "cubic");
  PacketSpec p = packet_of("+0 > [tos 0x2, flowlabel 0x1] . 1:1(0)");
  EXPECT_EQ(p.ip.tos, 2);
  EXPECT_EQ(p.ip.flow_label, 1u);
}

TEST(Packetdrill, CommandsSpanningLines) {
  Script s = parse_ok("`../common/defaults.sh\nsysctl -q net.ipv4.tcp_ecn=3\n`\n0 close(3) = 0\n");
  EXPECT_EQ(s.init_commands[0].command, "../common/defaults.sh\nsysctl -q net.ipv4.tcp_ecn=3\n");
  testing::expect_round_trip(s);
}

}  // namespace
}  // namespace synack::script
