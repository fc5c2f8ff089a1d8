#pragma once
// A record regex compiled for searches of short texts (signatures, log lines).
//
// RE2 answers an unanchored search with its DFA, whose set-up (a state cache, about
// 1 KB per state built) dominates when a regex meets only a few texts, as a record's
// regex does when it is validated, linted or checked against its own signature. So
// the pattern is compiled as `\C*?((?:PATTERN))` and searched anchored at the start
// with one submatch: on short texts RE2 then runs its bit-state backtracker, which
// visits each (instruction, position) pair once (linear time) and allocates only a
// small bitmap. The same texts match: the lazy prefix skips byte by byte, as RE2's
// own unanchored search does, to wherever a match of PATTERN starts (inside a UTF-8
// character too), and `^`, `\A` and `\b` still see the whole text. The inner (?:
// keeps a pattern's leading `?` an error, not a flag group. On 20,000
// corpus-shaped (regex, signature) pairs a first search fell from ~16 us to ~1.3 us.
// After k_dfa_after searches the regex switches to the DFA, which then pays off, and
// a text longer than k_short_text bytes goes to the DFA at once (the bit-state
// engine's bitmap grows with the text, and past its limit RE2 would run the DFA and
// then a second engine for the submatch).
//
// The wrapper only applies when no `)` of the pattern could close the wrapper's group
// (never_closes_outer); otherwise, or when the wrapped form does not compile, the
// pattern is compiled as it is. Either way ok() and error() are exactly those of
// RE2(pattern, options).
#include <re2/re2.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

namespace errkb::schema {

// True when, outside escapes, character classes and \Q...\E, no `)` of `pattern`
// closes more groups than it opened. Conservative: a pattern with `\Q`, or a `[`
// inside a class, is reported false. Every pattern RE2 accepts without those passes;
// for one that passes, `\C*?((?:` + pattern + `))` is accepted exactly when the
// pattern is.
bool never_closes_outer(std::string_view pattern);

class SearchRegex {
public:
  // `options`: as for RE2 (schema::regex_options() for match's semantics).
  SearchRegex(const std::string& pattern, const RE2::Options& options);

  bool ok() const { return m_error.empty(); }
  // RE2's error text when the pattern does not compile.
  const std::string& error() const { return m_error; }
  // True when the pattern matches somewhere in `text` (RE2::PartialMatch); requires ok().
  bool search(std::string_view text) const;

private:
  static constexpr unsigned k_dfa_after = 8;
  static constexpr std::size_t k_short_text = 1024;
  std::unique_ptr<RE2> m_regex;
  std::string m_error;
  bool m_wrapped = false;
  mutable std::atomic<unsigned> m_searches{0};
};

} // namespace errkb::schema
