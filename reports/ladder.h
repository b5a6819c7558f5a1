// Ladder (sequence) diagrams of one script's trace, as inline SVG for the HTML report.
//
// Two lifelines, "peer (synack)" on the left and "stack under test" on the right, time flowing
// down. Injected segments are arrows peer -> stack, observed ones stack -> peer, each labelled
// with the tcpdump-style text of the trace (relative sequence numbers) and its script time.
// Syscalls, commands and asserts are notes on the stack's lifeline. The entry that made the script
// fail is red; when the failure names an expected segment, it is drawn as a dashed "ghost" arrow
// right below the observed one, so expected and observed read side by side.
// Rows are spaced by event order, not by time (a script can cover hours of protocol time).
#pragma once

#include <cstddef>
#include <string>

#include "harness/run/result.h"

namespace synack::reports {

struct LadderOptions {
  // Traces longer than this are compressed: the first and last entries and a window around every
  // mismatching entry are drawn, each omitted run as one "… N events not shown …" row.
  std::size_t max_rows = 300;
};

// A standalone <svg class="ladder" ...> element (valid XML, usable inline in HTML or as a file).
std::string ladder_svg(const run::ScriptResult& script, const LadderOptions& options = {});

}  // namespace synack::reports
