#pragma once
// Many record regexes against many signatures without trying every pair.
//
// Each regex is reduced to a *requirement*: a set of lowercase literal strings (at
// least 3 bytes) one of which every text it matches must contain, derived from its
// syntax (a concatenation needs each of its required parts: the one whose literals are
// rarest in a sample of the texts is kept; an alternation unions its branches';
// optional parts require nothing). A text only runs the regexes one of whose
// literals it contains (found with a trigram index); regexes without a requirement
// run on every text. Anything the derivation does not understand yields no
// requirement, so the filter can cost time but never a match: results equal brute
// force (tests/unit/lint/test_similarity.cpp checks it). RE2's FilteredRE2 does the
// same with AND/OR trees, but its per-text evaluation costs time proportional to all
// regexes (~0.1 ms per text at 2,500 regexes), which is quadratic at 100,000.
//
// Before RE2 runs on a (pattern, text) pair, all-pairs or a check, the pattern's whole
// literal structure is tested on the text: some branch must have all its literal runs
// and required groups in order, and a non-ASCII character wherever it needs a cased
// non-ASCII letter. This skips most RE2 calls (on the imported corpus: 52,700 calls
// before, 5,000 after).
//
// Speed: an ASCII-only pattern (without `\x{...}` or `\p` escapes, which can name
// the Kelvin sign or long s) is compiled in Latin-1 mode, which on ASCII-only text
// matches exactly what the UTF-8 compilation `match` uses would (case folding and
// multi-byte characters only differ on non-ASCII text) and compiles and runs faster;
// non-ASCII text gets the UTF-8 compilation, built when first needed. Each regex is
// a schema::SearchRegex: its first searches use RE2's bit-state engine, not a DFA
// built for one or two texts. The texts are scanned once for all the literals
// (postings: literal -> texts); then each pattern is one task, taken by the next free
// thread, which compiles it (with per_pattern, or when a check or a candidate text
// needs it), runs its checks and candidates, and frees it. So at most one regex per
// thread is alive, and no RE2 DFA cache is shared between threads.
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace errkb::lint {

// The requirement of `pattern`: lowercase literals, one of which any text it matches
// (case-insensitively) contains; empty when none can be derived.
std::vector<std::string> required_literals(const std::string& pattern);

// Finds which of many literals (>= 3 bytes) occur in a text. Each literal is keyed on
// its rarest trigram (rarest among all the literals' trigrams), so literals sharing a
// long prefix do not pile up in one bucket; a text probes one bucket per position.
class LiteralSet {
public:
  explicit LiteralSet(std::vector<std::string> literals = {});
  const std::vector<std::string>& literals() const { return m_literals; }
  // Calls `found(id)` for each literal occurring in `lowered` (once per occurrence).
  template <typename Found>
  void scan(const std::string& lowered, const Found& found) const {
    for (std::size_t pos = 0; pos + 3 <= lowered.size(); ++pos) {
      const std::uint32_t k = key(lowered.data() + pos);
      const std::uint32_t b = bit(k);
      if (((m_present[b >> 6] >> (b & 63)) & 1) == 0) continue; // most positions stop at this bit
      auto it = m_by_trigram.find(k);
      if (it == m_by_trigram.end()) continue;
      for (const auto& [id, offset] : it->second) {
        const std::string& literal = m_literals[id];
        if (pos < offset || literal.size() > lowered.size() - (pos - offset)) continue;
        if (lowered.compare(pos - offset, literal.size(), literal) == 0) found(id);
      }
    }
  }

private:
  static std::uint32_t key(const char* bytes);
  static constexpr int k_bits = 20;
  static std::uint32_t bit(std::uint32_t key) { return (key * 2654435761u) >> (32 - k_bits); } // multiplicative hash
  std::vector<std::string> m_literals;
  std::vector<std::uint64_t> m_present; // one bit per trigram hash: may it be some literal's key? (128 KB)
  std::unordered_map<std::uint32_t, std::vector<std::pair<std::uint32_t, std::size_t>>> m_by_trigram; // -> (literal, offset)
};

struct RegexScanOptions {
  bool all_pairs = true;     // find every (pattern, text) match (W104); false: only `checks`
  std::size_t cap = static_cast<std::size_t>(-1); // keep at most this many matching texts per pattern
  unsigned threads = 0;      // 0: one per core
  // Fill `compiled` and `matches_empty`, which compiles every pattern. Without it
  // they stay empty and only the patterns a check or a candidate text needs are
  // compiled: for callers whose patterns are known to compile.
  bool per_pattern = true;
  // All-pairs: texts a pattern need not be tried on (the caller's own), or empty.
  // `group_of_pattern[p] == group_of_text[t]` skips the pair (p, t).
  std::vector<std::uint32_t> group_of_pattern, group_of_text;
};

struct RegexScan {
  std::vector<bool> compiled;       // per pattern: RE2 accepts it (with per_pattern)
  std::vector<bool> matches_empty;  // per pattern: matches "" (with per_pattern)
  std::vector<bool> check_matched;  // per entry of `checks`
  std::vector<std::vector<std::size_t>> matched; // per pattern (all_pairs): matching texts, ascending, first `cap`
  std::size_t unfiltered = 0;       // compiled patterns without a requirement (ran on every text)
};

// Compiles `patterns` (case-insensitive, as schema::regex_options()), tests each
// (pattern, text) pair of `checks`, and with `all_pairs` finds every text each pattern
// matches (RE2::PartialMatch, `match`'s semantics). Invalid patterns never match.
RegexScan scan_regexes(const std::vector<std::string>& patterns, const std::vector<std::string>& texts,
                       const std::vector<std::pair<std::size_t, std::size_t>>& checks,
                       const RegexScanOptions& options = {});

} // namespace errkb::lint
