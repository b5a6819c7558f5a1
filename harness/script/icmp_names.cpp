#include "harness/script/icmp_names.h"

#include <optional>
#include <vector>

namespace synack::script {
namespace {

// What a name means on one IP version; nullopt: nothing (the reason says why).
struct Meaning {
  std::optional<IcmpTypeCode> v4;
  std::optional<IcmpTypeCode> v6;
  const char* v6_missing = "";  // why there is no ICMPv6 counterpart
  const char* v4_missing = "";  // why there is no ICMPv4 counterpart
};

struct CodeName {
  const char* name;
  Meaning meaning;
};

struct TypeName {
  const char* name;
  Meaning meaning;                 // the type with code 0 (no code written)
  std::vector<CodeName> codes;     // the code names it takes
};

constexpr IcmpTypeCode v4_unreach(std::uint8_t code) { return {icmp::kV4DestUnreachable, code}; }
constexpr IcmpTypeCode v6_unreach(std::uint8_t code) { return {icmp::kV6DestUnreachable, code}; }

const std::vector<TypeName>& types() {
  static const char* const kNoV6 = "ICMPv6 Destination Unreachable has no such code (RFC 4443 3.1)";
  static const std::vector<TypeName> table = {
      {"unreachable",
       {v4_unreach(0), v6_unreach(0)},
       {
           // IPv4 codes (RFC 792, RFC 1122 3.2.2.1, RFC 1812 5.2.7.1), packetdrill's names.
           {"net_unreachable", {v4_unreach(0), v6_unreach(0)}},
           {"host_unreachable", {v4_unreach(1), v6_unreach(3)}},
           {"protocol_unreachable",
            {v4_unreach(2), std::nullopt,
             "IPv6 reports an unknown next header with parameter_problem unknown_next_header"}},
           {"port_unreachable", {v4_unreach(3), v6_unreach(4)}},
           {"frag_needed", {v4_unreach(icmp::kV4FragNeeded), IcmpTypeCode{icmp::kV6PacketTooBig, 0}}},
           {"source_route_failed", {v4_unreach(5), std::nullopt, kNoV6}},
           {"net_unknown", {v4_unreach(6), std::nullopt, kNoV6}},
           {"host_unknown", {v4_unreach(7), std::nullopt, kNoV6}},
           {"source_host_isolated", {v4_unreach(8), std::nullopt, kNoV6}},
           {"net_prohibited", {v4_unreach(9), v6_unreach(1)}},
           {"host_prohibited", {v4_unreach(10), v6_unreach(1)}},
           {"net_unreachable_for_tos", {v4_unreach(11), std::nullopt, kNoV6}},
           {"host_unreachable_for_tos", {v4_unreach(12), std::nullopt, kNoV6}},
           {"packet_filtered", {v4_unreach(13), v6_unreach(1)}},
           {"precedence_violation", {v4_unreach(14), std::nullopt, kNoV6}},
           {"precedence_cutoff", {v4_unreach(15), std::nullopt, kNoV6}},
           // ICMPv6 codes (RFC 4443 3.1), packetdrill's names, and their IPv4 counterparts.
           {"no_route", {v4_unreach(0), v6_unreach(0)}},
           {"admin_prohibited", {v4_unreach(13), v6_unreach(1)}},
           {"not_neighbour",
            {std::nullopt, v6_unreach(2), "", "ICMPv4 has no 'beyond scope of source address' code"}},
           {"address_unreachable", {v4_unreach(1), v6_unreach(3)}},
       }},
      {"source_quench",
       {IcmpTypeCode{icmp::kV4SourceQuench, 0}, std::nullopt,
        "ICMPv6 has no Source Quench (RFC 4443; RFC 6633 deprecated it for IPv4)"},
       {}},
      {"time_exceeded",
       {IcmpTypeCode{icmp::kV4TimeExceeded, 0}, IcmpTypeCode{icmp::kV6TimeExceeded, 0}},
       {
           {"exceeded_hop_limit",
            {IcmpTypeCode{icmp::kV4TimeExceeded, 0}, IcmpTypeCode{icmp::kV6TimeExceeded, 0}}},
           {"exceeded_frag_time",
            {IcmpTypeCode{icmp::kV4TimeExceeded, 1}, IcmpTypeCode{icmp::kV6TimeExceeded, 1}}},
       }},
      {"parameter_problem",
       {IcmpTypeCode{icmp::kV4ParameterProblem, 0}, IcmpTypeCode{icmp::kV6ParameterProblem, 0}},
       {
           {"header_field",
            {IcmpTypeCode{icmp::kV4ParameterProblem, 0}, IcmpTypeCode{icmp::kV6ParameterProblem, 0}}},
           {"unknown_next_header",
            {std::nullopt, IcmpTypeCode{icmp::kV6ParameterProblem, 1}, "",
             "ICMPv4 reports an unknown protocol with unreachable protocol_unreachable"}},
           {"unknown_option",
            {std::nullopt, IcmpTypeCode{icmp::kV6ParameterProblem, 2}, "",
             "ICMPv4 Parameter Problem has no 'unrecognized option' code"}},
       }},
      {"packet_too_big",
       {v4_unreach(icmp::kV4FragNeeded), IcmpTypeCode{icmp::kV6PacketTooBig, 0}},
       {}},
  };
  return table;
}

const TypeName* find_type(std::string_view name) {
  for (const TypeName& t : types()) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

const CodeName* find_code(const TypeName& type, std::string_view name) {
  for (const CodeName& c : type.codes) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

// "type_5" -> 5, "code_3" -> 3, and for codes also "3" -> 3; nullopt if not such a form or > 255.
std::optional<std::uint8_t> numbered(std::string_view text, std::string_view prefix, bool bare_ok) {
  if (text.starts_with(prefix)) {
    text.remove_prefix(prefix.size());
  } else if (!bare_ok) {
    return std::nullopt;
  }
  if (text.empty() || text.size() > 3) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 255) return std::nullopt;
  return static_cast<std::uint8_t>(value);
}

}  // namespace

std::string icmp_type_names() {
  std::string out;
  for (const TypeName& t : types()) out += (out.empty() ? "" : ", ") + std::string(t.name);
  return out + ", type_N";
}

std::string icmp_code_names(std::string_view type) {
  std::string out;
  if (const TypeName* t = find_type(type)) {
    for (const CodeName& c : t->codes) out += (out.empty() ? "" : ", ") + std::string(c.name);
  }
  return out + (out.empty() ? "" : ", ") + "a number, code_N";
}

std::string check_icmp_names(std::string_view type, std::string_view code, bool& code_at_fault) {
  code_at_fault = false;
  const TypeName* t = find_type(type);
  if (!t) {
    if (numbered(type, "type_", false)) {
      if (code.empty() || numbered(code, "code_", true)) return "";
      code_at_fault = true;
      return "ICMP code '" + std::string(code) + "' after a numbered type must be a number or code_N";
    }
    return "unknown ICMP type '" + std::string(type) + "' (known: " + icmp_type_names() + ")";
  }
  if (code.empty() || numbered(code, "code_", true) || find_code(*t, code)) return "";
  code_at_fault = true;
  if (t->codes.empty()) {
    return "unknown ICMP code '" + std::string(code) + "': " + t->name +
           " takes no code name (a number or code_N only)";
  }
  return "unknown ICMP code '" + std::string(code) + "' for " + t->name + " (known: " +
         icmp_code_names(type) + ")";
}

bool icmp_takes_mtu(std::string_view type, std::string_view code) {
  if (type == "packet_too_big") return true;
  if (type != "unreachable") return false;
  if (code == "frag_needed") return true;
  const auto number = numbered(code, "code_", true);
  return number && *number == icmp::kV4FragNeeded;
}

Result<IcmpTypeCode> resolve_icmp(std::string_view type, std::string_view code, bool ipv6) {
  const char* version = ipv6 ? "IPv6" : "IPv4";
  auto pick = [&](const Meaning& m, std::string_view what) -> Result<IcmpTypeCode> {
    const auto& value = ipv6 ? m.v6 : m.v4;
    if (value) return *value;
    return make_error("'" + std::string(what) + "' has no meaning on an " + version + " run: " +
                      (ipv6 ? m.v6_missing : m.v4_missing));
  };
  const TypeName* t = find_type(type);
  if (!t) {
    const auto number = numbered(type, "type_", false);
    if (!number) return make_error("unknown ICMP type '" + std::string(type) + "'");
    IcmpTypeCode out{*number, 0};
    if (!code.empty()) {
      const auto c = numbered(code, "code_", true);
      if (!c) return make_error("bad ICMP code '" + std::string(code) + "'");
      out.code = *c;
    }
    return out;
  }
  if (code.empty()) return pick(t->meaning, type);
  if (const CodeName* c = find_code(*t, code)) {
    return pick(c->meaning, std::string(type) + " " + std::string(code));
  }
  const auto number = numbered(code, "code_", true);
  if (!number) return make_error("unknown ICMP code '" + std::string(code) + "' for " + t->name);
  Result<IcmpTypeCode> base = pick(t->meaning, type);
  if (!base) return base;
  // A numbered code keeps the type; packet_too_big on IPv4 is Destination Unreachable code 4
  // whatever the number, so only its own code 0 makes sense there.
  if (type == "packet_too_big" && !ipv6) {
    if (*number != 0) return make_error("packet_too_big on IPv4 is unreachable frag_needed; it takes no other code");
    return base;
  }
  base->code = *number;
  return base;
}

}  // namespace synack::script
