#include "fuzz/transitions.h"

#include <array>

namespace synack::fuzz {

namespace {

using S = State;
using C = Cause;

constexpr std::array kTransitions = {
    // RFC 9293 §3.3.2 Figure 5.
    Transition{S::Closed, C::Listen, S::Listen, "passive OPEN / create TCB"},
    Transition{S::Closed, C::Connect, S::SynSent, "active OPEN / snd SYN"},
    Transition{S::Listen, C::RcvSegment, S::SynReceived, "rcv SYN / snd SYN,ACK"},
    Transition{S::Listen, C::Send, S::SynSent, "SEND / snd SYN"},
    Transition{S::Listen, C::Close, S::Closed, "CLOSE / delete TCB"},
    Transition{S::SynSent, C::RcvSegment, S::SynReceived, "rcv SYN / snd SYN,ACK (simultaneous open)"},
    Transition{S::SynSent, C::RcvSegment, S::Established, "rcv SYN,ACK / snd ACK"},
    Transition{S::SynSent, C::Close, S::Closed, "CLOSE / delete TCB"},
    Transition{S::SynReceived, C::RcvSegment, S::Established, "rcv ACK of SYN"},
    Transition{S::SynReceived, C::Close, S::FinWait1, "CLOSE / snd FIN"},
    Transition{S::SynReceived, C::RcvRst, S::Listen, "rcv RST (passive open: back to LISTEN)"},
    Transition{S::Established, C::Close, S::FinWait1, "CLOSE / snd FIN"},
    Transition{S::Established, C::RcvSegment, S::CloseWait, "rcv FIN / snd ACK"},
    Transition{S::FinWait1, C::RcvSegment, S::FinWait2, "rcv ACK of FIN"},
    Transition{S::FinWait1, C::RcvSegment, S::Closing, "rcv FIN / snd ACK"},
    Transition{S::FinWait2, C::RcvSegment, S::TimeWait, "rcv FIN / snd ACK"},
    Transition{S::CloseWait, C::Close, S::LastAck, "CLOSE / snd FIN"},
    Transition{S::Closing, C::RcvSegment, S::TimeWait, "rcv ACK of FIN"},
    Transition{S::LastAck, C::RcvSegment, S::Closed, "rcv ACK of FIN / delete TCB"},
    Transition{S::TimeWait, C::Timeout, S::Closed, "timeout = 2 MSL / delete TCB"},
    // Arcs the text of §3.10.7.4 adds.
    Transition{S::FinWait1, C::RcvSegment, S::TimeWait, "rcv FIN + ACK of FIN / snd ACK (eighth step)"},
    Transition{S::SynReceived, C::RcvSegment, S::CloseWait, "rcv FIN / snd ACK (eighth step)"},
    // RST (§3.10.7.3, §3.10.7.4 second step).
    Transition{S::SynSent, C::RcvRst, S::Closed, "rcv RST,ACK / connection refused"},
    Transition{S::SynReceived, C::RcvRst, S::Closed, "rcv RST (active open) / connection refused"},
    Transition{S::Established, C::RcvRst, S::Closed, "rcv RST / connection reset"},
    Transition{S::FinWait1, C::RcvRst, S::Closed, "rcv RST / connection reset"},
    Transition{S::FinWait2, C::RcvRst, S::Closed, "rcv RST / connection reset"},
    Transition{S::CloseWait, C::RcvRst, S::Closed, "rcv RST / connection reset"},
    Transition{S::Closing, C::RcvRst, S::Closed, "rcv RST / delete TCB"},
    Transition{S::LastAck, C::RcvRst, S::Closed, "rcv RST / delete TCB"},
    Transition{S::TimeWait, C::RcvRst, S::Closed, "rcv RST / delete TCB"},
    // ABORT (§3.10.5).
    Transition{S::SynReceived, C::Abort, S::Closed, "ABORT / snd RST"},
    Transition{S::Established, C::Abort, S::Closed, "ABORT / snd RST"},
    Transition{S::FinWait1, C::Abort, S::Closed, "ABORT / snd RST"},
    Transition{S::FinWait2, C::Abort, S::Closed, "ABORT / snd RST"},
    Transition{S::CloseWait, C::Abort, S::Closed, "ABORT / snd RST"},
    Transition{S::Closing, C::Abort, S::Closed, "ABORT / delete TCB"},
    Transition{S::LastAck, C::Abort, S::Closed, "ABORT / delete TCB"},
    Transition{S::TimeWait, C::Abort, S::Closed, "ABORT / delete TCB"},
    // Timeouts: retransmission give-up (§3.8.3 R2), keepalive, orphan FIN-WAIT-2.
    Transition{S::SynSent, C::Timeout, S::Closed, "SYN retransmissions exhausted (R2)"},
    Transition{S::SynReceived, C::Timeout, S::Closed, "SYN,ACK retransmissions exhausted (R2)"},
    Transition{S::Established, C::Timeout, S::Closed, "retransmissions or keepalives exhausted"},
    Transition{S::FinWait1, C::Timeout, S::Closed, "retransmissions exhausted (R2)"},
    Transition{S::FinWait2, C::Timeout, S::Closed, "FIN-WAIT-2 timeout (orphan)"},
    Transition{S::CloseWait, C::Timeout, S::Closed, "retransmissions or keepalives exhausted"},
    Transition{S::Closing, C::Timeout, S::Closed, "retransmissions exhausted (R2)"},
    Transition{S::LastAck, C::Timeout, S::Closed, "retransmissions exhausted (R2)"},
};
static_assert(kTransitions.size() <= TransitionSet::kMax);

}  // namespace

std::string_view to_string(Cause c) {
  switch (c) {
    case C::Listen: return "listen";
    case C::Connect: return "connect";
    case C::Send: return "send";
    case C::Close: return "close";
    case C::Abort: return "abort";
    case C::RcvSegment: return "rcv segment";
    case C::RcvRst: return "rcv RST";
    case C::Timeout: return "timeout";
    case C::Other: return "other";
  }
  return "?";
}

std::span<const Transition> all_transitions() { return kTransitions; }

bool TransitionSet::add(State from, Cause cause, State to) {
  for (std::size_t i = 0; i < kTransitions.size(); ++i) {
    const Transition& t = kTransitions[i];
    if (t.from == from && t.cause == cause && t.to == to) {
      bits_.set(i);
      return true;
    }
  }
  return false;
}

bool is_listed(State from, Cause cause, State to) {
  for (const Transition& t : kTransitions)
    if (t.from == from && t.cause == cause && t.to == to) return true;
  return false;
}

std::string format(const Transition& t) {
  return std::string(reference::to_string(t.from)) + " --" + t.event + "--> " +
         std::string(reference::to_string(t.to));
}

std::vector<std::string> TransitionSet::covered() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < kTransitions.size(); ++i)
    if (bits_.test(i)) out.push_back(format(kTransitions[i]));
  return out;
}

std::vector<std::string> TransitionSet::uncovered() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < kTransitions.size(); ++i)
    if (!bits_.test(i)) out.push_back(format(kTransitions[i]));
  return out;
}

}  // namespace synack::fuzz
