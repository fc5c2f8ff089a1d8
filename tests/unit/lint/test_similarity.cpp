// lint/similarity.cpp and lint/regex_index.cpp: near-duplicate groups and the
// prefiltered many-regex matcher, checked against brute force; timing runs are
// hidden ([.bench]): `test_lint "[.bench]"`.
#include "lint/regex_index.hpp"
#include <re2/re2.h>
#include "lint/similarity.hpp"
#include "schema/record.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <iostream>
#include <random>
#include <set>

using namespace errkb::lint;

namespace {

// Signature-like sentences from a small vocabulary: many share words, few are near-duplicates.
std::vector<std::string> synthetic_signatures(std::size_t n, unsigned seed) {
  static const std::vector<std::string> heads{"Error", "TypeError", "ValueError", "RuntimeError", "panic", "fatal",
                                              "ENOENT", "SyntaxError", "KeyError", "IOError", "ImportError", "OSError"};
  static const std::vector<std::string> words{
    "cannot", "read", "property", "of", "undefined", "module", "not", "found", "connection", "refused", "timeout",
    "while", "loading", "config", "file", "permission", "denied", "index", "out", "range", "expected", "got", "type",
    "invalid", "argument", "socket", "closed", "unexpected", "token", "missing", "key", "version", "mismatch", "device",
    "memory", "allocation", "failed", "thread", "pool", "exhausted", "lock", "held", "by", "process", "retry", "limit"};
  std::mt19937 random(seed);
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string text = heads[random() % heads.size()] + ":";
    const std::size_t length = 5 + random() % 10;
    for (std::size_t w = 0; w < length; ++w) text += " " + words[random() % words.size()];
    text += " '" + std::to_string(random() % 100000) + "x" + std::to_string(i) + "'";
    out.push_back(std::move(text));
  }
  return out;
}

} // namespace

TEST_CASE("jaccard of shingle sets", "[lint][similarity]") {
  CHECK(jaccard(shingles("abcdef"), shingles("abcdef")) == 1.0);
  CHECK(jaccard(shingles("Port 3000 in use"), shingles("port 8080 in  use")) == 1.0); // case, digits, spaces folded
  CHECK(jaccard(shingles("abcdefgh"), shingles("zyxwvuts")) == 0.0);
  CHECK(shingles("ab").size() == 1);
}

TEST_CASE("similar_groups finds near-duplicates and only them", "[lint][similarity]") {
  const std::vector<std::string> texts{
    "Error: your local changes to the following files would be overwritten by merge",
    "ModuleNotFoundError: No module named 'requests'",
    "error: your local changes to the following files would be overwritten by merge (stash pop)",
    "TypeError: cannot read properties of undefined (reading 'map')",
    "Error: listen EADDRINUSE: address already in use :::3000",
    "Error: listen EADDRINUSE: address already in use :::8080",
  };
  const auto groups = similar_groups(texts, 0.85);
  CHECK(groups == std::vector<std::vector<std::size_t>>{{0, 2}, {4, 5}});
  CHECK(similar_groups(texts, 0.99) == std::vector<std::vector<std::size_t>>{{4, 5}});
}

TEST_CASE("similar_groups agrees with brute force", "[lint][similarity]") {
  auto texts = synthetic_signatures(600, 7);
  // Plant near-duplicates: copies with a small edit.
  for (std::size_t i = 0; i < 60; ++i) texts.push_back(texts[i * 7] + ".");
  const double threshold = 0.85;
  std::set<std::pair<std::size_t, std::size_t>> brute;
  std::vector<std::vector<std::uint64_t>> sets;
  for (const auto& t : texts) sets.push_back(shingles(t));
  for (std::size_t i = 0; i < texts.size(); ++i)
    for (std::size_t j = i + 1; j < texts.size(); ++j)
      if (jaccard(sets[i], sets[j]) >= threshold) brute.insert({i, j});
  std::set<std::pair<std::size_t, std::size_t>> found;
  for (const auto& group : similar_groups(texts, threshold))
    for (std::size_t i = 0; i < group.size(); ++i)
      for (std::size_t j = i + 1; j < group.size(); ++j) found.insert({group[i], group[j]});
  std::size_t recalled = 0;
  for (const auto& pair : brute) recalled += found.count(pair);
  CHECK(brute.size() >= 60);
  CHECK(recalled * 100 >= brute.size() * 97); // LSH recall ~99%
  for (const auto& pair : found) CHECK(jaccard(sets[pair.first], sets[pair.second]) > 0.5); // components, not noise
}

TEST_CASE("scan_regexes finds exactly what brute force finds", "[lint][regex]") {
  auto texts = synthetic_signatures(400, 11);
  texts.push_back("Ünïcode error: ſocket closed while loading the 한국 계좌 module");
  texts.push_back("Tết holiday: the bank is closed");
  const std::vector<std::string> patterns{
    "cannot read", "^TypeError: .*undefined", "module not found", "\\d+x1\\d\\b", "(?i)PANIC: .*lock",
    "socket|timeout", "x", "[", "Ünïcode", "\\w+", "retry limit$", "K(?:ey)?Error: missing", "ſocket", "a.b",
    "(한국.*계좌|korean.*account)", "T[eế]t holiday", "(?:lock held by (process|thread))+", "\\Qpool (exhausted\\E",
    "memory{2,}", "conf(ig)? file", "e[r]ror: (?P<name>[a-z]+)", "(timeout|deadline)?exceeded", "\\x{41}rgument"};
  std::vector<std::pair<std::size_t, std::size_t>> checks;
  for (std::size_t p = 0; p < patterns.size(); ++p)
    for (std::size_t t = 0; t < texts.size(); t += 7) checks.emplace_back(p, t);
  RegexScanOptions options;
  const auto scan = scan_regexes(patterns, texts, checks, options);
  CHECK_FALSE(scan.compiled[7]); // "[" does not compile
  std::set<std::pair<std::size_t, std::size_t>> found;
  for (std::size_t p = 0; p < patterns.size(); ++p)
    for (std::size_t t : scan.matched[p]) found.insert({p, t});
  std::set<std::pair<std::size_t, std::size_t>> brute;
  for (std::size_t p = 0; p < patterns.size(); ++p) {
    RE2 re(patterns[p], errkb::schema::regex_options());
    if (!re.ok()) continue;
    CHECK(scan.matches_empty[p] == RE2::PartialMatch("", re));
    for (std::size_t t = 0; t < texts.size(); ++t)
      if (RE2::PartialMatch(texts[t], re)) brute.insert({p, t});
  }
  CHECK(found == brute);
  for (std::size_t c = 0; c < checks.size(); ++c) CHECK(scan.check_matched[c] == (brute.count(checks[c]) != 0));
  CHECK(scan.unfiltered >= 2); // "x" and "\w+" have no literal
}

// Lint's mode: patterns known to compile, compiled only when a text needs them, and
// pairs of one group (a pattern and the texts of its own error) never tried.
TEST_CASE("scan_regexes without per_pattern, with groups, finds what brute force finds", "[lint][regex]") {
  auto texts = synthetic_signatures(300, 5);
  texts.push_back("Ünïcode error: ſocket closed while loading the 한국 계좌 module");
  const std::vector<std::string> patterns{
    "cannot read", "^TypeError: .*undefined", "module not found", "\\d+x1\\d\\b", "socket|timeout", "x",
    "Ünïcode", "\\w+", "ſocket", "a.b", "(한국.*계좌|korean.*account)", "memory{2,}", "conf(ig)? file"};
  RegexScanOptions options;
  options.per_pattern = false;
  options.cap = 50;
  for (std::size_t p = 0; p < patterns.size(); ++p) options.group_of_pattern.push_back(static_cast<std::uint32_t>(p % 4));
  for (std::size_t t = 0; t < texts.size(); ++t) options.group_of_text.push_back(static_cast<std::uint32_t>(t % 5));
  const auto scan = scan_regexes(patterns, texts, {}, options);
  CHECK(scan.compiled.empty());
  CHECK(scan.matches_empty.empty());
  for (std::size_t p = 0; p < patterns.size(); ++p) {
    RE2 re(patterns[p], errkb::schema::regex_options());
    REQUIRE(re.ok());
    std::vector<std::size_t> brute;
    for (std::size_t t = 0; t < texts.size() && brute.size() < options.cap; ++t)
      if (p % 4 != t % 5 && RE2::PartialMatch(texts[t], re)) brute.push_back(t);
    INFO(patterns[p]);
    CHECK(scan.matched[p] == brute);
  }
}

// Before RE2 runs, a pattern's literals must occur in the text in the pattern's order,
// and a cased non-ASCII letter needs some non-ASCII character there. Orders, groups,
// case variants of Cyrillic and Vietnamese letters, and the Kelvin sign and long s
// (which RE2 folds to ASCII 'k' and 's') must not lose a match.
TEST_CASE("scan_regexes' literal prefilter loses no match", "[lint][regex]") {
  const std::vector<std::string> texts{
    "Ukraine and Russia are the same country",   "Russia and Ukraine are the same country",
    "МАЛОРОССИЯ is an old name",                  "малороссия is an old name",
    "Україна і Росія",                            "plain ascii text without anything",
    "Tết is the lunar new year",                  "TẾT IS THE LUNAR NEW YEAR",
    "the ancestor day giỗ",                       "the ancestor day GIỖ",
    "\xE2\x84\xAA" "ey error: missing",              "\xC5\xBF" "ocket closed by peer",
    "key error: missing",                         "socket closed by peer",
    "error: lock held by thread 7",               "lock held by error: thread",
    "Straße gesperrt",                            "STRASSE GESPERRT",
    "",                                           "café au lait",
  };
  const std::vector<std::string> patterns{
    "(Ukraine.*Russia.*same|малороссия|Україна.*Росія)", "Russia.*Ukraine", "малороссия", "МАЛОРОССИЯ is",
    "(Tết|giỗ|Vietnamese.*custom)", "T[eế]t is", "ancestor.*giỗ", "\xE2\x84\xAA" "ey error", "key error", "\xC5\xBF" "ocket", "\\x{212A}ey",
    "socket closed", "error: lock held by (process|thread)", "(lock|mutex) held by (error|warning)", "straße",
    "Café", "(?i)CAFÉ au", "é", "(é)?", "ü?x*", "(?:a|é)b*"};
  std::vector<std::pair<std::size_t, std::size_t>> checks;
  for (std::size_t p = 0; p < patterns.size(); ++p)
    for (std::size_t t = 0; t < texts.size(); ++t) checks.emplace_back(p, t);
  for (const bool all_pairs : {true, false}) {
    RegexScanOptions options;
    options.all_pairs = all_pairs;
    const auto scan = scan_regexes(patterns, texts, checks, options);
    for (std::size_t p = 0; p < patterns.size(); ++p) {
      RE2 re(patterns[p], errkb::schema::regex_options());
      REQUIRE(re.ok());
      CHECK(scan.compiled[p]);
      CHECK(scan.matches_empty[p] == RE2::PartialMatch("", re));
      std::vector<std::size_t> brute;
      for (std::size_t t = 0; t < texts.size(); ++t) {
        const bool matches = RE2::PartialMatch(texts[t], re);
        if (matches) brute.push_back(t);
        INFO(patterns[p] << " on " << texts[t]);
        CHECK(scan.check_matched[p * texts.size() + t] == matches);
      }
      if (all_pairs) CHECK(scan.matched[p] == brute);
    }
  }
}

TEST_CASE("scan_regexes sees case-folded non-ASCII text and caps matches", "[lint][regex]") {
  const auto scan = scan_regexes({"socket closed", "kelvin", "e"}, {"ſocket closed", "\xE2\x84\xAA" "elvin", "one", "two"},
                                 {{1, 1}}, {true, 1, 0});
  CHECK(scan.matched == std::vector<std::vector<std::size_t>>{{0}, {1}, {0}}); // "e" matches 0, 1, 2: capped at 1
  CHECK(scan.check_matched == std::vector<bool>{true});
}

TEST_CASE("required literals", "[lint][regex]") {
  using L = std::vector<std::string>;
  CHECK(required_literals("ModuleNotFoundError: No module named '[^']+'") == L{"modulenotfounderror: no module named '"});
  CHECK(required_literals("(foo|bar)baz") == L{"bar", "foo"}); // a tie keeps the first part
  CHECK(required_literals("abcd?ef") == L{"abc"});
  CHECK(required_literals("(x|ab)cde") == L{"cde"});
  CHECK(required_literals("(?:error|warning): disk") == L{": disk"}); // longer than "error"
  CHECK(required_literals("(?:error|warning):") == L{"error", "warning"});
  CHECK(required_literals("(error)?: disk full") == L{": disk full"});
  CHECK(required_literals("한국.*계좌") == L{"한국"});
  CHECK(required_literals("Ünïcode") == L{"code"}); // cased non-ASCII letters break literals
  CHECK(required_literals("a|bcd").empty());
  CHECK(required_literals("\\d+").empty());
  CHECK(required_literals("(").empty());
  CHECK(required_literals("foo\\.bar\\(\\)") == L{"foo.bar()"});
  // RE2 applies a repetition after a flag group to the atom before it ("K(?i)*" is "K*").
  CHECK(required_literals("socket(?i)*").empty());
  CHECK(required_literals("(?:key|lock)(?-i)+lock").empty());
  CHECK(required_literals("lock(?i){0,2}").empty());
  CHECK(required_literals("(?i)socket closed") == L{"socket closed"});
}

TEST_CASE("scan_regexes: a repeated flag group repeats the atom before it", "[lint][regex]") {
  const std::vector<std::string> patterns{"K(?i)*", "(sock|task)(?i)*", "(?:key|lock)(?-i)*lock", "x(?i){2}y"};
  const std::vector<std::string> texts{"", "lock", "locklock", "keylock", "k", "xxy", "xy", "socket"};
  std::vector<std::pair<std::size_t, std::size_t>> checks;
  for (std::size_t p = 0; p < patterns.size(); ++p)
    for (std::size_t t = 0; t < texts.size(); ++t) checks.emplace_back(p, t);
  const auto scan = scan_regexes(patterns, texts, checks);
  for (std::size_t p = 0; p < patterns.size(); ++p) {
    RE2 re(patterns[p], errkb::schema::regex_options());
    REQUIRE(re.ok());
    CHECK(scan.matches_empty[p] == RE2::PartialMatch("", re));
    std::vector<std::size_t> brute;
    for (std::size_t t = 0; t < texts.size(); ++t)
      if (RE2::PartialMatch(texts[t], re)) brute.push_back(t);
    CHECK(scan.matched[p] == brute);
  }
  for (std::size_t c = 0; c < checks.size(); ++c) {
    RE2 re(patterns[checks[c].first], errkb::schema::regex_options());
    CHECK(scan.check_matched[c] == RE2::PartialMatch(texts[checks[c].second], re));
  }
}

TEST_CASE("near-duplicates of 100,000 signatures", "[.bench][lint][similarity]") {
  auto texts = synthetic_signatures(100'000, 3);
  for (std::size_t i = 0; i < 1000; ++i) texts.push_back(texts[i * 97] + ".");
  const auto start = std::chrono::steady_clock::now();
  const auto groups = similar_groups(texts, 0.85);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "similar_groups: " << texts.size() << " texts, " << groups.size() << " groups in " << seconds << " s\n";
  CHECK(groups.size() >= 990); // the planted pairs, recall ~99%
  CHECK(seconds <= 10.0);
}

TEST_CASE("regex breadth over 100,000 signatures", "[.bench][lint][regex]") {
  const auto texts = synthetic_signatures(100'000, 5);
  std::vector<std::string> patterns;
  std::vector<std::pair<std::size_t, std::size_t>> checks;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    // A record regex: the signature's first words, the quoted value generalised.
    std::string head = texts[i].substr(0, texts[i].find('\''));
    patterns.push_back(RE2::QuoteMeta(head) + "'[^']+'");
    checks.emplace_back(i, i);
  }
  const auto start = std::chrono::steady_clock::now();
  RegexScanOptions options;
  options.cap = 1000;
  const auto scan = scan_regexes(patterns, texts, checks, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::size_t matches = 0;
  for (const auto& m : scan.matched) matches += m.size();
  std::cout << "scan_regexes: " << patterns.size() << " regexes (" << scan.unfiltered << " unfiltered) x "
            << texts.size() << " signatures: " << seconds << " s, " << matches << " matches\n";
  CHECK(matches >= texts.size());
}
