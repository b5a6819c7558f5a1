// One pcap per script: the segments of its trace, as the HTML report links them
// ("pcaps/handshake__passive_open.pcap"), readable by tcpdump, tshark and Wireshark.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "harness/common/result.h"
#include "harness/run/result.h"

namespace synack::reports {

// Writes every Injected, Observed and Malformed entry of the script's trace, in trace order, as a
// raw IP packet (LINKTYPE_RAW). An entry's timestamp is epoch_base_us + entry.time: virtual script
// time maps onto the epoch (use the run's start, see parse_started_at). Entries with wire bytes are
// written as captured; segments without them (injected ones) are encoded from `segment`; entries
// with neither are left out. The file appears atomically (temporary file + rename).
// Error: "<path>: cannot write pcap: <reason>".
Result<void> write_pcap(const run::ScriptResult& script, const std::string& path, std::int64_t epoch_base_us);

// How many packets write_pcap writes for this script.
std::size_t pcap_packet_count(const run::ScriptResult& script);

// A filesystem-safe file name for a script's pcap: the path below its "scripts/" directory (or
// the whole relative path), without ".pkt", '/' as "__", every byte outside [A-Za-z0-9._-] as '_':
// "scripts/handshake/passive_open.pkt" -> "handshake__passive_open.pcap". When that mapping
// could make two paths collide (a byte was replaced, or the path has "__", "_/" or "/_"), or the
// name would be long, an 8-hex-digit hash of the whole path is appended: "a_b-1f2e3d4c.pcap"
// ("script-<hash>.pcap" for an empty path). Paths under different "scripts/" roots that are the
// same below them ("scripts/x.pkt", "other/scripts/x.pkt") get the same name.
std::string pcap_file_name(const std::string& script_path);

// Microseconds since the Unix epoch of an ISO 8601 UTC time as RunResult::started_at holds it
// ("2026-11-21T17:51:01Z", optionally with fractional seconds); nullopt if it is not one.
std::optional<std::int64_t> parse_started_at(const std::string& iso8601);

}  // namespace synack::reports
