#pragma once
// Small scanners over raw YAML text, shared by the YAML reader's pre-scan and by
// `errkb fmt`'s comment detection (lint/format.cpp).
#include <cstddef>
#include <string_view>

namespace errkb::ingest {

// Offset just after the quoted scalar whose opening quote is at `text[pos]`: '...'
// with '' as an escaped quote, "..." with backslash escapes. text.size() when the
// scalar is not closed.
std::size_t skip_quoted(std::string_view text, std::size_t pos);

// Number of spaces that open the line starting at `line_start` (tabs do not count:
// YAML indentation is spaces only).
std::size_t indentation_at(std::string_view text, std::size_t line_start);

} // namespace errkb::ingest
