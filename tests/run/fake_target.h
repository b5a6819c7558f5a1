// A programmable Target for executor tests: a virtual clock, segments the test schedules, and
// socket calls answered by a callback. It lets each test state exactly what "the stack" does.
#pragma once

#include <functional>
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "harness/script/parser.h"
#include "targets/target.h"

namespace synack::testing {

class FakeTarget : public targets::Target {
 public:
  std::function<void(FakeTarget&, const net::Segment&)> on_inject;
  std::function<targets::CallOutcome(FakeTarget&, const targets::SocketCall&)> on_call;
  std::vector<net::Segment> injected;
  std::vector<targets::SocketCall> calls;
  bool has_shell = false;
  bool virtual_time = true;

  targets::Capabilities capabilities() const override {
    return {"fake", "test", virtual_time, true, has_shell, true};
  }
  Micros now() override { return now_; }
  std::vector<Micros> injected_at;  // the clock when each segment was injected
  void inject(const net::Segment& s) override {
    injected.push_back(s);
    injected_at.push_back(now_);
    if (on_inject) on_inject(*this, s);
  }
  // ICMP errors ('< icmp' lines): recorded, or refused like a target without ICMP injection.
  std::vector<net::IcmpMessage> injected_icmp;
  bool has_icmp = true;
  Result<void> inject_icmp(const net::IcmpMessage& m) override {
    if (!has_icmp) return targets::Target::inject_icmp(m);
    injected_icmp.push_back(m);
    return {};
  }
  std::optional<targets::Observation> wait(Micros deadline) override {
    auto it = scheduled_.begin();
    if (it != scheduled_.end() && it->first <= deadline) {
      targets::Observation o = it->second;
      now_ = std::max(now_, it->first);
      scheduled_.erase(it);
      return o;
    }
    now_ = std::max(now_, deadline);
    return std::nullopt;
  }
  targets::CallOutcome call(const targets::SocketCall& c) override {
    calls.push_back(c);
    if (on_call) return on_call(*this, c);
    return {};
  }
  Result<void> shell(std::string_view) override {
    if (!has_shell) return make_error("no shell");
    return {};
  }

  // Time passes inside the target (a slow call): the clock moves on by `d`.
  void advance(Micros d) { now_ += d; }
  // The stack "sends" `s` at time `t` (script time).
  void emit(Micros t, net::Segment s) {
    targets::Observation o;
    o.kind = targets::Observation::Kind::Segment;
    o.time = t;
    o.segment = std::move(s);
    scheduled_.emplace(t, std::move(o));
  }
  // A blocking call `id` completes at time `t` with `r`.
  void complete(Micros t, targets::CallId id, targets::CallResult r) {
    targets::Observation o;
    o.kind = targets::Observation::Kind::CallDone;
    o.time = t;
    o.call = id;
    o.result = std::move(r);
    scheduled_.emplace(t, std::move(o));
  }

 private:
  Micros now_ = 0;
  std::multimap<Micros, targets::Observation> scheduled_;
};

// Parses `text` (named test.pkt), failing the test with the first diagnostic if it does not parse.
inline script::Script parse_ok(const std::string& text) {
  auto r = script::parse(text, "test.pkt");
  EXPECT_TRUE(r.ok()) << (r.diagnostics.empty() ? "" : r.diagnostics[0].render());
  return r.ok() ? *r.script : script::Script{};
}

// A passive-open fake stack: socket() is 3, accept() is 4, and every SYN is answered at once with
// a SYN-ACK <SEQ=isn><ACK=SEG.SEQ+1> (window 65535, `options`), passed through `adjust` if given.
inline void answer_syns(FakeTarget& t, std::uint32_t isn, std::vector<net::TcpOption> options = {},
                        std::function<net::Segment(const net::Segment&)> adjust = {}) {
  t.on_call = [](FakeTarget&, const targets::SocketCall& c) {
    targets::CallOutcome o;
    if (c.op == targets::SysOp::Socket) o.result.ret = 3;
    if (c.op == targets::SysOp::Accept) o.result.ret = 4;
    return o;
  };
  t.on_inject = [isn, options, adjust](FakeTarget& t, const net::Segment& in) {
    if (!in.has(net::flag::SYN)) return;
    net::Segment r;
    r.src = in.dst;
    r.dst = in.src;
    r.sport = in.dport;
    r.dport = in.sport;
    r.flags = net::flag::SYN | net::flag::ACK;
    r.seq = isn;
    r.ack = in.seq + 1;
    r.window = 65535;
    r.options = options;
    if (adjust) r = adjust(r);
    t.emit(t.now(), r);
  };
}

}  // namespace synack::testing
