// How the stack's sequence numbers appear in scripts: relative to its ISN on that port, except the
// zero of a RST answering a segment without ACK (RFC 9293 3.10.7), which belongs to no connection.
#include <gtest/gtest.h>

#include "harness/run/connection.h"

namespace synack::run {
namespace {

net::Segment from_stack(std::uint16_t flags, std::uint32_t seq, std::uint16_t sport = 8080) {
  net::Segment s;
  s.sport = sport;
  s.dport = 40000;
  s.flags = flags;
  s.seq = seq;
  return s;
}

Connection connection_with_isn(std::uint32_t isn) {
  Connection c;
  c.peer_port = 40000;
  c.stack_port = 8080;
  c.stack_isn = isn;
  return c;
}

TEST(OutboundSeq, RelativeToTheIsnOfTheConnectionsPort) {
  const Connection c = connection_with_isn(1000);
  EXPECT_EQ(outbound_relative_seq(from_stack(net::flag::ACK, 1001), c), 1u);
  EXPECT_EQ(outbound_relative_seq(from_stack(net::flag::RST, 1001), c), 1u);
  EXPECT_EQ(outbound_relative_seq(from_stack(net::flag::RST | net::flag::ACK, 1000), c), 0u);
  // Another port of the stack: absolute.
  EXPECT_EQ(outbound_relative_seq(from_stack(net::flag::RST | net::flag::ACK, 77, 9090), c), 77u);
}

TEST(OutboundSeq, TheZeroOfARstAnsweringASegmentWithoutAckStaysZero) {
  const Connection c = connection_with_isn(3191200875u);
  EXPECT_EQ(outbound_relative_seq(from_stack(net::flag::RST | net::flag::ACK, 0), c), 0u);
  EXPECT_EQ(relative_view(from_stack(net::flag::RST | net::flag::ACK, 0), c, true).seq, 0u);
  // Without ACK a RST carries SEG.ACK of what it answers: relative as usual.
  EXPECT_EQ(outbound_relative_seq(from_stack(net::flag::RST, 0), c), 0u - 3191200875u);
  EXPECT_EQ(outbound_relative_seq(from_stack(net::flag::ACK, 0), c), 0u - 3191200875u);
}

}  // namespace
}  // namespace synack::run
