#include "schema/search_regex.hpp"

namespace errkb::schema {

bool never_closes_outer(std::string_view pattern) {
  long depth = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 < pattern.size() && pattern[i + 1] == 'Q') return false;
      ++i;
    } else if (c == '[') {
      // A class ends at the first unescaped `]` after an optional `^` and a leading
      // literal `]`; a nested `[` (a [:name:] class) is not modelled.
      ++i;
      if (i < pattern.size() && pattern[i] == '^') ++i;
      if (i < pattern.size() && pattern[i] == ']') ++i;
      while (i < pattern.size() && pattern[i] != ']') {
        if (pattern[i] == '[') return false;
        i += pattern[i] == '\\' ? 2 : 1;
      }
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth < 0) {
      return false;
    }
  }
  return true;
}

SearchRegex::SearchRegex(const std::string& pattern, const RE2::Options& options) {
  if (never_closes_outer(pattern)) {
    RE2::Options wrapped_options = options;
    wrapped_options.set_never_capture(false); // the one submatch selects the bit-state engine
    // \C (any byte) as RE2's own unanchored search steps: a match may start inside
    // a UTF-8 character or after an invalid byte. (?: keeps a leading `?` of the
    // pattern from turning the group into a flag group.
    auto wrapped = std::make_unique<RE2>("\\C*?((?:" + pattern + "))", wrapped_options);
    if (wrapped->ok()) {
      m_regex = std::move(wrapped);
      m_wrapped = true;
      return;
    }
  }
  m_regex = std::make_unique<RE2>(pattern, options);
  if (!m_regex->ok()) {
    m_error = m_regex->error();
    if (m_error.empty()) m_error = "invalid regex";
    m_regex.reset();
  }
}

bool SearchRegex::search(std::string_view text) const {
  const re2::StringPiece input(text.data(), text.size());
  if (!m_wrapped || text.size() > k_short_text || m_searches.load(std::memory_order_relaxed) >= k_dfa_after)
    return RE2::PartialMatch(input, *m_regex);
  m_searches.fetch_add(1, std::memory_order_relaxed);
  re2::StringPiece found[2];
  return m_regex->Match(input, 0, input.size(), RE2::ANCHOR_START, found, 2);
}

} // namespace errkb::schema
