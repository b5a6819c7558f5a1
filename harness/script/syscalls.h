// The system calls a script may name. Kept in one place: the parser rejects any other name, and
// targets can list what they support against it.
#pragma once

#include <span>
#include <string_view>

namespace synack::script {

std::span<const std::string_view> known_syscalls();
bool is_known_syscall(std::string_view name);

}  // namespace synack::script
