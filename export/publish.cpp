#include "export/publish.hpp"

#include "export/files.hpp"
#include "schema/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace errkb::bundle {
namespace {

namespace fs = std::filesystem;

struct Target {
  std::string parent; // "." when the target has no folder part
  std::string name;
};

Target split_target(const std::string& target) {
  std::string text = target;
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  const fs::path path(text);
  const std::string name = path.filename().string();
  if (name.empty() || name == "." || name == ".." || text == "/")
    throw UsageError("'" + target + "' names no folder to write the bundle into");
  std::string parent = path.parent_path().string();
  if (parent.empty()) parent = ".";
  return {parent, name};
}

std::string join(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

// An exclusive flock() on a folder, taken without waiting; released when destroyed.
class FolderLock {
public:
  FolderLock() = default;
  FolderLock(FolderLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  FolderLock& operator=(FolderLock&& other) noexcept {
    std::swap(m_fd, other.m_fd);
    return *this;
  }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  ~FolderLock() {
    if (m_fd >= 0) ::close(m_fd);
  }

  // True when `path` is a folder (not a symlink) that no live process holds locked; it is then locked.
  bool try_lock(const std::string& path, bool wait = false) {
    m_fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (m_fd < 0) return false;
    while (::flock(m_fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
      if (errno == EINTR) continue;
      ::close(m_fd);
      m_fd = -1;
      return false;
    }
    return true;
  }
  int release() { return std::exchange(m_fd, -1); }

private:
  int m_fd = -1;
};

void rename_or_throw(const std::string& from, const std::string& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0) throw_system_error("cannot rename " + from + " to " + to, errno);
}

// Removes the folder tree `path`. Its files are unlinked from several threads:
// an unlink waits for the blocks it frees to be discarded on file systems mounted
// with `discard` (several ms per file), and the waits of unlinks overlap, even in
// one folder (the folder is locked only for the entry, not for the freeing).
void remove_tree(const std::string& path) noexcept {
  std::error_code ignored;
  try {
    std::vector<std::string> files;
    for (fs::recursive_directory_iterator it(path, ignored), end; !ignored && it != end; it.increment(ignored)) {
      if (it->is_regular_file(ignored) && !it->is_symlink(ignored)) files.push_back(it->path().string());
    }
    constexpr std::size_t k_threads = 8, k_files_per_thread = 8;
    const std::size_t count = std::min(k_threads, files.size() / k_files_per_thread);
    std::atomic<std::size_t> next{0};
    auto unlink_files = [&] {
      for (std::size_t i; (i = next.fetch_add(1)) < files.size();) ::unlink(files[i].c_str());
    };
    std::vector<std::thread> helpers;
    try {
      for (std::size_t t = 1; t < count; ++t) helpers.emplace_back(unlink_files);
    } catch (...) { // no more threads: fewer helpers
    }
    unlink_files();
    for (auto& helper : helpers) helper.join();
  } catch (...) { // out of memory listing the files: remove_all alone
  }
  fs::remove_all(path, ignored);
}

bool exists_no_follow(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// Leftovers of earlier publications of `target`, sorted: `.<name>.new-S` and `.<name>.old-S`.
struct Leftover {
  std::string name;
  std::string suffix;
  bool is_old = false;
};

std::vector<Leftover> leftovers(const Target& target) {
  std::vector<Leftover> found;
  const std::string new_prefix = "." + target.name + ".new-";
  const std::string old_prefix = "." + target.name + ".old-";
  std::error_code error;
  for (fs::directory_iterator it(target.parent, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(new_prefix, 0) == 0)
      found.push_back({name, name.substr(new_prefix.size()), false});
    else if (name.rfind(old_prefix, 0) == 0)
      found.push_back({name, name.substr(old_prefix.size()), true});
  }
  std::sort(found.begin(), found.end(), [](const Leftover& a, const Leftover& b) { return a.name < b.name; });
  return found;
}

bool is_bundle_or_empty(const std::string& folder) {
  std::error_code error;
  if (fs::is_empty(folder, error) && !error) return true;
  const std::string manifest = folder + "/manifest.json";
  if (!fs::is_regular_file(manifest, error)) return false;
  try {
    const auto value = nlohmann::json::parse(read_file(manifest));
    return value.is_object() && value.value("format", "") == "errkb-bundle";
  } catch (const std::exception&) {
    return false;
  }
}

} // namespace

std::vector<std::string> recover(const std::string& target_path) {
  const Target target = split_target(target_path);
  std::vector<std::string> notes;
  std::vector<std::pair<Leftover, FolderLock>> owned; // leftovers of processes that are gone
  for (auto& leftover : leftovers(target)) {
    FolderLock lock;
    if (lock.try_lock(join(target.parent, leftover.name))) owned.emplace_back(leftover, std::move(lock));
  }
  if (owned.empty()) return notes;

  if (!exists_no_follow(target_path)) {
    // Killed between the two renames of rename_aside: `.old-S` is the complete old
    // bundle, and `.new-S` the complete new one (it was finished before the first rename).
    for (auto old = owned.begin(); old != owned.end(); ++old) {
      if (!old->first.is_old) continue;
      auto staged = std::find_if(owned.begin(), owned.end(), [&](const auto& entry) {
        return !entry.first.is_old && entry.first.suffix == old->first.suffix;
      });
      const auto& from = staged != owned.end() ? staged->first.name : old->first.name;
      rename_or_throw(join(target.parent, from), target_path);
      notes.push_back(staged != owned.end()
                          ? "finished the interrupted export into " + target_path + " (moved " + from + " into place)"
                          : "restored the previous bundle " + target_path + " from " + from);
      owned.erase(staged != owned.end() ? staged : old);
      break;
    }
  }
  for (const auto& [leftover, lock] : owned) {
    remove_tree(join(target.parent, leftover.name));
    notes.push_back("removed " + join(target.parent, leftover.name) + ", left by an interrupted export");
  }
  sync_directory(target.parent);
  return notes;
}

std::optional<std::string> interrupted_publication(const std::string& target_path) {
  const Target target = split_target(target_path);
  if (exists_no_follow(target_path)) return std::nullopt;
  for (const auto& leftover : leftovers(target)) {
    if (leftover.is_old)
      return target_path + " is missing: an export was interrupted while replacing it; the complete bundles are " +
             join(target.parent, leftover.name) + " (previous) and " +
             join(target.parent, "." + target.name + ".new-" + leftover.suffix) +
             " (new); run `errkb export` into it again to finish";
  }
  return std::nullopt;
}

Staging::Staging(const std::string& target) : m_target(target) {
  const Target parts = split_target(target);
  m_parent = parts.parent;
  m_name = parts.name;

  struct stat st {};
  if (::lstat(target.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) throw Error(target + " is a symlink; give the folder itself as --out");
    if (!S_ISDIR(st.st_mode)) throw Error(target + " exists and is not a folder");
    if (!is_bundle_or_empty(target))
      throw Error(target + " exists and is not an errkb bundle (no manifest.json of format errkb-bundle); "
                           "refusing to replace it");
  } else if (errno != ENOENT) {
    throw_system_error("cannot inspect " + target, errno);
  }

  std::error_code error;
  fs::create_directories(m_parent, error);
  if (error) throw Error("cannot create folder " + m_parent + ": " + error.message());

  std::string pattern = join(m_parent, "." + m_name + ".new-XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr)
    throw_system_error("cannot create a staging folder beside " + target, errno);
  m_path = pattern;
  m_suffix = m_path.substr(m_path.size() - 6);
  FolderLock lock;
  if (::chmod(m_path.c_str(), 0755) != 0 || !lock.try_lock(m_path)) {
    const int error_number = errno;
    remove_tree(m_path);
    throw_system_error("cannot prepare the staging folder " + m_path, error_number);
  }
  m_lock_fd = lock.release();
}

Staging::~Staging() {
  if (!m_published) remove_tree(m_path);
  if (m_lock_fd >= 0) ::close(m_lock_fd);
}

void Staging::publish(ReplaceMode mode, const StepHook& hook) {
  auto step = [&](std::string_view name) {
    if (hook) hook(name);
  };
  sync_directory(m_path);
  step("staged");

  if (!exists_no_follow(m_target)) {
    rename_or_throw(m_path, m_target);
    m_published = true;
    sync_directory(m_parent);
    step("renamed");
    return;
  }

  // Held until the old bundle is gone, so that recover() in another process leaves it alone.
  FolderLock old_lock;
  if (!old_lock.try_lock(m_target, true)) throw_system_error("cannot open " + m_target, errno);

  if (mode == ReplaceMode::exchange) {
    if (::renameat2(AT_FDCWD, m_path.c_str(), AT_FDCWD, m_target.c_str(), RENAME_EXCHANGE) == 0) {
      m_published = true;
      sync_directory(m_parent);
      step("exchanged");
      remove_tree(m_path); // now the old bundle
      sync_directory(m_parent);
      step("cleaned");
      return;
    }
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP && errno != EOPNOTSUPP)
      throw_system_error("cannot exchange " + m_path + " and " + m_target, errno);
  }

  const std::string aside = join(m_parent, "." + m_name + ".old-" + m_suffix);
  rename_or_throw(m_target, aside);
  sync_directory(m_parent);
  step("moved-aside");
  if (std::rename(m_path.c_str(), m_target.c_str()) != 0) {
    const int error_number = errno;
    std::rename(aside.c_str(), m_target.c_str());
    throw_system_error("cannot rename " + m_path + " to " + m_target, error_number);
  }
  m_published = true;
  sync_directory(m_parent);
  step("moved-in");
  remove_tree(aside);
  sync_directory(m_parent);
  step("cleaned");
}

} // namespace errkb::bundle
