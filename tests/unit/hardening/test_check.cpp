// `errkb check`: a healthy database passes; each kind of damage is named and exits 1;
// the check changes nothing.
#include "db/database.hpp"
#include "db/writer.hpp"
#include "ingest/sync.hpp"
#include "schema/record.hpp"
#include "support.hpp"

#include <SQLiteCpp/Database.h>
#include <catch2/catch.hpp>

using namespace errkb::hardening::test;
using errkb::db::Access;
using errkb::db::Database;
using errkb::test::run_main;
using errkb::test::RunResult;

namespace {

// A database holding the records of records/, with nothing left in its WAL.
std::string ingested_db(const TempDir& dir) {
  const std::string path = dir.file("errkb.db");
  {
    Database db(path, Access::read_write);
    const auto report = errkb::ingest::sync(db, {ERRKB_SOURCE_DIR "/records"});
    REQUIRE(report.committed);
    REQUIRE(report.added > 0);
  }
  return path;
}

// Changes the database behind errkb's back; foreign keys are off like in any tool
// that does not ask for them.
void tamper(const std::string& path, const std::string& sql) {
  SQLite::Database raw(path, SQLite::OPEN_READWRITE);
  raw.exec(sql);
  raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

std::string meta_value(const std::string& path, const std::string& key) {
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  SQLite::Statement query(raw, "SELECT value FROM meta WHERE key = ?");
  query.bind(1, key);
  return query.executeStep() ? query.getColumn(0).getString() : std::string("(none)");
}

} // namespace

TEST_CASE("check passes on a healthy database", "[hardening][check]") {
  TempDir dir("check");
  const std::string db = ingested_db(dir);

  const auto records = read_state(db).records.size();
  REQUIRE(records > 1);
  const RunResult text = run_main({"check", "--db", db});
  CHECK(text.code == 0);
  CHECK(text.out == db + ": ok (" + std::to_string(records) + " records, schema version " +
                      std::to_string(errkb::schema::k_schema_version) + ")\n");
  CHECK(text.err.empty());

  const RunResult json = run_main({"check", "--db", db, "--format", "json"});
  CHECK(json.code == 0);
  const auto report = nlohmann::json::parse(json.out);
  CHECK(report["healthy"] == true);
  CHECK(report["database"] == db);
  CHECK(report["records"] == records);
  CHECK(report["stale"] == 0);
  CHECK(report["schema_version"] == errkb::schema::k_schema_version);
  CHECK(report["problems"] == nlohmann::json::array());

  // ERRKB_DB is the default, like every command that takes --db.
  ::setenv("ERRKB_DB", db.c_str(), 1);
  const RunResult from_env = run_main({"check"});
  ::unsetenv("ERRKB_DB");
  CHECK(from_env.code == 0);
  CHECK(from_env.out.rfind(db + ": ok (", 0) == 0);
}

TEST_CASE("check of a missing database fails and creates nothing", "[hardening][check]") {
  TempDir dir("check-missing");
  const std::string db = dir.file("absent.db");
  const RunResult run = run_main({"check", "--db", db});
  CHECK(run.code == 1);
  CHECK(run.out.empty());
  CHECK(run.err == "errkb: error: no database at " + db + "; run `errkb ingest` first\n");
  CHECK_FALSE(fs::exists(db));
}

TEST_CASE("check names a full-text index out of step with its documents", "[hardening][check]") {
  TempDir dir("check-fts");
  const std::string db = ingested_db(dir);
  // The document goes, its terms stay in both FTS5 indexes.
  tamper(db, "DELETE FROM search_docs WHERE rowid = (SELECT min(rowid) FROM search_docs)");

  const RunResult run = run_main({"check", "--db", db});
  INFO(run.out << run.err);
  CHECK(run.code == 1);
  CHECK(run.out == db + ": fts5 search_words: database disk image is malformed\n" +
                    db + ": fts5 search_trigram: database disk image is malformed\n" +
                    db + ": search index: 1 deleted documents are still indexed\n");
  CHECK(run.err == "errkb: " + db + ": 3 problems\n");

  const auto json = nlohmann::json::parse(run_main({"check", "--db", db, "--format", "json"}).out);
  CHECK(json["healthy"] == false);
  CHECK(json["problems"].size() == 3);
}

TEST_CASE("check names rows whose parent is missing", "[hardening][check]") {
  TempDir dir("check-fk");
  const std::string db = ingested_db(dir);
  tamper(db, "DELETE FROM files WHERE path = (SELECT min(path) FROM files)");

  const RunResult run = run_main({"check", "--db", db});
  INFO(run.out << run.err);
  CHECK(run.code == 1);
  CHECK(run.out.find("foreign_key_check: row ") != std::string::npos);
  CHECK(run.out.find(" of table records refers to a missing row of files") != std::string::npos);
}

TEST_CASE("check names a schema version it does not know, and migrates nothing", "[hardening][check]") {
  TempDir dir("check-version");
  const std::string db = ingested_db(dir);

  SECTION("newer") {
    tamper(db, "UPDATE meta SET value = 99 WHERE key = 'schema_version'");
    const RunResult run = run_main({"check", "--db", db});
    CHECK(run.code == 1);
    CHECK(run.out.find(db + ": database " + db + " was written by a newer errkb (schema version 99") == 0);
    CHECK(run.err == "errkb: " + db + ": 1 problem\n");
    CHECK(meta_value(db, "schema_version") == "99");
  }
  SECTION("older") {
    tamper(db, "UPDATE meta SET value = 0 WHERE key = 'migration_level'");
    const RunResult run = run_main({"check", "--db", db});
    CHECK(run.code == 1);
    CHECK(run.out.find("has an older layout") != std::string::npos);
    CHECK(run.out.find("run `errkb ingest` to upgrade it") != std::string::npos);
    // A check never upgrades: the level is still what it found.
    CHECK(meta_value(db, "migration_level") == "0");
  }
}

TEST_CASE("check names a damaged database file", "[hardening][check]") {
  TempDir dir("check-corrupt");

  SECTION("pages overwritten") {
    const std::string db = ingested_db(dir);
    tamper(db, "PRAGMA journal_mode = DELETE"); // everything in the main file
    const auto size = fs::file_size(db);
    const std::size_t page = errkb::db::k_page_size;
    REQUIRE(size > 4 * page);
    {
      // Overwrite the pages after the first two (schema and meta stay readable).
      std::fstream file(db, std::ios::in | std::ios::out | std::ios::binary);
      file.seekp(static_cast<std::streamoff>(2 * page));
      const std::string zeros(size - 3 * page, '\x5a');
      file.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
    }
    const RunResult run = run_main({"check", "--db", db});
    INFO(run.out << run.err);
    CHECK(run.code == 1);
    CHECK_FALSE(run.out.empty());
    CHECK(run.err.find("errkb: " + db + ": ") == 0);
  }
  SECTION("not SQLite at all") {
    const std::string db = dir.file("text.db");
    write_file(db, "this is not a database, but it is long enough to look like a header of one\n");
    const RunResult run = run_main({"check", "--db", db});
    CHECK(run.code == 1);
    CHECK(run.out == db + ": " + db + " is not an SQLite database\n");
  }
}

TEST_CASE("check waits for a running ingest, then fails clearly when it does not end", "[hardening][check]") {
  TempDir dir("check-busy");
  const std::string db = ingested_db(dir);
  Database holder(db, Access::read_write);
  auto writer = std::make_unique<errkb::db::Writer>(holder);

  const RunResult run = run_main({"check", "--db", db, "--busy-timeout", "100"});
  CHECK(run.code == 1);
  CHECK(run.out.empty());
  CHECK(run.err == "errkb: error: database " + db + " is locked by another writer (another ingest running?)\n");

  writer.reset(); // rolls back, releasing the lock
  CHECK(run_main({"check", "--db", db}).code == 0);
}

TEST_CASE("check --help names what it checks", "[hardening][check]") {
  const RunResult run = run_main({"check", "--help"});
  CHECK(run.code == 0);
  CHECK(run.out.find("--db") != std::string::npos);
  CHECK(run.out.find("--format") != std::string::npos);
  CHECK(run.out.find("Exit codes: 0 healthy, 1 problems found") != std::string::npos);
}
