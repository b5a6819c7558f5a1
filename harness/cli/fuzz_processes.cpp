// The libFuzzer worker processes of `synack fuzz` (fuzz_processes.h).
#include "harness/cli/fuzz_processes.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

extern char** environ;

namespace synack::cli {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Parses a libFuzzer status line: "#1234\tNEW    cov: 55 ft: 66 corp: 7/89b ... exec/s: 1000".
void parse_status(const std::string& line, Stats& s) {
  // Final stats (-print_final_stats=1) carry the exact count.
  if (line.rfind("stat::number_of_executed_units:", 0) == 0) {
    s.execs = std::strtoull(line.c_str() + std::strlen("stat::number_of_executed_units:"), nullptr, 10);
    return;
  }
  if (line.size() < 2 || line[0] != '#' || !std::isdigit(static_cast<unsigned char>(line[1]))) return;
  s.execs = std::strtoull(line.c_str() + 1, nullptr, 10);
  auto field = [&](const char* name) -> std::optional<std::uint64_t> {
    auto p = line.find(name);
    if (p == std::string::npos) return std::nullopt;
    return std::strtoull(line.c_str() + p + std::strlen(name), nullptr, 10);
  };
  if (auto v = field("cov: ")) s.cov = *v;
  if (auto v = field("ft: ")) s.ft = *v;
  if (auto v = field("corp: ")) s.corpus = *v;
  if (auto v = field("exec/s: ")) s.exec_per_s = *v;
  if (auto v = field("rss: ")) s.peak_rss_mb = std::max(s.peak_rss_mb, *v);
}

// One fuzzer's figures so far: executions of every process (rounds already ended included), the
// running processes' speed, the best coverage and corpus, the largest resident size any reported.
Stats combined(const std::vector<Stats>& finished, const std::vector<Process>& running) {
  Stats sum;
  for (const auto& s : finished) {
    sum.execs += s.execs;
    sum.peak_rss_mb = std::max(sum.peak_rss_mb, s.peak_rss_mb);
  }
  for (const auto& p : running) {
    sum.execs += p.stats.execs;
    sum.exec_per_s += p.stats.exec_per_s;
    sum.cov = std::max(sum.cov, p.stats.cov);
    sum.ft = std::max(sum.ft, p.stats.ft);
    sum.corpus = std::max(sum.corpus, p.stats.corpus);
    sum.peak_rss_mb = std::max(sum.peak_rss_mb, p.stats.peak_rss_mb);
  }
  return sum;
}

// ASan keeps freed memory in a quarantine (256 MB by default) to catch use-after-free; in a
// long-running fuzzing worker that alone held the resident size near 500 MB. 32 MB still catches
// uses of recently freed blocks and keeps a worker near 100 MB. A user's own ASAN_OPTIONS are kept,
// and a quarantine size given there wins.
std::string worker_asan_options() {
  const char* user = std::getenv("ASAN_OPTIONS");
  std::string options = user ? user : "";
  if (options.find("quarantine_size_mb") == std::string::npos)
    options += (options.empty() ? "" : ":") + std::string("quarantine_size_mb=32");
  return options;
}

std::optional<Process> spawn(const std::vector<std::string>& argv, const fs::path& log_path,
                             const std::map<std::string, std::string>& env_extra) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], 2);
  posix_spawn_file_actions_addclose(&actions, pipefd[0]);
  posix_spawn_file_actions_addclose(&actions, pipefd[1]);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    const std::string_view entry(*e);
    const bool overridden = std::any_of(env_extra.begin(), env_extra.end(), [&](const auto& kv) {
      return entry.size() > kv.first.size() && entry.substr(0, kv.first.size()) == kv.first &&
             entry[kv.first.size()] == '=';
    });
    if (!overridden) env_strings.emplace_back(entry);
  }
  for (const auto& [k, v] : env_extra) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> copy = argv;
  std::vector<char*> cargv;
  for (auto& s : copy) cargv.push_back(s.data());
  cargv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipefd[1]);
  if (rc != 0) {
    ::close(pipefd[0]);
    return std::nullopt;
  }
  ::fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
  Process p;
  p.pid = pid;
  p.fd = pipefd[0];
  p.log.open(log_path);
  return p;
}

// Reads what is available; returns false at EOF.
bool pump(Process& p) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(p.fd, buf, sizeof buf);
    if (n > 0) {
      p.log.write(buf, n);
      p.pending.append(buf, static_cast<std::size_t>(n));
      std::size_t nl;
      while ((nl = p.pending.find_first_of("\r\n")) != std::string::npos) {
        parse_status(p.pending.substr(0, nl), p.stats);
        p.pending.erase(0, nl + 1);
      }
      continue;
    }
    if (n == 0) return false;
    return errno == EAGAIN || errno == EINTR;
  }
}

// Runs processes until they exit or `deadline` passes (then SIGTERM, then SIGKILL), calling
// `tick` about once a second.
void supervise(std::vector<Process>& procs, Clock::time_point deadline, const std::function<void()>& tick) {
  auto last_tick = Clock::now();
  bool terminated = false;
  std::size_t open = procs.size();
  while (open > 0) {
    std::vector<pollfd> fds;
    for (auto& p : procs)
      if (p.fd >= 0) fds.push_back({p.fd, POLLIN, 0});
    ::poll(fds.data(), fds.size(), 250);
    for (auto& p : procs) {
      if (p.fd < 0) continue;
      if (!pump(p)) {
        ::close(p.fd);
        p.fd = -1;
        --open;
      }
    }
    const auto now = Clock::now();
    if (now - last_tick >= std::chrono::seconds(1)) {
      last_tick = now;
      if (tick) tick();
    }
    if (now > deadline && !terminated) {
      for (auto& p : procs) if (p.fd >= 0) ::kill(p.pid, SIGTERM);
      terminated = true;
      deadline = now + std::chrono::seconds(5);
    } else if (terminated && now > deadline) {
      for (auto& p : procs) if (p.fd >= 0) ::kill(p.pid, SIGKILL);
    }
  }
  for (auto& p : procs) {
    int status = 0;
    ::waitpid(p.pid, &status, 0);
  }
}

}  // namespace synack::cli
