// run_session: plays a SessionInput against a reference Stack, step by step, checking invariants.
//
// Everything here mirrors what the script executor does with the reference target, so that the
// records of a session turn into a .pkt script that replays it (to_script.cpp): the same
// addresses and ports (192.0.2.1:8080 for the stack, 198.51.100.1:34000 for the peer), the same
// payload bytes (run::stream_bytes), the same nonblocking sockets, and segments shaped exactly as
// the wire codec would deliver them.
#include "fuzz/session.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>

#include "harness/net/wire.h"
#include "harness/run/connection.h"
#include "targets/reference/stack.h"

namespace synack::fuzz {

using reference::Stack;
using reference::Tcb;

namespace {

constexpr std::uint16_t kListenPort = 8080;
constexpr std::uint16_t kClosedPort = 8079;
constexpr std::uint16_t kPeerPort = 34000;
constexpr std::size_t kFdSlots = 64;
constexpr std::size_t kNoEvent = static_cast<std::size_t>(-1);

const net::IpAddress kLocal = net::IpAddress::v4(192, 0, 2, 1);
const net::IpAddress kRemote = net::IpAddress::v4(198, 51, 100, 1);

// run::stream_bytes into a reused buffer: byte i is stream_byte(offset + i), computed by adding
// the multiplier instead of multiplying (same value modulo 2^64).
void fill_stream(std::vector<std::uint8_t>& out, std::uint64_t offset, std::size_t length) {
  out.resize(length);
  constexpr std::uint64_t kStep = 2654435761u;
  std::uint64_t v = offset * kStep;
  for (std::size_t i = 0; i < length; ++i, v += kStep) out[i] = static_cast<std::uint8_t>(v >> 13);
}

std::uint32_t mix(std::uint32_t h, std::uint32_t v) {
  h ^= v + 0x9e3779b9u + (h << 6) + (h >> 2);
  return h;
}

class Runner {
 public:
  Runner(const SessionInput& in, const SessionOptions& opt)
      : in_(in), opt_(opt), stack_(make_config(in, opt), {kLocal}) {
    stack_.set_trace([this](const reference::TraceEvent& e) { on_trace(e); });
    result_.feature_list.reserve(64);
  }

  SessionResult run() {
    // Setup, as every reproducer script starts: a nonblocking socket at time 0.
    current_ = kNoEvent;
    const int fd = new_socket();
    (void)fd;
    check(kNoEvent);
    for (std::size_t i = 0; i < in_.events.size() && i < opt_.max_events; ++i) {
      current_ = i;
      const Event& e = in_.events[i];
      if (opt_.record) comment("event #" + std::to_string(i) + ": " + describe(e));
      changed_ = false;
      switch (e.kind) {
        case Event::Kind::Segment: segment(e.segment); break;
        case Event::Kind::Call: call(e.call); break;
        case Event::Kind::Advance: advance(e.advance); break;
        default: break;
      }
      result_.events_run = i + 1;
      const bool ok = check(i);
      if (opt_.trail) step();
      if (!ok) break;
    }
    if (opt_.record) {
      // Probe the accept queues too: connections that never reached an accept() still show
      // whether they survived (an accept that returns one, or EAGAIN).
      // 10 ms later (beyond the executor's 4 ms tolerance), so that a segment a different stack
      // would have sent in answer to the last event is an unexpected one, not a late one.
      comment("final probes: accept at +10 ms, states at +3 s");
      cause_ = Cause::Timeout;
      stack_.advance_to(stack_.now() + 10 * kMillis);
      drain();
      const std::vector<Fd> open = fds_;
      for (const Fd& f : open) {
        if (!f.listening) continue;
        for (int i = 0; i < 4; ++i) {
          const int r = stack_.accept(f.fd);
          record_call("accept(" + std::to_string(f.fd) + ", ..., ...)", r);
          if (r < 0) break;
          fds_.push_back(Fd{r});
        }
      }
      // Then 3 s more: a connection one stack kept and the other dropped shows in its
      // retransmissions (the first RTO is 1 s in every profile).
      stack_.advance_to(stack_.now() + 3 * kMicrosPerSecond);
      drain();
      result_.end_time = stack_.now();
      for (const Fd& f : fds_) {
        reference::TcpInfo info;
        if (stack_.tcp_info(f.fd, info) != 0) continue;
        for (const auto& [name, value] : info.fields)
          if (std::string_view(name) == "tcpi_state") result_.final_states.emplace_back(f.fd, value);
      }
    }
    return std::move(result_);
  }

 private:
  struct Fd {
    int fd = -1;
    bool bound = false;
    bool listening = false;
  };

  static reference::StackConfig make_config(const SessionInput& in, const SessionOptions& opt) {
    reference::StackConfig c = profile_config(in.profile);
    c.test_planted_bug_rst_any_seq = opt.planted_rst_bug;
    return c;
  }

  // ---- transitions ----

  void on_trace(const reference::TraceEvent& e) {
    if (e.conn == 0) return;
    if (e.conn >= known_.size()) known_.resize(e.conn + 16, kUnknown);
    std::uint8_t& k = known_[e.conn];
    if (k == kUnknown) {
      // A connection's first trace: an active open starts in CLOSED, a passive one in LISTEN.
      const bool passive = e.state == State::SynReceived;
      if (passive) passive_.resize(std::max<std::size_t>(passive_.size(), e.conn + 16), false);
      if (passive) passive_[e.conn] = true;
      // A listener turned active by SEND (sendto) was in LISTEN, too.
      k = static_cast<std::uint8_t>(passive || cause_ == Cause::Send ? State::Listen : State::Closed);
    }
    const auto from = static_cast<State>(k);
    if (from == e.state) return;
    k = static_cast<std::uint8_t>(e.state);
    const bool passive = e.conn < passive_.size() && passive_[e.conn];
    transition(from, e.state, passive);
    // One arriving segment can take a connection through two states (FIN-WAIT-1 -> FIN-WAIT-2 ->
    // TIME-WAIT for a FIN that also acknowledges ours; SYN-RECEIVED -> ESTABLISHED -> CLOSE-WAIT
    // for an ACK carrying a FIN). RFC 9293 §3.10.7.4 names the composite as one arc; count it too.
    if (cause_ != Cause::RcvSegment) return;
    if (segment_start_.size() <= e.conn) segment_start_.resize(e.conn + 16, {0, kUnknown});
    auto& [epoch, start] = segment_start_[e.conn];
    if (epoch != segment_epoch_) {
      epoch = segment_epoch_;
      start = static_cast<std::uint8_t>(from);
    } else if (is_listed(static_cast<State>(start), Cause::RcvSegment, e.state)) {
      (void)result_.transitions.add(static_cast<State>(start), Cause::RcvSegment, e.state);
    }
  }

  void transition(State from, State to, bool passive) {
    Cause c = cause_;
    if (c == Cause::Close && to == State::Closed &&
        (from == State::SynReceived || reference::is_synchronized(from))) {
      c = Cause::Abort;
    }
    // A passive open reset in SYN-RECEIVED: the connection goes, its listener stays in LISTEN.
    if (c == Cause::RcvRst && from == State::SynReceived && to == State::Closed && passive) {
      to = State::Listen;
    }
    changed_ = true;
    feature(0x1000000u | (static_cast<std::uint32_t>(from) << 12) |
            (static_cast<std::uint32_t>(c) << 4) | static_cast<std::uint32_t>(to));
    if (!result_.transitions.add(from, c, to)) {
      ObservedTransition o{from, c, to};
      if (result_.extra.size() < 16 &&
          std::find(result_.extra.begin(), result_.extra.end(), o) == result_.extra.end()) {
        result_.extra.push_back(o);
      }
    }
  }

  void feature(std::uint32_t f) {
    result_.features = mix(result_.features, f);
    if (result_.feature_list.size() < 256) result_.feature_list.push_back(f);
  }

  // Where the session stands after an event (SessionOptions::trail): the connection segments go
  // to, else an open listener, and the descriptor that selects it.
  void step() {
    Step s;
    s.changed = changed_;
    const Tcb* t = newest_connection();
    if (t && t->state != State::Closed) {
      s.state = t->state;
      s.fd = Step::kNoFd;
      for (std::size_t k = 0; k < fds_.size(); ++k)
        if (stack_.connection(fds_[k].fd) == t && k < 8) s.fd = static_cast<std::uint8_t>(k);
    } else {
      for (std::size_t k = 0; k < fds_.size(); ++k) {
        if (!fds_[k].listening || k >= 8) continue;  // CallGen::fd selects among the first 8
        s.state = State::Listen;
        s.fd = static_cast<std::uint8_t>(k);
        break;
      }
    }
    result_.trail.push_back(s);
  }

  // ---- recording ----

  void comment(std::string text) {
    Record r;
    r.kind = Record::Kind::Comment;
    r.time = stack_.now();
    r.text = std::move(text);
    r.event_index = current_;
    result_.records.push_back(std::move(r));
  }

  void record_call(std::string text, std::int64_t result) {
    if (!opt_.record) return;
    Record r;
    r.kind = Record::Kind::Call;
    r.time = stack_.now();
    r.text = std::move(text);
    r.result = result;
    r.event_index = current_;
    result_.records.push_back(std::move(r));
  }

  // Moves the stack's output into records, remembering its latest TSval for TS echoes.
  void drain() {
    if (!stack_.has_output()) return;
    for (auto& e : stack_.take_output()) {
      for (const auto& o : e.segment.options)
        if (auto ts = o.timestamp_value()) last_tsval_ = ts->first;
      emitted_ = true;
      if (opt_.record) {
        Record r;
        r.kind = Record::Kind::Outbound;
        r.time = e.time;
        r.segment = std::move(e.segment);
        r.event_index = current_;
        result_.records.push_back(std::move(r));
      }
    }
  }

  // ---- checks ----

  bool check(std::size_t index) {
    drain();
    std::vector<std::string> bad = stack_.check_invariants();
    if (bad.empty()) return true;
    Finding f;
    f.detail = bad.front();
    const auto bracket = f.detail.find(" [");
    f.invariant = f.detail.substr(0, bracket);
    f.state = "-";
    if (bracket != std::string::npos) {
      // "[conn 1 ESTABLISHED ..." -> ESTABLISHED
      const auto start = f.detail.find(' ', bracket + 7);
      if (start != std::string::npos) {
        const auto end = f.detail.find(' ', start + 1);
        f.state = f.detail.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
      }
    }
    if (f.state == "-") {
      // A stack-wide invariant: name the state of the newest connection instead.
      if (const Tcb* t = newest_connection()) f.state = std::string(reference::to_string(t->state));
    }
    finish(std::move(f), index);
    return false;
  }

  void finish(Finding f, std::size_t index) {
    f.event_index = index;
    f.event = index == kNoEvent ? "setup" : event_class(in_.events[index]);
    f.trigger = f.event.rfind("segment", 0) == 0 ? "segment" : f.event;
    if (opt_.record) comment("FINDING: " + f.detail);
    result_.finding = std::move(f);
  }

  static std::string event_class(const Event& e) {
    switch (e.kind) {
      case Event::Kind::Segment: {
        std::string d = describe(e);  // "segment FLAGS ..."
        return d.substr(0, d.find(' ', 8));
      }
      case Event::Kind::Call: {
        std::string d = describe(e);  // "call NAME ..."
        return d.substr(0, d.find(' ', 5));
      }
      default: return "advance";
    }
  }

  // ---- the peer ----

  const Tcb* connection_on(std::uint16_t port, bool live_only) const {
    const Tcb* best = nullptr;
    for (const Tcb* t : stack_.connections()) {
      if (t->local.port != port || t->remote.port != kPeerPort) continue;
      if (live_only && t->state == State::Closed) continue;
      if (!best || t->id > best->id) best = t;
    }
    return best;
  }

  const Tcb* newest_connection() const {
    const Tcb* best = nullptr;
    for (const Tcb* t : stack_.connections()) {
      if (t->remote.port != kPeerPort) continue;
      const bool better = !best || (best->state == State::Closed && t->state != State::Closed) ||
                          ((best->state == State::Closed) == (t->state == State::Closed) && t->id > best->id);
      if (better) best = t;
    }
    return best;
  }

  // Builds the segment in `seg_`, whose vectors keep their capacity from event to event.
  const net::Segment& build(const SegmentGen& g) {
    std::uint16_t port = kListenPort;
    const Tcb* t = nullptr;
    if (g.port == 0) {
      t = newest_connection();
      if (t) port = t->local.port;
    } else {
      port = g.port == 1 ? kListenPort : kClosedPort;
      t = connection_on(port, true);
      if (!t) t = connection_on(port, false);
    }
    net::Segment& s = seg_;
    s.ack = 0;
    s.src = kRemote;
    s.dst = kLocal;
    s.sport = kPeerPort;
    s.dport = port;
    s.flags = g.flags;
    const std::uint32_t d = static_cast<std::uint32_t>(g.seq.delta);
    switch (g.seq.base) {
      case SeqRef::Base::RcvNxt: s.seq = (t ? t->rcv_nxt : 0) + d; break;
      case SeqRef::Base::RcvRight: s.seq = (t ? t->rcv_nxt + t->rcv_wnd() : 0) + d; break;
      case SeqRef::Base::Irs: s.seq = (t ? t->irs : 0) + d; break;
      default: s.seq = d; break;
    }
    if (s.has(net::flag::ACK)) {
      const std::uint32_t a = static_cast<std::uint32_t>(g.ack.delta);
      switch (g.ack.base) {
        case AckRef::Base::SndUna: s.ack = (t ? t->snd_una : 0) + a; break;
        case AckRef::Base::SndNxt: s.ack = (t ? t->snd_nxt : 0) + a; break;
        case AckRef::Base::SndMax: s.ack = (t ? t->snd_max : 0) + a; break;
        case AckRef::Base::Iss: s.ack = (t ? t->iss : 0) + a; break;
        default: s.ack = a; break;
      }
    }
    s.window = g.window;
    s.urgent = g.urgent;
    s.options.clear();
    options(g, t, s.options);
    // As run::build_inbound: a SYN names the peer's ISN, payload bytes follow the peer's stream.
    if (s.has(net::flag::SYN)) peer_isn_ = s.seq;
    const std::uint32_t first = peer_isn_ ? *peer_isn_ + 1 : 1;
    // As the executor does (run::build_inbound): data on a SYN starts after the SYN.
    const std::uint32_t data_seq = s.seq + (s.has(net::flag::SYN) ? 1 : 0);
    fill_stream(s.payload, static_cast<std::uint32_t>(data_seq - first), g.payload_len);
    return s;
  }

  // The options as the stack receives them after the wire codec: whole options up to 40 bytes,
  // nothing after an EOL, EOL padding, and malformed lengths marked.
  void options(const SegmentGen& g, const Tcb* t, std::vector<net::TcpOption>& out) const {
    std::size_t size = 0;
    bool eol = false;
    for (const OptionGen& o : g.options) {
      net::TcpOption opt;
      using K = OptionGen::Kind;
      switch (o.kind) {
        case K::Nop: opt = net::TcpOption::nop(); break;
        case K::Eol: opt = net::TcpOption::eol(); break;
        case K::Mss: opt = net::TcpOption::mss(static_cast<std::uint16_t>(o.a)); break;
        case K::Wscale: opt = net::TcpOption::wscale(static_cast<std::uint8_t>(o.a)); break;
        case K::SackOk: opt = net::TcpOption::sack_permitted(); break;
        case K::Timestamp: {
          const std::uint32_t ecr = o.b == 0 ? 0 : o.b == 1 ? last_tsval_ : o.c;
          opt = net::TcpOption::timestamp(o.a, ecr);
          break;
        }
        case K::Sack: {
          std::vector<net::SackBlock> blocks;
          const std::uint32_t una = t ? t->snd_una : 0;
          for (std::uint32_t i = 0; i < o.b; ++i) {
            const std::uint32_t left = una + o.a + i * 2 * (o.c + 1);
            blocks.push_back({left, left + o.c});
          }
          opt = net::TcpOption::sack(blocks);
          break;
        }
        case K::Unknown:
        case K::Malformed: {
          std::vector<std::uint8_t> data(o.b);
          for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(o.a * 31 + i * 7);
          opt = net::TcpOption::raw(static_cast<std::uint8_t>(o.a), std::move(data));
          break;
        }
        default: continue;
      }
      const std::size_t len = net::wire::is_single_octet_option(opt.kind) ? 1 : 2 + opt.data.size();
      if (size + len > 40) break;  // the encoder writes whole options only
      size += len;
      if (!net::wire::is_single_octet_option(opt.kind) &&
          !net::wire::option_length_well_formed(opt.kind, len)) {
        opt.wire_length = static_cast<std::uint8_t>(len);
      }
      out.push_back(std::move(opt));
      if (out.back().kind == net::option_kind::EOL) {
        eol = true;
        break;  // the decoder stops at EOL
      }
    }
    if (!eol && size % 4 != 0) out.push_back(net::TcpOption::eol());
  }

  void segment(const SegmentGen& g) {
    const net::Segment& s = build(g);
    cause_ = s.has(net::flag::RST) ? Cause::RcvRst : Cause::RcvSegment;
    ++segment_epoch_;
    // RFC 5961 §3.2 / RFC 9293 §3.10.7.4: only a RST at exactly RCV.NXT may reset.
    const Tcb* before = connection_on(s.dport, true);
    const bool rst_check = before && s.has(net::flag::RST) && before->state != State::SynSent &&
                           before->state != State::Listen;
    const std::uint32_t id = before ? before->id : 0;
    const std::uint32_t rcv_nxt = before ? before->rcv_nxt : 0;
    const State state_before = before ? before->state : State::Closed;
    if (opt_.record) {
      Record r;
      r.kind = Record::Kind::Inbound;
      r.time = stack_.now();
      r.segment = s;
      r.event_index = current_;
      result_.records.push_back(std::move(r));
    }
    emitted_ = false;
    stack_.segment_arrives(s);
    drain();
    feature((static_cast<std::uint32_t>(state_before) << 16) | (s.flags << 1) | (emitted_ ? 1 : 0));
    if (rst_check && s.seq != rcv_nxt && !result_.finding) {
      bool closed = true;
      for (const Tcb* t : stack_.connections())
        if (t->id == id && t->state != State::Closed) closed = false;
      if (closed) {
        Finding f;
        f.invariant = "a RST with SEG.SEQ != RCV.NXT closed the connection (RFC 5961 3.2, RFC 9293 3.10.7.4)";
        f.detail = f.invariant + " [SEG.SEQ=" + std::to_string(s.seq) +
                   " RCV.NXT=" + std::to_string(rcv_nxt) + "]";
        f.state = std::string(reference::to_string(state_before));
        finish(std::move(f), current_);
      }
    }
  }

  // ---- the application ----

  int new_socket() {
    cause_ = Cause::Other;
    const int fd = stack_.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    record_call("socket(..., SOCK_STREAM, IPPROTO_TCP)", fd);
    if (fd < 0) return fd;
    const int r = stack_.fcntl(fd, F_SETFL, O_RDWR | O_NONBLOCK);
    record_call("fcntl(" + std::to_string(fd) + ", F_SETFL, O_RDWR|O_NONBLOCK)", r);
    fds_.push_back(Fd{fd});
    return fd;
  }

  Fd* pick(std::uint8_t sel) {
    if (fds_.empty()) return nullptr;
    return &fds_[sel % fds_.size()];
  }

  static int slot(int fd) { return fd >= 0 && static_cast<std::size_t>(fd) < kFdSlots ? fd : 0; }

  void call(const CallGen& c) {
    cause_ = Cause::Other;
    feature(0x2000000u | (static_cast<std::uint32_t>(c.kind) << 8) | (c.sub & 0xff));
    switch (c.kind) {
      case CallKind::Connect:
      case CallKind::Listen: {
        int fd = -1;
        if (c.fd == 0 || fds_.empty()) {
          fd = new_socket();
          if (fd < 0) return;
        } else {
          fd = fds_[(c.fd - 1) % fds_.size()].fd;
        }
        auto it = std::find_if(fds_.begin(), fds_.end(), [&](const Fd& f) { return f.fd == fd; });
        const std::string f = std::to_string(fd);
        if (c.kind == CallKind::Connect) {
          cause_ = Cause::Connect;
          const int r = stack_.connect(fd, kRemote, kPeerPort);
          record_call("connect(" + f + ", ..., ...)", r);
          feature(0x3000000u | static_cast<std::uint32_t>(-r));
          return;
        }
        if (it != fds_.end() && !it->bound) {
          const int r = stack_.bind(fd, kLocal, kListenPort);
          record_call("bind(" + f + ", ..., ...)", r);
          if (r == 0) it->bound = true;
        }
        cause_ = Cause::Listen;
        const int r = stack_.listen(fd, static_cast<int>(c.arg));
        record_call("listen(" + f + ", " + std::to_string(c.arg) + ")", r);
        if (r == 0 && it != fds_.end() && !it->listening) {
          it->listening = true;
          transition(State::Closed, State::Listen, false);
        }
        return;
      }
      case CallKind::Accept: {
        Fd* p = pick(c.fd);
        if (!p) return;
        const int listener = p->fd;
        const int r = stack_.accept(listener);
        record_call("accept(" + std::to_string(listener) + ", ..., ...)", r);
        if (r >= 0) {
          const int f = stack_.fcntl(r, F_SETFL, O_RDWR | O_NONBLOCK);
          record_call("fcntl(" + std::to_string(r) + ", F_SETFL, O_RDWR|O_NONBLOCK)", f);
          fds_.push_back(Fd{r});
        }
        return;
      }
      case CallKind::Send: {
        Fd* p = pick(c.fd);
        if (!p) return;
        const int fd = p->fd;
        std::vector<std::uint8_t>& data = buf_;
        fill_stream(data, written_[slot(fd)], c.arg);
        if (p->listening) {
          // sendto() with the peer's address on a listener: RFC 9293 §3.10.2 SEND in LISTEN (the
          // connection turns active, SYN-SENT) where the profile has it, EPIPE where not.
          cause_ = Cause::Send;
          const std::int64_t r = stack_.send_to(fd, data, 0, kRemote, kPeerPort);
          if (r >= 0) {
            p->listening = false;
            written_[slot(fd)] += static_cast<std::uint64_t>(r);
          }
          record_call("sendto(" + std::to_string(fd) + ", ..., " + std::to_string(c.arg) + ", 0, ..., ...)", r);
          return;
        }
        // As the reference target's write(): keep writing until all is taken or it refuses.
        std::size_t done = 0;
        std::int64_t r = 0;
        while (done < data.size()) {
          r = stack_.write(fd, std::span<const std::uint8_t>(data).subspan(done), 0);
          if (r <= 0) break;
          done += static_cast<std::size_t>(r);
        }
        const std::int64_t ret = done == data.size() ? static_cast<std::int64_t>(done)
                                 : done > 0          ? static_cast<std::int64_t>(done)
                                                     : r;
        if (ret > 0) written_[slot(fd)] += static_cast<std::uint64_t>(ret);
        record_call("send(" + std::to_string(fd) + ", ..., " + std::to_string(c.arg) + ", 0)", ret);
        return;
      }
      case CallKind::Recv: {
        Fd* p = pick(c.fd);
        if (!p) return;
        const int fd = p->fd;
        buf_.clear();
        const bool peek = c.sub == 1;
        const std::int64_t r = stack_.read(fd, c.arg, peek ? MSG_PEEK : 0, buf_);
        if (opt_.record) {
          // The executor checks the bytes read against the stream; note when they cannot match.
          const std::uint64_t offset = read_[slot(fd)];
          for (std::size_t i = 0; i < buf_.size(); ++i) {
            if (buf_[i] != run::stream_byte(offset + i)) {
              comment("note: the bytes read differ from the stream the executor expects (reused descriptor or changed ISN)");
              break;
            }
          }
        }
        if (r > 0 && !peek) read_[slot(fd)] += static_cast<std::uint64_t>(r);
        record_call("recv(" + std::to_string(fd) + ", ..., " + std::to_string(c.arg) + ", " +
                        (peek ? "MSG_PEEK" : "0") + ")",
                    r);
        return;
      }
      case CallKind::Shutdown: {
        Fd* p = pick(c.fd);
        if (!p) return;
        static const char* hows[] = {"SHUT_RD", "SHUT_WR", "SHUT_RDWR"};
        const int how = static_cast<int>(c.arg % 3);
        cause_ = how == SHUT_RD ? Cause::Other : Cause::Close;
        const int r = stack_.shutdown(p->fd, how);
        record_call("shutdown(" + std::to_string(p->fd) + ", " + hows[how] + ")", r);
        return;
      }
      case CallKind::Close: {
        Fd* p = pick(c.fd);
        if (!p) return;
        const Fd f = *p;
        cause_ = Cause::Close;
        const int r = stack_.close(f.fd);
        record_call("close(" + std::to_string(f.fd) + ")", r);
        if (r == 0) {
          if (f.listening) transition(State::Listen, State::Closed, false);
          fds_.erase(fds_.begin() + (p - fds_.data()));
        }
        return;
      }
      case CallKind::SetSockOpt: {
        Fd* p = pick(c.fd);
        if (!p) return;
        setsockopt(p->fd, static_cast<SockOpt>(c.sub), c.arg);
        return;
      }
      default: return;
    }
  }

  void setsockopt(int fd, SockOpt o, std::uint32_t arg) {
    const std::string f = "setsockopt(" + std::to_string(fd) + ", ";
    auto integer = [&](int level, int name, const char* text, std::int64_t v) {
      const int r = stack_.setsockopt(fd, level, name, v, 0);
      record_call(f + (level == SOL_SOCKET ? "SOL_SOCKET, " : "IPPROTO_TCP, ") + text + ", [" +
                      std::to_string(v) + "], 4)",
                  r);
    };
    auto linger = [&](int on, int secs) {
      const int r = stack_.setsockopt(fd, SOL_SOCKET, SO_LINGER, on, secs);
      record_call(f + "SOL_SOCKET, SO_LINGER, {l_onoff=" + std::to_string(on) +
                      ", l_linger=" + std::to_string(secs) + "}, 8)",
                  r);
    };
    switch (o) {
      case SockOpt::LingerZero: return linger(1, 0);
      case SockOpt::LingerOn: return linger(1, static_cast<int>(1 + arg % 30));
      case SockOpt::LingerOff: return linger(0, 0);
      case SockOpt::KeepAlive: return integer(SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE", arg % 2);
      case SockOpt::NoDelay: return integer(IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY", arg % 2);
      case SockOpt::RcvBuf: return integer(SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF", arg);
      case SockOpt::SndBuf: return integer(SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF", arg);
      case SockOpt::KeepIdle: return integer(IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE", 1 + arg % 7200);
      case SockOpt::KeepIntvl: return integer(IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL", 1 + arg % 300);
      case SockOpt::KeepCnt: return integer(IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT", 1 + arg % 20);
      case SockOpt::MaxSeg: return integer(IPPROTO_TCP, TCP_MAXSEG, "TCP_MAXSEG", 64 + arg % 9000);
      default: return;
    }
  }

  // ---- the clock ----

  void advance(const AdvanceGen& a) {
    cause_ = Cause::Timeout;
    Micros target = stack_.now();
    switch (a.unit) {
      case AdvanceGen::Unit::NextTimer: {
        const Micros t = stack_.next_timer();
        if (t == kNever) return;
        target = std::max(t, stack_.now());
        break;
      }
      case AdvanceGen::Unit::Micros: target += a.amount; break;
      case AdvanceGen::Unit::Millis: target += Micros{a.amount} * kMillis; break;
      case AdvanceGen::Unit::Seconds: target += Micros{a.amount % 3601} * kMicrosPerSecond; break;
      case AdvanceGen::Unit::Minutes: target += Micros{a.amount % 241} * 60 * kMicrosPerSecond; break;
      default: break;
    }
    emitted_ = false;
    stack_.advance_to(target);
    drain();
    feature(0x4000000u | (static_cast<std::uint32_t>(a.unit) << 1) | (emitted_ ? 1 : 0));
  }

  static constexpr std::uint8_t kUnknown = 0xff;

  const SessionInput& in_;
  const SessionOptions& opt_;
  Stack stack_;
  SessionResult result_;
  std::size_t current_ = kNoEvent;
  Cause cause_ = Cause::Other;
  std::vector<std::uint8_t> known_;   // last state seen per connection id
  std::vector<bool> passive_;         // connection id -> created by a SYN to a listener
  // Per connection id: the segment (epoch) during which it last changed state, and its state
  // before that segment, so two changes within one segment are also counted as one arc.
  std::vector<std::pair<std::uint64_t, std::uint8_t>> segment_start_;
  std::uint64_t segment_epoch_ = 1;
  std::vector<Fd> fds_;               // open descriptors, oldest first
  std::array<std::uint64_t, kFdSlots> written_{};  // per fd number, never reset (as the executor)
  std::array<std::uint64_t, kFdSlots> read_{};
  std::vector<std::uint8_t> buf_;    // send data / read data, reused
  net::Segment seg_;                  // the segment being injected, reused
  std::optional<std::uint32_t> peer_isn_;
  std::uint32_t last_tsval_ = 0;
  bool emitted_ = false;
  bool changed_ = false;              // a state changed during the current event (trail)
};

}  // namespace

std::string rule_of(std::string_view invariant) {
  std::string out;
  out.reserve(invariant.size());
  for (std::size_t i = 0; i < invariant.size();) {
    const char c = invariant[i];
    if (c < '0' || c > '9' || (i > 0 && std::isalnum(static_cast<unsigned char>(invariant[i - 1])))) {
      out += c;
      ++i;
      continue;
    }
    // A number: kept if it is a section number (has a dot followed by a digit) or follows "RFC ".
    std::size_t end = i;
    bool dotted = false;
    while (end < invariant.size() && ((invariant[end] >= '0' && invariant[end] <= '9') ||
                                      (invariant[end] == '.' && end + 1 < invariant.size() &&
                                       invariant[end + 1] >= '0' && invariant[end + 1] <= '9'))) {
      dotted |= invariant[end] == '.';
      ++end;
    }
    const bool rfc = out.size() >= 4 && out.compare(out.size() - 4, 4, "RFC ") == 0;
    const bool word = end < invariant.size() && (invariant[end] == '-' || std::isalpha(static_cast<unsigned char>(invariant[end])));
    if (dotted || rfc || word) out.append(invariant.substr(i, end - i));
    else out += 'N';
    i = end;
  }
  return out;
}

std::string Finding::key() const { return rule_of(invariant) + " | " + state + " | " + trigger; }

reference::StackConfig profile_config(std::uint8_t profile) {
  static const std::array<reference::StackConfig, 3> configs = [] {
    std::array<reference::StackConfig, 3> c;
    const char* names[] = {"rfc", "linux", "freebsd"};
    for (int i = 0; i < 3; ++i) {
      auto r = reference::StackConfig::from_profile(names[i]);
      if (r) c[static_cast<std::size_t>(i)] = *r;
    }
    return c;
  }();
  return configs[profile % 3];
}

SessionResult run_session(const SessionInput& input, const SessionOptions& options) {
  return Runner(input, options).run();
}

}  // namespace synack::fuzz
