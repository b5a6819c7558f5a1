#include "harness/run/icmp_injection.h"

#include "harness/script/icmp_names.h"

namespace synack::run {

Result<net::IcmpMessage> build_icmp(const script::IcmpSpec& spec, const Connection& conn,
                                    const targets::Network& network, std::uint16_t default_stack_port) {
  const bool ipv6 = network.ip_version == net::IpVersion::v6;
  Result<script::IcmpTypeCode> numbers = script::resolve_icmp(spec.type, spec.code, ipv6);
  if (!numbers) return numbers.error();
  net::IcmpMessage m;
  m.src = network.remote;
  m.dst = network.local;
  m.type = numbers->type;
  m.code = numbers->code;
  if (spec.mtu) {
    if (!ipv6 && *spec.mtu > 0xFFFF) {
      return make_error("mtu " + std::to_string(*spec.mtu) +
                        " does not fit the 16-bit next-hop MTU field of ICMPv4 (RFC 1191 §4)");
    }
    m.mtu = *spec.mtu;
  }
  if (spec.ip.ecn) m.tos = static_cast<std::uint8_t>((m.tos & ~0x3) | *spec.ip.ecn);
  if (spec.ip.tos) m.tos = *spec.ip.tos;
  if (spec.ip.ttl) m.ttl = *spec.ip.ttl;
  if (spec.ip.flow_label) m.flow_label = *spec.ip.flow_label;
  const script::QuotedSegmentSpec quoted = spec.quoted.value_or(script::QuotedSegmentSpec{});
  m.quoted.src = network.local;
  m.quoted.dst = network.remote;
  m.quoted.sport = quoted.src_port.value_or(conn.stack_port.value_or(default_stack_port));
  m.quoted.dport = quoted.dst_port.value_or(conn.peer_port);
  m.quoted.seq = quoted.seq_start + conn.stack_isn.value_or(0);
  m.quoted.payload_length = static_cast<std::uint16_t>(quoted.payload_len);
  return m;
}

net::IcmpMessage relative_icmp(const net::IcmpMessage& message, const Connection& conn) {
  net::IcmpMessage rel = message;
  rel.quoted.seq = conn.stack_relative(message.quoted.seq);
  return rel;
}

}  // namespace synack::run
