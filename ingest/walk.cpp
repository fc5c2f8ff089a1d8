#include "ingest/walk.hpp"

#include "ingest/loader.hpp"

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <set>
#include <sys/stat.h>
#include <system_error>
#include <utility>

namespace errkb::ingest {
namespace {

using DirectoryId = std::pair<dev_t, ino_t>;

std::string errno_text(int error) { return std::error_code(error, std::generic_category()).message(); }

bool is_record_name(const std::string& path) {
  Format format = Format::json;
  return format_for_path(path, format);
}

// "records/" and "records//" walk as "records"; "/" stays "/".
std::string trim_trailing_slashes(const std::string& path) {
  std::size_t end = path.size();
  while (end > 1 && path[end - 1] == '/') --end;
  return path.substr(0, end);
}

std::string join(const std::string& folder, const std::string& name) {
  if (!folder.empty() && folder.back() == '/') return folder + name;
  return folder + "/" + name;
}

class Walker {
public:
  Walker(const WalkOptions& options, WalkResult& result) : m_options(options), m_result(result) {}

  void add_path(const std::string& given) {
    struct stat status {};
    if (::stat(given.c_str(), &status) != 0) {
      report(Severity::error, "io", given, "cannot access: " + errno_text(errno));
      return;
    }
    if (S_ISDIR(status.st_mode)) {
      walk_folder(trim_trailing_slashes(given), status);
    } else if (!is_record_name(given)) {
      report(Severity::error, "path", given, "not a record file (expected .json, .yaml, .yml or .jsonl)");
    } else if (!S_ISREG(status.st_mode)) {
      report(Severity::error, "path", given, "not a regular file");
    } else {
      m_result.files.push_back(given);
    }
  }

private:
  void walk_folder(const std::string& folder, const struct stat& status) {
    const DirectoryId id{status.st_dev, status.st_ino};
    if (!m_visited.insert(id).second) return; // named twice, or reached before through a followed symlink
    std::vector<std::pair<std::string, unsigned char>> names; // name, dirent d_type
    if (!read_names(folder, names)) return;
    m_ancestors.push_back(id);
    for (const auto& [name, type] : names) {
      std::string path = join(folder, name);
      // The folder entry already says "regular file" on most file systems: no lstat
      // for each of thousands of record files.
      if (type == DT_REG) {
        if (is_record_name(path)) m_result.files.push_back(std::move(path));
        continue;
      }
      visit_entry(path);
    }
    m_ancestors.pop_back();
  }

  bool read_names(const std::string& folder, std::vector<std::pair<std::string, unsigned char>>& names) {
    DIR* dir = ::opendir(folder.c_str());
    if (dir == nullptr) {
      report(Severity::error, "io", folder, "cannot read folder: " + errno_text(errno));
      return false;
    }
    errno = 0;
    while (const dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] != '.') names.emplace_back(entry->d_name, entry->d_type); // hidden entries, "." and ".."
      errno = 0;
    }
    const int error = errno;
    ::closedir(dir);
    if (error != 0) {
      report(Severity::error, "io", folder, "cannot read folder: " + errno_text(error));
      return false;
    }
    std::sort(names.begin(), names.end()); // deterministic diagnostics; byte-wise
    return true;
  }

  void visit_entry(const std::string& path) {
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0) {
      report(Severity::error, "io", path, "cannot access: " + errno_text(errno));
      return;
    }
    if (S_ISLNK(status.st_mode)) {
      struct stat target {};
      const bool resolves = ::stat(path.c_str(), &target) == 0;
      const int error = errno;
      if (!m_options.follow_symlinks) {
        // Only links that would have mattered are worth a warning.
        if ((resolves && S_ISDIR(target.st_mode)) || is_record_name(path)) {
          report(Severity::warning, "symlink", path, "symlink not followed");
        }
        return;
      }
      if (!resolves) {
        if (is_record_name(path) || error == ELOOP) {
          report(Severity::error, "io", path, "cannot follow symlink: " + errno_text(error));
        }
        return;
      }
      if (S_ISDIR(target.st_mode)) {
        const DirectoryId id{target.st_dev, target.st_ino};
        if (std::find(m_ancestors.begin(), m_ancestors.end(), id) != m_ancestors.end()) {
          report(Severity::error, "symlink", path, "symlink loop: not followed");
          return;
        }
        if (m_visited.contains(id)) {
          report(Severity::warning, "symlink", path, "folder already walked through another path: not followed");
          return;
        }
      }
      status = target;
    }
    if (S_ISDIR(status.st_mode)) {
      walk_folder(path, status);
    } else if (is_record_name(path)) {
      if (S_ISREG(status.st_mode)) {
        m_result.files.push_back(path);
      } else {
        report(Severity::error, "path", path, "not a regular file");
      }
    }
  }

  void report(Severity severity, const char* code, const std::string& path, std::string message) {
    m_result.diagnostics.push_back(Diagnostic{severity, code, path, 0, std::string(), std::move(message)});
  }

  const WalkOptions& m_options;
  WalkResult& m_result;
  std::set<DirectoryId> m_visited;
  std::vector<DirectoryId> m_ancestors;
};

} // namespace

WalkResult collect_files(const std::vector<std::string>& paths, const WalkOptions& options) {
  WalkResult result;
  Walker walker(options, result);
  for (const std::string& path : paths) walker.add_path(path);
  std::sort(result.files.begin(), result.files.end());
  result.files.erase(std::unique(result.files.begin(), result.files.end()), result.files.end());
  return result;
}

} // namespace errkb::ingest
