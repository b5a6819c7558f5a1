// The remote target's link to the stack under test: a packet socket on the injector's interface,
// the control connection to the agent, and the stack's link-layer address.
//
// The veth test bed models two hosts on one machine. The run's process (already in a private
// network namespace, "the injector host") forks the agent, which unshares a network namespace of
// its own ("the target host"); a veth pair joins the two:
//
//   injector ns: synack-inj 00:00:5e:00:53:02, peer addresses (198.51.100.1/32, 2001:db8:1::1/128),
//                nftables drops every TCP segment addressed to this kernel (it would answer with
//                RSTs); AF_PACKET socket: injects IP datagrams, captures the stack's
//   target ns:   synack-tgt 00:00:5e:00:53:01, stack addresses (192.0.2.1/24, 2001:db8::1/64),
//                host routes and permanent neighbour entries for the peer, ARP off; the agent
//                runs the socket calls here
//
// Checksum offload (and segmentation/receive offloads) are off on both ends, so the stack's
// segments are captured with the checksums it computed, and a segment injected with a bad
// checksum is not taken as verified. MAC addresses come from the documentation block of RFC 7042.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>

#include "harness/common/result.h"
#include "targets/target.h"

namespace synack::remote {

using Mac = std::array<std::uint8_t, 6>;

struct Link {
  int packet_fd = -1;        // AF_PACKET SOCK_DGRAM, non-blocking, bound to the interface
  int ifindex = 0;
  Mac target_mac{};          // where injected datagrams go
  int control_fd = -1;       // stream to the agent, non-blocking
  pid_t agent_pid = -1;      // the agent's process when this process started it (veth), else -1
  std::string version;       // the agent's system ("Linux 6.1.0")
  std::string veth;          // the injector's end of the veth pair, deleted with the link ("" if none)
};

// Releases a link: hangs up on the agent (which then exits), reaps the agent started here (ending
// it by its PID if it lingers) and deletes the veth pair.
void close_link(Link& link);

// Checksum, segmentation and receive offloads off on `interface` (SIOCETHTOOL, no ethtool binary
// needed). The veth test bed does it on both ends; on a real link it is the user's step.
Result<void> disable_offloads(const std::string& interface);

// Root, and the `ip` and `nft` programs. The error is one line saying what is missing.
Result<void> check_veth_requirements();

// Builds the veth test bed described above. Must run in a process that is already inside its
// own private network namespace (kernel::enter_private_namespace), before it starts threads.
Result<Link> create_veth_testbed(const targets::Network& network);

// A real remote host: `interface` is the injector's test interface, `agent` the HOST:PORT where
// `synack agent --listen` waits, `target_mac` the stack's link-layer address on that link.
Result<Link> connect_remote_host(const std::string& interface, const std::string& agent, const std::string& target_mac);

}  // namespace synack::remote
