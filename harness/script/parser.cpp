// File structure: option lines, init/cleanup commands, events and their time column, metadata
// comments. Packets and system calls are in parse_packet.cpp and parse_syscall.cpp.
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <utility>
#include <vector>

#include "harness/script/parser_impl.h"

namespace synack::script {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }
bool is_symbol_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Times are at most this many seconds, so sums over a whole script cannot overflow Micros.
constexpr std::uint64_t kMaxSeconds = 1'000'000'000;

// Decimal seconds to microseconds, digit by digit (no floating point rounding).
bool parse_seconds(std::string_view text, Micros& usecs, std::string& why) {
  if (text.size() > 1 && (text[1] == 'x' || text[1] == 'X')) {
    why = "a time must be written in decimal seconds";
    return false;
  }
  std::size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (frac.size() > 6) {
    why = "time '" + std::string(text) + "' has more than 6 decimal places (microsecond resolution)";
    return false;
  }
  std::uint64_t seconds = 0;
  for (char c : whole) {
    seconds = seconds * 10 + static_cast<std::uint64_t>(c - '0');
    if (seconds > kMaxSeconds) {
      why = "time '" + std::string(text) + "' is too large";
      return false;
    }
  }
  std::uint64_t micros = 0;
  for (std::size_t i = 0; i < 6; ++i) {
    micros = micros * 10 + (i < frac.size() ? static_cast<std::uint64_t>(frac[i] - '0') : 0);
  }
  usecs = static_cast<Micros>(seconds) * kMicrosPerSecond + static_cast<Micros>(micros);
  return true;
}

// Splits on any of `separators`, dropping empty pieces.
std::vector<std::string> split(std::string_view text, std::string_view separators) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = text.find_first_of(separators, i);
    if (j == std::string_view::npos) j = text.size();
    std::string_view piece = trim(text.substr(i, j - i));
    if (!piece.empty()) out.emplace_back(piece);
    i = j + 1;
  }
  return out;
}

// Where a time point lands, given the time it is relative to.
Micros nominal(const TimePoint& point, Micros relative_to) {
  switch (point.kind) {
    case TimePoint::Kind::Absolute: return point.usecs;
    case TimePoint::Kind::Relative: return relative_to + point.usecs;
    case TimePoint::Kind::Any: return relative_to;
  }
  return relative_to;
}

}  // namespace

bool parse_integer_literal(std::string_view text, std::uint64_t& value) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return false;
  std::uint64_t v = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return false;
    if (v > (std::numeric_limits<std::uint64_t>::max() - static_cast<std::uint64_t>(d)) /
                static_cast<std::uint64_t>(base)) {
      return false;
    }
    v = v * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
  }
  value = v;
  return true;
}

Parser::Parser(std::string_view text, std::string path) : lex_(text), path_(std::move(path)) {}

ParseResult Parser::run() {
  ParseResult result;
  SourcePos bad;
  std::string message;
  if (find_invalid_byte(lex_.source(), bad, message)) {
    result.diagnostics.push_back(make_diagnostic(lex_.source(), path_, bad, std::move(message)));
    return result;
  }
  Script script;
  script.path = path_;
  if (parse_script(script)) {
    result.script = std::move(script);
  } else {
    result.diagnostics.push_back(std::move(*error_));
  }
  return result;
}

bool Parser::parse_script(Script& script) {
  std::optional<SourcePos> timeless_command_after_event;
  while (true) {
    const Token& token = lex_.peek();
    if (token.kind == TokenKind::End) break;
    if (token.is('-')) {
      if (!script.events.empty()) {
        return fail(token.pos, "option line after the first event (options go at the top)");
      }
      if (!parse_option_line(script)) return false;
    } else if (token.kind == TokenKind::Backtick) {
      Token command = lex_.next();
      if (script.events.empty()) {
        script.init_commands.push_back({command.value});
      } else {
        if (!timeless_command_after_event) timeless_command_after_event = command.pos;
        script.cleanup_commands.push_back({command.value});
      }
    } else if (token.kind == TokenKind::Number || token.is('+') || token.is('*')) {
      if (timeless_command_after_event) {
        return fail(*timeless_command_after_event,
                    "shell command without a time between events (only commands before the first "
                    "event or after the last may omit the time)");
      }
      Event event;
      TimePositions at;
      in_event_ = true;
      if (!parse_event(event, at)) return false;
      event_spans_.push_back({at.start, lex_.last_end()});
      in_event_ = false;
      if (!check_event(event, script.events.empty(), at)) return false;
      script.events.push_back(std::move(event));
    } else if (token.kind == TokenKind::Code) {
      return fail(token.pos, "a %{ }% block needs a time before it");
    } else {
      return fail_expected("an event time, an option line or a shell command", token);
    }
  }
  if (script.events.empty()) return fail(SourcePos{}, "script has no events");
  if (!attach_inject_comments(script)) return false;
  if (!attach_expect_comments(script)) return false;
  collect_metadata(script.metadata);
  return !error_;  // a bad '// probe:' line
}

// "--name=value", "--flag", "-D SYMBOL=value", "--define=SYMBOL=value". The value runs to the end
// of the line (a trailing // comment and surrounding blanks removed).
bool Parser::parse_option_line(Script& script) {
  SourcePos start = lex_.skip_to_next_token();
  std::string_view line = lex_.take_line();
  if (std::size_t comment = line.find("//"); comment != std::string_view::npos) {
    line = line.substr(0, comment);
  }
  line = trim(line);
  auto add_define = [&](std::string_view definition) {
    std::size_t eq = definition.find('=');
    std::string_view symbol = trim(definition.substr(0, eq));
    std::string_view value = eq == std::string_view::npos ? "" : trim(definition.substr(eq + 1));
    bool valid = !symbol.empty();
    for (char c : symbol) valid = valid && is_symbol_char(c);
    if (!valid) {
      return fail(start, "expected SYMBOL=value after -D/--define, found '" +
                             std::string(definition) + "'");
    }
    script.defines[std::string(symbol)] = std::string(value);
    return true;
  };
  if (line.starts_with("--")) {
    std::string_view body = line.substr(2);
    std::size_t eq = body.find('=');
    std::string_view name = body.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : trim(body.substr(eq + 1));
    bool valid = !name.empty();
    for (char c : name) valid = valid && is_name_char(c);
    if (!valid) {
      return fail(start, "expected an option '--name=value', found '" + std::string(line) + "'");
    }
    if (name == "define") return add_define(value);
    script.options.push_back({std::string(name), std::string(value), start.loc()});
    return true;
  }
  if (line.starts_with("-D")) return add_define(trim(line.substr(2)));
  return fail(start, "expected an option '--name=value' or '-D SYMBOL=value', found '" +
                         std::string(line) + "'");
}

bool Parser::parse_event(Event& event, TimePositions& at) {
  at.start = lex_.peek().pos;
  event.loc = at.start.loc();
  if (!parse_event_time(event.time, at)) return false;
  const Token& token = lex_.peek();
  if (token.is('<') || token.is('>')) {
    PacketSpec packet;
    std::optional<IcmpSpec> icmp;
    if (!parse_packet(packet, icmp)) return false;
    if (icmp) {
      event.body = std::move(*icmp);
    } else {
      event.body = std::move(packet);
    }
  } else if (token.kind == TokenKind::Identifier) {
    SyscallSpec call;
    if (!parse_syscall(call)) return false;
    event.body = std::move(call);
  } else if (token.kind == TokenKind::Backtick) {
    event.body = CommandSpec{lex_.next().value};
  } else if (token.kind == TokenKind::Code) {
    event.body = AssertSpec{lex_.next().value};
  } else {
    return fail_expected("a packet ('<' or '>'), a system call, a shell command or %{ }% after the time",
                         token);
  }
  return true;
}

// The end of a range or blocking time shares the start's base: after a relative start, an end
// written without '+' is relative to the previous event too, as packetdrill reads
// "+.01...0.020" (returns 20 ms after the previous event). The AST stores it as Relative, so
// Absolute always means "since the script started".
bool Parser::parse_event_time(EventTime& time, TimePositions& at) {
  if (!parse_time_point(time.start)) return false;
  auto same_base = [&](TimePoint end) {
    if (time.start.kind == TimePoint::Kind::Relative && end.kind == TimePoint::Kind::Absolute) {
      end.kind = TimePoint::Kind::Relative;
    }
    return end;
  };
  const Token& token = lex_.peek();
  if (token.is('~')) {
    at.range = token.pos;
    lex_.next();
    TimePoint end;
    if (!parse_time_point(end)) return false;
    if (time.start.kind == TimePoint::Kind::Any || end.kind == TimePoint::Kind::Any) {
      return fail(at.range, "'*' cannot be part of a time range");
    }
    time.range_end = same_base(end);
  } else if (token.kind == TokenKind::Ellipsis) {
    at.blocking = token.pos;
    lex_.next();
    TimePoint end;
    if (!parse_time_point(end)) return false;
    if (time.start.kind == TimePoint::Kind::Any || end.kind == TimePoint::Kind::Any) {
      return fail(at.blocking, "'*' cannot be part of a blocking time 't1...t2'");
    }
    time.blocking_end = same_base(end);
  }
  return true;
}

bool Parser::parse_time_point(TimePoint& point) {
  if (lex_.peek().is('*')) {
    lex_.next();
    point = {TimePoint::Kind::Any, 0};
    return true;
  }
  bool relative = false;
  if (lex_.peek().is('+')) {
    lex_.next();
    relative = true;
  }
  const Token& number = lex_.peek();
  if (number.kind != TokenKind::Number) {
    return fail_expected(relative ? "a number of seconds after '+'" : "a time", number);
  }
  std::string why;
  Micros usecs = 0;
  if (!parse_seconds(number.text, usecs, why)) return fail(number.pos, why);
  lex_.next();
  point = {relative ? TimePoint::Kind::Relative : TimePoint::Kind::Absolute, usecs};
  return true;
}

bool Parser::check_event(const Event& event, bool first, const TimePositions& at) {
  const EventTime& time = event.time;
  const auto* packet = std::get_if<PacketSpec>(&event.body);
  bool outbound = packet && packet->direction == Direction::Outbound;
  bool syscall = std::holds_alternative<SyscallSpec>(event.body);
  if (time.start.kind == TimePoint::Kind::Any && !outbound) {
    return fail(at.start, "'*' (any time) is only allowed on outbound packets ('>')");
  }
  if (time.range_end && !outbound) {
    return fail(at.range, "a time range 'a~b' is only allowed on outbound packets ('>')");
  }
  if (time.blocking_end && !syscall) {
    return fail(at.blocking, "a blocking time 't1...t2' is only allowed on system calls");
  }
  if (first && (time.start.kind == TimePoint::Kind::Any || time.start.usecs != 0)) {
    return fail(at.start, "the first event must be at time 0 ('0' or '+0'), found '" +
                              print_time(EventTime{time.start, {}, {}}) + "'");
  }
  Micros start = nominal(time.start, previous_time_);
  if (time.start.kind == TimePoint::Kind::Absolute && start < previous_time_) {
    return fail(at.start, "time goes backwards: " + seconds_text(start) +
                              " is before the previous event at " + seconds_text(previous_time_));
  }
  if (time.range_end && nominal(*time.range_end, previous_time_) < start) {
    return fail(at.range, "time range ends before it starts");
  }
  if (time.blocking_end && nominal(*time.blocking_end, previous_time_) < start) {
    return fail(at.blocking, "blocking call returns before it starts");
  }
  // Events after a blocking call happen while it is blocked: they follow its start, not its end.
  previous_time_ = start;
  return true;
}

// "// requirement: MUST-13 SHLD-5", "// rfc: 9293 3.10.7.4; 5961 3.2", "// targets: reference
// kernel", "// title: text". Other comments are ignored.
namespace {

// The probes harness/run implements (harness/run/probe.h) and the parameters each accepts, all
// unsigned integers within [min, max].
struct ProbeParam {
  std::string_view name;
  std::uint64_t min, max;
};
struct ProbeKind {
  std::string_view name;
  std::vector<ProbeParam> params;
};
const std::vector<ProbeKind>& known_probes() {
  static const std::vector<ProbeKind> probes = {
      {"isn", {{"samples", 1600, 40000}, {"gap_usecs", 20, 100000}}},
  };
  return probes;
}

// "isn samples=2000 gap_usecs=200" -> metadata.probe, metadata.probe_params. On error: the offset
// within `text` of the offending word, and the message.
std::optional<std::pair<std::size_t, std::string>> parse_probe_line(std::string_view text,
                                                                      Metadata& metadata) {
  std::vector<std::pair<std::size_t, std::string_view>> words;  // offset in text, word
  for (std::size_t i = 0; i < text.size();) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    words.emplace_back(i, text.substr(i, j - i));
    i = j;
  }
  std::string names;
  for (const ProbeKind& p : known_probes()) names += (names.empty() ? "'" : ", '") + std::string(p.name) + "'";
  if (words.empty()) return std::pair{std::size_t{0}, "expected a probe name after 'probe:' (one of " + names + ")"};
  const ProbeKind* kind = nullptr;
  for (const ProbeKind& p : known_probes()) if (p.name == words[0].second) kind = &p;
  if (!kind) {
    return std::pair{words[0].first, "unknown probe '" + std::string(words[0].second) + "' (known: " + names + ")"};
  }
  std::map<std::string, std::string> params;
  for (std::size_t w = 1; w < words.size(); ++w) {
    const auto [at, word] = words[w];
    std::string accepted;
    for (const ProbeParam& p : kind->params) accepted += (accepted.empty() ? "" : ", ") + std::string(p.name);
    const std::size_t eq = word.find('=');
    if (eq == std::string_view::npos) {
      return std::pair{at, "expected NAME=VALUE after the probe name, found '" + std::string(word) + "'"};
    }
    const std::string name(word.substr(0, eq));
    const std::string_view value = word.substr(eq + 1);
    const ProbeParam* param = nullptr;
    for (const ProbeParam& p : kind->params) if (p.name == name) param = &p;
    if (!param) {
      return std::pair{at, "unknown parameter '" + name + "' of probe '" + std::string(kind->name) +
                               "' (accepted: " + accepted + ")"};
    }
    if (params.count(name)) return std::pair{at, "parameter '" + name + "' given twice"};
    std::uint64_t number = 0;
    bool ok = !value.empty() && value.size() <= 9;
    for (char c : value) {
      ok = ok && c >= '0' && c <= '9';
      if (ok) number = number * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!ok || number < param->min || number > param->max) {
      return std::pair{at + eq + 1, name + " must be an integer from " + std::to_string(param->min) + " to " +
                                        std::to_string(param->max) + ", found '" + std::string(value) + "'"};
    }
    params[name] = std::string(value);
  }
  metadata.probe = std::string(kind->name);
  metadata.probe_params = std::move(params);
  return std::nullopt;
}

}  // namespace

void Parser::collect_metadata(Metadata& metadata) {
  for (const LineComment& comment : lex_.line_comments()) {
    std::string_view body = trim(comment.body);
    std::size_t colon = body.find(':');
    if (colon == std::string_view::npos) continue;
    std::string key(trim(body.substr(0, colon)));
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = trim(body.substr(colon + 1));
    auto append = [](std::vector<std::string>& to, std::vector<std::string> items) {
      to.insert(to.end(), items.begin(), items.end());
    };
    if (key == "requirement" || key == "requirements") {
      append(metadata.requirements, split(value, " \t\r\f\v,"));
    } else if (key == "rfc") {
      append(metadata.rfc_refs, split(value, ";"));
    } else if (key == "targets" || key == "target") {
      append(metadata.targets, split(value, " \t\r\f\v,"));
    } else if (key == "title") {
      metadata.title = std::string(value);
    } else if (key == "probe") {
      SourcePos at = comment.pos;
      if (!metadata.probe.empty()) {
        fail(at, "only one '// probe:' line per script");
        return;
      }
      if (auto bad = parse_probe_line(value, metadata)) {
        at.offset = static_cast<std::size_t>(value.data() - lex_.source().data()) + bad->first;
        fail(at, std::move(bad->second));
        return;
      }
      metadata.probe_loc = comment.pos.loc();
    }
  }
}

// ---- helpers

bool Parser::fail(SourcePos at, std::string message) {
  if (!error_) error_ = make_diagnostic(lex_.source(), path_, at, std::move(message));
  return false;
}

bool Parser::fail_expected(std::string_view what, const Token& found) {
  if (found.kind == TokenKind::Error) return fail(found.pos, found.value);
  std::string message = "expected " + std::string(what) + ", found " + describe(found);
  if (found.kind == TokenKind::End) return fail(lex_.last_end(), message);
  SourcePos last = lex_.last_end();
  if (in_event_ && found.pos.line > last.line) {
    // An event cut short at the end of its line: point there, not at the next line's start.
    message += found.pos.line == last.line + 1 ? " on the next line"
                                               : " on line " + std::to_string(found.pos.line);
    return fail(last, message);
  }
  return fail(found.pos, message);
}

bool Parser::expect_punct(char c, std::string_view what) {
  if (!lex_.peek().is(c)) return fail_expected(what);
  lex_.next();
  return true;
}

bool Parser::unsigned_value(const Token& token, std::string_view what, std::uint64_t max,
                            std::uint64_t& value) {
  if (token.kind != TokenKind::Number) return fail_expected(what, token);
  if (!parse_integer_literal(token.text, value)) {
    return fail(token.pos, std::string(what) + " must be an integer, found " + describe(token));
  }
  if (value > max) {
    return fail(token.pos, std::string(what) + " " + std::string(token.text) +
                               " is out of range (at most " + std::to_string(max) + ")");
  }
  return true;
}

bool Parser::expect_unsigned(std::string_view what, std::uint64_t max, std::uint64_t& value) {
  if (!unsigned_value(lex_.peek(), what, max, value)) return false;
  lex_.next();
  return true;
}

// ---- public entry points

ParseResult parse(std::string_view text, std::string path) {
  Parser parser(text, std::move(path));
  return parser.run();
}

ParseResult parse_file(const std::string& path) {
  std::string contents;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  bool failed = file == nullptr;
  int error = errno;
  if (file) {
    char buffer[65536];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) contents.append(buffer, n);
    failed = std::ferror(file) != 0;  // e.g. EISDIR for a directory
    error = errno;
    std::fclose(file);
  }
  if (failed) {
    ParseResult result;
    Diagnostic d;
    d.path = path;
    d.message = "cannot read the script: " + std::string(std::strerror(error));
    result.diagnostics.push_back(std::move(d));
    return result;
  }
  return parse(contents, path);
}

}  // namespace synack::script
