#include "fuzz/findings.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "fuzz/loop.h"
#include "fuzz/to_script.h"

namespace synack::fuzz {

namespace fs = std::filesystem;

namespace {

// N of "finding-N.input", 0 if the name is not of that form.
std::size_t number_of(const fs::path& p) {
  const std::string name = p.filename().string();
  const std::string prefix = "finding-", suffix = ".input";
  if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return 0;
  }
  const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.empty() || digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return 0;
  return static_cast<std::size_t>(std::stoul(digits));
}

}  // namespace

FindingsDir::FindingsDir(fs::path dir, const SessionOptions& options) : dir_(std::move(dir)), options_(options) {
  options_.record = false;
  options_.trail = false;
}

std::size_t FindingsDir::load() {
  std::vector<std::pair<std::size_t, fs::path>> inputs;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir_, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (const std::size_t n = number_of(it->path()); n > 0 && it->is_regular_file()) inputs.emplace_back(n, it->path());
  std::sort(inputs.begin(), inputs.end());
  std::size_t kept = 0;
  for (const auto& [n, path] : inputs) {
    next_ = std::max(next_, n + 1);
    std::ifstream in(path, std::ios::binary);
    const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const SessionResult r = run_session(decode(bytes, options_.max_events), options_);
    if (!r.finding || !keys_.insert(r.finding->key()).second) continue;
    StoredFinding f;
    f.finding = *r.finding;
    f.input_path = path.string();
    f.script_path = fs::path(path).replace_extension(".pkt").string();
    f.events = f.minimized_events = decode(bytes, options_.max_events).events.size();
    f.earlier = true;
    found_.push_back(std::move(f));
    ++kept;
  }
  return kept;
}

bool FindingsDir::add(std::span<const std::uint8_t> input) {
  const SessionResult r = run_session(decode(input, options_.max_events), options_);
  if (!r.finding || !keys_.insert(r.finding->key()).second) return false;
  const std::vector<std::uint8_t> minimized = minimize(input, r.finding->key(), options_);
  const SessionInput min_in = decode(minimized, options_.max_events);
  const std::string name = "finding-" + std::to_string(next_++);
  std::error_code ec;
  fs::create_directories(dir_, ec);
  StoredFinding f;
  f.finding = *r.finding;
  f.input_path = (dir_ / (name + ".input")).string();
  f.script_path = (dir_ / (name + ".pkt")).string();
  std::ofstream(f.input_path, std::ios::binary)
      .write(reinterpret_cast<const char*>(minimized.data()), static_cast<std::streamsize>(minimized.size()));
  std::ofstream(f.script_path) << to_script(min_in, options_);
  f.events = decode(input, options_.max_events).events.size();
  f.minimized_events = min_in.events.size();
  found_.push_back(std::move(f));
  return true;
}

}  // namespace synack::fuzz
