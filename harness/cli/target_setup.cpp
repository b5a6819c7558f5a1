#include "harness/cli/target_setup.h"

#include <unistd.h>

#include <sstream>
#include <variant>

#include "harness/cli/isolated.h"
#include "targets/kernel/netns.h"
#include "targets/remote/testbed.h"
#include "targets/reference/reference_target.h"

namespace synack::cli {
namespace {

std::string text_of(const SettingValue& v) {
  return std::visit([](const auto& x) -> std::string {
    using T = std::decay_t<decltype(x)>;
    if constexpr (std::is_same_v<T, std::string>) return x;
    else if constexpr (std::is_same_v<T, bool>) return x ? "true" : "false";
    else { std::ostringstream o; o << x; return o.str(); }
  }, v);
}

// The reference stack: a profile, then synack.toml's keys, then --set, each overriding the last.
std::variant<TargetSetup, TargetSetupError> setup_reference(const TargetRequest& request, const Config& config,
                                                            const std::string& config_path) {
  TargetSetup setup;
  setup.name = request.name;
  const auto found = config.targets.find("reference");
  const std::map<std::string, SettingValue> none;
  const auto& settings = found == config.targets.end() ? none : found->second;
  std::string profile = request.profile.value_or("");
  if (profile.empty()) {
    if (auto it = settings.find("profile"); it != settings.end()) profile = text_of(it->second);
    else profile = "rfc";
  }
  auto stack_config = reference::StackConfig::from_profile(profile);
  if (!stack_config) return TargetSetupError{stack_config.error().message};
  for (const auto& [key, value] : settings) {
    if (key == "profile") continue;
    std::string name = key.rfind("overrides.", 0) == 0 ? key.substr(10) : key;
    if (auto r = stack_config->set(name, text_of(value)); !r) {
      std::string where = config_path;
      if (auto at = config.targets_at.find("reference"); at != config.targets_at.end() && at->second.count(key))
        where = at->second.at(key);
      return TargetSetupError{where + ": target.reference." + key + ": " + r.error().message, false};
    }
  }
  for (const auto& kv : request.set) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) return TargetSetupError{"--set expects KEY=VALUE, found '" + kv + "'"};
    if (auto r = stack_config->set(kv.substr(0, eq), kv.substr(eq + 1)); !r)
      return TargetSetupError{"--set " + kv + ": " + r.error().message};
  }
  const reference::StackConfig cfg = *stack_config;
  setup.make_target = [cfg](const targets::Network& net) -> Result<std::unique_ptr<targets::Target>> {
    return reference::make_reference_target(net, cfg);
  };
  setup.profile = profile;
  // The suite is written for the rfc profile; another profile models another system and has its
  // own list, expected/reference-<profile>.toml.
  setup.expected_name = profile != "rfc" ? "reference-" + profile : "reference";
  return setup;
}

// The options of a target whose scripts each run in a child process (isolated.h).
IsolatedOptions isolated_options(const TargetRequest& request) {
  IsolatedOptions iso;
  iso.target = request.name;
  iso.overrides = request.overrides;
  if (request.timeout) iso.timeout = *request.timeout;
  return iso;
}

TargetSetup isolated_setup(const TargetRequest& request, const IsolatedOptions& iso, std::string expected_name) {
  TargetSetup setup;
  setup.name = request.name;
  setup.expected_name = std::move(expected_name);
  setup.run_one = [iso](const std::string& path) { return run_isolated(path, iso); };
  return setup;
}

// The Linux kernel: each script in a child process inside a network namespace of its own.
std::variant<TargetSetup, TargetSetupError> setup_kernel(const TargetRequest& request) {
  if (auto ok = kernel::check_privileges(); !ok) return TargetSetupError{ok.error().message, false};
  TargetSetup setup = isolated_setup(request, isolated_options(request), request.name);
  setup.real_clock = true;
  // A new namespace inherits the host's congestion control, so the host's answer is the run's.
  setup.version = kernel::system_version();
  return setup;
}

// lwIP: in process on virtual time, but lwIP's state is global, so each script runs in a child
// process of its own (no namespace: it touches no network).
std::variant<TargetSetup, TargetSetupError> setup_lwip(const TargetRequest& request) {
#ifndef SYNACK_HAVE_LWIP
  (void)request;
  return TargetSetupError{"the lwip target is not built: install liblwip-dev (tools/bootstrap) and rebuild", false};
#else
  return isolated_setup(request, isolated_options(request), request.name);
#endif
}

// A stack reached over a link with raw sockets and `synack agent`, each script in a child process.
// Without [target.remote] settings the link is the veth test bed (a second namespace running
// Linux); with `agent`, `interface` and `target_mac` it is a real host on an isolated test link.
// Either way the stack is Linux's unless the user says otherwise (`expected`), so the kernel
// target's list of explained deviations applies.
std::variant<TargetSetup, TargetSetupError> setup_remote(const TargetRequest& request, const Config& config) {
  std::string expected_name = "kernel";
  IsolatedOptions iso = isolated_options(request);
  if (auto found = config.targets.find("remote"); found != config.targets.end()) {
    for (const auto& [key, value] : found->second) {
      if (key == "expected") expected_name = text_of(value);
      else if (key == "agent" || key == "interface" || key == "target_mac") iso.target_options.push_back(key + "=" + text_of(value));
      else return TargetSetupError{"target.remote." + key + ": unknown key (known: agent, interface, target_mac, expected)", false};
    }
  }
  const bool real_host = !iso.target_options.empty();
  if (real_host && iso.target_options.size() != 3)
    return TargetSetupError{"target.remote: a real host needs all of agent, interface and target_mac", false};
  if (!real_host) {
    if (auto ok = remote::check_veth_requirements(); !ok) return TargetSetupError{ok.error().message, false};
  } else if (::geteuid() != 0) {
    return TargetSetupError{"the remote target needs root for its packet socket", false};
  }
  TargetSetup setup = isolated_setup(request, iso, expected_name);
  setup.real_clock = true;
  return setup;
}

}  // namespace

std::string known_target_names() { return "reference, kernel, lwip, remote"; }

std::variant<TargetSetup, TargetSetupError> setup_target(const TargetRequest& request, const Config& config,
                                                         const std::string& config_path) {
  if (request.profile && request.name != "reference")
    return TargetSetupError{"--profile applies to the reference target only"};
  if (!request.set.empty() && request.name != "reference")
    return TargetSetupError{"--set applies to the reference target only"};
  if (request.name == "reference") return setup_reference(request, config, config_path);
  if (request.name == "kernel") return setup_kernel(request);
  if (request.name == "lwip") return setup_lwip(request);
  if (request.name == "remote") return setup_remote(request, config);
  return TargetSetupError{"unknown target '" + request.name + "' (known: " + known_target_names() + ")"};
}

void apply_setup(const TargetSetup& setup, run::SuiteOptions& options) {
  options.target_name = setup.name;
  options.make_target = setup.make_target;
  options.run_one = setup.run_one;
}

}  // namespace synack::cli
