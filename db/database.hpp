#pragma once
// The errkb SQLite database: one connection, its settings, and the layout in
// db/migrations/*.sql. SQLiteCpp is used only by the db module and by code that
// runs its own queries through `Database::sql()`.
#include <SQLiteCpp/Database.h>

#include <chrono>
#include <string>

namespace errkb::db {

enum class Access { read_only, read_write };

// How a read_write connection journals its writes.
enum class Journal {
  wal,   // the shared database: WAL, readers never blocked, a kill loses nothing
  build, // a private file being built (db::FreshBuild): an in-memory rollback
         // journal and no fsync; only its builder opens it, and a build that does
         // not finish is thrown away whole
};

// How long a statement waits for another connection's lock before failing.
inline constexpr std::chrono::milliseconds k_default_busy_timeout{5000};

// The page size of every database errkb creates (SQLite's default is 4096); a
// database keeps the page size it was created with. Measured on 100,000 generated
// records, alternating runs: 8 KiB pages make a first ingest ~7% faster than 4 KiB
// (a record's row, ~3 KB with its canonical JSON, left a quarter of a 4 KiB page
// unused); on the corpus, `search` was ~4% faster and `match` between 7% slower
// and 3% faster depending on the log (30 runs each). 16 KiB pages were faster
// still to ingest (~12%) but made `match` and `search` on the corpus 8-15%
// slower (a lookup reads a few hundred pages, each whole).
inline constexpr int k_page_size = 8192;

// $ERRKB_DB when set and not empty, else "errkb.db" (in the working directory).
std::string default_path();

// The migration level this build creates (the number of db/migrations/*.sql files).
int latest_migration_level();

// One connection; use it from one thread at a time (opened SQLITE_OPEN_NOMUTEX).
class Database {
public:
  // Opens the database at `path` (":memory:" for a private in-memory database).
  // read_write creates the file if needed, sets WAL journal mode and applies the
  // pending migrations in one transaction; read_only requires an existing database
  // at the current migration level. Every connection has synchronous=NORMAL,
  // foreign_keys=ON and `busy_timeout`. Throws StoreError when the file is missing
  // (read_only: "no database at PATH; run `errkb ingest` first"), is not an errkb
  // database, comes from a newer errkb, or when SQLite lacks FTS5 or its trigram
  // tokenizer.
  // Journal::build replaces WAL and synchronous=NORMAL as said there.
  Database(const std::string& path, Access access,
           std::chrono::milliseconds busy_timeout = k_default_busy_timeout, Journal journal = Journal::wal);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  Database(Database&&) = default;
  Database& operator=(Database&&) = default;
  ~Database() = default;

  // The path given to the constructor.
  const std::string& path() const noexcept { return m_path; }
  Access access() const noexcept { return m_access; }
  Journal journal() const noexcept { return m_journal; }

  // Sets how long statements wait for a lock held by another connection.
  void set_busy_timeout(std::chrono::milliseconds timeout);
  std::chrono::milliseconds busy_timeout() const noexcept { return m_busy_timeout; }

  // `schema_version` and `migration_level` as stored in the `meta` table.
  int schema_version() const;
  int migration_level() const;

  // The connection, for queries of other modules (bind every value).
  SQLite::Database& sql() noexcept { return m_sql; }
  const SQLite::Database& sql() const noexcept { return m_sql; }

private:
  std::string m_path;
  Access m_access;
  Journal m_journal;
  std::chrono::milliseconds m_busy_timeout;
  SQLite::Database m_sql;
};

} // namespace errkb::db
