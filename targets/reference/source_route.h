// IPv4 source routes (RFC 791 §3.1 LSRR and SSRR) as TCP uses them: RFC 9293 §3.9.2.1 and
// RFC 1122 §3.2.1.8 and §4.2.3.8. The pure parts, for source_route.cpp and its tests.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "harness/common/result.h"
#include "harness/net/segment.h"
#include "targets/reference/tcb.h"

namespace synack::reference {

inline constexpr std::uint8_t kIpOptionLsrr = 131;  // loose source and record route
inline constexpr std::uint8_t kIpOptionSsrr = 137;  // strict source and record route

// An LSRR or SSRR option as it arrived: its pointer and every address slot.
struct ReceivedRoute {
  bool strict = false;
  std::uint8_t pointer = 4;               // RFC 791: offset (from 1) of the next slot to use
  std::vector<net::IpAddress> addresses;  // every slot, in order
  // Pointer past the last slot: the route is used up and this host is its final destination;
  // each slot now holds the address a gateway recorded (RFC 791, "route data is complete").
  bool completed() const { return pointer > 3 + 4 * addresses.size(); }
};

// The LSRR or SSRR option among a datagram's IPv4 options; nullopt when there is none. An
// error (its text says why) for a route option that is not 3 + 4n octets, a pointer below 4 or
// off a slot boundary, or a second route option.
Result<std::optional<ReceivedRoute>> find_source_route(std::span<const std::uint8_t> ip_options);

// RFC 1122 §3.2.1.8 (c): the route back, the recorded addresses reversed; the gateway nearest this
// host becomes the first hop. A recorded address equal to the datagram's `source` (the sender
// recorded itself, case B of the RFC's discussion) is left out, so the route stays well formed.
SourceRoute return_route(const ReceivedRoute& received, const net::IpAddress& source);

// IP_OPTIONS as an application gives it (RFC 1122 §4.2.3.8, MUST-51): one LSRR or SSRR option
// whose pointer is 4 and whose slots are the gateways in order, with NOP or EOL padding; an
// empty buffer clears the route. As Linux's ip_options_compile: 1 to 9 slots, or an error.
Result<SourceRoute> parse_user_source_route(std::span<const std::uint8_t> options);

// Sends `seg` along `route`: its IP destination (the connection's remote address) moves to the
// option's last slot, the first hop becomes the destination, the option is padded with EOL.
void put_source_route(const SourceRoute& route, net::Segment& seg);

}  // namespace synack::reference
