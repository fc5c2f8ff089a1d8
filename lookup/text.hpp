#pragma once
// Text helpers shared by search and match: error-line detection in logs and the
// safe construction of FTS5 queries from user text.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace errkb::lookup {

// How strongly a line of input looks like the line that states an error.
enum class LineKind {
  plain, // ordinary output, stack frames, source excerpts
  hint,  // mentions an error word ("failed", "refused", "timed out", "OOMKilled", ...)
  error, // states an error: last line of a traceback, `Error:`, `error[E0382]:`,
         // `Caused by:`, `panic:`, `FATAL`, `file:line:col: message`, ...
};

// Classifies the lines of one input in order; keeps the state a Python traceback
// needs (its last unindented line is the error). Not thread-safe.
class LineClassifier {
public:
  LineClassifier();
  ~LineClassifier();
  LineClassifier(const LineClassifier&) = delete;
  LineClassifier& operator=(const LineClassifier&) = delete;

  // The kind of `line` (without its newline), given the lines classified before it.
  LineKind classify(std::string_view line);

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// `text` without leading and trailing ASCII whitespace.
std::string_view trim(std::string_view text);

// Length of the prefix a log collector put before the text of `line`: timestamps,
// `[rank0]:`, `service-1  | `, Terraform's `│`, pytest's `E   `.
std::size_t content_offset(std::string_view line);

// Number of Unicode characters in `text` (UTF-8).
std::size_t char_count(std::string_view text);

// True when `chunk` contains a character unicode61 indexes (a letter, digit or any
// non-ASCII character); other chunks ("-", "...", "\"") cannot match anything.
bool has_token_chars(std::string_view chunk);

// `chunk` as one FTS5 string: in double quotes, inner quotes doubled. FTS5 reads
// everything inside as text, so no user input can become query syntax.
std::string fts_string(std::string_view chunk);

// The whitespace-separated chunks of `query` that has_token_chars().
std::vector<std::string> query_chunks(std::string_view query);

// True for a lowercase word too common in error text to tell errors apart
// ("error", "failed", "the", "not", ...).
bool is_common_word(std::string_view word);

// Distinctive words of an error line for a full-text fallback: alphanumeric runs
// of 3+ characters that are not numbers, hex ids or very common words, in order,
// distinct, at most `max_words`.
std::vector<std::string> fallback_words(std::string_view line, std::size_t max_words);

} // namespace errkb::lookup
