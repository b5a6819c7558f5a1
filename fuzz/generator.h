// The state-aware event generator: grows a session along the RFC 9293 state diagram.
//
// Random insertions rarely land an application call in a short-lived state (CLOSING lasts from
// the peer's FIN crossing ours to the ACK of ours; SYN-RECEIVED and LAST-ACK are as brief), and
// a random segment rarely carries the exact flags and acknowledgment an arc needs. The generator
// runs the session once to learn the state after every event (SessionOptions::trail), picks a
// point where a connection has just changed state, picks one arc of the full set leaving that
// state (all_transitions(), uniformly: no arc is favoured), and inserts the events that are
// that arc's cause right there: the application call (CLOSE as close() or shutdown(SHUT_WR),
// ABORT as SO_LINGER 0 + close(), SEND, LISTEN, CONNECT) on the connection's descriptor, a
// segment relative to the connection's sequence space (SYN, SYN-ACK, ACK, FIN-ACK, data; RST at
// RCV.NXT), or a clock advance. What the stack then does is its own business: an arc that
// should be taken and is not, or a wrong answer, is what the invariants are there to catch.
#pragma once

#include <cstddef>

#include "fuzz/mutator.h"

namespace synack::fuzz {

// Inserts the events of one arc at a state-change point of `input`. False when nothing was
// inserted (never for a session with room for one more event).
bool grow_along_diagram(SessionInput& input, Rng& rng, std::size_t max_events = kDefaultMaxEvents);

// The events that are `cause` for a connection in `from` whose descriptor the session selects
// with `fd` (CallGen::fd); empty for causes the session cannot produce.
std::vector<Event> cause_events(Cause cause, State from, std::uint8_t fd, Rng& rng);

}  // namespace synack::fuzz
