#include "harness/run/executor.h"

#include <netinet/tcp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <map>
#include <sstream>

#include "harness/net/codec.h"
#include "harness/net/format.h"
#include "harness/run/assertions.h"
#include "harness/run/connection.h"
#include "harness/run/icmp_injection.h"
#include "harness/run/syscalls.h"
#include "harness/script/parser.h"

namespace synack::run {

using script::Event;
using script::EventTime;
using script::PacketSpec;
using script::TimePoint;
using targets::Observation;

bool is_permitted_address(const net::IpAddress& a) {
  const auto& b = a.bytes;
  if (a.version == net::IpVersion::v4) {
    if (b[0] == 127) return true;                                           // loopback
    if (b[0] == 192 && b[1] == 0 && b[2] == 2) return true;                 // TEST-NET-1
    if (b[0] == 198 && b[1] == 51 && b[2] == 100) return true;              // TEST-NET-2
    if (b[0] == 203 && b[1] == 0 && b[2] == 113) return true;               // TEST-NET-3
    return false;
  }
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // 2001:db8::/32
  static const std::array<std::uint8_t, 16> loopback = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return b == loopback;
}

namespace {

// Script options the executor understands; packetdrill options that change nothing here are
// accepted and ignored; anything else makes the script skipped with the reason.
const char* const kIgnoredOptions[] = {"verbose", "mtu", "non_fatal", "strict_segments", "speed"};

std::optional<std::string> option_value(const script::Script& s, const ExecOptions& o, const std::string& name) {
  std::optional<std::string> v;
  for (const auto& opt : s.options) if (opt.name == name) v = opt.value;
  for (const auto& opt : o.overrides) if (opt.name == name) v = opt.value;
  return v;
}

}  // namespace

Result<targets::Network> network_for(const script::Script& s, const ExecOptions& o) {
  targets::Network net;
  if (auto v = option_value(s, o, "ip_version")) {
    if (*v == "ipv4") {
    } else if (*v == "ipv6") {
      net.ip_version = net::IpVersion::v6;
      net.local = *net::IpAddress::parse("2001:db8::1");
      net.remote = *net::IpAddress::parse("2001:db8:1::1");
    } else if (*v == "ipv4-mapped-ipv6") {
      net.ipv4_mapped_ipv6 = true;
    } else {
      return make_error("--ip_version=" + *v + ": expected ipv4, ipv6 or ipv4-mapped-ipv6");
    }
  }
  for (const char* which : {"local_ip", "remote_ip"}) {
    auto v = option_value(s, o, which);
    if (!v) continue;
    auto addr = net::IpAddress::parse(*v);
    if (!addr) return make_error(std::string("--") + which + "=" + *v + ": not an IP address");
    if (!is_permitted_address(*addr))
      return make_error(std::string("--") + which + "=" + *v +
                        ": only documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, "
                        "2001:db8::/32) and loopback may be used");
    if (addr->version != net.ip_version)
      return make_error(std::string("--") + which + "=" + *v + ": address family does not match --ip_version");
    (std::string(which) == "local_ip" ? net.local : net.remote) = *addr;
  }
  return net;
}

Result<void> apply_inject(const script::InjectOverrides& inject, const targets::Network& network,
                          net::Segment& seg) {
  if (inject.bad_tcp_checksum) seg.corrupt_checksum = true;
  if (!inject.ip_options.empty()) {
    if (network.ip_version != net::IpVersion::v4)
      return make_error("inject: ip-options: IPv4 header options, but the script runs over IPv6");
    seg.ip_options = inject.ip_options;
  }
  const std::pair<const char*, const std::optional<std::string>*> overrides[] = {
      {"src", &inject.src}, {"dst", &inject.dst}};
  for (const auto& [key, text] : overrides) {
    if (!*text) continue;
    const std::string item = std::string("inject: ") + key + "=" + **text;
    auto addr = net::IpAddress::parse(**text);
    if (!addr) return make_error(item + ": not an IP address");
    if (!is_permitted_address(*addr))
      return make_error(item + ": only documentation ranges (192.0.2.0/24, 198.51.100.0/24, "
                               "203.0.113.0/24, 2001:db8::/32) and loopback may be used");
    // The wire version of the run (IPv4 also in ipv4-mapped-ipv6 mode).
    if (addr->version != network.ip_version)
      return make_error(item + ": an " + (addr->version == net::IpVersion::v6 ? "IPv6" : "IPv4") +
                        " address, but the script runs over " +
                        (network.ip_version == net::IpVersion::v6 ? "IPv6" : "IPv4"));
    (std::string(key) == "src" ? seg.src : seg.dst) = *addr;
  }
  return {};
}

namespace {

std::string hex_prefix(const std::vector<std::uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < 40; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  if (bytes.size() > 40) out += "...";
  return out;
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

class Execution {
 public:
  Execution(const script::Script& s, targets::Target& t, const ExecOptions& o)
      : script_(s), target_(t), options_(o), caps_(t.capabilities()) {}

  ScriptResult run();

 private:
  struct PendingCall {
    const Event* event = nullptr;
    targets::SocketCall call;
    Micros start = 0;
    std::optional<Micros> want_end;
  };

  bool stopped() const { return result_.verdict.status != Status::Pass; }
  Micros tolerance(Micros interval) const {
    const auto pct = static_cast<Micros>(std::llround(tol_percent_ / 100.0 * static_cast<double>(std::max<Micros>(interval, 0))));
    return std::max(tol_usecs_, pct);
  }
  Micros resolve(const TimePoint& p, Micros base) const {
    return p.kind == TimePoint::Kind::Absolute ? p.usecs : base + p.usecs;
  }
  Connection& connection(std::uint16_t peer_port) {
    auto [it, inserted] = connections_.try_emplace(peer_port);
    if (inserted) it->second.peer_port = peer_port;
    return it->second;
  }

  // --learn_stack_ports (synack diff sets it): a script written from one stack's run names that
  // stack's ephemeral port where a session has several connections. Another stack picks another
  // one: the stack port of an outbound SYN line that the stack did not use is learned from the
  // SYN and stands for the real port on every later line. The listening port (bind_port) and a
  // port already learned are never remapped.
  void learn_stack_port(const PacketSpec& spec, const net::Segment& seg) {
    if (!learn_stack_ports_ || !spec.src_port || *spec.src_port == seg.sport) return;
    if (*spec.src_port == options_.local_port || stack_port_alias_.contains(*spec.src_port)) return;
    if (!seg.has(net::flag::SYN) || !(parse_flags(spec.flags) & net::flag::SYN)) return;
    for (const auto& [from, to] : stack_port_alias_)
      if (to == seg.sport) return;  // that port already stands for another line's port
    stack_port_alias_[*spec.src_port] = seg.sport;
  }
  // The line with its stack port (the destination of an inbound line, the source of an outbound
  // one) replaced by the port learned for it; nullopt when no learned port applies, so the line
  // is used as written and not copied (the usual case, and always without --learn_stack_ports).
  std::optional<PacketSpec> with_stack_port_alias(const PacketSpec& spec, bool inbound) const {
    const std::optional<std::uint16_t>& port = inbound ? spec.dst_port : spec.src_port;
    if (!port) return std::nullopt;
    const auto it = stack_port_alias_.find(*port);
    if (it == stack_port_alias_.end()) return std::nullopt;
    PacketSpec out = spec;
    (inbound ? out.dst_port : out.src_port) = it->second;
    return out;
  }

  void fail(const Event* ev, std::string message, std::string expected = {}, std::string actual = {}) {
    if (stopped()) return;
    result_.verdict.status = Status::Fail;
    Failure f;
    if (ev) {
      f.line = ev->loc.line;
      f.column = ev->loc.column;
      f.script_line = script::print_event(*ev);
    }
    f.message = std::move(message);
    f.expected = std::move(expected);
    f.actual = std::move(actual);
    f.time = target_.now();
    result_.verdict.failure = std::move(f);
  }
  void stop_with(Status status, const Event* ev, std::string reason) {
    if (stopped()) return;
    result_.verdict.status = status;
    result_.verdict.reason = ev ? "line " + std::to_string(ev->loc.line) + ": " + reason : reason;
  }
  void trace(TraceEntry e) { result_.trace.entries.push_back(std::move(e)); }

  bool apply_options();
  void absorb(Observation&& o);
  void wait_until(Micros t);
  std::optional<Observation> next_segment(Micros deadline);
  void check_stale(const Event& ev, Micros sched);
  void complete_call(const Observation& o);
  void finish_pending();

  void run_event(const Event& ev);
  void inbound(const Event& ev, const PacketSpec& spec, Micros sched);
  void inbound_icmp(const Event& ev, const script::IcmpSpec& spec, Micros sched);
  void outbound(const Event& ev, const PacketSpec& spec);
  void syscall(const Event& ev, const script::SyscallSpec& spec, Micros sched);
  void command(const Event* ev, const std::string& cmd);
  void assertion(const Event& ev, const script::AssertSpec& spec);
  void finish();

  const script::Script& script_;
  targets::Target& target_;
  ExecOptions options_;
  targets::Capabilities caps_;
  targets::Network network_;
  Micros tol_usecs_ = 4000;
  double tol_percent_ = 12.5;
  ScriptResult result_;
  CallContext ctx_;
  std::map<std::uint16_t, Connection> connections_;
  // --learn_stack_ports: a stack port the script names -> the port the stack really chose.
  bool learn_stack_ports_ = false;
  std::map<std::uint16_t, std::uint16_t> stack_port_alias_;
  std::deque<Observation> queue_;  // segments the stack sent that no '>' line has taken yet
  std::map<targets::CallId, PendingCall> pending_;
  Micros time_base_ = 0;      // when the previous event completed
  Micros last_segment_time_ = 0;  // when the previous segment went either way (timer slack)
  Micros inject_lateness_ = 0;    // how late the last inbound segment went in (timer slack)
  Micros prev_sched_ = 0;     // when the previous event was scheduled
  bool prev_inbound_ = false;
};

bool Execution::apply_options() {
  if (!caps_.virtual_time) options_.wait_limit = std::min(options_.wait_limit, options_.real_time_wait_limit);
  tol_usecs_ = options_.tolerance_usecs;
  tol_percent_ = options_.tolerance_percent;
  std::vector<script::OptionSetting> all = script_.options;
  all.insert(all.end(), options_.overrides.begin(), options_.overrides.end());
  for (const auto& o : all) {
    char* end = nullptr;
    if (o.name == "tolerance_usecs") {
      long long v = std::strtoll(o.value.c_str(), &end, 10);
      if (o.value.empty() || *end || v < 0) return stop_with(Status::Error, nullptr, "--tolerance_usecs=" + o.value + ": expected a non-negative integer"), false;
      tol_usecs_ = v;
    } else if (o.name == "tolerance_percent") {
      double v = std::strtod(o.value.c_str(), &end);
      if (o.value.empty() || *end || v < 0 || v > 100) return stop_with(Status::Error, nullptr, "--tolerance_percent=" + o.value + ": expected a number from 0 to 100"), false;
      tol_percent_ = v;
    } else if (o.name == "bind_port" || o.name == "connect_port") {
      long long v = std::strtoll(o.value.c_str(), &end, 10);
      if (o.value.empty() || *end || v < 1 || v > 65535) return stop_with(Status::Error, nullptr, "--" + o.name + "=" + o.value + ": expected a port number"), false;
      (o.name == "bind_port" ? options_.local_port : options_.remote_port) = static_cast<std::uint16_t>(v);
    } else if (o.name == "learn_stack_ports") {
      if (o.value != "" && o.value != "0" && o.value != "1")
        return stop_with(Status::Error, nullptr, "--learn_stack_ports=" + o.value + ": expected 0 or 1"), false;
      learn_stack_ports_ = o.value != "0";
    } else if (o.name == "ip_version" || o.name == "local_ip" || o.name == "remote_ip" || o.name == "define") {
      // handled by network_for / the parser
    } else if (std::find(std::begin(kIgnoredOptions), std::end(kIgnoredOptions), o.name) == std::end(kIgnoredOptions)) {
      return stop_with(Status::Skipped, nullptr, "option --" + o.name + " is not supported by synack"), false;
    }
  }
  auto net = network_for(script_, options_);
  if (!net) return stop_with(Status::Error, nullptr, net.error().message), false;
  network_ = *net;
  ctx_.network = network_;
  ctx_.local_port = options_.local_port;
  ctx_.remote_port = options_.remote_port;
  ctx_.defines = script_.defines;
  return true;
}

void Execution::absorb(Observation&& o) {
  if (o.kind == Observation::Kind::CallDone) complete_call(o);
  else queue_.push_back(std::move(o));
}

void Execution::wait_until(Micros t) {
  t = std::max(t, target_.now());
  while (!stopped()) {
    auto o = target_.wait(t);
    if (!o) return;
    absorb(std::move(*o));
  }
}

std::optional<Observation> Execution::next_segment(Micros deadline) {
  while (!stopped()) {
    if (!queue_.empty()) {
      Observation o = std::move(queue_.front());
      queue_.pop_front();
      return o;
    }
    auto o = target_.wait(std::max(deadline, target_.now()));
    if (!o) return std::nullopt;
    absorb(std::move(*o));
  }
  return std::nullopt;
}

// A segment still queued when a later non-'>' event is due was never expected by the script.
// A segment no script line expected, for the trace (reports draw it; `synack diff` compares it).
TraceEntry unexpected_entry(const Observation& o, const std::string& text) {
  TraceEntry e;
  e.kind = o.kind == Observation::Kind::Malformed ? TraceEntry::Kind::Malformed : TraceEntry::Kind::Observed;
  e.time = o.time;
  e.wire = o.wire;
  if (o.kind == Observation::Kind::Segment) e.segment = o.segment;
  e.text = text;
  e.matched = false;
  return e;
}

void Execution::check_stale(const Event& ev, Micros sched) {
  const Micros limit = sched - tolerance(sched - time_base_);
  for (const auto& o : queue_) {
    if (o.time >= limit) continue;
    std::string actual = o.kind == Observation::Kind::Malformed
                             ? "malformed packet: " + o.error
                             : net::format_segment(relative_view(o.segment, connection(o.segment.dport), true));
    trace(unexpected_entry(o, actual));
    fail(&ev, "the stack sent a segment at " + format_seconds(o.time) +
                  " s that the script does not expect before this line", "", actual);
    return;
  }
}

void Execution::complete_call(const Observation& o) {
  auto it = pending_.find(o.call);
  if (it == pending_.end()) return;
  PendingCall p = std::move(it->second);
  pending_.erase(it);
  const auto& spec = std::get<script::SyscallSpec>(p.event->body);
  TraceEntry e;
  e.kind = TraceEntry::Kind::CallReturn;
  e.time = o.time;
  e.scripted_time = p.want_end;
  e.line = p.event->loc.line;
  e.text = spec.name + "() = " + describe_result(o.result);
  auto diffs = check_call_result(spec, p.call, o.result, ctx_);
  if (p.want_end) {
    const Micros tol = tolerance(*p.want_end - p.start);
    if (o.time < *p.want_end - tol || o.time > *p.want_end + tol)
      diffs.push_back("returned at " + format_seconds(o.time) + " s, expected at " +
                      format_seconds(*p.want_end) + " s (tolerance " + format_seconds(tol) + " s)");
  }
  e.matched = diffs.empty();
  trace(std::move(e));
  if (diffs.empty()) return;
  // When the return value is right, the difference is in what came back (an option value, the
  // bytes read, revents, timing): show the whole call against what was observed.
  const std::string actual = "= " + describe_result(o.result);
  if (actual == "= " + describe_expected_result(spec))
    fail(p.event, join(diffs, "; "), script::print_syscall(spec), actual + "; " + join(diffs, "; "));
  else
    fail(p.event, join(diffs, "; "), "= " + describe_expected_result(spec), actual);
}

// Waits for every blocking call still in flight.
void Execution::finish_pending() {
  while (!pending_.empty() && !stopped()) {
    const PendingCall& p = pending_.begin()->second;
    const Micros deadline = p.want_end ? *p.want_end + tolerance(*p.want_end - p.start)
                                       : target_.now() + options_.wait_limit;
    const Event* blocked = p.event;
    auto o = target_.wait(std::max(deadline, target_.now()));
    if (!o) {
      fail(blocked, "blocking " + std::get<script::SyscallSpec>(blocked->body).name + "() did not return by " +
                        format_seconds(deadline) + " s", "= " + describe_expected_result(std::get<script::SyscallSpec>(blocked->body)),
           "(still blocked)");
      return;
    }
    absorb(std::move(*o));
  }
}

void Execution::run_event(const Event& ev) {
  const EventTime& t = ev.time;
  const bool is_inbound = (std::holds_alternative<PacketSpec>(ev.body) &&
                           std::get<PacketSpec>(ev.body).direction == script::Direction::Inbound) ||
                          std::holds_alternative<script::IcmpSpec>(ev.body);
  const Micros base = (is_inbound && prev_inbound_) ? prev_sched_ : time_base_;
  const Micros sched = t.start.kind == TimePoint::Kind::Any ? target_.now() : resolve(t.start, base);

  if (const auto* p = std::get_if<PacketSpec>(&ev.body)) {
    if (p->direction == script::Direction::Inbound) inbound(ev, *p, sched);
    else outbound(ev, *p);
  } else if (const auto* icmp = std::get_if<script::IcmpSpec>(&ev.body)) {
    inbound_icmp(ev, *icmp, sched);
  } else if (const auto* c = std::get_if<script::SyscallSpec>(&ev.body)) {
    syscall(ev, *c, sched);
  } else if (const auto* cmd = std::get_if<script::CommandSpec>(&ev.body)) {
    wait_until(sched);
    command(&ev, cmd->command);
    time_base_ = target_.now();
    prev_sched_ = sched;
    prev_inbound_ = false;
  } else if (const auto* a = std::get_if<script::AssertSpec>(&ev.body)) {
    wait_until(sched);
    check_stale(ev, sched);
    assertion(ev, *a);
    time_base_ = target_.now();
    prev_sched_ = sched;
    prev_inbound_ = false;
  }
}

void Execution::inbound(const Event& ev, const PacketSpec& spec, Micros sched) {
  wait_until(sched);
  check_stale(ev, sched);
  if (stopped()) return;
  Connection& conn = connection(spec.src_port.value_or(options_.remote_port));
  const auto aliased = with_stack_port_alias(spec, true);
  net::Segment seg = build_inbound(aliased ? *aliased : spec, conn, network_, options_.local_port);
  if (auto applied = apply_inject(spec.inject, network_, seg); !applied)
    return stop_with(Status::Error, &ev, applied.error().message);
  TraceEntry e;
  e.kind = TraceEntry::Kind::Injected;
  e.time = target_.now();
  e.scripted_time = sched;
  e.line = ev.loc.line;
  e.segment = seg;
  e.wire = net::encode(seg);
  e.text = net::format_segment(relative_view(seg, conn, false));
  if (!spec.inject.empty()) e.text += "  " + script::print_inject(spec.inject);
  if (seg.has(net::flag::URG) && seg.urgent > 0)
    ctx_.urgent_offsets.insert(conn.peer_stream_offset(seg.seq + seg.urgent - 1));
  target_.inject(seg);
  trace(std::move(e));
  time_base_ = target_.now();
  last_segment_time_ = time_base_;
  inject_lateness_ = std::max<Micros>(time_base_ - sched, 0);
  prev_sched_ = sched;
  prev_inbound_ = true;
}

// An '< icmp' line: the ICMP error is injected at its time like an inbound segment. A target
// that cannot inject ICMP makes the script skipped, with its reason.
void Execution::inbound_icmp(const Event& ev, const script::IcmpSpec& spec, Micros sched) {
  wait_until(sched);
  check_stale(ev, sched);
  if (stopped()) return;
  const std::uint16_t peer_port =
      spec.quoted && spec.quoted->dst_port ? *spec.quoted->dst_port : options_.remote_port;
  const Connection& conn = connection(peer_port);
  Result<net::IcmpMessage> message = build_icmp(spec, conn, network_, options_.local_port);
  if (!message) return stop_with(Status::Error, &ev, message.error().message);
  TraceEntry e;
  e.kind = TraceEntry::Kind::Injected;
  e.time = target_.now();
  e.scripted_time = sched;
  e.line = ev.loc.line;
  e.wire = net::encode_icmp(*message);
  e.text = net::format_icmp(relative_icmp(*message, conn));
  if (auto injected = target_.inject_icmp(*message); !injected) {
    return stop_with(Status::Skipped, &ev, injected.error().message);
  }
  trace(std::move(e));
  time_base_ = target_.now();
  prev_sched_ = sched;
  prev_inbound_ = true;
}

void Execution::outbound(const Event& ev, const PacketSpec& spec) {
  const EventTime& t = ev.time;
  const Micros base = time_base_;
  Micros lo = 0, hi = 0, sched = 0;
  if (t.start.kind == TimePoint::Kind::Any) {
    lo = std::numeric_limits<Micros>::min();
    hi = target_.now() + options_.wait_limit;
  } else {
    sched = resolve(t.start, base);
    const Micros end = t.range_end ? resolve(*t.range_end, base) : sched;
    lo = sched - tolerance(sched - base);
    hi = end + tolerance(end - base);
    // A timer armed at the previous segment (an RTO, a delayed ACK, a probe) may fire late.
    if (!caps_.virtual_time)
      hi += static_cast<Micros>(std::llround(options_.timer_slack_percent / 100.0 *
                                             static_cast<double>(std::max<Micros>(end - last_segment_time_, 0)))) +
            options_.timer_slack_usecs + inject_lateness_;
  }
  Connection& conn = connection(spec.dst_port.value_or(options_.remote_port));
  const std::string expected = describe_expected(spec);
  auto o = next_segment(hi);
  if (stopped()) return;
  if (!o) {
    fail(&ev, "expected segment not sent by " + format_seconds(hi) + " s", expected, "(nothing)");
    return;
  }
  TraceEntry e;
  e.kind = o->kind == Observation::Kind::Malformed ? TraceEntry::Kind::Malformed : TraceEntry::Kind::Observed;
  e.time = o->time;
  if (t.start.kind != TimePoint::Kind::Any) e.scripted_time = sched;
  e.line = ev.loc.line;
  e.wire = o->wire;
  if (o->kind == Observation::Kind::Malformed) {
    e.text = "malformed: " + o->error;
    e.matched = false;
    trace(std::move(e));
    fail(&ev, "the stack sent a malformed packet: " + o->error, expected, hex_prefix(o->wire));
    return;
  }
  learn_stack_port(spec, o->segment);
  const auto aliased = with_stack_port_alias(spec, false);
  std::vector<std::string> diffs = match_outbound(aliased ? *aliased : spec, o->segment, conn, network_);
  const std::string actual = net::format_segment(relative_view(o->segment, conn, true));
  if (o->time < lo)
    diffs.push_back("sent at " + format_seconds(o->time) + " s, expected at " + format_seconds(sched) +
                    " s (" + format_seconds(sched - o->time) + " s early, tolerance " +
                    format_seconds(sched - lo) + " s)");
  e.segment = o->segment;
  e.text = actual;
  e.matched = diffs.empty();
  trace(std::move(e));
  if (!diffs.empty()) {
    fail(&ev, join(diffs, "; "), expected, actual);
    return;
  }
  time_base_ = o->time;
  last_segment_time_ = o->time;
  prev_sched_ = t.start.kind == TimePoint::Kind::Any ? o->time : sched;
  prev_inbound_ = false;
}

void Execution::syscall(const Event& ev, const script::SyscallSpec& spec, Micros sched) {
  wait_until(sched);
  check_stale(ev, sched);
  // A blocking call still in flight returns before the next call starts (as in packetdrill).
  finish_pending();
  if (stopped()) return;
  PreparedCall prepared = prepare_call(spec, ctx_);
  if (!prepared.unsupported.empty()) return stop_with(Status::Skipped, &ev, prepared.unsupported + " is not supported yet");
  if (!prepared.invalid.empty()) return stop_with(Status::Error, &ev, prepared.invalid);
  const targets::SocketCall& call = *prepared.call;
  TraceEntry start;
  start.kind = TraceEntry::Kind::CallStart;
  start.time = target_.now();
  start.scripted_time = sched;
  start.line = ev.loc.line;
  start.text = script::print_syscall(spec);
  trace(std::move(start));

  const Micros issued = target_.now();
  std::optional<Micros> want_end;
  // A relative end counts from the previous event, like the start (packetdrill's reading).
  if (ev.time.blocking_end) want_end = resolve(*ev.time.blocking_end, time_base_);
  targets::CallOutcome outcome = target_.call(call);
  time_base_ = issued;
  prev_sched_ = sched;
  prev_inbound_ = false;
  if (outcome.pending) {
    // Without "t1...t2" the call must return at once (within the tolerance).
    pending_[outcome.id] = PendingCall{&ev, call, issued, want_end ? want_end : std::optional<Micros>(issued)};
    if (!want_end) finish_pending();
    return;
  }
  // Returned at once: check it through the same path as a completed blocking call.
  constexpr targets::CallId kImmediate = std::numeric_limits<targets::CallId>::max();
  Observation done;
  done.kind = Observation::Kind::CallDone;
  done.time = target_.now();
  done.call = kImmediate;
  done.result = outcome.result;
  pending_[kImmediate] = PendingCall{&ev, call, issued, want_end};
  complete_call(done);
}

void Execution::command(const Event* ev, const std::string& cmd) {
  if (stopped()) return;
  TraceEntry e;
  e.kind = TraceEntry::Kind::Command;
  e.time = target_.now();
  e.line = ev ? ev->loc.line : 0;
  e.text = "`" + cmd + "`";
  if (!caps_.shell) {
    trace(std::move(e));
    return stop_with(Status::Skipped, ev, "shell commands cannot run on the " + caps_.name + " target");
  }
  auto r = target_.shell(cmd);
  e.matched = r.ok();
  trace(std::move(e));
  if (!r) fail(ev, "command failed: " + r.error().message, "`" + cmd + "` succeeds", r.error().message);
}

void Execution::assertion(const Event& ev, const script::AssertSpec& spec) {
  if (stopped()) return;
  if (!ctx_.last_socket) return stop_with(Status::Skipped, &ev, "no socket to read TCP_INFO from for %{ }%");
  targets::SocketCall call;
  call.op = targets::SysOp::GetSockOpt;
  call.name = "getsockopt";
  call.fd = *ctx_.last_socket;
  call.level = SOL_TCP;
  call.optname = TCP_INFO;
  auto outcome = target_.call(call);
  if (outcome.pending || outcome.result.ret != 0)
    return stop_with(Status::Error, &ev, "TCP_INFO could not be read for %{ }%");
  AssertOutcome r = evaluate_asserts(spec.code, outcome.result.tcp_info);
  TraceEntry e;
  e.kind = TraceEntry::Kind::Assert;
  e.time = target_.now();
  e.line = ev.loc.line;
  e.text = "%{ " + spec.code + " }%";
  e.matched = r.kind == AssertOutcome::Kind::Pass;
  trace(std::move(e));
  if (r.kind == AssertOutcome::Kind::Unsupported) return stop_with(Status::Skipped, &ev, "unsupported assertion: " + r.message);
  if (r.kind == AssertOutcome::Kind::Fail) fail(&ev, r.message);
}

void Execution::finish() {
  finish_pending();
  if (stopped()) return;
  // Segments the stack sent before the last event completed were not in the script. Segments
  // caused by the last event itself (at its own time) are allowed, as in packetdrill.
  wait_until(target_.now());
  for (const auto& o : queue_) {
    if (o.time >= time_base_) continue;
    std::string actual = o.kind == Observation::Kind::Malformed
                             ? "malformed packet: " + o.error
                             : net::format_segment(relative_view(o.segment, connection(o.segment.dport), true));
    trace(unexpected_entry(o, actual));
    fail(nullptr, "the stack sent a segment at " + format_seconds(o.time) + " s that the script does not expect", "", actual);
    return;
  }
}

ScriptResult Execution::run() {
  const auto wall_start = std::chrono::steady_clock::now();
  result_.path = script_.path;
  result_.metadata = script_.metadata;
  result_.target = caps_.name;
  if (apply_options()) {
    for (const auto& c : script_.init_commands) command(nullptr, c.command);
    // Script time 0 is when the first event may start, after the init commands (packetdrill).
    if (!stopped()) target_.restart_clock();
    for (const auto& ev : script_.events) {
      if (stopped()) break;
      run_event(ev);
    }
    if (!stopped()) finish();
    if (caps_.shell)
      for (const auto& c : script_.cleanup_commands) (void)target_.shell(c.command);
  }
  result_.verdict.script_time = target_.now();
  result_.verdict.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return std::move(result_);
}

}  // namespace

ScriptResult execute(const script::Script& script, targets::Target& target, const ExecOptions& options) {
  return Execution(script, target, options).run();
}

}  // namespace synack::run
