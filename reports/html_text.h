// Text made safe for the human-facing reports (HTML, inline SVG, Markdown). Script-derived text can
// hold anything a .pkt file or a stack sent: markup characters, control bytes, invalid UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace synack::reports {

// Valid UTF-8 without control characters: invalid bytes, C0 controls other than tab and newline,
// and DEL are shown as "\xNN".
std::string printable_text(std::string_view text);

// printable_text with & < > " ' escaped: safe in HTML/XML element content and quoted attributes.
std::string escape_markup(std::string_view text);

// At most `max_code_points` code points of valid UTF-8 `text`; a clipped text ends in "…" (which
// counts towards the limit).
std::string clip_text(std::string_view text, std::size_t max_code_points);

// Number of code points in valid UTF-8 `text`.
std::size_t code_points(std::string_view text);

// A fragment usable in HTML ids and URL fragments: ASCII letters, digits, '-', '_' and '.' kept,
// every other byte as '-'. Not unique by itself; callers disambiguate.
std::string id_fragment(std::string_view text);

}  // namespace synack::reports
