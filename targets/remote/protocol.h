// The control protocol between the remote target (the injector) and `synack agent` (the process
// next to the stack under test that executes the script's socket calls and shell lines).
//
// A message is a 4-octet big-endian length followed by that many octets of JSON text, over any
// stream: a Unix socketpair when the agent runs in a network namespace of the same machine, a TCP
// connection when it runs on another host. The exchange:
//   agent -> injector  {"type":"hello","version":"Linux 6.1.0"}             once, first
//   injector -> agent  {"type":"call","call":{SocketCall}}
//   agent -> injector  {"type":"outcome","pending":false,"id":0,"result":{CallResult}}
//   injector -> agent  {"type":"shell","command":"sysctl -q ..."}
//   agent -> injector  {"type":"shell_done","error":""}                     "" on success
//   agent -> injector  {"type":"done","id":7,"result":{CallResult}}        a pending call ended
// Requests are answered in order, one at a time; "done" messages may come at any moment.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/common/result.h"
#include "targets/target.h"

namespace synack::remote {

using Json = nlohmann::json;

Json to_json(const targets::SocketCall& call);
Result<targets::SocketCall> call_from_json(const Json& j);
Json to_json(const targets::CallResult& result);
Result<targets::CallResult> result_from_json(const Json& j);

// Frames and sends one message; blocks until it is written (the peer reads promptly).
Result<void> send_message(int fd, const Json& message);

// Collects the bytes of a stream into whole messages.
class MessageReader {
 public:
  // Reads what is available on a non-blocking fd (or blocks once on a blocking one). An error
  // means the connection is gone (EOF) or a message is not valid.
  Result<void> read_from(int fd);
  // The next whole message, if one has arrived.
  std::optional<Json> next();
  // Appends raw bytes (tests).
  void feed(const std::uint8_t* data, std::size_t size);

 private:
  std::vector<std::uint8_t> buffer_;
  std::string error_;
};

// The framed form of a message (tests and send_message).
std::vector<std::uint8_t> frame(const Json& message);

}  // namespace synack::remote
