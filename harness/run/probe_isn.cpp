#include "harness/run/probe_isn.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <tuple>

#include "harness/run/symbols.h"

namespace synack::run {

namespace {

constexpr double kTwo32 = 4294967296.0;

std::string format(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

// 15624987 -> "15,624,987": clock rates are easier to read grouped.
std::string grouped(double value) {
  std::string digits = std::to_string(static_cast<long long>(std::llround(value)));
  std::string out;
  const std::size_t sign = digits[0] == '-' ? 1 : 0;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > sign && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// |a - b| < kSmallDifference as a signed 32-bit difference: 2^21 of the 2^32 values.
bool small_difference(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::uint32_t>(a - b + kSmallDifference) < 2 * kSmallDifference;
}

ClockFigures analyze_clock(const std::map<FourTuple, std::vector<const IsnSample*>>& by_tuple) {
  ClockFigures c;
  struct Step {
    double dt;  // µs
    double d;   // ticks, signed
    double u;   // µs of timing uncertainty of the two samples together
  };
  std::vector<Step> steps;
  for (const auto& [tuple, list] : by_tuple) {
    for (std::size_t i = 1; i < list.size(); ++i) {
      const Micros dt = list[i]->time - list[i - 1]->time;
      if (dt <= 0) continue;  // no time passed: says nothing about a clock
      const auto d = static_cast<std::int32_t>(list[i]->isn - list[i - 1]->isn);
      steps.push_back({static_cast<double>(dt), static_cast<double>(d),
                       static_cast<double>(list[i]->uncertainty + list[i - 1]->uncertainty)});
    }
  }
  c.steps = steps.size();
  double sum_dt = 0, sum_d = 0;
  for (const Step& s : steps) {
    sum_dt += s.dt;
    sum_d += s.d;
    if (s.d > 0) ++c.increasing;
  }
  c.span_seconds = sum_dt / 1e6;
  if (c.steps < kMinClockSteps) {
    c.why = "only " + std::to_string(c.steps) + " samples on a repeated 4-tuple, " +
            std::to_string(kMinClockSteps) + " needed";
    return c;
  }
  const double rate = sum_d > 0 ? sum_d / sum_dt : 0.0;  // ticks per µs
  c.ticks_per_second = rate * 1e6;
  for (const Step& s : steps) {
    if (rate > 0 && std::fabs(s.d - rate * s.dt) <= kStepTolerance * rate * s.dt + rate * s.u + 2) ++c.consistent;
  }
  if (c.increasing < c.steps) {
    c.why = "the ISN did not increase in " + std::to_string(c.steps - c.increasing) + " of " +
            std::to_string(c.steps) + " successive connections on the same 4-tuple " +
            (c.increasing == 0 ? "(it does not advance with time)" : "(it is not a monotonic clock)");
    return c;
  }
  if (static_cast<double>(c.consistent) < kMinConsistentSteps * static_cast<double>(c.steps)) {
    c.why = "only " + std::to_string(c.consistent) + " of " + std::to_string(c.steps) +
            " increases are proportional to the time elapsed (the ISN advances per connection, "
            "not with a clock)";
    return c;
  }
  if (c.ticks_per_second < kMinClockRate || c.ticks_per_second > kMaxClockRate) {
    c.why = "the clock runs at " + grouped(c.ticks_per_second) + " ticks/s (" +
            format("%.3f", 1e6 / c.ticks_per_second) + " us per tick), outside " +
            grouped(kMinClockRate) + ".." + grouped(kMaxClockRate) + " ticks/s";
    return c;
  }
  c.ok = true;
  return c;
}

HashFigures analyze_hash(const std::map<FourTuple, std::vector<const IsnSample*>>& by_tuple,
                         const ClockFigures& clock) {
  HashFigures h;
  std::vector<const IsnSample*> firsts;
  for (const auto& [tuple, list] : by_tuple) firsts.push_back(list.front());
  std::sort(firsts.begin(), firsts.end(), [](const IsnSample* a, const IsnSample* b) {
    const auto& x = a->tuple;
    const auto& y = b->tuple;
    return std::tie(x.remote_port, x.remote, x.local_port, x.local) < std::tie(y.remote_port, y.remote, y.local_port, y.local);
  });
  const std::size_t n = h.tuples = firsts.size();
  if (n < kMinTuples) {
    h.why = "only " + std::to_string(n) + " distinct 4-tuples, " + std::to_string(kMinTuples) + " needed";
    return h;
  }
  // What remains of ISN = M + F() after taking the clock M away (when there is one to take).
  h.clock_removed = clock.steps >= kMinClockSteps && clock.increasing == clock.steps && clock.ticks_per_second > 0;
  const double rate = h.clock_removed ? clock.ticks_per_second / 1e6 : 0.0;
  std::vector<std::uint32_t> r(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double m = std::fmod(rate * static_cast<double>(firsts[i]->time), kTwo32);
    r[i] = firsts[i]->isn - static_cast<std::uint32_t>(static_cast<std::uint64_t>(std::llround(m)));
  }
  std::vector<std::string> problems;

  // Per-bit frequency.
  const double sqrt_n = std::sqrt(static_cast<double>(n));
  for (int b = 0; b < 32; ++b) {
    std::size_t ones = 0;
    for (std::uint32_t v : r) ones += (v >> b) & 1;
    const double z = (2.0 * static_cast<double>(ones) - static_cast<double>(n)) / sqrt_n;
    if (std::fabs(z) > std::fabs(h.max_bit_z)) {
      h.max_bit_z = z;
      h.max_bit = b;
    }
  }
  if (std::fabs(h.max_bit_z) > kBitZLimit) {
    problems.push_back(format("bit %d of the ISN is biased toward %d (z = %.1f, limit %.1f)", h.max_bit,
                              h.max_bit_z > 0 ? 1 : 0, std::fabs(h.max_bit_z), kBitZLimit));
  }

  // Chi-square of the top byte.
  std::array<std::size_t, 256> buckets{};
  for (std::uint32_t v : r) ++buckets[v >> 24];
  const double expected = static_cast<double>(n) / 256.0;
  for (std::size_t c : buckets) h.chi_square += (static_cast<double>(c) - expected) * (static_cast<double>(c) - expected) / expected;
  h.chi_square_limit = chi_square_limit(255, kChiSquareZ);
  if (h.chi_square > h.chi_square_limit) {
    problems.push_back(format("the top byte is not uniform (chi-square %.1f, limit %.1f)", h.chi_square, h.chi_square_limit));
  }

  // Consecutive source ports: constant, small or linearly growing differences.
  std::vector<std::uint32_t> d(n - 1);
  for (std::size_t i = 0; i + 1 < n; ++i) d[i] = r[i + 1] - r[i];
  for (std::size_t i = 0; i + 1 < d.size(); ++i) h.small_second += small_difference(d[i + 1], d[i]);
  for (std::uint32_t v : d) h.small_first += small_difference(v, 0);
  h.small_limit = binomial_upper_limit(n - 1, 2.0 * kSmallDifference / kTwo32, kSmallCountAlpha);
  if (h.small_first >= h.small_limit || h.small_second >= h.small_limit) {
    problems.push_back(format("ISNs of consecutive source ports are related: %zu of %zu differences and "
                              "%zu of %zu second differences are within +-2^20 (limit %zu)",
                              h.small_first, d.size(), h.small_second, d.size() - 1, h.small_limit - 1));
  }
  h.ok = problems.empty();
  for (std::size_t i = 0; i < problems.size(); ++i) h.why += (i ? "; " : "") + problems[i];
  return h;
}

}  // namespace

std::size_t binomial_upper_limit(std::size_t trials, double p, double alpha) {
  // pmf(k+1) = pmf(k) * (trials - k) / (k + 1) * p / (1 - p), from pmf(0) = (1 - p)^trials; the
  // tail is summed from the top so that tiny tails are not lost to cancellation.
  std::vector<double> pmf{std::exp(static_cast<double>(trials) * std::log1p(-p))};
  for (std::size_t k = 0; k < trials; ++k) {
    const double next = pmf.back() * static_cast<double>(trials - k) / static_cast<double>(k + 1) * p / (1 - p);
    if (static_cast<double>(k) > static_cast<double>(trials) * p && next < 1e-300) break;
    pmf.push_back(next);
  }
  double tail = 0;
  for (std::size_t k = pmf.size(); k-- > 0;) {
    tail += pmf[k];
    if (tail > alpha) return k + 1;
  }
  return 0;
}

double chi_square_limit(int df, double z) {
  const double h = 2.0 / (9.0 * df);
  const double t = 1.0 - h + z * std::sqrt(h);
  return df * t * t * t;
}

IsnAnalysis analyze_isn(const std::vector<IsnSample>& samples) {
  std::map<FourTuple, std::vector<const IsnSample*>> by_tuple;
  for (const IsnSample& s : samples) by_tuple[s.tuple].push_back(&s);
  for (auto& [tuple, list] : by_tuple) {
    std::stable_sort(list.begin(), list.end(), [](const IsnSample* a, const IsnSample* b) { return a->time < b->time; });
  }
  IsnAnalysis a;
  a.clock = analyze_clock(by_tuple);
  a.hash = analyze_hash(by_tuple, a.clock);
  return a;
}

std::vector<std::string> IsnAnalysis::lines() const {
  std::vector<std::string> out;
  const auto verdict = [](bool ok) { return ok ? "pass" : "FAIL"; };
  if (clock.ticks_per_second > 0) {
    out.push_back("MUST-8 ISN clock: " + grouped(clock.ticks_per_second) + " ticks/s = " +
                  format("%.4f", 1e6 / clock.ticks_per_second) + " us per tick (RFC: about 4), wraps every " +
                  format("%.1f", kTwo32 / clock.ticks_per_second) + " s; band " + grouped(kMinClockRate) +
                  ".." + grouped(kMaxClockRate) + " ticks/s");
  } else {
    out.push_back("MUST-8 ISN clock: the ISN does not advance with time");
  }
  out.push_back(format("MUST-8 steps on one 4-tuple: %zu, increasing %zu, proportional to elapsed time %zu "
                       "(need %.0f%%), over %.3f s: %s",
                       clock.steps, clock.increasing, clock.consistent, kMinConsistentSteps * 100,
                       clock.span_seconds, verdict(clock.ok)));
  if (hash.tuples < kMinTuples) {
    out.push_back(format("SHLD-1 keyed hash: %zu distinct 4-tuples, %zu needed: %s", hash.tuples, kMinTuples,
                         verdict(hash.ok)));
    return out;
  }
  out.push_back(format("SHLD-1 keyed hash over %zu distinct 4-tuples, on %s", hash.tuples,
                       hash.clock_removed ? "ISN minus the fitted clock" : "raw ISNs"));
  out.push_back(format("SHLD-1 bit frequency: max |z| = %.2f at bit %d (limit %.1f): %s", std::fabs(hash.max_bit_z),
                       hash.max_bit, kBitZLimit, verdict(std::fabs(hash.max_bit_z) <= kBitZLimit)));
  out.push_back(format("SHLD-1 top-byte chi-square: %.1f over 256 buckets, 255 df (limit %.1f): %s", hash.chi_square,
                       hash.chi_square_limit, verdict(hash.chi_square <= hash.chi_square_limit)));
  out.push_back(format("SHLD-1 consecutive source ports: %zu first and %zu second differences within +-2^20 "
                       "(limit %zu each): %s",
                       hash.small_first, hash.small_second, hash.small_limit - 1,
                       verdict(hash.small_first < hash.small_limit && hash.small_second < hash.small_limit)));
  return out;
}

std::string IsnAnalysis::failure() const {
  std::string out;
  if (!clock.ok) out = "MUST-8 (ISN from a 32-bit clock, RFC 9293 3.4.1): " + clock.why;
  if (!hash.ok) {
    out += (out.empty() ? "" : "; ") +
           std::string("SHLD-1 (ISN = clock + keyed hash of the 4-tuple, RFC 6528): ") + hash.why;
  }
  return out;
}

// ---- Collection -----------------------------------------------------------------------------------

Result<IsnProbeParams> isn_params(const std::map<std::string, std::string>& params) {
  IsnProbeParams p;
  for (const auto& [name, value] : params) {
    long long v = 0;
    try {
      v = std::stoll(value);
    } catch (const std::exception&) {
      return make_error("probe isn: " + name + "=" + value + " is not an integer");
    }
    if (name == "samples") p.samples = static_cast<int>(v);
    else if (name == "gap_usecs") p.gap_usecs = v;
    else return make_error("probe isn: unknown parameter '" + name + "'");
  }
  if (p.samples < 1600 || p.samples > 40000) return make_error("probe isn: samples must be 1600..40000");
  if (p.gap_usecs < 20 || p.gap_usecs > 100000) return make_error("probe isn: gap_usecs must be 20..100000");
  return p;
}

namespace {

constexpr Micros kAnswerTimeout = kMicrosPerSecond;

using targets::CallResult;
using targets::Observation;
using targets::SocketCall;
using targets::SysOp;

Result<CallResult> call_now(targets::Target& t, const SocketCall& c) {
  targets::CallOutcome out = t.call(c);
  CallResult r = out.result;
  if (out.pending) {
    const Micros deadline = t.now() + kAnswerTimeout;
    bool done = false;
    while (!done) {
      auto o = t.wait(deadline);
      if (!o) return make_error("probe isn: " + c.name + "() did not return within 1 s");
      if (o->kind == Observation::Kind::CallDone && o->call == out.id) {
        r = o->result;
        done = true;
      }
    }
  }
  if (r.ret < 0) return make_error("probe isn: " + c.name + "() failed: " + errno_name(r.err) + " (" + errno_text(r.err) + ")");
  return r;
}

class Sampler {
 public:
  Sampler(targets::Target& t, const targets::Network& net, std::uint16_t local_port)
      : t_(t), net_(net), local_port_(local_port) {}

  // SYN from `peer_port`, the SYN-ACK it gets, and a RST that ends the embryonic connection.
  Result<IsnSample> sample(std::uint16_t peer_port) {
    const std::uint32_t peer_isn = 0x10000000u + 7919u * ++count_;
    net::Segment syn;
    syn.src = net_.remote;
    syn.dst = net_.local;
    syn.sport = peer_port;
    syn.dport = local_port_;
    syn.seq = peer_isn;
    syn.flags = net::flag::SYN;
    syn.window = 65535;
    syn.options = {net::TcpOption::mss(1460)};
    const Micros before = t_.now();
    t_.inject(syn);
    const Micros after = t_.now();
    IsnSample s;
    s.time = before + (after - before) / 2;
    s.uncertainty = (after - before + 1) / 2;
    s.tuple = {net_.local, local_port_, net_.remote, peer_port};
    const Micros deadline = after + kAnswerTimeout;
    for (;;) {
      auto o = t_.wait(deadline);
      if (!o) {
        return make_error("probe isn: no SYN-ACK within 1 s to the SYN from port " + std::to_string(peer_port) +
                          " (sample " + std::to_string(count_) + ")");
      }
      if (o->kind != Observation::Kind::Segment) continue;
      const net::Segment& seg = o->segment;
      // Anything else the stack sends (e.g. a connection a script left behind) is not ours.
      if (seg.sport != local_port_ || seg.dport != peer_port || seg.dst != net_.remote) continue;
      if (seg.has(net::flag::RST)) {
        return make_error("probe isn: the stack reset the SYN from port " + std::to_string(peer_port));
      }
      if (seg.has(net::flag::SYN | net::flag::ACK) && seg.ack == peer_isn + 1) {
        s.isn = seg.seq;
        break;
      }
    }
    net::Segment rst;
    rst.src = net_.remote;
    rst.dst = net_.local;
    rst.sport = peer_port;
    rst.dport = local_port_;
    rst.seq = peer_isn + 1;
    rst.flags = net::flag::RST;
    t_.inject(rst);
    return s;
  }

 private:
  targets::Target& t_;
  const targets::Network& net_;
  std::uint16_t local_port_;
  std::uint32_t count_ = 0;
};

}  // namespace

Result<IsnCollection> collect_isn_samples(targets::Target& target, const targets::Network& net,
                                          const ExecOptions& options, const IsnProbeParams& params) {
  if (!target.capabilities().syscalls) return make_error("probe isn: the target cannot execute socket calls");
  const bool v6_socket = net.ip_version == net::IpVersion::v6 || net.ipv4_mapped_ipv6;
  SocketCall c;
  c.op = SysOp::Socket;
  c.name = "socket";
  c.domain = v6_socket ? AF_INET6 : AF_INET;
  c.type = SOCK_STREAM;
  c.protocol = IPPROTO_TCP;
  auto fd = call_now(target, c);
  if (!fd) return fd.error();
  // SO_REUSEADDR: connections a script left behind on this port (TIME-WAIT) must not block bind.
  c = {};
  c.op = SysOp::SetSockOpt;
  c.name = "setsockopt";
  c.fd = static_cast<int>(fd->ret);
  c.level = SOL_SOCKET;
  c.optname = SO_REUSEADDR;
  c.int_value = 1;
  if (auto r = call_now(target, c); !r) return r.error();
  c = {};
  c.op = SysOp::Bind;
  c.name = "bind";
  c.fd = static_cast<int>(fd->ret);
  c.address = net.ipv4_mapped_ipv6 ? net.local.mapped_v6() : net.local;
  c.port = options.local_port;
  if (auto r = call_now(target, c); !r) return r.error();
  c = {};
  c.op = SysOp::Listen;
  c.name = "listen";
  c.fd = static_cast<int>(fd->ret);
  c.backlog = 128;
  if (auto r = call_now(target, c); !r) return r.error();

  // Peer ports: one for the clock samples, then consecutive ones, never the script's own.
  auto usable = [&](std::uint16_t p) { return p != options.remote_port; };
  std::uint16_t clock_port = 10000;
  while (!usable(clock_port)) ++clock_port;
  const int clock_samples = params.samples / 5;
  const int hash_samples = params.samples - clock_samples;

  Sampler sampler(target, net, options.local_port);
  IsnCollection out;
  out.samples.reserve(static_cast<std::size_t>(params.samples));
  // (a) The clock: the same 4-tuple again and again, 1..8 x gap_usecs apart in a fixed shuffled
  // order, so that a per-connection counter cannot pass for a clock.
  Micros next = target.now();
  for (int i = 0; i < clock_samples; ++i) {
    while (target.wait(next)) {}  // what the stack sends meanwhile is not a sample
    auto s = sampler.sample(clock_port);
    if (!s) {
      out.stack_failure = s.error().message;
      return out;
    }
    out.samples.push_back(*s);
    next = std::max(next + params.gap_usecs * (1 + (i * 5) % 8), target.now());
  }
  // (b) The keyed hash: a new 4-tuple (source port) per sample, back to back.
  std::uint32_t port = 20000;
  for (int i = 0; i < hash_samples; ++i, ++port) {
    while (!usable(static_cast<std::uint16_t>(port)) || port == clock_port) ++port;
    auto s = sampler.sample(static_cast<std::uint16_t>(port));
    if (!s) {
      out.stack_failure = s.error().message;
      return out;
    }
    out.samples.push_back(*s);
  }
  return out;
}

}  // namespace synack::run
