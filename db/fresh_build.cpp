#include "db/fresh_build.hpp"

#include "db/internal.hpp"
#include "db/search_builder.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace errkb::db {
namespace {

std::string errno_text() { return std::strerror(errno); }

bool exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

// The SQLite files that may sit beside a database file.
void remove_companions(const std::string& file) {
  for (const char* suffix : {"-journal", "-wal", "-shm"}) ::unlink((file + suffix).c_str());
  for (const char* suffix : internal::SearchIndexBuilder::file_suffixes()) ::unlink((file + suffix).c_str());
}

void sync_directory_of(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  const int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return; // best effort: the link itself is already done
  ::fsync(fd);
  ::close(fd);
}

// Opens and flocks `building`, waiting up to `timeout` for another builder; -1
// when it cannot be created. The lock is on the inode the name holds once locked
// (a builder that finishes unlinks the name, so a waiter may have locked a file
// that is gone: it opens the name again).
int lock_building(const std::string& path, const std::string& building, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const int fd = ::open(building.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR) {
        ::close(fd);
        return -1;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        ::close(fd);
        throw StoreError("database " + path + " is being created by another writer (another ingest running?)");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    struct stat locked {};
    struct stat named {};
    if (::fstat(fd, &locked) == 0 && ::stat(building.c_str(), &named) == 0 && locked.st_dev == named.st_dev &&
        locked.st_ino == named.st_ino)
      return fd;
    ::close(fd);
  }
}

} // namespace

std::unique_ptr<FreshBuild> FreshBuild::begin(const std::string& path, std::chrono::milliseconds busy_timeout) {
  if (path == ":memory:" || path.empty() || exists(path) || exists(path + "-wal")) return nullptr;
  const std::string building = path + ".building";
  const int fd = lock_building(path, building, busy_timeout);
  if (fd < 0) return nullptr;
  std::unique_ptr<FreshBuild> build(new FreshBuild(path, building, fd));
  if (exists(path)) return nullptr; // another build published it while this one waited
  // What a killed build left: start over.
  if (::ftruncate(fd, 0) != 0)
    throw StoreError("database " + path + ": cannot reset " + building + ": " + errno_text());
  remove_companions(building);
  build->m_db.emplace(building, Access::read_write, busy_timeout, Journal::build);
  return build;
}

FreshBuild::FreshBuild(std::string path, std::string building, int lock_fd)
    : m_path(std::move(path)), m_building(std::move(building)), m_fd(lock_fd) {}

FreshBuild::~FreshBuild() {
  m_db.reset();
  if (!m_published) remove_building();
  ::close(m_fd); // releases the lock, after the name is gone
}

Database& FreshBuild::db() { return *m_db; }

void FreshBuild::remove_building() noexcept {
  ::unlink(m_building.c_str());
  remove_companions(m_building);
}

bool FreshBuild::publish() {
  // WAL is recorded in the file header, so the published database opens in WAL
  // mode for every connection, as one errkb created would.
  internal::guarded(m_building, [&] { m_db->sql().exec("PRAGMA journal_mode = WAL"); });
  m_db.reset(); // the last connection: SQLite checkpoints and removes the -wal file
  remove_companions(m_building);
  if (::fsync(m_fd) != 0) throw StoreError("database " + m_path + ": cannot sync " + m_building + ": " + errno_text());
  if (::link(m_building.c_str(), m_path.c_str()) != 0) {
    remove_building();
    return false; // EEXIST: another writer created it; otherwise no hard links here
  }
  m_published = true;
  ::unlink(m_building.c_str());
  sync_directory_of(m_path);
  return true;
}

} // namespace errkb::db
