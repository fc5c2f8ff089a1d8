#include "lookup/text.hpp"

#include "schema/utf8.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace errkb::lookup {
namespace {

RE2::Options pattern_options(bool case_sensitive) {
  RE2::Options options;
  options.set_case_sensitive(case_sensitive);
  options.set_log_errors(false);
  options.set_encoding(RE2::Options::EncodingUTF8);
  return options;
}

// Prefixes that log collectors put before the text of a line: timestamps
// (ISO 8601, GitHub Actions), `[rank0]:` (torchrun), `web-1  | ` (docker compose),
// `│ ` (Terraform's box), `E   ` (pytest). Each may be followed by one space;
// indentation after them is kept (it tells a traceback frame from its error).
const RE2& prefix_pattern() {
  static const RE2 pattern(R"(^(?:(?:\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?|)"
                           R"(\[rank\d+\]:|[\w.-]+ +\||[│┃]|E   ) ?)*)",
                           pattern_options(true));
  return pattern;
}

// Lines that state an error.
const RE2& error_pattern() {
  static const RE2 pattern(
    // An exception type opening the line: `KeyError: 'x'`, `java.lang.IllegalStateException: ...`.
    R"(^(?:[A-Za-z_][\w$]*\.)*(?:[A-Z]\w*)?(?:Error|Exception|Exit|Interrupt|Fault|Failure)\b\s*(?:\[[^\]]*\]\s*)?(?::|$))"
    // `error:`, `error[E0382]:`, `fatal:`, `panic:`, `Unhandled exception:`, `error TS2345:`.
    R"(|(?i:\b(?:error|exception|fatal|panic|failure)(?:\[[\w-]+\]|\s+[a-z]+\d+)?\s*:))"
    R"(|(?i:^(?:caused by:|exception in thread|uncaught\b|npm err!|\(error\)|thread '[^']*' panicked)))"
    R"(|##\[error\]|\b(?:ERROR|FATAL|CRITICAL|SEVERE|PANIC)\b|^[EF]\d{4} \d\d:)"
    R"(|(?i:segmentation fault|core dumped))"
    // Compiler diagnostics: `main.go:5:2: message`.
    R"(|^[\w./\\-]+\.\w+:\d+(?::\d+)?:? )",
    pattern_options(true));
  return pattern;
}

// Lines that mention an error.
const RE2& hint_pattern() {
  static const RE2 pattern(
    R"((?i)\b(?:errors?|exception|fail(?:s|ed|ure)?|fatal|denied|refused|cannot|can't|couldn't|could not|)"
    R"(unable|not found|no such|invalid|timed out|timeout|killed|abort(?:ed)?|crash(?:ed)?|panic|forbidden|)"
    R"(unauthori[sz]ed|unavailable|exceeded|exhausted|out of memory|overflow(?:ed)?|errno|err!|warning|)"
    R"(conflict|rejected|mismatch|undefined|unexpected|not allowed|not supported|oomkilled|backoff|back-off|)"
    R"(errimagepull|assert(?:ion)?|violation|missing|expired|locked|deadlock|unhandled|uncaught|)"
    R"(does not exist|already in use|already allocated|not accessible)\b)",
    pattern_options(true));
  return pattern;
}

// Stack frames and source excerpts: never the error line, even when a path in
// them contains an error word.
const RE2& frame_pattern() {
  static const RE2 pattern(R"(^\s*(?:at |File "|#\d+ |--> |\d+\s*\||\|))", pattern_options(true));
  return pattern;
}

std::size_t prefix_length(std::string_view line) {
  re2::StringPiece match;
  if (!prefix_pattern().Match(re2::StringPiece(line.data(), line.size()), 0, line.size(), RE2::ANCHOR_START,
                              &match, 1)) {
    return 0;
  }
  return match.size();
}

// Blanks and every other ASCII control character (a NUL would end the query text
// SQLite's FTS5 parser sees, leaving an unterminated string).
bool is_space(char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F; }

bool is_alnum(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Words too common in error text to tell records apart.
constexpr std::array<std::string_view, 58> k_common_words = {
  "and",     "are",    "but",      "can",     "cannot", "could",   "did",    "does",   "error",  "errors",
  "exception", "failed", "file",   "for",     "from",   "had",     "has",    "have",   "how",    "into",
  "its",     "line",   "may",      "more",    "most",   "not",     "now",    "one",    "only",   "other",
  "out",     "see",    "should",   "some",    "than",   "that",    "the",    "their",  "then",   "there",
  "this",    "traceback", "call",  "recent",  "last",   "use",     "using",  "was",    "were",   "what",
  "when",    "which",  "will",     "with",    "would",  "you",     "your",   "null"};

} // namespace

bool is_common_word(std::string_view word) {
  return std::find(k_common_words.begin(), k_common_words.end(), word) != k_common_words.end();
}

struct LineClassifier::Impl {
  bool in_traceback = false;
};

LineClassifier::LineClassifier() : m_impl(std::make_unique<Impl>()) {
  for (const RE2* pattern : {&prefix_pattern(), &error_pattern(), &hint_pattern(), &frame_pattern()}) {
    if (!pattern->ok()) throw std::logic_error("errkb: bad line pattern: " + pattern->error());
  }
}
LineClassifier::~LineClassifier() = default;

LineKind LineClassifier::classify(std::string_view line) {
  const std::string_view content = line.substr(prefix_length(line));
  const std::string_view trimmed = trim(content);
  if (m_impl->in_traceback) {
    if (trimmed.empty() || is_space(content.front()) || trimmed.rfind("During handling", 0) == 0 ||
        trimmed.rfind("The above exception", 0) == 0 || trimmed.rfind("Traceback", 0) == 0) {
      return LineKind::plain;
    }
    m_impl->in_traceback = false;
    return LineKind::error; // the first unindented line after the frames
  }
  if (trimmed.rfind("Traceback (most recent call last)", 0) == 0) {
    m_impl->in_traceback = true;
    return LineKind::plain;
  }
  if (trimmed.empty()) return LineKind::plain;
  const re2::StringPiece piece(trimmed.data(), trimmed.size());
  if (RE2::PartialMatch(re2::StringPiece(content.data(), content.size()), frame_pattern())) return LineKind::plain;
  if (RE2::PartialMatch(piece, error_pattern())) return LineKind::error;
  if (RE2::PartialMatch(piece, hint_pattern())) return LineKind::hint;
  return LineKind::plain;
}

std::string_view trim(std::string_view text) {
  std::size_t begin = 0, end = text.size();
  while (begin < end && is_space(text[begin])) ++begin;
  while (end > begin && is_space(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

std::size_t content_offset(std::string_view line) { return prefix_length(line); }

std::size_t char_count(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    i += schema::decode_utf8(text, i, cp);
    ++count;
  }
  return count;
}

bool has_token_chars(std::string_view chunk) {
  return std::any_of(chunk.begin(), chunk.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || is_alnum(u);
  });
}

std::string fts_string(std::string_view chunk) {
  std::string out = "\"";
  for (const char c : chunk) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::vector<std::string> query_chunks(std::string_view query) {
  std::vector<std::string> chunks;
  std::size_t i = 0;
  while (i < query.size()) {
    while (i < query.size() && is_space(query[i])) ++i;
    const std::size_t start = i;
    while (i < query.size() && !is_space(query[i])) ++i;
    const std::string_view chunk = query.substr(start, i - start);
    if (!chunk.empty() && has_token_chars(chunk)) chunks.emplace_back(chunk);
  }
  return chunks;
}

std::vector<std::string> fallback_words(std::string_view line, std::size_t max_words) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < line.size() && words.size() < max_words) {
    while (i < line.size() && !(is_alnum(static_cast<unsigned char>(line[i])) ||
                                static_cast<unsigned char>(line[i]) >= 0x80)) {
      ++i;
    }
    const std::size_t start = i;
    bool digits = false, letters = false;
    while (i < line.size() &&
           (is_alnum(static_cast<unsigned char>(line[i])) || static_cast<unsigned char>(line[i]) >= 0x80)) {
      const auto c = static_cast<unsigned char>(line[i]);
      if (c >= '0' && c <= '9') {
        digits = true;
      } else {
        letters = true;
      }
      ++i;
    }
    std::string word(line.substr(start, i - start));
    if (word.size() < 3 || !letters) continue;
    if (digits && word.size() >= 8) continue; // hashes, ids, addresses
    for (char& c : word) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    if (is_common_word(word)) continue;
    if (std::find(words.begin(), words.end(), word) != words.end()) continue;
    words.push_back(std::move(word));
  }
  return words;
}

} // namespace errkb::lookup
