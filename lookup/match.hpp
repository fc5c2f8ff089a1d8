#pragma once
// `errkb match`: which known errors an error message or a log contains.
//
// Every record regex runs under RE2 (case-insensitive, UTF-8) on single lines of
// the input. Only candidate regexes run: at ingest each regex's literal prefilter
// (schema/regex_atoms.hpp) is stored as keys indexed by a trigram; a line is
// checked by a regex only when one of the regex's keys occurs in it. Regexes are
// compiled when first needed, never all at start.
//
// Input: a message (every line is examined) or, beyond k_message_bytes or
// k_message_lines, a log: then only its error lines (deduplicated) and its last
// k_tail_lines lines are examined, so a log of any size is read as a stream in
// bounded memory.
//
// Ranking: a hit on a line that states an error (LineKind::error) outranks one on
// a line that only mentions one, which outranks one on any other line; then how
// much of the line's text the match covers, counting the regex's literal text
// fully and wildcard-matched text at a quarter; then the record's confidence and
// fix success rate. Each record is reported once, at its best line. When no regex
// matches, a full-text search of the error lines follows, ranked below every
// regex hit (scores below 0.5) and marked Via::fts.
#include "db/database.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace errkb::lookup {

// Inputs up to this size are messages: every line is examined.
inline constexpr std::size_t k_message_bytes = 256 * 1024;
inline constexpr std::size_t k_message_lines = 4000;
// In a log, the last lines examined whether or not they look like errors.
inline constexpr std::size_t k_tail_lines = 20;
// In a log, at most this many distinct error lines are examined (the first ones).
inline constexpr std::size_t k_max_error_lines = 10000;
// Bytes of one line examined; the rest of a longer line is ignored.
inline constexpr std::size_t k_max_line_bytes = 16 * 1024;

enum class Via { regex, fts };

// Whether results carry the record's workarounds and dead ends (one more query each).
enum class Details { with, without };

// Whether a full-text search runs when no regex matches.
enum class Fallback { fts, none };

// Largest input `match_stream` reads; beyond it the lookup fails with an InputError.
inline constexpr std::size_t k_default_max_input_bytes = std::size_t{1} << 30;

struct MatchOptions {
  std::size_t limit = 10;
  std::size_t max_input_bytes = k_default_max_input_bytes;
  Details details = Details::with;
  Fallback fallback = Fallback::fts;
};

struct MatchResult {
  std::string id;
  double score = 0; // regex hits in [0.5, 1], full-text hits in (0, 0.5); 4 decimals
  Via via = Via::regex;
  std::size_t line = 0; // 1-based line of the input the record matched
  std::string matched;  // regex: the text the regex matched; fts: the signature, shared words in **
  std::string signature;
  std::string domain;
  std::string category;
  nlohmann::ordered_json workarounds = nlohmann::ordered_json::array(); // as in the record (Details::with)
  nlohmann::ordered_json dead_ends = nlohmann::ordered_json::array();
};

// What a lookup examined, for benchmarks and `--verbose`.
struct MatchStats {
  std::size_t lines_read = 0;     // lines of input
  std::size_t lines_examined = 0; // lines kept for matching
  bool log_mode = false;          // the input was larger than a message
  std::size_t candidates = 0;     // regexes whose keys occur in the input (plus unfiltered ones)
  std::size_t regex_runs = 0;     // (regex, line) pairs run
};

struct MatchResponse {
  std::vector<MatchResult> results; // best first, at most MatchOptions::limit
  MatchStats stats;
};

// In-process matcher: loads the prefilter index and the regex of every record of
// `db` once (compiling none), then answers many inputs; each regex is compiled
// the first time one of its keys occurs in an input and kept. `db` must outlive
// the Matcher. Not thread-safe: use one Matcher per thread.
class Matcher {
public:
  explicit Matcher(db::Database& db);
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  MatchResponse match(std::string_view text, const MatchOptions& options = {});

  // Number of records loaded, and of regexes compiled so far.
  std::size_t records() const;
  std::size_t compiled() const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// One lookup without loading the index: reads `in` as a stream, then fetches from
// `db` only the keys of the trigrams its examined lines contain and the
// candidate records. What `errkb match` runs.
MatchResponse match_stream(db::Database& db, std::istream& in, const MatchOptions& options = {});
MatchResponse match_text(db::Database& db, std::string_view text, const MatchOptions& options = {});

// The baseline the prefilter is measured against: every regex compiled at
// construction and run on every examined line. Same results as Matcher.
class NaiveScanner {
public:
  explicit NaiveScanner(db::Database& db);
  ~NaiveScanner();
  NaiveScanner(const NaiveScanner&) = delete;
  NaiveScanner& operator=(const NaiveScanner&) = delete;

  MatchResponse match(std::string_view text, const MatchOptions& options = {});

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// "regex" / "fts".
const char* via_name(Via via);

// {"id", "score", "via", "line", "matched", "signature", "domain", "category",
//  "workarounds", "dead_ends"}.
nlohmann::ordered_json to_json(const MatchResult& result);

// {"results": [...]}.
nlohmann::ordered_json to_json(const std::vector<MatchResult>& results);

} // namespace errkb::lookup
