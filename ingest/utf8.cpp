#include "ingest/utf8.hpp"

#include <algorithm>

namespace errkb::ingest {
namespace {

bool is_continuation(unsigned char byte) noexcept { return (byte & 0xC0u) == 0x80u; }

} // namespace

TextPosition position_of(std::string_view text, std::size_t offset) noexcept {
  offset = std::min(offset, text.size());
  const std::string_view before = text.substr(0, offset);
  TextPosition position;
  position.line = 1 + static_cast<int>(count_newlines(before));
  const std::size_t newline = before.rfind('\n');
  const std::size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
  int column = 1;
  for (std::size_t i = line_start; i < offset; ++i) {
    if (!is_continuation(static_cast<unsigned char>(text[i]))) ++column;
  }
  position.column = column;
  return position;
}

std::size_t count_newlines(std::string_view text) noexcept {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::string shorten_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  while (cut > 0 && is_continuation(static_cast<unsigned char>(text[cut]))) --cut;
  std::string out(text.substr(0, cut));
  out += "...";
  return out;
}

} // namespace errkb::ingest
