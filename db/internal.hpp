#pragma once
// Helpers shared by the db module's sources; not part of its interface.
#include "schema/error.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace errkb::db::internal {

// "database PATH: <SQLite's message>" as a StoreError.
[[noreturn]] void throw_store_error(const std::string& path, const SQLite::Exception& error);

// Runs `f`, turning SQLite exceptions into StoreErrors that name `path`.
template <class F>
decltype(auto) guarded(const std::string& path, F&& f) {
  try {
    return std::forward<F>(f)();
  } catch (const SQLite::Exception& error) {
    throw_store_error(path, error);
  }
}

// BEGIN IMMEDIATE: takes the write lock now, waiting up to the busy timeout.
// Throws StoreError "database PATH is locked by another writer (another ingest
// running?)" when it stays locked.
void begin_immediate(SQLite::Database& sql, const std::string& path);

// Brings search_words and search_trigram up to date with search_docs (see
// db/migrations/0001_initial.sql): applies the queued deletes, indexes the new
// documents, in four bulk statements. Runs inside the caller's transaction.
void sync_search_index(SQLite::Database& sql);

// Appends the canonical text of `value` to `out`: byte for byte what
// `value.dump()` writes (compact, keys sorted), several times faster. Throws
// InputError on a string that is not valid UTF-8.
void append_canonical_json(std::string& out, const nlohmann::json& value);


// Resets `statement` (and clears its bindings) when it goes out of scope, so a
// cached statement never stays active; never throws.
class StatementReset {
public:
  explicit StatementReset(SQLite::Statement& statement) noexcept : m_statement(statement) {}
  StatementReset(const StatementReset&) = delete;
  StatementReset& operator=(const StatementReset&) = delete;
  ~StatementReset() {
    m_statement.tryReset();
    try {
      m_statement.clearBindings();
    } catch (...) { // NOLINT(bugprone-empty-catch): clearing bindings of a valid statement cannot fail
    }
  }

private:
  SQLite::Statement& m_statement;
};

} // namespace errkb::db::internal
