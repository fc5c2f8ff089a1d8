// libFuzzer harness: `errkb match` input text. Matcher (prefiltered, lazy), the
// one-shot match_text and NaiveScanner (every regex on every line) must agree on
// which records' regexes match, and none may crash, hang or throw.
#include "fuzz_db.hpp"
#include "lookup/match.hpp"
#include "lookup/text.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::vector<std::string> ids(const errkb::lookup::MatchResponse& response) {
  std::vector<std::string> out;
  for (const auto& result : response.results) out.push_back(result.id + "@" + std::to_string(result.line));
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& db = errkb::fuzz::records_db();
  static errkb::lookup::Matcher matcher(db);
  static errkb::lookup::NaiveScanner naive(db);
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  errkb::lookup::MatchOptions options;
  options.fallback = errkb::lookup::Fallback::none;
  options.details = errkb::lookup::Details::without;
  const auto fast = matcher.match(text, options);
  const auto slow = naive.match(text, options);
  if (ids(fast) != ids(slow)) {
    std::fprintf(stderr, "Matcher and NaiveScanner disagree\n");
    std::abort();
  }
  options.fallback = errkb::lookup::Fallback::fts;
  const auto once = errkb::lookup::match_text(db, text, options);
  for (const auto& result : once.results) {
    if (result.score <= 0 || result.score > 1) std::abort();
    (void)errkb::lookup::to_json(result).dump();
  }

  // The line helpers on every line of the input.
  errkb::lookup::LineClassifier classifier;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    (void)classifier.classify(line);
    if (errkb::lookup::content_offset(line) > line.size()) std::abort();
    (void)errkb::lookup::fallback_words(line, 8);
    start = end + 1;
  }
  return 0;
}
