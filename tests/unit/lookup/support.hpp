#pragma once
// Helpers of the lookup tests beyond the shared ones: databases built from
// records/ (six hand-written records) and from the imported deadends corpus
// (2,522 records).
#include "db/database.hpp"
#include "importer/deadends.hpp"
#include "ingest/sync.hpp"
#include "tests/unit/common/support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace errkb::lookup::test {

using errkb::test::read_file;
using errkb::test::run_main;
using errkb::test::TempDir;
using errkb::test::write_file;

// A database file holding the records of records/, ingested once per test process.
inline const std::string& small_db_path() {
  static TempDir dir;
  static const std::string path = [] {
    const std::string file = dir.file("small.db");
    db::Database db(file, db::Access::read_write);
    const auto report = ingest::sync(db, {ERRKB_SOURCE_DIR "/records"});
    REQUIRE(report.committed);
    REQUIRE(report.added == 6);
    return file;
  }();
  return path;
}

// A database file holding the deadends corpus imported by `errkb import deadends`
// and ingested, once per test process.
inline const std::string& corpus_db_path() {
  static TempDir dir;
  static const std::string path = [] {
    const auto records = dir.path() / "records";
    const auto imported = importer::import_deadends(ERRKB_SHARED_DIR "/corpus/deadends", records);
    REQUIRE(imported.converted > 2500);
    const std::string file = dir.file("corpus.db");
    db::Database db(file, db::Access::read_write);
    const auto report = ingest::sync(db, {records.string()});
    REQUIRE(report.committed);
    REQUIRE(static_cast<std::size_t>(report.added) == imported.converted);
    return file;
  }();
  return path;
}

// A minimal valid record (locale en, no translations) for databases built in a test.
inline nlohmann::json minimal_record(const std::string& id, const std::string& signature, const std::string& regex,
                                     double confidence = 0.8, double fix_success_rate = 0.8) {
  return nlohmann::json{
    {"id", id},
    {"signature", signature},
    {"regex", regex},
    {"domain", id.substr(0, id.find('/'))},
    {"category", "test_error"},
    {"root_cause", "Written by a test."},
    {"versions", nlohmann::json::array({{{"version", "testing >=1"}, {"status", "active"}}})},
    {"os_specific", nlohmann::json::object()},
    {"dead_ends", nlohmann::json::array()},
    {"workarounds", nlohmann::json::array({{{"action", "Fix it"},
                                            {"how", "As the test says."},
                                            {"success_rate", fix_success_rate},
                                            {"sources", nlohmann::json::array()}}})},
    {"transition_graph",
     {{"leads_to", nlohmann::json::array()},
      {"preceded_by", nlohmann::json::array()},
      {"frequently_confused_with", nlohmann::json::array()}}},
    {"verification_tier", "human_reviewed"},
    {"confidence", confidence},
    {"fix_success_rate", fix_success_rate},
    {"resolvable", "true"},
    {"first_seen", "2024-01-01"},
    {"last_confirmed", "2024-06-01"},
    {"last_updated", "2024-06-01"},
    {"locale", "en"}};
}

// Writes `records` as files under `dir`/records and ingests them into `dir`/name.
inline std::string database_of(const TempDir& dir, const std::string& name, const std::vector<nlohmann::json>& records) {
  const auto folder = dir.path() / (name + "-records");
  std::filesystem::create_directories(folder);
  for (std::size_t i = 0; i < records.size(); ++i) {
    write_file(folder / ("r" + std::to_string(i) + ".json"), records[i].dump(2));
  }
  const std::string file = dir.file(name + ".db");
  db::Database db(file, db::Access::read_write);
  const auto report = ingest::sync(db, {folder.string()});
  REQUIRE(report.committed);
  REQUIRE(static_cast<std::size_t>(report.added) == records.size());
  return file;
}

} // namespace errkb::lookup::test
