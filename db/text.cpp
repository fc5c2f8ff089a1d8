#include "db/internal.hpp"
#include "schema/error.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace errkb::db::internal {
namespace {

// Decodes the UTF-8 sequence starting at text[i] (a byte >= 0x80); returns its
// length and sets `code_point`, or 0 when the sequence is invalid (overlong,
// surrogate, above U+10FFFF, truncated) — the sequences nlohmann::json rejects.
std::size_t decode_utf8(std::string_view text, std::size_t i, char32_t& code_point) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  char32_t min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1Fu;
    min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0Fu;
    min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07u;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const unsigned char next = byte(i + k);
    if ((next & 0xC0u) != 0x80u) return 0;
    code_point = (code_point << 6) | (next & 0x3Fu);
  }
  if (code_point < min || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) return 0;
  return length;
}

// True when the 8 bytes at `p` are all printable ASCII other than '"' and '\\',
// i.e. copied to JSON as they are (SWAR: "has a byte < n" / "has a zero byte").
bool plain_block(const char* p) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  std::uint64_t w = 0;
  std::memcpy(&w, p, sizeof w);
  const std::uint64_t quote = w ^ (ones * '"');
  const std::uint64_t backslash = w ^ (ones * '\\');
  const std::uint64_t special = w | ((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) |
                                ((backslash - ones) & ~backslash);
  return (special & highs) == 0;
}

void append_string(std::string& out, const std::string& text) {
  static constexpr char k_hex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0; // start of the bytes not yet copied
  for (std::size_t i = 0; i < text.size();) {
    if (i + 8 <= text.size() && plain_block(text.data() + i)) {
      i += 8;
      continue;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      char32_t code_point = 0;
      const std::size_t length = decode_utf8(text, i, code_point);
      if (length == 0) throw InputError("invalid UTF-8 byte at index " + std::to_string(i) + " of a string");
      i += length;
      continue;
    }
    out.append(text, run, i - run);
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      out += "\\u00";
      out += k_hex[c >> 4];
      out += k_hex[c & 0x0F];
    }
    run = ++i;
  }
  out.append(text, run, text.size() - run);
  out += '"';
}

template <class Integer>
void append_integer(std::string& out, Integer value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

} // namespace

void append_canonical_json(std::string& out, const nlohmann::json& value) {
  using Type = nlohmann::json::value_t;
  switch (value.type()) {
  case Type::object: {
    out += '{';
    bool first = true;
    for (const auto& [key, item] : value.get_ref<const nlohmann::json::object_t&>()) {
      if (!first) out += ',';
      first = false;
      append_string(out, key);
      out += ':';
      append_canonical_json(out, item);
    }
    out += '}';
    return;
  }
  case Type::array: {
    out += '[';
    bool first = true;
    for (const auto& item : value.get_ref<const nlohmann::json::array_t&>()) {
      if (!first) out += ',';
      first = false;
      append_canonical_json(out, item);
    }
    out += ']';
    return;
  }
  case Type::string: append_string(out, value.get_ref<const std::string&>()); return;
  case Type::boolean: out += value.get<bool>() ? "true" : "false"; return;
  case Type::number_integer: append_integer(out, value.get<std::int64_t>()); return;
  case Type::number_unsigned: append_integer(out, value.get<std::uint64_t>()); return;
  case Type::null: out += "null"; return;
  case Type::number_float: {
    // What nlohmann's serializer does (dump_float): its own Grisu2 shortest
    // round-trip format ("1.0", "1e-07"); NaN and infinities as null. Calling
    // value.dump() per number would cost more than the rest of the record.
    const double number = value.get<double>();
    if (!std::isfinite(number)) {
      out += "null";
      return;
    }
    std::array<char, 64> buffer{};
    char* end = nlohmann::detail::to_chars(buffer.data(), buffer.data() + buffer.size(), number);
    out.append(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
    return;
  }
  case Type::binary:
  case Type::discarded: out += value.dump(); return;
  }
}

bool has_unsegmented_script(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    // Every script below is at U+0E00 or above: a 3- or 4-byte sequence.
    if (static_cast<unsigned char>(text[i]) < 0xE0) continue;
    char32_t c = 0;
    const std::size_t length = decode_utf8(text, i, c);
    if (length == 0) continue;
    if ((c >= 0x0E00 && c <= 0x0EFF) ||   // Thai, Lao
        (c >= 0x1000 && c <= 0x109F) ||   // Myanmar
        (c >= 0x1100 && c <= 0x11FF) ||   // Hangul Jamo
        (c >= 0x1780 && c <= 0x17FF) ||   // Khmer
        (c >= 0x2E80 && c <= 0x9FFF) ||   // CJK radicals, punctuation, kana, Bopomofo, ideographs
        (c >= 0xA960 && c <= 0xA97F) ||   // Hangul Jamo extended A
        (c >= 0xAC00 && c <= 0xD7FF) ||   // Hangul syllables, Jamo extended B
        (c >= 0xF900 && c <= 0xFAFF) ||   // CJK compatibility ideographs
        (c >= 0xFF65 && c <= 0xFFDC) ||   // halfwidth kana and Hangul
        (c >= 0x20000 && c <= 0x3FFFF)) { // CJK extensions B and later
      return true;
    }
    i += length - 1;
  }
  return false;
}

} // namespace errkb::db::internal
