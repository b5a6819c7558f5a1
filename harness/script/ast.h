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
  bool operator==(const PacketSpec&) const = default;
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
  std::variant<PacketSpec, SyscallSpec, CommandSpec, AssertSpec> body;
  bool operator==(const Event& o) const { return time == o.time && body == o.body; }
};

// Metadata from the project's comment-borne extensions (packetdrill ignores them as comments).
struct Metadata {
  std::vector<std::string> requirements;  // "// requirement: MUST-13 SHLD-5"
  std::vector<std::string> rfc_refs;      // "// rfc: 9293 3.10.7.4; 5961 3.2" split on ';'
  std::vector<std::string> targets;       // "// targets: reference kernel"; empty = all
  std::string title;                      // "// title: ..."
  bool operator==(const Metadata&) const = default;
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
