// IPv4 source routes: RFC 9293 §3.9.2.1 (MUST-51, MUST-52, MUST-53, SHLD-24), which points to
// RFC 1122 §4.2.3.8 ("IP Options") and §3.2.1.8 (c) ("Source Route"); the option is RFC 791's
// Loose or Strict Source and Record Route.
//
// An application may give a route with setsockopt(IP_OPTIONS) before it opens the connection
// (MUST-51); that route wins over any received one (MUST-52). A passively opened connection whose
// SYN arrived by a completed source route keeps the route back and sends every segment along it,
// the SYN-ACK included (MUST-53); a later acceptable segment that arrived by a different route
// replaces it (SHLD-24, `source_route_update`). Whether source-routed datagrams reach TCP at all
// is `accept_source_route` (Linux and FreeBSD drop them by default).
#include "targets/reference/source_route.h"

#include <netinet/in.h>

#include <algorithm>
#include <cerrno>

#include "targets/reference/socket.h"
#include "targets/reference/stack.h"

namespace synack::reference {
namespace {

net::IpAddress address_at(std::span<const std::uint8_t> bytes) {
  net::IpAddress a;
  std::copy(bytes.begin(), bytes.begin() + 4, a.bytes.begin());
  return a;
}

bool is_route_option(std::uint8_t kind) { return kind == kIpOptionLsrr || kind == kIpOptionSsrr; }

}  // namespace

Result<std::optional<ReceivedRoute>> find_source_route(std::span<const std::uint8_t> ip_options) {
  std::optional<ReceivedRoute> found;
  for (std::size_t at = 0; at < ip_options.size();) {
    const std::uint8_t kind = ip_options[at];
    if (kind == 0) break;  // EOL
    if (kind == 1) {       // NOP
      ++at;
      continue;
    }
    if (at + 1 >= ip_options.size() || ip_options[at + 1] < 2 ||
        at + ip_options[at + 1] > ip_options.size()) {
      return make_error("IPv4 option " + std::to_string(kind) + " overruns the header");
    }
    const std::size_t length = ip_options[at + 1];
    if (is_route_option(kind)) {
      if (found) return make_error("two source route options in one datagram");
      if (length < 3 || (length - 3) % 4 != 0) {
        return make_error("source route option of length " + std::to_string(length) +
                          " (not 3 + 4n)");
      }
      ReceivedRoute route;
      route.strict = kind == kIpOptionSsrr;
      route.pointer = ip_options[at + 2];
      if (route.pointer < 4 || (route.pointer - 4) % 4 != 0) {
        return make_error("source route pointer " + std::to_string(route.pointer) +
                          " is not at a slot");
      }
      for (std::size_t slot = at + 3; slot + 4 <= at + length; slot += 4) {
        route.addresses.push_back(address_at(ip_options.subspan(slot, 4)));
      }
      found = std::move(route);
    }
    at += length;
  }
  return found;
}

SourceRoute return_route(const ReceivedRoute& received, const net::IpAddress& source) {
  SourceRoute back;
  back.strict = received.strict;
  back.hops.assign(received.addresses.rbegin(), received.addresses.rend());
  // RFC 1122 §3.2.1.8 (c): "it MUST be correctly formed even if the recorded route included the
  // source host": the final destination goes in the last slot anyway, so drop the duplicate.
  if (!back.hops.empty() && back.hops.back() == source) back.hops.pop_back();
  return back;
}

Result<SourceRoute> parse_user_source_route(std::span<const std::uint8_t> options) {
  auto found = find_source_route(options);
  if (!found) return found.error();
  SourceRoute route;
  if (!*found) {
    // Only padding (or nothing): no route. Any other option is not modelled.
    for (std::uint8_t b : options) {
      if (b > 1) return make_error("IP_OPTIONS other than a source route are not supported");
    }
    return route;
  }
  for (std::size_t at = 0; at < options.size();) {
    if (options[at] <= 1) {
      if (options[at] == 0) break;
      ++at;
      continue;
    }
    if (!is_route_option(options[at])) {
      return make_error("IP_OPTIONS other than a source route are not supported");
    }
    at += options[at + 1];
  }
  const ReceivedRoute& given = **found;
  // Linux's ip_options_compile for a socket: the pointer must be 4 and there must be a slot.
  if (given.pointer != 4 || given.addresses.empty()) {
    return make_error("a source route for IP_OPTIONS starts with pointer 4 and has a slot");
  }
  route.strict = given.strict;
  route.hops = given.addresses;
  return route;
}

void put_source_route(const SourceRoute& route, net::Segment& seg) {
  if (route.empty() || seg.dst.version != net::IpVersion::v4) return;
  std::vector<std::uint8_t> option;
  option.push_back(route.strict ? kIpOptionSsrr : kIpOptionLsrr);
  option.push_back(static_cast<std::uint8_t>(3 + 4 * route.hops.size()));
  option.push_back(4);  // the next slot to use: the first
  auto put = [&](const net::IpAddress& a) { option.insert(option.end(), a.bytes.begin(), a.bytes.begin() + 4); };
  for (std::size_t i = 1; i < route.hops.size(); ++i) put(route.hops[i]);
  put(seg.dst);  // the final destination
  while (option.size() % 4 != 0) option.push_back(0);  // EOL
  seg.dst = route.hops.front();
  seg.ip_options = std::move(option);
}

// ---- The IP layer, before TCP sees the segment (Stack::segment_arrives) ----

bool Stack::source_route_admits(const net::Segment& seg) const {
  auto found = find_source_route(seg.ip_options);
  if (!found) {
    trace(nullptr, "RFC 791 3.1: malformed source route option, datagram discarded");
    return false;
  }
  if (!*found) return true;
  if (!cfg_.accept_source_route) {
    trace(nullptr, "source-routed datagram dropped by IP (accept_source_route off, as Linux's "
                   "net.ipv4.conf.all.accept_source_route = 0 and FreeBSD's default)");
    return false;
  }
  if (!(*found)->completed()) {
    trace(nullptr, "RFC 1122 3.3.5: source route not completed and this host does not forward, "
                   "datagram discarded");
    return false;
  }
  return true;
}

// ---- TCP: saving, replacing and using the route ----

namespace {

// The route back along which `seg` came, when it came by a completed source route.
std::optional<SourceRoute> arrived_by(const net::Segment& seg) {
  auto found = find_source_route(seg.ip_options);
  if (!found || !*found || !(*found)->completed()) return std::nullopt;
  SourceRoute back = return_route(**found, seg.src);
  if (back.empty()) return std::nullopt;
  return back;
}

}  // namespace

void Stack::save_return_route(Tcb& tcb, const net::Segment& syn) {
  if (auto back = arrived_by(syn)) {
    tcb.return_route = std::move(*back);
    trace(&tcb, tcb.opts.source_route.empty()
                    ? "RFC 1122 4.2.3.8 (MUST-53): SYN by a source route, its return route saved "
                      "for every segment of the connection"
                    : "RFC 1122 4.2.3.8 (MUST-52): SYN by a source route, saved, but the "
                      "application's route takes precedence");
  }
}

void Stack::update_return_route(Tcb& tcb, const net::Segment& seg) {
  if (!tcb.passive) return;
  auto back = arrived_by(seg);
  if (!back || *back == tcb.return_route) return;
  if (!cfg_.source_route_update) {
    trace(&tcb, "a different source route arrived; the saved return route is kept "
                "(source_route_update off, as Linux and BSD)");
    return;
  }
  tcb.return_route = std::move(*back);
  trace(&tcb, "RFC 1122 4.2.3.8 (SHLD-24): a different source route arrived, it replaces the "
              "saved return route");
}

void Stack::route_segment(const Tcb& tcb, net::Segment& seg) const {
  // MUST-52: the application's route, when it gave one, over the received one.
  put_source_route(tcb.opts.source_route.empty() ? tcb.return_route : tcb.opts.source_route, seg);
}

int Stack::set_ip_options(int fd, std::span<const std::uint8_t> options) {
  Socket* s = sock(fd);
  if (!s) return -EBADF;
  if (s->domain != AF_INET) return -ENOPROTOOPT;  // IPv4 header options
  auto route = parse_user_source_route(options);
  if (!route) return -EINVAL;
  s->opts.source_route = *route;
  if (s->tcb) s->tcb->opts.source_route = std::move(*route);  // the next segment follows it
  return 0;
}

}  // namespace synack::reference
