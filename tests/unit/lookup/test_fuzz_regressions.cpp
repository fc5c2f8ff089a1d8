// Inputs the fuzz harnesses found (tests/data/fuzz/<harness>/), replayed through
// the functions they broke, with the behaviour they now must have.
#include "lookup/match.hpp"
#include "lookup/search.hpp"
#include "lookup/text.hpp"
#include "schema/error.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

namespace errkb::lookup::test {
namespace {

std::string finding(const std::string& harness) {
  const std::filesystem::path folder = std::filesystem::path(ERRKB_TEST_DATA) / "fuzz" / harness;
  REQUIRE(std::filesystem::is_directory(folder));
  const auto entry = std::filesystem::directory_iterator(folder);
  REQUIRE(entry != std::filesystem::directory_iterator());
  return read_text(entry->path());
}

} // namespace

TEST_CASE("fuzz_search: a NUL byte in a query separates words", "[lookup][search][fuzz]") {
  const std::string input = finding("fuzz_search");
  REQUIRE(input.find('\0') != std::string::npos);
  const std::string query = input.substr(1); // the first byte picks the mode: safe syntax here
  REQUIRE((static_cast<unsigned char>(input[0]) & 1) == 0);

  for (const auto& chunk : query_chunks(query)) CHECK(chunk.find('\0') == std::string::npos);
  db::Database db(small_db_path(), db::Access::read_only);
  SearchOptions options;
  // Before: "unterminated string" from FTS5, which stops reading at the NUL.
  CHECK_NOTHROW(search(db, query, options));
  CHECK(query_chunks(std::string("port\0 8080", 10)) == std::vector<std::string>{"port", "8080"});
}

TEST_CASE("fuzz_match: a full-text hit bm25 rates near zero still scores above 0", "[lookup][match][fuzz]") {
  const std::string input = finding("fuzz_match");
  db::Database db(small_db_path(), db::Access::read_only);
  MatchOptions options;
  options.fallback = Fallback::fts;
  const auto response = match_text(db, input, options);
  for (const auto& result : response.results) {
    INFO(result.id << " via " << via_name(result.via));
    CHECK(result.score > 0);
    CHECK(result.score <= 1);
    if (result.via == Via::fts) CHECK(result.score < 0.5);
  }
}

} // namespace errkb::lookup::test
