// The libFuzzer worker processes of `synack fuzz`: spawning them with their output in a pipe and
// a log, reading libFuzzer's status lines into figures, and supervising them until a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace synack::cli {

struct Stats {
  std::uint64_t execs = 0;
  std::uint64_t exec_per_s = 0;
  std::uint64_t cov = 0;
  std::uint64_t ft = 0;
  std::uint64_t corpus = 0;
  std::uint64_t peak_rss_mb = 0;  // largest "rss: NMb" libFuzzer reported (the worker's resident size)
};

struct Process {
  pid_t pid = -1;
  int fd = -1;  // read end of its stderr
  std::string pending;
  Stats stats;
  std::ofstream log;
};

// Parses a libFuzzer status line: "#1234\tNEW    cov: 55 ft: 66 corp: 7/89b ... exec/s: 1000".
void parse_status(const std::string& line, Stats& s);

// One fuzzer's figures so far: executions of every process (rounds already ended included), the
// running processes' speed, the best coverage and corpus, the largest resident size any reported.
Stats combined(const std::vector<Stats>& finished, const std::vector<Process>& running);

// ASAN_OPTIONS for a worker: the user's, with a 32 MB quarantine unless they set one.
std::string worker_asan_options();

// Starts `argv` with stdin from /dev/null, stdout and stderr into a non-blocking pipe, the
// environment plus `env_extra`; what it prints is also copied to `log_path`.
std::optional<Process> spawn(const std::vector<std::string>& argv, const std::filesystem::path& log_path,
                             const std::map<std::string, std::string>& env_extra);

// Reads what is available; returns false at EOF.
bool pump(Process& p);

// Runs processes until they exit or `deadline` passes (then SIGTERM, then SIGKILL), calling
// `tick` about once a second.
void supervise(std::vector<Process>& procs, std::chrono::steady_clock::time_point deadline,
               const std::function<void()>& tick);

}  // namespace synack::cli
