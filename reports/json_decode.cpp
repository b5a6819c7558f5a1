// Reading run results back from JSON (schema: reports/SCHEMA.md). Every problem is reported with
// the JSON path of the offending value; unknown members are ignored (additive schema changes).
#include <arpa/inet.h>

#include <limits>

#include "reports/json_codec.h"

namespace synack::reports::json_codec {
namespace {

constexpr std::int64_t kMaxU8 = 0xff;
constexpr std::int64_t kMaxU16 = 0xffff;
constexpr std::int64_t kMaxU32 = 0xffffffff;
constexpr std::int64_t kMaxInt = std::numeric_limits<int>::max();
constexpr std::int64_t kMinInt = std::numeric_limits<int>::min();
constexpr std::int64_t kMaxI64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinI64 = std::numeric_limits<std::int64_t>::min();

// What a value is, for "found ..." in messages: scalars as written (shortened), containers by kind.
std::string describe(const Json& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  std::string text = dump(value, -1);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::vector<std::uint8_t>> parse_hex(const std::string& text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = hex_digit(text[i]);
    const int lo = hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

std::optional<net::IpAddress> parse_address(const std::string& text) {
  net::IpAddress address;
  if (text.find(':') != std::string::npos) {
    address.version = net::IpVersion::v6;
    if (::inet_pton(AF_INET6, text.c_str(), address.bytes.data()) != 1) return std::nullopt;
  } else {
    address.version = net::IpVersion::v4;
    if (::inet_pton(AF_INET, text.c_str(), address.bytes.data()) != 1) return std::nullopt;
  }
  return address;
}

std::optional<run::TraceEntry::Kind> parse_kind(const std::string& name) {
  using Kind = run::TraceEntry::Kind;
  static const std::pair<const char*, Kind> kKinds[] = {
      {"injected", Kind::Injected},     {"observed", Kind::Observed}, {"malformed", Kind::Malformed},
      {"call_start", Kind::CallStart},  {"call_return", Kind::CallReturn},
      {"command", Kind::Command},       {"assert", Kind::Assert},
  };
  for (auto [text, kind] : kKinds) {
    if (name == text) return kind;
  }
  return std::nullopt;
}

std::optional<run::Status> parse_status(const std::string& name) {
  for (run::Status status : {run::Status::Pass, run::Status::Fail, run::Status::Skipped,
                             run::Status::Error, run::Status::ExpectedDeviation}) {
    if (name == run::status_name(status)) return status;
  }
  return std::nullopt;
}

// The typed parts of one script object; each reads through the Decoder so the first problem wins.
class ScriptReader {
 public:
  explicit ScriptReader(Decoder& d) : d_(d) {}

  std::vector<std::uint8_t> hex_field(const Json& obj, const std::string& at, const char* key) {
    const Json* value = d_.member(obj, at, key);
    if (value == nullptr) return {};
    const std::string path = path_join(at, key);
    if (!value->is_string()) {
      d_.fail(path, "expected a hex string, found " + describe(*value));
      return {};
    }
    auto bytes = parse_hex(value->get<std::string>());
    if (!bytes) d_.fail(path, "expected a hex string, found " + describe(*value));
    return bytes.value_or(std::vector<std::uint8_t>{});
  }

  net::IpAddress address_field(const Json& obj, const std::string& at, const char* key) {
    const Json* value = d_.member(obj, at, key);
    if (value == nullptr) return {};
    auto address = value->is_string() ? parse_address(value->get<std::string>()) : std::nullopt;
    if (!address) {
      d_.fail(path_join(at, key), "expected an IPv4 or IPv6 address, found " + describe(*value));
      return {};
    }
    return *address;
  }

  net::TcpOption option(const Json& obj, const std::string& at) {
    net::TcpOption option;
    if (!d_.expect_object(obj, at)) return option;
    option.kind = static_cast<std::uint8_t>(d_.integer_field(obj, at, "kind", 0, kMaxU8));
    option.data = hex_field(obj, at, "data");
    if (auto it = obj.find("wire_length"); it != obj.end() && !it->is_null()) {
      option.wire_length = static_cast<std::uint8_t>(d_.integer_field(obj, at, "wire_length", 0, kMaxU8));
    }
    return option;
  }

  net::Segment segment(const Json& obj, const std::string& at) {
    net::Segment seg;
    if (!d_.expect_object(obj, at)) return seg;
    seg.src = address_field(obj, at, "src");
    seg.dst = address_field(obj, at, "dst");
    seg.tos = static_cast<std::uint8_t>(d_.integer_field(obj, at, "tos", 0, kMaxU8));
    seg.ttl = static_cast<std::uint8_t>(d_.integer_field(obj, at, "ttl", 0, kMaxU8));
    seg.flow_label = static_cast<std::uint32_t>(d_.integer_field(obj, at, "flow_label", 0, kMaxU32));
    seg.sport = static_cast<std::uint16_t>(d_.integer_field(obj, at, "sport", 0, kMaxU16));
    seg.dport = static_cast<std::uint16_t>(d_.integer_field(obj, at, "dport", 0, kMaxU16));
    seg.seq = static_cast<std::uint32_t>(d_.integer_field(obj, at, "seq", 0, kMaxU32));
    seg.ack = static_cast<std::uint32_t>(d_.integer_field(obj, at, "ack", 0, kMaxU32));
    seg.flags = static_cast<std::uint16_t>(d_.integer_field(obj, at, "flags", 0, kMaxU16));
    seg.window = static_cast<std::uint16_t>(d_.integer_field(obj, at, "window", 0, kMaxU16));
    seg.urgent = static_cast<std::uint16_t>(d_.integer_field(obj, at, "urgent", 0, kMaxU16));
    if (const Json* options = d_.array_field(obj, at, "options")) {
      const std::string options_at = path_join(at, "options");
      for (std::size_t i = 0; i < options->size(); ++i) {
        seg.options.push_back(option((*options)[i], path_index(options_at, i)));
      }
    }
    seg.payload = hex_field(obj, at, "payload");
    const auto payload_len = d_.integer_field(obj, at, "payload_len", 0, kMaxI64);
    if (!d_.failed() && static_cast<std::uint64_t>(payload_len) != seg.payload.size()) {
      d_.fail(path_join(at, "payload_len"), "expected the length of payload (" +
                                                std::to_string(seg.payload.size()) + "), found " +
                                                std::to_string(payload_len));
    }
    seg.checksum_ok = d_.bool_field(obj, at, "checksum_ok");
    seg.corrupt_checksum = d_.bool_field(obj, at, "corrupt_checksum");
    return seg;
  }

  run::TraceEntry trace_entry(const Json& obj, const std::string& at) {
    run::TraceEntry entry;
    if (!d_.expect_object(obj, at)) return entry;
    const std::string kind = d_.string_field(obj, at, "kind");
    if (auto parsed = parse_kind(kind)) {
      entry.kind = *parsed;
    } else if (!d_.failed()) {
      d_.fail(path_join(at, "kind"),
              "expected one of injected|observed|malformed|call_start|call_return|command|assert, "
              "found " + describe(obj.at("kind")));
    }
    entry.time = d_.integer_field(obj, at, "time_us", kMinI64, kMaxI64);
    if (const Json* scripted = d_.member(obj, at, "scripted_time_us"); scripted && !scripted->is_null()) {
      entry.scripted_time = d_.integer_field(obj, at, "scripted_time_us", kMinI64, kMaxI64);
    }
    entry.line = static_cast<int>(d_.integer_field(obj, at, "line", kMinInt, kMaxInt));
    entry.text = d_.string_field(obj, at, "text");
    entry.matched = d_.bool_field(obj, at, "matched");
    entry.wire = hex_field(obj, at, "wire");
    if (const Json* seg = d_.member(obj, at, "segment"); seg && !seg->is_null()) {
      entry.segment = segment(*seg, path_join(at, "segment"));
    }
    return entry;
  }

  run::Failure failure(const Json& obj, const std::string& at) {
    run::Failure failure;
    if (!d_.expect_object(obj, at)) return failure;
    failure.line = static_cast<int>(d_.integer_field(obj, at, "line", kMinInt, kMaxInt));
    failure.column = static_cast<int>(d_.integer_field(obj, at, "column", kMinInt, kMaxInt));
    failure.script_line = d_.string_field(obj, at, "script_line");
    failure.message = d_.string_field(obj, at, "message");
    failure.expected = d_.string_field(obj, at, "expected");
    failure.actual = d_.string_field(obj, at, "actual");
    failure.time = d_.integer_field(obj, at, "time_us", kMinI64, kMaxI64);
    return failure;
  }

 private:
  Decoder& d_;
};

}  // namespace

std::string path_join(const std::string& at, const std::string& key) {
  return at.empty() ? key : at + "." + key;
}

std::string path_index(const std::string& at, std::size_t index) {
  return at + "[" + std::to_string(index) + "]";
}

Result<Json> parse(std::string_view text, const std::string& where) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    std::string what = e.what();
    // Drop "[json.exception.parse_error.101] ": the id means nothing to the reader.
    const auto bracket = what.find("] ");
    if (what.rfind("[json.exception", 0) == 0 && bracket != std::string::npos) what = what.substr(bracket + 2);
    return make_error(where + ": not JSON: " + what);
  }
}

void Decoder::check_schema(const Json& doc, const char* schema) {
  const std::string name = string_field(doc, "", "schema");
  if (!failed_ && name != schema) {
    fail("schema", std::string("expected \"") + schema + "\", found " + describe(doc.at("schema")));
  }
  const Json* version = member(doc, "", "schema_version");
  if (version == nullptr) return;
  if (!version->is_number_integer()) {
    fail("schema_version", "expected an integer, found " + describe(*version));
  } else if (version->get<std::int64_t>() != kSchemaVersion) {
    fail("schema_version", "unsupported version " + describe(*version) + " (this build reads version " +
                               std::to_string(kSchemaVersion) + ")");
  }
}

void Decoder::fail(const std::string& at, const std::string& problem) {
  if (failed_) return;
  failed_ = true;
  message_ = where_ + ": " + (at.empty() ? "" : at + ": ") + problem;
}

bool Decoder::expect_object(const Json& value, const std::string& at) {
  if (failed_) return false;
  if (value.is_object()) return true;
  fail(at, "expected an object, found " + describe(value));
  return false;
}

const Json* Decoder::member(const Json& obj, const std::string& at, const char* key) {
  if (failed_ || !obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end()) {
    fail(path_join(at, key), "missing");
    return nullptr;
  }
  return &*it;
}

std::string Decoder::string_field(const Json& obj, const std::string& at, const char* key) {
  const Json* value = member(obj, at, key);
  if (value == nullptr) return {};
  if (!value->is_string()) {
    fail(path_join(at, key), "expected a string, found " + describe(*value));
    return {};
  }
  return value->get<std::string>();
}

std::int64_t Decoder::integer_field(const Json& obj, const std::string& at, const char* key,
                                    std::int64_t min, std::int64_t max) {
  const Json* value = member(obj, at, key);
  if (value == nullptr) return 0;
  const std::string expected = "expected an integer " + std::to_string(min) + ".." + std::to_string(max);
  std::int64_t number = 0;
  if (value->is_number_unsigned()) {
    const auto u = value->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(max)) {
      fail(path_join(at, key), expected + ", found " + describe(*value));
      return 0;
    }
    number = static_cast<std::int64_t>(u);
  } else if (value->is_number_integer()) {
    number = value->get<std::int64_t>();
  } else {
    fail(path_join(at, key), "expected an integer, found " + describe(*value));
    return 0;
  }
  if (number < min || number > max) {
    fail(path_join(at, key), expected + ", found " + describe(*value));
    return 0;
  }
  return number;
}

double Decoder::number_field(const Json& obj, const std::string& at, const char* key) {
  const Json* value = member(obj, at, key);
  if (value == nullptr) return 0;
  if (!value->is_number()) {
    fail(path_join(at, key), "expected a number, found " + describe(*value));
    return 0;
  }
  return value->get<double>();
}

bool Decoder::bool_field(const Json& obj, const std::string& at, const char* key) {
  const Json* value = member(obj, at, key);
  if (value == nullptr) return false;
  if (!value->is_boolean()) {
    fail(path_join(at, key), "expected true or false, found " + describe(*value));
    return false;
  }
  return value->get<bool>();
}

const Json* Decoder::array_field(const Json& obj, const std::string& at, const char* key) {
  const Json* value = member(obj, at, key);
  if (value == nullptr) return nullptr;
  if (!value->is_array()) {
    fail(path_join(at, key), "expected an array, found " + describe(*value));
    return nullptr;
  }
  return value;
}

const Json* Decoder::object_field(const Json& obj, const std::string& at, const char* key) {
  const Json* value = member(obj, at, key);
  if (value == nullptr) return nullptr;
  return expect_object(*value, path_join(at, key)) ? value : nullptr;
}

std::vector<std::string> Decoder::string_list_field(const Json& obj, const std::string& at,
                                                    const char* key) {
  std::vector<std::string> out;
  const Json* list = array_field(obj, at, key);
  if (list == nullptr) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const Json& item = (*list)[i];
    if (!item.is_string()) {
      fail(path_index(path_join(at, key), i), "expected a string, found " + describe(item));
      return {};
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> Decoder::options(const Json& obj, const std::string& at) {
  std::vector<std::pair<std::string, std::string>> out;
  const Json* options = object_field(obj, at, "options");
  if (options == nullptr) return out;
  for (const auto& [name, value] : options->items()) {
    if (!value.is_string()) {
      fail(path_join(path_join(at, "options"), name), "expected a string, found " + describe(value));
      return {};
    }
    out.emplace_back(name, value.get<std::string>());
  }
  return out;
}

run::ScriptResult Decoder::script(const Json& obj, const std::string& at) {
  run::ScriptResult script;
  if (!expect_object(obj, at)) return script;
  ScriptReader reader(*this);
  script.path = string_field(obj, at, "path");
  script.metadata.title = string_field(obj, at, "title");
  script.metadata.requirements = string_list_field(obj, at, "requirements");
  script.metadata.rfc_refs = string_list_field(obj, at, "rfc_refs");
  script.metadata.targets = string_list_field(obj, at, "targets");
  script.target = string_field(obj, at, "target");

  run::Verdict& verdict = script.verdict;
  const std::string status = string_field(obj, at, "status");
  if (auto parsed = parse_status(status)) {
    verdict.status = *parsed;
  } else if (!failed_) {
    fail(path_join(at, "status"),
         "expected one of pass|fail|skipped|error|expected-deviation, found " + describe(obj.at("status")));
  }
  verdict.reason = string_field(obj, at, "reason");
  verdict.wall_seconds = number_field(obj, at, "duration");
  verdict.script_time = integer_field(obj, at, "script_time_us", kMinI64, kMaxI64);
  if (const Json* failure = member(obj, at, "failure"); failure && !failure->is_null()) {
    verdict.failure = reader.failure(*failure, path_join(at, "failure"));
  }
  // Optional (documents written before --retries existed have none).
  if (auto it = obj.find("earlier_attempts"); it != obj.end() && !failed_) {
    const std::string attempts_at = path_join(at, "earlier_attempts");
    if (const Json* attempts = array_field(obj, at, "earlier_attempts")) {
      for (std::size_t i = 0; i < attempts->size() && !failed_; ++i) {
        const Json& a = (*attempts)[i];
        const std::string a_at = path_index(attempts_at, i);
        if (!expect_object(a, a_at)) break;
        run::Verdict attempt;
        const std::string attempt_status = string_field(a, a_at, "status");
        if (auto parsed = parse_status(attempt_status)) attempt.status = *parsed;
        else if (!failed_) fail(path_join(a_at, "status"), "expected one of pass|fail|skipped|error|expected-deviation, found " + describe(a.at("status")));
        attempt.reason = string_field(a, a_at, "reason");
        attempt.wall_seconds = number_field(a, a_at, "duration");
        if (const Json* failure = member(a, a_at, "failure"); failure && !failure->is_null())
          attempt.failure = reader.failure(*failure, path_join(a_at, "failure"));
        script.earlier_attempts.push_back(std::move(attempt));
      }
    }
  }
  if (const Json* trace = array_field(obj, at, "trace")) {
    const std::string trace_at = path_join(at, "trace");
    for (std::size_t i = 0; i < trace->size() && !failed_; ++i) {
      script.trace.entries.push_back(reader.trace_entry((*trace)[i], path_index(trace_at, i)));
    }
  }
  return script;
}

}  // namespace synack::reports::json_codec
