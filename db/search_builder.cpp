#include "db/search_builder.hpp"

#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <algorithm>
#include <optional>
#include <unistd.h>

namespace errkb::db::internal {
namespace {

// Documents per INSERT statement. FTS5 writes its pending terms out as a new
// segment at every statement, so a statement carries many rows; six parameters a
// row stay below SQLite's default limit of 32,766.
constexpr std::size_t k_batch = 2048;
// Batches queued per index before add() waits for the builders.
constexpr std::size_t k_queued = 2;

// As declared in db/migrations/0001_initial.sql (test_search_builder.cpp compares
// the indexes built with these against the migration's).
constexpr const char* k_columns = "signature, root_cause, dead_ends, workarounds, keywords";
constexpr const char* k_hashsize = "16777216";
constexpr std::array<const char*, 3> k_shadow_tables = {"_data", "_idx", "_docsize"};

} // namespace

struct SearchIndexBuilder::Index {
  const char* table;
  const char* tokenizer;
  // search_trigram indexes root_cause, dead_ends and workarounds only of documents
  // with trigram_all (the view search_trigram_docs).
  bool trigram;
  std::string path;
  std::optional<SQLite::Database> db;            // the builder's connection, used by its thread
  std::deque<std::shared_ptr<const Batch>> queue; // guarded by m_mutex
  bool built = false;                             // written by its thread before it ends
  std::thread thread;
};

const std::array<const char*, 2>& SearchIndexBuilder::file_suffixes() {
  static const std::array<const char*, 2> suffixes = {"-fts-words", "-fts-trigram"};
  return suffixes;
}

SearchIndexBuilder::SearchIndexBuilder(const std::string& db_path) {
  m_indexes.push_back(std::make_unique<Index>(
    Index{"search_words", "unicode61 remove_diacritics 2", false, db_path + file_suffixes()[0], {}, {}, false, {}}));
  m_indexes.push_back(std::make_unique<Index>(
    Index{"search_trigram", "trigram", true, db_path + file_suffixes()[1], {}, {}, false, {}}));
  try {
    for (auto& index : m_indexes) {
      ::unlink(index->path.c_str()); // left by a killed build
      SQLite::Database& db =
        index->db.emplace(index->path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX);
      // A scratch file: no journal, no fsync, a small page cache (FTS5 keeps its
      // pending terms in memory, written out every hashsize bytes or statement).
      db.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE; "
              "PRAGMA cache_size = -4096");
      db.exec(std::string("CREATE VIRTUAL TABLE ") + index->table + " USING fts5 (" + k_columns +
              ", content = '', tokenize = '" + index->tokenizer + "')");
      db.exec(std::string("INSERT INTO ") + index->table + " (" + index->table + ", rank) VALUES ('hashsize', " +
              k_hashsize + ")");
      db.exec("BEGIN");
    }
  } catch (...) {
    remove_files();
    throw;
  }
  // The connections move to their threads (each is used by one thread at a time).
  try {
    for (auto& index : m_indexes) {
      Index* target = index.get();
      index->thread = std::thread([this, target] { run(*target); });
    }
  } catch (...) { // std::system_error: no thread to be had
    stop();
    remove_files();
    throw;
  }
}

SearchIndexBuilder::~SearchIndexBuilder() {
  stop();
  remove_files();
}

void SearchIndexBuilder::remove_files() noexcept {
  for (auto& index : m_indexes) {
    index->db.reset(); // a thread that never started leaves its connection
    ::unlink(index->path.c_str());
  }
}

void SearchIndexBuilder::stop() noexcept {
  {
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_stopped = true;
  }
  m_changed.notify_all();
  for (auto& index : m_indexes)
    if (index->thread.joinable()) index->thread.join();
}

void SearchIndexBuilder::add(SearchText&& text) noexcept {
  if (m_failed.load(std::memory_order_relaxed)) return;
  try {
    if (text.rowid <= m_last_rowid) m_ordered = false;
    m_last_rowid = text.rowid;
    ++m_documents;
    if (!m_batch) {
      m_batch = std::make_shared<Batch>();
      m_batch->reserve(k_batch);
    }
    m_batch->push_back(std::move(text));
    if (m_batch->size() >= k_batch) publish_batch();
  } catch (...) { // std::bad_alloc: the Writer indexes the documents itself
    m_batch.reset();
    {
      const std::lock_guard<std::mutex> lock(m_mutex);
      m_failed = true;
    }
    m_changed.notify_all();
  }
}

void SearchIndexBuilder::publish_batch() noexcept {
  std::shared_ptr<const Batch> batch = std::move(m_batch);
  m_batch.reset();
  if (!batch || batch->empty()) return;
  std::unique_lock<std::mutex> lock(m_mutex);
  m_changed.wait(lock, [&] {
    if (m_stopped || m_failed) return true;
    return std::all_of(m_indexes.begin(), m_indexes.end(),
                       [](const auto& index) { return index->queue.size() < k_queued; });
  });
  if (m_stopped || m_failed) return;
  for (auto& index : m_indexes) index->queue.push_back(batch);
  lock.unlock();
  m_changed.notify_all();
}

void SearchIndexBuilder::run(Index& index) noexcept {
  try {
    index.built = fill(index);
  } catch (...) { // an SQLite error or std::bad_alloc: the Writer indexes the documents itself
    {
      const std::lock_guard<std::mutex> lock(m_mutex);
      m_failed = true;
    }
    m_changed.notify_all();
  }
  index.db.reset(); // its statements are gone; closed before install() reads the file
}

bool SearchIndexBuilder::fill(Index& index) {
  SQLite::Database& db = *index.db;
  auto sql_for = [&](std::size_t rows) {
    std::string sql = std::string("INSERT INTO ") + index.table + " (rowid, " + k_columns + ") VALUES ";
    for (std::size_t r = 0; r < rows; ++r) sql += r == 0 ? "(?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?)";
    return sql;
  };
  std::optional<SQLite::Statement> full; // a statement of k_batch rows, kept
  for (;;) {
    std::shared_ptr<const Batch> batch;
    {
      std::unique_lock<std::mutex> lock(m_mutex);
      m_changed.wait(lock, [&] { return m_stopped || m_failed || !index.queue.empty() || m_finished; });
      if (m_stopped || m_failed) return false;
      if (index.queue.empty()) break; // finished
      batch = std::move(index.queue.front());
      index.queue.pop_front();
    }
    m_changed.notify_all(); // room for the next batch

    std::optional<SQLite::Statement> once;
    SQLite::Statement* insert = nullptr;
    if (batch->size() == k_batch) {
      if (!full) full.emplace(db, sql_for(k_batch));
      insert = &*full;
    } else {
      insert = &once.emplace(db, sql_for(batch->size()));
    }
    int parameter = 0;
    for (const SearchText& text : *batch) {
      insert->bind(++parameter, static_cast<std::int64_t>(text.rowid));
      for (std::size_t c = 0; c < text.columns.size(); ++c) {
        const bool indexed = !index.trigram || text.trigram_all || c == 0 || c == 4;
        if (indexed && !text.columns[c].empty()) {
          insert->bindNoCopy(++parameter, text.columns[c]);
        } else {
          insert->bind(++parameter); // NULL
        }
      }
    }
    insert->exec();
    insert->reset();
    insert->clearBindings();
  }
  full.reset();
  db.exec("COMMIT");
  return true;
}

bool SearchIndexBuilder::install(SQLite::Database& sql) {
  publish_batch();
  {
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_finished = true;
  }
  m_changed.notify_all();
  for (auto& index : m_indexes)
    if (index->thread.joinable()) index->thread.join();
  bool usable = !m_failed && m_ordered;
  for (const auto& index : m_indexes) usable = usable && index->built;
  if (!usable) {
    remove_files(); // room for the fallback's index
    return false;
  }

  // The documents indexed must be exactly those of search_docs, and the database's
  // indexes must hold none yet.
  {
    SQLite::Statement state(sql, "SELECT count(*), coalesce(max(rowid), 0), (SELECT count(*) FROM search_deleted), "
                                 "(SELECT value FROM meta WHERE key = 'search_indexed_upto') FROM search_docs");
    if (!state.executeStep() || state.getColumn(0).getInt64() != m_documents ||
        state.getColumn(1).getInt64() != m_last_rowid || state.getColumn(2).getInt64() != 0 ||
        state.getColumn(3).getInt64() != 0) {
      remove_files();
      return false;
    }
  }

  std::vector<SQLite::Database> sources;
  for (const auto& index : m_indexes) {
    sources.emplace_back(index->path, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX);
    // Same columns in both (one FTS5 made both tables): checked before anything is written.
    for (const char* suffix : k_shadow_tables) {
      const std::string name = std::string(index->table) + suffix;
      SQLite::Statement from(sources.back(), "SELECT * FROM " + name + " LIMIT 0");
      SQLite::Statement to(sql, "SELECT * FROM " + name + " LIMIT 0");
      bool same = from.getColumnCount() == to.getColumnCount();
      for (int c = 0; same && c < from.getColumnCount(); ++c) same = std::string(from.getColumnName(c)) == to.getColumnName(c);
      if (!same) {
        sources.clear();
        remove_files();
        return false;
      }
    }
  }

  for (std::size_t i = 0; i < m_indexes.size(); ++i) {
    for (const char* suffix : k_shadow_tables) {
      const std::string name = std::string(m_indexes[i]->table) + suffix;
      sql.exec("DELETE FROM " + name);
      SQLite::Statement read(sources[i], "SELECT * FROM " + name);
      const int columns = read.getColumnCount();
      std::string insert_sql = "INSERT INTO " + name + " VALUES (";
      for (int c = 0; c < columns; ++c) insert_sql += c == 0 ? "?" : ", ?";
      SQLite::Statement insert(sql, insert_sql + ")");
      while (read.executeStep()) {
        for (int c = 0; c < columns; ++c) {
          const SQLite::Column column = read.getColumn(c);
          switch (column.getType()) {
          case SQLITE_INTEGER:
            insert.bind(c + 1, static_cast<std::int64_t>(column.getInt64()));
            break;
          case SQLITE_FLOAT:
            insert.bind(c + 1, column.getDouble());
            break;
          case SQLITE_TEXT:
            insert.bind(c + 1, std::string(column.getText(), static_cast<std::size_t>(column.getBytes())));
            break;
          case SQLITE_BLOB: {
            // SQLite returns no pointer for an empty blob (an empty term in _idx), and
            // binding none would store NULL.
            static const char empty = 0;
            const void* blob = column.getBlob();
            insert.bindNoCopy(c + 1, blob != nullptr ? blob : &empty, column.getBytes());
            break;
          }
          default:
            insert.bind(c + 1);
          }
        }
        insert.exec();
        insert.reset();
      }
    }
  }
  sources.clear();
  remove_files();

  // FTS5 caches a table's structure record per connection and notices only other
  // connections' writes: this one still holds the empty index its migration made.
  // Rolling back a write to the table drops that cache, so the next statement reads
  // the copied structure (tested in test_search_builder.cpp: the same connection
  // finds the documents and writes on).
  for (const auto& index : m_indexes) {
    sql.exec("SAVEPOINT errkb_search_reload");
    sql.exec(std::string("INSERT INTO ") + index->table + " (" + index->table + ", rank) VALUES ('hashsize', " +
             k_hashsize + ")");
    sql.exec("ROLLBACK TO errkb_search_reload");
    sql.exec("RELEASE errkb_search_reload");
  }

  SQLite::Statement indexed(sql, "UPDATE meta SET value = ? WHERE key = 'search_indexed_upto'");
  indexed.bind(1, static_cast<std::int64_t>(m_last_rowid));
  indexed.exec();
  return true;
}

} // namespace errkb::db::internal
