// Session fuzzing: a fuzz input is a small program of events played against the reference stack.
//
// Bytes decode into a SessionInput: a header (profile) and up to `max_events` events. An event is
// a segment the scripted peer injects, a socket call on the stack's side, or a clock advance.
// Segment fields are chosen RELATIVE to the connection's current state (RCV.NXT, the window's
// right edge, IRS, SND.UNA, SND.NXT, ISS, ...) plus a small delta, or raw, so mutations stay
// meaningful. run_session() applies the events to a reference::Stack on its virtual clock and
// checks the stack's invariants (and a few RFC properties of its own) after every step.
//
// Encoding is canonical: decode(encode(x)) == x for every decoded x, which lets the libFuzzer
// custom mutator work on events and fields rather than bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/transitions.h"
#include "harness/common/time.h"
#include "harness/net/segment.h"
#include "targets/reference/config.h"

namespace synack::fuzz {

inline constexpr std::size_t kDefaultMaxEvents = 64;

// A sequence number named by where it sits relative to the connection (peer's send space).
struct SeqRef {
  enum class Base : std::uint8_t { RcvNxt, RcvRight, Irs, Raw, kCount };
  Base base = Base::RcvNxt;
  std::int32_t delta = 0;  // added to the base (int16 range); for Raw the whole value
  bool operator==(const SeqRef&) const = default;
};

// An acknowledgment number relative to the stack's send space.
struct AckRef {
  enum class Base : std::uint8_t { SndUna, SndNxt, SndMax, Iss, Raw, kCount };
  Base base = Base::SndNxt;
  std::int32_t delta = 0;
  bool operator==(const AckRef&) const = default;
};

struct OptionGen {
  enum class Kind : std::uint8_t {
    Nop, Eol, Mss, Wscale, SackOk, Timestamp, Sack, Unknown, Malformed, kCount
  };
  Kind kind = Kind::Nop;
  std::uint32_t a = 0;  // Mss: value; Wscale: shift; Timestamp: TSval; Sack: first left offset
                        // from SND.UNA; Unknown/Malformed: option kind
  std::uint32_t b = 0;  // Timestamp: ecr mode (0 zero, 1 echo the stack's latest TSval, 2 raw
                        // `c`); Sack: block count 1..4; Unknown/Malformed: data length
  std::uint32_t c = 0;  // Timestamp: raw ecr; Sack: block length
  bool operator==(const OptionGen&) const = default;
};

struct SegmentGen {
  std::uint16_t flags = 0;        // net::flag bits (9 bits)
  SeqRef seq;
  AckRef ack;                     // used when ACK is set
  std::uint16_t window = 0;
  std::uint16_t urgent = 0;
  std::uint16_t payload_len = 0;  // <= kMaxPayload
  std::uint8_t port = 0;          // 0: the connection's port, 1: the listen port, 2: a closed port
  std::vector<OptionGen> options;  // <= kMaxOptions
  bool operator==(const SegmentGen&) const = default;
};

enum class CallKind : std::uint8_t {
  Connect, Listen, Accept, Send, Recv, Shutdown, Close, SetSockOpt, kCount
};

// Options settable by a SetSockOpt event.
enum class SockOpt : std::uint8_t {
  LingerZero, LingerOn, LingerOff, KeepAlive, NoDelay, RcvBuf, SndBuf, KeepIdle, KeepIntvl,
  KeepCnt, MaxSeg, kCount
};

struct CallGen {
  CallKind kind = CallKind::Connect;
  std::uint8_t fd = 0;     // which open descriptor (index, modulo the count); Connect/Listen: 0 = new
  std::uint32_t arg = 0;   // Send/Recv: length; Listen: backlog; Shutdown: how; SetSockOpt: value
  std::uint8_t sub = 0;    // SetSockOpt: SockOpt; Recv: 1 = MSG_PEEK
  bool operator==(const CallGen&) const = default;
};

struct AdvanceGen {
  enum class Unit : std::uint8_t { NextTimer, Micros, Millis, Seconds, Minutes, kCount };
  Unit unit = Unit::NextTimer;
  std::uint16_t amount = 0;
  bool operator==(const AdvanceGen&) const = default;
};

struct Event {
  enum class Kind : std::uint8_t { Segment, Call, Advance, kCount };
  Kind kind = Kind::Segment;
  SegmentGen segment;
  CallGen call;
  AdvanceGen advance;
  bool operator==(const Event&) const;
};

struct SessionInput {
  std::uint8_t profile = 0;  // 0 rfc, 1 linux, 2 freebsd
  std::vector<Event> events;
  bool operator==(const SessionInput&) const = default;
};

inline constexpr std::size_t kMaxOptions = 6;
inline constexpr std::uint16_t kMaxPayload = 2048;

// Bytes -> events. Never fails: missing bytes read as zero, values are folded into range.
SessionInput decode(std::span<const std::uint8_t> bytes, std::size_t max_events = kDefaultMaxEvents);
std::vector<std::uint8_t> encode(const SessionInput& input);

std::string describe(const Event& event);  // one line, for reports and script comments

// ---- Running a session ------------------------------------------------------------------------

// A violated invariant (or RFC property) found while running a session.
struct Finding {
  std::string invariant;     // the rule, without the connection dump
  std::string detail;        // the full message
  std::string state;         // the state of the connection concerned ("ESTABLISHED")
  std::string event;         // what triggered it, in full ("segment SFUE.", "call close", "advance")
  std::string trigger;       // the kind of event: "segment", "call close", "advance", "setup"
  std::size_t event_index = 0;
  // Deduplication key: (rule, state, trigger), "SND.UNA > SND.NXT | FIN-WAIT-1 | segment". Not
  // the segment's flags, options or values, nor counts in the message: one bug reached through
  // SFUE. and SFUW. segments is one finding. Stable across runs and restarts (a pure function
  // of the input), so a findings directory and known-findings.txt can be matched against it.
  std::string key() const;
};

// The invariant's text with the numbers that vary from run to run replaced by N ("RCV.NXT does
// not match the octets delivered (N vs N)"); RFC, section and in-word numbers ("4-tuple") stay.
std::string rule_of(std::string_view invariant);

// One line of the session as it happened, for to_script.
struct Record {
  enum class Kind { Inbound, Outbound, Call, Comment };
  Kind kind = Kind::Comment;
  Micros time = 0;
  net::Segment segment;             // Inbound/Outbound, absolute values
  std::string text;                 // Call: "close(4)"-style line body without result; Comment
  std::int64_t result = 0;          // Call: return value (>= 0) or -errno
  std::size_t event_index = 0;      // the input event that produced it (SIZE_MAX: setup)
};

// Where a session stood after one event (SessionOptions::trail), for the state-aware generator.
struct Step {
  static constexpr std::uint8_t kNoFd = 0xff;
  // The connection segments go to (port 0): its state; LISTEN when that is closed or missing and
  // a listener is open; CLOSED when neither.
  State state = State::Closed;
  std::uint8_t fd = 0;       // the CallGen::fd that selects its descriptor (kNoFd: none has it)
  bool changed = false;      // a connection (or listener) changed state during the event
};

struct SessionOptions {
  bool record = false;               // keep the Records (to_script); off for speed
  bool trail = false;                // keep a Step per event (SessionResult::trail)
  bool planted_rst_bug = false;      // test only: the reference stack accepts a RST at any SEQ
  std::size_t max_events = kDefaultMaxEvents;
};

struct SessionResult {
  std::optional<Finding> finding;   // the first one; the session stops there
  TransitionSet transitions;         // (state, event, next state) edges exercised
  std::vector<ObservedTransition> extra;  // transitions outside the RFC set (should be none)
  std::vector<Record> records;       // when options.record
  std::vector<Step> trail;           // when options.trail: one per event run
  // When options.record: each open descriptor's TCP_INFO tcpi_state at the end, and that time.
  std::vector<std::pair<int, std::int64_t>> final_states;
  Micros end_time = 0;
  std::size_t events_run = 0;
  std::uint32_t features = 0;        // a cheap hash of behaviour for the in-process loop
  std::vector<std::uint32_t> feature_list;  // (state, event class, outcome) signatures
};

SessionResult run_session(const SessionInput& input, const SessionOptions& options = {});

reference::StackConfig profile_config(std::uint8_t profile);

}  // namespace synack::fuzz
