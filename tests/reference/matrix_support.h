// The vocabulary of the state × event matrix (matrix_test.cpp): the thirteen events, how each
// becomes a segment in a given state, and the symbolic expected reply ("<SEQ=SND.NXT><ACK=RCV.NXT>
// <CTL=ACK>") evaluated against the connection as it stood before the event.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "tests/reference/stack_fixture.h"

namespace synack::reference::testing::matrix {

enum class Event : std::uint8_t {
  Syn,              // SYN at the peer's next sequence number (in window)
  SynAck,           // a retransmitted SYN-ACK: <SEQ=IRS><ACK=ISS+1>
  AckAcceptable,    // bare ACK of everything we sent (SEG.ACK = SND.NXT)
  AckUnacceptable,  // bare ACK of data never sent (SEG.ACK = SND.NXT + kUnsent)
  DataInWindow,     // kDataLen octets at RCV.NXT, ACK = SND.NXT
  DataOutOfWindow,  // kDataLen octets at RCV.NXT + kFar (beyond any window), ACK = SND.NXT
  Fin,              // the peer's FIN without ACK
  FinAck,           // the peer's FIN with ACK = SND.NXT
  RstExact,         // RST at SEG.SEQ = RCV.NXT
  RstInWindow,      // RST at RCV.NXT + 1: in the window, not exact
  RstOutOfWindow,   // RST at RCV.NXT + kFar
  RstAck,           // RST,ACK at RCV.NXT, ACK = SND.NXT
  SynFin,           // SYN,FIN at the peer's next sequence number
};
inline constexpr int kEventCount = 13;

inline constexpr std::uint32_t kDataLen = 10;
inline constexpr std::uint32_t kFar = 1u << 20;     // beyond any unscaled window
inline constexpr std::uint32_t kUnsent = 1000;      // how far an unacceptable ACK overshoots

inline std::string_view event_name(Event e) {
  switch (e) {
    case Event::Syn: return "Syn";
    case Event::SynAck: return "SynAck";
    case Event::AckAcceptable: return "AckAcceptable";
    case Event::AckUnacceptable: return "AckUnacceptable";
    case Event::DataInWindow: return "DataInWindow";
    case Event::DataOutOfWindow: return "DataOutOfWindow";
    case Event::Fin: return "Fin";
    case Event::FinAck: return "FinAck";
    case Event::RstExact: return "RstExact";
    case Event::RstInWindow: return "RstInWindow";
    case Event::RstOutOfWindow: return "RstOutOfWindow";
    case Event::RstAck: return "RstAck";
    case Event::SynFin: return "SynFin";
  }
  return "?";
}

// The sequence numbers an event is built from. In states without a TCB or without the peer's
// ISN (CLOSED, LISTEN, SYN-SENT) they are the ones the scripted peer would use: its ISN kPeerIsn
// and our ISS kIss.
struct Context {
  std::uint32_t iss = kIss;         // our ISS
  std::uint32_t irs = kPeerIsn;     // the peer's ISN
  std::uint32_t snd_nxt = kIss + 1;  // SND.NXT: what an acceptable ACK acknowledges
  std::uint32_t rcv_nxt = kPeerIsn;  // RCV.NXT, or the peer's ISN before it is known
  bool peer_fin_received = false;   // the peer's FIN occupies RCV.NXT - 1
  std::uint16_t our_port = kPort;
  std::uint16_t peer_port = kPeerPort;
};

inline net::Segment make_event(Event e, const Context& c) {
  // The peer's FIN sits at RCV.NXT, or at RCV.NXT - 1 once it was received (a retransmission).
  const std::uint32_t fin_seq = c.peer_fin_received ? c.rcv_nxt - 1 : c.rcv_nxt;
  auto seg = [&](std::uint16_t flags, std::uint32_t seq, std::uint32_t ack = 0,
                 std::vector<std::uint8_t> data = {}) {
    return from_peer(flags, seq, ack, 65535, std::move(data), c.peer_port, c.our_port);
  };
  switch (e) {
    case Event::Syn: return seg(flag::SYN, c.rcv_nxt);
    case Event::SynAck: return seg(flag::SYN | flag::ACK, c.irs, c.iss + 1);
    case Event::AckAcceptable: return seg(flag::ACK, c.rcv_nxt, c.snd_nxt);
    case Event::AckUnacceptable: return seg(flag::ACK, c.rcv_nxt, c.snd_nxt + kUnsent);
    case Event::DataInWindow:
      return seg(flag::ACK | flag::PSH, c.rcv_nxt, c.snd_nxt, bytes(kDataLen));
    case Event::DataOutOfWindow:
      return seg(flag::ACK | flag::PSH, c.rcv_nxt + kFar, c.snd_nxt, bytes(kDataLen));
    case Event::Fin: return seg(flag::FIN, fin_seq);
    case Event::FinAck: return seg(flag::FIN | flag::ACK, fin_seq, c.snd_nxt);
    case Event::RstExact: return seg(flag::RST, c.rcv_nxt);
    case Event::RstInWindow: return seg(flag::RST, c.rcv_nxt + 1);
    case Event::RstOutOfWindow: return seg(flag::RST, c.rcv_nxt + kFar);
    case Event::RstAck: return seg(flag::RST | flag::ACK, c.rcv_nxt, c.snd_nxt);
    case Event::SynFin: return seg(flag::SYN | flag::FIN, c.rcv_nxt);
  }
  return seg(0, 0);
}

// A sequence number written as the RFC writes it: a variable plus an offset.
struct Num {
  enum class Var : std::uint8_t { Zero, Iss, SndNxt, RcvNxt, SegSeq, SegAck };
  Var var = Var::Zero;
  std::int64_t offset = 0;

  constexpr Num operator+(std::int64_t n) const { return {var, offset + n}; }

  std::uint32_t eval(const Context& c, const net::Segment& seg) const {
    std::uint32_t base = 0;
    switch (var) {
      case Var::Zero: base = 0; break;
      case Var::Iss: base = c.iss; break;
      case Var::SndNxt: base = c.snd_nxt; break;
      case Var::RcvNxt: base = c.rcv_nxt; break;
      case Var::SegSeq: base = seg.seq; break;
      case Var::SegAck: base = seg.ack; break;
    }
    return base + static_cast<std::uint32_t>(offset);
  }
};

inline constexpr Num ZERO{Num::Var::Zero};
inline constexpr Num ISS{Num::Var::Iss};
inline constexpr Num SND_NXT{Num::Var::SndNxt};
inline constexpr Num RCV_NXT{Num::Var::RcvNxt};
inline constexpr Num SEG_SEQ{Num::Var::SegSeq};
inline constexpr Num SEG_ACK{Num::Var::SegAck};

// The one segment the stack answers with, or none. The matrix never needs two: no data is
// queued, so nothing rides along with an ACK.
struct Reply {
  const char* flags = nullptr;  // as flags_of() prints them; nullptr: no reply at all
  Num seq;
  Num ack;                      // ignored (must be 0) when the reply has no ACK bit
  bool delayed = false;         // sent by the delayed-ACK timer, not at once
};

inline constexpr Reply kDrop{};
constexpr Reply Ack(Num seq, Num ack) { return {".", seq, ack}; }
constexpr Reply DelayedAck(Num seq, Num ack) { return {".", seq, ack, true}; }
constexpr Reply Rst(Num seq) { return {"R", seq, ZERO}; }
constexpr Reply RstAck(Num seq, Num ack) { return {"R.", seq, ack}; }
constexpr Reply SynAck(Num seq, Num ack) { return {"S.", seq, ack}; }

// Profile knobs a row can run under; Rfc is test_config("rfc").
enum class Variant : std::uint8_t {
  Rfc,
  Rfc1337,  // time_wait_rst = ignore: RFC 1337 fix F1 (FreeBSD, Linux with tcp_rfc1337 = 1)
};

struct Row {
  State state;
  Event event;
  Reply reply;
  State next;  // LISTEN after SYN-RECEIVED means: the half-open connection is gone
  Variant variant = Variant::Rfc;
};

// "SYN-SENT" -> "SYN_SENT": GoogleTest names allow only letters, digits and '_'.

inline std::string test_name(const Row& r) {
  std::string s(to_string(r.state));
  for (char& ch : s) {
    if (ch == '-') ch = '_';
  }
  s += '_';
  s += event_name(r.event);
  if (r.variant == Variant::Rfc1337) s += "_Rfc1337";
  return s;
}

// How GoogleTest prints a row in failure messages (instead of its bytes).
inline void PrintTo(const Row& r, std::ostream* os) { *os << test_name(r); }

}  // namespace synack::reference::testing::matrix
