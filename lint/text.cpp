#include "lint/text.hpp"

#include <charconv>

namespace errkb::lint {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string collapse_lower(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += lower(c);
  }
  return out;
}

} // namespace

bool is_blank(std::string_view text) {
  for (char c : text)
    if (!is_space(c)) return false;
  return true;
}

std::string trimmed(std::string_view text) {
  const bool final_newline = !text.empty() && text.back() == '\n';
  std::size_t end = text.size();
  while (end > 0 && is_space(text[end - 1])) --end;
  text = text.substr(0, end);
  std::size_t first = 0;
  while (first < text.size() && is_space(text[first])) ++first;
  if (text.find('\n', first) == std::string_view::npos) return std::string(text.substr(first));
  // Multi-line: drop whole leading blank lines only, and keep one final newline
  // when there was one (a YAML `|` block ends in one).
  const std::size_t last_newline = first == 0 ? std::string_view::npos : text.rfind('\n', first - 1);
  std::string out(last_newline == std::string_view::npos ? text : text.substr(last_newline + 1));
  if (final_newline) out += '\n';
  return out;
}

std::string comparison_key(std::string_view text) {
  std::string out = collapse_lower(text);
  while (!out.empty() && (out.back() == '.' || out.back() == ';' || out.back() == ':' || out.back() == '!' ||
                          out.back() == ' '))
    out.pop_back();
  return out;
}

std::string signature_key(std::string_view text) { return collapse_lower(text); }

bool has_letters(std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || byte >= 0x80) return true;
  }
  return false;
}

std::string error_key(std::string_view id) {
  const std::size_t first = id.find('/');
  if (first == std::string_view::npos) return std::string(id);
  const std::size_t second = id.find('/', first + 1);
  return std::string(id.substr(0, second));
}

long days_from_civil(std::string_view date) {
  int y = 0, m = 0, d = 0;
  if (date.size() < 10) return 0;
  std::from_chars(date.data(), date.data() + 4, y);
  std::from_chars(date.data() + 5, date.data() + 7, m);
  std::from_chars(date.data() + 8, date.data() + 10, d);
  // Howard Hinnant's days_from_civil.
  y -= m <= 2 ? 1 : 0;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const long yoe = y - era * 400;
  const long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

} // namespace errkb::lint
