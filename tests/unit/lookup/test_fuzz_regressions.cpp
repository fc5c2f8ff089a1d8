// Inputs the fuzz harnesses found (tests/data/fuzz/<harness>/), replayed through
// the functions they broke, with the behaviour they now must have.
#include "lookup/match.hpp"
#include "lookup/search.hpp"
#include "lookup/text.hpp"
#include "schema/error.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

namespace errkb::lookup::test {
namespace {

std::vector<std::string> findings(const std::string& harness) {
  const std::filesystem::path folder = std::filesystem::path(ERRKB_TEST_DATA) / "fuzz" / harness;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> inputs;
  for (const auto& path : paths) inputs.push_back(read_file(path));
  REQUIRE_FALSE(inputs.empty());
  return inputs;
}

} // namespace

TEST_CASE("fuzz_search: every finding is searched or refused as a usage error", "[lookup][search][fuzz]") {
  db::Database db(small_db_path(), db::Access::read_only);
  for (const std::string& input : findings("fuzz_search")) {
    REQUIRE(input.size() > 1);
    REQUIRE((static_cast<unsigned char>(input[0]) & 1) == 0); // the first byte picks the mode: safe syntax
    const std::string query = input.substr(1);
    for (const auto& chunk : query_chunks(query)) CHECK(chunk.find('\0') == std::string::npos);
    SearchOptions options;
    try {
      // A NUL once reached FTS5 as an unterminated string; invalid UTF-8 once made
      // the JSON output throw.
      const auto response = search(db, query, options);
      CHECK_NOTHROW(to_json(response).dump());
    } catch (const UsageError& error) {
      CHECK(std::string(error.what()) == "the query is not valid UTF-8 text");
    }
  }
  CHECK(query_chunks(std::string("port\0 8080", 10)) == std::vector<std::string>{"port", "8080"});
  CHECK_THROWS_WITH(search(db, "caf\xC3", SearchOptions{}), "the query is not valid UTF-8 text");
}

TEST_CASE("fuzz_match: a full-text hit bm25 rates near zero still scores above 0", "[lookup][match][fuzz]") {
  REQUIRE(findings("fuzz_match").size() == 1);
  const std::string input = findings("fuzz_match").front();
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
