// The printer: exact text for each construct, and parse(print(x)) == x.
#include <gtest/gtest.h>

#include "harness/script/parser.h"
#include "tests/script/helpers.h"

namespace synack::script {
namespace {

using testing::packet_of;
using testing::parse_ok;
using testing::second_event;
using testing::syscall_of;

TEST(Printer, Packets) {
  const char* lines[] = {
      "< S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>",
      "> S. 0:0(0) ack 1 <...>",
      "> . 1:1(0) ack 1001",
      "< P. 1:1001(1000) ack 1 win 257",
      "< R 1001:1001(0) win 0",
      "< [ect0] . 1:1(0) ack 1 win 257",
      "> [ce tos 0x10 ttl 32 flowlabel 0x12345] - 5:5(0)",
      "< 8080>40000 S 0:0(0) win 100 urg 5 <TS val 4294967295 ecr 7,sack 1:2 3:4,eol>",
      "< S 0:0(0) win 1 <md5 0011,FO,FO abcd,FOEXP,FOEXP 0102,kind 253 data ff00,kind 9,md5>",
  };
  for (const char* line : lines) {
    EXPECT_EQ(print_packet(packet_of(std::string("+0 ") + line)), line);
  }
  // Written in another order or spelling, printed in the canonical one.
  EXPECT_EQ(print_packet(packet_of("+0 < U. 1:2(1) urg 1 win 100 ack 7")),
            "< U. 1:2(1) ack 7 win 100 urg 1");
  EXPECT_EQ(print_packet(packet_of("+0 < [ tos 16 ] S 0:0(0) win 0x10 <FO ABCD>")),
            "< [tos 0x10] S 0:0(0) win 16 <FO abcd>");
}

TEST(Printer, Times) {
  EXPECT_EQ(print_time(second_event("0 `x`").time), "0");
  EXPECT_EQ(print_time(second_event("+0 `x`").time), "+0");
  EXPECT_EQ(print_time(second_event("+.1 `x`").time), "+0.1");
  EXPECT_EQ(print_time(second_event("1.500 `x`").time), "1.5");
  EXPECT_EQ(print_time(second_event("2.000001 `x`").time), "2.000001");
  EXPECT_EQ(print_time(second_event("* > . 1:1(0)").time), "*");
  EXPECT_EQ(print_time(second_event("+1~+2 > . 1:1(0)").time), "+1~+2");
  EXPECT_EQ(print_time(second_event("0...0.2 accept(3, ..., ...) = 4").time), "0...0.2");
  EXPECT_EQ(print_time(second_event("+0...+1.25 accept(3, ..., ...) = 4").time), "+0...+1.25");
}

TEST(Printer, Syscalls) {
  const char* lines[] = {
      "accept(3, ..., ...) = 4",
      "connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)",
      "read(4, ..., 1000) = -1 EAGAIN",
      "fcntl(3, F_GETFL) = 2 (flags O_RDWR)",
      "fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK|O_APPEND) = 0",
      "setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0",
      "getsockopt(4, SOL_TCP, TCP_INFO, {tcpi_state=TCP_ESTABLISHED, ...}, [104]) = 0",
      "connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"192.0.2.1\")}, 16) = 0",
      "sendmsg(4, {msg_name(...)=..., msg_iov(1)=[{iov_base=..., iov_len=10}], msg_flags=0}, 0) = 10",
      "poll([], 0, 0) = 0",
      "close(-9223372036854775808) = NULL",
      "write(4, \"a\\\"b\\\\c\\nd\\te\\x01\\xff\", 10) = 10",
  };
  for (const char* line : lines) {
    EXPECT_EQ(print_syscall(syscall_of(std::string("+0 ") + line)), line);
  }
  EXPECT_EQ(print_syscall(syscall_of("+0 close( 0x10 )=-1 EBADF (  Bad file descriptor )")),
            "close(16) = -1 EBADF (Bad file descriptor)");
}

TEST(Printer, Exprs) {
  SyscallSpec call = syscall_of("+0 fcntl(3, F_SETFL, A|B|C) = 0");
  EXPECT_EQ(print_expr(*call.args[2]), "A|B|C");
  EXPECT_EQ(print_expr(*call.args[0]), "3");
  Expr manual;
  manual.kind = Expr::Kind::List;
  Expr item;
  item.kind = Expr::Kind::String;
  item.text = "x";
  manual.items.push_back(std::make_shared<const Expr>(item));
  EXPECT_EQ(print_expr(manual), "[\"x\"]");
}

TEST(Printer, EventsCommandsAndAsserts) {
  EXPECT_EQ(print_event(second_event("+0 `echo hi`")), "+0 `echo hi`");
  EXPECT_EQ(print_event(second_event("+0   %{   assert tcpi_state == 1   }%")),
            "+0 %{ assert tcpi_state == 1 }%");
  EXPECT_EQ(print_event(second_event("*  > F. 1:1(0) ack 2")), "* > F. 1:1(0) ack 2");
}

TEST(Printer, WholeScript) {
  Script s = parse_ok(
      "// rfc: 9293 3.5\n"
      "// title: t\n"
      "--b=2\n"
      "--a\n"
      "-D Z=1\n"
      "-D A=2\n"
      "// targets: kernel\n"
      "`init`\n"
      "0 close(3) = 0\n"
      "// requirement: MUST-1\n"
      "`cleanup`\n");
  EXPECT_EQ(print(s),
            "--b=2\n"
            "--a\n"
            "--define=A=2\n"
            "--define=Z=1\n"
            "// title: t\n"
            "// requirement: MUST-1\n"
            "// rfc: 9293 3.5\n"
            "// targets: kernel\n"
            "`init`\n"
            "0 close(3) = 0\n"
            "`cleanup`\n");
  testing::expect_round_trip(s);
}

TEST(Printer, RoundTripOfEveryLanguageConstruct) {
  Script s = parse_ok(R"(
--tolerance_usecs=4000
`echo init`
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 < [ect1 ttl 1] 1>2 SFRP.EWUA 4294967000:704(1000) ack 4294967295 win 65535 urg 65535 <nop,eol,mss 65535,wscale 255,sackOK,TS val 0 ecr 4294967295>
* > - 0:0(0) <sack 1:2 3:4 5:6 7:8>
+1~+1.5 > R. 0:0(0) <...>
2...+3 read(3, {...}, [[[1]]], "") = -1 EAGAIN ()
+0 %{ a == b }%
+0 `timed`
`echo cleanup`
)");
  testing::expect_round_trip(s);
}

TEST(Printer, AstEqualityIgnoresLocations) {
  Script a = parse_ok("0 close(3) = 0\n+0 fcntl(3, F_SETFL, A|B) = 0\n");
  Script b = parse_ok("\n\n   0   close( 3 )=0 +0 fcntl(3,F_SETFL,A|B)=0");
  EXPECT_EQ(a, b);
  Script c = parse_ok("0 close(3) = 0\n+0 fcntl(3, F_SETFL, A|C) = 0\n");
  EXPECT_FALSE(a == c);
  Script d = parse_ok("0 close(3) = 0\n+0 fcntl(3, F_SETFL, A|B) = 0 EAGAIN\n");
  EXPECT_FALSE(a == d);
}

}  // namespace
}  // namespace synack::script
