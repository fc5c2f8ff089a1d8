#include "db/internal.hpp"
#include "schema/error.hpp"
#include "schema/utf8.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace errkb::db::internal {
namespace {

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
      const std::size_t length = schema::utf8_sequence_length(text, i);
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

} // namespace errkb::db::internal
