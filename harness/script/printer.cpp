// AST -> script text. The output parses back to an equal AST (locations aside), one event per line.
#include <cstdio>
#include <utility>

#include "harness/script/parser.h"
#include "harness/script/parser_impl.h"

namespace synack::script {
namespace {

std::string hex_bytes(const std::vector<std::uint8_t>& bytes) {
  std::string out;
  char buf[3];
  for (std::uint8_t b : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    out += buf;
  }
  return out;
}

std::string hex_number(std::uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", value);
  return buf;
}

std::string time_point(const TimePoint& point) {
  switch (point.kind) {
    case TimePoint::Kind::Any: return "*";
    case TimePoint::Kind::Relative: return "+" + seconds_text(point.usecs);
    case TimePoint::Kind::Absolute: return seconds_text(point.usecs);
  }
  return "?";
}

std::string ip_annotation(const IpAnnotation& ip) {
  std::vector<std::string> parts;
  if (ip.ecn) {
    static constexpr const char* kNames[] = {"noecn", "ect1", "ect0", "ce"};
    parts.emplace_back(*ip.ecn < 4 ? kNames[*ip.ecn] : "noecn");
  }
  if (ip.tos) parts.push_back("tos " + hex_number(*ip.tos));
  if (ip.ttl) parts.push_back("ttl " + std::to_string(*ip.ttl));
  if (ip.flow_label) parts.push_back("flowlabel " + hex_number(*ip.flow_label));
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : " ") + part;
  return out;
}

// "ECN e0b 1 ceb 0 e1b 1" for an AccECN option the parser's ECN form can express, else "".
std::string accecn_option(const OptionSpec& option) {
  bool order1 = option.raw_kind == kAccEcnOrder1;
  if ((option.raw_kind != kAccEcnOrder0 && !order1) || option.bytes.size() % 3 != 0 ||
      option.bytes.size() > 9 || (order1 && option.bytes.empty())) {
    return "";  // an empty order-1 option would read back as order 0
  }
  const char* names[3] = {"e0b", "ceb", "e1b"};
  if (order1) std::swap(names[0], names[2]);
  std::string out = "ECN";
  for (std::size_t i = 0; i < option.bytes.size(); i += 3) {
    std::uint32_t counter = (std::uint32_t{option.bytes[i]} << 16) |
                            (std::uint32_t{option.bytes[i + 1]} << 8) | option.bytes[i + 2];
    out += std::string(" ") + names[i / 3] + " " + std::to_string(counter);
  }
  return out;
}

std::string tcp_option(const OptionSpec& option) {
  using Kind = OptionSpec::Kind;
  auto with_bytes = [&](std::string name) {
    return option.bytes.empty() ? name : name + " " + hex_bytes(option.bytes);
  };
  switch (option.kind) {
    case Kind::Nop: return "nop";
    case Kind::Eol: return "eol";
    case Kind::Mss: return "mss " + std::to_string(option.value);
    case Kind::Wscale: return "wscale " + std::to_string(option.value);
    case Kind::SackOk: return "sackOK";
    case Kind::Sack: {
      std::string out = "sack";
      for (const auto& [left, right] : option.sack_blocks) {
        out += " " + std::to_string(left) + ":" + std::to_string(right);
      }
      return out;
    }
    case Kind::Timestamp:
      return "TS val " + std::to_string(option.value) + " ecr " + std::to_string(option.ecr);
    case Kind::Md5: return with_bytes("md5");
    case Kind::FastOpen: return with_bytes("FO");
    case Kind::FastOpenExp: return with_bytes("FOEXP");
    case Kind::Raw: {
      if (std::string ecn = accecn_option(option); !ecn.empty()) return ecn;
      std::string out = "kind " + std::to_string(option.raw_kind);
      return option.bytes.empty() ? out : out + " data " + hex_bytes(option.bytes);
    }
  }
  return "?";
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    auto b = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (b < 0x20 || b >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", b);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string expr_list(const std::vector<ExprPtr>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i] ? print_expr(*items[i]) : "...";
  }
  return out;
}

std::string joined(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i > 0 ? separator : "") + items[i];
  return out;
}

}  // namespace

std::string seconds_text(Micros usecs) {
  std::string out = usecs < 0 ? "-" : "";
  std::uint64_t magnitude = usecs < 0 ? 0 - static_cast<std::uint64_t>(usecs)
                                      : static_cast<std::uint64_t>(usecs);
  out += std::to_string(magnitude / 1'000'000);
  std::uint64_t fraction = magnitude % 1'000'000;
  if (fraction != 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%06llu", static_cast<unsigned long long>(fraction));
    std::string digits = buf;
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out;
}

std::string print_time(const EventTime& time) {
  std::string out = time_point(time.start);
  if (time.range_end) out += "~" + time_point(*time.range_end);
  if (time.blocking_end) out += "..." + time_point(*time.blocking_end);
  return out;
}

std::string print_inject(const InjectOverrides& inject) {
  if (inject.empty()) return "";
  std::string out = "// inject:";
  if (inject.bad_tcp_checksum) out += " tcp-checksum=bad";
  if (inject.src) out += " src=" + *inject.src;
  if (inject.dst) out += " dst=" + *inject.dst;
  if (!inject.ip_options.empty()) {
    static const char* digits = "0123456789abcdef";
    out += " ip-options=";
    for (std::uint8_t b : inject.ip_options) {
      out += digits[b >> 4];
      out += digits[b & 15];
    }
  }
  return out;
}

std::string print_expect(const ExpectChecks& expect) {
  if (expect.empty()) return "";
  std::string out = "// expect:";
  if (expect.dst) out += " dst=" + *expect.dst;
  if (expect.ip_options) {
    static const char* digits = "0123456789abcdef";
    out += " ip-options=";
    if (expect.ip_options->empty()) out += "none";
    for (std::uint8_t b : *expect.ip_options) {
      out += digits[b >> 4];
      out += digits[b & 15];
    }
  }
  return out;
}

std::string print_packet(const PacketSpec& packet) {
  std::string out = packet.direction == Direction::Inbound ? "<" : ">";
  if (std::string ip = ip_annotation(packet.ip); !ip.empty()) out += " [" + ip + "]";
  if (packet.src_port && packet.dst_port) {
    out += " " + std::to_string(*packet.src_port) + ">" + std::to_string(*packet.dst_port);
  }
  out += " " + (packet.flags.empty() ? std::string("-") : packet.flags);
  out += " " + std::to_string(packet.seq_start) + ":" + std::to_string(packet.seq_end) + "(" +
         std::to_string(packet.payload_len) + ")";
  if (packet.ack) out += " ack " + std::to_string(*packet.ack);
  if (packet.win) out += " win " + std::to_string(*packet.win);
  if (packet.urg) out += " urg " + std::to_string(*packet.urg);
  if (packet.options_any) {
    out += " <...>";
  } else if (packet.options) {
    std::vector<std::string> items;
    for (const OptionSpec& option : *packet.options) items.push_back(tcp_option(option));
    out += " <" + joined(items, ",") + ">";
  }
  // The comment ends the line, so nothing may follow the packet on it (print_event, print).
  if (!packet.inject.empty()) out += "  " + print_inject(packet.inject);
  if (!packet.expect.empty()) out += "  " + print_expect(packet.expect);
  return out;
}

std::string print_icmp(const IcmpSpec& icmp) {
  std::string out = "<";
  if (std::string ip = ip_annotation(icmp.ip); !ip.empty()) out += " [" + ip + "]";
  out += " icmp " + icmp.type;
  if (!icmp.code.empty()) out += " " + icmp.code;
  if (icmp.mtu) out += " mtu " + std::to_string(*icmp.mtu);
  if (const auto& q = icmp.quoted) {
    out += " [";
    if (q->src_port && q->dst_port) {
      out += std::to_string(*q->src_port) + ">" + std::to_string(*q->dst_port) + " ";
    }
    out += std::to_string(q->seq_start) + ":" + std::to_string(q->seq_end) + "(" +
           std::to_string(q->payload_len) + ")]";
  }
  return out;
}

std::string print_expr(const Expr& expr) {
  switch (expr.kind) {
    case Expr::Kind::Int: return std::to_string(expr.int_value);
    case Expr::Kind::Ellipsis: return "...";
    case Expr::Kind::Symbol: return expr.text;
    case Expr::Kind::String: return quoted(expr.text);
    case Expr::Kind::BinaryOr: {
      std::string out;
      for (std::size_t i = 0; i < expr.items.size(); ++i) {
        if (i > 0) out += "|";
        out += expr.items[i] ? print_expr(*expr.items[i]) : "...";
      }
      return out;
    }
    case Expr::Kind::List: return "[" + expr_list(expr.items) + "]";
    case Expr::Kind::Call: return expr.text + "(" + expr_list(expr.items) + ")";
    case Expr::Kind::Struct: {
      std::string out = "{";
      for (std::size_t i = 0; i < expr.fields.size(); ++i) {
        if (i > 0) out += ", ";
        const auto& [name, value] = expr.fields[i];
        std::string shown = value ? print_expr(*value) : "...";
        out += name.empty() ? shown : name + "=" + shown;
      }
      return out + "}";
    }
  }
  return "?";
}

std::string print_syscall(const SyscallSpec& call) {
  std::string out = call.name + "(" + expr_list(call.args) + ") = ";
  out += call.result ? print_expr(*call.result) : "0";
  if (call.errno_name) out += " " + *call.errno_name;
  if (call.errno_text) out += " (" + *call.errno_text + ")";
  return out;
}

std::string print_event(const Event& event) {
  std::string body;
  if (const auto* packet = std::get_if<PacketSpec>(&event.body)) {
    body = print_packet(*packet);
  } else if (const auto* call = std::get_if<SyscallSpec>(&event.body)) {
    body = print_syscall(*call);
  } else if (const auto* command = std::get_if<CommandSpec>(&event.body)) {
    body = "`" + command->command + "`";
  } else if (const auto* code = std::get_if<AssertSpec>(&event.body)) {
    body = "%{ " + code->code + " }%";
  } else if (const auto* icmp = std::get_if<IcmpSpec>(&event.body)) {
    body = print_icmp(*icmp);
  }
  return print_time(event.time) + " " + body;
}

std::string print(const Script& script) {
  std::string out;
  for (const OptionSetting& option : script.options) {
    out += "--" + option.name + (option.value.empty() ? "" : "=" + option.value) + "\n";
  }
  for (const auto& [symbol, value] : script.defines) out += "--define=" + symbol + "=" + value + "\n";
  const Metadata& meta = script.metadata;
  if (!meta.title.empty()) out += "// title: " + meta.title + "\n";
  if (!meta.requirements.empty()) out += "// requirement: " + joined(meta.requirements, " ") + "\n";
  if (!meta.rfc_refs.empty()) out += "// rfc: " + joined(meta.rfc_refs, "; ") + "\n";
  if (!meta.targets.empty()) out += "// targets: " + joined(meta.targets, " ") + "\n";
  if (!meta.probe.empty()) {
    out += "// probe: " + meta.probe;
    for (const auto& [name, value] : meta.probe_params) out += " " + name + "=" + value;
    out += "\n";
  }
  for (const CommandSpec& command : script.init_commands) out += "`" + command.command + "`\n";
  for (const Event& event : script.events) out += print_event(event) + "\n";
  for (const CommandSpec& command : script.cleanup_commands) out += "`" + command.command + "`\n";
  return out;
}

}  // namespace synack::script
