#include "reports/pcap_export.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <vector>

#include "harness/net/codec.h"
#include "harness/net/pcap_writer.h"

namespace synack::reports {
namespace {

using Kind = run::TraceEntry::Kind;

bool is_packet(const run::TraceEntry& e) {
  return (e.kind == Kind::Injected || e.kind == Kind::Observed || e.kind == Kind::Malformed) &&
         (!e.wire.empty() || e.segment.has_value());
}

// FNV-1a, 32 bits: a short, stable fingerprint of a path.
std::uint32_t fingerprint(const std::string& text) {
  std::uint32_t h = 2166136261u;
  for (const char c : text) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 16777619u;
  }
  return h;
}

bool safe_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Error pcap_error(const std::string& path, const std::string& reason) {
  return make_error(path + ": cannot write pcap: " + reason);
}

}  // namespace

std::size_t pcap_packet_count(const run::ScriptResult& script) {
  std::size_t count = 0;
  for (const auto& e : script.trace.entries) count += is_packet(e) ? 1 : 0;
  return count;
}

Result<void> write_pcap(const run::ScriptResult& script, const std::string& path, std::int64_t epoch_base_us) {
  if (path.empty() || path.back() == '/') return pcap_error(path, "not a file path");
  const std::string dir = directory_of(path);
  const std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  std::string temp = dir + "/." + base + ".tmp.XXXXXX";
  std::vector<char> name(temp.begin(), temp.end());
  name.push_back('\0');
  const int reserved = ::mkostemp(name.data(), O_CLOEXEC);  // reserves a unique name
  if (reserved < 0) return pcap_error(path, std::string("cannot create temporary file: ") + std::strerror(errno));
  ::close(reserved);
  temp = name.data();

  {
    auto writer = net::PcapWriter::open(temp);
    if (!writer) {
      ::unlink(temp.c_str());
      return pcap_error(path, writer.error().message);
    }
    for (const auto& e : script.trace.entries) {
      if (!is_packet(e)) continue;
      const Micros when = epoch_base_us + e.time;
      if (!e.wire.empty()) {
        (*writer)->write(when, e.wire);
      } else {
        (*writer)->write(when, net::encode(*e.segment));
      }
    }
  }  // closing the writer flushes the file

  const int fd = ::open(temp.c_str(), O_RDONLY | O_CLOEXEC);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  const int sync_errno = errno;
  if (fd >= 0) ::close(fd);
  if (!synced) {
    ::unlink(temp.c_str());
    return pcap_error(path, std::string("cannot sync: ") + std::strerror(sync_errno));
  }
  ::chmod(temp.c_str(), 0644);  // mkostemp made it 0600; a report is for others to read
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return pcap_error(path, std::string("cannot rename temporary file into place: ") + std::strerror(err));
  }
  return {};
}

std::string pcap_file_name(const std::string& script_path) {
  std::string rel = script_path;
  while (rel.rfind("./", 0) == 0) rel.erase(0, 2);
  while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
  // Below the last "scripts/" directory: names then read like the script areas.
  if (rel.rfind("scripts/", 0) == 0) {
    rel.erase(0, 8);
  } else if (const auto pos = rel.rfind("/scripts/"); pos != std::string::npos) {
    rel.erase(0, pos + 9);
  }
  if (rel.size() > 4 && rel.compare(rel.size() - 4, 4, ".pkt") == 0) rel.resize(rel.size() - 4);

  bool lossy = rel.empty() || rel.find("__") != std::string::npos || rel.find("_/") != std::string::npos ||
               rel.find("/_") != std::string::npos;
  std::string name;
  for (const char c : rel) {
    if (c == '/') {
      name += "__";
    } else if (safe_byte(c)) {
      name += c;
    } else {
      name += '_';
      lossy = true;
    }
  }
  if (!name.empty() && name.front() == '.') {  // no hidden files
    name.front() = '_';
    lossy = true;
  }
  constexpr std::size_t kMaxStem = 180;  // file names stay well below NAME_MAX (255)
  if (name.size() > kMaxStem) {
    name.resize(kMaxStem);
    lossy = true;
  }
  if (lossy) {
    char hash[16];
    std::snprintf(hash, sizeof hash, "%08x", fingerprint(script_path));
    name += (name.empty() ? "script-" : "-") + std::string(hash);
  }
  return name + ".pcap";
}

std::optional<std::int64_t> parse_started_at(const std::string& iso8601) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  if (std::sscanf(iso8601.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second,
                  &consumed) != 6 ||
      consumed != 19) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t micros = 0;
  if (pos < iso8601.size() && iso8601[pos] == '.') {
    ++pos;
    std::int64_t scale = 100'000;
    const std::size_t digits_start = pos;
    while (pos < iso8601.size() && iso8601[pos] >= '0' && iso8601[pos] <= '9') {
      micros += (iso8601[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == digits_start) return std::nullopt;
  }
  const std::string zone = iso8601.substr(pos);
  if (zone != "Z" && zone != "+00:00") return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t seconds = ::timegm(&tm);
  return static_cast<std::int64_t>(seconds) * 1'000'000 + micros;
}

}  // namespace synack::reports
