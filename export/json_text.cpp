#include "export/json_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace errkb::bundle {

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char k_hex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0; // start of the bytes not yet copied
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      out += "\\u00";
      out += k_hex[c >> 4];
      out += k_hex[c & 0x0f];
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

void append_json(std::string& out, const nlohmann::json& value) {
  switch (value.type()) {
  case nlohmann::json::value_t::string:
    append_json_string(out, value.get_ref<const std::string&>());
    return;
  case nlohmann::json::value_t::object: {
    out += '{';
    bool first = true;
    for (const auto& [key, item] : value.items()) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, key);
      out += ':';
      append_json(out, item);
    }
    out += '}';
    return;
  }
  case nlohmann::json::value_t::array: {
    out += '[';
    bool first = true;
    for (const auto& item : value) {
      if (!first) out += ',';
      first = false;
      append_json(out, item);
    }
    out += ']';
    return;
  }
  case nlohmann::json::value_t::null:
    out += "null";
    return;
  case nlohmann::json::value_t::boolean:
    out += value.get<bool>() ? "true" : "false";
    return;
  case nlohmann::json::value_t::number_integer:
  case nlohmann::json::value_t::number_unsigned: {
    char buffer[24];
    auto result = value.is_number_unsigned() ? std::to_chars(buffer, buffer + sizeof buffer, value.get<std::uint64_t>())
                                             : std::to_chars(buffer, buffer + sizeof buffer, value.get<std::int64_t>());
    out.append(buffer, result.ptr);
    return;
  }
  default:
    // Floating-point numbers (and the binary type, which records never hold): nlohmann's own formatting.
    out += value.dump();
  }
}

double round_rate(double value) {
  double rounded = std::round(value * 10000.0) / 10000.0;
  return rounded == 0.0 ? 0.0 : rounded; // no "-0.0"
}

} // namespace errkb::bundle
