#include "harness/run/syscalls.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdlib>

#include "harness/run/connection.h"
#include "harness/run/executor.h"
#include "harness/run/symbols.h"
#include "harness/script/parser.h"

namespace synack::run {

using script::Expr;
using targets::SocketCall;
using targets::SysOp;

std::optional<std::int64_t> eval_int(const Expr& e, const std::map<std::string, std::string>& defines) {
  switch (e.kind) {
    case Expr::Kind::Int: return e.int_value;
    case Expr::Kind::Symbol: {
      if (auto v = symbol_value(e.text)) return v;
      if (auto it = defines.find(e.text); it != defines.end()) {
        char* end = nullptr;
        long long v = std::strtoll(it->second.c_str(), &end, 0);
        if (end && *end == '\0' && !it->second.empty()) return v;
      }
      return std::nullopt;
    }
    case Expr::Kind::BinaryOr: {
      if (e.items.size() != 2) return std::nullopt;
      auto a = eval_int(*e.items[0], defines);
      auto b = eval_int(*e.items[1], defines);
      if (!a || !b) return std::nullopt;
      return *a | *b;
    }
    case Expr::Kind::Call:
      // Byte-order helpers are the identity here: the harness works in host order.
      if ((e.text == "htons" || e.text == "htonl" || e.text == "ntohs" || e.text == "ntohl") &&
          e.items.size() == 1)
        return eval_int(*e.items[0], defines);
      return std::nullopt;
    case Expr::Kind::List:
      if (e.items.size() == 1) return eval_int(*e.items[0], defines);
      return std::nullopt;
    default: return std::nullopt;
  }
}

namespace {

struct Args {
  const script::SyscallSpec& spec;
  CallContext& ctx;
  PreparedCall& out;

  std::size_t count() const { return spec.args.size(); }
  bool need(std::size_t n) {
    if (spec.args.size() >= n) return true;
    out.invalid = spec.name + "() needs " + std::to_string(n) + " arguments, the line gives " +
                  std::to_string(spec.args.size());
    return false;
  }
  bool is_ellipsis(std::size_t i) const {
    return i < spec.args.size() && spec.args[i]->kind == Expr::Kind::Ellipsis;
  }
  std::optional<std::int64_t> integer(std::size_t i) {
    if (i >= spec.args.size()) return std::nullopt;
    auto v = eval_int(*spec.args[i], ctx.defines);
    if (!v && out.invalid.empty())
      out.invalid = spec.name + "(): argument " + std::to_string(i + 1) + " ('" +
                    script::print_expr(*spec.args[i]) + "') is not an integer or known constant";
    return v;
  }
  std::optional<int> fd(std::size_t i) {
    auto v = integer(i);
    if (!v) return std::nullopt;
    auto it = ctx.fds.find(*v);
    return it != ctx.fds.end() ? it->second : static_cast<int>(*v);
  }
};

// Sum of iov_len fields in an iovec list [{iov_base=..., iov_len=N}, ...] (or [{..., N}]).
std::optional<std::size_t> iov_total(const Expr& list, const std::map<std::string, std::string>& defines) {
  if (list.kind != Expr::Kind::List) return std::nullopt;
  std::size_t total = 0;
  for (const auto& item : list.items) {
    if (item->kind != Expr::Kind::Struct || item->fields.empty()) return std::nullopt;
    const auto& last = item->fields.back();
    auto v = eval_int(*last.second, defines);
    if (!v || *v < 0) return std::nullopt;
    total += static_cast<std::size_t>(*v);
  }
  return total;
}

std::optional<std::int64_t> struct_field(const Expr& e, std::initializer_list<const char*> names,
                                         const std::map<std::string, std::string>& defines) {
  if (e.kind != Expr::Kind::Struct) return std::nullopt;
  for (const auto& [name, value] : e.fields)
    for (const char* n : names)
      if (name == n) return eval_int(*value, defines);
  return std::nullopt;
}

// setsockopt(fd, IPPROTO_IP, IP_OPTIONS, "\x01\x83\x0b\x04...", N): the IPv4 options of every
// datagram the socket sends, as bytes in a string (packetdrill passes a string argument as the
// option buffer), e.g. an LSRR source route (RFC 1122 4.2.3.8, MUST-51). "" (length 0) clears
// them. The length argument must be the string's length (or "...").
bool prepare_ip_options(SocketCall& c, Args& a) {
  const Expr& v = *a.spec.args[3];
  if (v.kind != Expr::Kind::String) {
    a.out.invalid = "setsockopt(IP_OPTIONS): expected the option bytes as a string, e.g. "
                    "\"\\x01\\x83\\x0b\\x04...\", found '" + script::print_expr(v) + "'";
    return false;
  }
  c.data.assign(v.text.begin(), v.text.end());
  if (c.data.size() > 40) {
    a.out.invalid = "setsockopt(IP_OPTIONS): " + std::to_string(c.data.size()) +
                    " octets, at most 40 fit an IPv4 header";
    return false;
  }
  if (a.count() >= 5 && !a.is_ellipsis(4)) {
    auto len = a.integer(4);
    if (!len) return false;
    if (*len != static_cast<std::int64_t>(c.data.size())) {
      a.out.invalid = "setsockopt(IP_OPTIONS): length " + std::to_string(*len) + ", but the string holds " +
                      std::to_string(c.data.size()) + " octets";
      return false;
    }
  }
  return true;
}

void prepare_address(SocketCall& c, const Args& a, bool peer) {
  // "..." means the scripted address: the stack's own for bind, the peer's for connect.
  const auto& net = a.ctx.network;
  c.address = peer ? net.remote : net.local;
  if (net.ipv4_mapped_ipv6) c.address = c.address.mapped_v6();
  c.port = peer ? a.ctx.remote_port : a.ctx.local_port;
}

// An explicit sockaddr, as packetdrill writes it:
//   {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("192.0.2.1")}
//   {sa_family=AF_INET6, sin6_port=htons(8080), sin6_addr=inet6_addr("2001:db8::1")}
// The address must be one the harness may use (documentation ranges, loopback) or, for bind(),
// the wildcard (INADDR_ANY, "0.0.0.0", "::"). False with out.invalid set when it is not usable.
bool prepare_explicit_address(SocketCall& c, const Expr& arg, const Args& a) {
  const std::string& call = a.spec.name;
  const bool bind = call == "bind";
  const auto& defines = a.ctx.defines;
  auto invalid = [&](const std::string& why) {
    a.out.invalid = call + "(): " + why;
    return false;
  };
  if (arg.kind != Expr::Kind::Struct)
    return invalid("expected '...' or a sockaddr like {sa_family=AF_INET, sin_port=htons(8080), "
                   "sin_addr=inet_addr(\"192.0.2.1\")}, found '" + script::print_expr(arg) + "'");
  std::optional<std::int64_t> family, port;
  const Expr* addr = nullptr;
  bool v6_fields = false, v4_fields = false;
  for (const auto& [name, value] : arg.fields) {
    const std::string shown = name + "=" + script::print_expr(*value);
    if (name == "sa_family" || name == "sin_family" || name == "sin6_family") {
      family = eval_int(*value, defines);
      if (!family || (*family != AF_INET && *family != AF_INET6))
        return invalid("sockaddr field " + shown + ": expected AF_INET or AF_INET6");
    } else if (name == "sin_port" || name == "sin6_port") {
      port = eval_int(*value, defines);
      if (!port || *port < 0 || *port > 65535)
        return invalid("sockaddr field " + shown + ": expected a port like htons(8080)");
    } else if (name == "sin_addr" || name == "sin6_addr") {
      addr = value.get();
    } else if (name == "sin6_flowinfo" || name == "sin6_scope_id") {
      if (eval_int(*value, defines) != 0) return invalid("sockaddr field " + shown + ": only 0 is supported");
    } else {
      return invalid("unknown sockaddr field '" + (name.empty() ? script::print_expr(*value) : name) +
                     "' (expected sa_family, sin_port/sin6_port, sin_addr/sin6_addr)");
    }
    if (name.starts_with("sin6_")) v6_fields = true;
    if (name.starts_with("sin_")) v4_fields = true;
  }
  if (!family || !port || !addr)
    return invalid("the sockaddr needs sa_family, a port (sin_port/sin6_port) and an address "
                   "(sin_addr/sin6_addr)");
  const bool v6 = *family == AF_INET6;
  if ((v6 && v4_fields) || (!v6 && v6_fields))
    return invalid(std::string("sockaddr fields of AF_INET and AF_INET6 mixed (sa_family=") +
                   (v6 ? "AF_INET6" : "AF_INET") + ")");

  // The address: inet_addr("a.b.c.d") / inet6_addr("x::y"), or the wildcard INADDR_ANY.
  std::optional<net::IpAddress> address;
  const std::string addr_text = script::print_expr(*addr);
  const Expr* inner = addr;
  if (inner->kind == Expr::Kind::Call && (inner->text == "htonl") && inner->items.size() == 1)
    inner = inner->items[0].get();
  if (inner->kind == Expr::Kind::Call && inner->items.size() == 1 &&
      inner->items[0]->kind == Expr::Kind::String &&
      (inner->text == "inet_addr" || inner->text == "inet6_addr")) {
    const bool want_v6 = inner->text == "inet6_addr";
    if (want_v6 != v6)
      return invalid("sockaddr address " + addr_text + ": use " + (v6 ? "inet6_addr" : "inet_addr") +
                     " with sa_family=" + (v6 ? "AF_INET6" : "AF_INET"));
    address = net::IpAddress::parse(inner->items[0]->text);
    if (!address || (address->version == net::IpVersion::v6) != v6)
      return invalid("sockaddr address " + addr_text + ": not an " + (v6 ? "IPv6" : "IPv4") + " address");
  } else if ((inner->kind == Expr::Kind::Symbol && (inner->text == "INADDR_ANY" || inner->text == "in6addr_any")) ||
             (inner->kind == Expr::Kind::Int && inner->int_value == 0)) {
    address = v6 ? *net::IpAddress::parse("::") : net::IpAddress::v4(0, 0, 0, 0);
  } else {
    return invalid("sockaddr address " + addr_text + ": expected " +
                   (v6 ? "inet6_addr(\"2001:db8::1\")" : "inet_addr(\"192.0.2.1\")") + " or INADDR_ANY");
  }
  const bool wildcard = address->bytes == std::array<std::uint8_t, 16>{};
  if (wildcard && !bind)
    return invalid("sockaddr address " + addr_text + ": the wildcard address is only allowed in bind()");
  if (!wildcard && !is_permitted_address(*address))
    return invalid("sockaddr address " + addr_text + ": only documentation ranges (192.0.2.0/24, "
                   "198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) and loopback may be used");

  // The family must fit the run: IPv4 sockets cannot take an IPv6 address, and an IPv6 run has
  // IPv6 sockets; ipv4-mapped-ipv6 runs take AF_INET addresses mapped, as '...' does.
  const auto& network = a.ctx.network;
  if (network.ipv4_mapped_ipv6) {
    if (!v6) address = address->mapped_v6();
  } else if (v6 != (network.ip_version == net::IpVersion::v6)) {
    return invalid(std::string("an ") + (v6 ? "AF_INET6" : "AF_INET") + " sockaddr in an " +
                   (network.ip_version == net::IpVersion::v6 ? "IPv6" : "IPv4") + " run (--ip_version)");
  }
  c.address = *address;
  c.port = static_cast<std::uint16_t>(*port);
  return true;
}

}  // namespace

PreparedCall prepare_call(const script::SyscallSpec& spec, CallContext& ctx) {
  PreparedCall out;
  Args a{spec, ctx, out};
  SocketCall c;
  c.name = spec.name;
  const std::string& n = spec.name;
  auto set_fd = [&]() -> bool {
    if (!a.need(1)) return false;
    auto fd = a.fd(0);
    if (!fd) return false;
    c.fd = *fd;
    return true;
  };

  if (n == "socket") {
    if (!a.need(3)) return out;
    c.op = SysOp::Socket;
    const bool v6 = ctx.network.ip_version == net::IpVersion::v6 || ctx.network.ipv4_mapped_ipv6;
    if (a.is_ellipsis(0)) c.domain = v6 ? AF_INET6 : AF_INET;
    else if (auto d = a.integer(0)) c.domain = static_cast<int>(*d);
    auto t = a.integer(1);
    auto p = a.is_ellipsis(2) ? std::optional<std::int64_t>(IPPROTO_TCP) : a.integer(2);
    if (!t || !p) return out;
    c.type = static_cast<int>(*t);
    c.protocol = static_cast<int>(*p);
  } else if (n == "bind" || n == "connect") {
    if (!a.need(3) || !set_fd()) return out;
    c.op = n == "bind" ? SysOp::Bind : SysOp::Connect;
    if (a.is_ellipsis(1)) prepare_address(c, a, n == "connect");
    else if (!prepare_explicit_address(c, *spec.args[1], a)) return out;
  } else if (n == "listen") {
    if (!a.need(2) || !set_fd()) return out;
    c.op = SysOp::Listen;
    auto b = a.integer(1);
    if (!b) return out;
    c.backlog = static_cast<int>(*b);
  } else if (n == "accept" || n == "accept4") {
    if (!set_fd()) return out;
    c.op = SysOp::Accept;
  } else if (n == "read" || n == "recv" || n == "recvfrom" || n == "write" || n == "send" ||
             n == "sendto") {
    if (!a.need(3) || !set_fd()) return out;
    const bool reading = n == "read" || n == "recv" || n == "recvfrom";
    c.op = reading ? SysOp::Read : SysOp::Write;
    auto len = a.integer(2);
    if (!len) return out;
    if (*len < 0) { out.invalid = n + "(): negative length"; return out; }
    c.length = static_cast<std::size_t>(*len);
    if (a.count() >= 4 && !a.is_ellipsis(3)) {
      auto flags = a.integer(3);
      if (!flags) return out;
      c.msg_flags = static_cast<int>(*flags);
    }
    // sendto(fd, buf, len, flags, ADDRESS, addrlen): "..." is the scripted peer; NULL is none.
    if (n == "sendto" && a.count() >= 5) {
      const Expr& dest = *spec.args[4];
      const bool none = dest.kind == Expr::Kind::Symbol && dest.text == "NULL";
      if (!none) {
        if (a.is_ellipsis(4)) prepare_address(c, a, true);
        else if (!prepare_explicit_address(c, dest, a)) return out;
        c.has_address = true;
      }
    }
  } else if (n == "readv" || n == "writev") {
    if (!a.need(3) || !set_fd()) return out;
    c.op = n == "readv" ? SysOp::Read : SysOp::Write;
    auto total = iov_total(*spec.args[1], ctx.defines);
    if (!total) { out.invalid = n + "(): expected an iovec list like [{..., 1000}]"; return out; }
    c.length = *total;
  } else if (n == "close") {
    if (!set_fd()) return out;
    c.op = SysOp::Close;
  } else if (n == "shutdown") {
    if (!a.need(2) || !set_fd()) return out;
    c.op = SysOp::Shutdown;
    auto how = a.integer(1);
    if (!how) return out;
    c.how = static_cast<int>(*how);
  } else if (n == "setsockopt" || n == "getsockopt") {
    if (!a.need(4) || !set_fd()) return out;
    c.op = n == "setsockopt" ? SysOp::SetSockOpt : SysOp::GetSockOpt;
    auto level = a.integer(1);
    auto opt = a.integer(2);
    if (!level || !opt) return out;
    c.level = static_cast<int>(*level);
    c.optname = static_cast<int>(*opt);
    if (c.op == SysOp::GetSockOpt && c.level == IPPROTO_IP && c.optname == IP_OPTIONS) {
      out.unsupported = "getsockopt(IP_OPTIONS)";
      return out;
    }
    if (c.op == SysOp::SetSockOpt) {
      const Expr& v = *spec.args[3];
      if (c.level == SOL_SOCKET && c.optname == SO_LINGER) {
        auto on = struct_field(v, {"l_onoff", "onoff"}, ctx.defines);
        auto secs = struct_field(v, {"l_linger", "linger"}, ctx.defines);
        if (!on || !secs) { out.invalid = "setsockopt(SO_LINGER): expected {l_onoff=N, l_linger=N}"; return out; }
        c.int_value = *on;
        c.linger_seconds = *secs;
      } else if (c.level == IPPROTO_IP && c.optname == IP_OPTIONS) {
        if (!prepare_ip_options(c, a)) return out;
      } else if (auto iv = eval_int(v, ctx.defines)) {
        c.int_value = *iv;
      } else {
        out.unsupported = "setsockopt() with value '" + script::print_expr(v) + "'";
        return out;
      }
    }
  } else if (n == "fcntl") {
    if (!a.need(2) || !set_fd()) return out;
    c.op = SysOp::Fcntl;
    auto cmd = a.integer(1);
    if (!cmd) return out;
    c.fcntl_cmd = static_cast<int>(*cmd);
    if (a.count() >= 3) {
      auto arg = a.integer(2);
      if (!arg) return out;
      c.fcntl_arg = *arg;
    }
  } else if (n == "poll") {
    if (!a.need(3)) return out;
    c.op = SysOp::Poll;
    const Expr& fds = *spec.args[0];
    if (fds.kind != Expr::Kind::List || fds.items.size() != 1) {
      out.unsupported = "poll() on other than exactly one descriptor";
      return out;
    }
    auto fd = struct_field(*fds.items[0], {"fd"}, ctx.defines);
    auto ev = struct_field(*fds.items[0], {"events"}, ctx.defines);
    auto timeout = a.integer(2);
    if (!fd || !ev || !timeout) {
      if (out.invalid.empty()) out.invalid = "poll(): expected [{fd=N, events=..., revents=...}], 1, timeout";
      return out;
    }
    auto it = ctx.fds.find(*fd);
    c.fd = it != ctx.fds.end() ? it->second : static_cast<int>(*fd);
    c.poll_events = static_cast<short>(*ev);
    c.poll_timeout_ms = static_cast<int>(*timeout);
  } else {
    out.unsupported = "system call '" + n + "'";
    return out;
  }
  if (!out.invalid.empty()) return out;
  if (c.op == SysOp::Write) c.data = stream_bytes(ctx.bytes_written[c.fd], c.length);
  out.call = std::move(c);
  return out;
}

std::string describe_result(const targets::CallResult& r) {
  if (r.ret == -1 && r.err != 0) return "-1 " + errno_name(r.err) + " (" + errno_text(r.err) + ")";
  return std::to_string(r.ret);
}

std::string describe_expected_result(const script::SyscallSpec& spec) {
  std::string s = spec.result ? script::print_expr(*spec.result) : "?";
  if (spec.errno_name) s += " " + *spec.errno_name;
  return s;
}

std::vector<std::string> check_call_result(const script::SyscallSpec& spec, const SocketCall& call,
                                           const targets::CallResult& r, CallContext& ctx) {
  std::vector<std::string> diffs;
  const Expr* want = spec.result.get();
  std::optional<std::int64_t> want_ret =
      want && want->kind != Expr::Kind::Ellipsis ? eval_int(*want, ctx.defines) : std::nullopt;
  const bool new_fd = call.op == SysOp::Socket || call.op == SysOp::Accept;

  if (want_ret) {
    if (new_fd && *want_ret >= 0) {
      // A new descriptor: the target's number may differ; remember the mapping.
      if (r.ret < 0) diffs.push_back("returned " + describe_result(r) + ", expected a descriptor (" + std::to_string(*want_ret) + ")");
      else ctx.fds[*want_ret] = static_cast<int>(r.ret);
    } else if (r.ret != *want_ret) {
      diffs.push_back("returned " + describe_result(r) + ", expected " + describe_expected_result(spec));
    }
  }
  if (spec.errno_name) {
    auto want_err = errno_value(*spec.errno_name);
    if (!want_err) diffs.push_back("unknown errno name " + *spec.errno_name);
    else if (r.err != *want_err && diffs.empty())
      diffs.push_back("errno " + errno_name(r.err) + ", expected " + *spec.errno_name);
  }
  if (!diffs.empty() || r.ret < 0) return diffs;

  if (call.op == SysOp::Accept) ctx.last_socket = static_cast<int>(r.ret);
  if (call.op == SysOp::Connect) ctx.last_socket = call.fd;
  if (call.op == SysOp::Socket && !ctx.last_socket) ctx.last_socket = static_cast<int>(r.ret);
  if (call.op == SysOp::Write) ctx.bytes_written[call.fd] += static_cast<std::uint64_t>(r.ret);
  if (call.op == SysOp::Read) {
    auto& offset = ctx.bytes_read[call.fd];
    const bool peek = call.msg_flags & MSG_PEEK;
    std::uint64_t pos = offset;  // the peer stream offset of the next byte read
    for (std::size_t i = 0; i < r.data.size(); ++i, ++pos) {
      if (r.data[i] == stream_byte(pos)) continue;
      // An urgent byte taken out of the stream: the data goes on after it.
      if (ctx.urgent_offsets.count(pos) && r.data[i] == stream_byte(pos + 1)) {
        ++pos;
        continue;
      }
      diffs.push_back("data read differs from the data the peer sent at stream byte " + std::to_string(pos));
      break;
    }
    if (!peek) offset = pos;
  }
  if (call.op == SysOp::GetSockOpt && spec.args.size() >= 4) {
    const Expr& v = *spec.args[3];
    if (call.level == SOL_TCP && call.optname == TCP_INFO) {
      if (v.kind == Expr::Kind::Struct) {
        for (const auto& [field, value] : v.fields) {
          if (field.empty() || value->kind == Expr::Kind::Ellipsis) continue;
          auto wantv = eval_int(*value, ctx.defines);
          auto it = r.tcp_info.find(field);
          if (it == r.tcp_info.end()) diffs.push_back(field + ": not reported by this target");
          else if (!wantv) diffs.push_back(field + ": expected value is not an integer");
          else if (it->second != *wantv)
            diffs.push_back(field + " = " + std::to_string(it->second) + ", expected " + std::to_string(*wantv));
        }
      }
    } else if (call.level == SOL_SOCKET && call.optname == SO_LINGER) {
      auto on = struct_field(v, {"l_onoff", "onoff"}, ctx.defines);
      auto secs = struct_field(v, {"l_linger", "linger"}, ctx.defines);
      if (on && r.int_value && (*on != 0) != (*r.int_value != 0))
        diffs.push_back("l_onoff = " + std::to_string(*r.int_value) + ", expected " + std::to_string(*on));
      if (secs && r.linger_seconds && *secs != *r.linger_seconds)
        diffs.push_back("l_linger = " + std::to_string(*r.linger_seconds) + ", expected " + std::to_string(*secs));
    } else if (v.kind != Expr::Kind::Ellipsis) {
      auto wantv = eval_int(v, ctx.defines);
      if (wantv && r.int_value && *wantv != *r.int_value)
        diffs.push_back("option value " + std::to_string(*r.int_value) + ", expected " + std::to_string(*wantv));
      else if (wantv && !r.int_value)
        diffs.push_back("the target returned no option value");
    }
  }
  if (call.op == SysOp::Poll && !spec.args.empty() && spec.args[0]->items.size() == 1) {
    auto want_rev = struct_field(*spec.args[0]->items[0], {"revents"}, ctx.defines);
    if (want_rev && *want_rev != r.revents)
      diffs.push_back("revents " + std::to_string(r.revents) + ", expected " + std::to_string(*want_rev));
  }
  return diffs;
}

}  // namespace synack::run
