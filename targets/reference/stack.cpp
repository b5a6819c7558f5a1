// Stack: construction, connection lifecycle, demultiplexing of arriving segments, the clock.
#include "targets/reference/stack.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "targets/reference/socket.h"

namespace synack::reference {

namespace {

// SipHash-2-4 (Aumasson & Bernstein), the keyed pseudo-random function F() of RFC 6528 §3.
std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

std::uint64_t siphash24(std::uint64_t k0, std::uint64_t k1, const std::uint8_t* in, std::size_t n) {
  std::uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
  std::uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
  std::uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
  std::uint64_t v3 = 0x7465646279746573ULL ^ k1;
  auto round = [&] {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  };
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t m = 0;
    for (int b = 0; b < 8; ++b) m |= std::uint64_t{in[i + b]} << (8 * b);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  std::uint64_t last = std::uint64_t{n & 0xff} << 56;
  for (std::size_t b = 0; i + b < n; ++b) last |= std::uint64_t{in[i + b]} << (8 * b);
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xff;
  for (int r = 0; r < 4; ++r) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

}  // namespace

Stack::Stack(StackConfig config, std::vector<net::IpAddress> local_addresses)
    : cfg_(std::move(config)), local_(std::move(local_addresses)) {
  next_port_ = cfg_.ephemeral_port_first;
}

Stack::~Stack() = default;

// ---- connection lifecycle ----

Tcb& Stack::new_tcb() {
  auto tcb = std::make_unique<Tcb>();
  tcb->id = next_id_++;
  tcb->rto = cfg_.rto_initial;
  tcb->last_received = now_;
  conns_.push_back(std::move(tcb));
  return *conns_.back();
}

void Stack::set_state(Tcb& tcb, State next, const char* rule) {
  if (tcb.state == next) return;
  if (!is_legal_transition(tcb.state, next)) tcb.illegal_transition = true;
  // Keep the listener's count of half-open children (its SYN queue) in step.
  if (tcb.listener >= 0 && (next == State::SynReceived || tcb.state == State::SynReceived)) {
    if (Socket* l = sock(tcb.listener)) l->half_open += next == State::SynReceived ? 1 : -1;
  }
  tcb.prev_state = tcb.state;
  tcb.state = next;
  trace(&tcb, rule);
  // A connection that reopened a TIME-WAIT pair decides the old incarnation's fate when it leaves
  // SYN-RECEIVED: failing there (reset, timeout) means the SYN was an old duplicate.
  if (tcb.reopened_from != 0 && tcb.prev_state == State::SynReceived) {
    settle_reopened(tcb, next == State::Closed && cfg_.time_wait_reuse_restore);
  }
  // Linux (shutdown_in_syn_received_deferred): a shutdown(SHUT_WR) made in SYN-RECEIVED takes
  // effect once the handshake completes (tcp_rcv_state_process calls tcp_shutdown): the FIN
  // follows the send buffer, FIN-WAIT-1.
  if (next == State::Established && tcb.prev_state == State::SynReceived &&
      cfg_.shutdown_in_syn_received_deferred && !tcb.fin_queued) {
    const Socket* s = sock(tcb.fd);
    if (s && s->tcb == &tcb && s->shut_wr) {
      tcb.fin_queued = true;
      tcb.fin_seq = tcb.data_seq() + static_cast<std::uint32_t>(tcb.send_buf.size());
      set_state(tcb, State::FinWait1, "shutdown made in SYN-RECEIVED (Linux): send FIN, FIN-WAIT-1");
    }
  }
}

void Stack::terminate(Tcb& tcb, int err, const char* rule) {
  if (err != 0 && tcb.error == 0) tcb.error = err;
  if (err != 0) tcb.reset = true;
  set_state(tcb, State::Closed, rule);
  const auto indexed = by_tuple_.find(FourTuple{tcb.local, tcb.remote});
  if (indexed != by_tuple_.end() && indexed->second == &tcb) by_tuple_.erase(indexed);
  sweep_pending_ = true;
  tcb.superseded = false;  // a set-aside TIME-WAIT incarnation whose 2·MSL ran out
  tcb.rexmt_at = tcb.persist_at = tcb.delack_at = tcb.keepalive_at = tcb.close_at = kNever;
  tcb.ack_now = false;
  tcb.send_buf.clear();
  tcb.ooo.clear();
  // A connection still waiting in a listener's queues is simply forgotten by the listener ...
  std::erase_if(dead_children_, [&](const DeadChild& d) { return d.tcb == &tcb; });
  if (tcb.listener >= 0) {
    if (Socket* l = sock(tcb.listener)) {
      auto& q = l->accept_queue;
      const auto it = std::find(q.begin(), q.end(), &tcb);
      if (it != q.end()) {
        const auto pos = static_cast<std::size_t>(it - q.begin());
        q.erase(it);
        // ... unless it failed (reset_keeps_accept_queue): Linux's tcp_done leaves a child the
        // listener still owns in its accept queue, CLOSED, and accept() returns it with its error
        // (a reset in CLOSE-WAIT reports EPIPE, as tcp_reset does).
        auto at = dead_children_.end();
        for (auto d = dead_children_.begin(); d != dead_children_.end(); ++d) {
          if (d->listener == tcb.listener && d->ahead > pos) {
            if (at == dead_children_.end()) at = d;
            --d->ahead;  // it was behind the connection that left the live queue
          }
        }
        if (cfg_.reset_keeps_accept_queue && err != 0) {
          if (err == ECONNRESET && tcb.prev_state == State::CloseWait) tcb.error = EPIPE;
          dead_children_.insert(at, DeadChild{tcb.listener, &tcb, pos});
          trace(&tcb, "Linux: failed connection stays in the accept queue, CLOSED");
          return;
        }
      }
    }
    tcb.listener = -1;
  }
}

void Stack::sweep() {
  if (!sweep_pending_) return;
  sweep_pending_ = false;
  conns_.erase(std::remove_if(conns_.begin(), conns_.end(),
                              [](const std::unique_ptr<Tcb>& t) {
                                return t->state == State::Closed && t->fd < 0 && t->listener < 0;
                              }),
               conns_.end());
}

std::size_t Stack::FourTupleHash::operator()(const FourTuple& t) const noexcept {
  // Addresses and ports folded 8 bytes at a time with a multiplicative mix (splitmix64's).
  std::uint64_t h = (std::uint64_t{t.local.port} << 16) | t.remote.port;
  for (const Endpoint* e : {&t.local, &t.remote}) {
    for (std::size_t i = 0; i < e->addr.bytes.size(); i += 8) {
      std::uint64_t chunk;
      std::memcpy(&chunk, e->addr.bytes.data() + i, 8);
      h = (h ^ chunk) * 0xbf58476d1ce4e5b9ULL;
      h ^= h >> 31;
    }
  }
  return static_cast<std::size_t>(h);
}

void Stack::index_connection(Tcb& tcb) { by_tuple_[FourTuple{tcb.local, tcb.remote}] = &tcb; }

Tcb* Stack::find_connection(const net::Segment& seg) {
  const auto it = by_tuple_.find(FourTuple{{seg.dst, seg.dport}, {seg.src, seg.sport}});
  return it == by_tuple_.end() ? nullptr : it->second;
}

Stack::Socket* Stack::find_listener(const net::Segment& seg) {
  Socket* wildcard = nullptr;
  for (const int fd : listening_fds_) {
    Socket* s = sock(fd);
    if (s->local.port != seg.dport) continue;
    if (!s->bound_any && s->local.addr == seg.dst) return s;  // exact address wins
    if (s->bound_any) wildcard = s;
  }
  return wildcard;
}

bool Stack::is_local(const net::IpAddress& a) const {
  return std::find(local_.begin(), local_.end(), a) != local_.end();
}

bool Stack::is_broadcast_or_multicast(const net::IpAddress& a) const {
  if (a.version == net::IpVersion::v6) return a.bytes[0] == 0xff;  // ff00::/8
  const std::uint32_t v = (std::uint32_t{a.bytes[0]} << 24) | (std::uint32_t{a.bytes[1]} << 16) |
                          (std::uint32_t{a.bytes[2]} << 8) | a.bytes[3];
  if (v == 0xffffffffu) return true;                 // limited broadcast 255.255.255.255
  if ((v & 0xf0000000u) == 0xe0000000u) return true;  // multicast 224.0.0.0/4
  // The directed broadcast of our own subnet: host part all ones (none on /31 or /32).
  const unsigned prefix = cfg_.ipv4_prefix_length;
  if (prefix >= 31) return false;
  const std::uint32_t host_mask = prefix == 0 ? 0xffffffffu : (0xffffffffu >> prefix);
  for (const net::IpAddress& l : local_) {
    if (l.version != net::IpVersion::v4) continue;
    const std::uint32_t lv = (std::uint32_t{l.bytes[0]} << 24) | (std::uint32_t{l.bytes[1]} << 16) |
                             (std::uint32_t{l.bytes[2]} << 8) | l.bytes[3];
    if ((v & ~host_mask) == (lv & ~host_mask) && (v & host_mask) == host_mask) return true;
  }
  return false;
}

bool Stack::is_invalid_source(const net::IpAddress& a) const {
  if (is_broadcast_or_multicast(a)) return true;
  if (a.version == net::IpVersion::v4) return a.bytes[0] == 0;  // 0.0.0.0/8, "this network"
  return std::all_of(a.bytes.begin(), a.bytes.end(), [](std::uint8_t b) { return b == 0; });  // ::
}

std::uint32_t Stack::choose_isn(const Endpoint& local, const Endpoint& remote) const {
  if (cfg_.isn_mode == IsnMode::Fixed) return cfg_.fixed_isn;
  // RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), where M is a
  // timer that ticks every 4 microseconds.
  std::uint8_t buf[36];
  std::memcpy(buf, local.addr.bytes.data(), 16);
  std::memcpy(buf + 16, remote.addr.bytes.data(), 16);
  buf[32] = static_cast<std::uint8_t>(local.port >> 8);
  buf[33] = static_cast<std::uint8_t>(local.port);
  buf[34] = static_cast<std::uint8_t>(remote.port >> 8);
  buf[35] = static_cast<std::uint8_t>(remote.port);
  const std::uint64_t f = siphash24(cfg_.isn_secret, ~cfg_.isn_secret, buf, sizeof buf);
  const auto m = static_cast<std::uint32_t>(now_ / 4);
  return m + static_cast<std::uint32_t>(f);
}

std::uint32_t Stack::ts_now(const Tcb& tcb) const {
  // RFC 7323 §5.4: a clock ticking once per millisecond (Linux uses 1 ms), offset per connection.
  return static_cast<std::uint32_t>(now_ / kMillis) + tcb.ts_offset;
}

void Stack::trace_event(const Tcb* tcb, std::string_view rule) const {
  TraceEvent e;
  e.time = now_;
  if (tcb) {
    e.conn = tcb->id;
    e.state = tcb->state;
  }
  e.rule = rule;
  trace_(e);
}

// ---- network input and output ----

void Stack::segment_arrives(const net::Segment& seg) {
  // A segment with a bad checksum is discarded before anything else looks at it (§3.10.7).
  if (!seg.checksum_ok) {
    trace(nullptr, "3.10.7: bad checksum, segment discarded");
    return;
  }
  // RFC 9293 §3.9.2.3 (MUST-57, MUST-63), RFC 1122 §4.2.3.10: a segment to or from an address no
  // connection can have is discarded before any state is looked at: no reply, no RST.
  if (is_broadcast_or_multicast(seg.dst)) {
    trace(nullptr,
          "RFC 9293 3.9.2.3 / RFC 1122 4.2.3.10: segment to a broadcast or multicast address, "
          "silently discarded");
    return;
  }
  if (is_invalid_source(seg.src)) {
    trace(nullptr,
          "RFC 9293 3.9.2.3 / RFC 1122 4.2.3.10: segment from a broadcast, multicast or unspecified "
          "source address, silently discarded");
    return;
  }
  if (!is_local(seg.dst)) {
    trace(nullptr, "segment not addressed to this host, discarded");
    return;
  }
  if (!source_route_admits(seg)) return;
  Tcb* tcb = find_connection(seg);
  if (tcb && tcb->state == State::TimeWait && cfg_.accept_syn_in_time_wait &&
      seg.has(net::flag::SYN)) {
    // RFC 9293 §3.6.1: a new SYN may reopen the pair directly from TIME-WAIT.
    Socket* l = find_listener(seg);
    const char* rule = l ? time_wait_reopen_rule(*tcb, seg) : nullptr;
    if (rule) {
      reopen_time_wait(*tcb, *l, seg, rule);
      sweep();
      return;
    }
  }
  if (tcb == nullptr) {
    if (Socket* l = find_listener(seg)) {
      segment_to_listen(*l, seg);
    } else {
      segment_to_closed(seg);
    }
  } else {
    tcb->last_received = now_;
    ++tcb->segs_in;
    if (!seg.payload.empty()) ++tcb->data_segs_in;
    if (seg.has(net::flag::ACK)) tcb->last_ack_recv = now_;
    if (tcb->state == State::SynSent) {
      segment_to_syn_sent(*tcb, seg);
    } else {
      segment_to_synchronized(*tcb, seg);
    }
  }
  sweep();
}

std::vector<Emitted> Stack::take_output() {
  std::vector<Emitted> out;
  out.swap(out_);
  return out;
}

// ---- time ----

Micros Stack::tcb_next_timer(const Tcb& t) const {
  return std::min({t.rexmt_at, t.persist_at, t.delack_at, t.keepalive_at, t.close_at});
}

Micros Stack::next_timer() const {
  Micros next = kNever;
  for (const auto& t : conns_) next = std::min(next, tcb_next_timer(*t));
  return next;
}

void Stack::advance_to(Micros t) {
  for (;;) {
    const Micros due = next_timer();
    if (due > t) break;
    now_ = std::max(now_, due);
    // Timers never create connections, so indexing stays valid; fire_timers may close some,
    // which sweep() then frees.
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      if (tcb_next_timer(*conns_[i]) <= now_) fire_timers(*conns_[i]);
    }
    sweep();
  }
  now_ = std::max(now_, t);
}

// ---- introspection ----

const Tcb* Stack::connection(int fd) const {
  const Socket* s = sock(fd);
  return s ? s->tcb : nullptr;
}

std::vector<const Tcb*> Stack::connections() const {
  std::vector<const Tcb*> out;
  out.reserve(conns_.size());
  for (const auto& t : conns_) out.push_back(t.get());
  return out;
}

}  // namespace synack::reference
