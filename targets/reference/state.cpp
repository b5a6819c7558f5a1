#include "targets/reference/state.h"

#include <netinet/tcp.h>

namespace synack::reference {

std::string_view to_string(State s) {
  switch (s) {
    case State::Closed: return "CLOSED";
    case State::Listen: return "LISTEN";
    case State::SynSent: return "SYN-SENT";
    case State::SynReceived: return "SYN-RECEIVED";
    case State::Established: return "ESTABLISHED";
    case State::FinWait1: return "FIN-WAIT-1";
    case State::FinWait2: return "FIN-WAIT-2";
    case State::CloseWait: return "CLOSE-WAIT";
    case State::Closing: return "CLOSING";
    case State::LastAck: return "LAST-ACK";
    case State::TimeWait: return "TIME-WAIT";
  }
  return "?";
}

int linux_state_number(State s) {
  switch (s) {
    case State::Closed: return TCP_CLOSE;
    case State::Listen: return TCP_LISTEN;
    case State::SynSent: return TCP_SYN_SENT;
    case State::SynReceived: return TCP_SYN_RECV;
    case State::Established: return TCP_ESTABLISHED;
    case State::FinWait1: return TCP_FIN_WAIT1;
    case State::FinWait2: return TCP_FIN_WAIT2;
    case State::CloseWait: return TCP_CLOSE_WAIT;
    case State::Closing: return TCP_CLOSING;
    case State::LastAck: return TCP_LAST_ACK;
    case State::TimeWait: return TCP_TIME_WAIT;
  }
  return TCP_CLOSE;
}

bool is_synchronized(State s) {
  switch (s) {
    case State::Closed:
    case State::Listen:
    case State::SynSent:
    case State::SynReceived:
      return false;
    default:
      return true;
  }
}

bool is_legal_transition(State from, State to) {
  if (from == to) return true;
  if (to == State::Closed) return true;  // RST, abort, retry exhaustion, LAST-ACK/TIME-WAIT end
  switch (from) {
    case State::Closed: return to == State::Listen || to == State::SynSent;
    case State::Listen: return to == State::SynReceived || to == State::SynSent;
    case State::SynSent: return to == State::SynReceived || to == State::Established;
    case State::SynReceived:
      return to == State::Established || to == State::FinWait1 || to == State::Listen ||
             to == State::CloseWait;  // SYN-RECEIVED + FIN (RFC 9293 §3.10.7.4 eighth)
    case State::Established: return to == State::FinWait1 || to == State::CloseWait;
    case State::FinWait1:
      return to == State::FinWait2 || to == State::Closing || to == State::TimeWait;
    case State::FinWait2: return to == State::TimeWait;
    case State::CloseWait: return to == State::LastAck;
    case State::Closing: return to == State::TimeWait;
    case State::LastAck: return false;
    case State::TimeWait: return false;
  }
  return false;
}

}  // namespace synack::reference
