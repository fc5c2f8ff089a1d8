#pragma once
// The full-text indexes of a database built from nothing (db::FreshBuild), made on
// two threads of their own while the Writer stores the records. Internal to the db
// module.
//
// A Writer brings search_words and search_trigram up to date in bulk statements
// just before COMMIT (sync_search_index, db/migrations/0001_initial.sql). In a
// first ingest that is the last step of the run and runs on one core: a quarter of
// the run at 2,500 records. Here each index is built in a private file, by its own
// connection, as the documents are written: a contentless FTS5 table with the
// columns and tokenizer of the database's table, fed the same text. At COMMIT the
// Writer copies the finished index's shadow tables (`<table>_data`, `_idx`,
// `_docsize`: the whole index; an external-content index keeps no content) over
// the database's empty ones. FTS5 stores an index the same whatever its content
// option, so the database then holds the index sync_search_index would have
// built: the same tokens at the same positions, the same document sizes
// (tests/unit/db/test_search_builder.cpp compares them), in more segments (one per
// statement, merged by FTS5 as it goes).
//
// Only for documents written in rowid order into empty indexes, with none deleted:
// install() checks that, and the Writer falls back to sync_search_index otherwise
// or when a builder failed.
#include <SQLiteCpp/Database.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace errkb::db::internal {

// One search_docs row as written: "" stands for NULL (Binder::text_or_null).
struct SearchText {
  std::int64_t rowid = 0;
  std::array<std::string, 5> columns; // signature, root_cause, dead_ends, workarounds, keywords
  bool trigram_all = false;
};

class SearchIndexBuilder {
public:
  // Starts one thread per index, each building in a file beside `db_path`
  // (`db_path` + "-fts-words" / "-fts-trigram", replaced if present).
  explicit SearchIndexBuilder(const std::string& db_path);
  // Stops the threads and removes the files; never throws.
  ~SearchIndexBuilder();
  SearchIndexBuilder(const SearchIndexBuilder&) = delete;
  SearchIndexBuilder& operator=(const SearchIndexBuilder&) = delete;

  // Queues a document; rowids must ascend. Waits while the builders are behind
  // by k_queued batches (bounds memory). Never throws: after a failure the
  // documents are dropped and install() returns false.
  void add(SearchText&& text) noexcept;

  // Waits for both indexes, then, when both were built and hold exactly the
  // documents of `sql`'s search_docs (none deleted, none indexed before), copies
  // them into the shadow tables of search_words and search_trigram and returns
  // true. False, with `sql` untouched, otherwise. Runs inside the caller's
  // transaction; throws SQLite::Exception when a copy fails midway.
  bool install(SQLite::Database& sql);

  // The suffixes of the builders' files, for cleaning up after a killed build.
  static const std::array<const char*, 2>& file_suffixes();

private:
  using Batch = std::vector<SearchText>;
  struct Index;

  void publish_batch() noexcept;
  void run(Index& index) noexcept;
  bool fill(Index& index); // false when stopped
  void stop() noexcept;
  void remove_files() noexcept;

  std::vector<std::unique_ptr<Index>> m_indexes;
  std::shared_ptr<Batch> m_batch; // being filled by add()
  std::int64_t m_documents = 0; // queued by add()
  std::int64_t m_last_rowid = 0;
  bool m_ordered = true;

  std::mutex m_mutex;
  std::condition_variable m_changed; // a queue, m_finished, m_stopped or m_failed changed
  bool m_finished = false;           // install(): no more batches
  bool m_stopped = false;            // the destructor: drop everything
  std::atomic<bool> m_failed{false}; // a builder or add() failed
};

} // namespace errkb::db::internal
