// Seed corpora from the conformance scripts: a converter from a parsed script to a session input
// (where the script's events have a session equivalent), plus seeds for the parser, codec and
// config fuzzers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fuzz/session.h"
#include "harness/common/result.h"
#include "harness/script/ast.h"

namespace synack::fuzz {

// Script -> session: syscalls become Call events, '<' lines Segment events with fields relative
// to the connection (seq from IRS, ack from ISS), time gaps Advance events; '>' lines, commands
// and assertions have no session counterpart and are skipped. nullopt when nothing converts.
std::optional<SessionInput> from_script(const script::Script& script, std::uint8_t profile = 0);

// Hand-written sessions for arcs the shipped scripts do not reach: ABORT (SO_LINGER 0 + close)
// in FIN-WAIT-1, FIN-WAIT-2, CLOSING, LAST-ACK and TIME-WAIT (after shutdown(SHUT_WR)), the
// orphan FIN-WAIT-2 timeout, LAST-ACK retransmission give-up. One per profile each.
std::vector<SessionInput> handcrafted_seeds();

// Writes <out>/fuzz_session, fuzz_script_parser, fuzz_codec and fuzz_config seed files built
// from every .pkt under `scripts_dir`. Returns the number of files written per fuzzer.
Result<std::map<std::string, std::size_t>> write_seed_corpora(const std::string& scripts_dir,
                                                               const std::string& out_dir);

}  // namespace synack::fuzz
