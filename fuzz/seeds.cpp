#include "fuzz/seeds.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "harness/net/codec.h"
#include "harness/run/connection.h"
#include "harness/run/syscalls.h"
#include "harness/script/parser.h"

namespace synack::fuzz {

namespace fs = std::filesystem;

namespace {

class Converter {
 public:
  Converter(const script::Script& s, std::uint8_t profile) : s_(s) { in_.profile = profile; }

  std::optional<SessionInput> run() {
    bool first_socket = true;
    for (const auto& ev : s_.events) {
      const Micros sched = schedule(ev.time);
      if (const auto* p = std::get_if<script::PacketSpec>(&ev.body)) {
        if (p->direction == script::Direction::Outbound) continue;
        advance_to(sched);
        packet(*p);
      } else if (const auto* c = std::get_if<script::SyscallSpec>(&ev.body)) {
        advance_to(sched);
        call(*c, first_socket);
      }
    }
    if (in_.events.empty()) return std::nullopt;
    return in_;
  }

 private:
  Micros schedule(const script::EventTime& t) {
    Micros at = base_;
    if (t.start.kind == script::TimePoint::Kind::Absolute) at = t.start.usecs;
    else if (t.start.kind == script::TimePoint::Kind::Relative) at = base_ + t.start.usecs;
    base_ = at;
    return at;
  }

  void advance_to(Micros t) {
    Micros gap = t - now_;
    if (gap <= 0) return;
    now_ = t;
    Event e;
    e.kind = Event::Kind::Advance;
    if (gap % kMillis == 0 && gap / kMillis <= 0xffff) {
      e.advance = {AdvanceGen::Unit::Millis, static_cast<std::uint16_t>(gap / kMillis)};
    } else if (gap <= 0xffff) {
      e.advance = {AdvanceGen::Unit::Micros, static_cast<std::uint16_t>(gap)};
    } else {
      e.advance = {AdvanceGen::Unit::Seconds, static_cast<std::uint16_t>(std::min<Micros>(gap / kMicrosPerSecond, 3600))};
    }
    in_.events.push_back(e);
  }

  std::optional<std::int64_t> arg(const script::SyscallSpec& c, std::size_t i) const {
    if (i >= c.args.size() || !c.args[i]) return std::nullopt;
    return run::eval_int(*c.args[i], s_.defines);
  }

  // Index of a script descriptor in the session's list of open descriptors.
  std::optional<std::uint8_t> index_of(std::optional<std::int64_t> fd) const {
    if (!fd) return std::nullopt;
    auto it = std::find(fds_.begin(), fds_.end(), *fd);
    if (it == fds_.end()) return std::nullopt;
    return static_cast<std::uint8_t>(it - fds_.begin());
  }

  void push_call(CallKind kind, std::uint8_t fd, std::uint32_t arg = 0, std::uint8_t sub = 0) {
    Event e;
    e.kind = Event::Kind::Call;
    e.call = CallGen{kind, fd, arg, sub};
    in_.events.push_back(e);
  }

  void call(const script::SyscallSpec& c, bool& first_socket) {
    const std::string& n = c.name;
    // -1 when the line gives no integer result (plain value, not optional: g++ -O2 misreads
    // optional<int64_t> here as maybe-uninitialized).
    const std::int64_t result = c.result ? run::eval_int(*c.result, s_.defines).value_or(-1) : -1;
    if (n == "socket") {
      if (result < 0) return;
      if (first_socket) fds_.push_back(result);  // the session's setup socket
      else pending_new_ = result;
      first_socket = false;
      return;
    }
    if (n == "connect" || n == "listen") {
      const auto fd = arg(c, 0);
      const CallKind kind = n == "connect" ? CallKind::Connect : CallKind::Listen;
      const std::uint32_t backlog = n == "listen" ? static_cast<std::uint32_t>(arg(c, 1).value_or(1) % 5) : 0;
      if (pending_new_ && fd == pending_new_) {
        fds_.push_back(*pending_new_);
        pending_new_.reset();
        push_call(kind, 0, backlog);
      } else if (auto i = index_of(fd)) {
        push_call(kind, static_cast<std::uint8_t>(*i + 1), backlog);
      }
      return;
    }
    auto i = index_of(arg(c, 0));
    if (!i) return;
    if (n == "accept" || n == "accept4") {
      push_call(CallKind::Accept, *i);
      if (result >= 0) fds_.push_back(result);
    } else if (n == "write" || n == "send" || n == "sendto") {
      push_call(CallKind::Send, *i, static_cast<std::uint32_t>(arg(c, 2).value_or(0) % 8193));
    } else if (n == "read" || n == "recv" || n == "recvfrom") {
      push_call(CallKind::Recv, *i, static_cast<std::uint32_t>(arg(c, 2).value_or(0) % 8193));
    } else if (n == "shutdown") {
      push_call(CallKind::Shutdown, *i, static_cast<std::uint32_t>(arg(c, 1).value_or(SHUT_WR) % 3));
    } else if (n == "close") {
      push_call(CallKind::Close, *i);
      fds_.erase(fds_.begin() + *i);
    } else if (n == "setsockopt") {
      const auto level = arg(c, 1);
      const auto name = arg(c, 2);
      if (!level || !name) return;
      if (*level == SOL_SOCKET && *name == SO_KEEPALIVE) push_call(CallKind::SetSockOpt, *i, 1, static_cast<std::uint8_t>(SockOpt::KeepAlive));
      if (*level == SOL_SOCKET && *name == SO_LINGER) push_call(CallKind::SetSockOpt, *i, 0, static_cast<std::uint8_t>(SockOpt::LingerZero));
      if (*level == IPPROTO_TCP && *name == TCP_NODELAY) push_call(CallKind::SetSockOpt, *i, 1, static_cast<std::uint8_t>(SockOpt::NoDelay));
    }
  }

  void packet(const script::PacketSpec& p) {
    Event e;
    e.kind = Event::Kind::Segment;
    SegmentGen& g = e.segment;
    g.flags = run::parse_flags(p.flags) & 0x1ff;
    if (g.flags & net::flag::SYN) {
      peer_isn_ = p.seq_start;
      g.seq = SeqRef{SeqRef::Base::Raw, static_cast<std::int32_t>(p.seq_start)};
    } else {
      const std::int64_t d = static_cast<std::int64_t>(p.seq_start) - peer_isn_;
      if (d >= -32768 && d <= 32767) g.seq = SeqRef{SeqRef::Base::Irs, static_cast<std::int32_t>(d)};
      else g.seq = SeqRef{SeqRef::Base::Raw, static_cast<std::int32_t>(p.seq_start)};
    }
    const std::uint32_t ack = p.ack.value_or(0);
    if (ack <= 32767) g.ack = AckRef{AckRef::Base::Iss, static_cast<std::int32_t>(ack)};
    else g.ack = AckRef{AckRef::Base::SndNxt, 0};
    g.window = static_cast<std::uint16_t>(p.win.value_or(0));
    g.urgent = p.urg.value_or(0);
    g.payload_len = static_cast<std::uint16_t>(std::min<std::uint32_t>(p.payload_len, kMaxPayload));
    g.port = p.dst_port && *p.dst_port != 8080 ? 2 : 0;
    if (p.options) {
      for (const auto& o : *p.options) {
        if (g.options.size() == kMaxOptions) break;
        OptionGen x;
        using K = script::OptionSpec::Kind;
        switch (o.kind) {
          case K::Nop: x.kind = OptionGen::Kind::Nop; break;
          case K::Eol: x.kind = OptionGen::Kind::Eol; break;
          case K::Mss: x = {OptionGen::Kind::Mss, o.value & 0xffff, 0, 0}; break;
          case K::Wscale: x = {OptionGen::Kind::Wscale, o.value % 16, 0, 0}; break;
          case K::SackOk: x.kind = OptionGen::Kind::SackOk; break;
          case K::Timestamp: x = {OptionGen::Kind::Timestamp, o.value, o.ecr ? 1u : 0u, 0}; break;
          case K::Sack:
            if (o.sack_blocks.empty()) continue;
            x = {OptionGen::Kind::Sack, 0, static_cast<std::uint32_t>(std::min<std::size_t>(o.sack_blocks.size(), 4)),
                 (o.sack_blocks[0].second - o.sack_blocks[0].first) & 0xffff};
            break;
          case K::Raw:
            if (o.raw_kind < 6 || o.raw_kind > 253) continue;
            x = {OptionGen::Kind::Unknown, o.raw_kind, static_cast<std::uint32_t>(std::min<std::size_t>(o.bytes.size(), 10)), 0};
            break;
          default: continue;
        }
        g.options.push_back(x);
      }
    }
    in_.events.push_back(e);
  }

  const script::Script& s_;
  SessionInput in_;
  Micros base_ = 0;
  Micros now_ = 0;
  std::vector<std::int64_t> fds_;
  std::optional<std::int64_t> pending_new_;
  std::uint32_t peer_isn_ = 0;
};

Result<void> write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) return make_error("cannot write " + p.string());
  return {};
}

const char* const kConfigSeeds[] = {
    "[run]\ntarget = \"reference\"\njobs = 2\nfilter = \"handshake/*\"\n",
    "[script]\ntolerance_usecs = 4000\ntolerance_percent = 12.5\n",
    "[target.reference]\nprofile = \"linux\"\n[target.reference.overrides]\nrto_min_ms = 200\n",
    "[target.kernel]\ntimeout_seconds = 120\n",
    "mss=1460\nwindow_shift=7\ntime_wait_rst=ignore\n",
};

Event call_event(CallKind kind, std::uint8_t fd, std::uint32_t arg = 0, SockOpt opt = SockOpt::kCount) {
  Event e;
  e.kind = Event::Kind::Call;
  e.call = CallGen{kind, fd, arg, opt == SockOpt::kCount ? std::uint8_t{0} : static_cast<std::uint8_t>(opt)};
  return e;
}

Event segment_event(std::uint16_t flags, SeqRef seq, AckRef ack) {
  Event e;
  e.kind = Event::Kind::Segment;
  e.segment.flags = flags;
  e.segment.seq = seq;
  e.segment.ack = ack;
  e.segment.window = 65535;
  return e;
}

Event advance_event(AdvanceGen::Unit unit, std::uint16_t amount) {
  Event e;
  e.kind = Event::Kind::Advance;
  e.advance = AdvanceGen{unit, amount};
  return e;
}

}  // namespace

std::vector<SessionInput> handcrafted_seeds() {
  namespace f = net::flag;
  const Event connect = call_event(CallKind::Connect, 1);
  const Event syn_ack = segment_event(f::SYN | f::ACK, {SeqRef::Base::Raw, 0}, {AckRef::Base::SndNxt, 0});
  const Event ack_all = segment_event(f::ACK, {SeqRef::Base::RcvNxt, 0}, {AckRef::Base::SndNxt, 0});
  const Event fin_old_ack = segment_event(f::FIN | f::ACK, {SeqRef::Base::RcvNxt, 0}, {AckRef::Base::SndUna, 0});
  const Event fin_ack_all = segment_event(f::FIN | f::ACK, {SeqRef::Base::RcvNxt, 0}, {AckRef::Base::SndNxt, 0});
  const Event shut_wr = call_event(CallKind::Shutdown, 0, 1);
  const Event linger0 = call_event(CallKind::SetSockOpt, 0, 0, SockOpt::LingerZero);
  const Event close = call_event(CallKind::Close, 0);
  const std::vector<std::vector<Event>> bodies = {
      {connect, syn_ack, shut_wr, linger0, close},                             // FIN-WAIT-1 abort
      {connect, syn_ack, shut_wr, ack_all, linger0, close},                    // FIN-WAIT-2 abort
      {connect, syn_ack, shut_wr, fin_old_ack, linger0, close},                // CLOSING abort
      {connect, syn_ack, fin_ack_all, shut_wr, linger0, close},                // LAST-ACK abort
      {connect, syn_ack, shut_wr, ack_all, fin_ack_all, linger0, close},       // TIME-WAIT abort
      {connect, syn_ack, close, ack_all, advance_event(AdvanceGen::Unit::Minutes, 5)},  // orphan FIN-WAIT-2
      {connect, syn_ack, fin_ack_all, close, advance_event(AdvanceGen::Unit::Minutes, 240)},  // LAST-ACK R2
  };
  std::vector<SessionInput> out;
  for (std::uint8_t profile = 0; profile < 3; ++profile) {
    for (const auto& body : bodies) {
      SessionInput in;
      in.profile = profile;
      in.events = body;
      out.push_back(std::move(in));
    }
  }
  return out;
}

std::optional<SessionInput> from_script(const script::Script& script, std::uint8_t profile) {
  return Converter(script, profile).run();
}

Result<std::map<std::string, std::size_t>> write_seed_corpora(const std::string& scripts_dir,
                                                               const std::string& out_dir) {
  std::map<std::string, std::size_t> counts;
  std::error_code ec;
  for (const char* f : {"fuzz_session", "fuzz_script_parser", "fuzz_codec", "fuzz_config"}) {
    fs::create_directories(fs::path(out_dir) / f, ec);
    if (ec) return make_error("cannot create " + (fs::path(out_dir) / f).string() + ": " + ec.message());
    counts[f] = 0;
  }
  std::vector<fs::path> scripts;
  for (auto it = fs::recursive_directory_iterator(scripts_dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".pkt") scripts.push_back(it->path());
  }
  if (ec) return make_error("cannot read " + scripts_dir + ": " + ec.message());
  std::sort(scripts.begin(), scripts.end());
  for (const fs::path& path : scripts) {
    const std::string stem = fs::relative(path, scripts_dir, ec).replace_extension().string();
    std::string name = stem;
    std::replace(name.begin(), name.end(), '/', '-');
    std::ifstream in(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (auto r = write_file(fs::path(out_dir) / "fuzz_script_parser" / (name + ".pkt"), text); !r) return r.error();
    ++counts["fuzz_script_parser"];
    auto parsed = script::parse(text, path.string());
    if (!parsed.ok()) continue;
    for (std::uint8_t profile = 0; profile < 3; ++profile) {
      auto session = from_script(*parsed.script, profile);
      if (!session) break;
      const auto bytes = encode(*session);
      if (auto r = write_file(fs::path(out_dir) / "fuzz_session" / (name + "-" + std::to_string(profile)),
                              std::string(bytes.begin(), bytes.end()));
          !r) {
        return r.error();
      }
      ++counts["fuzz_session"];
      if (profile != 0) continue;
      // Codec seeds: the segments that session injects and the stack sends, on the wire.
      SessionOptions o;
      o.record = true;
      const SessionResult rec = run_session(*session, o);
      std::size_t n = 0;
      for (const Record& r : rec.records) {
        if (r.kind != Record::Kind::Inbound && r.kind != Record::Kind::Outbound) continue;
        if (n >= 8) break;
        const auto wire = net::encode(r.segment);
        if (auto w = write_file(fs::path(out_dir) / "fuzz_codec" / (name + "-" + std::to_string(n++)),
                                std::string(wire.begin(), wire.end()));
            !w) {
          return w.error();
        }
        ++counts["fuzz_codec"];
      }
    }
  }
  std::size_t h = 0;
  for (const SessionInput& in : handcrafted_seeds()) {
    const auto bytes = encode(in);
    if (auto r = write_file(fs::path(out_dir) / "fuzz_session" / ("handcrafted-" + std::to_string(h++)),
                            std::string(bytes.begin(), bytes.end()));
        !r) {
      return r.error();
    }
    ++counts["fuzz_session"];
  }
  std::size_t i = 0;
  for (const char* text : kConfigSeeds) {
    if (auto r = write_file(fs::path(out_dir) / "fuzz_config" / ("seed-" + std::to_string(i++) + ".toml"), text); !r) return r.error();
    ++counts["fuzz_config"];
  }
  return counts;
}

}  // namespace synack::fuzz
