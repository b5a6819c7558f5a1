// The state × event matrix: every state of RFC 9293 §3.3.2 against thirteen arriving segments,
// each case asserting the exact reply (or silence) and the next state, with the invariants checked
// after every step. One row per (state, event); the comment on each row names the rule that
// decides it. Events are defined in matrix_support.h; "first" ... "eighth" are the steps of
// §3.10.7.4, "5961 x.y" the sections of RFC 5961 that RFC 9293 folds into those steps.
//
// Connections are opened passively (192.0.2.1:8080 <- 198.51.100.1:40000) except SYN-SENT.
// FIN-WAIT-1, FIN-WAIT-2, CLOSING and LAST-ACK are reached with shutdown(SHUT_WR), RFC 9293's
// CLOSE: the socket stays open and keeps receiving (§3.10.4).
#include <set>
#include <utility>

#include "tests/reference/matrix_support.h"

namespace synack::reference::testing::matrix {
namespace {

using S = State;
using E = Event;

constexpr Row kRows[] = {
    // ---- CLOSED: no TCB. §3.10.7.1: a RST is discarded; anything else draws a reset, which
    // takes its SEQ from SEG.ACK if the ACK bit is on, else SEQ=0 and ACK=SEG.SEQ+SEG.LEN.
    {S::Closed, E::Syn, RstAck(ZERO, SEG_SEQ + 1), S::Closed},            // 3.10.7.1, ACK off
    {S::Closed, E::SynAck, Rst(SEG_ACK), S::Closed},                      // 3.10.7.1, ACK on
    {S::Closed, E::AckAcceptable, Rst(SEG_ACK), S::Closed},               // 3.10.7.1, ACK on
    {S::Closed, E::AckUnacceptable, Rst(SEG_ACK), S::Closed},             // 3.10.7.1, ACK on
    {S::Closed, E::DataInWindow, Rst(SEG_ACK), S::Closed},                // 3.10.7.1, ACK on
    {S::Closed, E::DataOutOfWindow, Rst(SEG_ACK), S::Closed},             // 3.10.7.1, ACK on
    {S::Closed, E::Fin, RstAck(ZERO, SEG_SEQ + 1), S::Closed},            // 3.10.7.1, FIN counts
    {S::Closed, E::FinAck, Rst(SEG_ACK), S::Closed},                      // 3.10.7.1, ACK on
    {S::Closed, E::RstExact, kDrop, S::Closed},                           // 3.10.7.1, RST discarded
    {S::Closed, E::RstInWindow, kDrop, S::Closed},                        // 3.10.7.1, RST discarded
    {S::Closed, E::RstOutOfWindow, kDrop, S::Closed},                     // 3.10.7.1, RST discarded
    {S::Closed, E::RstAck, kDrop, S::Closed},                             // 3.10.7.1, RST discarded
    {S::Closed, E::SynFin, RstAck(ZERO, SEG_SEQ + 2), S::Closed},         // 3.10.7.1, SYN+FIN = 2

    // ---- LISTEN: §3.10.7.2. First RST (ignore), second ACK (reset), third SYN, fourth drop.
    {S::Listen, E::Syn, SynAck(ISS, SEG_SEQ + 1), S::SynReceived},        // third: <SEQ=ISS><ACK=RCV.NXT>
    {S::Listen, E::SynAck, Rst(SEG_ACK), S::Listen},                      // second: <SEQ=SEG.ACK><CTL=RST>
    {S::Listen, E::AckAcceptable, Rst(SEG_ACK), S::Listen},               // second: any ACK is bad
    {S::Listen, E::AckUnacceptable, Rst(SEG_ACK), S::Listen},             // second
    {S::Listen, E::DataInWindow, Rst(SEG_ACK), S::Listen},                // second
    {S::Listen, E::DataOutOfWindow, Rst(SEG_ACK), S::Listen},             // second
    {S::Listen, E::Fin, kDrop, S::Listen},                                // fourth: other control, drop
    {S::Listen, E::FinAck, Rst(SEG_ACK), S::Listen},                      // second
    {S::Listen, E::RstExact, kDrop, S::Listen},                           // first: RST ignored
    {S::Listen, E::RstInWindow, kDrop, S::Listen},                        // first
    {S::Listen, E::RstOutOfWindow, kDrop, S::Listen},                     // first
    {S::Listen, E::RstAck, kDrop, S::Listen},                             // first (before the ACK check)
    // third: the FIN is "processed in the SYN-RECEIVED state" later, where the fifth step drops a
    // segment without ACK; the SYN-ACK acknowledges the SYN only.
    {S::Listen, E::SynFin, SynAck(ISS, SEG_SEQ + 1), S::SynReceived},

    // ---- SYN-SENT: §3.10.7.3. First the ACK (must cover our SYN, nothing beyond), second RST
    // (valid only with an acceptable ACK, RFC 5961 3.2), fourth SYN, fifth drop the rest.
    {S::SynSent, E::Syn, SynAck(ISS, SEG_SEQ + 1), S::SynReceived},       // fourth: simultaneous open
    {S::SynSent, E::SynAck, Ack(SND_NXT, SEG_SEQ + 1), S::Established},   // fourth: SND.UNA > ISS
    {S::SynSent, E::AckAcceptable, kDrop, S::SynSent},                    // fifth: no SYN or RST
    {S::SynSent, E::AckUnacceptable, Rst(SEG_ACK), S::SynSent},           // first: SEG.ACK > SND.NXT
    {S::SynSent, E::DataInWindow, kDrop, S::SynSent},                     // fifth
    {S::SynSent, E::DataOutOfWindow, kDrop, S::SynSent},                  // fifth (no window yet)
    {S::SynSent, E::Fin, kDrop, S::SynSent},                              // fifth
    {S::SynSent, E::FinAck, kDrop, S::SynSent},                           // fifth
    {S::SynSent, E::RstExact, kDrop, S::SynSent},                         // second: RST without ACK
    {S::SynSent, E::RstInWindow, kDrop, S::SynSent},                      // second: RST without ACK
    {S::SynSent, E::RstOutOfWindow, kDrop, S::SynSent},                   // second: RST without ACK
    {S::SynSent, E::RstAck, kDrop, S::Closed},                            // second: acceptable ACK, reset
    {S::SynSent, E::SynFin, SynAck(ISS, SEG_SEQ + 1), S::SynReceived},    // fourth: FIN queued for later

    // ---- SYN-RECEIVED (passive open): §3.10.7.4 from here on.
    {S::SynReceived, E::Syn, kDrop, S::Listen},                           // fourth: passive, back to LISTEN
    {S::SynReceived, E::SynAck, Ack(SND_NXT, RCV_NXT), S::SynReceived},   // first: old segment, ACK
    {S::SynReceived, E::AckAcceptable, kDrop, S::Established},            // fifth: SND.UNA < SEG.ACK =< SND.NXT
    {S::SynReceived, E::AckUnacceptable, Rst(SEG_ACK), S::SynReceived},   // fifth: <SEQ=SEG.ACK><CTL=RST>
    {S::SynReceived, E::DataInWindow, DelayedAck(SND_NXT, RCV_NXT + kDataLen),
     S::Established},                                                     // fifth, seventh (3.8.6.3)
    {S::SynReceived, E::DataOutOfWindow, Ack(SND_NXT, RCV_NXT), S::SynReceived},  // first
    {S::SynReceived, E::Fin, kDrop, S::SynReceived},                      // fifth: ACK bit off
    {S::SynReceived, E::FinAck, Ack(SND_NXT, RCV_NXT + 1), S::CloseWait}, // fifth, eighth
    {S::SynReceived, E::RstExact, kDrop, S::Listen},                      // second: passive, LISTEN
    {S::SynReceived, E::RstInWindow, Ack(SND_NXT, RCV_NXT), S::SynReceived},  // second, 5961 3.2
    {S::SynReceived, E::RstOutOfWindow, kDrop, S::SynReceived},           // second: silently drop
    {S::SynReceived, E::RstAck, kDrop, S::Listen},                        // second: passive, LISTEN
    {S::SynReceived, E::SynFin, kDrop, S::Listen},                        // fourth: passive, LISTEN

    // ---- ESTABLISHED.
    {S::Established, E::Syn, Ack(SND_NXT, RCV_NXT), S::Established},      // fourth, 5961 4.2: challenge
    {S::Established, E::SynAck, Ack(SND_NXT, RCV_NXT), S::Established},   // first: old segment, ACK
    {S::Established, E::AckAcceptable, kDrop, S::Established},            // fifth: nothing new
    {S::Established, E::AckUnacceptable, Ack(SND_NXT, RCV_NXT), S::Established},  // fifth, 5961 5.2
    {S::Established, E::DataInWindow, DelayedAck(SND_NXT, RCV_NXT + kDataLen),
     S::Established},                                                     // seventh (3.8.6.3)
    {S::Established, E::DataOutOfWindow, Ack(SND_NXT, RCV_NXT), S::Established},  // first
    {S::Established, E::Fin, kDrop, S::Established},                      // fifth: ACK bit off
    {S::Established, E::FinAck, Ack(SND_NXT, RCV_NXT + 1), S::CloseWait}, // eighth: CLOSE-WAIT
    {S::Established, E::RstExact, kDrop, S::Closed},                      // second: reset
    {S::Established, E::RstInWindow, Ack(SND_NXT, RCV_NXT), S::Established},  // second, 5961 3.2
    {S::Established, E::RstOutOfWindow, kDrop, S::Established},           // second: silently drop
    {S::Established, E::RstAck, kDrop, S::Closed},                        // second: reset
    {S::Established, E::SynFin, Ack(SND_NXT, RCV_NXT), S::Established},   // fourth, 5961 4.2

    // ---- FIN-WAIT-1: our FIN is in flight (SND.NXT = SND.UNA + 1).
    {S::FinWait1, E::Syn, Ack(SND_NXT, RCV_NXT), S::FinWait1},            // fourth, 5961 4.2
    {S::FinWait1, E::SynAck, Ack(SND_NXT, RCV_NXT), S::FinWait1},         // first
    {S::FinWait1, E::AckAcceptable, kDrop, S::FinWait2},                  // fifth: FIN acked, FIN-WAIT-2
    {S::FinWait1, E::AckUnacceptable, Ack(SND_NXT, RCV_NXT), S::FinWait1},  // fifth, 5961 5.2
    {S::FinWait1, E::DataInWindow, DelayedAck(SND_NXT, RCV_NXT + kDataLen),
     S::FinWait2},                                                        // fifth, seventh
    {S::FinWait1, E::DataOutOfWindow, Ack(SND_NXT, RCV_NXT), S::FinWait1},  // first
    {S::FinWait1, E::Fin, kDrop, S::FinWait1},                            // fifth: ACK bit off
    {S::FinWait1, E::FinAck, Ack(SND_NXT, RCV_NXT + 1), S::TimeWait},     // fifth, eighth: TIME-WAIT
    {S::FinWait1, E::RstExact, kDrop, S::Closed},                         // second: reset
    {S::FinWait1, E::RstInWindow, Ack(SND_NXT, RCV_NXT), S::FinWait1},    // second, 5961 3.2
    {S::FinWait1, E::RstOutOfWindow, kDrop, S::FinWait1},                 // second: silently drop
    {S::FinWait1, E::RstAck, kDrop, S::Closed},                           // second: reset
    {S::FinWait1, E::SynFin, Ack(SND_NXT, RCV_NXT), S::FinWait1},         // fourth, 5961 4.2

    // ---- FIN-WAIT-2: our FIN acknowledged; the peer may still send.
    {S::FinWait2, E::Syn, Ack(SND_NXT, RCV_NXT), S::FinWait2},            // fourth, 5961 4.2
    {S::FinWait2, E::SynAck, Ack(SND_NXT, RCV_NXT), S::FinWait2},         // first
    {S::FinWait2, E::AckAcceptable, kDrop, S::FinWait2},                  // fifth: nothing new
    {S::FinWait2, E::AckUnacceptable, Ack(SND_NXT, RCV_NXT), S::FinWait2},  // fifth, 5961 5.2
    {S::FinWait2, E::DataInWindow, DelayedAck(SND_NXT, RCV_NXT + kDataLen),
     S::FinWait2},                                                        // seventh
    {S::FinWait2, E::DataOutOfWindow, Ack(SND_NXT, RCV_NXT), S::FinWait2},  // first
    {S::FinWait2, E::Fin, kDrop, S::FinWait2},                            // fifth: ACK bit off
    {S::FinWait2, E::FinAck, Ack(SND_NXT, RCV_NXT + 1), S::TimeWait},     // eighth: TIME-WAIT
    {S::FinWait2, E::RstExact, kDrop, S::Closed},                         // second: reset
    {S::FinWait2, E::RstInWindow, Ack(SND_NXT, RCV_NXT), S::FinWait2},    // second, 5961 3.2
    {S::FinWait2, E::RstOutOfWindow, kDrop, S::FinWait2},                 // second: silently drop
    {S::FinWait2, E::RstAck, kDrop, S::Closed},                           // second: reset
    {S::FinWait2, E::SynFin, Ack(SND_NXT, RCV_NXT), S::FinWait2},         // fourth, 5961 4.2

    // ---- CLOSE-WAIT: the peer's FIN is at RCV.NXT - 1, so its FIN events are retransmissions.
    {S::CloseWait, E::Syn, Ack(SND_NXT, RCV_NXT), S::CloseWait},          // fourth, 5961 4.2
    {S::CloseWait, E::SynAck, Ack(SND_NXT, RCV_NXT), S::CloseWait},       // first
    {S::CloseWait, E::AckAcceptable, kDrop, S::CloseWait},                // fifth: as ESTABLISHED
    {S::CloseWait, E::AckUnacceptable, Ack(SND_NXT, RCV_NXT), S::CloseWait},  // fifth, 5961 5.2
    {S::CloseWait, E::DataInWindow, kDrop, S::CloseWait},                 // seventh: ignore the text
    {S::CloseWait, E::DataOutOfWindow, Ack(SND_NXT, RCV_NXT), S::CloseWait},  // first
    {S::CloseWait, E::Fin, Ack(SND_NXT, RCV_NXT), S::CloseWait},          // first: old FIN, ACK
    {S::CloseWait, E::FinAck, Ack(SND_NXT, RCV_NXT), S::CloseWait},       // first: old FIN, ACK
    {S::CloseWait, E::RstExact, kDrop, S::Closed},                        // second: reset
    {S::CloseWait, E::RstInWindow, Ack(SND_NXT, RCV_NXT), S::CloseWait},  // second, 5961 3.2
    {S::CloseWait, E::RstOutOfWindow, kDrop, S::CloseWait},               // second: silently drop
    {S::CloseWait, E::RstAck, kDrop, S::Closed},                          // second: reset
    {S::CloseWait, E::SynFin, Ack(SND_NXT, RCV_NXT), S::CloseWait},       // fourth, 5961 4.2

    // ---- CLOSING: both FINs sent, ours not yet acknowledged.
    {S::Closing, E::Syn, Ack(SND_NXT, RCV_NXT), S::Closing},              // fourth, 5961 4.2
    {S::Closing, E::SynAck, Ack(SND_NXT, RCV_NXT), S::Closing},           // first
    {S::Closing, E::AckAcceptable, kDrop, S::TimeWait},                   // fifth: FIN acked, TIME-WAIT
    {S::Closing, E::AckUnacceptable, Ack(SND_NXT, RCV_NXT), S::Closing},  // fifth, 5961 5.2
    {S::Closing, E::DataInWindow, kDrop, S::TimeWait},                    // fifth; seventh ignores text
    {S::Closing, E::DataOutOfWindow, Ack(SND_NXT, RCV_NXT), S::Closing},  // first
    {S::Closing, E::Fin, Ack(SND_NXT, RCV_NXT), S::Closing},              // first: old FIN, ACK
    // first: the retransmitted FIN is wholly old, dropped before its ACK field is looked at.
    {S::Closing, E::FinAck, Ack(SND_NXT, RCV_NXT), S::Closing},
    {S::Closing, E::RstExact, kDrop, S::Closed},                          // second: CLOSED
    {S::Closing, E::RstInWindow, Ack(SND_NXT, RCV_NXT), S::Closing},      // second, 5961 3.2
    {S::Closing, E::RstOutOfWindow, kDrop, S::Closing},                   // second: silently drop
    {S::Closing, E::RstAck, kDrop, S::Closed},                            // second: CLOSED
    {S::Closing, E::SynFin, Ack(SND_NXT, RCV_NXT), S::Closing},           // fourth, 5961 4.2

    // ---- LAST-ACK: our FIN (after the peer's) not yet acknowledged.
    {S::LastAck, E::Syn, Ack(SND_NXT, RCV_NXT), S::LastAck},              // fourth, 5961 4.2
    {S::LastAck, E::SynAck, Ack(SND_NXT, RCV_NXT), S::LastAck},           // first
    {S::LastAck, E::AckAcceptable, kDrop, S::Closed},                     // fifth: FIN acked, CLOSED
    {S::LastAck, E::AckUnacceptable, Ack(SND_NXT, RCV_NXT), S::LastAck},  // fifth, 5961 5.2
    {S::LastAck, E::DataInWindow, kDrop, S::Closed},                      // fifth: FIN acked, CLOSED
    {S::LastAck, E::DataOutOfWindow, Ack(SND_NXT, RCV_NXT), S::LastAck},  // first
    {S::LastAck, E::Fin, Ack(SND_NXT, RCV_NXT), S::LastAck},              // first: old FIN, ACK
    {S::LastAck, E::FinAck, Ack(SND_NXT, RCV_NXT), S::LastAck},           // first: old FIN, ACK
    {S::LastAck, E::RstExact, kDrop, S::Closed},                          // second: CLOSED
    {S::LastAck, E::RstInWindow, Ack(SND_NXT, RCV_NXT), S::LastAck},      // second, 5961 3.2
    {S::LastAck, E::RstOutOfWindow, kDrop, S::LastAck},                   // second: silently drop
    {S::LastAck, E::RstAck, kDrop, S::Closed},                            // second: CLOSED
    {S::LastAck, E::SynFin, Ack(SND_NXT, RCV_NXT), S::LastAck},           // fourth, 5961 4.2

    // ---- TIME-WAIT ("rfc" profile: a valid RST closes, §3.10.7.4 second).
    {S::TimeWait, E::Syn, Ack(SND_NXT, RCV_NXT), S::TimeWait},            // fourth, 5961 4.2
    {S::TimeWait, E::SynAck, Ack(SND_NXT, RCV_NXT), S::TimeWait},         // first
    {S::TimeWait, E::AckAcceptable, kDrop, S::TimeWait},                  // fifth: only a FIN expected
    {S::TimeWait, E::AckUnacceptable, Ack(SND_NXT, RCV_NXT), S::TimeWait},  // fifth, 5961 5.2
    {S::TimeWait, E::DataInWindow, kDrop, S::TimeWait},                   // seventh: ignore the text
    {S::TimeWait, E::DataOutOfWindow, Ack(SND_NXT, RCV_NXT), S::TimeWait},  // first
    {S::TimeWait, E::Fin, Ack(SND_NXT, RCV_NXT), S::TimeWait},            // fifth: ACK the FIN, 2 MSL
    {S::TimeWait, E::FinAck, Ack(SND_NXT, RCV_NXT), S::TimeWait},         // fifth: ACK the FIN, 2 MSL
    {S::TimeWait, E::RstExact, kDrop, S::Closed},                         // second: CLOSED
    {S::TimeWait, E::RstInWindow, Ack(SND_NXT, RCV_NXT), S::TimeWait},    // second, 5961 3.2
    {S::TimeWait, E::RstOutOfWindow, kDrop, S::TimeWait},                 // second: silently drop
    {S::TimeWait, E::RstAck, kDrop, S::Closed},                           // second: CLOSED
    {S::TimeWait, E::SynFin, Ack(SND_NXT, RCV_NXT), S::TimeWait},         // fourth, 5961 4.2

    // ---- TIME-WAIT under RFC 1337 fix F1, "Ignore RST segments in TIME-WAIT state": every RST,
    // exact or not, leaves TIME-WAIT to run its 2 MSL, and none draws a challenge ACK.
    {S::TimeWait, E::RstExact, kDrop, S::TimeWait, Variant::Rfc1337},
    {S::TimeWait, E::RstInWindow, kDrop, S::TimeWait, Variant::Rfc1337},
    {S::TimeWait, E::RstOutOfWindow, kDrop, S::TimeWait, Variant::Rfc1337},
    {S::TimeWait, E::RstAck, kDrop, S::TimeWait, Variant::Rfc1337},
};

std::string describe(const net::Segment& s) {
  return "[" + flags_of(s) + " seq=" + std::to_string(s.seq) + " ack=" + std::to_string(s.ack) +
         " len=" + std::to_string(s.payload.size()) + "]";
}

std::string describe(const std::vector<net::Segment>& segs) {
  std::string out;
  for (const auto& s : segs) out += describe(s);
  return out.empty() ? "(nothing)" : out;
}

class StateEvent : public StackTest, public ::testing::WithParamInterface<Row> {
 protected:
  void SetUp() override {
    StackConfig cfg = test_config();
    if (GetParam().variant == Variant::Rfc1337) cfg.time_wait_rst = TimeWaitRstPolicy::Ignore;
    make(std::move(cfg));
  }

  // Drives one connection into `target` and returns what the events are built against.
  Context reach(State target) {
    Context c;
    constexpr std::uint32_t P = kPeerIsn + 1;
    constexpr std::uint32_t L = kIss + 1;
    switch (target) {
      case State::Closed:
        return c;
      case State::Listen:
        listen_fd_ = listener();
        return c;
      case State::SynSent: {
        const int fd = stack->socket(AF_INET, SOCK_STREAM, 0);
        EXPECT_EQ(stack->connect(fd, peer_addr(), kPeerPort), -EINPROGRESS);
        const auto syn = sent();
        EXPECT_EQ(syn.size(), 1u);
        if (!syn.empty()) c.our_port = syn[0].sport;
        return c;
      }
      case State::SynReceived:
        listen_fd_ = listener();
        send(from_peer(flag::SYN, kPeerIsn));
        break;
      default: {
        // ESTABLISHED by a passive open; the listener goes away so that a connection that ends
        // reads as CLOSED rather than LISTEN.
        const int l = listener();
        send(from_peer(flag::SYN, kPeerIsn));
        send(from_peer(flag::ACK, P, L));
        const int fd = stack->accept(l);
        EXPECT_GE(fd, 0);
        stack->close(l);
        switch (target) {
          case State::FinWait1:
            stack->shutdown(fd, SHUT_WR);
            break;
          case State::FinWait2:
            stack->shutdown(fd, SHUT_WR);
            send(from_peer(flag::ACK, P, L + 1));
            break;
          case State::CloseWait:
            send(from_peer(flag::FIN | flag::ACK, P, L));
            break;
          case State::Closing:  // simultaneous close: the peer's FIN does not ACK ours
            stack->shutdown(fd, SHUT_WR);
            send(from_peer(flag::FIN | flag::ACK, P, L));
            break;
          case State::LastAck:
            send(from_peer(flag::FIN | flag::ACK, P, L));
            stack->shutdown(fd, SHUT_WR);
            break;
          case State::TimeWait:
            stack->shutdown(fd, SHUT_WR);
            send(from_peer(flag::ACK, P, L + 1));
            send(from_peer(flag::FIN | flag::ACK, P, L + 1));
            break;
          default:
            break;
        }
      }
    }
    sent();
    if (const Tcb* t = live_connection(c)) {
      c.iss = t->iss;
      c.irs = t->irs;
      c.snd_nxt = t->snd_nxt;
      c.rcv_nxt = t->rcv_nxt;
      c.peer_fin_received = t->fin_received;
    }
    return c;
  }

  const Tcb* live_connection(const Context& c) const {
    for (const Tcb* t : stack->connections()) {
      if (t->state != State::Closed && t->local.port == c.our_port &&
          t->remote.port == c.peer_port) {
        return t;
      }
    }
    return nullptr;
  }

  // The state of the (our port, peer port) pair: its connection's, else LISTEN while a listener
  // takes new SYNs for it, else CLOSED.
  State observed_state(const Context& c) const {
    if (const Tcb* t = live_connection(c)) return t->state;
    if (listen_fd_ >= 0 && stack->is_open(listen_fd_)) return State::Listen;
    return State::Closed;
  }

  int listen_fd_ = -1;
};

TEST_P(StateEvent, Responds) {
  const Row& row = GetParam();
  const Context c = reach(row.state);
  ASSERT_EQ(observed_state(c), row.state) << "could not set up " << to_string(row.state);
  const net::Segment in = make_event(row.event, c);

  const std::vector<net::Segment> at_once = send(in);
  // Long enough for a delayed ACK, shorter than any retransmission timeout.
  stack->advance_to(stack->now() + stack->config().delayed_ack);
  expect_invariants();
  const std::vector<net::Segment> after_delay = sent();

  const auto& answer = row.reply.delayed ? after_delay : at_once;
  const auto& silence = row.reply.delayed ? at_once : after_delay;
  EXPECT_TRUE(silence.empty()) << "unexpected " << describe(silence) << " in reply to "
                               << describe(in);
  if (row.reply.flags == nullptr) {
    EXPECT_TRUE(answer.empty()) << "expected no reply to " << describe(in) << ", got "
                                << describe(answer);
  } else {
    ASSERT_EQ(answer.size(), 1u) << "reply to " << describe(in) << ": " << describe(answer);
    const net::Segment& r = answer[0];
    EXPECT_SEGMENT(r, row.reply.flags, row.reply.seq.eval(c, in), row.reply.ack.eval(c, in));
    EXPECT_EQ(r.src, in.dst);
    EXPECT_EQ(r.dst, in.src);
    EXPECT_EQ(r.sport, in.dport);
    EXPECT_EQ(r.dport, in.sport);
    EXPECT_TRUE(r.payload.empty());
  }
  EXPECT_EQ(to_string(observed_state(c)), to_string(row.next)) << "after " << describe(in);
}

INSTANTIATE_TEST_SUITE_P(Matrix, StateEvent, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& info) { return test_name(info.param); });

// The table itself: each of the 11 × 13 (state, event) pairs exactly once under the "rfc" profile.
TEST(MatrixTable, CoversEveryStateAndEventOnce) {
  std::set<std::pair<State, Event>> seen;
  for (const Row& r : kRows) {
    if (r.variant != Variant::Rfc) continue;
    EXPECT_TRUE(seen.insert({r.state, r.event}).second)
        << "duplicate row " << test_name(r);
  }
  EXPECT_EQ(seen.size(), 11u * kEventCount);
}

}  // namespace
}  // namespace synack::reference::testing::matrix
