#include "schema/regex_atoms.hpp"

#include "schema/record.hpp"
#include "schema/utf8.hpp"

#include <re2/filtered_re2.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>

namespace errkb::schema {
namespace {

// Relative frequency of each byte in error messages and logs: English letter
// frequencies, frequent separators, rarer digits and punctuation, non-ASCII rare.
// Only the order matters: it picks the least common trigram of a key.
constexpr std::array<double, 256> make_byte_frequency() {
  std::array<double, 256> f{};
  for (std::size_t b = 0; b < 256; ++b) f[b] = b < 0x80 ? 0.2 : 0.3;
  // Per mille, from the usual English letter table.
  constexpr std::array<double, 26> letters = {82, 15, 28, 43, 127, 22, 20, 61, 70, 1.5, 8, 40, 24,
                                              67, 75, 19, 1,  60, 63,  91, 28, 10, 24, 1.5, 20, 0.7};
  for (std::size_t i = 0; i < 26; ++i) f['a' + i] = letters[i];
  for (char d = '0'; d <= '9'; ++d) f[static_cast<unsigned char>(d)] = 8;
  f[' '] = 150;
  for (unsigned char c : {'.', ':', '/', '_', '-', ',', '\'', '"', '(', ')', '='}) f[c] = 8;
  return f;
}

constexpr std::array<double, 256> k_byte_frequency = make_byte_frequency();

double trigram_frequency(const char* p) {
  return k_byte_frequency[static_cast<unsigned char>(p[0])] * k_byte_frequency[static_cast<unsigned char>(p[1])] *
         k_byte_frequency[static_cast<unsigned char>(p[2])];
}

// Higher is better: how unlikely a random line of error text contains `key`.
double rarity(std::string_view key) {
  double best = std::numeric_limits<double>::max();
  for (std::size_t i = 0; i + 3 <= key.size(); ++i) best = std::min(best, trigram_frequency(key.data() + i));
  return -std::log(best) + 0.05 * static_cast<double>(key.size());
}

// True for characters without case variants under any case mapping (CJK, Hangul,
// kana, Hebrew, Arabic, Indic, Thai, punctuation and symbols): fold_case() leaves
// them as they are and RE2 matches them only as themselves. Conservative: a
// script with case (Latin, Greek, Cyrillic, ...) is never listed.
bool is_caseless(char32_t cp) {
  if (cp < 0x80) return true; // ASCII: fold_case() handles it
  const auto in = [cp](char32_t lo, char32_t hi) { return lo <= cp && cp <= hi; };
  return (in(0x00A0, 0x00BF) && cp != 0x00B5) || cp == 0x00D7 || cp == 0x00F7 || in(0x0590, 0x109F) ||
         in(0x1100, 0x11FF) || in(0x2000, 0x20FF) || in(0x2190, 0x245F) || in(0x2500, 0x2BFF) ||
         in(0x2E80, 0xA4CF) || in(0xAC00, 0xD7FF) || in(0xF900, 0xFAFF) || in(0xFE30, 0xFE4F) ||
         in(0xFF01, 0xFF20) || in(0xFF3B, 0xFF40) || in(0xFF5B, 0xFFEF) || in(0x1F000, 0x1FAFF) ||
         in(0x20000, 0x3FFFF);
}

// The best key for `atom`: its rarest fragment of 3+ bytes made only of caseless
// characters (the whole atom when it is ASCII). Empty when there is none. Atoms
// of a pattern parsed as Latin-1 (an octal escape such as \351 in an otherwise
// ASCII pattern) hold bytes that start no UTF-8 sequence: each decodes as itself.
std::string best_fragment(std::string_view atom) {
  std::string_view best;
  double best_rarity = -std::numeric_limits<double>::max();
  std::size_t start = 0;
  auto consider = [&](std::size_t end) {
    if (end - start >= static_cast<std::size_t>(k_min_atom_len)) {
      const std::string_view fragment = atom.substr(start, end - start);
      const double r = rarity(fragment);
      if (r > best_rarity) {
        best = fragment;
        best_rarity = r;
      }
    }
  };
  for (std::size_t i = 0; i < atom.size();) {
    char32_t cp = 0;
    const std::size_t length = decode_utf8(atom, i, cp);
    if (!is_caseless(cp)) {
      consider(i);
      start = i + length;
    }
    i += length;
  }
  consider(atom.size());
  return std::string(best);
}

// True when `pattern` can only denote ASCII text: no non-ASCII byte and none of
// the escapes that name other characters (\x{...}, \p{...}, \P, \C, octal \327).
bool is_ascii_pattern(std::string_view pattern) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const auto c = static_cast<unsigned char>(pattern[i]);
    if (c >= 0x80) return false;
    if (c == '\\' && i + 1 < pattern.size()) {
      const char next = pattern[i + 1];
      if (next == 'x' || next == 'p' || next == 'P' || next == 'C' || (next >= '0' && next <= '7')) return false;
      ++i;
    }
  }
  return true;
}

// The options the prefilter is computed with. An ASCII pattern is parsed as
// Latin-1: its literals are the same, RE2 compiles it about twice as fast, and
// its atoms are stronger, because in UTF-8 `k` and `s` also match KELVIN SIGN and
// LONG S, which splits every atom at those letters. That stays correct for UTF-8
// matching since fold_case() maps those two characters onto `k` and `s`.
RE2::Options prefilter_options(std::string_view pattern) {
  RE2::Options options = regex_options();
  if (is_ascii_pattern(pattern)) options.set_encoding(RE2::Options::EncodingLatin1);
  return options;
}

} // namespace

RegexAtoms regex_atoms(const std::string& pattern) {
  RegexAtoms result;
  re2::FilteredRE2 filter(k_min_atom_len);
  int id = 0;
  if (filter.Add(pattern, prefilter_options(pattern), &id) != RE2::NoError) return result;
  std::vector<std::string> atoms;
  filter.Compile(&atoms);
  result.atoms = atoms;
  std::sort(result.atoms.begin(), result.atoms.end());
  result.atoms.erase(std::unique(result.atoms.begin(), result.atoms.end()), result.atoms.end());

  // FilteredRE2 evaluates the tree for a set of atoms present in a text; probing
  // it with subsets finds a set of keys every match needs one of (a hitting set
  // of the tree's satisfying atom sets) without access to RE2's internal tree.
  std::vector<int> potentials;
  const auto passes = [&](const std::vector<int>& present) {
    filter.AllPotentials(present, &potentials);
    return !potentials.empty();
  };
  if (atoms.empty() || passes({})) return result;

  struct Candidate {
    int index;
    std::string key;
    double rarity;
  };
  std::vector<Candidate> candidates;
  for (std::size_t i = 0; i < atoms.size(); ++i) {
    std::string key = best_fragment(atoms[i]);
    const double r = key.empty() ? -std::numeric_limits<double>::max() : rarity(key);
    candidates.push_back({static_cast<int>(i), std::move(key), r});
  }
  // Greedy: drop the worst candidates first (unusable ones, then the most common),
  // keeping a candidate only when the regex could match without it and the rest.
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.rarity < b.rarity; });
  std::vector<bool> required(atoms.size(), true);
  std::vector<int> present;
  for (const Candidate& candidate : candidates) {
    required[static_cast<std::size_t>(candidate.index)] = false;
    present.clear();
    for (std::size_t i = 0; i < atoms.size(); ++i) {
      if (!required[i]) present.push_back(static_cast<int>(i));
    }
    if (passes(present)) required[static_cast<std::size_t>(candidate.index)] = true;
  }
  for (const Candidate& candidate : candidates) {
    if (!required[static_cast<std::size_t>(candidate.index)]) continue;
    if (candidate.key.empty()) {
      result.keys.clear();
      return result; // a required atom has no key fold_case() can find: unfiltered
    }
    result.keys.push_back(candidate.key);
  }
  std::sort(result.keys.begin(), result.keys.end());
  result.keys.erase(std::unique(result.keys.begin(), result.keys.end()), result.keys.end());
  result.prefilter = Prefilter::filtered;
  return result;
}

void fold_case(std::string_view text, std::string& out) {
  out.reserve(out.size() + text.size());
  const std::size_t size = text.size();
  for (std::size_t i = 0; i < size; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c));
    } else if (c == 0xE2 && i + 2 < size && static_cast<unsigned char>(text[i + 1]) == 0x84 &&
               static_cast<unsigned char>(text[i + 2]) == 0xAA) {
      out.push_back('k'); // U+212A KELVIN SIGN
      i += 2;
    } else if (c == 0xC5 && i + 1 < size && static_cast<unsigned char>(text[i + 1]) == 0xBF) {
      out.push_back('s'); // U+017F LATIN SMALL LETTER LONG S
      i += 1;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
}

std::string fold_case(std::string_view text) {
  std::string out;
  fold_case(text, out);
  return out;
}

std::uint32_t atom_key(std::string_view key) {
  if (key.size() < 3) return 0;
  std::size_t best = 0;
  double best_frequency = std::numeric_limits<double>::max();
  for (std::size_t i = 0; i + 3 <= key.size(); ++i) {
    const double frequency = trigram_frequency(key.data() + i);
    if (frequency < best_frequency) {
      best_frequency = frequency;
      best = i;
    }
  }
  return trigram_key(key.data() + best);
}

} // namespace errkb::schema
