#include "harness/script/syscalls.h"

#include <algorithm>
#include <array>

namespace synack::script {
namespace {

constexpr std::array<std::string_view, 33> kSyscalls = {
    "socket",     "bind",        "listen",      "accept",       "accept4",   "connect",
    "read",       "readv",       "recv",        "recvfrom",     "recvmsg",   "write",
    "writev",     "send",        "sendto",      "sendmsg",      "sendfile",  "close",
    "shutdown",   "getsockopt",  "setsockopt",  "fcntl",        "ioctl",     "poll",
    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "pipe",      "splice",
    "open",       "getsockname", "getpeername",
};

}  // namespace

std::span<const std::string_view> known_syscalls() { return kSyscalls; }

bool is_known_syscall(std::string_view name) {
  return std::find(kSyscalls.begin(), kSyscalls.end(), name) != kSyscalls.end();
}

}  // namespace synack::script
