// Names the scripts use for constants (SOCK_STREAM, SO_KEEPALIVE, EINPROGRESS, TCP_ESTABLISHED,
// POLLIN, ...), with Linux's values from the system headers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace synack::run {

std::optional<std::int64_t> symbol_value(std::string_view name);
std::optional<int> errno_value(std::string_view name);  // "ECONNREFUSED" -> 111
std::string errno_name(int err);                          // 111 -> "ECONNREFUSED", else "E<n>"
std::string errno_text(int err);                          // strerror text

}  // namespace synack::run
