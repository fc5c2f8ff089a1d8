// schema/regex_atoms: the literal prefilter stored at ingest for `errkb match`.
#include "schema/record.hpp"
#include "schema/regex_atoms.hpp"

#include <catch2/catch.hpp>

#include <re2/re2.h>

#include <algorithm>

using errkb::schema::atom_key;
using errkb::schema::fold_case;
using errkb::schema::Prefilter;
using errkb::schema::regex_atoms;
using errkb::schema::trigram_key;

namespace {

// True when the prefilter lets `text` through: some key occurs in its folded form.
bool passes(const errkb::schema::RegexAtoms& atoms, const std::string& text) {
  if (atoms.prefilter == Prefilter::unfiltered) return true;
  const std::string folded = fold_case(text);
  return std::any_of(atoms.keys.begin(), atoms.keys.end(),
                     [&](const std::string& key) { return folded.find(key) != std::string::npos; });
}

} // namespace

TEST_CASE("regex_atoms: a literal regex is keyed by its lowercase literal", "[regex_atoms]") {
  const auto atoms = regex_atoms("ModuleNotFoundError: No module named '[^']+'");
  CHECK(atoms.prefilter == Prefilter::filtered);
  REQUIRE(atoms.keys.size() == 1);
  CHECK(atoms.keys[0] == "modulenotfounderror: no module named '");
  CHECK(atoms.atoms == atoms.keys);
}

TEST_CASE("regex_atoms: a conjunction needs one key, an alternation every branch", "[regex_atoms]") {
  const auto conjunction = regex_atoms("connection.*refused by peer");
  CHECK(conjunction.prefilter == Prefilter::filtered);
  CHECK(conjunction.keys.size() == 1);
  CHECK(conjunction.atoms == std::vector<std::string>{"connection", "refused by peer"});

  const auto alternation = regex_atoms("OOMKilled|Out of memory|exit code 137");
  CHECK(alternation.prefilter == Prefilter::filtered);
  CHECK(alternation.keys == std::vector<std::string>{"exit code 137", "oomkilled", "out of memory"});
}

TEST_CASE("regex_atoms: regexes without a literal of three bytes are unfiltered", "[regex_atoms]") {
  for (const char* pattern : {"\\d+", ".*", "ETag.*mismatch|W/", "(a|b)c", "[0-9]{3}x"}) {
    INFO(pattern);
    const auto atoms = regex_atoms(pattern);
    CHECK(atoms.prefilter == Prefilter::unfiltered);
    CHECK(atoms.keys.empty());
  }
}

TEST_CASE("regex_atoms: a pattern RE2 rejects is unfiltered with no atoms", "[regex_atoms]") {
  const auto atoms = regex_atoms("(unclosed");
  CHECK(atoms.prefilter == Prefilter::unfiltered);
  CHECK(atoms.atoms.empty());
}

TEST_CASE("regex_atoms: keys avoid letters whose case RE2 folds differently", "[regex_atoms]") {
  // é has case: the key is the longest caseless run, which fold_case() handles.
  const auto accented = regex_atoms("lèse-majesté");
  REQUIRE(accented.prefilter == Prefilter::filtered);
  CHECK(accented.keys == std::vector<std::string>{"se-majest"});
  CHECK(passes(accented, "LÈSE-MAJESTÉ"));

  // CJK has no case: kept whole.
  const auto chinese = regex_atoms("两者不兼容");
  REQUIRE(chinese.prefilter == Prefilter::filtered);
  CHECK(chinese.keys == std::vector<std::string>{"两者不兼容"});

  // Cyrillic only: no usable key.
  CHECK(regex_atoms("ошибка").prefilter == Prefilter::unfiltered);
}

TEST_CASE("regex_atoms: a Latin-1 byte in an atom is one character", "[regex_atoms]") {
  // An octal escape keeps the pattern ASCII, so its atoms are Latin-1: \351 (é) and
  // its upper case \311 are single bytes that start no UTF-8 sequence. They have
  // case and split the key, which must not swallow the letters after them.
  const auto octal = regex_atoms("\\351abc");
  REQUIRE(octal.prefilter == Prefilter::filtered);
  CHECK(octal.keys == std::vector<std::string>{"abc"});
  CHECK(passes(octal, "éabc"));
  CHECK(passes(octal, "ÉABC"));
}

TEST_CASE("regex_atoms: an octal escape of a non-ASCII character is keyed as UTF-8 text", "[regex_atoms]") {
  // \327 is U+00D7 (×), which has no case: parsed as Latin-1 it would be the lone
  // byte 0xD7 in the key, a byte that UTF-8 input never holds.
  const auto octal = regex_atoms("\\327abc");
  REQUIRE(octal.prefilter == Prefilter::filtered);
  CHECK(passes(octal, "\u00D7abc"));
  CHECK(passes(octal, "size \u00D7ABC"));
}

TEST_CASE("regex_atoms: every text RE2 matches passes the prefilter", "[regex_atoms]") {
  struct Case {
    const char* pattern;
    const char* text;
  };
  const Case cases[] = {
    {"connection refused", "dial tcp 127.0.0.1:5432: CONNECTION REFUSED"},
    {"kernel panic", "\xE2\x84\xAA" "ernel panic - not syncing"}, // KELVIN SIGN K
    {"class not found", "Cla\xC5\xBF\xC5\xBF not found"},            // LONG S
    {"error\\[E0\\d{3}\\]: cannot borrow", "error[E0499]: cannot borrow `v` as mutable"},
    {"(?:npm ERR!|yarn error) code E(?:RESOLVE|NOENT)", "npm ERR! code ERESOLVE"},
    {"两者不兼容|incompatible", "模型权重以 torch.bfloat16 加载。两者不兼容。"},
    {"te.*reo.*Māori", "Te Reo MĀORI"},
    {"Bind for [0-9a-f.:\\[\\]]+:\\d+ failed: port is already allocated",
     "Bind for 0.0.0.0:8080 failed: port is already allocated"},
  };
  for (const auto& c : cases) {
    INFO(c.pattern << " on " << c.text);
    const RE2 re(c.pattern, errkb::schema::regex_options());
    REQUIRE(RE2::PartialMatch(c.text, re));
    CHECK(passes(regex_atoms(c.pattern), c.text));
  }
}

TEST_CASE("fold_case lowers ASCII and the two non-ASCII letters RE2 folds onto it", "[regex_atoms]") {
  CHECK(fold_case("Hello WORLD 123_-:") == "hello world 123_-:");
  CHECK(fold_case("\xE2\x84\xAA") == "k");
  CHECK(fold_case("\xC5\xBF") == "s");
  CHECK(fold_case("ÉCOLE 学校") == "École 学校"); // É is not ASCII: left to the keys to avoid
  CHECK(fold_case("") == "");
}

TEST_CASE("atom_key is one trigram of the key, packed", "[regex_atoms]") {
  CHECK(trigram_key("abc") == ((0x61u << 16) | (0x62u << 8) | 0x63u));
  const std::string key = "refused by peer";
  const std::uint32_t k = atom_key(key);
  bool found = false;
  for (std::size_t i = 0; i + 3 <= key.size(); ++i) found = found || trigram_key(key.data() + i) == k;
  CHECK(found);
  CHECK(atom_key("xyz") == trigram_key("xyz"));
}
