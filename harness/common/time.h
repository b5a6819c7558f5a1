// Time in the harness: signed microseconds. Script time 0 is the moment the script started.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

namespace synack {

using Micros = std::int64_t;

inline constexpr Micros kMicrosPerSecond = 1'000'000;
inline constexpr Micros kMillis = 1'000;
inline constexpr Micros kNever = std::numeric_limits<Micros>::max();

// "1.250000" style seconds, as packetdrill prints them.
std::string format_seconds(Micros t);

}  // namespace synack
