// Sequence-space bookkeeping between the script's view and the wire, per connection.
//
// The script's own side (the scripted peer) uses literal sequence numbers: its ISN is whatever
// its SYN says (usually 0). The stack's side is written relative to the ISN the stack chose,
// learned from its SYN or SYN-ACK. Inbound `ack` values, inbound SACK blocks and the stack's
// outbound `seq` are rewritten with that ISN; inbound TS ecr values are rewritten by the offset
// between the TS val the stack really sent and the one the script wrote.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "harness/net/segment.h"
#include "harness/script/ast.h"
#include "targets/target.h"

namespace synack::run {

struct Connection {
  std::uint16_t peer_port = 0;                 // the scripted peer's port
  std::optional<std::uint16_t> stack_port;     // learned from the first segment either way
  std::optional<std::uint32_t> stack_isn;      // learned from the stack's SYN / SYN-ACK
  std::optional<std::uint32_t> peer_isn;       // from the script's SYN
  std::optional<std::int64_t> ts_val_offset;   // actual TS val - scripted TS val
  std::optional<std::uint32_t> last_stack_ts_val;

  // Stream offset (0-based) of relative peer sequence number `seq` in the peer->stack stream.
  std::uint64_t peer_stream_offset(std::uint32_t seq) const;
  std::uint32_t stack_relative(std::uint32_t absolute_seq) const;
  // The ISN that applies to a segment on `stack_port`: this connection's, or none (0: numbers
  // stay absolute) when the segment is from another port of the stack - a RST from a closed port
  // to the same peer port is not part of this connection's sequence space.
  std::uint32_t isn_on(std::uint16_t port) const {
    return stack_port && *stack_port != port ? 0 : stack_isn.value_or(0);
  }
};

// The byte at `offset` of every data stream the harness generates (writes, injected payloads).
// A fixed pattern lets reads and outbound payloads be checked byte for byte.
inline std::uint8_t stream_byte(std::uint64_t offset) {
  return static_cast<std::uint8_t>((offset * 2654435761u) >> 13);
}
std::vector<std::uint8_t> stream_bytes(std::uint64_t offset, std::size_t length);

std::uint16_t parse_flags(const std::string& flags);  // "S." -> SYN|ACK; "-" -> 0
std::string script_flags(std::uint16_t flags);        // SYN|ACK -> "S."; 0 -> "-" (parse_flags' inverse)

// The sequence number of a segment the stack sent, as the script writes it: relative to the
// stack's ISN on that port. One exception: a RST with ACK whose wire sequence number is 0 is RFC
// 9293 3.10.7's reply to a segment without ACK, <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; its
// zero belongs to no sequence space, so it stays 0 (relative 0, the ISN itself, matches too).
std::uint32_t outbound_relative_seq(const net::Segment& seg, const Connection& conn);
inline bool is_unnumbered_rst(const net::Segment& seg) {
  return seg.has(net::flag::RST) && seg.has(net::flag::ACK) && seg.seq == 0;
}

// Builds the wire segment for an inbound '<' line (and learns the peer ISN from a SYN).
net::Segment build_inbound(const script::PacketSpec& spec, Connection& conn,
                           const targets::Network& network, std::uint16_t default_stack_port);

// The differences between an outbound '>' line and a segment the stack sent, one line each;
// empty when it matches. Learns the stack's ISN/port and TS offset from the segment on the way.
std::vector<std::string> match_outbound(const script::PacketSpec& spec, const net::Segment& seg,
                                        Connection& conn, const targets::Network& network);

// The segment as the script sees it: the stack's sequence numbers made relative.
net::Segment relative_view(const net::Segment& seg, const Connection& conn, bool outbound);

// tcpdump-style text for what an outbound line expects ("options [...]" for <...>).
std::string describe_expected(const script::PacketSpec& spec);

}  // namespace synack::run
