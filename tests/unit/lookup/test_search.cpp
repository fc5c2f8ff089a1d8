// lookup/search on the six records of records/.
#include "lookup/search.hpp"
#include "schema/error.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

using errkb::lookup::QuerySyntax;
using errkb::lookup::search;
using errkb::lookup::SearchIndex;
using errkb::lookup::SearchOptions;
using errkb::lookup::test::small_db_path;

namespace {

std::vector<std::string> ids(const errkb::lookup::SearchResponse& response) {
  std::vector<std::string> out;
  for (const auto& hit : response.results) out.push_back(hit.id);
  return out;
}

} // namespace

TEST_CASE("search: user text is never FTS5 syntax", "[search]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  // Each gives results or nothing, never an SQLite error.
  for (const char* query : {"multi-agent", "port:8080", "E0001.", "\"abc", "a AND", "NOT x", "x OR", "(x", "x*",
                            "col:umn", "NEAR(a b)", "'x'", "^start", "{signature}: x", "a\"b\"c", "AND", "OR NOT"}) {
    INFO(query);
    CHECK_NOTHROW(search(db, query));
  }
  SECTION("an empty query is a usage error with a friendly message") {
    for (const char* query : {"", "   ", "-", "\"", "...", "(", "*", "'", "\"\""}) {
      INFO(query);
      CHECK_THROWS_AS(search(db, query), errkb::UsageError);
      CHECK_THROWS_WITH(search(db, query), Catch::Contains("nothing to search for"));
    }
  }
}

TEST_CASE("search: words, phrases and identifiers", "[search]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  CHECK(ids(search(db, "port already allocated")) == std::vector<std::string>{"docker/port-already-allocated"});
  CHECK(ids(search(db, "bnb_4bit_compute_dtype")) ==
        std::vector<std::string>{"huggingface/quantization-dtype-mismatch-bnb"});
  CHECK(ids(search(db, "torch.float16")) == std::vector<std::string>{"huggingface/quantization-dtype-mismatch-bnb"});
  const auto eaddrinuse = search(db, "EADDRINUSE");
  CHECK(ids(eaddrinuse).front() == "node/eaddrinuse");
  CHECK(eaddrinuse.index == SearchIndex::words);
}

TEST_CASE("search: part of an identifier is found as a substring", "[search]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  const auto response = search(db, "4bit_comp");
  CHECK(response.index == SearchIndex::trigram);
  CHECK(ids(response) == std::vector<std::string>{"huggingface/quantization-dtype-mismatch-bnb"});
}

TEST_CASE("search: Chinese text finds the translated record", "[search]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  const auto response = search(db, "不兼容");
  CHECK(response.index == SearchIndex::trigram);
  REQUIRE(!response.results.empty());
  CHECK(response.results.front().id == "huggingface/quantization-dtype-mismatch-bnb");
  CHECK(response.results.front().locale == "zh");
  CHECK_THAT(response.results.front().snippet, Catch::Contains("**不兼容**"));
  // Two characters: too short for trigrams, found as a word prefix.
  CHECK_NOTHROW(search(db, "端口"));
}

TEST_CASE("search: queries shorter than three characters", "[search]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  const auto response = search(db, "E0");
  CHECK(response.index == SearchIndex::prefix);
  CHECK(ids(response) == std::vector<std::string>{"rust/borrow-mutable-twice"});
  CHECK_NOTHROW(search(db, "x"));
}

TEST_CASE("search: one result per record, whatever the locales", "[search]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  const auto response = search(db, "EADDRINUSE"); // in the en and the zh document of node/eaddrinuse
  const auto found = ids(response);
  CHECK(std::count(found.begin(), found.end(), "node/eaddrinuse") == 1);
}

TEST_CASE("search: filters", "[search]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  SearchOptions options;
  options.domain = "python";
  for (const auto& hit : search(db, "import module", options).results) CHECK(hit.domain == "python");
  CHECK(ids(search(db, "import module", options)).size() == 2);

  options = {};
  options.category = "nonexistent";
  CHECK(search(db, "error", options).results.empty());

  options = {};
  options.locale = "zh";
  const auto chinese = search(db, "EADDRINUSE", options);
  REQUIRE(chinese.results.size() == 1);
  CHECK(chinese.results.front().locale == "zh");
  CHECK_THAT(chinese.results.front().signature, Catch::Contains("地址已被使用"));

  options = {};
  options.min_confidence = 1.01;
  CHECK(search(db, "error", options).results.empty());
  options.min_confidence = 0.0;
  CHECK(!search(db, "error", options).results.empty());

  options = {};
  options.tier = "human_reviewed";
  for (const auto& hit : search(db, "error", options).results) CHECK(!hit.id.empty());

  options = {};
  options.limit = 1;
  CHECK(search(db, "error", options).results.size() == 1);
}

TEST_CASE("search: results are ranked, scored and highlighted", "[search]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  const auto response = search(db, "error");
  REQUIRE(response.results.size() >= 2);
  for (std::size_t i = 1; i < response.results.size(); ++i) {
    CHECK(response.results[i - 1].score >= response.results[i].score);
  }
  for (const auto& hit : response.results) {
    CHECK(hit.score >= 0); // -bm25; about 0 for a word in every document
    CHECK_THAT(hit.snippet, Catch::Contains("**"));
  }
  const auto specific = search(db, "mutable borrow");
  REQUIRE(!specific.results.empty());
  CHECK(specific.results.front().score > 0);
}

TEST_CASE("search: --raw passes FTS5 syntax; a syntax error is a usage error", "[search]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  SearchOptions raw;
  raw.syntax = QuerySyntax::raw;
  CHECK(ids(search(db, "EADDRINUSE OR bnb_4bit_compute_dtype", raw)).size() == 2);
  CHECK(ids(search(db, "signature: EADDRINUSE NOT zzz", raw)).front() == "node/eaddrinuse");
  for (const char* bad : {"a AND", "\"abc", "NOT", "(x", "nosuchcolumn: x", ""}) {
    INFO(bad);
    CHECK_THROWS_AS(search(db, bad, raw), errkb::UsageError);
  }
  CHECK_THROWS_WITH(search(db, "a AND", raw), Catch::Contains("invalid FTS5 query"));
}

TEST_CASE("search: JSON contract", "[search]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  const auto json = errkb::lookup::to_json(search(db, "port already allocated"));
  std::vector<std::string> keys;
  for (const auto& item : json.items()) keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"query", "results"});
  CHECK(json["query"] == "port already allocated");
  REQUIRE(json["results"].size() == 1);
  keys.clear();
  for (const auto& item : json["results"][0].items()) keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"id", "score", "domain", "category", "signature", "snippet"});
  CHECK(json["results"][0]["id"] == "docker/port-already-allocated");
  CHECK(json["results"][0]["score"].is_number());
  CHECK(json["results"][0]["domain"] == "docker");
}

TEST_CASE("search: needs an ingested database", "[search]") {
  CHECK_THROWS_AS(errkb::db::Database("/nonexistent/errkb.db", errkb::db::Access::read_only), errkb::StoreError);
}
