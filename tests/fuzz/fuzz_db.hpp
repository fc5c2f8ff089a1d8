#pragma once
// A private in-memory database holding the records of records/, built once per
// fuzzer process, for the search and match harnesses.
#include "db/database.hpp"
#include "ingest/sync.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace errkb::fuzz {

inline db::Database& records_db() {
  static std::unique_ptr<db::Database> db = [] {
    auto made = std::make_unique<db::Database>(":memory:", db::Access::read_write);
    const auto report = ingest::sync(*made, {ERRKB_SOURCE_DIR "/records"});
    if (!report.committed || report.added == 0) {
      std::fprintf(stderr, "fuzz: could not ingest %s/records\n", ERRKB_SOURCE_DIR);
      std::abort();
    }
    return made;
  }();
  return *db;
}

} // namespace errkb::fuzz
