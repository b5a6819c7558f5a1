// Shared helpers of the fuzz tests: building sessions by hand and replaying scripts.
#pragma once

#include <string>
#include <vector>

#include "fuzz/session.h"
#include "harness/run/executor.h"
#include "harness/script/parser.h"
#include "targets/reference/reference_target.h"

namespace synack::fuzz::testing {

inline Event call(CallKind kind, std::uint8_t fd = 0, std::uint32_t arg = 0, std::uint8_t sub = 0) {
  Event e;
  e.kind = Event::Kind::Call;
  e.call = CallGen{kind, fd, arg, sub};
  return e;
}

inline Event segment(std::uint16_t flags, SeqRef seq, AckRef ack, std::uint16_t payload = 0,
                     std::vector<OptionGen> options = {}) {
  Event e;
  e.kind = Event::Kind::Segment;
  e.segment.flags = flags;
  e.segment.seq = seq;
  e.segment.ack = ack;
  e.segment.window = 65535;
  e.segment.payload_len = payload;
  e.segment.options = std::move(options);
  return e;
}

inline Event advance(AdvanceGen::Unit unit, std::uint16_t amount = 0) {
  Event e;
  e.kind = Event::Kind::Advance;
  e.advance = AdvanceGen{unit, amount};
  return e;
}

// Passive open on fd 3 (listen, SYN, ACK, accept) as a starting point.
inline SessionInput passive_open(std::uint8_t profile = 0) {
  namespace f = net::flag;
  SessionInput in;
  in.profile = profile;
  in.events.push_back(call(CallKind::Listen, 1, 1));
  in.events.push_back(segment(f::SYN, {SeqRef::Base::Raw, 0}, {}, 0,
                              {{OptionGen::Kind::Mss, 1000, 0, 0}, {OptionGen::Kind::SackOk, 0, 0, 0}}));
  in.events.push_back(segment(f::ACK, {SeqRef::Base::RcvNxt, 0}, {AckRef::Base::SndNxt, 0}));
  in.events.push_back(call(CallKind::Accept, 0));
  return in;
}

// Parses `text` and runs it on a fresh reference target with the session's profile.
inline run::ScriptResult replay(const std::string& text, std::uint8_t profile, bool planted_bug = false) {
  auto parsed = script::parse(text, "<fuzz>");
  run::ScriptResult bad;
  if (!parsed.ok()) {
    bad.verdict.status = run::Status::Error;
    bad.verdict.reason = parsed.diagnostics.empty() ? "parse error" : parsed.diagnostics[0].message;
    return bad;
  }
  auto config = profile_config(profile);
  config.test_planted_bug_rst_any_seq = planted_bug;
  run::ExecOptions options;
  auto network = run::network_for(*parsed.script, options);
  auto target = reference::make_reference_target(*network, config);
  return run::execute(*parsed.script, *target, options);
}

}  // namespace synack::fuzz::testing
