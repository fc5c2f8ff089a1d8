#include "ingest/yaml_scan.hpp"

namespace errkb::ingest {

std::size_t skip_quoted(std::string_view text, std::size_t pos) {
  const char quote = text[pos++];
  while (pos < text.size()) {
    const char c = text[pos];
    if (quote == '"' && c == '\\') {
      pos += 2;
      continue;
    }
    if (c == quote) {
      if (quote == '\'' && pos + 1 < text.size() && text[pos + 1] == '\'') {
        pos += 2;
        continue;
      }
      return pos + 1;
    }
    ++pos;
  }
  return text.size();
}

std::size_t indentation_at(std::string_view text, std::size_t line_start) {
  std::size_t pos = line_start;
  while (pos < text.size() && text[pos] == ' ') ++pos;
  return pos - line_start;
}

} // namespace errkb::ingest
