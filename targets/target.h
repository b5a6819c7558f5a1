// The Target interface: the only thing the executor knows about a stack under test.
//
// A target owns a clock (virtual for the reference stack, real for the kernel), accepts injected
// segments, reports the segments the stack sends and the completion of socket calls, and executes
// socket calls given in typed form (the executor has already turned script expressions into a
// SocketCall). Times are script time: microseconds since the script started.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/common/result.h"
#include "harness/common/time.h"
#include "harness/net/icmp.h"
#include "harness/net/segment.h"

namespace synack::targets {

struct Capabilities {
  std::string name;            // "reference", "kernel"
  std::string version;         // stack version or profile, for reports
  bool virtual_time = false;   // waiting costs no wall time
  bool syscalls = true;        // socket calls can be executed
  bool shell = false;          // backtick commands can be executed
  bool ipv6 = false;
};

// Addresses of one run. The stack under test is `local`, the scripted peer is `remote`
// (SCRIPT-LANGUAGE.md / packetdrill naming). Documentation ranges only.
struct Network {
  net::IpVersion ip_version = net::IpVersion::v4;
  bool ipv4_mapped_ipv6 = false;
  net::IpAddress local = net::IpAddress::v4(192, 0, 2, 1);
  net::IpAddress remote = net::IpAddress::v4(198, 51, 100, 1);
};

// Socket operations, with Linux's constant values (SOL_SOCKET, SO_KEEPALIVE, TCP_NODELAY,
// MSG_PEEK, O_NONBLOCK, POLLIN, ...) from the system headers.
enum class SysOp {
  Socket, Bind, Listen, Accept, Connect, Read, Write, Close, Shutdown, SetSockOpt, GetSockOpt,
  Fcntl, Poll
};

struct SocketCall {
  SysOp op = SysOp::Socket;
  std::string name;        // as written in the script: "recv", "send", "write", ...
  int fd = -1;             // the target's descriptor (the executor maps script fds)
  // socket()
  int domain = 0, type = 0, protocol = 0;
  // bind(), connect(): filled by the executor from the script's "..." (or explicit sockaddr)
  net::IpAddress address;
  std::uint16_t port = 0;
  bool has_address = false;  // sendto() with a destination (address, port)
  // listen()
  int backlog = 0;
  // read()/write() and friends: byte count, MSG_* flags, and for write the bytes to send
  std::size_t length = 0;
  int msg_flags = 0;
  std::vector<std::uint8_t> data;     // (also setsockopt IP_OPTIONS: the option bytes)
  // shutdown()
  int how = 0;
  // setsockopt()/getsockopt()
  int level = 0, optname = 0;
  std::int64_t int_value = 0;        // integer options (and l_onoff for SO_LINGER)
  std::int64_t linger_seconds = 0;   // SO_LINGER l_linger
  // fcntl()
  int fcntl_cmd = 0;
  std::int64_t fcntl_arg = 0;
  // poll(): one descriptor
  short poll_events = 0;
  int poll_timeout_ms = 0;
};

struct CallResult {
  std::int64_t ret = 0;  // return value; -1 with `err` on failure
  int err = 0;           // errno value (0 on success)
  std::vector<std::uint8_t> data;          // bytes read
  std::optional<std::int64_t> int_value;   // getsockopt of an integer option
  std::optional<std::int64_t> linger_seconds;  // getsockopt SO_LINGER
  std::map<std::string, std::int64_t> tcp_info;  // getsockopt TCP_INFO: "tcpi_state" -> 1, ...
  short revents = 0;  // poll()
};

using CallId = std::uint64_t;

// What `call` says: done now, or blocked (a blocking socket with nothing to do yet); a blocked
// call completes later through an Observation of kind CallDone carrying the same id.
struct CallOutcome {
  bool pending = false;
  CallId id = 0;
  CallResult result;  // when !pending
};

struct Observation {
  enum class Kind { Segment, Malformed, CallDone };
  Kind kind = Kind::Segment;
  Micros time = 0;                     // when it happened (script time)
  std::vector<std::uint8_t> wire;      // Segment/Malformed: the packet as the stack sent it
  net::Segment segment;                // Segment: decoded (checksum_ok says if the checksum held)
  std::string error;                   // Malformed: why it could not be decoded
  CallId call = 0;                     // CallDone
  CallResult result;                   // CallDone
};

class Target {
 public:
  virtual ~Target() = default;

  virtual Capabilities capabilities() const = 0;

  // Current script time.
  virtual Micros now() = 0;

  // Called once after the init commands, before the first event: script time 0 is now. (A
  // real-time target moves its origin; a virtual-time target, which runs no commands, need not.)
  virtual void restart_clock() {}

  // Injects a segment at now(). The target serializes it to the wire (checksums computed).
  virtual void inject(const net::Segment& segment) = 0;

  // Injects an ICMP or ICMPv6 error message at now() (a '< icmp' line). A target that cannot
  // returns an error whose message is the reason; the script is then reported as skipped.
  virtual Result<void> inject_icmp(const net::IcmpMessage& /*message*/) {
    return make_error("ICMP injection is not supported by the " + capabilities().name + " target");
  }

  // Runs the stack until it emits something or `deadline` passes. Returns the first observation
  // (time <= deadline), or nullopt with now() == deadline. A virtual-time target jumps from timer
  // to timer; a real-time target sleeps/polls.
  virtual std::optional<Observation> wait(Micros deadline) = 0;

  // Executes a socket call at now().
  virtual CallOutcome call(const SocketCall& call) = 0;

  // Runs a shell command (backtick line) in the target's environment. Targets without a shell
  // return an error whose message is the reason (the script is then reported as skipped).
  virtual Result<void> shell(std::string_view command) = 0;
};

}  // namespace synack::targets
