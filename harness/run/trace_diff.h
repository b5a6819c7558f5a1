// Differential comparison of two runs of one script on two targets (`synack diff`).
//
// What the stack did is the sequence of segments it sent and of socket call results, in the
// order the script met them. Two targets agree when those sequences are the same after the
// values that are theirs to choose are normalized away: ISNs (traces hold relative numbers
// already), TCP timestamp values, and - unless `strict` - the window and the order and values of
// options, which differ from system to system without either being wrong. The first entry where
// they disagree is the divergence; later entries follow from it and are not reported.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/common/time.h"
#include "harness/run/result.h"

namespace synack::run {

// One comparable step of a trace: a segment the stack sent (or bytes that did not decode), or
// a socket call's result.
struct Step {
  enum class Kind { Segment, Malformed, CallReturn };
  Kind kind = Kind::Segment;
  Micros time = 0;
  Micros since = 0;       // when the last thing the script did before it happened (a segment it
                          // injected, a call it started): the step's timing is time - since, so
                          // a late timer is not charged to the step after it
  Micros since_segment = 0;  // when the previous segment went either way (a timer armed there
                             // may fire late on a real clock)
  std::size_t after = 0;  // how many things the script had done before it (segments injected,
                          // calls started, commands): two steps after different ones are
                          // compared from the earlier of the two
  int line = 0;           // script line (0: a segment no script line expected)
  std::string text;       // as the trace shows it (relative numbers)
  // Segment fields, parsed from the relative text.
  std::string flags;
  std::string seq;        // "1:1001" or "1"
  std::string ack;        // "" when ACK is off
  std::string window;
  std::string urgent;
  std::string length;
  std::vector<std::string> options;  // "mss 1460", "TS", "wscale 7", ... in the order sent
  std::string extras;     // "bad cksum", "ip options [...]" and the like, joined
};

// The steps of a trace, in order.
std::vector<Step> steps_of(const Trace& trace);

// What differs at a divergence. Profile-dependent classes (window, option order and values)
// count only in strict mode.
enum class DiffClass { Missing, Kind, Flags, Seq, Ack, Length, Urgent, Window, Options, Extras, Call, Timing };
const char* diff_class_name(DiffClass c);  // "missing", "kind", "flags", ...

struct DiffOptions {
  bool strict = false;
  bool timing = true;
  Micros timing_tolerance_usecs = 10000;  // and 12.5 % of the interval, whichever is larger
  double timing_tolerance_percent = 12.5;
  double timer_slack_percent = 12.5;      // the later of two steps may be late by this share of
                                          // the time since its trace's previous segment
  Micros timer_slack_usecs = 8000;        // plus this (a timer fires on a tick, its softirq may
                                          // run a tick later: 2 ticks at HZ=250)
};

struct Divergence {
  std::size_t index = 0;               // step index where the traces first differ
  std::vector<DiffClass> classes;      // what differs there
  std::optional<Step> a, b;            // the two steps (absent: that trace has ended)
  std::string summary() const;         // "flags, ack differ at line 12"
};

// The first divergence of two traces of the same script, or nullopt when they agree.
std::optional<Divergence> first_divergence(const Trace& a, const Trace& b, const DiffOptions& options = {});

// Whether `d` is only one run having watched longer than the other: both runs failed the script
// (a stale one), the trace that ended belongs to a run that stopped first, and the other trace's
// step came after that run's last moment. Nothing is known of what the stopped run's stack did
// then. Where one run passes, the other's early stop is a divergence.
bool beyond_a_stopped_run(const Divergence& d, const ScriptResult& a, const ScriptResult& b);

// A key for grouping alike divergences across scripts: what differs and the shape of the two
// steps, e.g. "flags: segment F. / segment R.". Numbers and lines are left out.
std::string divergence_key(const Divergence& d);

// What the script did last before the divergence, from the baseline trace: "after < FIN" (a
// segment injected, by its class: RST, SYN-ACK, SYN, FIN, data, ACK, no-ACK; "icmp") or
// "after close()" (a call issued); "at start" when nothing.
std::string divergence_context(const Trace& baseline, const Divergence& d);

}  // namespace synack::run
