#pragma once
// The literal prefilter of a record regex, computed once at ingest and stored, so
// that `errkb match` runs only the regexes whose required literals occur in its
// input instead of every regex of the database.
//
// A regex's prefilter is RE2's FilteredRE2 AND/OR tree of lowercase "atoms"
// (literals of at least k_min_atom_len bytes). errkb keeps two things from it:
//   - `keys`: a small set of literals such that every text the regex matches
//     contains at least one of them (after fold_case()); chosen to be rare;
//   - `atoms`: every literal of the tree, which `match` uses to measure how much
//     of a matched span is literal text rather than wildcards.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace errkb::schema {

// Shortest literal RE2 keeps as an atom (FilteredRE2's min_atom_len).
inline constexpr int k_min_atom_len = 3;

enum class Prefilter {
  filtered,   // the regex can only match a text containing one of `keys`
  unfiltered, // no such literal exists (`\d+`, `W/`, ...): run it on every input
};

struct RegexAtoms {
  Prefilter prefilter = Prefilter::unfiltered;
  // Folded literals, sorted and distinct; empty when unfiltered. Each is at least
  // 3 bytes of ASCII or caseless non-ASCII text, so fold_case() agrees with RE2's
  // case-insensitive matching on it.
  std::vector<std::string> keys;
  // Every atom of the prefilter (lowercase, as RE2 computes them), sorted and
  // distinct; may be non-empty for an unfiltered regex.
  std::vector<std::string> atoms;
};

// The prefilter of `pattern` compiled with regex_options() (case-insensitive,
// UTF-8) and min_atom_len k_min_atom_len. A pattern RE2 rejects is unfiltered
// with no atoms. Costs about one RE2 compilation; safe to call from several threads.
RegexAtoms regex_atoms(const std::string& pattern);

// `text` lowercased the way keys are: ASCII A-Z to a-z, KELVIN SIGN to `k`, LATIN
// SMALL LETTER LONG S to `s` (the only non-ASCII characters RE2 folds onto ASCII
// letters); every other byte unchanged. Appends to `out`.
void fold_case(std::string_view text, std::string& out);
std::string fold_case(std::string_view text);

// The lookup key of three bytes of folded text: the bytes packed big-endian into
// an integer in [0, 2^24).
inline std::uint32_t trigram_key(const char* bytes) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[0])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[1])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[2]));
}

// The key a stored `key` literal (3+ bytes) is indexed under: the trigram_key of
// its least common trigram by a fixed estimate of byte frequencies in error text,
// so that a lookup by the trigrams of an input returns few false candidates.
std::uint32_t atom_key(std::string_view key);

} // namespace errkb::schema
