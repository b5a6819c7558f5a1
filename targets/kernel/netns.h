// The kernel target's sandbox: a private network namespace with a TUN device that carries the
// traffic between the stack under test and the scripted peer. Only the calling process (and what
// it starts) sees the namespace; it disappears when the process exits, also on a crash or kill.
#pragma once

#include <string>

#include "harness/common/result.h"
#include "targets/target.h"

namespace synack::kernel {

inline constexpr const char* kTunName = "synack0";
inline constexpr int kTunMtu = 1500;

// Root or CAP_NET_ADMIN + CAP_SYS_ADMIN, and /dev/net/tun. The error is one line saying what is
// missing.
Result<void> check_privileges();

// unshare(CLONE_NEWNET) for the calling process, then inside the new namespace only: loopback up
// and IPv6 autoconfiguration noise (DAD, router solicitations) off.
Result<void> enter_private_namespace();

// Creates the TUN device (IFF_TUN | IFF_NO_PI), gives it the stack's addresses (IPv4 and IPv6),
// and routes the peer's addresses through it. Returns the non-blocking TUN descriptor.
Result<int> create_tun(const targets::Network& network);

// What the reports call this stack: "Linux 6.18.44, tcp_congestion_control bbr". The congestion
// control (per namespace, inherited from the host's default) decides cwnd growth and the pacing
// that sizes Linux's GSO bursts, so a result is read against it.
std::string system_version();

}  // namespace synack::kernel
