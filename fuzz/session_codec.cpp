// The byte form of a SessionInput. Layout (all integers big-endian, missing bytes read as 0):
//
//   header:   u8 profile
//   event:    u8 kind (mod 3), then
//     Segment: u16 flags, seqref, ackref, u16 window, u16 urgent, u16 payload, u8 port,
//              u8 option count, options
//       seqref/ackref: u8 base; Raw: u32 value, else i16 delta
//       option: u8 kind; Mss u16; Wscale u8; Timestamp u32 val, u8 mode, [u32 ecr if mode 2];
//               Sack u16 offset, u8 count, u16 length; Unknown/Malformed u8 kind, u8 length
//     Call:    u8 kind, u8 fd, u8 sub, u32 arg
//     Advance: u8 unit, u16 amount
//
// decode() folds every value into its range, so encode(decode(b)) decodes to the same input.
#include <algorithm>
#include <sstream>

#include "harness/run/connection.h"
#include "fuzz/session.h"

namespace synack::fuzz {

namespace {

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> b) : b_(b) {}
  bool done() const { return at_ >= b_.size(); }
  std::uint8_t u8() { return at_ < b_.size() ? b_[at_++] : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>((u8() << 8) | u8()); }
  std::uint32_t u32() {
    std::uint32_t hi = u16();
    return (hi << 16) | u16();
  }

 private:
  std::span<const std::uint8_t> b_;
  std::size_t at_ = 0;
};

class Writer {
 public:
  void u8(std::uint32_t v) { out.push_back(static_cast<std::uint8_t>(v)); }
  void u16(std::uint32_t v) { u8(v >> 8); u8(v); }
  void u32(std::uint32_t v) { u16(v >> 16); u16(v); }
  std::vector<std::uint8_t> out;
};

template <class E>
E fold(std::uint8_t v) {
  return static_cast<E>(v % static_cast<std::uint8_t>(E::kCount));
}

// Legal data lengths of the option kinds a Malformed option must avoid.
bool well_formed_length(std::uint8_t kind, std::uint32_t data_len) {
  switch (kind) {
    case net::option_kind::MSS: return data_len == 2;
    case net::option_kind::WSCALE: return data_len == 1;
    case net::option_kind::SACK_PERMITTED: return data_len == 0;
    case net::option_kind::SACK: return data_len >= 8 && data_len % 8 == 0;
    case net::option_kind::TIMESTAMP: return data_len == 8;
    default: return false;
  }
}

constexpr std::uint8_t kMalformedKinds[] = {net::option_kind::MSS, net::option_kind::WSCALE,
                                            net::option_kind::SACK_PERMITTED, net::option_kind::SACK,
                                            net::option_kind::TIMESTAMP};

OptionGen read_option(Reader& r) {
  OptionGen o;
  o.kind = fold<OptionGen::Kind>(r.u8());
  using K = OptionGen::Kind;
  switch (o.kind) {
    case K::Mss: o.a = r.u16(); break;
    case K::Wscale: o.a = r.u8() % 16; break;
    case K::Timestamp:
      o.a = r.u32();
      o.b = r.u8() % 3;
      if (o.b == 2) o.c = r.u32();
      break;
    case K::Sack:
      o.a = r.u16();
      o.b = 1 + r.u8() % 4;
      o.c = r.u16();
      break;
    case K::Unknown: {
      // Any kind the stack does not know (not EOL/NOP/known ones): 6..253.
      o.a = 6 + r.u8() % 248;
      o.b = r.u8() % 11;
      break;
    }
    case K::Malformed: {
      o.a = kMalformedKinds[r.u8() % 5];
      o.b = r.u8() % 13;
      if (well_formed_length(static_cast<std::uint8_t>(o.a), o.b)) o.b = (o.b + 1) % 13;
      break;
    }
    default: break;
  }
  return o;
}

void write_option(Writer& w, const OptionGen& o) {
  using K = OptionGen::Kind;
  w.u8(static_cast<std::uint8_t>(o.kind));
  switch (o.kind) {
    case K::Mss: w.u16(o.a); break;
    case K::Wscale: w.u8(o.a); break;
    case K::Timestamp:
      w.u32(o.a);
      w.u8(o.b);
      if (o.b % 3 == 2) w.u32(o.c);
      break;
    case K::Sack:
      w.u16(o.a);
      w.u8(o.b - 1);
      w.u16(o.c);
      break;
    case K::Unknown:
      w.u8(o.a - 6);
      w.u8(o.b);
      break;
    case K::Malformed: {
      std::uint8_t index = 0;
      for (std::uint8_t i = 0; i < 5; ++i)
        if (kMalformedKinds[i] == o.a) index = i;
      w.u8(index);
      w.u8(o.b);
      break;
    }
    default: break;
  }
}

template <class Ref>
Ref read_ref(Reader& r) {
  Ref ref;
  ref.base = fold<typename Ref::Base>(r.u8());
  if (ref.base == Ref::Base::Raw) ref.delta = static_cast<std::int32_t>(r.u32());
  else ref.delta = static_cast<std::int16_t>(r.u16());
  return ref;
}

template <class Ref>
void write_ref(Writer& w, const Ref& ref) {
  w.u8(static_cast<std::uint8_t>(ref.base));
  if (ref.base == Ref::Base::Raw) w.u32(static_cast<std::uint32_t>(ref.delta));
  else w.u16(static_cast<std::uint16_t>(static_cast<std::int16_t>(ref.delta)));
}

}  // namespace

bool Event::operator==(const Event& o) const {
  if (kind != o.kind) return false;
  switch (kind) {
    case Kind::Segment: return segment == o.segment;
    case Kind::Call: return call == o.call;
    case Kind::Advance: return advance == o.advance;
    default: return true;
  }
}

SessionInput decode(std::span<const std::uint8_t> bytes, std::size_t max_events) {
  Reader r(bytes);
  SessionInput in;
  in.profile = r.u8() % 3;
  in.events.reserve(std::min(max_events, bytes.size() / 4 + 1));
  while (!r.done() && in.events.size() < max_events) {
    Event e;
    e.kind = fold<Event::Kind>(r.u8());
    switch (e.kind) {
      case Event::Kind::Segment: {
        SegmentGen& s = e.segment;
        s.flags = r.u16() & 0x1ff;
        s.seq = read_ref<SeqRef>(r);
        s.ack = read_ref<AckRef>(r);
        s.window = r.u16();
        s.urgent = r.u16();
        s.payload_len = r.u16() % (kMaxPayload + 1);
        s.port = r.u8() % 3;
        const std::size_t n = r.u8() % (kMaxOptions + 1);
        for (std::size_t i = 0; i < n; ++i) s.options.push_back(read_option(r));
        break;
      }
      case Event::Kind::Call: {
        CallGen& c = e.call;
        c.kind = fold<CallKind>(r.u8());
        c.fd = r.u8() % 8;
        c.sub = r.u8();
        c.arg = r.u32();
        // Fold to what each call uses so the encoding stays canonical.
        switch (c.kind) {
          case CallKind::Send:
          case CallKind::Recv: c.arg %= 8193; c.sub = c.kind == CallKind::Recv ? c.sub % 2 : 0; break;
          case CallKind::Listen: c.arg %= 5; c.sub = 0; break;
          case CallKind::Shutdown: c.arg %= 3; c.sub = 0; break;
          case CallKind::SetSockOpt: c.sub %= static_cast<std::uint8_t>(SockOpt::kCount); c.arg %= 1u << 20; break;
          default: c.arg = 0; c.sub = 0; break;
        }
        break;
      }
      case Event::Kind::Advance:
        e.advance.unit = fold<AdvanceGen::Unit>(r.u8());
        e.advance.amount = r.u16();
        if (e.advance.unit == AdvanceGen::Unit::NextTimer) e.advance.amount = 0;
        break;
      default: break;
    }
    in.events.push_back(std::move(e));
  }
  return in;
}

std::vector<std::uint8_t> encode(const SessionInput& in) {
  Writer w;
  w.u8(in.profile);
  for (const Event& e : in.events) {
    w.u8(static_cast<std::uint8_t>(e.kind));
    switch (e.kind) {
      case Event::Kind::Segment: {
        const SegmentGen& s = e.segment;
        w.u16(s.flags);
        write_ref(w, s.seq);
        write_ref(w, s.ack);
        w.u16(s.window);
        w.u16(s.urgent);
        w.u16(s.payload_len);
        w.u8(s.port);
        w.u8(s.options.size());
        for (const auto& o : s.options) write_option(w, o);
        break;
      }
      case Event::Kind::Call:
        w.u8(static_cast<std::uint8_t>(e.call.kind));
        w.u8(e.call.fd);
        w.u8(e.call.sub);
        w.u32(e.call.arg);
        break;
      case Event::Kind::Advance:
        w.u8(static_cast<std::uint8_t>(e.advance.unit));
        w.u16(e.advance.amount);
        break;
      default: break;
    }
  }
  return std::move(w.out);
}

namespace {

const char* seq_base_name(SeqRef::Base b) {
  switch (b) {
    case SeqRef::Base::RcvNxt: return "RCV.NXT";
    case SeqRef::Base::RcvRight: return "RCV.NXT+RCV.WND";
    case SeqRef::Base::Irs: return "IRS";
    default: return "raw";
  }
}

const char* ack_base_name(AckRef::Base b) {
  switch (b) {
    case AckRef::Base::SndUna: return "SND.UNA";
    case AckRef::Base::SndNxt: return "SND.NXT";
    case AckRef::Base::SndMax: return "SND.MAX";
    case AckRef::Base::Iss: return "ISS";
    default: return "raw";
  }
}

const char* call_name(CallKind k) {
  switch (k) {
    case CallKind::Connect: return "connect";
    case CallKind::Listen: return "listen";
    case CallKind::Accept: return "accept";
    case CallKind::Send: return "send";
    case CallKind::Recv: return "recv";
    case CallKind::Shutdown: return "shutdown";
    case CallKind::Close: return "close";
    case CallKind::SetSockOpt: return "setsockopt";
    default: return "?";
  }
}

}  // namespace

std::string describe(const Event& e) {
  std::ostringstream out;
  switch (e.kind) {
    case Event::Kind::Segment: {
      const SegmentGen& s = e.segment;
      out << "segment " << run::script_flags(s.flags) << " seq " << seq_base_name(s.seq.base);
      if (s.seq.base == SeqRef::Base::Raw) out << " " << static_cast<std::uint32_t>(s.seq.delta);
      else out << std::showpos << s.seq.delta << std::noshowpos;
      if (s.flags & net::flag::ACK) {
        out << " ack " << ack_base_name(s.ack.base);
        if (s.ack.base == AckRef::Base::Raw) out << " " << static_cast<std::uint32_t>(s.ack.delta);
        else out << std::showpos << s.ack.delta << std::noshowpos;
      }
      out << " win " << s.window << " len " << s.payload_len;
      if (!s.options.empty()) out << " options " << s.options.size();
      if (s.port) out << (s.port == 1 ? " to listen port" : " to closed port");
      break;
    }
    case Event::Kind::Call:
      out << "call " << call_name(e.call.kind) << " fd#" << int{e.call.fd} << " arg " << e.call.arg;
      break;
    case Event::Kind::Advance: {
      static const char* units[] = {"next timer", "us", "ms", "s", "min"};
      out << "advance ";
      if (e.advance.unit != AdvanceGen::Unit::NextTimer) out << e.advance.amount << " ";
      out << units[static_cast<int>(e.advance.unit)];
      break;
    }
    default: break;
  }
  return out.str();
}

}  // namespace synack::fuzz
