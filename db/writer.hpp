#pragma once
// Writing records: one Writer is one write transaction over a read_write Database.
#include "db/database.hpp"
#include "schema/regex_atoms.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace errkb::db {

// What the database knows about an ingested file.
struct StoredFile {
  std::string sha256;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::vector<std::string> record_ids; // sorted
};

enum class UpsertResult { added, updated, unchanged };

// What remove_file does with the file's records.
enum class FileRecords { remove, keep };

// One row of `ingest_runs`. Timestamps come from the caller (errkb reads no clock
// unless asked), e.g. ISO 8601 UTC.
struct RunCounts {
  std::string started_at;
  std::string finished_at;
  int added = 0;
  int updated = 0;
  int unchanged = 0;
  int removed = 0;
  int rejected = 0;
  int stale = 0;
  std::vector<std::string> paths; // the paths the run was given
};

// The part of storing a record that needs no database: its canonical JSON and the
// prefilter of its regex. A pure function of the record, so callers can compute it
// on worker threads and leave the Writer's thread only the SQL.
struct PreparedRecord {
  std::string canonical; // empty when the record cannot be serialized (upsert_record says why)
  std::optional<schema::RegexAtoms> atoms;
};
PreparedRecord prepare_record(const nlohmann::json& record);

// A first ingest of at least this many records into a database built from nothing
// (Journal::build) builds its full-text indexes on two threads of their own while
// the records are written, instead of in bulk at commit(). It pays where the
// writing thread, not loading and validating, bounds the run: measured 7-19%
// faster at 100,000 records, no faster at 2,500 (the cores were already busy) and
// then costing 14% more CPU time.
inline constexpr std::size_t k_parallel_index_min_records = 10000;

class Writer {
public:
  // Starts a write transaction (BEGIN IMMEDIATE) on `db`, which must be read_write
  // and outlive the Writer. Waits up to db.busy_timeout() for another writer, then
  // throws StoreError "database PATH is locked by another writer (another ingest
  // running?)". `expected_records`: about how many records the caller is about to
  // store (see k_parallel_index_min_records; ingest passes the number of files, so
  // a few large .jsonl files keep the bulk path); the result is the same whatever
  // it is.
  explicit Writer(Database& db, std::size_t expected_records = 0);

  // Rolls the transaction back unless commit() succeeded; never throws.
  ~Writer();

  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  Writer(Writer&&) = delete;
  Writer& operator=(Writer&&) = delete;

  // Every stored file by path, with the ids of its records.
  std::map<std::string, StoredFile> files();

  // Adds or updates the file at `path` (its records are untouched).
  void put_file(const std::string& path, const std::string& sha256, std::int64_t size, std::int64_t mtime_ns);

  // Forgets the file at `path`; with FileRecords::remove its records go too, with
  // FileRecords::keep they stay with no file. Returns the number of records removed.
  int remove_file(const std::string& path, FileRecords records = FileRecords::remove);

  // Stores `record` (schema-valid JSON) as coming from `file` (already stored with
  // put_file, or "" for none) at `line`, with its normalized rows and full-text
  // documents. `unchanged` when its canonical JSON equals the stored one: then only
  // `file`, `line` and a stale flag are updated. Storing a record clears its stale
  // flag. Throws InputError when a field the tables need has the wrong type or a
  // string is not UTF-8, StoreError when a table constraint fails (e.g. `file` was
  // never put); after any failure the Writer refuses to commit (rolled back).
  // `prepared`, when given, is prepare_record(record).
  UpsertResult upsert_record(const nlohmann::json& record, const std::string& file, int line,
                             const PreparedRecord* prepared = nullptr);

  // Deletes the record `id` and everything derived from it; false when absent.
  bool remove_record(const std::string& id);

  // Flags record `id` as stale (its file no longer validates) with `reason`, or
  // clears the flag; false when there is no such record.
  bool set_stale(const std::string& id, const std::string& reason);
  bool clear_stale(const std::string& id);

  // Appends a row to `ingest_runs`; returns its id.
  std::int64_t add_run(const RunCounts& counts);

  // Brings the full-text indexes (search_words, search_trigram) up to date with
  // the documents written, then commits; the Writer accepts no more calls
  // afterwards. Until then, FTS queries on this connection see the old index.
  void commit();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace errkb::db
