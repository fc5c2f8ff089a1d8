#include "db/database.hpp"

#include "db/internal.hpp"
#include "schema/error.hpp"
#include "schema/record.hpp"

#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <system_error>

// Defined by the sources errkb_embed() generates from db/migrations/*.sql.
extern const std::string_view errkb_db_migration_0001;
extern const std::string_view errkb_db_migration_0002;
extern const std::string_view errkb_db_migration_0003;

namespace errkb::db {
namespace {

// Migration N (1-based) is k_migrations[N - 1]; append only, never edit a shipped one.
const std::array<const std::string_view*, 3> k_migrations = {&errkb_db_migration_0001, &errkb_db_migration_0002,
                                                             &errkb_db_migration_0003};

constexpr std::string_view k_memory = ":memory:";

struct Level {
  bool has_meta = false;
  bool has_other_tables = false;
  int schema_version = 0;
  int migration_level = 0;
};

int meta_int(const SQLite::Database& sql, const char* key) {
  SQLite::Statement query(sql, "SELECT value FROM meta WHERE key = ?");
  query.bind(1, key);
  if (!query.executeStep() || query.getColumn(0).getType() != SQLITE_INTEGER) return 0;
  return query.getColumn(0).getInt();
}

Level read_level(const SQLite::Database& sql) {
  Level level;
  SQLite::Statement tables(sql, "SELECT name FROM sqlite_schema WHERE type = 'table'");
  while (tables.executeStep()) {
    if (tables.getColumn(0).getString() == "meta") {
      level.has_meta = true;
    } else {
      level.has_other_tables = true;
    }
  }
  if (level.has_meta) {
    level.schema_version = meta_int(sql, "schema_version");
    level.migration_level = meta_int(sql, "migration_level");
  }
  return level;
}

void check_level(const Level& level, const std::string& path, Access access) {
  if (!level.has_meta && level.has_other_tables) {
    throw StoreError(path + " is not an errkb database (it has no `meta` table)");
  }
  if (level.schema_version > schema::k_schema_version || level.migration_level > latest_migration_level()) {
    throw StoreError("database " + path + " was written by a newer errkb (schema version " +
                     std::to_string(level.schema_version) + ", migration level " +
                     std::to_string(level.migration_level) + "; this errkb supports schema version " +
                     std::to_string(schema::k_schema_version) + ", level " +
                     std::to_string(latest_migration_level()) + "); upgrade errkb");
  }
  if (access == Access::read_only) {
    if (!level.has_meta) throw StoreError("no database at " + path + "; run `errkb ingest` first");
    if (level.schema_version < schema::k_schema_version || level.migration_level < latest_migration_level()) {
      throw StoreError("database " + path + " has an older layout (schema version " +
                       std::to_string(level.schema_version) + ", migration level " +
                       std::to_string(level.migration_level) + "); run `errkb ingest` to upgrade it");
    }
  }
}

bool is_current(const Level& level) {
  return level.schema_version == schema::k_schema_version && level.migration_level == latest_migration_level();
}

// Applies the pending migrations and stamps `meta`, all in one transaction.
void migrate(SQLite::Database& sql, const std::string& path) {
  internal::begin_immediate(sql, path);
  try {
    // Another process may have migrated between our first look and the lock.
    const Level level = read_level(sql);
    check_level(level, path, Access::read_write);
    for (int next = level.migration_level + 1; next <= latest_migration_level(); ++next) {
      sql.exec(std::string(*k_migrations[static_cast<std::size_t>(next - 1)]));
    }
    SQLite::Statement stamp(sql, "INSERT INTO meta (key, value) VALUES (?, ?) "
                                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    const std::array<std::pair<const char*, int>, 2> rows = {
      {{"schema_version", schema::k_schema_version}, {"migration_level", latest_migration_level()}}};
    for (const auto& [key, value] : rows) {
      stamp.bind(1, key);
      stamp.bind(2, value);
      stamp.exec();
      stamp.reset();
    }
    sql.exec("COMMIT");
  } catch (...) {
    sql.tryExec("ROLLBACK");
    throw;
  }
}

// FTS5 is a registered module; its trigram tokenizer came with SQLite 3.34. (Asking
// costs about 0.05 ms; creating a probe table, as before, cost 2.5 ms per command.)
void check_fts5(SQLite::Database& sql) {
  bool fts5 = false;
  try {
    fts5 = sql.execAndGet("SELECT count(*) FROM pragma_module_list WHERE name = 'fts5'").getInt() > 0;
  } catch (const SQLite::Exception&) {
    fts5 = false;
  }
  if (!fts5 || sqlite3_libversion_number() < 3034000)
    throw StoreError("SQLite was built without FTS5 (or without the trigram tokenizer)");
}

SQLite::Database open_connection(const std::string& path, Access access, std::chrono::milliseconds busy_timeout) {
  // SQLite counts every allocation under a global mutex unless told not to; errkb
  // never asks for those statistics. Only possible before SQLite initializes:
  // later (another library opened a database first) the call fails harmlessly.
  static const int memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)memstatus_off;
  if (access == Access::read_only) {
    std::error_code error;
    if (path == k_memory || !std::filesystem::exists(path, error)) {
      throw StoreError("no database at " + path + "; run `errkb ingest` first");
    }
  }
  // NOMUTEX: a connection is used by one thread at a time.
  const int flags = (access == Access::read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE) |
                    SQLite::OPEN_NOMUTEX;
  return internal::guarded(path, [&] {
    return SQLite::Database(path, flags, static_cast<int>(busy_timeout.count()));
  });
}

} // namespace

std::string default_path() {
  const char* env = std::getenv("ERRKB_DB");
  return (env != nullptr && *env != '\0') ? std::string(env) : std::string("errkb.db");
}

int latest_migration_level() { return static_cast<int>(k_migrations.size()); }

Database::Database(const std::string& path, Access access, std::chrono::milliseconds busy_timeout, Journal journal)
  : m_path(path), m_access(access), m_journal(journal), m_busy_timeout(busy_timeout), m_sql(open_connection(path, access, busy_timeout)) {
  internal::guarded(m_path, [&] {
    m_sql.exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
    check_fts5(m_sql);
    Level level = read_level(m_sql); // the first read: fails here on a file that is not SQLite
    check_level(level, m_path, m_access);
    // Only a database still without tables takes a page size (and it must be set
    // before journal_mode = WAL writes the header); an existing one keeps its own.
    if (m_access == Access::read_write && !level.has_meta && !level.has_other_tables)
      m_sql.exec("PRAGMA page_size = " + std::to_string(k_page_size));
    if (m_access == Access::read_write && journal == Journal::build) {
      // Written once, synced once by its builder before it is published.
      m_sql.exec("PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA cache_size = -32768");
      if (!is_current(level)) migrate(m_sql, m_path);
    } else if (m_access == Access::read_write) {
      // WAL: readers never block the writer nor see a half-written ingest.
      m_sql.exec("PRAGMA journal_mode = WAL");
      // Bound the -wal file a large ingest leaves behind after its checkpoint.
      m_sql.exec("PRAGMA journal_size_limit = 67108864");
      // A large ingest is one transaction: a 64 MiB page cache keeps its pages in
      // memory instead of spilling them to the WAL before the commit.
      m_sql.exec("PRAGMA cache_size = -65536");
      if (!is_current(level)) migrate(m_sql, m_path);
    }
  });
}

void Database::set_busy_timeout(std::chrono::milliseconds timeout) {
  internal::guarded(m_path, [&] { m_sql.setBusyTimeout(static_cast<int>(timeout.count())); });
  m_busy_timeout = timeout;
}

int Database::schema_version() const {
  return internal::guarded(m_path, [&] { return meta_int(m_sql, "schema_version"); });
}

int Database::migration_level() const {
  return internal::guarded(m_path, [&] { return meta_int(m_sql, "migration_level"); });
}

namespace internal {

void throw_store_error(const std::string& path, const SQLite::Exception& error) {
  const int code = error.getErrorCode();
  if (code == SQLITE_NOTADB) throw StoreError(path + " is not an SQLite database");
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
    throw StoreError("database " + path + " is locked by another writer (another ingest running?)");
  }
  throw StoreError("database " + path + ": " + error.what());
}

void sync_search_index(SQLite::Database& sql) {
  // Rowid order: FTS5 starts a new segment whenever a rowid is not above the last one.
  static constexpr const char* k_sync = R"sql(
    INSERT INTO search_words (search_words, rowid, signature, root_cause, dead_ends, workarounds, keywords)
      SELECT 'delete', rowid, signature, root_cause, dead_ends, workarounds, keywords
      FROM search_deleted ORDER BY rowid;
    INSERT INTO search_trigram (search_trigram, rowid, signature, root_cause, dead_ends, workarounds, keywords)
      SELECT 'delete', rowid, signature, iif(trigram_all, root_cause, NULL), iif(trigram_all, dead_ends, NULL),
             iif(trigram_all, workarounds, NULL), keywords
      FROM search_deleted ORDER BY rowid;
    DELETE FROM search_deleted;
    INSERT INTO search_words (rowid, signature, root_cause, dead_ends, workarounds, keywords)
      SELECT rowid, signature, root_cause, dead_ends, workarounds, keywords FROM search_docs
      WHERE rowid > (SELECT value FROM meta WHERE key = 'search_indexed_upto') ORDER BY rowid;
    INSERT INTO search_trigram (rowid, signature, root_cause, dead_ends, workarounds, keywords)
      SELECT rowid, signature, root_cause, dead_ends, workarounds, keywords FROM search_trigram_docs
      WHERE rowid > (SELECT value FROM meta WHERE key = 'search_indexed_upto') ORDER BY rowid;
    UPDATE meta SET value = max(value, (SELECT coalesce(max(rowid), 0) FROM search_docs))
      WHERE key = 'search_indexed_upto';
  )sql";
  sql.exec(k_sync);
}

void begin_immediate(SQLite::Database& sql, const std::string& path) {
  try {
    sql.exec("BEGIN IMMEDIATE");
  } catch (const SQLite::Exception& error) {
    if (error.getErrorCode() == SQLITE_BUSY) {
      throw StoreError("database " + path + " is locked by another writer (another ingest running?)");
    }
    throw_store_error(path, error);
  }
}

} // namespace internal
} // namespace errkb::db
