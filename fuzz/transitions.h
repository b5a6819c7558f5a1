// Transition coverage: the (state, event, next state) edges of the RFC 9293 connection state
// machine that a session exercised, out of the machine's full set.
//
// The full set is written out explicitly below: every edge of RFC 9293 §3.3.2 Figure 5, the arcs
// the text of §3.10.7 adds (SYN-RECEIVED + FIN, FIN-WAIT-1 + FIN acknowledging our FIN), the RST
// edges of §3.10.7.3/.4 (second step), the ABORT edges of §3.10.5, and the timeout edges
// (§3.8.3 R2, keepalive, the FIN-WAIT-2 timeout of an orphan, 2·MSL).
#pragma once

#include <bitset>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "targets/reference/state.h"

namespace synack::fuzz {

using reference::State;

// What caused a transition, as the fuzzer classifies its own events.
enum class Cause : std::uint8_t {
  Listen,       // listen()
  Connect,      // connect()
  Send,         // sendto() with the peer's address on a LISTEN socket (RFC 9293 §3.10.2)
  Close,        // close() / shutdown(SHUT_WR): the user's CLOSE
  Abort,        // close() ending in CLOSED from SYN-RECEIVED or a synchronized state (RST/delete)
  RcvSegment,   // a segment without RST arrived
  RcvRst,       // a segment with RST arrived
  Timeout,      // the clock advanced
  Other,        // anything else (recv, setsockopt, ...)
};

std::string_view to_string(Cause c);

struct Transition {
  State from;
  Cause cause;
  State to;
  const char* event;  // the event as RFC 9293 names it
};

// The full set (47 edges).
std::span<const Transition> all_transitions();

// A transition the session saw that is not in the full set.
struct ObservedTransition {
  State from;
  Cause cause;
  State to;
  bool operator==(const ObservedTransition&) const = default;
};

class TransitionSet {
 public:
  static constexpr std::size_t kMax = 64;
  // Records an observed transition; false if it is not one of the full set.
  bool add(State from, Cause cause, State to);
  void merge(const TransitionSet& other) { bits_ |= other.bits_; }
  bool contains(std::size_t index) const { return bits_.test(index); }
  std::size_t count() const { return bits_.count(); }
  bool operator==(const TransitionSet&) const = default;
  // "ESTABLISHED --rcv FIN / snd ACK--> CLOSE-WAIT", one per covered (or uncovered) edge.
  std::vector<std::string> covered() const;
  std::vector<std::string> uncovered() const;

 private:
  std::bitset<kMax> bits_;
};

std::string format(const Transition& t);

// Whether (from, cause, to) is one of the full set.
bool is_listed(State from, Cause cause, State to);

}  // namespace synack::fuzz
