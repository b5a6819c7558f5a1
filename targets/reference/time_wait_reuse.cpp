// A new SYN for a connection in TIME-WAIT (RFC 9293 §3.6.1 MAY-2 and SHLD-4, RFC 1122 §4.2.2.13,
// RFC 6191 §2). TIME-WAIT keeps the pair busy for 2·MSL so that old duplicates die out; a SYN that
// is provably newer than anything of the old incarnation may reopen the pair early, provided
//   (1) the new ISN is larger than the largest sequence number the old incarnation used, and
//   (2) the pair returns to TIME-WAIT if the SYN turns out to be an old duplicate.
// A SYN that does not qualify is processed as any segment in TIME-WAIT (§3.10.7.4): it draws an
// ACK and the connection stays in TIME-WAIT.
#include "targets/reference/options.h"
#include "targets/reference/socket.h"
#include "targets/reference/stack.h"

namespace synack::reference {

using net::seq_gt;
namespace flag = net::flag;

const char* Stack::time_wait_reopen_rule(const Tcb& tcb, const net::Segment& syn) const {
  if (!syn.has(flag::SYN) || syn.has(flag::ACK) || syn.has(flag::RST)) return nullptr;
  // "The last sequence number seen on the previous incarnation": the SYN must lie above RCV.NXT,
  // which covers the peer's FIN.
  const bool newer_seq = seq_gt(syn.seq, tcb.rcv_nxt);
  if (cfg_.time_wait_reuse_rule == TimeWaitReuseRule::Sequence) {
    return newer_seq ? "RFC 1122 4.2.2.13: SYN above the old RCV.NXT reopens the pair from TIME-WAIT"
                     : nullptr;
  }
  // RFC 6191 §2. Timestamps "would be enabled for the new incarnation" when the SYN carries TSopt
  // and this stack agrees to use them.
  const ParsedOptions p = parse_options(syn);
  const bool new_ts = p.timestamp.has_value() && cfg_.timestamps;
  if (tcb.ts_ok) {
    if (new_ts) {
      const auto age = static_cast<std::int32_t>(p.timestamp->first - tcb.ts_recent);
      if (age > 0) return "RFC 6191 2: SYN with a TSval newer than TS.Recent reopens the pair from TIME-WAIT";
      if (age == 0 && newer_seq) {
        return "RFC 6191 2: SYN with TSval = TS.Recent and SEQ above the old RCV.NXT reopens the pair";
      }
      return nullptr;  // an older TSval: PAWS says old duplicate
    }
    return newer_seq ? "RFC 6191 2: SYN without TSopt and SEQ above the old RCV.NXT reopens the pair"
                     : nullptr;
  }
  // The old incarnation did not use timestamps: with timestamps on the new one, PAWS will keep
  // the old incarnation's segments out, so any SYN qualifies; without, the sequence number decides.
  if (new_ts) return "RFC 6191 2: SYN with TSopt (old incarnation had none) reopens the pair";
  return newer_seq ? "RFC 6191 2: SYN above the old RCV.NXT (no timestamps) reopens the pair" : nullptr;
}

void Stack::reopen_time_wait(Tcb& time_wait, Socket& listener, const net::Segment& syn,
                             const char* rule) {
  trace(&time_wait, rule);
  if (cfg_.time_wait_reuse_restore) {
    // Keep the old incarnation aside (alive, its 2·MSL timer running, out of the 4-tuple index)
    // until the new connection leaves SYN-RECEIVED.
    time_wait.superseded = true;
    by_tuple_.erase(FourTuple{time_wait.local, time_wait.remote});
    segment_to_listen(listener, syn, time_wait.snd_max);
    Tcb* fresh = find_connection(syn);
    if (fresh == nullptr) {
      // The listener dropped the SYN (backlog): nothing replaced the old incarnation.
      time_wait.superseded = false;
      index_connection(time_wait);
      trace(&time_wait, "TIME-WAIT reuse: SYN dropped by the listener, the pair stays in TIME-WAIT");
      return;
    }
    fresh->reopened_from = time_wait.id;
    return;
  }
  // Linux, BSD: the TIME-WAIT state is gone as soon as the SYN is taken.
  const std::uint32_t old_snd_max = time_wait.snd_max;
  terminate(time_wait, 0, "RFC 9293 3.6.1: TIME-WAIT connection closed, the new SYN takes its pair");
  segment_to_listen(listener, syn, old_snd_max);
}

void Stack::settle_reopened(Tcb& fresh, bool restore) {
  const std::uint32_t id = fresh.reopened_from;
  fresh.reopened_from = 0;
  Tcb* old = nullptr;
  for (const auto& t : conns_) {
    if (t->id == id && t->superseded && t->state == State::TimeWait) old = t.get();
  }
  if (old == nullptr) return;  // its 2·MSL ran out meanwhile
  old->superseded = false;
  if (restore) {
    index_connection(*old);
    trace(old, "RFC 1122 4.2.2.13 (2): the SYN was an old duplicate, the pair returns to TIME-WAIT");
    return;
  }
  terminate(*old, 0, "RFC 9293 3.6.1: the new connection left SYN-RECEIVED, TIME-WAIT incarnation closed");
}

}  // namespace synack::reference
