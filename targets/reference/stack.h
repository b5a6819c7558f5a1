// Stack: the reference RFC 9293 TCP implementation. In-process, single-threaded, on virtual time.
//
// The stack owns sockets (small integers, allocated lowest-free from 3 like Linux descriptors)
// and connections (Tcb). Input comes from three places: segments (`segment_arrives`), the clock
// (`advance_to`), and the socket API. Output is the list of segments it sent (`take_output`).
// Socket calls never block: they return a value >= 0 or a negative Linux errno (-EAGAIN,
// -EINPROGRESS, ...), as the kernel does internally; the Target adapter emulates blocking.
#pragma once

#include <cerrno>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "harness/common/time.h"
#include "harness/net/icmp.h"
#include "harness/net/segment.h"
#include "targets/reference/config.h"
#include "targets/reference/tcb.h"

namespace synack::reference {

// A segment the stack sent, with the time it left.
struct Emitted {
  Micros time = 0;
  net::Segment segment;
};

// A trace line: which rule of which section the stack applied to which connection.
struct TraceEvent {
  Micros time = 0;
  std::uint32_t conn = 0;   // Tcb::id, 0 when no connection is involved
  State state = State::Closed;  // the connection's state after the rule was applied
  std::string_view rule;    // e.g. "3.10.7.4 first: unacceptable segment, send ACK"
};
using TraceSink = std::function<void(const TraceEvent&)>;

// The part of an arriving segment still to be processed: RFC 9293 §3.10.7.4 trims a segment to
// the receive window (the "idealized segment") before the later steps look at it.
struct SegView {
  const net::Segment& seg;
  std::uint32_t seq = 0;                // sequence number of the first octet in view (SYN counts)
  std::span<const std::uint8_t> data;   // payload still in view
  bool syn = false;
  bool fin = false;
  bool filled_hole = false;             // the text filled a hole before queued out-of-order data
  std::uint32_t len() const {
    return static_cast<std::uint32_t>(data.size()) + (syn ? 1 : 0) + (fin ? 1 : 0);
  }
};

// What TCP_INFO reports, in Linux's field names.
struct TcpInfo {
  std::vector<std::pair<const char*, std::int64_t>> fields;
};

// receive.cpp (delack_due_acks_now): Linux's ACK check (tcp_ack_snd_check) for a segment that got
// past the ACK step; true if it sends the pending delayed ACK now (tcp_send_delayed_ack).
bool linux_ack_check_sends_delayed_ack(Tcb& tcb, const StackConfig& cfg, Micros now, const net::Segment& seg);

class Stack {
 public:
  // `local_addresses`: the addresses this host answers on (one per IP version is typical).
  Stack(StackConfig config, std::vector<net::IpAddress> local_addresses);
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  const StackConfig& config() const { return cfg_; }

  // ---- Time ----
  Micros now() const { return now_; }
  // Earliest pending timer of any connection, kNever if none.
  Micros next_timer() const;
  // Moves the clock to `t` (>= now()), firing every timer due on the way, each at its own time.
  void advance_to(Micros t);

  // ---- Network ----
  // A segment arrives from the network at now().
  void segment_arrives(const net::Segment& seg);
  // An ICMP or ICMPv6 error arrives at now() (icmp_arrival.cpp: RFC 9293 §3.9.2.2).
  void icmp_arrives(const net::IcmpMessage& icmp);
  // Segments sent since the last call, oldest first.
  std::vector<Emitted> take_output();
  bool has_output() const { return !out_.empty(); }

  // ---- Socket API (Linux semantics; results >= 0 or -errno) ----
  int socket(int domain, int type, int protocol);
  int bind(int fd, const net::IpAddress& addr, std::uint16_t port);
  int listen(int fd, int backlog);
  int accept(int fd, Endpoint* peer = nullptr);
  int connect(int fd, const net::IpAddress& addr, std::uint16_t port);
  // Result of a connect in progress: 0 connected, -EINPROGRESS still going, -errno failed.
  int connect_status(int fd) const;
  std::int64_t read(int fd, std::size_t length, int msg_flags, std::vector<std::uint8_t>& out);
  std::int64_t write(int fd, std::span<const std::uint8_t> data, int msg_flags);
  // sendto() with a destination. On a listening socket this is RFC 9293 §3.10.2's SEND in LISTEN
  // (send_on_listen_opens): the connection turns active, a SYN goes out, the data is queued for
  // ESTABLISHED. Elsewhere the address is ignored and it is write(), as on Linux.
  std::int64_t send_to(int fd, std::span<const std::uint8_t> data, int msg_flags,
                       const net::IpAddress& addr, std::uint16_t port);
  int close(int fd);
  int shutdown(int fd, int how);
  int setsockopt(int fd, int level, int optname, std::int64_t value, std::int64_t linger_s = 0);
  // setsockopt(IPPROTO_IP, IP_OPTIONS): a source route for the socket's segments (source_route.cpp).
  int set_ip_options(int fd, std::span<const std::uint8_t> options);
  // Integer options; SO_LINGER puts l_onoff in `value` and l_linger in `linger_s`.
  int getsockopt(int fd, int level, int optname, std::int64_t& value, std::int64_t* linger_s);
  int tcp_info(int fd, TcpInfo& info) const;
  int fcntl(int fd, int cmd, std::int64_t arg);
  // Ready events for poll() on one descriptor (POLLIN, POLLOUT, POLLERR, POLLHUP, POLLRDHUP).
  int poll_events(int fd, short events) const;
  bool is_nonblocking(int fd) const;
  bool is_open(int fd) const;

  // ---- Introspection (tests, fuzzer, TCP_INFO) ----
  // The connection behind a descriptor (nullptr for none or a listener).
  const Tcb* connection(int fd) const;
  // Every live connection, including orphans and queued ones.
  std::vector<const Tcb*> connections() const;
  // Violated invariants, one line each; empty when all hold.
  std::vector<std::string> check_invariants() const;
  void set_trace(TraceSink sink) { trace_ = std::move(sink); }

 private:
  struct Socket;

  // segment_arrival.cpp: RFC 9293 §3.10.7, one function per step. The check_* functions return
  // false when the segment has been dealt with (dropped, answered) and processing stops.
  void segment_to_closed(const net::Segment& seg);
  // `old_snd_max`: when the SYN reopens a pair from TIME-WAIT, one past the largest sequence
  // number the old incarnation used; the new ISN must lie above it (RFC 1122 §4.2.2.13 (1)).
  void segment_to_listen(Socket& listener, const net::Segment& seg,
                         std::optional<std::uint32_t> old_snd_max = std::nullopt);
  void segment_to_syn_sent(Tcb& tcb, const net::Segment& seg);
  void segment_to_synchronized(Tcb& tcb, const net::Segment& seg);
  bool check_paws(Tcb& tcb, SegView& seg);
  bool check_sequence(Tcb& tcb, SegView& seg);
  void trim_to_window(Tcb& tcb, SegView& seg);
  bool check_rst(Tcb& tcb, SegView& seg);
  bool check_syn(Tcb& tcb, SegView& seg);
  bool check_ack(Tcb& tcb, SegView& seg);
  void update_timestamps(Tcb& tcb, const SegView& seg);
  void send_challenge_ack(Tcb& tcb, std::string_view rule);
  void send_out_of_window_ack(Tcb& tcb, const SegView& seg, std::string_view rule);
  void enter_time_wait(Tcb& tcb);
  bool complete_passive_open(Tcb& tcb);
  void negotiate_options(Tcb& tcb, const net::Segment& syn);
  void process_ecn(Tcb& tcb, const SegView& seg);

  // source_route.cpp: IPv4 source routes (RFC 9293 §3.9.2.1, RFC 1122 §4.2.3.8).
  // The IP layer's verdict on a datagram's source route option: false when it is dropped.
  bool source_route_admits(const net::Segment& seg) const;
  void save_return_route(Tcb& tcb, const net::Segment& syn);      // MUST-53, passive open
  void update_return_route(Tcb& tcb, const net::Segment& seg);    // SHLD-24, later segments
  void route_segment(const Tcb& tcb, net::Segment& seg) const;    // every segment sent

  // time_wait_reuse.cpp: a new SYN for a pair in TIME-WAIT (RFC 9293 §3.6.1, RFC 6191).
  // The rule that lets `syn` reopen the pair, or nullptr if it does not qualify.
  const char* time_wait_reopen_rule(const Tcb& tcb, const net::Segment& syn) const;
  // Takes `syn` to `listener` as a new connection on the pair of `time_wait`.
  void reopen_time_wait(Tcb& time_wait, Socket& listener, const net::Segment& syn, const char* rule);
  // A connection that reopened a TIME-WAIT pair leaves SYN-RECEIVED: the old incarnation returns
  // to TIME-WAIT (`restore`, RFC 1122 §4.2.2.13 (2)) or is closed for good.
  void settle_reopened(Tcb& fresh, bool restore);

  // icmp_arrival.cpp: what an ICMP error does to the connection it quotes.
  void icmp_soft_error(Tcb& tcb, int err, const char* rule);
  void icmp_hard_error(Tcb& tcb, int err, const char* rule);
  void icmp_packet_too_big(Tcb& tcb, std::uint32_t mtu, bool ipv6);
  void icmp_rto_revert(Tcb& tcb);
  // The error a connection that times out reports: the last soft ICMP error (now reported, so
  // forgotten), else ETIMEDOUT (RFC 1122 §4.2.3.9 DISCUSSION; Linux's tcp_write_err).
  static int timeout_error(Tcb& tcb) {
    const int err = tcb.soft_error ? tcb.soft_error : ETIMEDOUT;
    tcb.soft_error = 0;
    return err;
  }

  // receive.cpp: the sixth to eighth steps.
  void process_urg(Tcb& tcb, SegView& seg);
  void process_text(Tcb& tcb, SegView& seg);
  void check_fin(Tcb& tcb, SegView& seg);

  // acknowledgment.cpp: the send side's reaction to acceptable ACKs.
  // `grow_cwnd` false: the ACK carried ECE, so the congestion window does not grow on it.
  void acknowledge(Tcb& tcb, std::uint32_t ack, bool grow_cwnd = true);
  void take_rtt_sample(Tcb& tcb, std::uint32_t ack);
  void update_rto(Tcb& tcb, Micros sample);
  void handle_duplicate_ack(Tcb& tcb);
  // RFC 3168 §6.1.2: an ACK with ECE; reduces the window at most once per window of data.
  void on_ecn_echo(Tcb& tcb, std::uint32_t ack);
  // Any window reduction (ECE, fast retransmit, timeout) on an ECN connection: the next new data
  // segment carries CWR, and ECEs for data sent before now are not acted on again.
  void note_window_reduction(Tcb& tcb);
  // Called by send_one for every data or FIN segment it sends, [seq, end): the ACK processing keeps
  // what it needs of the segment boundaries as sent (partial_segment_ack_keeps_timer).
  void note_segment_sent(Tcb& tcb, std::uint32_t seq, std::uint32_t end, bool retransmission);

  // output.cpp: building and sending segments.
  net::Segment make_segment(const Tcb& tcb, std::uint32_t seq, std::uint16_t flags) const;
  void add_syn_options(const Tcb& tcb, net::Segment& seg, bool syn_ack) const;
  void add_data_options(const Tcb& tcb, net::Segment& seg) const;
  std::uint16_t advertised_window(Tcb& tcb, bool syn);
  void emit(Tcb& tcb, net::Segment seg);
  void emit_raw(net::Segment seg);
  void send_syn(Tcb& tcb);
  void send_ack(Tcb& tcb);
  void send_rst(Tcb& tcb);
  void send_reset_for(const net::Segment& seg);  // §3.10.7.1 reset generation
  // Sends what the windows and Nagle allow; then the pending ACK if nothing carried it.
  void output(Tcb& tcb);
  // `window_probe`: a zero-window probe, which is never ECN-capable (RFC 3168 §6.1.6).
  // `burst_end`: the last segment of a Linux GSO burst (push_chunk_segments): PSH.
  bool send_one(Tcb& tcb, std::uint32_t seq, std::uint32_t max_len, bool retransmission,
                bool window_probe = false, bool burst_end = false);
  // psh_at_write_end: a write moved the end of the send buffer from `end_before` to `end_after`.
  void mark_push(Tcb& tcb, std::uint32_t end_before, std::uint32_t end_after);
  // A push mark lies in (seq, end]: the segment reaches the end of a write.
  bool covers_push_mark(const Tcb& tcb, std::uint32_t seq, std::uint32_t end) const;
  // sender_sws_minshall_only: Linux would not send a window-limited piece shorter than the MSS.
  bool linux_holds_window_split(const Tcb& tcb, std::uint32_t pass_start, std::uint32_t flight) const;
  // SEQ of our ACKs and abort RSTs: SND.NXT, or Linux's tcp_acceptable_seq (rst_acceptable_seq).
  std::uint32_t acceptable_seq(const Tcb& tcb) const;
  void retransmit_first(Tcb& tcb);
  std::uint32_t effective_window(const Tcb& tcb) const;

  // timers.cpp
  void fire_timers(Tcb& tcb);
  void on_retransmission_timeout(Tcb& tcb);
  void on_persist_timeout(Tcb& tcb);
  void on_keepalive_timeout(Tcb& tcb);
  void arm_keepalive(Tcb& tcb);
  Micros tcb_next_timer(const Tcb& tcb) const;

  // socket_api.cpp helpers
  Socket* sock(int fd);
  const Socket* sock(int fd) const;
  int alloc_fd();
  std::uint16_t ephemeral_port(const net::IpAddress& remote_addr, std::uint16_t remote_port);
  bool port_in_use(std::uint16_t port, const net::IpAddress& addr, bool reuse) const;
  void close_listener(Socket& s);
  // Appends written bytes to the send buffer (with a push mark under psh_at_write_end).
  void append_written(Tcb& tcb, std::span<const std::uint8_t> data);
  // failed_connect_unbinds: the port connect() picked goes back once the connection is CLOSED.
  bool port_released_on_close(const Tcb& tcb) const;
  bool port_released(const Socket& s) const;  // ... and it has gone back
  // time_wait_fd_reports_close: the descriptor of a connection in TIME-WAIT sees CLOSE.
  bool fd_sees_closed(const Tcb* tcb) const;
  // reset_keeps_accept_queue: failed connections still queued on listener `fd`.
  std::size_t dead_children(int fd) const;
  void apply_options(Tcb& tcb, const Socket& s);

  // stack.cpp: connection lifecycle.
  Tcb& new_tcb();
  void set_state(Tcb& tcb, State next, const char* rule);
  // Enters CLOSED and records `err` for the user; the Tcb is freed once nothing refers to it.
  void terminate(Tcb& tcb, int err, const char* rule);
  // Frees CLOSED connections nothing refers to; cheap unless one was closed or released since.
  void sweep();
  // Makes a connection whose 4-tuple was just set findable by find_connection.
  void index_connection(Tcb& tcb);
  Tcb* find_connection(const net::Segment& seg);
  Socket* find_listener(const net::Segment& seg);
  bool is_local(const net::IpAddress& a) const;
  // RFC 9293 §3.9.2.3, RFC 1122 §4.2.3.10: a broadcast (limited, or the subnet broadcast of one of
  // our IPv4 addresses) or multicast address, which a connection can never have at either end.
  bool is_broadcast_or_multicast(const net::IpAddress& a) const;
  // RFC 1122 §3.2.1.3: what a segment's source may not be: broadcast, multicast, or "this
  // network" (0.0.0.0/8 and ::).
  bool is_invalid_source(const net::IpAddress& a) const;
  std::uint32_t choose_isn(const Endpoint& local, const Endpoint& remote) const;
  std::uint32_t ts_now(const Tcb& tcb) const;
  void trace(const Tcb* tcb, std::string_view rule) const {
    if (trace_) trace_event(tcb, rule);
  }
  void trace_event(const Tcb* tcb, std::string_view rule) const;

  StackConfig cfg_;
  std::vector<net::IpAddress> local_;
  Micros now_ = 0;
  std::vector<std::unique_ptr<Tcb>> conns_;       // every live connection
  // The demultiplexing index: every connection not in CLOSED, by 4-tuple (at most one each).
  struct FourTuple {
    Endpoint local;
    Endpoint remote;
    bool operator==(const FourTuple&) const = default;
  };
  struct FourTupleHash {
    std::size_t operator()(const FourTuple& t) const noexcept;
  };
  std::unordered_map<FourTuple, Tcb*, FourTupleHash> by_tuple_;
  bool sweep_pending_ = false;  // a connection entered CLOSED or lost its descriptor
  std::vector<std::unique_ptr<Socket>> sockets_;  // indexed by fd; null = free
  std::size_t fd_hint_ = 3;     // every descriptor in [3, fd_hint_) is in use
  std::vector<int> listening_fds_;  // the descriptors in Kind::Listening, ascending
  std::vector<Emitted> out_;
  // reset_keeps_accept_queue: connections that failed (CLOSED) while in a listener's accept
  // queue, in queue order per listener; `ahead` counts the live queued connections before each.
  struct DeadChild {
    int listener = -1;
    Tcb* tcb = nullptr;
    std::size_t ahead = 0;
  };
  std::vector<DeadChild> dead_children_;
  // shutdown_in_syn_sent_disconnects: the error (Linux sk_err, ECONNRESET from tcp_disconnect)
  // of a connection attempt deleted under a still-open, now unconnected descriptor; reported
  // once by the next call that reads sk_err (send, recv, SO_ERROR), cleared by connect().
  std::unordered_map<int, int> unconnected_error_;
  // connect_reports_failure: descriptors whose failed active open bind() detached before a
  // connect() reported it (Linux sock->state still SS_CONNECTING).
  std::unordered_map<int, bool> connect_unreported_;
  int take_unconnected_error(int fd);
  TraceSink trace_;
  std::uint32_t next_id_ = 1;
  std::uint16_t next_port_ = 0;
  // RFC 5961 §7: challenge ACKs sent in the current one-second window, stack-wide.
  Micros challenge_window_start_ = 0;
  int challenge_count_ = 0;
};

}  // namespace synack::reference
