#include "db/database.hpp"
#include "db/query.hpp"
#include "db/writer.hpp"
#include "schema/error.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

using errkb::InputError;
using errkb::StoreError;
using errkb::db::Access;
using errkb::db::Database;
using errkb::db::FileRecords;
using errkb::db::UpsertResult;
using errkb::db::Writer;
using nlohmann::json;
using namespace errkb::db::test;

namespace {

const char* const k_seed_id = "huggingface/quantization-dtype-mismatch-bnb";
const char* const k_rich_id = "python/torch-import-error";

// Every table that holds rows derived from records (search_words/search_trigram
// are checked through FTS5's integrity-check and their docsize tables).
const std::vector<std::string> k_record_tables = {
  "records",     "versions", "dead_ends", "dead_end_sources", "workarounds",  "workaround_sources",
  "graph_edges", "tags",     "aliases",   "os_notes",         "translations", "search_docs",
  "search_deleted", "search_words_docsize", "search_trigram_docsize"};

std::map<std::string, long long> table_rows(Database& db) {
  std::map<std::string, long long> counts;
  for (const auto& table : k_record_tables) counts[table] = rows(db, table);
  return counts;
}

// A record that uses every child table: sources, edges of both shapes, tags,
// aliases, OS notes of both shapes, object and string translations, withdrawal.
json rich_record() {
  return json::parse(R"({
    "id": "python/torch-import-error",
    "signature": "ModuleNotFoundError: No module named 'torch'",
    "regex": "No module named ['\"]?torch",
    "domain": "python",
    "category": "import_error",
    "subcategory": "missing-package",
    "root_cause": "PyTorch is not installed in the interpreter that runs the script.",
    "root_cause_type": "environment",
    "root_cause_ja": "スクリプトを実行するインタプリタに PyTorch がインストールされていません。",
    "versions": [
      {"version": "python 3.12", "status": "active"},
      {"version": "torch 2.3.0", "introduced": "2.3.0", "deprecated": null, "removed": null,
       "behavior_change": "wheels for 3.12", "status": "fixed"},
      {"version": "pip 24.0"}
    ],
    "os_specific": {"linux": "Install the manylinux wheel.", "macos": {"arch": "arm64", "metal": true, "min": 13}},
    "dead_ends": [
      {"action": "pip install torchvision", "why_fails": "It needs torch but installs it only as a dependency pin.",
       "fail_rate": 0.7, "common_misconception": "torchvision bundles torch",
       "sources": ["https://example.org/a", "https://example.org/b"]},
      {"action": "Restart the IDE", "why_fails": "The interpreter stays the same.", "fail_rate": 1}
    ],
    "dead_ends_ja": [
      {"action": "torchvision をインストールする", "why_fails": "torch 本体は入らない"},
      "二番目の行き止まり"
    ],
    "workarounds": [
      {"action": "python -m pip install torch", "success_rate": 0.9, "how": "Use the interpreter's own pip.",
       "tradeoff": "Large download", "sources": ["https://example.org/c"]},
      {"action": "Select the venv interpreter", "success_rate": 0.8, "condition": "VS Code"}
    ],
    "transition_graph": {
      "leads_to": [
        "huggingface/quantization-dtype-mismatch-bnb",
        {"error_id": "python/cuda-missing", "probability": 0.3, "condition": "GPU build",
         "typical_delay": "minutes", "distinction": "appears after the import works"}
      ],
      "preceded_by": ["python/venv-not-activated"]
    },
    "official_doc_url": "https://pytorch.org/get-started/locally/",
    "error_code": "E042",
    "verification_tier": "human_reviewed",
    "confidence": 1,
    "fix_success_rate": 0.85,
    "resolvable": "true",
    "first_seen": "2023-01-02",
    "last_confirmed": "2024-05-06",
    "tags": ["python", "import", "torch"],
    "aliases": ["torch missing"],
    "locale": "en",
    "withdrawn": {"date": "2024-07-01", "reason": "duplicate", "replaced_by": "python/torch-missing"}
  })");
}

const std::map<std::string, long long> k_seed_rows = {
  {"records", 1},          {"versions", 3},     {"dead_ends", 2},    {"dead_end_sources", 0},
  {"workarounds", 2},      {"workaround_sources", 0},                {"graph_edges", 0},
  {"tags", 0},             {"aliases", 0},      {"os_notes", 0},     {"translations", 4},
  {"search_docs", 2},      {"search_deleted", 0},
  {"search_words_docsize", 2},                  {"search_trigram_docsize", 2}};

const std::map<std::string, long long> k_rich_rows = {
  {"records", 1},          {"versions", 3},     {"dead_ends", 2},    {"dead_end_sources", 2},
  {"workarounds", 2},      {"workaround_sources", 1},                {"graph_edges", 3},
  {"tags", 3},             {"aliases", 1},      {"os_notes", 2},     {"translations", 4},
  {"search_docs", 2},      {"search_deleted", 0},
  {"search_words_docsize", 2},                  {"search_trigram_docsize", 2}};

std::map<std::string, long long> sum(const std::map<std::string, long long>& a, const std::map<std::string, long long>& b) {
  std::map<std::string, long long> total = a;
  for (const auto& [table, count] : b) total[table] += count;
  return total;
}

std::map<std::string, long long> zero_rows() {
  std::map<std::string, long long> zero;
  for (const auto& table : k_record_tables) zero[table] = 0;
  return zero;
}

// "id@locale" of every document `index` matches for `query`, sorted.
std::vector<std::string> search(Database& db, const std::string& index, const std::string& query) {
  SQLite::Statement statement(db.sql(), "SELECT r.id, d.locale FROM " + index + " AS f JOIN search_docs AS d ON d.rowid = f.rowid "
                                        "JOIN records AS r ON r.rid = d.rid WHERE " + index + " MATCH ? ORDER BY r.id, d.locale");
  statement.bind(1, query);
  std::vector<std::string> hits;
  while (statement.executeStep()) hits.push_back(statement.getColumn(0).getString() + "@" + statement.getColumn(1).getString());
  return hits;
}

void put_seed(Database& db, const std::string& file = "") {
  Writer writer(db);
  if (!file.empty()) writer.put_file(file, "aa", 10, 1);
  CHECK(writer.upsert_record(seed_record(), file, 1) == UpsertResult::added);
  writer.commit();
}

} // namespace

TEST_CASE("upsert_record reports added, unchanged and updated", "[db][writer]") {
  Database db(":memory:", Access::read_write);
  json record = seed_record();
  {
    Writer writer(db);
    CHECK(writer.upsert_record(record, "", 1) == UpsertResult::added);
    CHECK(writer.upsert_record(record, "", 1) == UpsertResult::unchanged);
    writer.commit();
  }
  CHECK(errkb::db::find_record(db, k_seed_id) == record);
  CHECK(errkb::db::record_ids(db) == std::vector<std::string>{k_seed_id});
  const long long rid = scalar(db, "SELECT rid FROM records");

  SECTION("the same content is unchanged, even with another key order or position") {
    Writer writer(db);
    const json reordered = json::parse(record.dump(2)); // same content, rebuilt
    CHECK(writer.upsert_record(reordered, "", 7) == UpsertResult::unchanged);
    writer.commit();
    CHECK(scalar(db, "SELECT line FROM records") == 7);
    CHECK(table_rows(db) == k_seed_rows);
  }
  SECTION("changed content is updated under the same rid and replaces every derived row") {
    record["confidence"] = 0.5;
    record["tags"] = {"quantization"};
    record.erase("signature_zh");
    Writer writer(db);
    CHECK(writer.upsert_record(record, "", 1) == UpsertResult::updated);
    CHECK(writer.upsert_record(record, "", 1) == UpsertResult::unchanged);
    writer.commit();
    CHECK(errkb::db::find_record(db, k_seed_id) == record);
    CHECK(scalar(db, "SELECT rid FROM records") == rid);
    CHECK(scalar(db, "SELECT confidence = 0.5 FROM records") == 1);
    auto expected = k_seed_rows;
    expected["tags"] = 1;
    expected["translations"] = 3;
    CHECK(table_rows(db) == expected);
    CHECK(search(db, "search_trigram", "两者不兼容").empty());
    CHECK(search(db, "search_words", "keywords : quantization") == std::vector<std::string>{std::string(k_seed_id) + "@en"});
    CHECK(errkb::db::check(db).empty());
  }
  CHECK(errkb::db::find_record(db, "python/nothing") == std::nullopt);
}

TEST_CASE("the seed is normalized into every table", "[db][writer]") {
  Database db(":memory:", Access::read_write);
  put_seed(db);
  CHECK(table_rows(db) == k_seed_rows);

  SQLite::Statement record(db.sql(), "SELECT id, file, line, domain, category, subcategory, locale, verification_tier, "
                                     "resolvable, first_seen, last_updated, evidence_count, stale, stale_reason, "
                                     "withdrawn_date, json FROM records");
  REQUIRE(record.executeStep());
  CHECK(record.getColumn(0).getString() == k_seed_id);
  CHECK(record.getColumn(1).isNull());
  CHECK(record.getColumn(2).getInt() == 1);
  CHECK(record.getColumn(3).getString() == "huggingface");
  CHECK(record.getColumn(4).getString() == "config_error");
  CHECK(record.getColumn(5).isNull());
  CHECK(record.getColumn(6).getString() == "en");
  CHECK(record.getColumn(7).getString() == "ai_generated");
  CHECK(record.getColumn(8).getString() == "true");
  CHECK(record.getColumn(9).getString() == "2024-03-10");
  CHECK(record.getColumn(10).getString() == "2024-06-01");
  CHECK(record.getColumn(11).getInt() == 1);
  CHECK(record.getColumn(12).getInt() == 0);
  CHECK(record.getColumn(13).isNull());
  CHECK(record.getColumn(14).isNull());
  CHECK(record.getColumn(15).getString() == seed_record().dump());

  SQLite::Statement translations(db.sql(), "SELECT locale, field, position, text FROM translations "
                                           "ORDER BY locale, field, position");
  std::vector<std::tuple<std::string, std::string, int, std::string>> rows_found;
  while (translations.executeStep()) {
    rows_found.emplace_back(translations.getColumn(0).getString(), translations.getColumn(1).getString(),
                            translations.getColumn(2).getInt(), translations.getColumn(3).getString());
  }
  const json seed = seed_record();
  const std::vector<std::tuple<std::string, std::string, int, std::string>> expected = {
    {"zh", "root_cause", 0, seed["root_cause_zh"].get<std::string>()},
    {"zh", "signature", 0, seed["signature_zh"].get<std::string>()},
    {"zh", "workarounds", 0, seed["workarounds_zh"][0].get<std::string>()},
    {"zh", "workarounds", 1, seed["workarounds_zh"][1].get<std::string>()}};
  CHECK(rows_found == expected);

  // The zh document holds only translated text; keywords stay in the base row.
  SQLite::Statement docs(db.sql(), "SELECT locale, signature, root_cause, dead_ends IS NULL, keywords "
                                   "FROM search_docs ORDER BY locale");
  REQUIRE(docs.executeStep());
  CHECK(docs.getColumn(0).getString() == "en");
  CHECK(docs.getColumn(1).getString() == seed["signature"].get<std::string>());
  CHECK(docs.getColumn(3).getInt() == 0);
  CHECK(docs.getColumn(4).getString() == "huggingface\nconfig_error");
  REQUIRE(docs.executeStep());
  CHECK(docs.getColumn(0).getString() == "zh");
  CHECK(docs.getColumn(1).getString() == seed["signature_zh"].get<std::string>());
  CHECK(docs.getColumn(2).getString() == seed["root_cause_zh"].get<std::string>());
  CHECK(docs.getColumn(3).getInt() == 1);
  CHECK(docs.getColumn(4).isNull());
  CHECK(errkb::db::check(db).empty());
}

TEST_CASE("full-text search finds the seed by Chinese text and by identifier", "[db][writer][fts]") {
  Database db(":memory:", Access::read_write);
  put_seed(db);
  {
    Writer writer(db);
    CHECK(writer.upsert_record(rich_record(), "", 1) == UpsertResult::added);
    writer.commit();
  }
  using Hits = std::vector<std::string>;
  const std::string seed_en = std::string(k_seed_id) + "@en";
  const std::string seed_zh = std::string(k_seed_id) + "@zh";
  const std::string rich_en = std::string(k_rich_id) + "@en";
  const std::string rich_ja = std::string(k_rich_id) + "@ja";
  CHECK(search(db, "search_trigram", "不兼容") == Hits{seed_zh});
  // signature_zh quotes the identifier too, so both seed documents match.
  CHECK(search(db, "search_words", "\"bnb_4bit_compute_dtype\"") == Hits{seed_en, seed_zh});
  CHECK(search(db, "search_trigram", "\"bnb_4bit_compute_dtype\"") == Hits{seed_en, seed_zh});
  CHECK(search(db, "search_words", "\"bnb_4bit_compute_dtype=torch.float16\" AND incompatible") ==
        Hits{seed_en});
  CHECK(search(db, "search_trigram", "インストール") == Hits{rich_ja});
  CHECK(search(db, "search_words", "keywords : torch") == Hits{rich_en});
  CHECK(search(db, "search_words", "E042") == Hits{rich_en});
  // search_trigram holds every column of CJK documents, only signature and keywords of the others.
  CHECK(search(db, "search_trigram", "torchvision") == Hits{rich_ja});
  CHECK(search(db, "search_words", "torchvision") == Hits{rich_en, rich_ja});
  CHECK(search(db, "search_trigram", "oduleNotFoundErr") == Hits{rich_en});
  CHECK(search(db, "search_trigram", "keywords : ython") == Hits{rich_en});
  CHECK(db.sql().execAndGet("SELECT group_concat(locale || trigram_all, ',') FROM "
                            "(SELECT locale, trigram_all FROM search_docs ORDER BY rowid)").getString() ==
        "en0,zh1,en0,ja1");
  CHECK(search(db, "search_words", "signature : ModuleNotFoundError") == Hits{rich_en});
  CHECK(search(db, "search_words", "uberhaupt").empty());

  // What the search engine builds on: column-weighted bm25 and snippets.
  SQLite::Statement ranked(db.sql(),
                           "SELECT r.id, bm25(search_words, 10.0, 5.0, 2.0, 2.0, 1.0) AS score, "
                           "snippet(search_words, -1, '[', ']', '…', 8) FROM search_words "
                           "JOIN search_docs AS d ON d.rowid = search_words.rowid JOIN records AS r ON r.rid = d.rid "
                           "WHERE search_words MATCH 'bfloat16' ORDER BY score");
  REQUIRE(ranked.executeStep());
  CHECK(ranked.getColumn(0).getString() == k_seed_id);
  CHECK(ranked.getColumn(1).getDouble() < 0.0);
  CHECK_THAT(ranked.getColumn(2).getString(), Catch::Contains("[bfloat16]"));
  CHECK(errkb::db::check(db).empty());
}

TEST_CASE("deleting records leaves no orphans in any table", "[db][writer]") {
  TempDir dir;
  Database db(dir.file("errkb.db"), Access::read_write);
  {
    Writer writer(db);
    writer.put_file("records/seed.json", "aa", 10, 1);
    writer.put_file("records/rich.yaml", "bb", 20, 2);
    CHECK(writer.upsert_record(seed_record(), "records/seed.json", 1) == UpsertResult::added);
    CHECK(writer.upsert_record(rich_record(), "records/rich.yaml", 3) == UpsertResult::added);
    writer.commit();
  }
  CHECK(table_rows(db) == sum(k_seed_rows, k_rich_rows));

  SECTION("remove_record") {
    {
      Writer writer(db);
      CHECK(writer.remove_record(k_rich_id));
      CHECK_FALSE(writer.remove_record(k_rich_id));
      writer.commit();
    }
    CHECK(table_rows(db) == k_seed_rows);
    CHECK(errkb::db::check(db).empty());
    {
      Writer writer(db);
      CHECK(writer.remove_record(k_seed_id));
      writer.commit();
    }
    CHECK(table_rows(db) == zero_rows());
    CHECK(rows(db, "files") == 2);
  }
  SECTION("remove_file takes the file's records") {
    Writer writer(db);
    CHECK(writer.remove_file("records/rich.yaml") == 1);
    writer.commit();
    CHECK(table_rows(db) == k_seed_rows);
    CHECK(rows(db, "files") == 1);
    CHECK(search(db, "search_trigram", "インストール").empty());
  }
  SECTION("remove_file can keep the file's records") {
    Writer writer(db);
    CHECK(writer.remove_file("records/rich.yaml", FileRecords::keep) == 0);
    writer.commit();
    CHECK(table_rows(db) == sum(k_seed_rows, k_rich_rows));
    CHECK(rows(db, "files") == 1);
    CHECK(scalar(db, "SELECT file IS NULL FROM records WHERE id = 'python/torch-import-error'") == 1);
  }
  CHECK(errkb::db::check(db).empty());
  CHECK(rows(db, "search_words_docsize") == rows(db, "search_docs"));
}

TEST_CASE("files() maps each file to its records", "[db][writer]") {
  Database db(":memory:", Access::read_write);
  Writer writer(db);
  writer.put_file("b.json", "bb", 2, 20);
  writer.put_file("a.jsonl", "aa", 1, 10);
  writer.put_file("a.jsonl", "a2", 3, 30); // an update, not a second row
  writer.upsert_record(rich_record(), "a.jsonl", 2);
  writer.upsert_record(seed_record(), "a.jsonl", 1);
  const auto files = writer.files();
  REQUIRE(files.size() == 2);
  const errkb::db::StoredFile& a = files.at("a.jsonl");
  CHECK(a.sha256 == "a2");
  CHECK(a.size == 3);
  CHECK(a.mtime_ns == 30);
  CHECK(a.record_ids == std::vector<std::string>{k_seed_id, k_rich_id});
  CHECK(files.at("b.json").record_ids.empty());

  SECTION("moving a record to another file keeps it unchanged") {
    CHECK(writer.upsert_record(seed_record(), "b.json", 4) == UpsertResult::unchanged);
    CHECK(writer.files().at("b.json").record_ids == std::vector<std::string>{k_seed_id});
  }
  SECTION("a record without a field the tables need is an InputError") {
    CHECK_THROWS_WITH(writer.upsert_record(json::parse(R"({"id": "a/b"})"), "", 1),
                      "record a/b: /domain: expected a string");
  }
}

TEST_CASE("a record whose file was never put is refused", "[db][writer]") {
  Database db(":memory:", Access::read_write);
  Writer writer(db);
  CHECK_THROWS_AS(writer.upsert_record(seed_record(), "nowhere.json", 1), StoreError);
  CHECK_THROWS_WITH(writer.commit(), Catch::Contains("an earlier write in this transaction failed"));
}

TEST_CASE("a Writer destroyed without commit rolls everything back", "[db][writer]") {
  TempDir dir;
  const std::string path = dir.file("errkb.db");
  {
    Database db(path, Access::read_write);
    put_seed(db, "records/seed.json");
  }
  {
    Database db(path, Access::read_write);
    const auto before = table_rows(db);
    {
      Writer writer(db);
      writer.put_file("records/rich.yaml", "bb", 20, 2);
      writer.upsert_record(rich_record(), "records/rich.yaml", 1);
      CHECK(writer.remove_record(k_seed_id));
      writer.add_run({});
      CHECK(table_rows(db) != before);
    }
    CHECK(table_rows(db) == before);
  }
  Database db(path, Access::read_only);
  CHECK(table_rows(db) == k_seed_rows);
  CHECK(rows(db, "files") == 1);
  CHECK(rows(db, "ingest_runs") == 0);
}

TEST_CASE("a failed write makes the Writer refuse to commit", "[db][writer]") {
  Database db(":memory:", Access::read_write);
  put_seed(db);
  const auto before = table_rows(db);
  json bad = rich_record();
  SECTION("a wrong type") {
    bad["workarounds"][1]["success_rate"] = "high";
    Writer writer(db);
    CHECK_THROWS_AS(writer.upsert_record(bad, "", 1), InputError);
    CHECK_THROWS_WITH(writer.upsert_record(seed_record(), "", 1),
                      "database :memory:: an earlier write in this transaction failed; nothing was saved");
    CHECK_THROWS_AS(writer.commit(), StoreError);
  }
  SECTION("a value out of range for the tables") {
    bad["dead_ends"][1]["fail_rate"] = 2.0;
    Writer writer(db);
    CHECK_THROWS_WITH(writer.upsert_record(bad, "", 1), Catch::Contains("CHECK constraint failed"));
    CHECK_THROWS_AS(writer.commit(), StoreError);
  }
  CHECK(table_rows(db) == before);
}

TEST_CASE("a second writer fails after the busy timeout; readers see the last commit", "[db][writer][concurrency]") {
  TempDir dir;
  const std::string path = dir.file("errkb.db");
  Database first(path, Access::read_write);
  put_seed(first);
  Writer writer(first);
  writer.remove_record(k_seed_id);

  Database second(path, Access::read_write);
  second.set_busy_timeout(std::chrono::milliseconds(100));
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(Writer(second), "database " + path + " is locked by another writer (another ingest running?)");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));

  Database reader(path, Access::read_only);
  CHECK(errkb::db::record_ids(reader) == std::vector<std::string>{k_seed_id});
  writer.commit();
  CHECK(errkb::db::record_ids(reader).empty());
  Writer next(second); // the lock is free again
}

TEST_CASE("stale flags, counts and ingest runs", "[db][writer]") {
  Database db(":memory:", Access::read_write);
  put_seed(db, "seed.json");
  {
    Writer writer(db);
    CHECK(writer.set_stale(k_seed_id, "seed.json:3: error: /confidence: must be <= 1"));
    CHECK_FALSE(writer.set_stale("python/nothing", "gone"));
    writer.commit();
  }
  CHECK(errkb::db::counts(db).records == 1);
  CHECK(errkb::db::counts(db).files == 1);
  CHECK(errkb::db::counts(db).stale == 1);
  CHECK(scalar(db, "SELECT stale_reason = 'seed.json:3: error: /confidence: must be <= 1' FROM records") == 1);

  SECTION("clear_stale") {
    Writer writer(db);
    CHECK(writer.clear_stale(k_seed_id));
    writer.commit();
  }
  SECTION("storing the record again clears it") {
    Writer writer(db);
    CHECK(writer.upsert_record(seed_record(), "seed.json", 1) == UpsertResult::unchanged);
    writer.commit();
  }
  CHECK(errkb::db::counts(db).stale == 0);

  Writer writer(db);
  errkb::db::RunCounts run;
  run.started_at = "2024-06-01T10:00:00Z";
  run.finished_at = "2024-06-01T10:00:01Z";
  run.added = 1;
  run.unchanged = 2;
  run.rejected = 3;
  run.paths = {"records/", "extra.json"};
  CHECK(writer.add_run(run) == 1);
  CHECK(writer.add_run(run) == 2);
  writer.commit();
  SQLite::Statement stored(db.sql(), "SELECT started_at, added, updated, unchanged, rejected, paths FROM ingest_runs "
                                     "WHERE id = 1");
  REQUIRE(stored.executeStep());
  CHECK(stored.getColumn(0).getString() == "2024-06-01T10:00:00Z");
  CHECK(stored.getColumn(1).getInt() == 1);
  CHECK(stored.getColumn(2).getInt() == 0);
  CHECK(stored.getColumn(3).getInt() == 2);
  CHECK(stored.getColumn(4).getInt() == 3);
  CHECK(stored.getColumn(5).getString() == R"(["records/","extra.json"])");
  CHECK_THROWS_AS(writer.commit(), std::logic_error);
}

TEST_CASE("a record prepared on another thread is stored exactly as one prepared by the writer", "[db][writer]") {
  TempDir dir;
  Database plain(dir.file("plain.db"), Access::read_write);
  Database prepared(dir.file("prepared.db"), Access::read_write);
  const json record = seed_record();
  const errkb::db::PreparedRecord ahead = errkb::db::prepare_record(record);
  REQUIRE(ahead.atoms.has_value());
  CHECK_FALSE(ahead.atoms->keys.empty()); // the seed's regex has literals to prefilter on
  {
    Writer writer(plain);
    CHECK(writer.upsert_record(record, "", 0) == UpsertResult::added);
    writer.commit();
  }
  {
    Writer writer(prepared);
    CHECK(writer.upsert_record(record, "", 0, &ahead) == UpsertResult::added);
    writer.commit();
  }
  auto rows_of = [](Database& db, const std::string& sql) {
    std::vector<std::string> out;
    SQLite::Statement query(db.sql(), sql);
    while (query.executeStep()) out.push_back(query.getColumn(0).getString());
    return out;
  };
  for (const std::string sql : {"SELECT json || content_hash FROM records",
                                "SELECT filtered || atoms FROM match_regex",
                                "SELECT atom_key || ' ' || atom FROM match_atoms ORDER BY 1"})
    CHECK(rows_of(plain, sql) == rows_of(prepared, sql));
  CHECK(rows(prepared, "match_atoms") > 0);
  // Unchanged is still recognised from the prepared canonical JSON.
  Writer writer(prepared);
  CHECK(writer.upsert_record(record, "", 0, &ahead) == UpsertResult::unchanged);
}
