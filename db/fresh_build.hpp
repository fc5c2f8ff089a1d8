#pragma once
// A database built from nothing and published only once complete.
//
// The first ingest into a path that holds no database does not need WAL and its
// double write (every page to the -wal file, then again into the database at the
// checkpoint). It builds the database in a private file beside the path,
// `PATH.building`, with an in-memory journal and no fsync, syncs it once, and
// links it into place in one step. A kill at any moment leaves no database at
// PATH (the state before) and at most a stale PATH.building, which the next build
// reuses. Builds of one PATH are serialized by an flock on PATH.building.
#include "db/database.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace errkb::db {

class FreshBuild {
public:
  // Starts a build of the database at `path` when none exists there. Returns
  // nullptr when one exists (also when it appeared while this waited, up to
  // `busy_timeout`, for another build of `path`), for ":memory:", and when
  // PATH.building cannot be created (the caller opens `path` the usual way, which
  // reports the problem). Throws StoreError when another build of `path` holds
  // the lock longer than `busy_timeout`.
  static std::unique_ptr<FreshBuild> begin(const std::string& path, std::chrono::milliseconds busy_timeout);

  // Discards the build unless it was published.
  ~FreshBuild();
  FreshBuild(const FreshBuild&) = delete;
  FreshBuild& operator=(const FreshBuild&) = delete;

  // The database being built (Journal::build), open read_write and migrated.
  Database& db();

  // Switches the finished database to WAL, closes it, syncs it and links it at
  // `path`. True when published; false when a database appeared at `path` in the
  // meantime or the file system cannot link: the build is discarded and the
  // caller writes into the database at `path` instead. Throws StoreError on I/O
  // errors.
  bool publish();

private:
  FreshBuild(std::string path, std::string building, int lock_fd);
  void remove_building() noexcept;

  std::string m_path;
  std::string m_building;
  int m_fd; // PATH.building, flocked for the whole build
  std::optional<Database> m_db;
  bool m_published = false;
};

} // namespace errkb::db
