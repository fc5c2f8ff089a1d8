#pragma once
// UTF-8 helpers for the loader (internal to errkb_ingest); the validity check,
// schema::find_invalid_utf8, is in schema/utf8.hpp.
#include <cstddef>
#include <string>
#include <string_view>

namespace errkb::ingest {

// 1-based line and column (in code points) of byte `offset` in `text`; an offset
// at or past the end gives the position just after the last byte.
struct TextPosition {
  int line = 1;
  int column = 1;
};
TextPosition position_of(std::string_view text, std::size_t offset) noexcept;

// Number of '\n' in `text`.
std::size_t count_newlines(std::string_view text) noexcept;

// `text` cut to at most `max_bytes` on a code point boundary, with "..." appended
// when cut; used to keep quoted input in messages short.
std::string shorten_utf8(std::string_view text, std::size_t max_bytes);

} // namespace errkb::ingest
