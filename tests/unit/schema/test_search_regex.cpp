#include "schema/record.hpp"
#include "schema/search_regex.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using errkb::schema::never_closes_outer;
using errkb::schema::regex_options;
using errkb::schema::SearchRegex;

TEST_CASE("never_closes_outer: only a `)` that closes nothing fails", "[search_regex]") {
  CHECK(never_closes_outer("plain text"));
  CHECK(never_closes_outer("(a|b)c(?:d)"));
  CHECK(never_closes_outer("\\)\\("));       // escaped
  CHECK(never_closes_outer("[)(]"));         // inside a class
  CHECK(never_closes_outer("[])]"));         // a leading ] is literal, the ) too
  CHECK(never_closes_outer("[^])]x"));
  CHECK(never_closes_outer("a(b"));          // unclosed: the wrapper's ) closes it, RE2 still rejects
  CHECK_FALSE(never_closes_outer("a)|(b"));  // would close the wrapper's group
  CHECK_FALSE(never_closes_outer(")"));
  CHECK_FALSE(never_closes_outer("[[:alpha:])]")); // nested [ in a class: not modelled
  CHECK_FALSE(never_closes_outer("\\Q)\\E"));       // \Q: not modelled
}

// Every pattern and text pair: search() answers what RE2::PartialMatch with the same
// options answers, before and after the switch to the DFA, and ok()/error() are RE2's.
TEST_CASE("SearchRegex matches exactly what RE2::PartialMatch matches", "[search_regex]") {
  const std::vector<std::string> patterns{
    "cannot read", "^TypeError: .*undefined", "undefined$", "\\bkey\\b", "(?i)PANIC: .*lock", "socket|timeout",
    "a.b", "a(?s:.)b", "^$", "x*", "\\Qpool (exhausted\\E", "\\Q(unterminated", "(?U)a+", "(?P<n>[a-z]+)=\\d+",
    "Ünïcode", "ſocket", "\\x{212A}ey", "한국.*계좌", "\\Aonly\\z", "(?m)^line two$", "K(?:ey)?Error: missing",
    "a)|(b", "[", "a(b", "x{2,1}", "(?i)ÉCOLE", "", "?i:timeout", "?:x", "*x", "x\\", "\\C$", "\\Cb", "\\B", "abc"};
  const std::vector<std::string> texts{
    "cannot read property", "TypeError: x is undefined", "it is undefined", "a key here", "keys", "panic: dead LOCK",
    "socket closed", "a\nb", "axb", "", "pool (exhausted", "(unterminated", "aaa", "name=42",
    "ÜNÏCODE", "socket", "KEY", "한국 은행 계좌", "only", "line one\nline two\nline three", "KeyError: missing",
    "b", "école", "ÉCOLE", "unrelated", "é", "éb", "aéa", "\xFF" "abc", "timeout", "x", std::string(3000, 'x') + "TypeError: y is undefined" + std::string(3000, 'y')};
  for (const bool latin1 : {false, true}) {
    RE2::Options options = regex_options();
    if (latin1) options.set_encoding(RE2::Options::EncodingLatin1);
    for (const auto& pattern : patterns) {
      const RE2 reference(pattern, options);
      const SearchRegex regex(pattern, options);
      INFO(pattern << (latin1 ? " (Latin-1)" : " (UTF-8)"));
      REQUIRE(regex.ok() == reference.ok());
      if (!reference.ok()) {
        CHECK(regex.error() == reference.error());
        continue;
      }
      CHECK(regex.error().empty());
      for (int round = 0; round < 3; ++round) // the third round runs on the DFA
        for (const auto& text : texts) {
          INFO(text);
          CHECK(regex.search(text) == RE2::PartialMatch(text, reference));
        }
    }
  }
  CHECK(SearchRegex("a)|(b", regex_options()).error().find("unexpected )") != std::string::npos);
  // A leading ? must not become a flag group of the wrapper.
  CHECK(SearchRegex("?i:timeout", regex_options()).error() == "no argument for repetition operator: ?");
}
