#include "schema/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace errkb::schema {
namespace {

constexpr std::uint64_t k_high_bits = 0x8080808080808080ull;

bool is_continuation(unsigned char byte) noexcept { return (byte & 0xC0u) == 0x80u; }

} // namespace

std::size_t find_invalid_utf8(std::string_view text) noexcept {
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size) {
    // Record files are mostly ASCII: test eight bytes at a time.
    while (i + 8 <= size) {
      std::uint64_t word;
      std::memcpy(&word, data + i, sizeof word);
      if ((word & k_high_bits) != 0) break;
      i += 8;
    }
    if (i >= size) break;
    if (data[i] < 0x80u) {
      ++i;
      continue;
    }
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) return i;
    i += length;
  }
  return std::string_view::npos;
}

std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept {
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char lead = data[i];
  // Table 3-7 of the Unicode standard: the second byte's range depends on the lead.
  std::size_t length = 0;
  unsigned char low = 0x80u, high = 0xBFu;
  if (lead >= 0xC2u && lead <= 0xDFu) {
    length = 2;
  } else if (lead >= 0xE0u && lead <= 0xEFu) {
    length = 3;
    if (lead == 0xE0u)
      low = 0xA0u; // overlong
    else if (lead == 0xEDu)
      high = 0x9Fu; // surrogates
  } else if (lead >= 0xF0u && lead <= 0xF4u) {
    length = 4;
    if (lead == 0xF0u)
      low = 0x90u; // overlong
    else if (lead == 0xF4u)
      high = 0x8Fu; // above U+10FFFF
  } else {
    return 0; // ASCII, continuation byte without lead, C0/C1 overlong lead, or F5..FF
  }
  if (i + length > text.size()) return 0;
  if (data[i + 1] < low || data[i + 1] > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (!is_continuation(data[i + k])) return 0;
  }
  return length;
}

bool has_unspaced_script(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    // Every script below is at U+0E00 or above: a 3- or 4-byte sequence.
    if (static_cast<unsigned char>(text[i]) < 0xE0u) {
      ++i;
      continue;
    }
    char32_t c = 0;
    i += decode_utf8(text, i, c);
    if ((c >= 0x0E00 && c <= 0x0EFF) ||   // Thai, Lao
        (c >= 0x1000 && c <= 0x109F) ||   // Myanmar
        (c >= 0x1100 && c <= 0x11FF) ||   // Hangul Jamo
        (c >= 0x1780 && c <= 0x17FF) ||   // Khmer
        (c >= 0x2E80 && c <= 0x9FFF) ||   // CJK radicals, punctuation, kana, Bopomofo, Hangul compatibility Jamo, ideographs
        (c >= 0xA960 && c <= 0xA97F) ||   // Hangul Jamo extended A
        (c >= 0xAC00 && c <= 0xD7FF) ||   // Hangul syllables, Jamo extended B
        (c >= 0xF900 && c <= 0xFAFF) ||   // CJK compatibility ideographs
        (c >= 0xFF65 && c <= 0xFFDC) ||   // halfwidth kana and Hangul
        (c >= 0x20000 && c <= 0x3FFFF)) { // CJK extensions B and later
      return true;
    }
  }
  return false;
}

} // namespace errkb::schema
