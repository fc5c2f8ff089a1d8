#include "db/query.hpp"

#include "db/internal.hpp"
#include "schema/error.hpp"
#include "schema/record.hpp"

#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

namespace errkb::db {

std::optional<nlohmann::json> find_record(Database& db, const std::string& id) {
  return internal::guarded(db.path(), [&]() -> std::optional<nlohmann::json> {
    SQLite::Statement query(db.sql(), "SELECT json FROM records WHERE id = ?");
    query.bindNoCopy(1, id);
    if (!query.executeStep()) return std::nullopt;
    const SQLite::Column column = query.getColumn(0);
    const char* text = column.getText();
    try {
      return nlohmann::json::parse(text, text + column.getBytes());
    } catch (const nlohmann::json::exception& error) {
      throw StoreError("database " + db.path() + ": record " + id + " has unreadable JSON: " + error.what());
    }
  });
}

std::vector<std::string> record_ids(Database& db) {
  return internal::guarded(db.path(), [&] {
    std::vector<std::string> ids;
    SQLite::Statement query(db.sql(), "SELECT id FROM records ORDER BY id");
    while (query.executeStep()) ids.push_back(query.getColumn(0).getString());
    return ids;
  });
}

Counts counts(Database& db) {
  return internal::guarded(db.path(), [&] {
    SQLite::Statement query(db.sql(), "SELECT (SELECT count(*) FROM records), (SELECT count(*) FROM files), "
                                      "(SELECT count(*) FROM records WHERE stale = 1)");
    query.executeStep();
    return Counts{query.getColumn(0).getInt64(), query.getColumn(1).getInt64(), query.getColumn(2).getInt64()};
  });
}

std::vector<std::string> check(Database& db) {
  if (db.access() != Access::read_write) {
    throw StoreError("database " + db.path() + ": the check needs write access (FTS5's integrity-check is a write)");
  }
  return internal::guarded(db.path(), [&] {
    std::vector<std::string> problems;

    SQLite::Statement integrity(db.sql(), "PRAGMA integrity_check");
    while (integrity.executeStep()) {
      const std::string line = integrity.getColumn(0).getString();
      if (line != "ok") problems.push_back("integrity_check: " + line);
    }

    SQLite::Statement foreign_keys(db.sql(), "PRAGMA foreign_key_check");
    while (foreign_keys.executeStep()) {
      // WITHOUT ROWID tables report no rowid.
      const std::string row = foreign_keys.getColumn(1).isNull() ? std::string("a row")
                                                                  : "row " + foreign_keys.getColumn(1).getString();
      problems.push_back("foreign_key_check: " + row + " of table " + foreign_keys.getColumn(0).getString() +
                         " refers to a missing row of " + foreign_keys.getColumn(2).getString());
    }

    // rank = 1: also compare the index with the external content table (search_docs).
    for (const char* index : {"search_words", "search_trigram"}) {
      try {
        db.sql().exec(std::string("INSERT INTO ") + index + " (" + index + ", rank) VALUES ('integrity-check', 1)");
      } catch (const SQLite::Exception& error) {
        if (error.getErrorCode() == SQLITE_BUSY) throw;
        problems.push_back(std::string("fts5 ") + index + ": " + error.what());
      }
    }

    // Documents a Writer has not brought into the indexes (changed outside a Writer).
    const long long queued = db.sql().execAndGet("SELECT count(*) FROM search_deleted").getInt64();
    if (queued > 0) {
      problems.push_back("search index: " + std::to_string(queued) + " deleted documents are still indexed");
    }
    const long long unindexed = db.sql()
                                  .execAndGet("SELECT count(*) FROM search_docs WHERE rowid > "
                                              "(SELECT value FROM meta WHERE key = 'search_indexed_upto')")
                                  .getInt64();
    if (unindexed > 0) {
      problems.push_back("search index: " + std::to_string(unindexed) + " documents are not indexed");
    }

    const int version = db.schema_version();
    const int level = db.migration_level();
    if (version != schema::k_schema_version) {
      problems.push_back("meta: schema_version is " + std::to_string(version) + ", expected " +
                         std::to_string(schema::k_schema_version));
    }
    if (level != latest_migration_level()) {
      problems.push_back("meta: migration_level is " + std::to_string(level) + ", expected " +
                         std::to_string(latest_migration_level()));
    }
    return problems;
  });
}

} // namespace errkb::db
