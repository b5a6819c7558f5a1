// libFuzzer target: net::decode never crashes; decode -> encode -> decode is stable.
#include <cstdio>
#include <cstdlib>

#include "harness/net/codec.h"

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
    std::fprintf(stderr, "decode -> encode -> decode changed the segment\n");
    std::abort();
  }
  if (encode(*second) != wire) {
    std::fprintf(stderr, "encode is not stable\n");
    std::abort();
  }
  return 0;
}
