#include "db/database.hpp"
#include "db/query.hpp"
#include "db/writer.hpp"
#include "schema/error.hpp"
#include "schema/record.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <set>

using errkb::StoreError;
using errkb::db::Access;
using errkb::db::Database;
using namespace errkb::db::test;

namespace {

const std::set<std::string> k_tables = {
  "meta",      "files",   "records",  "versions", "dead_ends",   "dead_end_sources", "workarounds",
  "workaround_sources",   "graph_edges", "tags",  "aliases",     "os_notes",         "translations",
  "ingest_runs", "search_docs", "search_deleted", "search_words", "search_trigram", "sqlite_sequence"};

std::set<std::string> table_names(Database& db) {
  std::set<std::string> names;
  // Without FTS5's shadow tables (search_words_data, ...).
  SQLite::Statement query(db.sql(), "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT GLOB 'search_*_*'");
  while (query.executeStep()) names.insert(query.getColumn(0).getString());
  return names;
}

void set_meta(const std::string& path, const std::string& key, int value) {
  SQLite::Database raw(path, SQLite::OPEN_READWRITE);
  SQLite::Statement update(raw, "UPDATE meta SET value = ? WHERE key = ?");
  update.bind(1, value);
  update.bind(2, key);
  update.exec();
}

} // namespace

TEST_CASE("a new database gets the whole layout in one migration", "[db][database]") {
  Database db(":memory:", Access::read_write);
  CHECK(db.migration_level() == errkb::db::latest_migration_level());
  CHECK(db.schema_version() == errkb::schema::k_schema_version);
  const std::set<std::string> tables = table_names(db); // later migrations add their own
  CHECK(std::includes(tables.begin(), tables.end(), k_tables.begin(), k_tables.end()));
  CHECK(scalar(db, "PRAGMA foreign_keys") == 1);
  CHECK(scalar(db, "PRAGMA synchronous") == 1); // NORMAL
  CHECK(rows(db, "meta") == 3); // schema_version, migration_level, search_indexed_upto
  CHECK(errkb::db::check(db).empty());
}

TEST_CASE("every migration file is embedded", "[db][database]") {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(ERRKB_SOURCE_DIR "/db/migrations")) {
    if (entry.path().extension() == ".sql") ++files;
  }
  CHECK(files == errkb::db::latest_migration_level());
}

TEST_CASE("a file database is in WAL mode with a settable busy timeout", "[db][database]") {
  TempDir dir;
  const std::string path = dir.file("errkb.db");
  {
    Database db(path, Access::read_write);
    CHECK(db.path() == path);
    CHECK(db.access() == Access::read_write);
    CHECK(scalar(db, "SELECT journal_mode = 'wal' FROM pragma_journal_mode") == 1);
    CHECK(db.busy_timeout() == errkb::db::k_default_busy_timeout);
    CHECK(scalar(db, "PRAGMA busy_timeout") == 5000);
    db.set_busy_timeout(std::chrono::milliseconds(250));
    CHECK(db.busy_timeout() == std::chrono::milliseconds(250));
    CHECK(scalar(db, "PRAGMA busy_timeout") == 250);
  }
  SECTION("reopening keeps the layout and does not migrate again") {
    Database db(path, Access::read_write);
    CHECK(db.migration_level() == errkb::db::latest_migration_level());
    CHECK(rows(db, "meta") == 3);
  }
  SECTION("read-only opens an existing database and refuses to write") {
    Database db(path, Access::read_only);
    CHECK(db.access() == Access::read_only);
    CHECK(scalar(db, "PRAGMA foreign_keys") == 1);
    CHECK(rows(db, "records") == 0);
    CHECK_THROWS_AS(db.sql().exec("DELETE FROM meta"), SQLite::Exception);
    CHECK_THROWS_WITH(errkb::db::Writer(db),
                      "database " + path + " was opened read-only; cannot write to it");
    CHECK_THROWS_AS(errkb::db::check(db), StoreError);
  }
}

TEST_CASE("a new database gets errkb's page size; an existing one keeps its own", "[db][database]") {
  TempDir dir;
  SECTION("created by errkb, in WAL mode and as a fresh build") {
    for (const auto journal : {errkb::db::Journal::wal, errkb::db::Journal::build}) {
      const std::string path = dir.file(journal == errkb::db::Journal::wal ? "wal.db" : "build.db");
      Database db(path, Access::read_write, errkb::db::k_default_busy_timeout, journal);
      CHECK(scalar(db, "PRAGMA page_size") == errkb::db::k_page_size);
    }
  }
  SECTION("an empty file is new") {
    const std::string path = dir.file("empty.db");
    std::ofstream(path).close();
    Database db(path, Access::read_write);
    CHECK(scalar(db, "PRAGMA page_size") == errkb::db::k_page_size);
    CHECK(scalar(db, "SELECT journal_mode = 'wal' FROM pragma_journal_mode") == 1);
  }
  SECTION("a database made with another page size (as by an older errkb) keeps it") {
    const std::string path = dir.file("old.db");
    { Database created(path, Access::read_write); }
    {
      SQLite::Database raw(path, SQLite::OPEN_READWRITE);
      raw.exec("PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096; VACUUM; PRAGMA journal_mode = WAL");
    }
    Database db(path, Access::read_write);
    CHECK(scalar(db, "PRAGMA page_size") == 4096);
    errkb::db::Writer writer(db);
    writer.upsert_record(seed_record(), "", 0);
    writer.commit();
    CHECK(rows(db, "records") == 1);
    CHECK(errkb::db::check(db).empty());
  }
}

TEST_CASE("opening a missing database read-only is a StoreError", "[db][database]") {
  TempDir dir;
  const std::string path = dir.file("missing.db");
  CHECK_THROWS_AS(Database(path, Access::read_only), StoreError);
  CHECK_THROWS_WITH(Database(path, Access::read_only),
                    "no database at " + path + "; run `errkb ingest` first");
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK_THROWS_WITH(Database(":memory:", Access::read_only), "no database at :memory:; run `errkb ingest` first");

  SECTION("an empty file is no database either") {
    std::ofstream(path).close();
    CHECK_THROWS_WITH(Database(path, Access::read_only),
                      "no database at " + path + "; run `errkb ingest` first");
  }
}

TEST_CASE("a database from a newer errkb is refused", "[db][database]") {
  TempDir dir;
  const std::string path = dir.file("errkb.db");
  { Database db(path, Access::read_write); }
  auto expect_refused = [&] {
    for (const Access access : {Access::read_write, Access::read_only}) {
      CHECK_THROWS_WITH(Database(path, access), Catch::StartsWith("database " + path + " was written by a newer errkb") &&
                                                  Catch::EndsWith("upgrade errkb"));
    }
    // Refused, not touched.
    SQLite::Database raw(path, SQLite::OPEN_READONLY);
    CHECK(raw.execAndGet("SELECT count(*) FROM meta").getInt() == 3);
  };

  SECTION("newer schema version") {
    set_meta(path, "schema_version", errkb::schema::k_schema_version + 1);
    expect_refused();
  }
  SECTION("newer migration level") {
    set_meta(path, "migration_level", errkb::db::latest_migration_level() + 1);
    expect_refused();
  }
}

TEST_CASE("an older layout is migrated by read_write and refused by read_only", "[db][database]") {
  TempDir dir;
  const std::string path = dir.file("errkb.db");
  { Database db(path, Access::read_write); }
  set_meta(path, "schema_version", 0);
  CHECK_THROWS_WITH(Database(path, Access::read_only),
                    Catch::Contains("has an older layout") && Catch::Contains("run `errkb ingest` to upgrade it"));
  Database db(path, Access::read_write);
  CHECK(db.schema_version() == errkb::schema::k_schema_version);
}

TEST_CASE("files that are not errkb databases are refused", "[db][database]") {
  TempDir dir;
  SECTION("another application's SQLite database") {
    const std::string path = dir.file("other.db");
    {
      SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      raw.exec("CREATE TABLE people (name TEXT)");
    }
    CHECK_THROWS_WITH(Database(path, Access::read_write), path + " is not an errkb database (it has no `meta` table)");
    CHECK_THROWS_WITH(Database(path, Access::read_only), path + " is not an errkb database (it has no `meta` table)");
  }
  SECTION("not SQLite at all") {
    const std::string path = dir.file("notes.txt");
    std::ofstream(path) << std::string(4096, 'x');
    CHECK_THROWS_WITH(Database(path, Access::read_write), path + " is not an SQLite database");
    CHECK_THROWS_WITH(Database(path, Access::read_only), path + " is not an SQLite database");
  }
}

TEST_CASE("default_path follows ERRKB_DB", "[db][database]") {
  const char* saved = std::getenv("ERRKB_DB");
  const std::string saved_value = saved != nullptr ? saved : "";
  ::unsetenv("ERRKB_DB");
  CHECK(errkb::db::default_path() == "errkb.db");
  ::setenv("ERRKB_DB", "", 1);
  CHECK(errkb::db::default_path() == "errkb.db");
  ::setenv("ERRKB_DB", "/tmp/kb.db", 1);
  CHECK(errkb::db::default_path() == "/tmp/kb.db");
  if (saved != nullptr) {
    ::setenv("ERRKB_DB", saved_value.c_str(), 1);
  } else {
    ::unsetenv("ERRKB_DB");
  }
}

TEST_CASE("check names what is broken", "[db][database][check]") {
  Database db(":memory:", Access::read_write);
  {
    errkb::db::Writer writer(db);
    writer.upsert_record(seed_record(), "", 1);
    writer.commit();
  }
  REQUIRE(errkb::db::check(db).empty());

  SECTION("an index entry without its document") {
    db.sql().exec("INSERT INTO search_words (rowid, signature) VALUES (999, 'ghost')");
    const auto problems = errkb::db::check(db);
    REQUIRE(problems.size() == 1);
    CHECK_THAT(problems[0], Catch::StartsWith("fts5 search_words: "));
  }
  SECTION("a document changed behind the index's back") {
    db.sql().exec("DROP TRIGGER search_docs_update; UPDATE search_docs SET signature = 'changed'");
    const auto problems = errkb::db::check(db);
    REQUIRE(problems.size() == 2);
    CHECK_THAT(problems[0], Catch::StartsWith("fts5 search_words: "));
    CHECK_THAT(problems[1], Catch::StartsWith("fts5 search_trigram: "));
  }
  SECTION("a document deleted outside a Writer") {
    db.sql().exec("DELETE FROM search_docs WHERE locale = 'zh'");
    const auto problems = errkb::db::check(db);
    CHECK(std::find(problems.begin(), problems.end(), "search index: 1 deleted documents are still indexed") !=
          problems.end());
  }
  SECTION("a document added outside a Writer") {
    db.sql().exec("INSERT INTO search_docs (rid, locale, signature) SELECT rid, 'fr', 'Erreur' FROM records");
    const auto problems = errkb::db::check(db);
    CHECK(std::find(problems.begin(), problems.end(), "search index: 1 documents are not indexed") != problems.end());
  }
  SECTION("an orphan row") {
    db.sql().exec("PRAGMA foreign_keys = OFF; INSERT INTO tags (rid, position, tag) VALUES (4242, 0, 'orphan');"
                  "PRAGMA foreign_keys = ON;");
    const auto problems = errkb::db::check(db);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0] == "foreign_key_check: a row of table tags refers to a missing row of records");
  }
  SECTION("a wrong schema version") {
    db.sql().exec("UPDATE meta SET value = 7 WHERE key = 'schema_version'");
    const auto problems = errkb::db::check(db);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0] == "meta: schema_version is 7, expected " + std::to_string(errkb::schema::k_schema_version));
  }
}
