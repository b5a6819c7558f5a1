// Native evaluation of the common form of packetdrill's %{ }% blocks:
//   %{ assert tcpi_state == TCP_ESTABLISHED }%
//   %{ assert tcpi_snd_cwnd >= 10 and tcpi_rto == 1000000, tcpi_rto }%
// Comparisons (chained as in Python), and/or/not, + - * / // %, parentheses, integers, True/False,
// tcpi_* fields from a TCP_INFO snapshot and TCP_ESTABLISHED-style names. Anything else is
// reported as unsupported, never passed.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace synack::run {

struct AssertOutcome {
  enum class Kind { Pass, Fail, Unsupported };
  Kind kind = Kind::Pass;
  std::string message;  // Fail: which assert and the values; Unsupported: what could not be read
};

AssertOutcome evaluate_asserts(const std::string& code, const std::map<std::string, std::int64_t>& tcp_info);

}  // namespace synack::run
