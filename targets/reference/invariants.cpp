// The invariant checker: properties every reachable state of the stack must have. Tests and the
// fuzzer call it after every step; an empty list means all hold.
#include <algorithm>
#include <string>

#include "targets/reference/socket.h"
#include "targets/reference/stack.h"

namespace synack::reference {

using net::seq_ge;
using net::seq_gt;
using net::seq_le;
using net::seq_lt;

std::vector<std::string> Stack::check_invariants() const {
  std::vector<std::string> v;
  auto fail = [&](const Tcb& t, const std::string& what) {
    v.push_back(what + " [" + describe(t) + "]");
  };
  for (const auto& p : conns_) {
    const Tcb& t = *p;
    if (t.illegal_transition) fail(t, "a state transition outside RFC 9293 Figure 5 happened");
    if (t.state == State::Closed || t.state == State::Listen) continue;
    if (!seq_le(t.snd_una, t.snd_nxt)) fail(t, "SND.UNA > SND.NXT");
    if (!seq_le(t.snd_nxt, t.snd_max)) fail(t, "SND.NXT > highest sequence number sent");
    if (!seq_le(t.iss, t.snd_una)) fail(t, "SND.UNA < ISS");
    if (t.rtx_active && !(seq_le(t.snd_una, t.rtx_nxt) && seq_le(t.rtx_nxt, t.snd_nxt))) {
      fail(t, "retransmission point outside [SND.UNA, SND.NXT]");
    }
    // Everything sent and unacknowledged is still in the send buffer (or is the SYN/FIN).
    if (t.syn_acked() && !t.fin_acked()) {
      const std::uint32_t data_outstanding = t.snd_max - t.data_seq() - (t.fin_sent() ? 1 : 0);
      if (data_outstanding > t.send_buf.size()) fail(t, "sent data missing from the send buffer");
    }
    if (t.fin_queued && t.fin_seq != t.data_seq() + t.send_buf.size() && !t.fin_acked()) {
      fail(t, "FIN sequence number does not follow the send buffer");
    }
    // Data delivered once and in order: every octet before RCV.NXT was handed over exactly once.
    if (t.state != State::SynSent) {
      const std::uint32_t octets = t.rcv_nxt - t.irs - 1 - (t.fin_received ? 1 : 0);
      if (octets != static_cast<std::uint32_t>(t.bytes_delivered)) {
        fail(t, "RCV.NXT does not match the octets delivered (" + std::to_string(octets) + " vs " +
                    std::to_string(t.bytes_delivered) + ")");
      }
      if (seq_lt(t.rcv_adv, t.rcv_nxt)) fail(t, "advertised right edge behind RCV.NXT");
    }
    if (t.bytes_read + t.recv_buf.size() != t.bytes_delivered) {
      fail(t, "bytes read + bytes buffered != bytes delivered");
    }
    std::uint32_t prev_end = t.rcv_nxt;
    for (const auto& e : t.ooo) {
      if (!seq_gt(e.seq, t.rcv_nxt) || seq_lt(e.seq, prev_end)) {
        fail(t, "out-of-order queue not sorted, overlapping, or not beyond RCV.NXT");
        break;
      }
      prev_end = e.seq + static_cast<std::uint32_t>(e.data.size());
    }
    // State-dependent facts.
    const State s = t.state;
    const bool peer_fin = s == State::CloseWait || s == State::Closing || s == State::LastAck ||
                          s == State::TimeWait;
    if (peer_fin && !t.fin_received) fail(t, "state implies the peer's FIN, none was received");
    const bool our_fin = s == State::FinWait1 || s == State::FinWait2 || s == State::Closing ||
                         s == State::LastAck || s == State::TimeWait;
    if (our_fin && !t.fin_queued) fail(t, "state implies our FIN, none was queued");
    if ((s == State::FinWait2 || s == State::TimeWait) && !t.fin_acked()) {
      fail(t, "state implies our FIN was acknowledged, it was not");
    }
    if (s == State::TimeWait && t.close_at == kNever) fail(t, "TIME-WAIT without its 2 MSL timer");
    // RFC 6298 §5.1: outstanding data keeps the retransmission timer running.
    if (s != State::TimeWait && t.snd_una != t.snd_max && t.rexmt_at == kNever) {
      fail(t, "data outstanding but the retransmission timer is stopped");
    }
    if (t.rto < cfg_.rto_min && t.have_rtt) fail(t, "RTO below the configured minimum");
    if (t.rto > cfg_.rto_max) fail(t, "RTO above the configured maximum");
    if (t.fd >= 0) {
      const Socket* so = sock(t.fd);
      if (!so || so->tcb != &t) fail(t, "descriptor does not point back at its connection");
    }
    // RFC 3168 §6.1.1: no ECN state without negotiation.
    if (!t.ecn_ok && (t.ece_echo || t.cwr_pending)) fail(t, "ECN echo or CWR pending without ECN");
    // TIME-WAIT reuse: a superseded incarnation waits in TIME-WAIT for exactly one connection in
    // SYN-RECEIVED on the same pair, which names it.
    if (t.superseded) {
      bool named = false;
      for (const auto& q : conns_) {
        named |= q->reopened_from == t.id && q->state == State::SynReceived &&
                 q->local == t.local && q->remote == t.remote;
      }
      if (s != State::TimeWait || !named) {
        fail(t, "a superseded connection is not in TIME-WAIT or no new connection names it");
      }
    }
    if (t.reopened_from != 0 && s != State::SynReceived) {
      fail(t, "a connection outside SYN-RECEIVED still holds a TIME-WAIT incarnation aside");
    }
  }
  // No two live connections share a 4-tuple. The index has unique keys; if each entry holds a
  // live connection under that connection's own tuple and there are as many entries as live
  // connections, every live connection is in it and no two of them share a tuple.
  // (A TIME-WAIT incarnation set aside by a reopening SYN is out of the index on purpose.)
  std::size_t live = 0;
  for (const auto& p : conns_) live += p->state != State::Closed && !p->superseded;
  for (const auto& [tuple, t] : by_tuple_) {
    if (t->state == State::Closed || !(tuple == FourTuple{t->local, t->remote})) {
      fail(*t, "the 4-tuple index holds a closed connection or one under another tuple");
    }
  }
  if (live != by_tuple_.size()) {
    v.push_back("the 4-tuple index holds " + std::to_string(by_tuple_.size()) + " entries for " +
                std::to_string(live) + " live connections (two share a 4-tuple?)");
  }
  std::size_t listening = 0;
  for (const auto& s : sockets_) {
    if (!s) continue;
    if (s->kind == Socket::Kind::Listening) {
      ++listening;
      if (!std::binary_search(listening_fds_.begin(), listening_fds_.end(), s->fd)) {
        v.push_back("listener fd " + std::to_string(s->fd) + " missing from the listener list");
      }
      int half_open = 0;
      for (const auto& p : conns_) {
        if (p->listener == s->fd && p->state == State::SynReceived) ++half_open;
      }
      if (half_open != s->half_open) {
        v.push_back("listener fd " + std::to_string(s->fd) + ": SYN queue count " +
                    std::to_string(s->half_open) + ", actual " + std::to_string(half_open));
      }
    }
    for (const Tcb* t : s->accept_queue) {
      if (t->listener != s->fd || !is_synchronized(t->state)) {
        v.push_back("listener fd " + std::to_string(s->fd) +
                    ": accept queue holds a connection that is not its own or not synchronized");
      }
    }
  }
  if (listening != listening_fds_.size()) v.push_back("the listener list holds a stale descriptor");
  return v;
}

}  // namespace synack::reference
