#include "targets/remote/testbed.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netdb.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

#include "targets/kernel/netns.h"
#include "targets/remote/agent.h"
#include "targets/remote/protocol.h"

extern char** environ;

namespace synack::remote {
namespace {

constexpr const char* kInjectorMac = "00:00:5e:00:53:02";
constexpr const char* kTargetMac = "00:00:5e:00:53:01";
constexpr const char* kTargetVeth = "synack-tgt";

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  dirs += ":/usr/sbin:/sbin";  // root's tools, also when PATH lacks them
  for (std::size_t start = 0; start <= dirs.size();) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string file = dirs.substr(start, end - start) + "/" + program;
    if (end > start && ::access(file.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

// Runs a program (ip, nft) in the calling thread's network namespace; the error carries what it
// printed.
Result<void> run_program(std::vector<std::string> args) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return make_error(errno_text("pipe"));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, out[1], 2);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  std::string text;
  char buf[512];
  for (ssize_t n; rc == 0 && (n = ::read(out[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  std::string command;
  for (const auto& a : args) command += (command.empty() ? "" : " ") + a;
  if (rc != 0) return make_error(command + ": " + std::strerror(rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return make_error(command + " failed: " + text);
}

Result<Mac> parse_mac(const std::string& text) {
  Mac mac{};
  unsigned v[6];
  char end;
  if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
    return make_error("'" + text + "' is not a MAC address (xx:xx:xx:xx:xx:xx)");
  for (int i = 0; i < 6; ++i) {
    if (v[i] > 255) return make_error("'" + text + "' is not a MAC address");
    mac[i] = static_cast<std::uint8_t>(v[i]);
  }
  return mac;
}

// A packet socket on `interface` that sees every frame (the stack's datagrams arrive without
// link-layer header: SOCK_DGRAM).
Result<int> open_packet_socket(const std::string& interface, int& ifindex) {
  ifindex = static_cast<int>(::if_nametoindex(interface.c_str()));
  if (ifindex == 0) return make_error(errno_text("interface " + interface));
  const int fd = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd < 0) return make_error(errno_text("socket(AF_PACKET)"));
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = ifindex;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) {
    auto e = make_error(errno_text("bind(AF_PACKET) to " + interface));
    ::close(fd);
    return e;
  }
  return fd;
}

// Waits for the agent's hello (it has entered its namespace, or accepted the connection); returns
// the agent's system version.
Result<std::string> await_hello(int control) {
  pollfd p{control, POLLIN, 0};
  if (::poll(&p, 1, 10'000) <= 0) return make_error("the agent did not answer within 10 s");
  std::uint8_t len[4];
  if (::recv(control, len, 4, MSG_WAITALL) != 4) return make_error("the agent closed the control connection");
  const std::uint32_t size = std::uint32_t{len[0]} << 24 | std::uint32_t{len[1]} << 16 | std::uint32_t{len[2]} << 8 | len[3];
  if (size > 4096) return make_error("the other side of the control connection is not a synack agent");
  std::vector<char> text(size);
  if (::recv(control, text.data(), text.size(), MSG_WAITALL) != static_cast<ssize_t>(text.size()))
    return make_error("the agent closed the control connection");
  const Json hello = Json::parse(std::string(text.begin(), text.end()), nullptr, false);
  if (!hello.is_object() || hello.value("type", "") != "hello")
    return make_error("the other side of the control connection is not a synack agent");
  return hello.value("version", "unknown");
}

// Forks the agent: it unshares a network namespace of its own, says hello, and serves requests on
// its end of a socketpair until the injector hangs up. It dies with this process.
Result<pid_t> fork_agent(int& control, std::string& version) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return make_error(errno_text("socketpair"));
  const pid_t pid = ::fork();
  if (pid < 0) return make_error(errno_text("fork"));
  if (pid == 0) {
    ::close(pair[0]);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (auto r = kernel::enter_private_namespace(); !r) {
      std::fprintf(stderr, "synack agent: %s\n", r.error().message.c_str());
      ::_exit(3);
    }
    auto r = serve_agent(pair[1]);
    if (!r) std::fprintf(stderr, "synack agent: %s\n", r.error().message.c_str());
    ::_exit(r ? 0 : 1);
  }
  ::close(pair[1]);
  control = pair[0];
  auto hello = await_hello(control);
  if (!hello) return hello.error();
  version = *hello;
  return pid;
}

// Runs `body` with the calling thread inside the network namespace of process `pid`.
Result<void> in_namespace_of(pid_t pid, const std::function<Result<void>()>& body) {
  const int own = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  const int other = ::open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
  if (own < 0 || other < 0) {
    if (own >= 0) ::close(own);
    if (other >= 0) ::close(other);
    return make_error(errno_text("opening the network namespaces"));
  }
  Result<void> r = ::setns(other, CLONE_NEWNET) == 0 ? body() : make_error(errno_text("setns into the agent's namespace"));
  if (::setns(own, CLONE_NEWNET) != 0) std::abort();  // never go on in the wrong namespace
  ::close(own);
  ::close(other);
  return r;
}

// The addresses of both families (a script's --ip_version needs no other setup): the run's own,
// and the defaults for the other family, as on the kernel target.
struct Addresses {
  net::IpAddress v4_local = net::IpAddress::v4(192, 0, 2, 1), v4_remote = net::IpAddress::v4(198, 51, 100, 1);
  net::IpAddress v6_local = *net::IpAddress::parse("2001:db8::1"), v6_remote = *net::IpAddress::parse("2001:db8:1::1");
};

Addresses addresses_for(const targets::Network& network) {
  Addresses a;
  if (network.ip_version == net::IpVersion::v6) {
    a.v6_local = network.local;
    a.v6_remote = network.remote;
  } else {
    a.v4_local = network.local;
    a.v4_remote = network.remote;
  }
  return a;
}

// The stack's side: its addresses on the veth (a /24 with its broadcast address, as on the kernel
// target), a route and a permanent neighbour entry for the peer (so no ARP or neighbour discovery
// exchange delays the first segment). ARP is off on the interface: a segment to any other on-link
// address (the first hop of a source route) leaves at once too, and is captured like the rest.
Result<void> configure_target_side(const Addresses& a) {
  const std::string dev = kTargetVeth;
  if (auto r = disable_offloads(dev); !r) return r;
  for (auto& args : std::vector<std::vector<std::string>>{
           {"ip", "addr", "add", a.v4_local.to_string() + "/24", "brd", "+", "dev", dev},
           {"ip", "-6", "addr", "add", a.v6_local.to_string() + "/64", "dev", dev, "nodad"},
           {"ip", "link", "set", dev, "up", "arp", "off"},
           {"ip", "route", "add", a.v4_remote.to_string() + "/32", "dev", dev},
           {"ip", "-6", "route", "add", a.v6_remote.to_string() + "/128", "dev", dev},
           {"ip", "neigh", "replace", a.v4_remote.to_string(), "lladdr", kInjectorMac, "dev", dev, "nud", "permanent"},
           {"ip", "-6", "neigh", "replace", a.v6_remote.to_string(), "lladdr", kInjectorMac, "dev", dev, "nud", "permanent"}}) {
    if (auto r = run_program(args); !r) return r;
  }
  return {};
}

// The injector's side: the peer's addresses (as a real peer host would have them), and the
// nftables rule that keeps this kernel from answering the stack's segments with RSTs: every TCP
// segment addressed to it is dropped at the input hook (both families: an inet table); the packet
// socket still sees them, since packet taps run before IP.
Result<void> configure_injector_side(const std::string& veth, const Addresses& a) {
  if (auto r = disable_offloads(veth); !r) return r;
  for (auto& args : std::vector<std::vector<std::string>>{
           {"ip", "addr", "add", a.v4_remote.to_string() + "/32", "dev", veth},
           {"ip", "-6", "addr", "add", a.v6_remote.to_string() + "/128", "dev", veth, "nodad"},
           {"ip", "link", "set", veth, "up"}}) {
    if (auto r = run_program(args); !r) return r;
  }
  static bool filtered = false;  // one table per namespace, also when a probe makes a second link
  if (!filtered) {
    if (auto r = run_program({"nft", "add table inet synack; "
                                      "add chain inet synack input { type filter hook input priority 0; policy accept; }; "
                                      "add rule inet synack input meta l4proto tcp drop"});
        !r)
      return r;
    filtered = true;
  }
  return {};
}

// Both ends up and carrying: a frame sent before the carrier is up is lost.
Result<void> wait_for_carrier(const std::string& veth) {
  const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  for (int attempt = 0; attempt < 2000; ++attempt) {
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, veth.c_str(), IFNAMSIZ - 1);
    if (::ioctl(sock, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_RUNNING)) {
      ::close(sock);
      return {};
    }
    ::usleep(1000);
  }
  ::close(sock);
  return make_error(veth + " has no carrier after 2 s");
}

}  // namespace

// Checksum, segmentation and receive offloads off, through the SIOCETHTOOL ioctl (no ethtool
// binary needed). Checksums matter: with transmit offload on, captured segments carry partial
// checksums; with receive offload on, veth marks injected segments as verified and a bad checksum
// would be accepted. The segmentation offloads only keep segments as the stack sent them; a
// device that cannot change them is not an error.
Result<void> disable_offloads(const std::string& interface) {
  const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return make_error(errno_text("socket"));
  auto set = [&](std::uint32_t cmd, const char* what) -> Result<void> {
    ethtool_value value{cmd, 0};
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, interface.c_str(), IFNAMSIZ - 1);
    ifr.ifr_data = reinterpret_cast<char*>(&value);
    if (::ioctl(sock, SIOCETHTOOL, &ifr) != 0) return make_error(errno_text(interface + ": turning off " + what));
    return {};
  };
  Result<void> r = set(ETHTOOL_STXCSUM, "transmit checksum offload");
  if (r) r = set(ETHTOOL_SRXCSUM, "receive checksum offload");
  (void)set(ETHTOOL_STSO, "TSO");
  (void)set(ETHTOOL_SGSO, "GSO");
  (void)set(ETHTOOL_SGRO, "GRO");
  ::close(sock);
  return r;
}

void close_link(Link& link) {
  if (link.control_fd >= 0) ::close(link.control_fd);
  if (link.packet_fd >= 0) ::close(link.packet_fd);
  link.control_fd = link.packet_fd = -1;
  if (link.agent_pid > 0) {
    int status = 0;
    pid_t got = 0;
    for (int i = 0; i < 2000 && (got = ::waitpid(link.agent_pid, &status, WNOHANG)) == 0; ++i) ::usleep(1000);
    if (got == 0) {
      ::kill(link.agent_pid, SIGKILL);
      ::waitpid(link.agent_pid, &status, 0);
    }
    link.agent_pid = -1;
  }
  // The pair goes with the agent's namespace anyway, but asynchronously: delete it now so that a
  // next link (a probe's fresh target) can take the names.
  if (!link.veth.empty()) (void)run_program({"ip", "link", "del", link.veth});
  link.veth.clear();
}

Result<void> check_veth_requirements() {
  if (::geteuid() != 0)
    return make_error("the remote target's veth test bed needs root to create network namespaces and a veth pair");
  if (!on_path("ip")) return make_error("the remote target needs the ip program (Debian package iproute2)");
  if (!on_path("nft")) return make_error("the remote target needs the nft program (Debian package nftables)");
  return {};
}

Result<Link> create_veth_testbed(const targets::Network& network) {
  const Addresses addresses = addresses_for(network);
  Link link;
  auto pid = fork_agent(link.control_fd, link.version);
  if (!pid) {
    close_link(link);
    return pid.error();
  }
  link.agent_pid = *pid;
  link.veth = "synack-inj";
  auto fail = [&](const Error& e) -> Result<Link> {
    close_link(link);
    return e;
  };
  if (auto r = run_program({"ip", "link", "add", link.veth, "address", kInjectorMac, "type", "veth", "peer", "name",
                            kTargetVeth, "address", kTargetMac, "netns", std::to_string(*pid)});
      !r)
    return fail(r.error());
  if (auto r = configure_injector_side(link.veth, addresses); !r) return fail(r.error());
  if (auto r = in_namespace_of(*pid, [&] { return configure_target_side(addresses); }); !r) return fail(r.error());
  if (auto r = wait_for_carrier(link.veth); !r) return fail(r.error());
  // Opened only now: a packet socket bound to an interface that is down holds a pending ENETDOWN
  // that the first send would report.
  auto fd = open_packet_socket(link.veth, link.ifindex);
  if (!fd) return fail(fd.error());
  link.packet_fd = *fd;
  link.target_mac = *parse_mac(kTargetMac);
  return link;
}

Result<Link> connect_remote_host(const std::string& interface, const std::string& agent, const std::string& target_mac) {
  Link link;
  auto mac = parse_mac(target_mac);
  if (!mac) return mac.error();
  link.target_mac = *mac;
  const auto colon = agent.rfind(':');
  if (colon == std::string::npos) return make_error("--agent expects HOST:PORT, found '" + agent + "'");
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string host = agent.substr(0, colon), port = agent.substr(colon + 1);
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return make_error("agent " + agent + ": " + ::gai_strerror(rc));
  // Non-blocking, so that an agent that cannot be reached fails the script in 10 s, not after
  // the kernel's two minutes of SYN retries.
  link.control_fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int rc = link.control_fd < 0 ? -1 : ::connect(link.control_fd, found->ai_addr, found->ai_addrlen);
  ::freeaddrinfo(found);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{link.control_fd, POLLOUT, 0};
    int err = ETIMEDOUT;
    socklen_t len = sizeof err;
    if (::poll(&p, 1, 10'000) == 1) ::getsockopt(link.control_fd, SOL_SOCKET, SO_ERROR, &err, &len);
    rc = err == 0 ? 0 : -1;
    errno = err;
  }
  if (rc != 0) {
    auto e = make_error(errno_text("connecting to the agent at " + agent));
    close_link(link);
    return e;
  }
  auto hello = await_hello(link.control_fd);
  if (!hello) {
    close_link(link);
    return hello.error();
  }
  link.version = *hello;
  auto fd = open_packet_socket(interface, link.ifindex);
  if (!fd) {
    close_link(link);
    return fd.error();
  }
  link.packet_fd = *fd;
  return link;
}

}  // namespace synack::remote
