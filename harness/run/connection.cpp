#include "harness/run/connection.h"

#include <sstream>

#include "harness/net/format.h"

namespace synack::run {

using net::TcpOption;
using script::OptionSpec;
namespace kind = net::option_kind;

std::uint64_t Connection::peer_stream_offset(std::uint32_t seq) const {
  // The first data byte follows the SYN, so it sits at ISN + 1.
  const std::uint32_t first = peer_isn ? *peer_isn + 1 : 1;
  return static_cast<std::uint32_t>(seq - first);
}

std::uint32_t Connection::stack_relative(std::uint32_t absolute_seq) const {
  return absolute_seq - stack_isn.value_or(0);
}

std::vector<std::uint8_t> stream_bytes(std::uint64_t offset, std::size_t length) {
  std::vector<std::uint8_t> bytes(length);
  for (std::size_t i = 0; i < length; ++i) bytes[i] = stream_byte(offset + i);
  return bytes;
}

std::uint16_t parse_flags(const std::string& flags) {
  std::uint16_t bits = 0;
  for (char c : flags) {
    switch (c) {
      case 'F': bits |= net::flag::FIN; break;
      case 'S': bits |= net::flag::SYN; break;
      case 'R': bits |= net::flag::RST; break;
      case 'P': bits |= net::flag::PSH; break;
      case '.': bits |= net::flag::ACK; break;
      case 'U': bits |= net::flag::URG; break;
      case 'E': bits |= net::flag::ECE; break;
      case 'W': bits |= net::flag::CWR; break;
      case 'A': bits |= net::flag::AE; break;
      default: break;  // '-' and anything the parser already rejected
    }
  }
  return bits;
}

std::string script_flags(std::uint16_t f) {
  std::string s;
  if (f & net::flag::SYN) s += 'S';
  if (f & net::flag::FIN) s += 'F';
  if (f & net::flag::RST) s += 'R';
  if (f & net::flag::PSH) s += 'P';
  if (f & net::flag::URG) s += 'U';
  if (f & net::flag::ECE) s += 'E';
  if (f & net::flag::CWR) s += 'W';
  if (f & net::flag::AE) s += 'A';
  if (f & net::flag::ACK) s += '.';
  return s.empty() ? "-" : s;
}

namespace {

// An option as written, in the wire form it names. `sack_shift` is added to SACK edges and
// `ecr_shift` to TS ecr (the rewriting of inbound lines).
TcpOption to_wire_option(const OptionSpec& o, std::uint32_t sack_shift, std::int64_t ecr_shift) {
  switch (o.kind) {
    case OptionSpec::Kind::Nop: return TcpOption::nop();
    case OptionSpec::Kind::Eol: return TcpOption::eol();
    case OptionSpec::Kind::Mss: return TcpOption::mss(static_cast<std::uint16_t>(o.value));
    case OptionSpec::Kind::Wscale: return TcpOption::wscale(static_cast<std::uint8_t>(o.value));
    case OptionSpec::Kind::SackOk: return TcpOption::sack_permitted();
    case OptionSpec::Kind::Sack: {
      std::vector<net::SackBlock> blocks;
      for (auto [l, r] : o.sack_blocks) blocks.push_back({l + sack_shift, r + sack_shift});
      return TcpOption::sack(blocks);
    }
    case OptionSpec::Kind::Timestamp: {
      const std::uint32_t ecr =
          o.ecr == 0 ? 0 : static_cast<std::uint32_t>(static_cast<std::int64_t>(o.ecr) + ecr_shift);
      return TcpOption::timestamp(o.value, ecr);
    }
    case OptionSpec::Kind::Md5: {
      std::vector<std::uint8_t> digest = o.bytes;
      digest.resize(16, 0);
      return TcpOption::raw(kind::MD5, digest);
    }
    case OptionSpec::Kind::FastOpen: return TcpOption::raw(kind::FAST_OPEN, o.bytes);
    case OptionSpec::Kind::FastOpenExp: {
      std::vector<std::uint8_t> data = {0xF9, 0x89};
      data.insert(data.end(), o.bytes.begin(), o.bytes.end());
      return TcpOption::raw(kind::EXPERIMENTAL, data);
    }
    case OptionSpec::Kind::Raw: return TcpOption::raw(o.raw_kind, o.bytes);
  }
  return TcpOption::nop();
}

std::string hex(std::uint32_t v) {
  std::ostringstream out;
  out << "0x" << std::hex << v;
  return out.str();
}

void compare_options(const script::PacketSpec& spec, const net::Segment& seg, Connection& conn,
                     std::vector<std::string>& diffs) {
  if (spec.options_any) return;
  const std::vector<OptionSpec> none;
  const auto& expected = spec.options ? *spec.options : none;
  std::vector<TcpOption> want;
  for (const auto& o : expected) want.push_back(to_wire_option(o, 0, 0));
  // An EOL the decoder found in the padding after the last option is not an option the script
  // has to write.
  std::vector<TcpOption> got_options = seg.options;
  if (!got_options.empty() && got_options.back().kind == kind::EOL &&
      (want.empty() || want.back().kind != kind::EOL))
    got_options.pop_back();
  const auto mismatch = [&] {
    diffs.push_back("options: expected [" + net::format_options(want) + "], got [" +
                    net::format_options(seg.options) + "]");
  };
  if (want.size() != got_options.size()) return mismatch();
  for (std::size_t i = 0; i < want.size(); ++i) {
    const TcpOption& w = want[i];
    const TcpOption& got = got_options[i];
    if (w.kind != got.kind) return mismatch();
    if (w.kind == kind::TIMESTAMP) {
      // TS val is the stack's clock: not checked, but remembered to map later inbound ecr.
      auto ts = got.timestamp_value();
      if (!ts) return mismatch();
      if (ts->second != expected[i].ecr) {
        diffs.push_back("TS ecr: expected " + std::to_string(expected[i].ecr) + ", got " +
                        std::to_string(ts->second));
      }
      conn.ts_val_offset = static_cast<std::int64_t>(ts->first) - expected[i].value;
      continue;
    }
    if (w.kind == kind::MD5) continue;  // the digest depends on a key the script does not give
    if (w.data != got.data) return mismatch();
  }
}

}  // namespace

std::uint32_t outbound_relative_seq(const net::Segment& seg, const Connection& conn) {
  if (is_unnumbered_rst(seg)) return 0;
  return seg.seq - conn.isn_on(seg.sport);
}

net::Segment build_inbound(const script::PacketSpec& spec, Connection& conn,
                           const targets::Network& network, std::uint16_t default_stack_port) {
  net::Segment s;
  s.src = network.remote;
  s.dst = network.local;
  s.sport = spec.src_port.value_or(conn.peer_port);
  s.dport = spec.dst_port.value_or(conn.stack_port.value_or(default_stack_port));
  s.flags = parse_flags(spec.flags);
  s.seq = spec.seq_start;
  if (s.has(net::flag::SYN)) conn.peer_isn = spec.seq_start;
  const std::uint32_t isn = conn.isn_on(s.dport);
  s.ack = spec.ack ? *spec.ack + isn : 0;
  s.window = static_cast<std::uint16_t>(spec.win.value_or(0));
  s.urgent = spec.urg.value_or(0);
  if (spec.ip.ecn) s.tos = static_cast<std::uint8_t>((s.tos & ~0x3) | *spec.ip.ecn);
  if (spec.ip.tos) s.tos = *spec.ip.tos;
  if (spec.ip.ttl) s.ttl = *spec.ip.ttl;
  if (spec.ip.flow_label) s.flow_label = *spec.ip.flow_label;
  // Inbound TS ecr echoes the stack's TS val; the script wrote the value from its own '>' lines.
  std::int64_t ecr_shift = conn.ts_val_offset.value_or(0);
  if (spec.options) {
    for (const auto& o : *spec.options) {
      if (o.kind == OptionSpec::Kind::Timestamp && !conn.ts_val_offset && conn.last_stack_ts_val &&
          o.ecr != 0) {
        // No scripted TS val to anchor to (the '>' line used <...>): echo the latest one seen.
        ecr_shift = static_cast<std::int64_t>(*conn.last_stack_ts_val) - o.ecr;
      }
      s.options.push_back(to_wire_option(o, isn, ecr_shift));
    }
  }
  // Data on a SYN starts after it: the SYN takes the first sequence number.
  const std::uint32_t data_seq = spec.seq_start + (s.has(net::flag::SYN) ? 1 : 0);
  s.payload = stream_bytes(conn.peer_stream_offset(data_seq), spec.payload_len);
  return s;
}

std::vector<std::string> match_outbound(const script::PacketSpec& spec, const net::Segment& seg,
                                        Connection& conn, const targets::Network& network) {
  std::vector<std::string> diffs;
  if (!seg.checksum_ok) diffs.push_back("TCP checksum is wrong");
  // RFC 9293 3.1 (MUST-69): the header space after an End of Option List option is zero-filled.
  // Checked on every segment the stack sends, also under "<...>".
  if (auto at = seg.nonzero_after_eol())
    diffs.push_back("MUST-69 violated: the TCP header is not zero-filled after the EOL option "
                    "(non-zero byte at header offset " + std::to_string(*at) + ")");
  if (seg.src.version != network.local.version || seg.dst.version != network.remote.version) {
    diffs.push_back("IP version differs");
  } else {
    if (seg.src != network.local)
      diffs.push_back("source address " + seg.src.to_string() + ", expected " + network.local.to_string());
    // "// expect: dst=ADDR" names another destination (a source route's first hop).
    std::optional<net::IpAddress> want_dst = network.remote;
    if (spec.expect.dst) want_dst = net::IpAddress::parse(*spec.expect.dst);
    if (!want_dst || seg.dst != *want_dst)
      diffs.push_back("destination address " + seg.dst.to_string() + ", expected " +
                      (spec.expect.dst ? *spec.expect.dst : network.remote.to_string()));
  }
  // "// expect: ip-options=...": the IPv4 options octet for octet, the expectation zero-padded to
  // 32 bits as on the wire. Without it options are not checked.
  if (spec.expect.ip_options) {
    std::vector<std::uint8_t> want = *spec.expect.ip_options;
    while (want.size() % 4 != 0) want.push_back(0);
    if (seg.ip_options != want)
      diffs.push_back("IP options [" + net::format_ip_options(seg.ip_options) + "], expected [" +
                      net::format_ip_options(want) + "]");
  }
  // Ports: learn the stack's on its first segment; the peer's is fixed by the script.
  const std::uint16_t want_dport = spec.dst_port.value_or(conn.peer_port);
  if (seg.dport != want_dport)
    diffs.push_back("destination port " + std::to_string(seg.dport) + ", expected " + std::to_string(want_dport));
  if (spec.src_port && seg.sport != *spec.src_port)
    diffs.push_back("source port " + std::to_string(seg.sport) + ", expected " + std::to_string(*spec.src_port));
  if (!spec.src_port && !conn.stack_port) conn.stack_port = seg.sport;
  if (!spec.src_port && conn.stack_port && seg.sport != *conn.stack_port)
    diffs.push_back("source port " + std::to_string(seg.sport) + ", expected " + std::to_string(*conn.stack_port));

  const std::uint16_t want_flags = parse_flags(spec.flags);
  if (seg.flags != want_flags)
    diffs.push_back("flags [" + net::format_flags(seg.flags) + "], expected [" + net::format_flags(want_flags) + "]");

  // The stack's ISN is learned from its SYN: relative seq of a SYN is what the script wrote.
  // A SYN from another port of the stack (a new connection from the same peer port) starts a
  // new sequence space: both are learned again.
  if (seg.has(net::flag::SYN) && want_flags & net::flag::SYN) {
    conn.stack_isn = seg.seq - spec.seq_start;
    conn.stack_port = seg.sport;
  }
  const std::uint32_t rel_seq = outbound_relative_seq(seg, conn);
  if (rel_seq != spec.seq_start)
    diffs.push_back("seq " + std::to_string(rel_seq) + ", expected " + std::to_string(spec.seq_start));
  if (seg.payload.size() != spec.payload_len)
    diffs.push_back("payload length " + std::to_string(seg.payload.size()) + ", expected " +
                    std::to_string(spec.payload_len));
  if (spec.ack && seg.ack != *spec.ack)
    diffs.push_back("ack " + std::to_string(seg.ack) + ", expected " + std::to_string(*spec.ack));
  if (spec.win && seg.window != *spec.win)
    diffs.push_back("win " + std::to_string(seg.window) + ", expected " + std::to_string(*spec.win));
  if (spec.urg && seg.urgent != *spec.urg)
    diffs.push_back("urg " + std::to_string(seg.urgent) + ", expected " + std::to_string(*spec.urg));
  if (spec.ip.ecn && seg.ecn() != *spec.ip.ecn)
    diffs.push_back("ECN codepoint " + std::to_string(seg.ecn()) + ", expected " + std::to_string(*spec.ip.ecn));
  if (spec.ip.tos && seg.tos != *spec.ip.tos)
    diffs.push_back("TOS " + hex(seg.tos) + ", expected " + hex(*spec.ip.tos));
  if (spec.ip.ttl && seg.ttl != *spec.ip.ttl)
    diffs.push_back("TTL " + std::to_string(seg.ttl) + ", expected " + std::to_string(*spec.ip.ttl));
  if (spec.ip.flow_label && seg.flow_label != *spec.ip.flow_label)
    diffs.push_back("flow label " + hex(seg.flow_label) + ", expected " + hex(*spec.ip.flow_label));

  compare_options(spec, seg, conn, diffs);
  for (const auto& o : seg.options)
    if (auto ts = o.timestamp_value()) conn.last_stack_ts_val = ts->first;

  // Payload bytes: the stack must send exactly the bytes the application wrote, in order.
  if (seg.payload.size() == spec.payload_len && !seg.payload.empty() && rel_seq == spec.seq_start) {
    // The first data byte is relative sequence 1; on a SYN (TFO) the data follows the SYN.
    const std::uint64_t offset = static_cast<std::uint32_t>(rel_seq - 1 + (seg.has(net::flag::SYN) ? 1 : 0));
    for (std::size_t i = 0; i < seg.payload.size(); ++i) {
      if (seg.payload[i] != stream_byte(offset + i)) {
        diffs.push_back("payload byte " + std::to_string(i) + " differs from the data written");
        break;
      }
    }
  }
  return diffs;
}

net::Segment relative_view(const net::Segment& seg, const Connection& conn, bool outbound) {
  net::Segment rel = seg;
  const std::uint32_t isn = conn.isn_on(outbound ? seg.sport : seg.dport);
  if (outbound) {
    rel.seq = outbound_relative_seq(seg, conn);
  } else {
    if (seg.has(net::flag::ACK)) rel.ack = seg.ack - isn;
    for (auto& o : rel.options) {
      if (auto blocks = o.sack_blocks()) {
        for (auto& b : *blocks) { b.left -= isn; b.right -= isn; }
        o = TcpOption::sack(*blocks);
      }
    }
  }
  return rel;
}

std::string describe_expected(const script::PacketSpec& spec) {
  net::Segment s;
  s.flags = parse_flags(spec.flags);
  s.seq = spec.seq_start;
  s.ack = spec.ack.value_or(0);
  s.window = static_cast<std::uint16_t>(spec.win.value_or(0));
  s.urgent = spec.urg.value_or(0);
  s.payload.resize(spec.payload_len);
  if (spec.options)
    for (const auto& o : *spec.options) s.options.push_back(to_wire_option(o, 0, 0));
  std::string text = net::format_segment(s);
  // The window is only part of the expectation when the script gives it.
  if (!spec.win) {
    auto pos = text.find(", win ");
    if (pos != std::string::npos) {
      auto end = text.find(',', pos + 2);
      text.replace(pos, end == std::string::npos ? std::string::npos : end - pos, ", win *");
    }
  }
  if (spec.options_any) {
    auto pos = text.find(", length");
    text.insert(pos == std::string::npos ? text.size() : pos, ", options [...]");
  }
  // As format_segment shows a segment's IP options (absent when it has none).
  if (spec.expect.ip_options && !spec.expect.ip_options->empty()) {
    std::vector<std::uint8_t> padded = *spec.expect.ip_options;
    while (padded.size() % 4 != 0) padded.push_back(0);
    text += ", ip options [" + net::format_ip_options(padded) + "]";
  }
  return text;
}

}  // namespace synack::run
