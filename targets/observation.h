// The Observation for a packet a stack sent: decoded into a Segment, or Malformed with the
// decoder's reason. Shared by the targets that capture bytes (reference, lwIP, kernel, remote).
#pragma once

#include <utility>
#include <vector>

#include "harness/net/codec.h"
#include "targets/target.h"

namespace synack::targets {

inline Observation observation_of_packet(Micros time, std::vector<std::uint8_t> wire) {
  Observation o;
  o.time = time;
  o.wire = std::move(wire);
  if (Result<net::Segment> d = net::decode(o.wire)) {
    o.kind = Observation::Kind::Segment;
    o.segment = std::move(*d);
  } else {
    o.kind = Observation::Kind::Malformed;
    o.error = d.error().message;
  }
  return o;
}

}  // namespace synack::targets
