#include "harness/cli/isolated.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "harness/cli/options.h"
#include "harness/run/suite.h"
#include "reports/reports.h"
#include "targets/kernel/kernel_target.h"
#include "targets/kernel/netns.h"
#include "targets/remote/remote_target.h"
#ifdef SYNACK_HAVE_LWIP
#include "targets/lwip/lwip_target.h"
#endif

extern char** environ;

namespace synack::cli {
namespace {

namespace fs = std::filesystem;

std::string tail_of(const fs::path& file, std::size_t max_bytes) {
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

run::ScriptResult error_result(const std::string& path, const std::string& target, std::string reason, double wall) {
  run::ScriptResult r;
  r.path = path;
  r.target = target;
  r.verdict.status = run::Status::Error;
  r.verdict.reason = std::move(reason);
  r.verdict.wall_seconds = wall;
  return r;
}

// The descriptors open in this process.
std::set<int> open_descriptors() {
  std::set<int> fds;
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc/self/fd", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    fds.insert(std::atoi(it->path().filename().c_str()));
  }
  // The listing's own descriptor is closed by now.
  std::erase_if(fds, [](int fd) { return ::fcntl(fd, F_GETFD) < 0; });
  return fds;
}

// Closes every socket not in `keep` (the descriptors open before the first target).
void close_sockets_except(const std::set<int>& keep) {
  for (int fd : open_descriptors()) {
    struct stat st {};
    if (!keep.count(fd) && ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) ::close(fd);
  }
}

// lwIP runs in this process on virtual time; it needs no namespace (it touches no network) and
// no privileges. One lwIP target exists at a time, which is all a script (and its probe) needs.
bool set_up_lwip(run::SuiteOptions& options, std::ostream& err) {
#ifdef SYNACK_HAVE_LWIP
  (void)err;
  options.make_target = [](const targets::Network& net) { return lwip::make_lwip_target(net); };
  return true;
#else
  (void)options;
  err << "synack: the lwip target is not built: install liblwip-dev and rebuild\n";
  return false;
#endif
}

// The remote target. The veth test bed is built inside a namespace of this process's own (and the
// agent's, below it), so nothing touches the host's network; a real host is reached through the
// named interface of this host, which is used as it is (README: "Remote target").
bool set_up_remote(const std::map<std::string, std::string>& settings, run::SuiteOptions& options, std::ostream& err) {
  if (settings.count("agent")) {
    options.make_target = [settings](const targets::Network&) -> Result<std::unique_ptr<targets::Target>> {
      auto link = remote::connect_remote_host(settings.at("interface"), settings.at("agent"), settings.at("target_mac"));
      if (!link) return link.error();
      return remote::make_remote_target(std::move(*link));
    };
    return true;
  }
  if (auto r = kernel::enter_private_namespace(); !r) {
    err << "synack: " << r.error().message << "\n";
    return false;
  }
  options.make_target = [](const targets::Network& net) { return remote::make_veth_target(net); };
  return true;
}

}  // namespace

run::ScriptResult run_isolated(const std::string& path, const IsolatedOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  std::string tmpl = (fs::temp_directory_path() / "synack-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return error_result(path, options.target, std::string("mkdtemp: ") + std::strerror(errno), elapsed());
  const fs::path dir = tmpl;
  const fs::path result_file = dir / "result.json";
  const fs::path log_file = dir / "child.log";

  std::vector<std::string> args = {"synack", "__run-one", "--target", options.target, "--result", result_file.string()};
  for (const auto& o : options.overrides) {
    args.push_back("--opt");
    args.push_back(o.name + "=" + o.value);
  }
  for (const auto& o : options.target_options) {
    args.push_back("--target-opt");
    args.push_back(o);
  }
  args.push_back("--");
  args.push_back(path);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, options.self_exe.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    fs::remove_all(dir);
    return error_result(path, options.target, std::string("cannot start the script's process: ") + std::strerror(rc), elapsed());
  }

  // Wait for the child or the timeout, whichever comes first; then end it by its PID.
  bool timed_out = false;
  bool reaped = false;
  int status = 0;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    int ready;
    do {
      const Micros left = options.timeout - static_cast<Micros>(elapsed() * 1e6);
      ready = left <= 0 ? 0 : ::poll(&p, 1, static_cast<int>(std::min<Micros>(left / 1000 + 1, 1 << 30)));
    } while (ready < 0 && errno == EINTR);
    timed_out = ready == 0;
    ::close(pidfd);
  } else {
    // No pidfd (kernel before 5.3): poll the child's status.
    while (!reaped && !timed_out) {
      reaped = ::waitpid(pid, &status, WNOHANG) == pid;
      timed_out = !reaped && elapsed() * 1e6 > static_cast<double>(options.timeout);
      if (!reaped && !timed_out) ::usleep(2000);
    }
  }
  if (timed_out) ::kill(pid, SIGKILL);
  if (!reaped) while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}

  run::ScriptResult result;
  if (timed_out) {
    result = error_result(path, options.target,
                          "timed out after " + format_seconds(options.timeout) + " s; the script's process was ended", elapsed());
  } else if (auto doc = reports::read_json(result_file.string()); doc && doc->scripts.size() == 1) {
    result = std::move(doc->scripts.front());
  } else {
    std::string how = WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                          : "exited with status " + std::to_string(WEXITSTATUS(status));
    std::string log = tail_of(log_file, 2000);
    result = error_result(path, options.target, "the script's process " + how + " without a result" +
                                                    (log.empty() ? "" : ": " + log), elapsed());
  }
  fs::remove_all(dir);
  result.path = path;
  return result;
}

int cmd_run_one(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  (void)out;
  // The script's process ends with the run that started it, even when that run is killed.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() == 1) return 2;
  const auto parsed = parse_args(args, {{"target"}, {"result"}, {"opt", true, true}, {"target-opt", true, true}});
  if (!parsed.error.empty() || parsed.positional.size() != 1 || !parsed.get("result")) {
    err << "synack __run-one: internal command; usage: --target T --result FILE [--opt N=V]... SCRIPT\n";
    return 2;
  }
  const std::string target = parsed.get("target").value_or("kernel");
  if (target != "kernel" && target != "lwip" && target != "remote") {
    err << "synack __run-one: only the kernel, lwip and remote targets run isolated\n";
    return 2;
  }
  run::SuiteOptions options;
  options.target_name = target;
  if (parsed.has("opt")) {
    for (const auto& kv : parsed.values.at("opt")) {
      auto eq = kv.find('=');
      options.exec.overrides.push_back({kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1), {}});
    }
  }
  if (target == "lwip") {
    if (!set_up_lwip(options, err)) return 2;
  } else if (target == "remote") {
    std::map<std::string, std::string> settings;
    if (parsed.has("target-opt")) {
      for (const auto& kv : parsed.values.at("target-opt")) {
        auto eq = kv.find('=');
        settings[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
      }
    }
    if (!set_up_remote(settings, options, err)) return 2;
  } else {
    if (auto r = kernel::enter_private_namespace(); !r) {
      err << "synack: " << r.error().message << "\n";
      return 2;
    }
    // The kernel keeps a script's sockets in this process after its target is gone; a probe that
    // follows (run/probe.h) on a fresh target needs the stack's port back, so each new target
    // starts by closing the sockets the previous one left.
    options.make_target = [baseline = open_descriptors()](const targets::Network& net) {
      close_sockets_except(baseline);
      return kernel::make_kernel_target(net);
    };
  }
  // Shell commands run in the script's directory, as in packetdrill (`../common/defaults.sh`).
  std::error_code ec;
  const fs::path script = fs::absolute(parsed.positional[0], ec);
  const fs::path result_file = fs::absolute(*parsed.get("result"), ec);
  if (::chdir(script.parent_path().c_str()) != 0) {
    err << "synack __run-one: cannot enter " << script.parent_path() << "\n";
    return 2;
  }
  run::RunResult run;
  run.target = target;
  run.scripts.push_back(run::run_script_file(script.string(), options));
  if (auto w = reports::write_json(run, result_file.string()); !w) {
    err << "synack __run-one: " << w.error().message << "\n";
    return 2;
  }
  return 0;
}

}  // namespace synack::cli
