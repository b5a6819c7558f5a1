#include "fuzz/mutator.h"

#include <algorithm>

#include "fuzz/generator.h"

namespace synack::fuzz {

namespace {

std::uint32_t pick(Rng& rng, std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); }

// Deltas that matter at window edges: mostly tiny, sometimes a window's worth.
std::int32_t small_delta(Rng& rng) {
  static const std::int32_t interesting[] = {0, 0, 0, 1, -1, 2, -2, 100, -100, 1000, -1000,
                                             1460, 32767, -32768, 65535 / 2};
  if (pick(rng, 4) == 0) return static_cast<std::int16_t>(rng());
  return interesting[pick(rng, sizeof interesting / sizeof interesting[0])];
}

template <class Ref>
void mutate_ref(Ref& r, Rng& rng) {
  switch (pick(rng, 3)) {
    case 0: r.base = static_cast<typename Ref::Base>(pick(rng, static_cast<std::uint32_t>(Ref::Base::kCount))); break;
    case 1: r.delta = small_delta(rng); break;
    default: r.delta += pick(rng, 2) ? 1 : -1; break;
  }
  if (r.base != Ref::Base::Raw) r.delta = static_cast<std::int16_t>(r.delta);
}

OptionGen random_option(Rng& rng) {
  // Random fields, folded into range by a trip through the byte form.
  SessionInput s;
  Event e;
  OptionGen o;
  o.kind = static_cast<OptionGen::Kind>(pick(rng, static_cast<std::uint32_t>(OptionGen::Kind::kCount)));
  o.a = static_cast<std::uint32_t>(rng());
  o.b = static_cast<std::uint32_t>(rng());
  o.c = static_cast<std::uint32_t>(rng());
  if (o.kind == OptionGen::Kind::Sack) o.b = 1 + o.b % 4;
  if (o.kind == OptionGen::Kind::Unknown) o.a = 6 + o.a % 248;
  if (o.kind == OptionGen::Kind::Timestamp && pick(rng, 2)) o.b = 1;  // echo the stack's TSval
  e.segment.options.push_back(o);
  s.events.push_back(e);
  SessionInput folded = decode(encode(s), 1);
  if (!folded.events.empty() && !folded.events[0].segment.options.empty()) return folded.events[0].segment.options[0];
  return OptionGen{};
}

void mutate_segment(SegmentGen& s, Rng& rng) {
  switch (pick(rng, 9)) {
    case 0: s.flags ^= static_cast<std::uint16_t>(1u << pick(rng, 9)); break;
    case 1: mutate_ref(s.seq, rng); break;
    case 2: mutate_ref(s.ack, rng); break;
    case 3: {
      static const std::uint16_t windows[] = {0, 1, 257, 1000, 32792, 65535};
      s.window = pick(rng, 2) ? windows[pick(rng, 6)] : static_cast<std::uint16_t>(rng());
      break;
    }
    case 4: s.urgent = pick(rng, 2) ? 0 : static_cast<std::uint16_t>(pick(rng, 2000)); break;
    case 5: {
      static const std::uint16_t lengths[] = {0, 1, 10, 100, 536, 1000, 1460, 2048};
      s.payload_len = lengths[pick(rng, 8)];
      break;
    }
    case 6: s.port = static_cast<std::uint8_t>(pick(rng, 3)); break;
    case 7:
      if (s.options.size() < kMaxOptions) s.options.insert(s.options.begin() + pick(rng, static_cast<std::uint32_t>(s.options.size() + 1)), random_option(rng));
      break;
    default:
      if (!s.options.empty()) s.options.erase(s.options.begin() + pick(rng, static_cast<std::uint32_t>(s.options.size())));
      break;
  }
}

void mutate_event(Event& e, Rng& rng) {
  switch (e.kind) {
    case Event::Kind::Segment: mutate_segment(e.segment, rng); break;
    case Event::Kind::Call:
      switch (pick(rng, 3)) {
        case 0: e.call.fd = static_cast<std::uint8_t>(pick(rng, 4)); break;
        case 1: e.call.arg = pick(rng, 2) ? pick(rng, 2000) : static_cast<std::uint32_t>(rng()); break;
        default: e.call.sub = static_cast<std::uint8_t>(rng()); break;
      }
      break;
    case Event::Kind::Advance:
      if (pick(rng, 2)) e.advance.unit = static_cast<AdvanceGen::Unit>(pick(rng, 5));
      else e.advance.amount = static_cast<std::uint16_t>(pick(rng, 2) ? pick(rng, 300) : rng());
      break;
    default: break;
  }
}

// Fold through the byte form so the result is canonical, then trim to the size limit.
std::vector<std::uint8_t> finish(SessionInput& s, std::size_t max_size, std::size_t max_events) {
  if (s.events.size() > max_events) s.events.resize(max_events);
  std::vector<std::uint8_t> out = encode(s);
  s = decode(out, max_events);
  out = encode(s);
  while (out.size() > max_size && !s.events.empty()) {
    s.events.pop_back();
    out = encode(s);
  }
  if (out.size() > max_size) out.resize(max_size);
  return out;
}

}  // namespace

Event random_event(Rng& rng) {
  std::vector<std::uint8_t> bytes(48);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  bytes[0] = 0;
  SessionInput s = decode(bytes, 1);
  if (s.events.empty()) return Event{};
  Event e = s.events[0];
  // Bias segments towards in-window, state-relative values.
  if (e.kind == Event::Kind::Segment) {
    if (pick(rng, 4)) e.segment.seq = SeqRef{SeqRef::Base::RcvNxt, small_delta(rng)};
    if (pick(rng, 4)) e.segment.ack = AckRef{static_cast<AckRef::Base>(pick(rng, 3)), small_delta(rng)};
    if (pick(rng, 2)) e.segment.payload_len = static_cast<std::uint16_t>(pick(rng, 2) ? 0 : pick(rng, 1461));
    if (pick(rng, 2)) e.segment.port = 0;
    e.segment.seq.delta = e.segment.seq.base == SeqRef::Base::Raw ? e.segment.seq.delta : static_cast<std::int16_t>(e.segment.seq.delta);
    e.segment.ack.delta = e.segment.ack.base == AckRef::Base::Raw ? e.segment.ack.delta : static_cast<std::int16_t>(e.segment.ack.delta);
  }
  return e;
}

std::vector<std::uint8_t> mutate(std::span<const std::uint8_t> input, Rng& rng, std::size_t max_size,
                                 std::size_t max_events) {
  SessionInput s = decode(input, max_events);
  auto& ev = s.events;
  const std::uint32_t n = static_cast<std::uint32_t>(ev.size());
  switch (n == 0 ? 1 + pick(rng, 2) * 10 : pick(rng, 12)) {
    case 0: s.profile = static_cast<std::uint8_t>(pick(rng, 3)); break;
    case 1:
    case 2: ev.insert(ev.begin() + pick(rng, n + 1), random_event(rng)); break;
    case 3: ev.erase(ev.begin() + pick(rng, n)); break;
    case 4: {
      const std::uint32_t i = pick(rng, n);
      Event copy = ev[i];
      if (pick(rng, 2)) mutate_event(copy, rng);
      ev.insert(ev.begin() + i + 1, std::move(copy));
      break;
    }
    case 5:
      if (n >= 2) {
        const std::uint32_t i = pick(rng, n - 1);
        std::swap(ev[i], ev[i + 1]);
      }
      break;
    case 10:
    case 11:
      // State-aware: the events of an arc leaving the state reached at some point.
      if (!grow_along_diagram(s, rng, max_events)) ev.insert(ev.begin() + pick(rng, n + 1), random_event(rng));
      break;
    default: {
      // Field-level change of one event (the most common mutation).
      mutate_event(ev[pick(rng, n)], rng);
      break;
    }
  }
  return finish(s, max_size, max_events);
}

std::vector<std::uint8_t> crossover(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b,
                                    Rng& rng, std::size_t max_size, std::size_t max_events) {
  SessionInput x = decode(a, max_events);
  const SessionInput y = decode(b, max_events);
  const std::size_t cut_a = x.events.empty() ? 0 : pick(rng, static_cast<std::uint32_t>(x.events.size() + 1));
  const std::size_t cut_b = y.events.empty() ? 0 : pick(rng, static_cast<std::uint32_t>(y.events.size() + 1));
  x.events.resize(cut_a);
  x.events.insert(x.events.end(), y.events.begin() + static_cast<std::ptrdiff_t>(cut_b), y.events.end());
  return finish(x, max_size, max_events);
}

}  // namespace synack::fuzz
