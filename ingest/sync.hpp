#pragma once
// `errkb ingest`: synchronise record files into the database in one transaction.
#include "db/database.hpp"
#include "ingest/check.hpp"
#include "schema/diagnostic.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace errkb::ingest {

enum class Prune { yes, no };
enum class Strictness { lenient, strict };

struct SyncOptions {
  CheckOptions check;
  Prune prune = Prune::yes;            // drop records of files that disappeared
  Strictness strictness = Strictness::lenient; // strict: any error aborts, database untouched
};

struct SyncReport {
  std::vector<Diagnostic> diagnostics; // sorted
  int added = 0;
  int updated = 0;
  int unchanged = 0;
  int removed = 0;
  int rejected = 0; // invalid records (their previous good version, if any, is kept and flagged stale)
  int stale = 0;    // records flagged stale by this run
  std::size_t files = 0;
  bool committed = false; // false when strict mode aborted
};

// Walks `paths`, loads and validates new or changed files (a file whose size and
// mtime match the stored ones is not read; one whose content hash matches is not
// re-stored), and applies the changes to `db` in one write transaction:
// added/updated records, records gone from their file removed, invalid records
// rejected (the stored version stays, flagged stale; the file is re-checked on
// every run until fixed), files under `paths` that disappeared pruned.
// Throws StoreError when the database is locked by another writer.
SyncReport sync(db::Database& db, const std::vector<std::string>& paths, const SyncOptions& options = {},
                const std::function<void(std::size_t, std::size_t)>& progress = {});

// sync() into the database at `db_path`. When none exists there, builds it with
// db::FreshBuild (written once, published whole) instead of writing through WAL;
// if another writer creates it meanwhile, syncs into that one. Waits up to
// `busy_timeout` for another writer.
SyncReport sync_into(const std::string& db_path, std::chrono::milliseconds busy_timeout,
                     const std::vector<std::string>& paths, const SyncOptions& options = {},
                     const std::function<void(std::size_t, std::size_t)>& progress = {});

} // namespace errkb::ingest
