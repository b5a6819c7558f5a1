// The structure-aware mutator: decode a session input, change it at the level of events and
// their fields, encode it again. Used by libFuzzer (LLVMFuzzerCustomMutator) and by the
// in-process loop, so most mutants stay meaningful sessions.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "fuzz/session.h"

namespace synack::fuzz {

using Rng = std::mt19937_64;

Event random_event(Rng& rng);

// One mutation: change one field of one event, insert, delete, duplicate or swap events, grow
// the session along the state diagram (generator.h: runs the session once), or change the
// profile. The result decodes to at most `max_events` events and fits `max_size`.
std::vector<std::uint8_t> mutate(std::span<const std::uint8_t> input, Rng& rng, std::size_t max_size,
                                 std::size_t max_events = kDefaultMaxEvents);

// Splices the events of two inputs at random points.
std::vector<std::uint8_t> crossover(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b,
                                    Rng& rng, std::size_t max_size,
                                    std::size_t max_events = kDefaultMaxEvents);

}  // namespace synack::fuzz
