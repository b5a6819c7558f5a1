// libFuzzer target: synack.toml parsing (cli::parse_config) and reference StackConfig::set never
// crash on any input. The first byte chooses which; for StackConfig::set the rest is
// "key=value" lines.
#include <string>
#include <string_view>

#include "harness/cli/config.h"
#include "targets/reference/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    (void)synack::cli::parse_config(text, "fuzz.toml");
    return 0;
  }
  auto config = synack::reference::StackConfig::from_profile(data[0] & 2 ? "linux" : "rfc");
  if (!config) return 0;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(at, end - at);
    const std::size_t eq = line.find('=');
    if (eq != std::string_view::npos) (void)config->set(line.substr(0, eq), line.substr(eq + 1));
    at = end + 1;
  }
  return 0;
}
