// Building the ICMP error message of an '< icmp' line: the type and code for the run's IP
// version, and the quoted segment mapped from the script's relative view to the wire.
#pragma once

#include <cstdint>

#include "harness/common/result.h"
#include "harness/net/icmp.h"
#include "harness/run/connection.h"
#include "harness/script/ast.h"
#include "targets/target.h"

namespace synack::run {

// The message for `spec`. It comes from the scripted peer's address (as if the peer host or a
// router in front of it reported the error) to the stack, and quotes a segment the stack sent
// on `conn`: the stack's address and port as source, the peer's as destination, the sequence
// number made absolute with the stack's ISN. Errors: a name with no meaning on the run's IP
// version, an MTU that does not fit the ICMPv4 field.
Result<net::IcmpMessage> build_icmp(const script::IcmpSpec& spec, const Connection& conn,
                                    const targets::Network& network, std::uint16_t default_stack_port);

// The message as the script sees it: the quoted sequence number relative to the stack's ISN.
net::IcmpMessage relative_icmp(const net::IcmpMessage& message, const Connection& conn);

}  // namespace synack::run
