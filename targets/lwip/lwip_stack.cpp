#include "targets/lwip/lwip_stack.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "targets/lwip/lwip_headers.h"

namespace synack::lwip {
namespace {

// The process's virtual clock, in microseconds. It only moves forward, across targets too:
// lwIP's timer list holds absolute sys_now() values, which must never see time go back.
Micros g_clock = 0;
bool g_initialized = false;
bool g_in_use = false;

void initialize_once() {
  if (g_initialized) return;
  lwip_init();
  // The core lock is normally created by tcpip_init(), which would start the tcpip thread; this
  // thread takes its place: it holds the lock for good and is the one thread that calls lwIP.
  sys_mutex_new(&lock_tcpip_core);
  sys_lock_tcpip_core();
  sys_mark_tcpip_thread();
  g_initialized = true;
}

ip4_addr_t to_ip4(const net::IpAddress& a) {
  ip4_addr_t out;
  IP4_ADDR(&out, a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]);
  return out;
}

}  // namespace

}  // namespace synack::lwip

// lwIP's time source. liblwip reaches sys_now() through its PLT, so this definition in the
// executable interposes the unix port's wall-clock one.
extern "C" u32_t sys_now(void) {
  return static_cast<u32_t>(synack::lwip::g_clock / synack::kMillis);
}

namespace synack::lwip {

struct LwipStack::Netif {
  struct netif nif {};
  std::deque<SentPacket> sent;
  Micros origin = 0;
  bool capturing = true;  // false while the stack is torn down (the RSTs of aborts are not sent)

  static Netif* of(struct netif* n) { return static_cast<Netif*>(n->state); }

  void capture(struct pbuf* p) {
    if (!capturing) return;
    SentPacket s;
    s.time = g_clock - origin;
    s.bytes.resize(p->tot_len);
    pbuf_copy_partial(p, s.bytes.data(), p->tot_len, 0);
    // Only TCP is of interest (lwIP also sends IPv6 router solicitations and the like).
    const bool v4 = !s.bytes.empty() && (s.bytes[0] >> 4) == 4 && s.bytes.size() >= 20 && s.bytes[9] == IP_PROTO_TCP;
    const bool v6 = !s.bytes.empty() && (s.bytes[0] >> 4) == 6 && s.bytes.size() >= 40 && s.bytes[6] == IP6_NEXTH_TCP;
    if (v4 || v6) sent.push_back(std::move(s));
  }

  static err_t output4(struct netif* n, struct pbuf* p, const ip4_addr_t*) {
    of(n)->capture(p);
    return ERR_OK;
  }
  static err_t output6(struct netif* n, struct pbuf* p, const ip6_addr_t*) {
    of(n)->capture(p);
    return ERR_OK;
  }
  // A point-to-point interface without a link layer: lwIP hands it whole IP packets.
  static err_t init(struct netif* n) {
    n->name[0] = 's';
    n->name[1] = 'y';
    n->output = output4;
    n->output_ip6 = output6;
    n->mtu = 1500;
    // A broadcast-capable subnet, as lwIP is deployed on Ethernet (without the flag lwIP treats
    // no address but 255.255.255.255 as broadcast): the subnet broadcast address is then neither
    // a valid source nor a TCP destination for lwIP (ip4_input, tcp_input). No ARP: the flag
    // NETIF_FLAG_ETHARP stays off, packets go out whole through output().
    n->flags = NETIF_FLAG_UP | NETIF_FLAG_LINK_UP | NETIF_FLAG_BROADCAST;
    return ERR_OK;
  }
};

Result<std::unique_ptr<LwipStack>> LwipStack::acquire(const targets::Network& network) {
  if (g_in_use) return make_error("the lwIP stack is already in use in this process (lwIP keeps global state)");
  initialize_once();
  std::unique_ptr<LwipStack> stack(new LwipStack);
  stack->origin_ = g_clock;
  stack->netif_ = std::make_unique<Netif>();
  Netif& n = *stack->netif_;
  n.origin = g_clock;
  // The IPv4 address is the stack's (192.0.2.1 on IPv6 runs) in a /24, so that 192.0.2.255 is the
  // subnet broadcast address, as on the kernel target.
  const net::IpAddress v4 = network.ip_version == net::IpVersion::v4 ? network.local : net::IpAddress::v4(192, 0, 2, 1);
  ip4_addr_t addr = to_ip4(v4), mask, gw;
  IP4_ADDR(&mask, 255, 255, 255, 0);
  ip4_addr_set_zero(&gw);
  if (!netif_add(&n.nif, &addr, &mask, &gw, &n, &Netif::init, ip_input))
    return make_error("lwIP refused the network interface (netif_add)");
  if (network.ip_version == net::IpVersion::v6) {
    ip6_addr_t a6;
    std::memcpy(&a6.addr, network.local.bytes.data(), 16);
    ip6_addr_clear_zone(&a6);
    netif_ip6_addr_set(&n.nif, 0, &a6);
    // Preferred at once: no duplicate address detection on a wire that has nobody else on it.
    netif_ip6_addr_set_state(&n.nif, 0, IP6_ADDR_PREFERRED);
  }
  // The scripted peer is off-link: everything is routed through this interface.
  netif_set_default(&n.nif);
  netif_set_up(&n.nif);
  netif_set_link_up(&n.nif);
  g_in_use = true;
  return stack;
}

LwipStack::~LwipStack() {
  netif_->capturing = false;
  // Every connection goes, silently: TIME-WAIT and active ones are abandoned, listeners and
  // bound ones closed. Callbacks are cleared first, their owners are gone.
  auto quiet = [](struct tcp_pcb* p) {
    tcp_arg(p, nullptr);
    tcp_err(p, nullptr);
    tcp_recv(p, nullptr);
    tcp_sent(p, nullptr);
  };
  while (tcp_active_pcbs) {
    quiet(tcp_active_pcbs);
    tcp_abort(tcp_active_pcbs);
  }
  while (tcp_tw_pcbs) tcp_abort(tcp_tw_pcbs);
  while (tcp_listen_pcbs.pcbs) {
    tcp_arg(tcp_listen_pcbs.pcbs, nullptr);
    tcp_close(tcp_listen_pcbs.pcbs);
  }
  while (tcp_bound_pcbs) {
    quiet(tcp_bound_pcbs);
    tcp_close(tcp_bound_pcbs);
  }
  netif_set_down(&netif_->nif);
  netif_remove(&netif_->nif);
  g_in_use = false;
}

Micros LwipStack::now() const { return g_clock - origin_; }

Micros LwipStack::next_timer() const {
  const u32_t sleep = sys_timeouts_sleeptime();
  if (sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE) return kNever;
  const Micros due_ms = static_cast<Micros>(sys_now()) + static_cast<Micros>(sleep);
  return std::max(due_ms * kMillis - origin_, now());
}

void LwipStack::advance_to(Micros t) {
  for (;;) {
    const Micros next = next_timer();
    if (next == kNever || next > t) break;
    g_clock = std::max(g_clock, next + origin_);
    sys_check_timeouts();
  }
  g_clock = std::max(g_clock, t + origin_);
}

void LwipStack::input(std::span<const std::uint8_t> packet) {
  struct pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(packet.size()), PBUF_RAM);
  if (!p) return;  // out of memory: dropped, as on a real interface
  pbuf_take(p, packet.data(), static_cast<u16_t>(packet.size()));
  // ip_input() takes the pbuf in every case.
  ip_input(p, &netif_->nif);
}

std::deque<SentPacket> LwipStack::take_output() { return std::exchange(netif_->sent, {}); }

}  // namespace synack::lwip
