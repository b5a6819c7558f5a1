#include <cstring>

#include "harness/script/diagnostic.h"
#include "harness/script/parser_impl.h"

namespace synack::script {
namespace {

// Lines longer than this are shown as a window around the error column.
constexpr std::size_t kMaxLineShown = 120;
constexpr std::size_t kContext = 40;  // bytes shown on each side of the column in that window

}  // namespace

Diagnostic make_diagnostic(std::string_view source, const std::string& path, SourcePos at,
                           std::string message) {
  Diagnostic d;
  d.path = path;
  d.loc = at.loc();
  d.message = std::move(message);
  std::size_t begin = std::min(at.line_start, source.size());
  const void* nl = std::memchr(source.data() + begin, '\n', source.size() - begin);
  std::size_t end =
      nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - source.data()) : source.size();
  std::string_view line = source.substr(begin, end - begin);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::size_t column = at.offset - at.line_start;  // 0-based
  if (line.size() <= kMaxLineShown) {
    d.line_text = std::string(line);
    d.caret_column = static_cast<int>(column) + 1;
    return d;
  }
  std::size_t from = column > kContext ? column - kContext : 0;
  std::size_t to = std::min(line.size(), column + kContext);
  std::string prefix = from > 0 ? "..." : "";
  d.line_text = prefix + std::string(line.substr(from, to - from)) + (to < line.size() ? "..." : "");
  d.caret_column = static_cast<int>(prefix.size() + (column - from)) + 1;
  return d;
}

std::string Diagnostic::render() const {
  std::string out = path + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.column) +
                    ": error: " + message;
  if (loc.line <= 0) return out;  // no position (an unreadable file): nothing to point at
  out += "\n";
  out += "    " + line_text + "\n    ";
  // Copy tabs from the line so the caret lines up however tabs are displayed.
  for (int i = 0; i + 1 < caret_column; ++i) {
    bool tab = static_cast<std::size_t>(i) < line_text.size() && line_text[static_cast<std::size_t>(i)] == '\t';
    out += tab ? '\t' : ' ';
  }
  out += "^";
  return out;
}

}  // namespace synack::script
