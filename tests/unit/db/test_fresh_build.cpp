// db::FreshBuild: the first database at a path is built privately and published whole.
#include "db/fresh_build.hpp"
#include "db/writer.hpp"
#include "schema/error.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/file.h>
#include <unistd.h>

using errkb::StoreError;
using errkb::db::Access;
using errkb::db::Database;
using errkb::db::FreshBuild;
using errkb::db::Writer;
using namespace errkb::db::test;
namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

void store_seed(Database& db) {
  Writer writer(db);
  writer.upsert_record(seed_record(), "", 0);
  writer.commit();
}

std::string journal_mode(Database& db) {
  SQLite::Statement query(db.sql(), "PRAGMA journal_mode");
  query.executeStep();
  return query.getColumn(0).getString();
}

} // namespace

TEST_CASE("FreshBuild builds beside the path and publishes a WAL database", "[db][fresh]") {
  TempDir dir;
  const std::string path = dir.file("errkb.db");
  auto build = FreshBuild::begin(path, milliseconds(100));
  REQUIRE(build != nullptr);
  CHECK_FALSE(fs::exists(path)); // nothing at the path until published
  CHECK(fs::exists(path + ".building"));
  store_seed(build->db());
  REQUIRE(build->publish());
  build.reset();

  CHECK_FALSE(fs::exists(path + ".building"));
  CHECK_FALSE(fs::exists(path + ".building-journal"));
  CHECK_FALSE(fs::exists(path + ".building-wal"));
  Database db(path, Access::read_only);
  CHECK(rows(db, "records") == 1);
  CHECK(journal_mode(db) == "wal");
  CHECK(scalar(db, "SELECT count(DISTINCT d.rid) FROM search_words JOIN search_docs d ON d.rowid = search_words.rowid "
                   "WHERE search_words MATCH 'bnb_4bit_compute_dtype'") == 1);
}

TEST_CASE("FreshBuild is not used where a database exists", "[db][fresh]") {
  TempDir dir;
  const std::string path = dir.file("errkb.db");
  { Database db(path, Access::read_write); }
  CHECK(FreshBuild::begin(path, milliseconds(100)) == nullptr);
  CHECK(FreshBuild::begin(":memory:", milliseconds(100)) == nullptr);
  CHECK_FALSE(fs::exists(path + ".building"));
}

TEST_CASE("FreshBuild: a build never published leaves nothing behind", "[db][fresh]") {
  TempDir dir;
  const std::string path = dir.file("errkb.db");
  {
    auto build = FreshBuild::begin(path, milliseconds(100));
    REQUIRE(build != nullptr);
    store_seed(build->db());
  } // e.g. ingest --strict found errors
  CHECK_FALSE(fs::exists(path));
  CHECK_FALSE(fs::exists(path + ".building"));
}

TEST_CASE("FreshBuild reuses what a killed build left", "[db][fresh]") {
  TempDir dir;
  const std::string path = dir.file("errkb.db");
  {
    std::ofstream(path + ".building") << "half a database from a build that was killed";
    std::ofstream(path + ".building-journal") << "its journal";
  }
  auto build = FreshBuild::begin(path, milliseconds(100));
  REQUIRE(build != nullptr);
  store_seed(build->db());
  REQUIRE(build->publish());
  build.reset();
  Database db(path, Access::read_only);
  CHECK(rows(db, "records") == 1);
  CHECK_FALSE(fs::exists(path + ".building"));
}

TEST_CASE("FreshBuild loses to a database created while it built", "[db][fresh]") {
  TempDir dir;
  const std::string path = dir.file("errkb.db");
  auto build = FreshBuild::begin(path, milliseconds(100));
  REQUIRE(build != nullptr);
  store_seed(build->db());
  { Database other(path, Access::read_write); } // another writer, the usual way
  CHECK_FALSE(build->publish());
  build.reset();
  CHECK_FALSE(fs::exists(path + ".building"));
  Database db(path, Access::read_only);
  CHECK(rows(db, "records") == 0); // the other database was not replaced
}

TEST_CASE("FreshBuild waits for another build of the same path, then says it is busy", "[db][fresh]") {
  TempDir dir;
  const std::string path = dir.file("errkb.db");
  const int fd = ::open((path + ".building").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX) == 0); // another process building
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(FreshBuild::begin(path, milliseconds(50)),
                    "database " + path + " is being created by another writer (another ingest running?)");
  CHECK(std::chrono::steady_clock::now() - start >= milliseconds(50));
  ::close(fd);
  // Once the other build is gone, a build starts.
  CHECK(FreshBuild::begin(path, milliseconds(50)) != nullptr);
}
