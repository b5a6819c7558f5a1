#include "targets/remote/protocol.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace synack::remote {
namespace {

// Messages are small (a socket call, at most a write's payload); anything larger is garbage.
constexpr std::uint32_t kMaxMessage = 64u << 20;

std::string hex_of(const std::vector<std::uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

Result<std::vector<std::uint8_t>> bytes_of(const std::string& hex) {
  if (hex.size() % 2) return make_error("odd-length hex string");
  std::vector<std::uint8_t> out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return make_error("bad hex digit");
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace

Json to_json(const targets::SocketCall& c) {
  return Json{{"op", static_cast<int>(c.op)}, {"name", c.name}, {"fd", c.fd},
              {"domain", c.domain}, {"type", c.type}, {"protocol", c.protocol},
              {"address", c.address.to_string()}, {"port", c.port}, {"has_address", c.has_address},
              {"backlog", c.backlog}, {"length", c.length}, {"msg_flags", c.msg_flags},
              {"data", hex_of(c.data)}, {"how", c.how}, {"level", c.level}, {"optname", c.optname},
              {"int_value", c.int_value}, {"linger_seconds", c.linger_seconds},
              {"fcntl_cmd", c.fcntl_cmd}, {"fcntl_arg", c.fcntl_arg},
              {"poll_events", c.poll_events}, {"poll_timeout_ms", c.poll_timeout_ms}};
}

Result<targets::SocketCall> call_from_json(const Json& j) {
  try {
    targets::SocketCall c;
    const int op = j.at("op").get<int>();
    if (op < 0 || op > static_cast<int>(targets::SysOp::Poll)) return make_error("unknown socket operation " + std::to_string(op));
    c.op = static_cast<targets::SysOp>(op);
    c.name = j.at("name").get<std::string>();
    c.fd = j.at("fd").get<int>();
    c.domain = j.at("domain").get<int>();
    c.type = j.at("type").get<int>();
    c.protocol = j.at("protocol").get<int>();
    auto address = net::IpAddress::parse(j.at("address").get<std::string>());
    if (!address) return make_error("bad address " + j.at("address").dump());
    c.address = *address;
    c.port = j.at("port").get<std::uint16_t>();
    c.has_address = j.at("has_address").get<bool>();
    c.backlog = j.at("backlog").get<int>();
    c.length = j.at("length").get<std::size_t>();
    c.msg_flags = j.at("msg_flags").get<int>();
    auto data = bytes_of(j.at("data").get<std::string>());
    if (!data) return data.error();
    c.data = std::move(*data);
    c.how = j.at("how").get<int>();
    c.level = j.at("level").get<int>();
    c.optname = j.at("optname").get<int>();
    c.int_value = j.at("int_value").get<std::int64_t>();
    c.linger_seconds = j.at("linger_seconds").get<std::int64_t>();
    c.fcntl_cmd = j.at("fcntl_cmd").get<int>();
    c.fcntl_arg = j.at("fcntl_arg").get<std::int64_t>();
    c.poll_events = j.at("poll_events").get<short>();
    c.poll_timeout_ms = j.at("poll_timeout_ms").get<int>();
    return c;
  } catch (const Json::exception& e) {
    return make_error(std::string("bad socket call: ") + e.what());
  }
}

Json to_json(const targets::CallResult& r) {
  Json j{{"ret", r.ret}, {"err", r.err}, {"data", hex_of(r.data)}, {"revents", r.revents},
         {"tcp_info", r.tcp_info}};
  if (r.int_value) j["int_value"] = *r.int_value;
  if (r.linger_seconds) j["linger_seconds"] = *r.linger_seconds;
  return j;
}

Result<targets::CallResult> result_from_json(const Json& j) {
  try {
    targets::CallResult r;
    r.ret = j.at("ret").get<std::int64_t>();
    r.err = j.at("err").get<int>();
    auto data = bytes_of(j.at("data").get<std::string>());
    if (!data) return data.error();
    r.data = std::move(*data);
    r.revents = j.at("revents").get<short>();
    r.tcp_info = j.at("tcp_info").get<std::map<std::string, std::int64_t>>();
    if (j.contains("int_value")) r.int_value = j.at("int_value").get<std::int64_t>();
    if (j.contains("linger_seconds")) r.linger_seconds = j.at("linger_seconds").get<std::int64_t>();
    return r;
  } catch (const Json::exception& e) {
    return make_error(std::string("bad call result: ") + e.what());
  }
}

std::vector<std::uint8_t> frame(const Json& message) {
  const std::string text = message.dump();
  const auto n = static_cast<std::uint32_t>(text.size());
  std::vector<std::uint8_t> out(4 + text.size());
  out[0] = static_cast<std::uint8_t>(n >> 24);
  out[1] = static_cast<std::uint8_t>(n >> 16);
  out[2] = static_cast<std::uint8_t>(n >> 8);
  out[3] = static_cast<std::uint8_t>(n);
  std::memcpy(out.data() + 4, text.data(), text.size());
  return out;
}

Result<void> send_message(int fd, const Json& message) {
  const auto bytes = frame(message);
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) { sent += static_cast<std::size_t>(n); continue; }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {  // a non-blocking descriptor whose buffer is full
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 1000);
      continue;
    }
    return make_error(std::string("control connection: ") + (n == 0 ? "closed" : std::strerror(errno)));
  }
  return {};
}

Result<void> MessageReader::read_from(int fd) {
  std::uint8_t buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      feed(buf, static_cast<std::size_t>(n));
      if (static_cast<std::size_t>(n) < sizeof buf) break;
      continue;
    }
    if (n == 0) return make_error("control connection closed by the other side");
    if (errno == EINTR) continue;
    if (errno == EAGAIN) break;
    return make_error(std::string("control connection: ") + std::strerror(errno));
  }
  if (!error_.empty()) return make_error(error_);
  return {};
}

void MessageReader::feed(const std::uint8_t* data, std::size_t size) {
  buffer_.insert(buffer_.end(), data, data + size);
}

std::optional<Json> MessageReader::next() {
  if (buffer_.size() < 4) return std::nullopt;
  const std::uint32_t n = std::uint32_t{buffer_[0]} << 24 | std::uint32_t{buffer_[1]} << 16 |
                          std::uint32_t{buffer_[2]} << 8 | buffer_[3];
  if (n > kMaxMessage) {
    error_ = "control message of " + std::to_string(n) + " octets: not a synack agent connection";
    buffer_.clear();
    return std::nullopt;
  }
  if (buffer_.size() < 4 + std::size_t{n}) return std::nullopt;
  std::string text(buffer_.begin() + 4, buffer_.begin() + 4 + n);
  buffer_.erase(buffer_.begin(), buffer_.begin() + 4 + n);
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error_ = "control message is not a JSON object";
    return std::nullopt;
  }
  return j;
}

}  // namespace synack::remote
