#include "targets/kernel/netns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/route.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace synack::kernel {
namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// RAII for a descriptor used only during setup.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() { if (fd >= 0) ::close(fd); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

bool has_capability(int cap) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  return data[cap / 32].effective & (1u << (cap % 32));
}

// Writes a sysctl of the current (private) namespace.
Result<void> write_proc(const std::string& path, const std::string& value) {
  std::ofstream f(path);
  if (!f) return make_error(errno_text("cannot open " + path));
  f << value;
  f.close();
  if (!f) return make_error(errno_text("cannot write " + path));
  return {};
}

Result<void> set_flags_up(int sock, const char* name) {
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (::ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) return make_error(errno_text(std::string("SIOCGIFFLAGS ") + name));
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (::ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) return make_error(errno_text(std::string("SIOCSIFFLAGS ") + name));
  return {};
}

sockaddr_in v4_sockaddr(const net::IpAddress& a) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  std::memcpy(&sin.sin_addr, a.bytes.data(), 4);
  return sin;
}

Result<void> configure_v4(const net::IpAddress& local, const net::IpAddress& remote) {
  Fd sock(::socket(AF_INET, SOCK_DGRAM, 0));
  if (sock.fd < 0) return make_error(errno_text("socket(AF_INET)"));
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, kTunName, IFNAMSIZ - 1);
  auto addr = v4_sockaddr(local);
  std::memcpy(&ifr.ifr_addr, &addr, sizeof addr);
  if (::ioctl(sock.fd, SIOCSIFADDR, &ifr) != 0) return make_error(errno_text("SIOCSIFADDR " + local.to_string()));
  // The stack sits on a /24 with a subnet broadcast address (192.0.2.255 for 192.0.2.1), as on a
  // LAN and as the reference stack models it, so that segments to or from that address are the
  // broadcast cases of RFC 9293 (MUST-46, MUST-57, MUST-63). A TUN device is point-to-point and
  // gets no broadcast address by itself: it is set explicitly. (A loopback address stays /32.)
  const bool subnet = local.bytes[0] != 127;
  auto subnet_mask = v4_sockaddr(*net::IpAddress::parse(subnet ? "255.255.255.0" : "255.255.255.255"));
  std::memcpy(&ifr.ifr_netmask, &subnet_mask, sizeof subnet_mask);
  if (::ioctl(sock.fd, SIOCSIFNETMASK, &ifr) != 0) return make_error(errno_text("SIOCSIFNETMASK"));
  if (subnet) {
    net::IpAddress broadcast = local;
    broadcast.bytes[3] = 255;
    auto brd = v4_sockaddr(broadcast);
    std::memcpy(&ifr.ifr_broadaddr, &brd, sizeof brd);
    if (::ioctl(sock.fd, SIOCSIFBRDADDR, &ifr) != 0) return make_error(errno_text("SIOCSIFBRDADDR " + broadcast.to_string()));
  }
  auto mask = v4_sockaddr(*net::IpAddress::parse("255.255.255.255"));
  ifr.ifr_mtu = kTunMtu;
  if (::ioctl(sock.fd, SIOCSIFMTU, &ifr) != 0) return make_error(errno_text("SIOCSIFMTU"));
  if (auto r = set_flags_up(sock.fd, kTunName); !r) return r;
  // A host route for the peer through the TUN device.
  rtentry rt{};
  auto dst = v4_sockaddr(remote);
  std::memcpy(&rt.rt_dst, &dst, sizeof dst);
  std::memcpy(&rt.rt_genmask, &mask, sizeof mask);
  rt.rt_flags = RTF_UP | RTF_HOST;
  char dev[IFNAMSIZ];
  std::strncpy(dev, kTunName, IFNAMSIZ - 1);
  dev[IFNAMSIZ - 1] = 0;
  rt.rt_dev = dev;
  if (::ioctl(sock.fd, SIOCADDRT, &rt) != 0) return make_error(errno_text("route to " + remote.to_string()));
  return {};
}

// A new IPv6 address is tentative until the kernel's address-configuration work runs (a moment
// later, even with DAD off on a NOARP device), and bind() to it fails with EADDRNOTAVAIL until
// then. Waits, up to two seconds, until a socket can be bound to it.
Result<void> wait_until_usable(const net::IpAddress& local) {
  Fd sock(::socket(AF_INET6, SOCK_DGRAM, 0));
  if (sock.fd < 0) return make_error(errno_text("socket(AF_INET6)"));
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  std::memcpy(&sin6.sin6_addr, local.bytes.data(), 16);
  for (int attempt = 0; attempt < 2000; ++attempt) {
    if (::bind(sock.fd, reinterpret_cast<const sockaddr*>(&sin6), sizeof sin6) == 0) return {};
    if (errno != EADDRNOTAVAIL) return make_error(errno_text("bind to " + local.to_string()));
    ::usleep(1000);
  }
  return make_error("address " + local.to_string() + " did not become usable within 2 s");
}

// The kernel's in6_ifreq (linux/ipv6.h clashes with glibc's netinet/in.h, so it is spelled here).
struct In6Ifreq {
  in6_addr addr;
  std::uint32_t prefixlen;
  int ifindex;
};

Result<void> configure_v6(const net::IpAddress& local, const net::IpAddress& remote) {
  Fd sock(::socket(AF_INET6, SOCK_DGRAM, 0));
  if (sock.fd < 0) return make_error(errno_text("socket(AF_INET6)"));
  const unsigned index = ::if_nametoindex(kTunName);
  if (index == 0) return make_error(errno_text(std::string("if_nametoindex ") + kTunName));
  In6Ifreq req{};
  std::memcpy(&req.addr, local.bytes.data(), 16);
  req.prefixlen = 128;
  req.ifindex = static_cast<int>(index);
  if (::ioctl(sock.fd, SIOCSIFADDR, &req) != 0) return make_error(errno_text("SIOCSIFADDR " + local.to_string()));
  in6_rtmsg rt{};
  std::memcpy(&rt.rtmsg_dst, remote.bytes.data(), 16);
  rt.rtmsg_dst_len = 128;
  rt.rtmsg_metric = 1;
  rt.rtmsg_flags = RTF_UP | RTF_HOST;
  rt.rtmsg_ifindex = static_cast<int>(index);
  if (::ioctl(sock.fd, SIOCADDRT, &rt) != 0) return make_error(errno_text("route to " + remote.to_string()));
  return wait_until_usable(local);
}

}  // namespace

Result<void> check_privileges() {
  const bool root = ::geteuid() == 0;
  if (!root && !(has_capability(CAP_NET_ADMIN) && has_capability(CAP_SYS_ADMIN)))
    return make_error("the kernel target needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN) to create a private network namespace");
  if (::access("/dev/net/tun", R_OK | W_OK) != 0)
    return make_error("the kernel target needs /dev/net/tun (" + std::string(std::strerror(errno)) + ")");
  return {};
}

Result<void> enter_private_namespace() {
  if (::unshare(CLONE_NEWNET) != 0) return make_error(errno_text("unshare(CLONE_NEWNET)"));
  // From here on every change is inside the new namespace only.
  for (const char* conf : {"default", "all"}) {
    const std::string base = std::string("/proc/sys/net/ipv6/conf/") + conf + "/";
    for (auto [key, value] : {std::pair{"accept_dad", "0"}, {"dad_transmits", "0"},
                              {"router_solicitations", "0"}, {"accept_ra", "0"}}) {
      (void)write_proc(base + key, value);  // absent when IPv6 is disabled: not fatal
    }
  }
  Fd sock(::socket(AF_INET, SOCK_DGRAM, 0));
  if (sock.fd < 0) return make_error(errno_text("socket(AF_INET)"));
  return set_flags_up(sock.fd, "lo");
}

Result<int> create_tun(const targets::Network& network) {
  int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return make_error(errno_text("open /dev/net/tun"));
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::strncpy(ifr.ifr_name, kTunName, IFNAMSIZ - 1);
  if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
    auto e = make_error(errno_text("TUNSETIFF"));
    ::close(fd);
    return e;
  }
  // Always configure both families, so a script's --ip_version needs no other setup.
  net::IpAddress v4_local = network.local, v4_remote = network.remote;
  net::IpAddress v6_local = *net::IpAddress::parse("2001:db8::1");
  net::IpAddress v6_remote = *net::IpAddress::parse("2001:db8:1::1");
  if (network.ip_version == net::IpVersion::v6) {
    v6_local = network.local;
    v6_remote = network.remote;
    v4_local = net::IpAddress::v4(192, 0, 2, 1);
    v4_remote = net::IpAddress::v4(198, 51, 100, 1);
  }
  if (auto r = configure_v4(v4_local, v4_remote); !r) { ::close(fd); return r.error(); }
  if (auto r = configure_v6(v6_local, v6_remote); !r) { ::close(fd); return r.error(); }
  return fd;
}

std::string system_version() {
  utsname u{};
  std::string version = ::uname(&u) == 0 ? std::string(u.sysname) + " " + u.release : "unknown";
  std::ifstream cc("/proc/sys/net/ipv4/tcp_congestion_control");
  if (std::string name; std::getline(cc, name) && !name.empty()) version += ", tcp_congestion_control " + name;
  return version;
}

}  // namespace synack::kernel
