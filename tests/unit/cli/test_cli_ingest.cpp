// End-to-end ingest through the CLI: sync semantics and "nothing is lost".
#include "support.hpp"

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using errkb::test::run_main;
using errkb::test::TempDir;
using errkb::test::write_file;

namespace {

void copy_records(const fs::path& to) {
  fs::copy(fs::path(ERRKB_SOURCE_DIR) / "records", to / "records", fs::copy_options::recursive);
}

nlohmann::json show(const fs::path& cwd, const std::string& id) {
  auto run = run_main({"show", id, "--format", "json"}, cwd);
  REQUIRE(run.code == 0);
  return nlohmann::json::parse(run.out);
}

} // namespace

TEST_CASE("ingest adds, skips unchanged, updates, removes", "[cli][ingest]") {
  TempDir dir;
  copy_records(dir.path());
  auto first = run_main({"ingest", "records"}, dir.path());
  CHECK(first.code == 0);
  CHECK(first.out == "errkb.db: 6 added, 0 updated, 0 unchanged, 0 removed, 0 rejected\n");
  CHECK(first.err.empty());

  auto again = run_main({"ingest", "records"}, dir.path());
  CHECK(again.out == "errkb.db: 0 added, 0 updated, 6 unchanged, 0 removed, 0 rejected\n");

  // show returns the source record's content.
  auto source = nlohmann::json::parse(errkb::test::read_file(dir.path() / "records/node/eaddrinuse.json"));
  CHECK(show(dir.path(), "node/eaddrinuse") == source);

  source["confidence"] = 0.5;
  write_file(dir.path() / "records/node/eaddrinuse.json", source.dump(2));
  fs::remove(dir.path() / "records/rust/borrow-mutable-twice.json");
  auto changed = run_main({"ingest", "records"}, dir.path());
  CHECK(changed.code == 0);
  CHECK(changed.out == "errkb.db: 0 added, 1 updated, 4 unchanged, 1 removed, 0 rejected\n");
  CHECK(show(dir.path(), "node/eaddrinuse")["confidence"] == 0.5);
  CHECK(run_main({"show", "rust/borrow-mutable-twice"}, dir.path()).code == 1);
}

TEST_CASE("an invalid file never destroys the good version", "[cli][ingest]") {
  TempDir dir;
  copy_records(dir.path());
  REQUIRE(run_main({"ingest", "records"}, dir.path()).code == 0);
  const auto good = show(dir.path(), "docker/port-already-allocated");

  auto broken = good;
  broken["confidence"] = 1.5;
  write_file(dir.path() / "records/docker/port-already-allocated.json", broken.dump(2));
  write_file(dir.path() / "records/node/eaddrinuse.json", "{\"id\": \"node/eaddrinuse\",");

  auto run = run_main({"ingest", "records"}, dir.path());
  CHECK(run.code == 1);
  CHECK(run.out == "errkb.db: 0 added, 0 updated, 4 unchanged, 0 removed, 1 rejected (2 kept as stale)\n");
  CHECK(run.err.find("error: /confidence: 1.5 is out of range [0.0, 1.0]") != std::string::npos);
  CHECK(run.err.find("records/node/eaddrinuse.json:1: error: ") != std::string::npos);
  CHECK(show(dir.path(), "docker/port-already-allocated") == good);
  CHECK(show(dir.path(), "node/eaddrinuse")["id"] == "node/eaddrinuse");

  // --strict aborts the run with the database untouched, and says so.
  fs::remove(dir.path() / "records/rust/borrow-mutable-twice.json");
  auto strict = run_main({"ingest", "records", "--strict"}, dir.path());
  CHECK(strict.code == 1);
  CHECK(strict.out.empty());
  CHECK(strict.err.find("database left unchanged") != std::string::npos);
  CHECK(show(dir.path(), "rust/borrow-mutable-twice")["id"] == "rust/borrow-mutable-twice");

  // Fixing the file brings the record back to a clean state.
  write_file(dir.path() / "records/docker/port-already-allocated.json", good.dump(2));
  auto fixed = run_main({"ingest", "records", "--format", "json"}, dir.path());
  auto report = nlohmann::json::parse(fixed.out);
  CHECK(report["updated"] == 0); // the stored version was the good one all along
  CHECK(report["stale"] == 1);   // node/eaddrinuse is still broken
  CHECK(report["removed"] == 1);
  CHECK(show(dir.path(), "docker/port-already-allocated") == good);
}

TEST_CASE("--no-prune keeps records of deleted files; ERRKB_DB and --db choose the database", "[cli][ingest]") {
  TempDir dir;
  copy_records(dir.path());
  REQUIRE(run_main({"ingest", "records", "--db", "other.db"}, dir.path()).code == 0);
  CHECK(fs::exists(dir.path() / "other.db"));
  CHECK_FALSE(fs::exists(dir.path() / "errkb.db"));
  fs::remove(dir.path() / "records/rust/borrow-mutable-twice.json");
  auto kept = run_main({"ingest", "records", "--db", "other.db", "--no-prune"}, dir.path());
  CHECK(kept.out == "other.db: 0 added, 0 updated, 5 unchanged, 0 removed, 0 rejected\n");
  CHECK(run_main({"show", "rust/borrow-mutable-twice", "--db", "other.db"}, dir.path()).code == 0);
  auto missing = run_main({"show", "x/y", "--db", "none.db"}, dir.path());
  CHECK(missing.code == 1);
  CHECK(missing.err == "errkb: error: no database at none.db; run `errkb ingest` first\n");
}

TEST_CASE("duplicate ids across files are rejected on ingest", "[cli][ingest]") {
  TempDir dir;
  fs::copy(fs::path(ERRKB_TEST_DATA) / "cli/dup", dir.path() / "dup", fs::copy_options::recursive);
  auto run = run_main({"ingest", "dup"}, dir.path());
  CHECK(run.code == 1);
  CHECK(run.out == "errkb.db: 1 added, 0 updated, 0 unchanged, 0 removed, 1 rejected\n");
  CHECK(run.err.find("dup/b.json:2: error: /id: duplicate id 'cli/same-id' (first defined at dup/a.json:2)") !=
        std::string::npos);
}

TEST_CASE("a first ingest is built aside and appears whole; --strict failing creates nothing", "[cli][ingest]") {
  TempDir dir;
  copy_records(dir.path());
  write_file(dir.path() / "records/broken.json", "{\"id\": \"node/broken\",");

  auto strict = run_main({"ingest", "records", "--strict"}, dir.path());
  CHECK(strict.code == 1);
  CHECK(strict.err.find("database left unchanged") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path() / "errkb.db")); // there was none, and there is none
  CHECK_FALSE(fs::exists(dir.path() / "errkb.db.building"));

  fs::remove(dir.path() / "records/broken.json");
  auto first = run_main({"ingest", "records"}, dir.path());
  CHECK(first.code == 0);
  CHECK(first.out == "errkb.db: 6 added, 0 updated, 0 unchanged, 0 removed, 0 rejected\n");
  CHECK_FALSE(fs::exists(dir.path() / "errkb.db.building"));
  auto check = run_main({"check"}, dir.path());
  CHECK(check.code == 0);
  CHECK(show(dir.path(), "node/eaddrinuse")["id"] == "node/eaddrinuse");
}
