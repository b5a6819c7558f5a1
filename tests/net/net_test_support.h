// Small segment builders shared by the harness/net tests.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/net/segment.h"

namespace synack::net::testing_support {

inline IpAddress addr(const char* text) { return IpAddress::parse(text).value(); }

// 192.0.2.1:8080 -> 198.51.100.1:40000, the usual documentation-range pair.
inline Segment v4_segment(std::uint16_t flags) {
  Segment seg;
  seg.src = addr("192.0.2.1");
  seg.dst = addr("198.51.100.1");
  seg.sport = 8080;
  seg.dport = 40000;
  seg.flags = flags;
  return seg;
}

inline Segment v6_segment(std::uint16_t flags) {
  Segment seg = v4_segment(flags);
  seg.src = addr("2001:db8::1");
  seg.dst = addr("2001:db8::2");
  return seg;
}

// A SYN-ACK carrying the options Linux puts on one (4-byte aligned: 20 option bytes).
inline Segment linux_syn_ack() {
  Segment seg = v4_segment(flag::SYN | flag::ACK);
  seg.seq = 0;
  seg.ack = 1;
  seg.window = 65535;
  seg.options = {TcpOption::mss(1460), TcpOption::sack_permitted(), TcpOption::timestamp(1, 0),
                 TcpOption::nop(), TcpOption::wscale(7)};
  return seg;
}

inline std::vector<std::uint8_t> bytes_of(std::size_t n, std::uint8_t first = 0) {
  std::vector<std::uint8_t> bytes(n);
  for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>(first + i);
  return bytes;
}

}  // namespace synack::net::testing_support
