#pragma once
// UTF-8 helpers shared by the modules above schema (db, lookup, ingest).
#include <cstddef>
#include <string_view>

namespace errkb::schema {

// Offset of the first byte of the first ill-formed UTF-8 sequence in `text`, or
// std::string_view::npos when `text` is well-formed. Overlong forms, surrogates
// (U+D800..U+DFFF) and code points above U+10FFFF are ill-formed: exactly the
// text nlohmann::json refuses to serialize.
std::size_t find_invalid_utf8(std::string_view text) noexcept;

// Length (2 to 4) of the well-formed multi-byte sequence at `text[i]`, or 0 when the
// bytes there are not one (a byte below 0x80 included), by the rules above.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept;

// True when `text` holds a character of a script written without spaces between
// words (Han, kana, Bopomofo, Hangul, Thai, Lao, Khmer, Myanmar). FTS5's unicode61
// tokenizer sees a run of them as one token, so such text is searched by substring:
// ingest indexes all of its document in the trigram index, and search sends such a
// query there. One definition keeps the two sides in agreement.
bool has_unspaced_script(std::string_view text) noexcept;

// Decodes the character at `text[i]` (i < text.size()) into `cp`; returns its
// length in bytes, 1 to 4. Lenient, for text that is valid or whose damage does
// not matter: a byte that does not start a sequence complete with continuation
// bytes decodes as itself, with length 1; overlong forms and surrogates are not
// rejected.
inline std::size_t decode_utf8(std::string_view text, std::size_t i, char32_t& cp) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char lead = byte(0);
  std::size_t length = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  if (i + length > text.size()) length = 1;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(k) & 0xC0) != 0x80) length = 1;
  }
  switch (length) {
  case 1:
    cp = lead;
    break;
  case 2:
    cp = (char32_t(lead & 0x1F) << 6) | (byte(1) & 0x3F);
    break;
  case 3:
    cp = (char32_t(lead & 0x0F) << 12) | (char32_t(byte(1) & 0x3F) << 6) | (byte(2) & 0x3F);
    break;
  default:
    cp = (char32_t(lead & 0x07) << 18) | (char32_t(byte(1) & 0x3F) << 12) | (char32_t(byte(2) & 0x3F) << 6) |
         (byte(3) & 0x3F);
  }
  return length;
}

} // namespace errkb::schema
