// The AST of a .pkt script (SCRIPT-LANGUAGE.md). Produced by script::parse, printed back by
// script::print (parse -> print -> parse is the identity on the AST, locations aside).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "harness/common/time.h"

namespace synack::script {

struct SourceLoc {
  int line = 0;    // 1-based
  int column = 0;  // 1-based
};

// ---- Times -------------------------------------------------------------------------------------

// One point in time as written: "1.5" (absolute), "+.1" (relative), or "*" (any).
struct TimePoint {
  enum class Kind { Absolute, Relative, Any };
  Kind kind = Kind::Relative;
  Micros usecs = 0;
  bool operator==(const TimePoint&) const = default;
};

// The time column of an event.
//   "+0"          start only
//   "+1~+2"       range (outbound packets only): start..end
//   "0...0.2"     blocking syscall: start, then `end` is when it must return
struct EventTime {
  TimePoint start;
  std::optional<TimePoint> range_end;     // a~b
  std::optional<TimePoint> blocking_end;  // t1...t2
  bool operator==(const EventTime&) const = default;
};

// ---- Packets -----------------------------------------------------------------------------------

enum class Direction { Inbound /* '<' injected */, Outbound /* '>' the stack must send */ };

// IP-level annotation in [...] before the flags: [ect0], [ect1], [ce], [noecn], [tos 0x10],
// [ttl 32], [flowlabel 0x12345], or combinations like [ect0 ttl 2].
struct IpAnnotation {
  std::optional<std::uint8_t> ecn;  // 0 noecn, 1 ect1, 2 ect0, 3 ce
  std::optional<std::uint8_t> tos;
  std::optional<std::uint8_t> ttl;
  std::optional<std::uint32_t> flow_label;
  bool operator==(const IpAnnotation&) const = default;
};

// One TCP option as written in a script's <...> list.
struct OptionSpec {
  enum class Kind { Nop, Eol, Mss, Wscale, SackOk, Sack, Timestamp, Md5, FastOpen, FastOpenExp, Raw };
  Kind kind = Kind::Nop;
  std::uint32_t value = 0;  // mss N, wscale N; Timestamp: val
  std::uint32_t ecr = 0;    // Timestamp: ecr
  std::vector<std::pair<std::uint32_t, std::uint32_t>> sack_blocks;  // sack a:b c:d
  std::vector<std::uint8_t> bytes;  // FO/FOEXP cookie, md5 digest, Raw option value
  std::uint8_t raw_kind = 0;        // Raw: the option kind
  bool operator==(const OptionSpec&) const = default;
};

// Per-segment overrides for an inbound line, from a trailing comment on the same line:
//   +0 < S 0:0(0) win 65535 <mss 1000>   // inject: tcp-checksum=bad src=192.0.2.255
// Comment-borne like the metadata, so packetdrill reads the line as a plain packet.
struct InjectOverrides {
  bool bad_tcp_checksum = false;   // tcp-checksum=bad: the segment carries a wrong TCP checksum
  std::optional<std::string> src;  // src=ADDR: IP source of this one segment (canonical text)
  std::optional<std::string> dst;  // dst=ADDR: IP destination of this one segment
  std::vector<std::uint8_t> ip_options;  // ip-options=HEX: IPv4 header options, as raw octets
  bool empty() const { return !bad_tcp_checksum && !src && !dst && ip_options.empty(); }
  bool operator==(const InjectOverrides&) const = default;
};

// Checks beyond the TCP segment for an outbound line, from a trailing comment on the same line:
//   +0 > S. 0:0(0) ack 1 <...>   // expect: dst=192.0.2.10 ip-options=830b04cb007105c633640100
// Comment-borne like InjectOverrides. Without it the IP destination must be the scripted peer and
// IPv4 options are not checked.
struct ExpectChecks {
  // ip-options=HEX: the IPv4 header options, octet for octet (compared after zero-padding to 32
  // bits, as on the wire); ip-options=none: an empty vector, no options at all.
  std::optional<std::vector<std::uint8_t>> ip_options;
  std::optional<std::string> dst;  // dst=ADDR: the IP destination (canonical text), e.g. the first
                                   // hop of a source route, instead of the scripted peer
  bool empty() const { return !ip_options && !dst; }
  bool operator==(const ExpectChecks&) const = default;
};

struct PacketSpec {
  Direction direction = Direction::Inbound;
  std::optional<std::uint16_t> src_port;  // "src>dst" before the flags
  std::optional<std::uint16_t> dst_port;
  IpAnnotation ip;
  std::string flags;  // as written: "S", "S.", "P.", "F.", "R.", "-" (normalized order kept)
  std::uint32_t seq_start = 0;
  std::uint32_t seq_end = 0;
  std::uint32_t payload_len = 0;
  std::optional<std::uint32_t> ack;
  std::optional<std::uint32_t> win;
  std::optional<std::uint16_t> urg;
  // nullopt: no option list written (outbound: expect none). `options_any`: "<...>" written
  // (outbound: do not check options).
  std::optional<std::vector<OptionSpec>> options;
  bool options_any = false;
  InjectOverrides inject;  // inbound only; empty when the line has no "// inject:" comment
  ExpectChecks expect;     // outbound only; empty when the line has no "// expect:" comment
  bool operator==(const PacketSpec&) const = default;
};

// ---- ICMP messages -----------------------------------------------------------------------------

// The segment an injected ICMP error quotes (RFC 792: the invoking IP header and the first eight
// octets of its TCP header): one the STACK sent, written as on '>' lines, "[1:1001(1000)]", its
// sequence numbers relative to the stack's ISN. Optional explicit ports "[8080>34000 1:1001(1000)]"
// name the stack's port first, as the quoted segment went from the stack to the peer.
struct QuotedSegmentSpec {
  std::optional<std::uint16_t> src_port;  // the stack's port; default: the connection's
  std::optional<std::uint16_t> dst_port;  // the peer's port; default: the script's peer port
  std::uint32_t seq_start = 0;
  std::uint32_t seq_end = 0;
  std::uint32_t payload_len = 0;
  bool operator==(const QuotedSegmentSpec&) const = default;
};

// An ICMP error message the script injects, in packetdrill's syntax (inbound only):
//   +0 < icmp unreachable host_unreachable [1:1001(1000)]
//   +0 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]
//   +0 < icmp source_quench [1:1001(1000)]
//   +0 < icmp unreachable [5000:6000(1000)]      (no code: code 0, as packetdrill)
// Type and code are kept as written (a name, "type_N"/"code_N", or a number for the code); which
// numbers they stand for depends on the run's IP version (script::resolve_icmp, harness/script/
// icmp_names.h), which the parser does not know for certain (the command line may change it).
struct IcmpSpec {
  IpAnnotation ip;                  // "[tos 0x10]" etc. before "icmp": the ICMP packet's own header
  std::string type;                 // "unreachable", "source_quench", "type_5", ...
  std::string code;                 // "host_unreachable", "3", "code_3"; empty: none written
  std::optional<std::uint32_t> mtu;  // "mtu N": next-hop MTU (frag_needed, packet_too_big)
  std::optional<QuotedSegmentSpec> quoted;  // the "[...]" part; none: [0:0(0)] (packetdrill)
  bool operator==(const IcmpSpec&) const = default;
};

// ---- System calls ------------------------------------------------------------------------------

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

// Argument and result expressions of syscall lines:
//   42, -1, 0x10        Int
//   ...                 Ellipsis (harness fills it in)
//   SOCK_STREAM         Symbol
//   O_RDWR|O_NONBLOCK   BinaryOr (lhs, rhs)
//   [1], [1, 2]         List
//   {a=1, b=X}          Struct (named fields)
//   htons(8080)         Call (name + args)
//   "text"              String
//   NULL                Symbol "NULL"
struct Expr {
  enum class Kind { Int, Ellipsis, Symbol, BinaryOr, List, Struct, Call, String };
  Kind kind = Kind::Int;
  std::int64_t int_value = 0;
  std::string text;                   // Symbol name, Call name, String contents
  std::vector<ExprPtr> items;         // List items, Call args, BinaryOr {lhs, rhs}
  std::vector<std::pair<std::string, ExprPtr>> fields;  // Struct
  SourceLoc loc;
};
bool operator==(const Expr& a, const Expr& b);  // structural, ignores loc

struct SyscallSpec {
  std::string name;  // "socket", "accept", ...
  std::vector<ExprPtr> args;
  ExprPtr result;                  // "= 3", "= -1"
  std::optional<std::string> errno_name;  // "ECONNREFUSED"
  std::optional<std::string> errno_text;  // "(Connection refused)" contents, informative
  bool operator==(const SyscallSpec& o) const;
};

// ---- Shell commands and assertions -------------------------------------------------------------

struct CommandSpec {
  std::string command;  // text between the backticks
  bool operator==(const CommandSpec&) const = default;
};

// %{ ... }% block. The text is kept verbatim; evaluation (natively, for the assert subset) happens
// in harness/run, which reports anything it cannot evaluate as unsupported for that line.
struct AssertSpec {
  std::string code;
  bool operator==(const AssertSpec&) const = default;
};

// ---- Events and the script ---------------------------------------------------------------------

struct Event {
  SourceLoc loc;
  EventTime time;
  std::variant<PacketSpec, SyscallSpec, CommandSpec, AssertSpec, IcmpSpec> body;
  bool operator==(const Event& o) const { return time == o.time && body == o.body; }
};

// Metadata from the project's comment-borne extensions (packetdrill ignores them as comments).
struct Metadata {
  std::vector<std::string> requirements;  // "// requirement: MUST-13 SHLD-5"
  std::vector<std::string> rfc_refs;      // "// rfc: 9293 3.10.7.4; 5961 3.2" split on ';'
  std::vector<std::string> targets;       // "// targets: reference kernel"; empty = all
  std::string title;                      // "// title: ..."
  // "// probe: isn samples=2000": a built-in statistical check that runs after the script's own
  // events, on a fresh target (harness/run/probe.h). Empty: none. Names and parameters are
  // checked by the parser against the probes harness/run implements.
  std::string probe;
  std::map<std::string, std::string> probe_params;  // "samples" -> "2000"
  SourceLoc probe_loc;  // where the probe line is, for failure messages (not compared)
  bool operator==(const Metadata& o) const {
    return requirements == o.requirements && rfc_refs == o.rfc_refs && targets == o.targets &&
           title == o.title && probe == o.probe && probe_params == o.probe_params;
  }
};

struct OptionSetting {
  std::string name;   // "tolerance_usecs", "ip_version", "define" ...
  std::string value;  // may be empty for flag options
  SourceLoc loc;
  bool operator==(const OptionSetting& o) const { return name == o.name && value == o.value; }
};

struct Script {
  std::string path;
  std::vector<OptionSetting> options;           // leading --name=value lines, in order
  std::map<std::string, std::string> defines;   // -D SYMBOL=value / --define=SYMBOL=value
  std::vector<CommandSpec> init_commands;        // backticks before the first event (no time)
  std::vector<Event> events;
  std::vector<CommandSpec> cleanup_commands;     // backticks after the last event (no time)
  Metadata metadata;
  bool operator==(const Script& o) const {
    return options == o.options && defines == o.defines && init_commands == o.init_commands &&
           events == o.events && cleanup_commands == o.cleanup_commands && metadata == o.metadata;
  }
};

}  // namespace synack::script
