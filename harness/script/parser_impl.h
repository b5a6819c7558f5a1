// The recursive-descent parser behind script::parse. Internal to harness/script; split over
// parser.cpp (file structure, times, options, metadata), parse_packet.cpp and parse_syscall.cpp.
//
// Error handling: every parse_* function returns false after recording the first error with
// fail(); callers return false in turn. Nothing throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/script/ast.h"
#include "harness/script/diagnostic.h"
#include "harness/script/lexer.h"
#include "harness/script/parser.h"

namespace synack::script {

// Brackets, braces and parentheses may nest this deep in an expression.
inline constexpr int kMaxNesting = 64;
// Items in one argument list, [list] or {struct}: far above any real call, and it keeps a huge
// single line from building millions of nodes.
inline constexpr std::size_t kMaxListItems = 4096;

class Parser {
 public:
  Parser(std::string_view text, std::string path);
  ParseResult run();

 private:
  // ---- parser.cpp
  bool parse_script(Script& script);
  bool parse_option_line(Script& script);
  // Where the parts of an event's time column start, for messages about them.
  struct TimePositions {
    SourcePos start, range, blocking;
  };
  bool parse_event(Event& event, TimePositions& at);
  bool parse_event_time(EventTime& time, TimePositions& at);
  bool parse_time_point(TimePoint& point);
  bool check_event(const Event& event, bool first, const TimePositions& at);
  void collect_metadata(Metadata& metadata);

  // ---- parse_packet.cpp
  // A '<'/'>' line: a TCP segment into `packet`, or (after "icmp") an ICMP message into `icmp`.
  bool parse_packet(PacketSpec& packet, std::optional<IcmpSpec>& icmp);
  bool parse_ip_annotation(IpAnnotation& ip);
  bool parse_flags(std::string& flags);
  bool parse_sequence(PacketSpec& packet);
  bool parse_option_list(PacketSpec& packet);
  bool parse_tcp_option(OptionSpec& option);
  bool parse_accecn_option(OptionSpec& option);
  bool parse_optional_hex(std::vector<std::uint8_t>& bytes);

  // ---- parse_icmp.cpp: after "< [ip annotation] icmp"
  bool parse_icmp(IcmpSpec& icmp);
  bool parse_quoted_segment(QuotedSegmentSpec& quoted);

  // ---- parse_inject.cpp
  // Where each event of the script starts and ends (in event order), so that trailing comments
  // can be matched to the event on their line.
  struct EventSpan {
    SourcePos start, end;
  };
  // Reads every "// inject: ..." comment into the PacketSpec of the inbound line it trails.
  bool attach_inject_comments(Script& script);
  bool parse_inject_comment(const LineComment& comment, std::size_t body_offset,
                            const Script& script, InjectOverrides& inject);
  // The index of the event whose line `comment` trails: the last event that starts before it, when
  // the comment is on that event's (last) line; nullopt for a comment on a line of its own.
  std::optional<std::size_t> trailed_event(const LineComment& comment) const;
  // Item values shared by "// inject:" and "// expect:": 1 to 40 octets in hex (an optional 0x
  // prefix), and an address of the documentation ranges or loopback, of the same family as the
  // other address items of the comment (`family_v6`) and as the script's --ip_version.
  bool parse_hex_octets(std::string_view key, std::string_view value, SourcePos value_at,
                        std::vector<std::uint8_t>& octets);
  bool parse_address_value(std::string_view key, std::string_view value, SourcePos value_at,
                           const Script& script, std::optional<bool>& family_v6,
                           std::optional<std::string>& slot);

  // ---- parse_expect.cpp
  // Reads every "// expect: ..." comment that trails an event into the PacketSpec of its outbound
  // line; a comment on a line of its own is prose and stays a comment.
  bool attach_expect_comments(Script& script);
  bool parse_expect_comment(const LineComment& comment, std::size_t body_offset,
                            const Script& script, ExpectChecks& expect);

  // ---- parse_syscall.cpp
  bool parse_syscall(SyscallSpec& call);
  bool parse_expr(ExprPtr& out, int depth);
  bool parse_primary(ExprPtr& out, int depth);
  bool parse_expr_list(char close, std::vector<ExprPtr>& items, int depth);
  bool parse_struct_fields(std::vector<std::pair<std::string, ExprPtr>>& fields, int depth);

  // ---- shared helpers (parser.cpp)
  bool fail(SourcePos at, std::string message);
  // "expected WHAT, found 'X'"; a lexer error token reports its own message instead.
  bool fail_expected(std::string_view what, const Token& found);
  bool fail_expected(std::string_view what) { return fail_expected(what, lex_.peek()); }
  bool expect_punct(char c, std::string_view what);
  // A Number token holding an integer no larger than `max`; `what` names it in messages.
  bool expect_unsigned(std::string_view what, std::uint64_t max, std::uint64_t& value);
  bool unsigned_value(const Token& token, std::string_view what, std::uint64_t max,
                      std::uint64_t& value);

  Lexer lex_;
  std::string path_;
  std::optional<Diagnostic> error_;
  bool in_event_ = false;      // inside an event: "found X on the next line" points at the cut
  Micros previous_time_ = 0;  // nominal time the previous event completed, for ordering checks
  std::vector<EventSpan> event_spans_;  // one per event of the script, in order
};

// AccECN option kinds (RFC 9768): counters in the order e0b, ceb, e1b, or e1b, ceb, e0b.
inline constexpr std::uint8_t kAccEcnOrder0 = 172;
inline constexpr std::uint8_t kAccEcnOrder1 = 174;

// The offset within a comment body of the text after "KEY:" (case-insensitive, blanks allowed
// around the key), or npos when the comment does not start with that key.
std::size_t comment_key_offset(std::string_view body, std::string_view key);
bool is_comment_blank(char c);

// "0x1f" or "31" -> 31. False if the text is not an integer or exceeds 64 bits.
bool parse_integer_literal(std::string_view text, std::uint64_t& value);

// "0", "1.5", "0.000001": seconds as scripts write them (trailing zeros dropped).
std::string seconds_text(Micros usecs);

// Builds the diagnostic for a position in `source` (line text cut around the column if long).
Diagnostic make_diagnostic(std::string_view source, const std::string& path, SourcePos at,
                           std::string message);

}  // namespace synack::script
