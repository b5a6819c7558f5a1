// A findings directory (OUT/findings): finding-N.input (the minimized session input) and
// finding-N.pkt (the script that replays it), one pair per distinct Finding::key().
//
// The directory is the memory of deduplication across campaigns: a campaign that reuses an
// output directory first replays the inputs already there (load()); those that still fail keep
// their number and key, and a new input with one of those keys is not written again. An input
// that no longer fails (the bug was fixed) is left alone and not counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "fuzz/session.h"

namespace synack::fuzz {

struct StoredFinding {
  Finding finding;
  std::string input_path;
  std::string script_path;
  std::size_t events = 0;            // of the input as found
  std::size_t minimized_events = 0;  // after event-level delta minimization
  bool earlier = false;              // found by an earlier campaign (load())
};

class FindingsDir {
 public:
  // `options`: how sessions are replayed (max_events; planted_rst_bug in tests).
  FindingsDir(std::filesystem::path dir, const SessionOptions& options);

  // Replays the finding-N.input files already in the directory; returns how many still fail.
  std::size_t load();
  // Replays `input`; a finding whose key is new is minimized and written. True if written.
  bool add(std::span<const std::uint8_t> input);

  const std::vector<StoredFinding>& findings() const { return found_; }
  const std::set<std::string>& keys() const { return keys_; }

 private:
  std::filesystem::path dir_;
  SessionOptions options_;
  std::vector<StoredFinding> found_;
  std::set<std::string> keys_;
  std::size_t next_ = 1;  // the next finding-N number (after the highest one on disk)
};

}  // namespace synack::fuzz
