#include "harness/cli/agent_cmd.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/cli/options.h"
#include "targets/remote/agent.h"

namespace synack::cli {
namespace {

constexpr const char* kAgentHelp = R"(usage: synack agent --listen HOST:PORT [--once]
       synack agent --fd N

Runs on the host of the stack under test and executes the socket calls and shell lines of the
scripts that `synack run --target remote` plays against that host (README: "Remote target").
Calls run on real sockets of this host; shell lines run with /bin/sh here. Use it only on an
isolated test link: whoever connects can run commands with the agent's privileges.

options:
  --listen HOST:PORT   accept injectors on this TCP address, one at a time (e.g. 192.0.2.1:7100)
  --once               serve one injector, then exit
  --fd N               serve the connected stream socket N (inherited), then exit
)";

int listen_on(const std::string& address, std::ostream& err) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) { err << "synack agent: --listen expects HOST:PORT\n"; return -1; }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string host = address.substr(0, colon), port = address.substr(colon + 1);
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    err << "synack agent: " << address << ": " << ::gai_strerror(rc) << "\n";
    return -1;
  }
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const bool ok = fd >= 0 && ::bind(fd, found->ai_addr, found->ai_addrlen) == 0 && ::listen(fd, 1) == 0;
  ::freeaddrinfo(found);
  if (!ok) {
    err << "synack agent: cannot listen on " << address << ": " << std::strerror(errno) << "\n";
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int cmd_agent(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto parsed = parse_args(args, {{"listen"}, {"fd"}, {"once", false}, {"help", false}, {"h", false}});
  if (parsed.has("help") || parsed.has("h")) { out << kAgentHelp; return 0; }
  if (!parsed.error.empty() || parsed.has("listen") == parsed.has("fd") || !parsed.positional.empty()) {
    err << "synack agent: " << (parsed.error.empty() ? "give --listen HOST:PORT or --fd N" : parsed.error) << "\n" << kAgentHelp;
    return 2;
  }
  if (auto fd = parsed.get("fd")) {
    auto r = remote::serve_agent(std::atoi(fd->c_str()));
    if (!r) { err << "synack agent: " << r.error().message << "\n"; return 1; }
    return 0;
  }
  const int listener = listen_on(*parsed.get("listen"), err);
  if (listener < 0) return 2;
  out << "synack agent: listening on " << *parsed.get("listen") << std::endl;
  do {
    const int control = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (control < 0) { if (errno == EINTR) continue; err << "synack agent: accept: " << std::strerror(errno) << "\n"; return 1; }
    // Each injector starts from a clean slate: its sockets are closed when it hangs up.
    auto r = remote::serve_agent(control);
    ::close(control);
    if (!r) err << "synack agent: " << r.error().message << "\n";
  } while (!parsed.has("once"));
  ::close(listener);
  return 0;
}

}  // namespace synack::cli
