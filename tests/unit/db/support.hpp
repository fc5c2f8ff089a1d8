#pragma once
// Shared helpers of the db unit tests.
#include "db/database.hpp"
#include "tests/unit/common/support.hpp"

#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>

#include <string>

namespace errkb::db::test {

using errkb::test::read_file;
using errkb::test::TempDir;

// The seed record of the shared corpus.
inline nlohmann::json seed_record() {
  return nlohmann::json::parse(read_file(ERRKB_SHARED_DIR "/seeds/000_1404cc3351d03e6f.txt"));
}

inline long long scalar(Database& db, const std::string& sql) {
  SQLite::Statement query(db.sql(), sql);
  query.executeStep();
  return query.getColumn(0).getInt64();
}

inline long long rows(Database& db, const std::string& table) { return scalar(db, "SELECT count(*) FROM " + table); }

} // namespace errkb::db::test
