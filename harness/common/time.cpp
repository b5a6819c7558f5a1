#include "harness/common/time.h"

#include <cstdio>
#include <cstdlib>

namespace synack {

std::string format_seconds(Micros t) {
  if (t == kNever) return "never";
  char buf[48];
  const char* sign = t < 0 ? "-" : "";
  Micros a = t < 0 ? -t : t;
  std::snprintf(buf, sizeof buf, "%s%lld.%06lld", sign, static_cast<long long>(a / kMicrosPerSecond),
                static_cast<long long>(a % kMicrosPerSecond));
  return buf;
}

}  // namespace synack
