#include "fuzz/generator.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>

namespace synack::fuzz {

namespace {

std::uint32_t pick(Rng& rng, std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); }

Event call_event(CallKind kind, std::uint8_t fd, std::uint32_t arg = 0, std::uint8_t sub = 0) {
  Event e;
  e.kind = Event::Kind::Call;
  e.call = CallGen{kind, fd, arg, sub};
  return e;
}

Event advance_event(AdvanceGen::Unit unit, std::uint16_t amount) {
  Event e;
  e.kind = Event::Kind::Advance;
  e.advance = AdvanceGen{unit, amount};
  return e;
}

// A segment the peer could send in `from`: the control flags of the diagram's arcs (SYN,
// SYN-ACK, ACK, FIN-ACK) or data, at RCV.NXT (a SYN to a LISTEN or SYN-SENT connection names
// its own ISN), acknowledging SND.UNA or SND.NXT. Mostly exact, sometimes a little off.
Event segment_for(State from, Rng& rng) {
  namespace f = net::flag;
  static constexpr std::array<std::uint16_t, 6> kFlags = {
      f::SYN, f::SYN | f::ACK, f::ACK, f::FIN | f::ACK, f::ACK | f::PSH, f::FIN | f::ACK | f::PSH};
  Event e;
  e.kind = Event::Kind::Segment;
  SegmentGen& s = e.segment;
  s.flags = kFlags[pick(rng, kFlags.size())];
  const bool own_isn = (s.flags & f::SYN) && (from == State::Listen || from == State::SynSent ||
                                              from == State::Closed);
  s.seq = own_isn ? SeqRef{SeqRef::Base::Raw, static_cast<std::int32_t>(rng())}
                  : SeqRef{SeqRef::Base::RcvNxt, 0};
  s.ack = AckRef{pick(rng, 2) ? AckRef::Base::SndNxt : AckRef::Base::SndUna, 0};
  if (pick(rng, 8) == 0) {
    // Just off an edge: one before or after.
    if (pick(rng, 2)) s.seq.delta += pick(rng, 2) ? 1 : -1;
    else s.ack.delta += pick(rng, 2) ? 1 : -1;
  }
  s.window = pick(rng, 8) ? 65535 : static_cast<std::uint16_t>(pick(rng, 4096));
  if (s.flags & f::PSH) s.payload_len = static_cast<std::uint16_t>(1 + pick(rng, 1460));
  return e;
}

// Where events can go: the start, and right after every event during which a state changed.
struct Point {
  std::size_t at = 0;  // insert before events[at]
  Step step;
};

}  // namespace

std::vector<Event> cause_events(Cause cause, State from, std::uint8_t fd, Rng& rng) {
  std::vector<Event> out;
  switch (cause) {
    case Cause::Listen:
      out.push_back(call_event(CallKind::Listen, static_cast<std::uint8_t>(pick(rng, 2)), 1 + pick(rng, 4)));
      break;
    case Cause::Connect: out.push_back(call_event(CallKind::Connect, static_cast<std::uint8_t>(pick(rng, 2)))); break;
    case Cause::Send: out.push_back(call_event(CallKind::Send, fd, 1 + pick(rng, 1460))); break;
    case Cause::Close:
      // The user's CLOSE: close(), or shutdown(SHUT_WR), which keeps the descriptor for later.
      if (pick(rng, 2)) out.push_back(call_event(CallKind::Close, fd));
      else out.push_back(call_event(CallKind::Shutdown, fd, SHUT_WR));
      break;
    case Cause::Abort:
      // The user's ABORT: close() with SO_LINGER {1, 0}.
      out.push_back(call_event(CallKind::SetSockOpt, fd, 0, static_cast<std::uint8_t>(SockOpt::LingerZero)));
      out.push_back(call_event(CallKind::Close, fd));
      break;
    case Cause::RcvSegment: out.push_back(segment_for(from, rng)); break;
    case Cause::RcvRst: {
      Event e = segment_for(from, rng);
      e.segment.flags = net::flag::RST | (pick(rng, 2) ? net::flag::ACK : 0);
      e.segment.seq = SeqRef{SeqRef::Base::RcvNxt, 0};
      e.segment.ack = AckRef{AckRef::Base::SndNxt, 0};
      e.segment.payload_len = 0;
      out.push_back(std::move(e));
      break;
    }
    case Cause::Timeout:
      // Timers fire one at a time (retransmissions back off); long silences end the rest.
      switch (pick(rng, 3)) {
        case 0:
          for (std::uint32_t i = 0, n = 1 + pick(rng, 4); i < n; ++i)
            out.push_back(advance_event(AdvanceGen::Unit::NextTimer, 0));
          break;
        case 1: out.push_back(advance_event(AdvanceGen::Unit::Seconds, static_cast<std::uint16_t>(1 + pick(rng, 600)))); break;
        default: out.push_back(advance_event(AdvanceGen::Unit::Minutes, static_cast<std::uint16_t>(1 + pick(rng, 240)))); break;
      }
      break;
    default: break;
  }
  return out;
}

bool grow_along_diagram(SessionInput& input, Rng& rng, std::size_t max_events) {
  SessionOptions options;
  options.max_events = max_events;
  options.trail = true;
  const SessionResult r = run_session(input, options);

  std::vector<Point> points;
  points.push_back(Point{0, Step{}});
  for (std::size_t i = 0; i < r.trail.size(); ++i)
    if (r.trail[i].changed) points.push_back(Point{i + 1, r.trail[i]});
  const Point& p = points[pick(rng, static_cast<std::uint32_t>(points.size()))];

  // One arc leaving that state, uniformly over the full set.
  std::array<const Transition*, 16> arcs{};
  std::size_t count = 0;
  for (const Transition& t : all_transitions())
    if (t.from == p.step.state && count < arcs.size()) arcs[count++] = &t;
  if (count == 0) return false;
  const Transition& arc = *arcs[pick(rng, static_cast<std::uint32_t>(count))];
  // The connection's descriptor if it has one, any descriptor if not (a passive connection
  // before accept()).
  const std::uint8_t fd = p.step.fd != Step::kNoFd ? p.step.fd : static_cast<std::uint8_t>(pick(rng, 4));
  std::vector<Event> events = cause_events(arc.cause, arc.from, fd, rng);
  const std::size_t at = std::min(p.at, input.events.size());
  if (events.empty() || at >= max_events) return false;
  input.events.insert(input.events.begin() + static_cast<std::ptrdiff_t>(at), events.begin(), events.end());
  if (input.events.size() > max_events) input.events.resize(max_events);
  return true;
}

}  // namespace synack::fuzz
