// The eleven connection states of RFC 9293 §3.3.2, with their printable names and Linux numbers.
#pragma once

#include <cstdint>
#include <string_view>

namespace synack::reference {

enum class State : std::uint8_t {
  Closed,
  Listen,
  SynSent,
  SynReceived,
  Established,
  FinWait1,
  FinWait2,
  CloseWait,
  Closing,
  LastAck,
  TimeWait,
};

// "CLOSED", "SYN-SENT", ... as RFC 9293 writes them.
std::string_view to_string(State s);

// The tcpi_state value Linux reports (TCP_ESTABLISHED = 1 ... TCP_CLOSING = 11).
int linux_state_number(State s);

// A state in which both sequence spaces are known (RFC 9293 §3.10.7.4 "synchronized").
bool is_synchronized(State s);

// Whether RFC 9293 Figure 5 (plus the arcs its text adds: RST/timeout/abort to CLOSED,
// SYN-RECEIVED back to LISTEN) has an edge from `from` to `to`.
bool is_legal_transition(State from, State to);

}  // namespace synack::reference
