// Turns a script's syscall line into a typed SocketCall for the target, and checks what came back
// against what the line expects.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include "harness/script/ast.h"
#include "targets/target.h"

namespace synack::run {

// Per-script state the calls share: the fd map and the stream positions.
struct CallContext {
  targets::Network network;
  std::uint16_t local_port = 8080;    // the stack's port for bind(..., ...)
  std::uint16_t remote_port = 34000;  // the peer's port for connect(..., ...)
  std::map<std::string, std::string> defines;
  std::map<std::int64_t, int> fds;           // script fd -> target fd
  std::map<int, std::uint64_t> bytes_written;  // target fd -> bytes the application wrote
  std::map<int, std::uint64_t> bytes_read;     // target fd -> peer stream offset read up to
  // Peer stream offsets of the urgent bytes the peer sent (the octet before SEG.SEQ+SEG.UP, as
  // Linux and BSD read the pointer). A stack may deliver such a byte in line or take it out of
  // the stream (out of band, without SO_OOBINLINE; RFC 6093): reads accept either.
  std::set<std::uint64_t> urgent_offsets;
  std::optional<int> last_socket;              // target fd the latest connect/accept concerned
};

struct PreparedCall {
  std::optional<targets::SocketCall> call;
  std::string unsupported;  // the harness cannot express this call: the script is skipped
  std::string invalid;      // the line's arguments make no sense: an input error
};

PreparedCall prepare_call(const script::SyscallSpec& spec, CallContext& ctx);

// Differences between the line's expectation and the result, one line each; empty on a match.
// Updates the context (new descriptors, stream positions).
std::vector<std::string> check_call_result(const script::SyscallSpec& spec,
                                           const targets::SocketCall& call,
                                           const targets::CallResult& result, CallContext& ctx);

std::string describe_result(const targets::CallResult& result);     // "4", "-1 ECONNREFUSED (...)"
std::string describe_expected_result(const script::SyscallSpec& spec);

// Evaluates an integer expression (ints, symbols, defines, A|B, htons(x)). nullopt if it is not one.
std::optional<std::int64_t> eval_int(const script::Expr& e, const std::map<std::string, std::string>& defines);

}  // namespace synack::run
