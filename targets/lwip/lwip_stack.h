// The lwIP stack, driven in this process on a virtual clock.
//
// lwIP (Debian's liblwip, the unix port built with NO_SYS=0) keeps all of its state in globals, so
// there is one stack per process: LwipStack is its owner while a target uses it. The tcpip thread
// is never started; this thread calls lwIP's raw API directly, having marked itself as the tcpip
// thread and taken the core lock once, so lwIP's core-locking checks hold. Time reaches lwIP
// through sys_now(), which this library defines: liblwip calls it through its PLT, so our
// definition interposes the unix port's gettimeofday() one and lwIP's timers (the TCP timer every
// TCP_TMR_INTERVAL = 250 ms, the ARP/ND/IGMP/MLD cyclic timers) run on virtual milliseconds.
//
// One netif carries the stack's addresses. Its output callbacks capture every IPv4/IPv6 packet lwIP
// sends; injected packets go in through ip_input() as if the netif had received them.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "harness/common/result.h"
#include "harness/common/time.h"
#include "targets/target.h"

namespace synack::lwip {

// A packet lwIP sent, with the script time it left.
struct SentPacket {
  Micros time = 0;
  std::vector<std::uint8_t> bytes;
};

class LwipStack {
 public:
  // Takes the process's lwIP stack (initializing lwIP on first use) and adds the netif for
  // `network`. Fails if another LwipStack is alive in this process.
  static Result<std::unique_ptr<LwipStack>> acquire(const targets::Network& network);
  // Aborts every connection lwIP still holds (silently) and removes the netif.
  ~LwipStack();
  LwipStack(const LwipStack&) = delete;
  LwipStack& operator=(const LwipStack&) = delete;

  // Script time: virtual microseconds since this stack was acquired.
  Micros now() const;
  // When lwIP's next timer is due (script time), or kNever.
  Micros next_timer() const;
  // Moves the clock to `t` (never backwards) and runs the timers that are due by then, in order.
  void advance_to(Micros t);

  // Hands an IP packet to lwIP as if the netif had received it.
  void input(std::span<const std::uint8_t> packet);
  // The packets lwIP sent since the last call, oldest first.
  std::deque<SentPacket> take_output();

 private:
  LwipStack() = default;
  struct Netif;
  std::unique_ptr<Netif> netif_;
  Micros origin_ = 0;  // the process clock's value at script time 0
};

}  // namespace synack::lwip
