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
    const unsigned char lead = data[i];
    if (lead < 0x80u) {
      ++i;
      continue;
    }
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
      return i; // continuation byte without lead, C0/C1 overlong lead, or F5..FF
    }
    if (i + length > size) return i;
    if (data[i + 1] < low || data[i + 1] > high) return i;
    for (std::size_t k = 2; k < length; ++k) {
      if (!is_continuation(data[i + k])) return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

} // namespace errkb::schema
