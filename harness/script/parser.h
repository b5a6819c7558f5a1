// Lexer + parser for the packetdrill dialect of SCRIPT-LANGUAGE.md, and the printer.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "harness/script/ast.h"
#include "harness/script/diagnostic.h"

namespace synack::script {

struct ParseResult {
  std::optional<Script> script;          // set when there is no error
  std::vector<Diagnostic> diagnostics;   // errors (first one is the one to show)
  bool ok() const { return script.has_value(); }
};

// Parses script text. `path` is used in diagnostics only. Never throws and never crashes on any
// input (binary garbage, NUL bytes, huge lines): bad input gives a diagnostic.
ParseResult parse(std::string_view text, std::string path = "<input>");

// Reads and parses a file; an unreadable file is a diagnostic at 0:0.
ParseResult parse_file(const std::string& path);

// Writes the AST back as script text that parses to an equal AST.
std::string print(const Script& script);
std::string print_event(const Event& event);
std::string print_packet(const PacketSpec& packet);   // "< S 0:0(0) win 32792 <mss 1000>"
// "// inject: tcp-checksum=bad src=192.0.2.255" ("" when there are no overrides). print_packet
// appends it to an inbound line that has overrides.
std::string print_inject(const InjectOverrides& inject);
// "// expect: dst=192.0.2.10 ip-options=none" ("" when there are no checks); print_packet appends
// it to an outbound line that has checks.
std::string print_expect(const ExpectChecks& expect);
std::string print_syscall(const SyscallSpec& call);   // "accept(3, ..., ...) = 4"
std::string print_icmp(const IcmpSpec& icmp);  // "< icmp unreachable frag_needed mtu 1200 [1:1461(1460)]"
std::string print_expr(const Expr& expr);
std::string print_time(const EventTime& time);        // "+0", "0...0.2", "+1~+2", "*"

}  // namespace synack::script
