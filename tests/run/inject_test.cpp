// What the executor does with "// inject:" overrides, explicit sockaddrs in bind()/connect(), and
// the MUST-69 check (zero fill after EOL) on every segment the stack sends.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "harness/net/codec.h"
#include "harness/run/executor.h"
#include "harness/run/syscalls.h"
#include "harness/script/parser.h"
#include "tests/run/fake_target.h"

namespace synack {
namespace {

using net::Segment;
using run::Status;
using testing::FakeTarget;
namespace flag = net::flag;

constexpr std::uint32_t kIsn = 1'000'000u;

using testing::parse_ok;

std::string why(const run::ScriptResult& r) {
  return r.verdict.failure ? r.verdict.failure->render() : r.verdict.reason;
}

// A listener that answers every SYN with a SYN-ACK made by `synack` from the SYN.
void listener(FakeTarget& t, std::function<Segment(const Segment&)> synack = {}) {
  testing::answer_syns(t, kIsn, {net::TcpOption::mss(1460)}, std::move(synack));
}

// ---- "// inject:" overrides ----

TEST(InjectOverrides, AreAppliedToTheInjectedSegmentOnly) {
  FakeTarget t;
  listener(t);
  t.on_inject = [inner = t.on_inject](FakeTarget& t, const Segment& in) {
    // The fake stack answers only what a real one would accept: a good checksum, to its address.
    if (in.corrupt_checksum || in.dst.to_string() != "192.0.2.1" || in.src.to_string() != "198.51.100.1") return;
    inner(t, in);
  };
  auto r = run::execute(parse_ok(R"(
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0    < S 0:0(0) win 1000 <mss 1000>   // inject: tcp-checksum=bad
+0    < S 0:0(0) win 1000 <mss 1000>   // inject: dst=192.0.2.255
+0    < S 0:0(0) win 1000 <mss 1000>   // inject: src=192.0.2.255
+0    < S 0:0(0) win 1000 <mss 1000>   // inject: src=203.0.113.7 dst=198.51.100.9
+0    < S 0:0(0) win 1000 <mss 1000>
+0    > S. 0:0(0) ack 1 <mss 1460>
)"), t, {});
  ASSERT_EQ(r.verdict.status, Status::Pass) << why(r);
  ASSERT_EQ(t.injected.size(), 5u);
  EXPECT_TRUE(t.injected[0].corrupt_checksum);
  EXPECT_EQ(t.injected[0].dst.to_string(), "192.0.2.1");
  EXPECT_FALSE(t.injected[1].corrupt_checksum);
  EXPECT_EQ(t.injected[1].dst.to_string(), "192.0.2.255");
  EXPECT_EQ(t.injected[1].src.to_string(), "198.51.100.1");
  EXPECT_EQ(t.injected[2].src.to_string(), "192.0.2.255");
  EXPECT_EQ(t.injected[2].dst.to_string(), "192.0.2.1");
  EXPECT_EQ(t.injected[3].src.to_string(), "203.0.113.7");
  EXPECT_EQ(t.injected[3].dst.to_string(), "198.51.100.9");
  EXPECT_FALSE(t.injected[4].corrupt_checksum);
  EXPECT_EQ(t.injected[4].src.to_string(), "198.51.100.1");
  EXPECT_EQ(t.injected[4].dst.to_string(), "192.0.2.1");
  // On the wire the corrupted checksum does not verify; the trace says what was overridden.
  auto wire = net::decode(net::encode(t.injected[0]));
  ASSERT_TRUE(wire.ok());
  EXPECT_FALSE(wire->checksum_ok);
  int injected = 0;
  for (const auto& e : r.trace.entries) {
    if (e.kind != run::TraceEntry::Kind::Injected) continue;
    if (injected == 0) {
      EXPECT_TRUE(e.segment && e.segment->corrupt_checksum);
      EXPECT_NE(e.text.find("// inject: tcp-checksum=bad"), std::string::npos) << e.text;
      EXPECT_FALSE(net::decode(e.wire)->checksum_ok);
    }
    if (injected == 1) {
      EXPECT_NE(e.text.find("dst=192.0.2.255"), std::string::npos) << e.text;
    }
    if (injected == 4) {
      EXPECT_EQ(e.text.find("inject"), std::string::npos) << e.text;
    }
    ++injected;
  }
  EXPECT_EQ(injected, 5);
}

TEST(InjectOverrides, Ipv6RunsOverrideIpv6Addresses) {
  FakeTarget t;
  auto r = run::execute(parse_ok("--ip_version=ipv6\n"
                                 "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
                                 "+0 < S 0:0(0) win 1000 // inject: src=2001:db8::ff dst=2001:db8::2 tcp-checksum=bad\n"),
                        t, {});
  ASSERT_EQ(r.verdict.status, Status::Pass) << why(r);
  ASSERT_EQ(t.injected.size(), 1u);
  EXPECT_EQ(t.injected[0].src.to_string(), "2001:db8::ff");
  EXPECT_EQ(t.injected[0].dst.to_string(), "2001:db8::2");
  EXPECT_FALSE(net::decode(net::encode(t.injected[0]))->checksum_ok);
}

TEST(InjectOverrides, AnAddressOfTheOtherIpVersionThanTheRunIsAnError) {
  // The script does not say --ip_version, so the parser accepts it; the run is IPv6 by override.
  FakeTarget t;
  run::ExecOptions o;
  o.overrides.push_back({"ip_version", "ipv6", {}});
  auto r = run::execute(parse_ok("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
                                 "+0 < S 0:0(0) win 1000 // inject: src=192.0.2.255\n"),
                        t, o);
  EXPECT_EQ(r.verdict.status, Status::Error);
  EXPECT_NE(r.verdict.reason.find("line 2: inject: src=192.0.2.255: an IPv4 address, but the script runs over IPv6"),
            std::string::npos)
      << r.verdict.reason;
  EXPECT_TRUE(t.injected.empty());
}

TEST(InjectOverrides, ApplyInjectRefusesAddressesOutsideTheDocumentationRanges) {
  // An AST built in code (the fuzzer, tools) gets the same check as a parsed script.
  targets::Network network;
  Segment seg;
  seg.src = network.remote;
  seg.dst = network.local;
  script::InjectOverrides bad;
  bad.dst = "240.0.0.8";
  auto r = run::apply_inject(bad, network, seg);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("documentation"), std::string::npos);
  EXPECT_EQ(seg.dst, network.local);
  script::InjectOverrides junk;
  junk.src = "not-an-address";
  EXPECT_FALSE(run::apply_inject(junk, network, seg).ok());
  script::InjectOverrides good;
  good.src = "127.0.0.1";
  good.bad_tcp_checksum = true;
  ASSERT_TRUE(run::apply_inject(good, network, seg).ok());
  EXPECT_EQ(seg.src.to_string(), "127.0.0.1");
  EXPECT_TRUE(seg.corrupt_checksum);
}

// ---- MUST-69: zero fill after EOL in what the stack sends ----

// The SYN-ACK the fake stack sends, through the wire codec, with `fill` after its EOL.
Segment synack_with_eol_fill(const Segment& r, std::vector<std::uint8_t> fill) {
  Segment s = r;
  s.options = {net::TcpOption::mss(1460), net::TcpOption::eol()};
  s.after_eol = std::move(fill);
  auto decoded = net::decode(net::encode(s));  // a crafted packet, as a target would read it
  EXPECT_TRUE(decoded.ok());
  return *decoded;
}

const char* kEolScript = R"(
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0    < S 0:0(0) win 1000 <mss 1000,eol>
+0    > S. 0:0(0) ack 1 OPTIONS
)";

std::string eol_script(const char* options) {
  std::string text = kEolScript;
  text.replace(text.find("OPTIONS"), 7, options);
  return text;
}

TEST(EolZeroFill, NonZeroBytesAfterEolFailTheScriptNamingMust69) {
  for (const char* options : {"<mss 1460,eol>", "<...>"}) {
    SCOPED_TRACE(options);
    FakeTarget t;
    listener(t, [](const Segment& r) { return synack_with_eol_fill(r, {0, 1, 0}); });
    auto r = run::execute(parse_ok(eol_script(options)), t, {});
    ASSERT_EQ(r.verdict.status, Status::Fail);
    EXPECT_NE(r.verdict.failure->message.find("MUST-69"), std::string::npos) << r.verdict.failure->message;
    EXPECT_NE(r.verdict.failure->message.find("header offset 26"), std::string::npos) << r.verdict.failure->message;
    EXPECT_NE(r.verdict.failure->actual.find("non-zero after eol"), std::string::npos) << r.verdict.failure->actual;
    EXPECT_EQ(r.verdict.failure->line, 6);
  }
}

TEST(EolZeroFill, ZeroFillPasses) {
  for (const char* options : {"<mss 1460,eol>", "<...>"}) {
    SCOPED_TRACE(options);
    FakeTarget t;
    listener(t, [](const Segment& r) { return synack_with_eol_fill(r, {0, 0, 0}); });
    auto r = run::execute(parse_ok(eol_script(options)), t, {});
    EXPECT_EQ(r.verdict.status, Status::Pass) << why(r);
  }
}

// ---- explicit sockaddrs in bind() and connect() ----

struct Prepared {
  run::PreparedCall call;
  std::string error() const { return call.invalid + call.unsupported; }
};

Prepared prepare(const std::string& line, targets::Network network = {}) {
  auto script = parse_ok("0 " + line + "\n");
  run::CallContext ctx;
  ctx.network = network;
  return {run::prepare_call(std::get<script::SyscallSpec>(script.events[0].body), ctx)};
}

TEST(Sockaddr, Ipv4AndIpv6FormsGiveAddressAndPort) {
  auto v4 = prepare(R"(connect(3, {sa_family=AF_INET, sin_port=htons(8081), sin_addr=inet_addr("192.0.2.255")}, 16) = -1)");
  ASSERT_TRUE(v4.call.call) << v4.error();
  EXPECT_EQ(v4.call.call->op, targets::SysOp::Connect);
  EXPECT_EQ(v4.call.call->address.to_string(), "192.0.2.255");
  EXPECT_EQ(v4.call.call->port, 8081);
  targets::Network v6net;
  v6net.ip_version = net::IpVersion::v6;
  v6net.local = *net::IpAddress::parse("2001:db8::1");
  v6net.remote = *net::IpAddress::parse("2001:db8:1::1");
  auto v6 = prepare(R"(bind(3, {sa_family=AF_INET6, sin6_port=htons(8080), sin6_addr=inet6_addr("2001:db8::1")}, 28) = 0)", v6net);
  ASSERT_TRUE(v6.call.call) << v6.error();
  EXPECT_EQ(v6.call.call->op, targets::SysOp::Bind);
  EXPECT_EQ(v6.call.call->address.to_string(), "2001:db8::1");
  EXPECT_EQ(v6.call.call->port, 8080);
  auto plain_port = prepare(R"(bind(3, {sin_family=AF_INET, sin_port=9000, sin_addr=inet_addr("127.0.0.1")}, 16) = 0)");
  ASSERT_TRUE(plain_port.call.call) << plain_port.error();
  EXPECT_EQ(plain_port.call.call->port, 9000);
}

TEST(Sockaddr, BindTakesTheWildcardAddress) {
  for (const char* addr : {"inet_addr(\"0.0.0.0\")", "INADDR_ANY", "htonl(INADDR_ANY)"}) {
    auto p = prepare(std::string("bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=") + addr + "}, 16) = 0");
    ASSERT_TRUE(p.call.call) << addr << ": " << p.error();
    EXPECT_EQ(p.call.call->address.to_string(), "0.0.0.0");
  }
  auto connect_any = prepare(R"(connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("0.0.0.0")}, 16) = 0)");
  EXPECT_FALSE(connect_any.call.call);
  EXPECT_NE(connect_any.call.invalid.find("only allowed in bind()"), std::string::npos) << connect_any.error();
}

TEST(Sockaddr, Ipv4MappedRunsMapIpv4AddressesLikeTheEllipsis) {
  targets::Network mapped;
  mapped.ipv4_mapped_ipv6 = true;
  auto p = prepare(R"(connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("198.51.100.1")}, 16) = 0)", mapped);
  ASSERT_TRUE(p.call.call) << p.error();
  EXPECT_EQ(p.call.call->address.to_string(), "::ffff:198.51.100.1");
  auto ellipsis = prepare("connect(3, ..., ...) = 0", mapped);
  EXPECT_EQ(ellipsis.call.call->address, p.call.call->address);
}

TEST(Sockaddr, BadSockaddrsAreInvalidCallsWithAClearMessage) {
  const std::pair<const char*, const char*> cases[] = {
      {R"(connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("240.0.0.8")}, 16) = 0)",
       "connect(): sockaddr address inet_addr(\"240.0.0.8\"): only documentation ranges"},
      {R"(connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_adr=inet_addr("192.0.2.1")}, 16) = 0)",
       "unknown sockaddr field 'sin_adr'"},
      {R"(connect(3, {sa_family=AF_UNIX, sin_port=htons(8080), sin_addr=inet_addr("192.0.2.1")}, 16) = 0)",
       "sa_family=AF_UNIX: expected AF_INET or AF_INET6"},
      {R"(connect(3, {sa_family=AF_INET, sin_port=htons(70000), sin_addr=inet_addr("192.0.2.1")}, 16) = 0)",
       "sin_port=htons(70000): expected a port"},
      {R"(connect(3, {sa_family=AF_INET, sin_addr=inet_addr("192.0.2.1")}, 16) = 0)",
       "needs sa_family, a port"},
      {R"(connect(3, {sa_family=AF_INET, sin_port=htons(1), sin_addr=inet_addr("192.0.2.300")}, 16) = 0)",
       "not an IPv4 address"},
      {R"(connect(3, {sa_family=AF_INET, sin_port=htons(1), sin_addr=inet6_addr("2001:db8::1")}, 16) = 0)",
       "use inet_addr with sa_family=AF_INET"},
      {R"(connect(3, {sa_family=AF_INET6, sin6_port=htons(1), sin6_addr=inet6_addr("2001:db8::1")}, 28) = 0)",
       "an AF_INET6 sockaddr in an IPv4 run"},
      {R"(connect(3, {sa_family=AF_INET, sin6_port=htons(1), sin_addr=inet_addr("192.0.2.1")}, 16) = 0)",
       "AF_INET and AF_INET6 mixed"},
      {R"(connect(3, {sa_family=AF_INET, sin_port=htons(1), sin_addr="192.0.2.1"}, 16) = 0)",
       "expected inet_addr(\"192.0.2.1\") or INADDR_ANY"},
      {"connect(3, 7, 16) = 0", "expected '...' or a sockaddr"},
  };
  for (const auto& [line, message] : cases) {
    SCOPED_TRACE(line);
    auto p = prepare(line);
    EXPECT_FALSE(p.call.call);
    EXPECT_TRUE(p.call.unsupported.empty()) << p.call.unsupported;
    EXPECT_NE(p.call.invalid.find(message), std::string::npos) << p.call.invalid;
  }
}

TEST(Sockaddr, TheExecutorPassesTheAddressToTheTargetOrStopsWithAnInputError) {
  FakeTarget t;
  t.on_call = [](FakeTarget&, const targets::SocketCall& c) {
    targets::CallOutcome o;
    if (c.op == targets::SysOp::Socket) o.result.ret = 3;
    if (c.op == targets::SysOp::Connect) { o.result.ret = -1; o.result.err = ENETUNREACH; }
    return o;
  };
  auto ok = run::execute(parse_ok(
      "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
      "+0 connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"192.0.2.255\")}, 16)"
      " = -1 ENETUNREACH (Network is unreachable)\n"), t, {});
  ASSERT_EQ(ok.verdict.status, Status::Pass) << why(ok);
  ASSERT_EQ(t.calls.size(), 2u);
  EXPECT_EQ(t.calls[1].address.to_string(), "192.0.2.255");
  EXPECT_EQ(t.calls[1].port, 8080);
  FakeTarget t2;
  t2.on_call = t.on_call;
  auto bad = run::execute(parse_ok(
      "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
      "+0 connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"240.1.2.3\")}, 16) = 0\n"), t2, {});
  EXPECT_EQ(bad.verdict.status, Status::Error);
  EXPECT_NE(bad.verdict.reason.find("line 2: connect(): sockaddr address"), std::string::npos) << bad.verdict.reason;
  EXPECT_EQ(t2.calls.size(), 1u);  // the connect() never reached the target
}

}  // namespace
}  // namespace synack
