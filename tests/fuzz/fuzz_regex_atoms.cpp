// libFuzzer harness: the literal prefilter of a record regex (schema::regex_atoms).
// Input: PATTERN '\n' TEXT. Whenever RE2 (errkb's options) matches TEXT, a filtered
// regex's matched span must contain one of its keys once case-folded; otherwise
// `match` would never run that regex on an input it matches.
#include "schema/record.hpp"
#include "schema/regex_atoms.hpp"

#include <re2/re2.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find('\n');
  if (split == std::string::npos) return -1;
  const std::string pattern = input.substr(0, split);
  const std::string text = input.substr(split + 1);
  if (pattern.empty() || pattern.size() > 4000) return -1; // the schema's maxLength

  const auto atoms = errkb::schema::regex_atoms(pattern);
  for (const auto& key : atoms.keys) {
    if (key.size() < static_cast<std::size_t>(errkb::schema::k_min_atom_len)) std::abort();
    if (errkb::schema::fold_case(key) != key) std::abort();
  }
  const RE2 re(pattern, errkb::schema::regex_options());
  if (!re.ok()) {
    if (atoms.prefilter != errkb::schema::Prefilter::unfiltered || !atoms.keys.empty()) std::abort();
    return 0;
  }
  re2::StringPiece match;
  if (atoms.prefilter != errkb::schema::Prefilter::filtered ||
      !re.Match(text, 0, text.size(), RE2::UNANCHORED, &match, 1))
    return 0;
  const std::string folded = errkb::schema::fold_case(std::string_view(match.data(), match.size()));
  for (const auto& key : atoms.keys) {
    if (folded.find(key) != std::string::npos) return 0;
  }
  std::fprintf(stderr, "regex /%s/ matched \"%s\", which contains none of its %zu keys\n", pattern.c_str(),
               std::string(match.data(), match.size()).c_str(), atoms.keys.size());
  std::abort();
}
