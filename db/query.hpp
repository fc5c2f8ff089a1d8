#pragma once
// Reading records back, and the health check behind `errkb check`.
#include "db/database.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace errkb::db {

// The stored JSON of record `id` (its canonical form: the source record's
// content with sorted keys); nullopt when there is no such record.
std::optional<nlohmann::json> find_record(Database& db, const std::string& id);

// Every record id, sorted.
std::vector<std::string> record_ids(Database& db);

struct Counts {
  std::int64_t records = 0;
  std::int64_t files = 0;
  std::int64_t stale = 0;
};

Counts counts(Database& db);

// Problems found by SQLite's integrity_check and foreign_key_check, the FTS5
// integrity-check of search_words and search_trigram against search_docs, and
// the stored schema version; one line of text each, empty when healthy. `db`
// must be read_write: FTS5 runs its check as a write statement (nothing is
// changed; it waits for a running ingest like any writer).
std::vector<std::string> check(Database& db);

} // namespace errkb::db
