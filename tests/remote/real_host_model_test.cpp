// The remote target's real-host mode ([target.remote] agent, interface, target_mac), on a model of
// two hosts: the test's child enters a namespace of its own (the injector host), a second one is
// the target host running `synack agent --listen`. The test makes the README's setup steps itself
// ("Pointing it at a real machine"): a test link and a separate control link (veth pairs), the
// addresses, the peer's route and neighbour entry, the nftables rule, offloads off. Nothing runs in
// the host's namespace; everything started here is ended by its PID.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "targets/kernel/netns.h"
#include "targets/remote/testbed.h"

namespace synack::remote {
namespace {

namespace fs = std::filesystem;

constexpr const char* kInjectorMac = "00:00:5e:00:53:12";
constexpr const char* kTargetMac = "00:00:5e:00:53:11";
constexpr const char* kAgentAddress = "203.0.113.2:7100";

// A shell command; "" when it succeeded, else the command.
std::string sh(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0 ? "" : "failed: " + command + "\n";
}

// Runs `body` with this thread in the network namespace of `pid`, then returns to its own.
std::string in_namespace_of(pid_t pid, const std::function<std::string()>& body) {
  const int own = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  const int other = ::open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
  std::string out = own >= 0 && other >= 0 && ::setns(other, CLONE_NEWNET) == 0 ? body() : "setns failed\n";
  if (own >= 0 && ::setns(own, CLONE_NEWNET) != 0) ::_exit(3);  // never go on in the wrong namespace
  if (own >= 0) ::close(own);
  if (other >= 0) ::close(other);
  return out;
}

// The target host: a child that holds a namespace of its own until it is killed.
pid_t start_target_host() {
  int ready[2];
  if (::pipe(ready) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const char ok = ::unshare(CLONE_NEWNET) == 0 ? '1' : '0';
    (void)!::write(ready[1], &ok, 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char ok = '0';
  (void)!::read(ready[0], &ok, 1);
  ::close(ready[0]);
  return ok == '1' ? pid : -1;
}

// `synack agent --listen` in the target host's namespace; returns once it listens.
pid_t start_agent(pid_t host) {
  int out[2];
  if (::pipe(out) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int ns = ::open(("/proc/" + std::to_string(host) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) ::_exit(3);
    ::dup2(out[1], STDOUT_FILENO);
    ::execl(SYNACK_BINARY_DIR "/synack", "synack", "agent", "--listen", kAgentAddress, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string said;
  char c;
  while (said.find('\n') == std::string::npos && ::read(out[0], &c, 1) == 1) said += c;
  ::close(out[0]);
  return said.find("listening") != std::string::npos ? pid : -1;
}

void end(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

// Both hosts' configuration, as the README tells a user to make it on two real machines.
std::string configure_link(pid_t host) {
  const std::string ns = std::to_string(host);
  std::string errors;
  errors += sh(std::string("ip link add inj0 address ") + kInjectorMac + " type veth peer name tgt0 address " + kTargetMac + " netns " + ns);
  errors += sh("ip link add ctl0 type veth peer name ctl1 netns " + ns);
  // Injector host: the peer's addresses on the test link, control on the other link.
  errors += sh("ip addr add 198.51.100.1/32 dev inj0 && ip -6 addr add 2001:db8:1::1/128 dev inj0 nodad && ip link set inj0 up");
  errors += sh("ip addr add 203.0.113.1/24 dev ctl0 && ip link set ctl0 up && ip link set lo up");
  errors += sh("nft 'add table inet synack; add chain inet synack input { type filter hook input priority 0; policy accept; }; "
               "add rule inet synack input iifname \"inj0\" meta l4proto tcp drop'");
  if (auto r = disable_offloads("inj0"); !r) errors += r.error().message + "\n";
  // Target host: the stack's addresses, a route and a permanent neighbour entry for the peer.
  errors += in_namespace_of(host, [&] {
    std::string e;
    e += sh("ip link set lo up && ip addr add 192.0.2.1/24 brd + dev tgt0 && ip -6 addr add 2001:db8::1/64 dev tgt0 nodad");
    e += sh("ip link set tgt0 up && ip route add 198.51.100.1/32 dev tgt0 && ip -6 route add 2001:db8:1::1/128 dev tgt0");
    e += sh(std::string("ip neigh replace 198.51.100.1 lladdr ") + kInjectorMac + " dev tgt0 nud permanent");
    e += sh(std::string("ip -6 neigh replace 2001:db8:1::1 lladdr ") + kInjectorMac + " dev tgt0 nud permanent");
    e += sh("ip addr add 203.0.113.2/24 dev ctl1 && ip link set ctl1 up");
    if (auto r = disable_offloads("tgt0"); !r) e += r.error().message + "\n";
    return e;
  });
  return errors;
}

TEST(RemoteRealHost, HandshakeScriptsRunOverAConfiguredLinkAndAListeningAgent) {
  if (auto ok = check_veth_requirements(); !ok) GTEST_SKIP() << "two-host model unavailable here: " << ok.error().message;
  const fs::path dir = fs::temp_directory_path() / ("synack_real_host_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path config = dir / "synack.toml";
  std::ofstream(config) << "[target.remote]\nagent = \"" << kAgentAddress << "\"\ninterface = \"inj0\"\ntarget_mac = \""
                        << kTargetMac << "\"\nexpected = \"kernel\"\n";
  const fs::path results = dir / "results.json";

  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const pid_t injector = ::fork();
  if (injector == 0) {
    ::close(report[0]);
    std::string msg;
    if (auto r = kernel::enter_private_namespace(); !r) msg = "namespace: " + r.error().message;
    const pid_t host = msg.empty() ? start_target_host() : -1;
    if (msg.empty() && host < 0) msg = "could not start the target host's namespace";
    if (msg.empty()) msg = configure_link(host);
    const pid_t agent = msg.empty() ? start_agent(host) : -1;
    if (msg.empty() && agent < 0) msg = "the agent did not start listening";
    if (msg.empty()) {
      const std::string cmd = std::string(SYNACK_BINARY_DIR "/synack run " SYNACK_SOURCE_DIR "/scripts/handshake --target remote --config ") +
                              config.string() + " --jobs 1 --retries 2 --quiet --json " + results.string() + " >" +
                              (dir / "run.log").string() + " 2>&1";
      const int status = std::system(cmd.c_str());
      if (!WIFEXITED(status) || WEXITSTATUS(status) == 2) msg = "synack run exited with " + std::to_string(WEXITSTATUS(status));
    }
    end(agent);
    end(host);
    (void)!::write(report[1], msg.data(), msg.size());
    ::_exit(0);
  }
  ::close(report[1]);
  std::string msg;
  char buf[4096];
  for (ssize_t n; (n = ::read(report[0], buf, sizeof buf)) > 0;) msg.append(buf, static_cast<std::size_t>(n));
  ::close(report[0]);
  ::waitpid(injector, nullptr, 0);
  std::ifstream log(dir / "run.log");
  const std::string run_log((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  ASSERT_EQ(msg, "") << run_log;

  std::ifstream in(results);
  ASSERT_TRUE(in) << "no results written\n" << run_log;
  const auto doc = nlohmann::json::parse(in);
  ASSERT_GE(doc["scripts"].size(), 10u);
  int passed = 0;
  for (const auto& s : doc["scripts"]) {
    EXPECT_NE(s["status"], "error") << s["path"] << ": " << s["reason"];
    EXPECT_NE(s["status"], "fail") << s["path"] << ": " << s["failure"].dump();
    passed += s["status"] == "pass";
  }
  EXPECT_GE(passed, 10) << run_log;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace synack::remote
