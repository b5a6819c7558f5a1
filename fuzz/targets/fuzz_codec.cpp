// libFuzzer target: net::decode never crashes; decode -> encode -> decode is stable.
#include <cstdio>
#include <cstdlib>

#include "harness/net/codec.h"
#include "harness/net/format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace synack::net;
  auto first = decode({data, size});
  if (!first) return 0;
  Segment seg = *first;
  const auto wire = encode(seg);
  auto second = decode(wire);
  if (!second) {
    std::fprintf(stderr, "re-encoded segment does not decode: %s\n", second.error().message.c_str());
    std::abort();
  }
  // The checksum verdict is about the original bytes; the encoder always writes a right one.
  seg.checksum_ok = true;
  if (!(*second == seg)) {
    std::fprintf(stderr, "decode -> encode -> decode changed the segment\n  first:  %s\n  second: %s\n",
                 format_segment(seg).c_str(), format_segment(*second).c_str());
    const Segment& b = *second;
    const std::pair<const char*, bool> fields[] = {
        {"src", seg.src == b.src}, {"dst", seg.dst == b.dst}, {"tos", seg.tos == b.tos},
        {"ttl", seg.ttl == b.ttl}, {"flow_label", seg.flow_label == b.flow_label},
        {"ports", seg.sport == b.sport && seg.dport == b.dport}, {"seq/ack", seg.seq == b.seq && seg.ack == b.ack},
        {"flags", seg.flags == b.flags}, {"window", seg.window == b.window}, {"urgent", seg.urgent == b.urgent},
        {"options", seg.options == b.options}, {"payload", seg.payload == b.payload},
        {"checksum_ok", seg.checksum_ok == b.checksum_ok}};
    for (const auto& [name, same] : fields)
      if (!same) std::fprintf(stderr, "  differs: %s\n", name);
    std::abort();
  }
  if (encode(*second) != wire) {
    std::fprintf(stderr, "encode is not stable\n");
    std::abort();
  }
  return 0;
}
