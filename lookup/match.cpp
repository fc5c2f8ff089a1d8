#include "lookup/match.hpp"

#include "lookup/text.hpp"
#include "schema/error.hpp"
#include "schema/record.hpp"
#include "schema/regex_atoms.hpp"

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <istream>
#include <unordered_map>
#include <unordered_set>

namespace errkb::lookup {
namespace {

// ---------------------------------------------------------------------------
// Input: the lines examined, with their kind and folded text.

struct Line {
  std::size_t number = 0;         // 1-based
  std::string text;               // at most k_max_line_bytes
  std::string folded;             // schema::fold_case(text)
  LineKind kind = LineKind::plain;
  std::size_t content_length = 1; // bytes of the text after the collector prefix, trimmed (at least 1)
  std::size_t content_begin = 0;  // where that text begins

  std::string_view content() const { return std::string_view(text).substr(content_begin); }
};

// The examined lines joined by '\n' in folded form, so one search finds a key in
// all of them; starts[i] is where line i begins.
struct Text {
  std::vector<Line> lines;
  std::string folded;
  std::vector<std::size_t> starts;
  bool ascii = true; // every examined line is pure ASCII

  std::size_t line_at(std::size_t offset) const {
    return static_cast<std::size_t>(std::upper_bound(starts.begin(), starts.end(), offset) - starts.begin()) - 1;
  }
};

// Collects the lines of one input: all of them for a message; for a log (past
// k_message_bytes or k_message_lines) only distinct error and hint lines plus the
// last k_tail_lines lines.
class Collector {
public:
  void add(std::string_view line) {
    ++m_stats.lines_read;
    m_bytes += line.size() + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string_view text = line.substr(0, std::min(line.size(), k_max_line_bytes));
    const LineKind kind = m_classifier.classify(text);
    if (!m_stats.log_mode && (m_bytes > k_message_bytes || m_stats.lines_read > k_message_lines)) enter_log_mode();
    Line made = make(text, kind);
    if (!m_stats.log_mode) {
      m_kept.push_back(std::move(made));
    } else {
      keep_in_log(std::move(made));
    }
  }

  Text finish(MatchStats& stats) {
    Text text;
    text.lines = std::move(m_kept);
    for (auto& line : m_tail) text.lines.push_back(std::move(line));
    std::sort(text.lines.begin(), text.lines.end(), [](const Line& a, const Line& b) { return a.number < b.number; });
    for (const Line& line : text.lines) {
      text.starts.push_back(text.folded.size());
      text.folded += line.folded;
      text.folded += '\n';
      text.ascii = text.ascii && std::all_of(line.text.begin(), line.text.end(),
                                             [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    }
    stats = m_stats;
    stats.lines_examined = text.lines.size();
    return text;
  }

private:
  Line make(std::string_view text, LineKind kind) const {
    Line line;
    line.number = m_stats.lines_read;
    line.text = std::string(text);
    line.folded = schema::fold_case(text);
    line.kind = kind;
    line.content_begin = content_offset(text);
    line.content_length = std::max<std::size_t>(1, trim(text.substr(line.content_begin)).size());
    return line;
  }

  void enter_log_mode() {
    m_stats.log_mode = true;
    std::vector<Line> kept = std::move(m_kept);
    m_kept.clear();
    for (auto& line : kept) keep_in_log(std::move(line));
  }

  void keep_in_log(Line line) {
    if (line.kind != LineKind::plain && m_seen.size() < k_max_error_lines) {
      // Deduplicate on the text after the collector prefix: timestamps differ.
      if (m_seen.insert(std::string(trim(line.content()))).second) {
        m_kept.push_back(std::move(line));
      }
      return;
    }
    m_tail.push_back(std::move(line));
    if (m_tail.size() > k_tail_lines) m_tail.pop_front();
  }

  LineClassifier m_classifier;
  MatchStats m_stats;
  std::size_t m_bytes = 0;
  std::vector<Line> m_kept;
  std::deque<Line> m_tail;
  std::unordered_set<std::string> m_seen;
};

Text collect(std::string_view input, MatchStats& stats) {
  Collector collector;
  std::size_t start = 0;
  while (start < input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    collector.add(input.substr(start, end - start));
    start = end + 1;
  }
  return collector.finish(stats);
}

Text collect(std::istream& in, std::size_t max_bytes, MatchStats& stats) {
  Collector collector;
  std::string pending;
  std::vector<char> buffer(1 << 16);
  std::size_t total = 0;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::string_view chunk(buffer.data(), static_cast<std::size_t>(in.gcount()));
    total += chunk.size();
    if (total > max_bytes)
      throw InputError("the input is larger than " + std::to_string(max_bytes) +
                       " bytes (--max-input-bytes); match the relevant part of the log");
    std::size_t start = 0;
    while (true) {
      const std::size_t end = chunk.find('\n', start);
      if (end == std::string_view::npos) break;
      if (pending.empty()) {
        collector.add(chunk.substr(start, end - start));
      } else {
        pending.append(chunk.substr(start, end - start));
        collector.add(pending);
        pending.clear();
      }
      start = end + 1;
    }
    // Keep the unfinished line, bounded: the rest of an overlong line is never examined.
    if (pending.size() < k_max_line_bytes + 1) {
      pending.append(chunk.substr(start, std::min(chunk.size() - start, k_max_line_bytes + 1 - pending.size())));
    }
  }
  if (in.bad()) throw InputError("cannot read the input");
  if (!pending.empty()) collector.add(pending);
  return collector.finish(stats);
}

// Where each trigram of the examined text occurs (trigrams across lines
// excluded): (trigram << 32 | offset) entries, sorted, so that a key indexed by
// one of its trigrams is verified only where that trigram occurs.
class TextTrigrams {
public:
  explicit TextTrigrams(const std::string& folded) {
    if (folded.size() < 3) return;
    m_entries.reserve(folded.size());
    for (std::size_t i = 0; i + 3 <= folded.size(); ++i) {
      if (folded[i + 1] == '\n' || folded[i + 2] == '\n') continue;
      m_entries.push_back((static_cast<std::uint64_t>(schema::trigram_key(folded.data() + i)) << 32) | i);
    }
    std::sort(m_entries.begin(), m_entries.end());
  }

  // Calls `f(trigram, first, last)` for each distinct trigram with its entries [first, last).
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < m_entries.size();) {
      const auto trigram = static_cast<std::uint32_t>(m_entries[i] >> 32);
      std::size_t j = i + 1;
      while (j < m_entries.size() && static_cast<std::uint32_t>(m_entries[j] >> 32) == trigram) ++j;
      f(trigram, m_entries.data() + i, m_entries.data() + j);
      i = j;
    }
  }

private:
  std::vector<std::uint64_t> m_entries;
};

// Where `trigram` first occurs in `key`, or npos.
std::size_t trigram_offset(std::string_view key, std::uint32_t trigram) {
  for (std::size_t i = 0; i + 3 <= key.size(); ++i) {
    if (schema::trigram_key(key.data() + i) == trigram) return i;
  }
  return std::string_view::npos;
}

// Appends the indexes of the lines of `text` containing `key`, once each, given
// the entries [first, last) of the trigram found at `offset` in `key`.
void lines_with_key(const Text& text, std::string_view key, std::size_t offset, const std::uint64_t* first,
                    const std::uint64_t* last, std::vector<std::uint32_t>& out) {
  if (offset == std::string_view::npos) return;
  const std::size_t before = out.size();
  for (const std::uint64_t* entry = first; entry != last; ++entry) {
    const std::size_t at = static_cast<std::uint32_t>(*entry);
    if (at < offset || at - offset + key.size() > text.folded.size()) continue;
    if (text.folded.compare(at - offset, key.size(), key) != 0) continue;
    const auto line = static_cast<std::uint32_t>(text.line_at(at - offset));
    if (out.size() == before || out.back() != line) out.push_back(line); // entries are in text order
  }
}

// ---------------------------------------------------------------------------
// Records and their regexes.

struct RegexRecord {
  std::int64_t rid = 0;
  std::string id;
  std::string regex;
  std::string signature;
  std::string domain;
  std::string category;
  double confidence = 0;
  double fix_success_rate = 0;
  bool filtered = false;
  std::vector<std::string> atoms; // lowercase literals of the regex, for coverage

  // The compiled regex; compiled on first use; nullptr when RE2 rejects it.
  // `ascii_text`: the lines it will run on are pure ASCII. Then a pattern that can
  // only denote ASCII text is compiled for Latin-1, about twice as fast to build
  // as UTF-8 with case folding, and it matches exactly the same spans of ASCII
  // text: the case folds UTF-8 adds (K to the Kelvin sign, s to the long s) and
  // multi-byte characters cannot occur in such text.
  const RE2* re(bool ascii_text = false) {
    if (ascii_text && ascii_pattern()) {
      if (!m_latin1_once) {
        m_latin1_once = true;
        RE2::Options options = schema::regex_options();
        options.set_encoding(RE2::Options::EncodingLatin1);
        auto compiled = std::make_unique<RE2>(regex, options);
        if (compiled->ok()) m_latin1 = std::move(compiled);
      }
      if (m_latin1 != nullptr) return m_latin1.get();
    }
    if (!m_compiled_once) {
      m_compiled_once = true;
      auto compiled = std::make_unique<RE2>(regex, schema::regex_options());
      if (compiled->ok()) m_re = std::move(compiled);
    }
    return m_re.get();
  }
  bool compiled() const { return m_re != nullptr || m_latin1 != nullptr; }

  // The distinct words of the signature (see word_set), computed on first use.
  const std::vector<std::string>& signature_words();

private:
  bool m_has_words = false;
  std::vector<std::string> m_signature_words;
  bool m_compiled_once = false;
  std::unique_ptr<RE2> m_re;
  bool m_latin1_once = false;
  std::unique_ptr<RE2> m_latin1;

  // True when the pattern can only denote ASCII text: no non-ASCII byte and none
  // of the escapes that name other characters (\x{...}, \p{...}, \P, \C).
  bool ascii_pattern() const {
    for (std::size_t i = 0; i < regex.size(); ++i) {
      const auto c = static_cast<unsigned char>(regex[i]);
      if (c >= 0x80) return false;
      if (c == '\\' && i + 1 < regex.size()) {
        const char next = regex[i + 1];
        if (next == 'x' || next == 'p' || next == 'P' || next == 'C') return false;
        ++i;
      }
    }
    return true;
  }
};

// Distinct lowercase words of `text` (runs of ASCII letters and digits or
// non-ASCII bytes), without numbers, long digit-bearing ids and common words:
// the distinctive words a signature and an error line can share.
std::vector<std::string> word_set(std::string_view text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto is_word = [](unsigned char c) {
      return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    };
    while (i < text.size() && !is_word(static_cast<unsigned char>(text[i]))) ++i;
    const std::size_t start = i;
    bool digits = false, letters = false;
    while (i < text.size() && is_word(static_cast<unsigned char>(text[i]))) {
      const auto c = static_cast<unsigned char>(text[i]);
      (c >= '0' && c <= '9' ? digits : letters) = true;
      ++i;
    }
    if (i - start < 2 || !letters || (digits && i - start >= 8)) continue;
    std::string word(text.substr(start, i - start));
    for (char& c : word) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    if (!is_common_word(word)) words.push_back(std::move(word));
  }
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

// Dice coefficient of two sorted word sets.
double dice(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() || b.empty()) return 0;
  std::size_t common = 0;
  for (auto i = a.begin(), j = b.begin(); i != a.end() && j != b.end();) {
    if (*i < *j) {
      ++i;
    } else if (*j < *i) {
      ++j;
    } else {
      ++common;
      ++i;
      ++j;
    }
  }
  return 2.0 * static_cast<double>(common) / static_cast<double>(a.size() + b.size());
}

std::vector<std::string> parse_atoms(const std::string& text) {
  std::vector<std::string> atoms;
  const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (!parsed.is_array()) return atoms;
  for (const auto& atom : parsed) {
    if (atom.is_string()) atoms.push_back(atom.get<std::string>());
  }
  return atoms;
}

// Columns r.rid, r.id, r.regex, r.signature, r.domain, r.category, r.confidence,
// r.fix_success_rate, m.filtered, m.atoms of records AS r JOIN match_regex AS m.
constexpr const char* k_record_columns =
  "r.rid, r.id, r.regex, r.signature, r.domain, r.category, r.confidence, r.fix_success_rate, m.filtered, m.atoms "
  "FROM records AS r JOIN match_regex AS m ON m.rid = r.rid";

void read_record(SQLite::Statement& query, RegexRecord& record) {
  record.rid = query.getColumn(0).getInt64();
  record.id = query.getColumn(1).getString();
  record.regex = query.getColumn(2).getString();
  record.signature = query.getColumn(3).getString();
  record.domain = query.getColumn(4).getString();
  record.category = query.getColumn(5).getString();
  record.confidence = query.getColumn(6).getDouble();
  record.fix_success_rate = query.getColumn(7).getDouble();
  record.filtered = query.getColumn(8).getInt() != 0;
  record.atoms = parse_atoms(query.getColumn(9).getString());
}

const std::vector<std::string>& RegexRecord::signature_words() {
  if (!m_has_words) {
    m_signature_words = word_set(signature);
    m_has_words = true;
  }
  return m_signature_words;
}

struct Candidate {
  RegexRecord* record = nullptr;
  bool every_line = false;          // unfiltered regex: run on every examined line
  std::vector<std::uint32_t> lines; // examined lines containing one of its keys
};

// ---------------------------------------------------------------------------
// Scoring.

double round4(double value) { return std::round(value * 10000.0) / 10000.0; }

// Bytes of `span` (folded) covered by the regex's literal atoms, each counted at
// its first occurrence only: a later one is text a wildcard happened to match.
std::size_t literal_bytes(std::string_view span, const std::vector<std::string>& atoms) {
  if (atoms.empty() || span.empty()) return 0;
  std::vector<bool> covered(span.size(), false);
  for (const auto& atom : atoms) {
    const std::size_t at = atom.empty() ? std::string_view::npos : span.find(atom);
    if (at == std::string_view::npos) continue;
    std::fill(covered.begin() + static_cast<std::ptrdiff_t>(at),
              covered.begin() + static_cast<std::ptrdiff_t>(at + atom.size()), true);
  }
  return static_cast<std::size_t>(std::count(covered.begin(), covered.end(), true));
}

// Rank of the kind of line a hit is on: hits on lines that state an error come
// first, then lines that mention one, then any other line.
double kind_tier(LineKind kind) {
  switch (kind) {
    case LineKind::error: return 2;
    case LineKind::hint: return 1;
    case LineKind::plain: return 0;
  }
  return 0;
}

struct Hit {
  RegexRecord* record = nullptr;
  std::size_t line = 0; // index into Text::lines
  std::string matched;
  double score = 0;
};

// How much of `line` the regex covers: every match of it in the line (leftmost
// first, without overlaps), as a fraction of the line's text. Literal text of the
// regex counts fully; text its wildcards and classes matched counts at a quarter,
// and at most as much as the literal text of the same match, so that a `.*`
// spanning half a line does not outweigh an exact literal. `longest` is set to
// the longest match.
double line_coverage(const RE2& re, const RegexRecord& record, const Line& line, std::string_view& longest) {
  constexpr int k_max_matches = 16;
  const re2::StringPiece text(line.text.data(), line.text.size());
  double covered = 0;
  std::size_t position = 0;
  for (int n = 0; n < k_max_matches && position <= text.size(); ++n) {
    re2::StringPiece match;
    if (!re.Match(text, position, text.size(), RE2::UNANCHORED, &match, 1)) break;
    const std::string_view matched(match.data(), match.size());
    if (n == 0 || matched.size() > longest.size()) longest = matched;
    const std::string folded = schema::fold_case(matched);
    const double literal = static_cast<double>(literal_bytes(folded, record.atoms));
    covered += literal + 0.25 * std::min(literal, std::max(0.0, static_cast<double>(folded.size()) - literal));
    position = static_cast<std::size_t>(match.data() - text.data()) + match.size() + (match.empty() ? 1 : 0);
  }
  return std::min(1.0, covered / static_cast<double>(line.content_length));
}

// The score of a hit, in [0.5, 1], ordered by the kind of line (a tier of 1/6
// each), then by how well the record explains the line: the regex's coverage and
// the words the line shares with the record's signature; then the record's
// confidence and fix success rate.
double score_hit(RegexRecord& record, const Line& line, double coverage) {
  const double similarity = dice(record.signature_words(), word_set(line.content()));
  const double explained = 0.65 * coverage + 0.35 * similarity;
  const double within = 0.85 * explained + 0.075 * record.confidence + 0.075 * record.fix_success_rate;
  return 0.5 + 0.5 * (kind_tier(line.kind) + within) / 3.0;
}

// The matched text as shown: at most this many bytes, cut on a character boundary.
constexpr std::size_t k_max_matched_bytes = 1000;

std::string shown(std::string_view text) {
  if (text.size() <= k_max_matched_bytes) return std::string(text);
  std::size_t cut = k_max_matched_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "…";
}

// Runs the candidates on their lines; the best hit per record, best first.
// `latin1`: ASCII patterns may run compiled for Latin-1 when the text is ASCII
// (RegexRecord::re); the naive baseline keeps the UTF-8 compilations it made up front.
std::vector<Hit> run(const Text& text, std::vector<Candidate>& candidates, MatchStats& stats, bool latin1) {
  std::vector<Hit> hits;
  for (Candidate& candidate : candidates) {
    const RE2* re = candidate.record->re(latin1 && text.ascii);
    if (re == nullptr) continue;
    Hit best;
    auto try_line = [&](std::size_t index) {
      const Line& line = text.lines[index];
      ++stats.regex_runs;
      std::string_view matched;
      const double coverage = line_coverage(*re, *candidate.record, line, matched);
      if (matched.data() == nullptr) return; // no match
      const double score = score_hit(*candidate.record, line, coverage);
      if (best.record == nullptr || score > best.score) {
        best.record = candidate.record;
        best.line = index;
        best.matched = shown(matched);
        best.score = score;
      }
    };
    if (candidate.every_line) {
      for (std::size_t i = 0; i < text.lines.size(); ++i) try_line(i);
    } else {
      for (const std::uint32_t i : candidate.lines) try_line(i);
    }
    if (best.record != nullptr) hits.push_back(std::move(best));
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.record->id < b.record->id;
  });
  return hits;
}

// ---------------------------------------------------------------------------
// Results.

[[noreturn]] void store_error(const db::Database& db, const SQLite::Exception& error) {
  throw StoreError("database " + db.path() + ": " + error.what());
}

// Fills workarounds and dead_ends of `results` from the stored records.
void add_details(db::Database& db, std::vector<MatchResult>& results) {
  if (results.empty()) return;
  SQLite::Statement query(db.sql(), "SELECT json_extract(json, '$.workarounds'), json_extract(json, '$.dead_ends') "
                                    "FROM records WHERE id = ?");
  for (MatchResult& result : results) {
    query.bind(1, result.id);
    if (query.executeStep()) {
      for (int column = 0; column < 2; ++column) {
        if (query.getColumn(column).isNull()) continue;
        nlohmann::ordered_json value =
          nlohmann::ordered_json::parse(query.getColumn(column).getString(), nullptr, false);
        if (!value.is_array()) continue;
        (column == 0 ? result.workarounds : result.dead_ends) = std::move(value);
      }
    }
    query.reset();
  }
}

// The lines a full-text fallback searches, the most telling first: the last
// error lines, else the last hint lines, else the last non-empty line.
std::vector<std::size_t> fallback_lines(const Text& text) {
  constexpr std::size_t k_max = 3;
  for (const LineKind kind : {LineKind::error, LineKind::hint}) {
    std::vector<std::size_t> chosen;
    for (std::size_t i = text.lines.size(); i-- > 0 && chosen.size() < k_max;) {
      if (text.lines[i].kind == kind) chosen.push_back(i);
    }
    if (!chosen.empty()) return chosen;
  }
  for (std::size_t i = text.lines.size(); i-- > 0;) {
    if (!trim(text.lines[i].text).empty()) return {i};
  }
  return {};
}

// Full-text similarity of the error lines: one OR query of their distinctive
// words, ranked by bm25 (FTS5 sorts by rank with a LIMIT cheaply; bm25 in an
// aggregate would score every matching document).
std::vector<MatchResult> fts_fallback(db::Database& db, const Text& text, std::size_t limit) {
  constexpr std::size_t k_max_words = 8;
  const std::vector<std::size_t> lines = fallback_lines(text);
  if (lines.empty()) return {};
  std::vector<std::string> words;
  for (const std::size_t index : lines) {
    for (auto& word : fallback_words(text.lines[index].content(), k_max_words)) {
      if (words.size() < k_max_words && std::find(words.begin(), words.end(), word) == words.end()) {
        words.push_back(std::move(word));
      }
    }
  }
  if (words.empty()) return {};
  std::string expression;
  for (const auto& word : words) expression += (expression.empty() ? "" : " OR ") + fts_string(word);

  // The signature with the shared words highlighted says why a record came up;
  // snippet() over every column would tokenize whole documents (~0.3 ms each).
  SQLite::Statement query(db.sql(), "SELECT rowid, rank, highlight(search_words, 0, '**', '**') FROM search_words "
                                    "WHERE search_words MATCH ? AND rank MATCH 'bm25(10.0, 4.0, 1.5, 2.0, 3.0)' "
                                    "ORDER BY rank LIMIT ?");
  SQLite::Statement record(db.sql(), "SELECT r.id, r.signature, r.domain, r.category FROM search_docs AS d "
                                     "JOIN records AS r ON r.rid = d.rid WHERE d.rowid = ? AND r.withdrawn_date IS NULL");
  query.bind(1, expression);
  // A record has a document per locale: read a few more rows than results.
  query.bind(2, static_cast<std::int64_t>(limit * 3));
  std::vector<MatchResult> results;
  std::unordered_set<std::string> seen;
  while (query.executeStep() && results.size() < limit) {
    record.bind(1, query.getColumn(0).getInt64());
    if (record.executeStep() && seen.insert(record.getColumn(0).getString()).second) {
      const double strength = std::max(0.0, -query.getColumn(1).getDouble());
      MatchResult result;
      result.id = record.getColumn(0).getString();
      result.signature = record.getColumn(1).getString();
      result.domain = record.getColumn(2).getString();
      result.category = record.getColumn(3).getString();
      // In (0, 0.5): a match bm25 rates near zero (words in most documents) still scores 0.0001.
      result.score = std::max(0.0001, round4(0.45 * strength / (strength + 10.0)));
      result.via = Via::fts;
      result.line = text.lines[lines.front()].number;
      if (!query.getColumn(2).isNull()) result.matched = query.getColumn(2).getString();
      results.push_back(std::move(result));
    }
    record.reset();
  }
  return results;
}

// Ranks `candidates` on `text` and builds the response.
MatchResponse answer(db::Database& db, const Text& text, std::vector<Candidate>& candidates, MatchStats stats,
                     const MatchOptions& options, bool latin1 = true) {
  MatchResponse response;
  stats.candidates = candidates.size();
  const std::vector<Hit> hits = run(text, candidates, stats, latin1);
  for (const Hit& hit : hits) {
    if (response.results.size() >= options.limit) break;
    MatchResult result;
    result.id = hit.record->id;
    result.score = round4(hit.score);
    result.via = Via::regex;
    result.line = text.lines[hit.line].number;
    result.matched = hit.matched;
    result.signature = hit.record->signature;
    result.domain = hit.record->domain;
    result.category = hit.record->category;
    response.results.push_back(std::move(result));
  }
  try {
    if (response.results.empty() && options.fallback == Fallback::fts && options.limit > 0) {
      response.results = fts_fallback(db, text, options.limit);
    }
    if (options.details == Details::with) add_details(db, response.results);
  } catch (const SQLite::Exception& error) {
    store_error(db, error);
  }
  response.stats = stats;
  return response;
}

// Candidate list with one entry per record, in first-seen order.
class CandidateSet {
public:
  Candidate& at(RegexRecord* record) {
    auto [it, added] = m_index.try_emplace(record, m_candidates.size());
    if (added) m_candidates.push_back(Candidate{record, false, {}});
    return m_candidates[it->second];
  }
  std::vector<Candidate> take() {
    for (Candidate& candidate : m_candidates) {
      std::sort(candidate.lines.begin(), candidate.lines.end());
      candidate.lines.erase(std::unique(candidate.lines.begin(), candidate.lines.end()), candidate.lines.end());
    }
    return std::move(m_candidates);
  }

private:
  std::unordered_map<RegexRecord*, std::size_t> m_index;
  std::vector<Candidate> m_candidates;
};

} // namespace

// ---------------------------------------------------------------------------
// Matcher: everything in memory.

struct Matcher::Impl {
  db::Database& db;
  std::vector<RegexRecord> records;
  std::vector<std::string> keys;                                       // distinct key literals
  std::vector<std::size_t> key_offsets;                                // where its indexed trigram is in each key
  std::vector<std::vector<std::uint32_t>> key_records;                 // key -> records
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> index; // trigram -> keys
  std::vector<std::uint32_t> unfiltered;                               // records run on every line
  std::vector<std::uint32_t> key_seen;                                 // per key: generation last looked at
  std::uint32_t generation = 0;

  explicit Impl(db::Database& database) : db(database) {
    try {
      load();
    } catch (const SQLite::Exception& error) {
      store_error(db, error);
    }
  }

  void load() {
    std::unordered_map<std::int64_t, std::uint32_t> by_rid;
    SQLite::Statement query(db.sql(), std::string("SELECT ") + k_record_columns +
                                        " WHERE r.withdrawn_date IS NULL ORDER BY r.rid");
    while (query.executeStep()) {
      RegexRecord& record = records.emplace_back();
      read_record(query, record);
      by_rid.emplace(record.rid, static_cast<std::uint32_t>(records.size() - 1));
      if (!record.filtered) unfiltered.push_back(static_cast<std::uint32_t>(records.size() - 1));
    }
    std::unordered_map<std::string, std::uint32_t> key_ids;
    SQLite::Statement atoms(db.sql(), "SELECT atom_key, rid, atom FROM match_atoms ORDER BY atom_key, rid, atom");
    while (atoms.executeStep()) {
      const auto found = by_rid.find(atoms.getColumn(1).getInt64());
      if (found == by_rid.end()) continue; // withdrawn
      const std::string atom = atoms.getColumn(2).getString();
      auto [it, added] = key_ids.try_emplace(atom, static_cast<std::uint32_t>(keys.size()));
      if (added) {
        const auto trigram = static_cast<std::uint32_t>(atoms.getColumn(0).getInt64());
        keys.push_back(atom);
        key_offsets.push_back(trigram_offset(atom, trigram));
        key_records.emplace_back();
        index[trigram].push_back(it->second);
      }
      key_records[it->second].push_back(found->second);
    }
    key_seen.assign(keys.size(), 0);
  }

  std::vector<Candidate> candidates(const Text& text) {
    ++generation;
    CandidateSet set;
    std::vector<std::uint32_t> lines;
    TextTrigrams(text.folded).for_each([&](std::uint32_t trigram, const std::uint64_t* first, const std::uint64_t* last) {
      const auto found = index.find(trigram);
      if (found == index.end()) return;
      for (const std::uint32_t key : found->second) {
        if (key_seen[key] == generation) continue;
        key_seen[key] = generation;
        lines.clear();
        lines_with_key(text, keys[key], key_offsets[key], first, last, lines);
        if (lines.empty()) continue;
        for (const std::uint32_t record : key_records[key]) {
          Candidate& candidate = set.at(&records[record]);
          candidate.lines.insert(candidate.lines.end(), lines.begin(), lines.end());
        }
      }
    });
    for (const std::uint32_t record : unfiltered) set.at(&records[record]).every_line = true;
    return set.take();
  }
};

Matcher::Matcher(db::Database& db) : m_impl(std::make_unique<Impl>(db)) {}
Matcher::~Matcher() = default;

MatchResponse Matcher::match(std::string_view text, const MatchOptions& options) {
  MatchStats stats;
  const Text examined = collect(text, stats);
  std::vector<Candidate> candidates = m_impl->candidates(examined);
  return answer(m_impl->db, examined, candidates, stats, options);
}

std::size_t Matcher::records() const { return m_impl->records.size(); }

std::size_t Matcher::compiled() const {
  return static_cast<std::size_t>(std::count_if(m_impl->records.begin(), m_impl->records.end(),
                                                [](const RegexRecord& r) { return r.compiled(); }));
}

// ---------------------------------------------------------------------------
// One-shot lookups through SQL.

namespace {

// Three queries whatever the input: the keys of every trigram of the text at once,
// then every candidate record at once. (A query per trigram and per record cost
// more than the matching itself: a message has hundreds of distinct trigrams.)
MatchResponse match_examined(db::Database& db, const Text& text, const MatchStats& stats,
                             const MatchOptions& options) {
  try {
    // Each distinct trigram of the text with its entries, and all of them as a JSON array.
    struct Entries {
      const std::uint64_t* first;
      const std::uint64_t* last;
    };
    const TextTrigrams trigrams(text.folded);
    std::unordered_map<std::uint32_t, Entries> where;
    std::string keys = "[";
    trigrams.for_each([&](std::uint32_t trigram, const std::uint64_t* first, const std::uint64_t* last) {
      where.emplace(trigram, Entries{first, last});
      if (keys.size() > 1) keys += ',';
      keys += std::to_string(trigram);
    });
    keys += ']';

    // Candidate rids, in first-seen order, with the lines holding one of their keys.
    std::vector<std::int64_t> order;
    std::unordered_map<std::int64_t, std::pair<bool, std::vector<std::uint32_t>>> lines_of; // every_line, lines
    auto note = [&](std::int64_t rid) -> std::pair<bool, std::vector<std::uint32_t>>& {
      auto [it, added] = lines_of.try_emplace(rid);
      if (added) order.push_back(rid);
      return it->second;
    };
    if (!where.empty()) {
      // Which lines each key literal occurs in; many records share a key.
      std::unordered_map<std::string, std::vector<std::uint32_t>> key_lines;
      SQLite::Statement atoms(db.sql(), "SELECT atom_key, rid, atom FROM match_atoms "
                                        "WHERE atom_key IN (SELECT value FROM json_each(?))");
      atoms.bind(1, keys);
      while (atoms.executeStep()) {
        const auto trigram = static_cast<std::uint32_t>(atoms.getColumn(0).getInt64());
        const auto found = where.find(trigram);
        if (found == where.end()) continue;
        std::string atom = atoms.getColumn(2).getString();
        auto [it, added] = key_lines.try_emplace(std::move(atom));
        if (added) {
          lines_with_key(text, it->first, trigram_offset(it->first, trigram), found->second.first,
                         found->second.last, it->second);
        }
        if (it->second.empty()) continue;
        auto& lines = note(atoms.getColumn(1).getInt64()).second;
        lines.insert(lines.end(), it->second.begin(), it->second.end());
      }
    }
    SQLite::Statement unfiltered(db.sql(), "SELECT rid FROM match_regex WHERE filtered = 0 ORDER BY rid");
    while (unfiltered.executeStep()) note(unfiltered.getColumn(0).getInt64()).first = true;

    // The candidate records (withdrawn ones drop out here).
    std::unordered_map<std::int64_t, RegexRecord> records;
    if (!order.empty()) {
      std::string rids = "[";
      for (const std::int64_t rid : order) {
        if (rids.size() > 1) rids += ',';
        rids += std::to_string(rid);
      }
      rids += ']';
      SQLite::Statement record_query(db.sql(), std::string("SELECT ") + k_record_columns +
                                                 " WHERE r.rid IN (SELECT value FROM json_each(?))"
                                                 " AND r.withdrawn_date IS NULL");
      record_query.bind(1, rids);
      while (record_query.executeStep()) {
        RegexRecord record;
        read_record(record_query, record);
        const std::int64_t rid = record.rid;
        records.emplace(rid, std::move(record));
      }
    }

    std::vector<Candidate> candidates;
    candidates.reserve(order.size());
    for (const std::int64_t rid : order) {
      const auto found = records.find(rid);
      if (found == records.end()) continue;
      auto& [every_line, lines] = lines_of.at(rid);
      std::sort(lines.begin(), lines.end());
      lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
      candidates.push_back(Candidate{&found->second, every_line, std::move(lines)});
    }
    return answer(db, text, candidates, stats, options);
  } catch (const SQLite::Exception& error) {
    store_error(db, error);
  }
}

} // namespace

MatchResponse match_stream(db::Database& db, std::istream& in, const MatchOptions& options) {
  MatchStats stats;
  const Text text = collect(in, options.max_input_bytes, stats);
  return match_examined(db, text, stats, options);
}

MatchResponse match_text(db::Database& db, std::string_view input, const MatchOptions& options) {
  MatchStats stats;
  const Text text = collect(input, stats);
  return match_examined(db, text, stats, options);
}

// ---------------------------------------------------------------------------
// NaiveScanner.

struct NaiveScanner::Impl {
  db::Database& db;
  std::vector<RegexRecord> records;

  explicit Impl(db::Database& database) : db(database) {
    try {
      SQLite::Statement query(db.sql(), std::string("SELECT ") + k_record_columns +
                                          " WHERE r.withdrawn_date IS NULL ORDER BY r.rid");
      while (query.executeStep()) read_record(query, records.emplace_back());
    } catch (const SQLite::Exception& error) {
      store_error(db, error);
    }
    for (RegexRecord& record : records) record.re();
  }
};

NaiveScanner::NaiveScanner(db::Database& db) : m_impl(std::make_unique<Impl>(db)) {}
NaiveScanner::~NaiveScanner() = default;

MatchResponse NaiveScanner::match(std::string_view text, const MatchOptions& options) {
  MatchStats stats;
  const Text examined = collect(text, stats);
  std::vector<Candidate> candidates;
  candidates.reserve(m_impl->records.size());
  for (RegexRecord& record : m_impl->records) candidates.push_back(Candidate{&record, true, {}});
  return answer(m_impl->db, examined, candidates, stats, options, /*latin1=*/false);
}

// ---------------------------------------------------------------------------

const char* via_name(Via via) { return via == Via::fts ? "fts" : "regex"; }

nlohmann::ordered_json to_json(const MatchResult& result) {
  nlohmann::ordered_json out;
  out["id"] = result.id;
  out["score"] = result.score;
  out["via"] = via_name(result.via);
  out["line"] = result.line;
  out["matched"] = result.matched;
  out["signature"] = result.signature;
  out["domain"] = result.domain;
  out["category"] = result.category;
  out["workarounds"] = result.workarounds;
  out["dead_ends"] = result.dead_ends;
  return out;
}

nlohmann::ordered_json to_json(const std::vector<MatchResult>& results) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& result : results) list.push_back(to_json(result));
  nlohmann::ordered_json out;
  out["results"] = std::move(list);
  return out;
}

} // namespace errkb::lookup
