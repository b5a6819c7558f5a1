#include "targets/remote/agent.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include <string>
#include <vector>

#include "targets/kernel/netns.h"
#include "targets/kernel/socket_calls.h"
#include "targets/remote/protocol.h"

namespace synack::remote {
namespace {

// Answers one request of the injector.
Result<void> handle_request(int control, const Json& request, kernel::SocketCalls& calls) {
  const std::string type = request.value("type", "");
  if (type == "call") {
    auto call = call_from_json(request.value("call", Json::object()));
    if (!call) return call.error();
    const targets::CallOutcome outcome = calls.call(*call);
    return send_message(control, Json{{"type", "outcome"}, {"pending", outcome.pending}, {"id", outcome.id},
                                      {"result", to_json(outcome.result)}});
  }
  if (type == "shell") {
    // Runs to completion before the next request, as on the kernel target.
    auto r = kernel::run_shell(request.value("command", ""));
    return send_message(control, Json{{"type", "shell_done"}, {"error", r ? "" : r.error().message}});
  }
  return make_error("unknown request type '" + type + "'");
}

// The descriptors open in this process.
std::set<int> open_descriptors() {
  std::set<int> fds;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    fds.insert(std::atoi(it->path().filename().c_str()));
  }
  return fds;
}

// Closes the sockets a session opened, so that the next injector served by a long-lived agent
// (`synack agent --listen`) finds the stack's ports free. The close is abortive (SO_LINGER with a
// zero timeout: a RST, no TIME-WAIT), so that the next script's connection on the same 4-tuple
// does not meet the last one's.
void close_sockets_except(const std::set<int>& keep) {
  for (int fd : open_descriptors()) {
    struct stat st {};
    if (keep.count(fd) || ::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    const linger abort{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    ::close(fd);
  }
}

Result<void> serve(int control);

}  // namespace

Result<void> serve_agent(int control) {
  const std::set<int> before = open_descriptors();
  Result<void> r = serve(control);
  close_sockets_except(before);
  return r;
}

namespace {

Result<void> serve(int control) {
  ::signal(SIGPIPE, SIG_IGN);
  ::fcntl(control, F_SETFL, ::fcntl(control, F_GETFL) | O_NONBLOCK);
  kernel::SocketCalls calls;
  if (auto r = send_message(control, Json{{"type", "hello"}, {"version", kernel::system_version()}}); !r) return r;
  MessageReader reader;
  std::vector<pollfd> fds;
  for (;;) {
    // Completions first: a call that became ready is reported the moment it is seen.
    while (auto done = calls.next_completion()) {
      auto r = send_message(control, Json{{"type", "done"}, {"id", done->call}, {"result", to_json(done->result)}});
      if (!r) return r;
    }
    fds.assign({{control, POLLIN, 0}});
    calls.append_poll_fds(fds);
    const Micros deadline = calls.next_deadline();
    const Micros left = deadline == kNever ? -1 : std::max<Micros>(0, deadline - calls.now());
    timespec ts{static_cast<time_t>(left / kMicrosPerSecond), static_cast<long>(left % kMicrosPerSecond) * 1000};
    ::ppoll(fds.data(), fds.size(), left < 0 ? nullptr : &ts, nullptr);
    if (fds[1].revents & POLLIN) calls.clear_wakeup();
    if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    if (auto r = reader.read_from(control); !r) {
      // The injector hanging up ends the run: the normal way an agent ends.
      if (r.error().message.find("closed") != std::string::npos) return {};
      return r;
    }
    while (auto request = reader.next()) {
      if (auto r = handle_request(control, *request, calls); !r) return r;
    }
  }
}

}  // namespace

}  // namespace synack::remote
