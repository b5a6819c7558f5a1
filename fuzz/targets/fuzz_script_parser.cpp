// libFuzzer target: script::parse never crashes, and parse -> print -> parse is stable.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "harness/script/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace synack::script;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ParseResult first = parse(text);
  if (!first.ok()) return 0;
  const std::string printed = print(*first.script);
  ParseResult second = parse(printed);
  if (!second.ok()) {
    std::fprintf(stderr, "printed script does not parse: %s\n---\n%s\n", second.diagnostics.empty() ? "?" : second.diagnostics[0].message.c_str(), printed.c_str());
    std::abort();
  }
  if (!(*second.script == *first.script)) {
    std::fprintf(stderr, "parse -> print -> parse changed the AST\n---\n%s\n", printed.c_str());
    std::abort();
  }
  if (print(*second.script) != printed) {
    std::fprintf(stderr, "print is not stable\n");
    std::abort();
  }
  return 0;
}
