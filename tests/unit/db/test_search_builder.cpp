// A large first ingest builds its full-text indexes on threads of their own
// (db/search_builder.hpp); the result must be the index the bulk path builds.
#include "db/fresh_build.hpp"
#include "db/writer.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

using errkb::db::Access;
using errkb::db::Database;
using errkb::db::FreshBuild;
using errkb::db::k_parallel_index_min_records;
using errkb::db::Writer;
using nlohmann::json;
using namespace errkb::db::test;
namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

// Records shaped like the seed (an English and a Chinese document each), with
// words of their own: 1,100 records give 2,200 documents, more than one batch.
std::vector<json> records(std::size_t count) {
  const json seed = seed_record();
  std::vector<json> out;
  for (std::size_t i = 0; i < count; ++i) {
    json record = seed;
    const std::string n = std::to_string(i);
    record["id"] = "huggingface/generated-" + n;
    record["signature"] = "GeneratedFailure" + n + ": " + seed["signature"].get<std::string>();
    record["root_cause"] = seed["root_cause"].get<std::string>() + " token" + std::to_string(i % 97);
    record["root_cause_zh"] = "第" + n + "号 " + seed["root_cause_zh"].get<std::string>();
    if (i % 3 == 0) record["tags"].push_back("tag" + std::to_string(i % 11));
    out.push_back(std::move(record));
  }
  return out;
}

using Instance = std::tuple<std::string, long long, std::string, long long>; // term, doc, column, offset

// Every token of an index, as FTS5 reads it back (fts5vocab 'instance').
std::vector<Instance> instances(Database& db, const std::string& table) {
  db.sql().exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab_" + table + " USING fts5vocab(main, " + table +
                ", 'instance')");
  SQLite::Statement query(db.sql(), "SELECT term, doc, col, offset FROM temp.vocab_" + table +
                                        " ORDER BY term, doc, col, offset");
  std::vector<Instance> out;
  while (query.executeStep())
    out.emplace_back(query.getColumn(0).getString(), query.getColumn(1).getInt64(), query.getColumn(2).getString(),
                     query.getColumn(3).getInt64());
  return out;
}

std::vector<std::pair<long long, std::string>> docsizes(Database& db, const std::string& table) {
  SQLite::Statement query(db.sql(), "SELECT id, hex(sz) FROM " + table + "_docsize ORDER BY id");
  std::vector<std::pair<long long, std::string>> out;
  while (query.executeStep()) out.emplace_back(query.getColumn(0).getInt64(), query.getColumn(1).getString());
  return out;
}

void check_integrity(Database& db) {
  for (const std::string table : {"search_words", "search_trigram"})
    CHECK_NOTHROW(db.sql().exec("INSERT INTO " + table + " (" + table + ", rank) VALUES ('integrity-check', 1)"));
}

// FTS5 segments of an index: the bulk path writes the corpus below in one, the
// builders one per statement of 2,048 documents.
long long segments(Database& db, const std::string& table) {
  return scalar(db, "SELECT count(DISTINCT segid) FROM " + table + "_idx");
}

const std::string k_match_8 = "SELECT count(*) FROM search_words WHERE search_words MATCH 'generatedfailure8'";

// Stores `all` through a Writer told to expect `expected` records; removes the
// record `remove` (if any) in the same transaction.
void store(Database& db, const std::vector<json>& all, std::size_t expected, const std::string& remove = {}) {
  Writer writer(db, expected);
  for (const auto& record : all) writer.upsert_record(record, "", 0);
  if (!remove.empty()) REQUIRE(writer.remove_record(remove));
  writer.commit();
}

// The private build of a first database at `path`.
std::unique_ptr<FreshBuild> begin_build(const std::string& path) {
  auto build = FreshBuild::begin(path, milliseconds(100));
  REQUIRE(build != nullptr);
  return build;
}

bool builder_files_exist(const std::string& building) {
  return fs::exists(building + "-fts-words") || fs::exists(building + "-fts-trigram");
}

} // namespace

TEST_CASE("A large first ingest builds the same full-text index on its own threads", "[db][search-builder]") {
  TempDir dir;
  const std::vector<json> all = records(1100);

  // The bulk path: a WAL database, indexed at commit.
  Database bulk(dir.file("bulk.db"), Access::read_write);
  store(bulk, all, k_parallel_index_min_records);

  const std::string path = dir.file("built.db");
  auto build = begin_build(path);
  {
    Writer writer(build->db(), k_parallel_index_min_records);
    CHECK(builder_files_exist(path + ".building")); // the parallel path is taken
    for (const auto& record : all) writer.upsert_record(record, "", 0);
    writer.commit();
  }
  CHECK_FALSE(builder_files_exist(path + ".building")); // and cleaned up
  REQUIRE(build->publish());
  build.reset();

  Database built(path, Access::read_write);
  CHECK(rows(built, "search_docs") == 2200);
  CHECK(scalar(built, "SELECT value FROM meta WHERE key = 'search_indexed_upto'") ==
        scalar(bulk, "SELECT value FROM meta WHERE key = 'search_indexed_upto'"));
  for (const std::string table : {"search_words", "search_trigram"}) {
    INFO(table);
    const auto expected = instances(bulk, table);
    CHECK(expected.size() > 100000);
    CHECK(instances(built, table) == expected);
    CHECK(docsizes(built, table) == docsizes(bulk, table));
  }
  check_integrity(built);
  // The builders' index, not the bulk path's fallback.
  CHECK(segments(bulk, "search_words") == 1);
  CHECK(segments(built, "search_words") > 1);
  CHECK(segments(built, "search_trigram") > 1);
  const std::string query = "SELECT group_concat(rowid) FROM (SELECT rowid FROM search_words WHERE search_words "
                            "MATCH 'token42 OR generatedfailure7' ORDER BY bm25(search_words), rowid)";
  SQLite::Statement a(built.sql(), query), b(bulk.sql(), query);
  REQUIRE(a.executeStep());
  REQUIRE(b.executeStep());
  CHECK(a.getColumn(0).getString() == b.getColumn(0).getString());
  CHECK(scalar(built, "SELECT count(*) FROM search_trigram WHERE search_trigram MATCH '\"第1099号\"'") == 1);
}

TEST_CASE("The parallel index falls back to the bulk path when a document was deleted", "[db][search-builder]") {
  TempDir dir;
  const std::vector<json> all = records(40);
  Database bulk(dir.file("bulk.db"), Access::read_write);
  store(bulk, all, 0, "huggingface/generated-7");

  const std::string path = dir.file("built.db");
  auto build = begin_build(path);
  store(build->db(), all, k_parallel_index_min_records, "huggingface/generated-7");
  REQUIRE(build->publish());
  build.reset();

  Database built(path, Access::read_write);
  check_integrity(built);
  for (const std::string table : {"search_words", "search_trigram"}) {
    INFO(table);
    CHECK(instances(built, table) == instances(bulk, table));
  }
  CHECK(scalar(built, "SELECT count(*) FROM search_words WHERE search_words MATCH 'generatedfailure7'") == 0);
  CHECK(scalar(built, k_match_8) == 1);
}

TEST_CASE("A small first ingest indexes at commit", "[db][search-builder]") {
  TempDir dir;
  const std::string path = dir.file("small.db");
  auto build = begin_build(path);
  Writer writer(build->db(), k_parallel_index_min_records - 1);
  CHECK_FALSE(builder_files_exist(path + ".building"));
  writer.upsert_record(seed_record(), "", 0);
  writer.commit();
  // Its English and its Chinese document.
  CHECK(scalar(build->db(), "SELECT count(*) FROM search_words WHERE search_words MATCH 'bnb_4bit_compute_dtype'") == 2);
}

TEST_CASE("The connection that installed the parallel index reads and writes it", "[db][search-builder]") {
  TempDir dir;
  const std::vector<json> all = records(1100);
  const std::string path = dir.file("built.db");
  auto build = begin_build(path);
  Database& db = build->db();
  store(db, std::vector<json>(all.begin(), all.end() - 1), k_parallel_index_min_records);
  REQUIRE(segments(db, "search_words") > 1); // the builders' index
  // FTS5 cached the empty index of the migration in this connection: it must not
  // serve it now, nor write over the installed index.
  CHECK(scalar(db, k_match_8) == 1);
  store(db, {all.back()}, 1);
  CHECK(scalar(db, "SELECT count(*) FROM search_words WHERE search_words MATCH 'generatedfailure1099'") == 1);
  CHECK(scalar(db, k_match_8) == 1);
  check_integrity(db);

  Database bulk(dir.file("bulk.db"), Access::read_write);
  store(bulk, all, 0);
  for (const std::string table : {"search_words", "search_trigram"}) {
    INFO(table);
    CHECK(instances(db, table) == instances(bulk, table));
  }
}

TEST_CASE("A Writer dropped without commit stops the builders and removes their files", "[db][search-builder]") {
  TempDir dir;
  const std::vector<json> all = records(1100);
  const std::string path = dir.file("built.db");
  auto build = begin_build(path);
  {
    Writer writer(build->db(), k_parallel_index_min_records);
    for (const auto& record : all) writer.upsert_record(record, "", 0); // a batch reached the builders
    CHECK(builder_files_exist(path + ".building"));
  } // rolled back
  CHECK_FALSE(builder_files_exist(path + ".building"));
  CHECK(rows(build->db(), "records") == 0);
  CHECK(rows(build->db(), "search_docs") == 0);
  store(build->db(), {all.front()}, k_parallel_index_min_records); // and the next one starts afresh
  CHECK(scalar(build->db(), "SELECT count(*) FROM search_words WHERE search_words MATCH 'generatedfailure0'") == 1);
  check_integrity(build->db());
}
