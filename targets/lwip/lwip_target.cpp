#include "targets/lwip/lwip_target.h"

#include "targets/observation.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <deque>

#include "harness/net/codec.h"
#include "targets/lwip/lwip_headers.h"
#include "targets/lwip/lwip_sockets.h"
#include "targets/lwip/lwip_stack.h"

namespace synack::lwip {
namespace {

using targets::CallId;
using targets::CallOutcome;
using targets::CallResult;
using targets::Observation;
using targets::SocketCall;
using targets::SysOp;

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

class LwipTarget final : public targets::Target {
 public:
  explicit LwipTarget(std::unique_ptr<LwipStack> stack) : stack_(std::move(stack)) {}
  ~LwipTarget() override {
    // Sockets first (they stop lwIP calling back into them), then the stack.
    sockets_.reset();
    stack_.reset();
  }

  targets::Capabilities capabilities() const override {
    targets::Capabilities c;
    c.name = "lwip";
    c.version = lwip_version();
    c.virtual_time = true;
    c.syscalls = true;
    c.shell = false;
    c.ipv6 = true;
    return c;
  }

  Micros now() override { return stack_->now(); }

  Result<void> shell(std::string_view) override { return make_error("the lwip target has no shell"); }

  void inject(const net::Segment& segment) override {
    // The bytes a wire would carry; lwIP checks the checksums itself.
    stack_->input(net::encode(segment));
    collect();
  }

  // lwIP's ICMP input answers echo requests and counts the rest; it does not tell TCP about
  // errors (there is no ICMP-to-TCP path in lwIP 2.1). The message goes in all the same, so what
  // the scripts see is lwIP's own reaction.
  Result<void> inject_icmp(const net::IcmpMessage& message) override {
    stack_->input(net::encode_icmp(message));
    collect();
    return {};
  }

  std::optional<Observation> wait(Micros deadline) override;
  CallOutcome call(const SocketCall& c) override;

 private:
  // A blocking call that could not complete yet.
  struct Pending {
    CallId id = 0;
    SocketCall call;
    std::size_t written = 0;   // write: bytes accepted so far
    Micros deadline = kNever;  // poll: when the timeout expires
  };

  std::optional<CallResult> attempt(const SocketCall& c, Pending* pending);
  std::optional<CallResult> attempt_read(const SocketCall& c, bool blocking);
  std::optional<CallResult> attempt_write(const SocketCall& c, bool blocking, Pending* pending);
  CallResult get_option(const SocketCall& c);
  void collect();
  void drain_packets();

  std::unique_ptr<LwipStack> stack_;
  std::unique_ptr<SocketTable> sockets_ = std::make_unique<SocketTable>();
  std::deque<Observation> observations_;
  std::vector<Pending> pending_;
  CallId next_call_ = 1;
  std::size_t written_hint_ = 0;  // bytes a blocking write accepted before it blocked
};

std::optional<Observation> LwipTarget::wait(Micros deadline) {
  for (;;) {
    if (!observations_.empty()) {
      Observation o = std::move(observations_.front());
      observations_.pop_front();
      return o;
    }
    // lwIP's cyclic timers (ARP, ND, IGMP, MLD) always have a next expiry: waiting "forever"
    // returns at once rather than stepping through them to the end of time.
    if (deadline == kNever) return std::nullopt;
    Micros next = stack_->next_timer();
    for (const auto& p : pending_) next = std::min(next, p.deadline);
    if (next == kNever || next > deadline) {
      if (deadline > stack_->now()) stack_->advance_to(deadline);
      collect();
      if (!observations_.empty()) continue;
      return std::nullopt;
    }
    stack_->advance_to(std::max(next, stack_->now()));
    collect();
  }
}

std::optional<CallResult> LwipTarget::attempt_read(const SocketCall& c, bool blocking) {
  if (blocking && (c.msg_flags & MSG_WAITALL) && c.length > 0) {
    // MSG_WAITALL: a blocking read waits for the full length, EOF or an error.
    const Socket* s = sockets_->find(c.fd);
    if (s && s->received.size() < c.length && !s->fin_received && !s->error && !s->gone && !s->shut_rd)
      return std::nullopt;
  }
  CallResult res;
  const std::int64_t r = sockets_->read(c.fd, c.length, c.msg_flags, res.data);
  if (r == -EAGAIN && blocking) return std::nullopt;
  CallResult out = from_errno(r);
  out.data = std::move(res.data);
  return out;
}

std::optional<CallResult> LwipTarget::attempt_write(const SocketCall& c, bool blocking, Pending* pending) {
  std::size_t done = pending ? pending->written : 0;
  // `length` bytes are written; if the executor gave fewer bytes, the rest are zeros.
  const std::size_t total = c.length ? c.length : c.data.size();
  std::vector<std::uint8_t> bytes = c.data;
  bytes.resize(total, 0);
  std::int64_t r = 0;
  while (done < total) {
    r = sockets_->write(c.fd, std::span<const std::uint8_t>(bytes).subspan(done), c.msg_flags);
    if (r <= 0) break;
    done += static_cast<std::size_t>(r);
  }
  if (done == total) return from_errno(static_cast<std::int64_t>(total));
  if (r == -EAGAIN && blocking) {
    if (pending) pending->written = done;
    else written_hint_ = done;  // remembered when the pending entry is created
    return std::nullopt;
  }
  return from_errno(done > 0 ? static_cast<std::int64_t>(done) : r);
}

CallResult LwipTarget::get_option(const SocketCall& c) {
  if (c.level == IPPROTO_TCP && c.optname == TCP_INFO) {
    TcpInfoFields info;
    CallResult res = from_errno(sockets_->tcp_info(c.fd, info));
    res.tcp_info = std::move(info);
    return res;
  }
  std::int64_t value = 0, linger = 0;
  const int r = sockets_->getsockopt(c.fd, c.level, c.optname, value, &linger);
  CallResult res = from_errno(r);
  if (r == 0) {
    res.int_value = value;
    if (c.level == SOL_SOCKET && c.optname == SO_LINGER) res.linger_seconds = linger;
  }
  return res;
}

std::optional<CallResult> LwipTarget::attempt(const SocketCall& c, Pending* pending) {
  SocketTable& s = *sockets_;
  const bool blocking = c.op != SysOp::Socket && s.is_open(c.fd) && !s.is_nonblocking(c.fd) &&
                        !(c.msg_flags & MSG_DONTWAIT);
  switch (c.op) {
    case SysOp::Socket: return from_errno(s.socket(c.domain, c.type, c.protocol));
    case SysOp::Bind: return from_errno(s.bind(c.fd, c.address, c.port));
    case SysOp::Listen: return from_errno(s.listen(c.fd, c.backlog));
    case SysOp::Accept: {
      const int r = s.accept(c.fd);
      if (r == -EAGAIN && blocking) return std::nullopt;
      return from_errno(r);
    }
    case SysOp::Connect: {
      const int r = pending ? s.connect_status(c.fd) : s.connect(c.fd, c.address, c.port);
      if (r == -EINPROGRESS && blocking) return std::nullopt;
      return from_errno(r);
    }
    case SysOp::Read: return attempt_read(c, blocking);
    case SysOp::Write: return attempt_write(c, blocking, pending);
    case SysOp::Close: return from_errno(s.close(c.fd));
    case SysOp::Shutdown: return from_errno(s.shutdown(c.fd, c.how));
    case SysOp::SetSockOpt:
      return from_errno(s.setsockopt(c.fd, c.level, c.optname, c.int_value, c.linger_seconds));
    case SysOp::GetSockOpt: return get_option(c);
    case SysOp::Fcntl: return from_errno(s.fcntl(c.fd, c.fcntl_cmd, c.fcntl_arg));
    case SysOp::Poll: {
      CallResult res;
      if (const int ev = s.poll_events(c.fd, c.poll_events); ev != 0) {
        res.ret = 1;
        res.revents = static_cast<short>(ev);
        return res;
      }
      if (c.poll_timeout_ms == 0) return res;
      if (pending && pending->deadline <= stack_->now()) return res;  // timed out: 0
      return std::nullopt;
    }
  }
  return from_errno(-EINVAL);
}

CallOutcome LwipTarget::call(const SocketCall& c) {
  CallOutcome out;
  written_hint_ = 0;
  if (std::optional<CallResult> r = attempt(c, nullptr)) {
    out.result = std::move(*r);
  } else {
    Pending p;
    p.id = next_call_++;
    p.call = c;
    p.written = written_hint_;
    if (c.op == SysOp::Poll && c.poll_timeout_ms > 0) p.deadline = stack_->now() + Micros{c.poll_timeout_ms} * kMillis;
    out.pending = true;
    out.id = p.id;
    pending_.push_back(std::move(p));
  }
  collect();
  return out;
}

void LwipTarget::drain_packets() {
  for (auto& sent : stack_->take_output()) {
    observations_.push_back(targets::observation_of_packet(sent.time, std::move(sent.bytes)));
  }
}

void LwipTarget::collect() {
  drain_packets();
  // Completed blocking calls, in the order they were made.
  for (std::size_t i = 0; i < pending_.size();) {
    std::optional<CallResult> r = attempt(pending_[i].call, &pending_[i]);
    if (!r) {
      ++i;
      continue;
    }
    Observation o;
    o.kind = Observation::Kind::CallDone;
    o.time = stack_->now();
    o.call = pending_[i].id;
    o.result = std::move(*r);
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
    observations_.push_back(std::move(o));
    drain_packets();  // what completing the call sent (a write's data) comes after it
  }
}

}  // namespace

std::string lwip_version() { return std::string("lwIP ") + LWIP_VERSION_STRING; }

Result<std::unique_ptr<targets::Target>> make_lwip_target(const targets::Network& network) {
  auto stack = LwipStack::acquire(network);
  if (!stack) return stack.error();
  return std::unique_ptr<targets::Target>(new LwipTarget(std::move(*stack)));
}

}  // namespace synack::lwip
