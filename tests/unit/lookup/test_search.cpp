// lookup/search on the six records of records/.
#include "lookup/search.hpp"
#include "schema/error.hpp"
#include "support.hpp"

#include <SQLiteCpp/Statement.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <set>

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

// id -> verification_tier of every record of `db`.
std::map<std::string, std::string> tier_of_records(errkb::db::Database& db) {
  std::map<std::string, std::string> tiers;
  SQLite::Statement query(db.sql(), "SELECT id, verification_tier FROM records");
  while (query.executeStep()) tiers[query.getColumn(0).getString()] = query.getColumn(1).getString();
  return tiers;
}

// A valid record whose signature, root cause, dead end and workaround texts have
// the same words in every record built here, except that `word` takes the place
// of the filler word in the column named by `column` (so bm25 sees columns of
// equal length everywhere and differs only in where the word is).
nlohmann::json weighted_record(const std::string& id, const std::string& column, const std::string& word) {
  const auto text = [&](const char* name, const std::string& before, const std::string& after) {
    return before + (column == name ? word : std::string("plumbus")) + after;
  };
  return nlohmann::json{
    {"id", id},
    {"signature", text("signature", "Fatal: the ", " cache could not be flushed")},
    {"regex", "the \\w+ cache could not be flushed"},
    {"domain", "testing"},
    {"category", "cache_error"},
    {"root_cause", text("root_cause", "The ", " daemon keeps an exclusive lock on the cache directory.")},
    {"versions", nlohmann::json::array({{{"version", "testing >=1"}, {"status", "active"}}})},
    {"os_specific", nlohmann::json::object()},
    {"dead_ends", nlohmann::json::array({{{"action", "Delete the cache directory by hand"},
                                          {"why_fails", "The daemon recreates it at once."},
                                          {"fail_rate", 0.8},
                                          {"sources", nlohmann::json::array()}}})},
    {"workarounds", nlohmann::json::array({{{"action", text("workarounds", "Stop the ", " daemon before flushing")},
                                            {"how", "Run the stop command, flush, then start it again."},
                                            {"success_rate", 0.9},
                                            {"sources", nlohmann::json::array()}}})},
    {"transition_graph",
     {{"leads_to", nlohmann::json::array()},
      {"preceded_by", nlohmann::json::array()},
      {"frequently_confused_with", nlohmann::json::array()}}},
    {"verification_tier", "human_reviewed"},
    {"confidence", 0.9},
    {"fix_success_rate", 0.9},
    {"resolvable", "true"},
    {"first_seen", "2024-01-01"},
    {"last_confirmed", "2024-06-01"},
    {"last_updated", "2024-06-01"},
    {"locale", "en"}};
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

  // A category that exists: exactly the unfiltered hits of that category, in order.
  SearchOptions all;
  all.limit = 100;
  const auto everything = search(db, "error", all);
  std::vector<std::string> import_errors;
  for (const auto& hit : everything.results)
    if (hit.category == "import_error") import_errors.push_back(hit.id);
  REQUIRE(import_errors.size() == 2);
  REQUIRE(import_errors.size() < everything.results.size());
  options = {};
  options.category = "import_error";
  const auto by_category = search(db, "error", options);
  CHECK(ids(by_category) == import_errors);
  for (const auto& hit : by_category.results) CHECK(hit.category == "import_error");

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

  // --tier keeps exactly the records of that tier: compare with the unfiltered
  // ranking restricted, by the stored tiers, to that tier.
  const auto tiers = tier_of_records(db);
  REQUIRE(tiers.size() == 6);
  std::set<std::string> tiers_found;
  for (const auto& hit : everything.results) tiers_found.insert(tiers.at(hit.id));
  REQUIRE(tiers_found.size() == 3); // the query reaches every tier: the filter has something to remove
  for (const char* tier : {"human_reviewed", "community_verified", "ai_generated"}) {
    INFO(tier);
    std::vector<std::string> expected;
    for (const auto& hit : everything.results)
      if (tiers.at(hit.id) == tier) expected.push_back(hit.id);
    REQUIRE(!expected.empty());
    options = {};
    options.tier = tier;
    CHECK(ids(search(db, "error", options)) == expected);
  }
  options = {};
  options.tier = "human_reviewed";
  CHECK(ids(search(db, "EADDRINUSE", options)).empty()); // node/eaddrinuse is community_verified
  options.tier = "community_verified";
  CHECK(ids(search(db, "EADDRINUSE", options)) == std::vector<std::string>{"node/eaddrinuse"});

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

TEST_CASE("search: bm25 column weights rank signature over root cause over workaround", "[search]") {
  errkb::lookup::test::TempDir dir;
  const auto records = dir.path() / "records";
  std::filesystem::create_directories(records);
  // Written in the order opposite to the expected ranking, so that insertion order cannot explain it.
  const std::vector<std::pair<std::string, std::string>> made = {
    {"testing/in-workaround", "workarounds"}, {"testing/in-root-cause", "root_cause"}, {"testing/in-signature", "signature"}};
  for (const auto& [id, column] : made) {
    errkb::lookup::test::write_file(records / (id.substr(id.find('/') + 1) + ".json"),
                                    weighted_record(id, column, "zorblax").dump(2));
  }
  // Records without the word: bm25 gives a word in most documents an idf of about
  // zero, and then every score is about zero whatever the weights.
  for (int i = 0; i < 6; ++i) {
    const std::string id = "testing/without-" + std::to_string(i);
    errkb::lookup::test::write_file(records / ("without-" + std::to_string(i) + ".json"),
                                    weighted_record(id, "none", "zorblax").dump(2));
  }
  errkb::db::Database db(dir.file("weights.db"), errkb::db::Access::read_write);
  const auto report = errkb::ingest::sync(db, {records.string()});
  REQUIRE(report.committed);
  REQUIRE(report.added == 9);

  const auto response = search(db, "zorblax");
  CHECK(response.index == SearchIndex::words);
  CHECK(ids(response) ==
        std::vector<std::string>{"testing/in-signature", "testing/in-root-cause", "testing/in-workaround"});
  REQUIRE(response.results.size() == 3);
  CHECK(response.results[0].score > response.results[1].score);
  CHECK(response.results[1].score > response.results[2].score);
  CHECK(response.results[2].score > 0);
}
