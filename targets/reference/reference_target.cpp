#include "targets/reference/reference_target.h"

#include "targets/observation.h"

#include <algorithm>
#include <cerrno>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include "harness/net/codec.h"

namespace synack::reference {

namespace {

std::vector<net::IpAddress> local_addresses(const Network& n) { return {n.local}; }

CallResult from_errno(std::int64_t r) {
  CallResult res;
  if (r < 0) {
    res.ret = -1;
    res.err = static_cast<int>(-r);
  } else {
    res.ret = r;
  }
  return res;
}

bool is_v4_mapped(const net::IpAddress& a) {
  if (a.version != net::IpVersion::v6) return false;
  for (int i = 0; i < 10; ++i) {
    if (a.bytes[i] != 0) return false;
  }
  return a.bytes[10] == 0xff && a.bytes[11] == 0xff;
}

}  // namespace

ReferenceTarget::ReferenceTarget(const Network& network, StackConfig config)
    : network_(network), stack_(std::move(config), local_addresses(network)) {}

Capabilities ReferenceTarget::capabilities() const {
  Capabilities c;
  c.name = "reference";
  c.version = stack_.config().profile + " profile";
  c.virtual_time = true;
  c.syscalls = true;
  c.shell = false;
  c.ipv6 = true;
  return c;
}

Micros ReferenceTarget::now() { return stack_.now(); }

Result<void> ReferenceTarget::shell(std::string_view) {
  return make_error("the reference target has no shell");
}

net::IpAddress ReferenceTarget::unmap(const net::IpAddress& a) const {
  if (!is_v4_mapped(a)) return a;
  net::IpAddress v4;
  v4.version = net::IpVersion::v4;
  std::copy(a.bytes.begin() + 12, a.bytes.end(), v4.bytes.begin());
  return v4;
}

void ReferenceTarget::inject(const net::Segment& segment) {
  // Through the wire and back: the stack sees exactly the bytes a network would carry.
  const std::vector<std::uint8_t> wire = net::encode(segment);
  Result<net::Segment> decoded = net::decode(wire);
  if (!decoded || !decoded->checksum_ok) {
    ++dropped_;  // undecodable or bad checksum: a real stack drops it silently
  } else {
    stack_.segment_arrives(*decoded);
  }
  collect();
}

Result<void> ReferenceTarget::inject_icmp(const net::IcmpMessage& message) {
  // Through the wire and back, as segments are; an undecodable message is dropped as IP would.
  Result<net::IcmpMessage> decoded = net::decode_icmp(net::encode_icmp(message));
  if (!decoded) {
    ++dropped_;
  } else {
    stack_.icmp_arrives(*decoded);
  }
  collect();
  return {};
}

std::optional<Observation> ReferenceTarget::wait(Micros deadline) {
  for (;;) {
    if (!observations_.empty()) {
      Observation o = std::move(observations_.front());
      observations_.pop_front();
      return o;
    }
    Micros next = stack_.next_timer();
    for (const auto& p : pending_) next = std::min(next, p.deadline);
    if (next > deadline || next == kNever) {
      // Nothing happens before the deadline (waiting "forever" on an idle stack returns at once
      // rather than moving the clock to the end of time).
      if (deadline != kNever && deadline > stack_.now()) stack_.advance_to(deadline);
      return std::nullopt;
    }
    stack_.advance_to(std::max(next, stack_.now()));
    collect();
  }
}

std::optional<CallResult> ReferenceTarget::attempt(const SocketCall& c, Pending* pending) {
  Stack& s = stack_;
  const bool blocking = c.op != SysOp::Socket && s.is_open(c.fd) && !s.is_nonblocking(c.fd) &&
                        !(c.msg_flags & MSG_DONTWAIT);
  switch (c.op) {
    case SysOp::Socket:
      return from_errno(s.socket(c.domain, c.type, c.protocol));
    case SysOp::Bind:
      return from_errno(s.bind(c.fd, unmap(c.address), c.port));
    case SysOp::Listen:
      return from_errno(s.listen(c.fd, c.backlog));
    case SysOp::Accept: {
      const int r = s.accept(c.fd);
      if (r == -EAGAIN && blocking) return std::nullopt;
      return from_errno(r);
    }
    case SysOp::Connect: {
      if (pending) {
        const int st = s.connect_status(c.fd);
        if (st == -EINPROGRESS) return std::nullopt;
        if (st < 0) {
          // Linux: connect() reporting the error consumes it (sock_error), as SO_ERROR does.
          std::int64_t consumed = 0;
          s.getsockopt(c.fd, SOL_SOCKET, SO_ERROR, consumed, nullptr);
        }
        return from_errno(st);
      }
      const int r = s.connect(c.fd, unmap(c.address), c.port);
      if (r == -EINPROGRESS && blocking) return std::nullopt;
      return from_errno(r);
    }
    case SysOp::Read: {
      if (blocking && (c.msg_flags & MSG_WAITALL) && c.length > 0) {
        // MSG_WAITALL: a blocking read waits for the full length, EOF or an error.
        const Tcb* t = s.connection(c.fd);
        if (t && t->recv_buf.size() < c.length && !t->fin_received && t->error == 0 &&
            !t->read_shutdown && t->state != State::Closed) {
          return std::nullopt;
        }
      }
      CallResult res;
      const std::int64_t r = s.read(c.fd, c.length, c.msg_flags, res.data);
      if (r == -EAGAIN && blocking) return std::nullopt;
      CallResult out = from_errno(r);
      out.data = std::move(res.data);
      return out;
    }
    case SysOp::Write: {
      std::size_t done = pending ? pending->written : 0;
      // `length` bytes are written; if the executor gave fewer bytes, the rest are zeros.
      const std::size_t total = c.length ? c.length : c.data.size();
      std::vector<std::uint8_t> padded;
      std::span<const std::uint8_t> bytes(c.data);
      if (bytes.size() < total) {
        padded = c.data;
        padded.resize(total, 0);
        bytes = padded;
      }
      std::int64_t r = 0;
      while (done < total) {
        r = c.has_address ? s.send_to(c.fd, bytes.subspan(done, total - done), c.msg_flags, c.address, c.port)
                          : s.write(c.fd, bytes.subspan(done, total - done), c.msg_flags);
        if (r <= 0) break;
        done += static_cast<std::size_t>(r);
      }
      if (done == total) return from_errno(static_cast<std::int64_t>(total));
      if (r == -EAGAIN && blocking) {
        if (pending) {
          pending->written = done;
        } else {
          // The first attempt's progress is remembered when the pending entry is created.
          written_hint_ = done;
        }
        return std::nullopt;
      }
      return from_errno(done > 0 ? static_cast<std::int64_t>(done) : r);
    }
    case SysOp::Close:
      return from_errno(s.close(c.fd));
    case SysOp::Shutdown:
      return from_errno(s.shutdown(c.fd, c.how));
    case SysOp::SetSockOpt:
      if (c.level == IPPROTO_IP && c.optname == IP_OPTIONS) return from_errno(s.set_ip_options(c.fd, c.data));
      return from_errno(s.setsockopt(c.fd, c.level, c.optname, c.int_value, c.linger_seconds));
    case SysOp::GetSockOpt: {
      if (c.level == IPPROTO_TCP && c.optname == TCP_INFO) {
        TcpInfo info;
        const int r = s.tcp_info(c.fd, info);
        CallResult res = from_errno(r);
        for (const auto& [name, value] : info.fields) res.tcp_info[name] = value;
        return res;
      }
      std::int64_t value = 0;
      std::int64_t linger = 0;
      const int r = s.getsockopt(c.fd, c.level, c.optname, value, &linger);
      CallResult res = from_errno(r);
      if (r == 0) {
        res.int_value = value;
        if (c.level == SOL_SOCKET && c.optname == SO_LINGER) res.linger_seconds = linger;
      }
      return res;
    }
    case SysOp::Fcntl:
      return from_errno(s.fcntl(c.fd, c.fcntl_cmd, c.fcntl_arg));
    case SysOp::Poll: {
      const int ev = s.poll_events(c.fd, c.poll_events);
      CallResult res;
      if (ev != 0) {
        res.ret = 1;
        res.revents = static_cast<short>(ev);
        return res;
      }
      if (c.poll_timeout_ms == 0) return res;
      if (pending && pending->deadline <= stack_.now()) return res;  // timed out: 0
      return std::nullopt;
    }
  }
  return from_errno(-EINVAL);
}

CallOutcome ReferenceTarget::call(const SocketCall& c) {
  CallOutcome out;
  written_hint_ = 0;
  std::optional<CallResult> r = attempt(c, nullptr);
  if (r) {
    out.result = std::move(*r);
  } else {
    Pending p;
    p.id = next_call_++;
    p.call = c;
    p.written = written_hint_;
    if (c.op == SysOp::Poll && c.poll_timeout_ms > 0) {
      p.deadline = stack_.now() + Micros{c.poll_timeout_ms} * kMillis;
    }
    out.pending = true;
    out.id = p.id;
    pending_.push_back(std::move(p));
  }
  collect();
  return out;
}

void ReferenceTarget::drain_segments() {
  for (auto& e : stack_.take_output()) {
    observations_.push_back(targets::observation_of_packet(e.time, net::encode(e.segment)));
  }
}

void ReferenceTarget::collect() {
  drain_segments();
  // Completed blocking calls, in the order they were made.
  for (std::size_t i = 0; i < pending_.size();) {
    std::optional<CallResult> r = attempt(pending_[i].call, &pending_[i]);
    if (!r) {
      ++i;
      continue;
    }
    Observation o;
    o.kind = Observation::Kind::CallDone;
    o.time = stack_.now();
    o.call = pending_[i].id;
    o.result = std::move(*r);
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
    observations_.push_back(std::move(o));
    drain_segments();  // what completing the call sent (a write's data) comes after it
  }
}

std::unique_ptr<Target> make_reference_target(const Network& network,
                                              const StackConfig& config) {
  return std::make_unique<ReferenceTarget>(network, config);
}

}  // namespace synack::reference
