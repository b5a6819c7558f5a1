// Small helpers shared by the script tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "harness/script/parser.h"

namespace synack::script::testing {

inline Script parse_ok(std::string_view text) {
  ParseResult result = parse(text, "test.pkt");
  EXPECT_TRUE(result.ok()) << (result.diagnostics.empty() ? std::string("no diagnostic")
                                                          : result.diagnostics[0].render());
  return result.script.value_or(Script{});
}

inline Diagnostic parse_error(std::string_view text) {
  ParseResult result = parse(text, "test.pkt");
  EXPECT_FALSE(result.ok()) << "parsed, printed back as:\n" << (result.ok() ? print(*result.script) : "");
  if (result.diagnostics.empty()) {
    ADD_FAILURE() << "no diagnostic";
    return {};
  }
  return result.diagnostics[0];
}

// One event written after a "0 `true`" opener, so it may use any time.
inline Event second_event(std::string_view line) {
  Script script = parse_ok("0 `true`\n" + std::string(line) + "\n");
  if (script.events.size() != 2) {
    ADD_FAILURE() << "expected 2 events, got " << script.events.size();
    return {};
  }
  return script.events[1];
}

inline PacketSpec packet_of(std::string_view line) {
  Event event = second_event(line);
  const auto* packet = std::get_if<PacketSpec>(&event.body);
  if (!packet) {
    ADD_FAILURE() << "not a packet: " << line;
    return {};
  }
  return *packet;
}

inline SyscallSpec syscall_of(std::string_view line) {
  Event event = second_event(line);
  const auto* call = std::get_if<SyscallSpec>(&event.body);
  if (!call) {
    ADD_FAILURE() << "not a system call: " << line;
    return {};
  }
  return *call;
}

// parse -> print -> parse gives an equal AST.
inline void expect_round_trip(const Script& script) {
  std::string printed = print(script);
  ParseResult again = parse(printed, "printed.pkt");
  ASSERT_TRUE(again.ok()) << printed << "\n" << again.diagnostics[0].render();
  EXPECT_EQ(*again.script, script) << printed;
  EXPECT_EQ(print(*again.script), printed);
}

}  // namespace synack::script::testing
