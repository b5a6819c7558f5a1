// The ICMP type and code names an '< icmp' line may use, and the numbers they stand for on each IP
// version. Names are packetdrill's (its icmp_packet.c tables); on an IPv6 run an IPv4 name stands
// for its ICMPv6 counterpart (RFC 4443): unreachable -> Destination Unreachable with the matching
// code, frag_needed -> Packet Too Big, time_exceeded -> Time Exceeded. A name with no counterpart
// on the run's version is an error that says so. "type_N" and "code_N" (and plain numbers for the
// code) are taken literally on either version.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "harness/common/result.h"

namespace synack::script {

struct IcmpTypeCode {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  bool operator==(const IcmpTypeCode&) const = default;
};

// ICMPv4 (RFC 792) and ICMPv6 (RFC 4443) type numbers the harness names.
namespace icmp {
inline constexpr std::uint8_t kV4DestUnreachable = 3;
inline constexpr std::uint8_t kV4SourceQuench = 4;
inline constexpr std::uint8_t kV4TimeExceeded = 11;
inline constexpr std::uint8_t kV4ParameterProblem = 12;
inline constexpr std::uint8_t kV4FragNeeded = 4;  // Destination Unreachable code (RFC 1191)
inline constexpr std::uint8_t kV6DestUnreachable = 1;
inline constexpr std::uint8_t kV6PacketTooBig = 2;
inline constexpr std::uint8_t kV6TimeExceeded = 3;
inline constexpr std::uint8_t kV6ParameterProblem = 4;
}  // namespace icmp

// Checks a type and code as written (code empty: none written) without knowing the IP version:
// an empty string when some version gives them a meaning, else the message for the diagnostic.
// `code_at_fault` tells whether the message is about the code (else the type).
std::string check_icmp_names(std::string_view type, std::string_view code, bool& code_at_fault);

// Whether an "mtu N" may follow this type and code (frag_needed, packet_too_big, or Destination
// Unreachable code 4 written as a number).
bool icmp_takes_mtu(std::string_view type, std::string_view code);

// The numbers for a run over IPv4 (`ipv6` false) or IPv6; no code written means code 0.
Result<IcmpTypeCode> resolve_icmp(std::string_view type, std::string_view code, bool ipv6);

// The names, for messages: "unreachable, source_quench, time_exceeded, ...".
std::string icmp_type_names();
std::string icmp_code_names(std::string_view type);

}  // namespace synack::script
