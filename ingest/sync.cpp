#include "ingest/sync.hpp"

#include "db/fresh_build.hpp"
#include "db/query.hpp"
#include "db/writer.hpp"

#include <algorithm>
#include <any>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <optional>
#include <set>
#include <unordered_set>
#include <sys/stat.h>

namespace errkb::ingest {
namespace {

std::string utc_now() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

bool same_metadata(const db::StoredFile& stored, std::size_t size, long long mtime_ns) {
  return stored.size == static_cast<std::int64_t>(size) && stored.mtime_ns == mtime_ns && !stored.sha256.empty();
}

// True when `path` lies under one of the walked roots (a root file counts as itself).
bool under_roots(const std::string& path, const std::vector<std::string>& roots) {
  for (std::string root : roots) {
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    if (path == root) return true;
    if (root == ".") return path.rfind("/", 0) != 0;
    if (path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/') return true;
  }
  return false;
}

std::string record_id(const nlohmann::json& value) {
  if (value.is_object()) {
    auto it = value.find("id");
    if (it != value.end() && it->is_string()) return it->get<std::string>();
  }
  return {};
}

std::string first_error(const std::vector<Diagnostic>& diagnostics, int line) {
  for (const auto& d : diagnostics)
    if (d.severity == Severity::error && (line == 0 || d.line >= line)) return format_text(d);
  return "file no longer validates";
}

} // namespace

SyncReport sync(db::Database& db, const std::vector<std::string>& paths, const SyncOptions& options,
                const std::function<void(std::size_t, std::size_t)>& progress) {
  SyncReport report;
  const std::string started_at = utc_now();
  WalkResult walked = collect_files(paths, options.check.walk);
  report.diagnostics = std::move(walked.diagnostics);
  report.files = walked.files.size();
  const std::unordered_set<std::string> walked_set(walked.files.begin(), walked.files.end());

  db::Writer writer(db, walked.files.size());
  std::map<std::string, db::StoredFile> stored = writer.files();
  std::map<std::string, std::string> owner; // record id -> stored file; filled when a first file is loaded
  bool owner_filled = false;

  // A file not reloaded in this run keeps its records: an id it owns is taken.
  auto kept_unchanged = [&](const std::string& path) {
    auto it = stored.find(path);
    if (it == stored.end()) return false;
    if (walked_set.count(path) == 0)
      return !under_roots(path, paths) || options.prune == Prune::no || std::filesystem::exists(path);
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return false;
    long long mtime = static_cast<long long>(info.st_mtim.tv_sec) * 1'000'000'000LL + info.st_mtim.tv_nsec;
    return same_metadata(it->second, static_cast<std::size_t>(info.st_size), mtime);
  };

  CrossChecker cross;
  std::set<std::string> loaded_files;
  std::size_t done = 0;
  auto skip = [&](const std::string& path, std::size_t size, long long mtime_ns) {
    auto it = stored.find(path);
    return it != stored.end() && same_metadata(it->second, size, mtime_ns);
  };

  CheckOptions check = options.check;
  check.fingerprint = true; // unchanged files are told by their hash, size and mtime
  // The SQL-free part of storing each record is done on the check workers.
  // Per file.records entry; empty for invalid records.
  using Prepared = std::vector<db::PreparedRecord>;
  check.after_check = [](CheckedFile& checked) {
    Prepared prepared(checked.file.records.size());
    for (std::size_t i = 0; i < checked.file.records.size(); ++i)
      if (checked.record_valid[i]) prepared[i] = db::prepare_record(checked.file.records[i].value);
    checked.work = std::move(prepared);
  };
  check_files(
      walked.files, check,
      [&](CheckedFile& checked) {
        if (progress) progress(++done, walked.files.size());
        const std::string& path = checked.file.path;
        auto previous = stored.find(path);
        const bool skipped = checked.file.sha256.empty() && checked.diagnostics.empty() && previous != stored.end();
        if (skipped) {
          report.unchanged += static_cast<int>(previous->second.record_ids.size());
          return;
        }
        loaded_files.insert(path);
        if (!owner_filled) {
          for (const auto& [stored_path, file] : stored)
            for (const auto& id : file.record_ids) owner.emplace(id, stored_path);
          owner_filled = true;
        }
        cross.add(checked);
        for (const auto& d : checked.diagnostics) report.diagnostics.push_back(d);

        if (previous != stored.end() && previous->second.sha256 == checked.file.sha256 && checked.diagnostics.empty()) {
          // Touched but not changed: remember the new metadata so the next run skips it.
          writer.put_file(path, checked.file.sha256, static_cast<std::int64_t>(checked.size), checked.mtime_ns);
          report.unchanged += static_cast<int>(previous->second.record_ids.size());
          return;
        }

        // A file with errors is stored without its hash, so every run checks (and reports) it again.
        const bool file_ok = !has_errors(checked.file.diagnostics);
        const bool clean = !has_errors(checked.diagnostics);
        if (file_ok)
          writer.put_file(path, clean ? checked.file.sha256 : std::string(), static_cast<std::int64_t>(checked.size),
                          checked.mtime_ns);
        std::set<std::string> present;
        const auto& records = checked.file.records;
        for (std::size_t i = 0; i < records.size(); ++i) {
          const std::string id = record_id(records[i].value);
          if (!id.empty()) present.insert(id);
          if (!checked.record_valid[i]) {
            ++report.rejected;
            if (!id.empty() && owner.count(id) != 0 &&
                writer.set_stale(id, first_error(checked.diagnostics, records[i].line)))
              ++report.stale;
            continue;
          }
          // The id belongs to another file that keeps it: a duplicate, not a move.
          auto owned = owner.find(id);
          if (owned != owner.end() && owned->second != path && loaded_files.count(owned->second) == 0 &&
              kept_unchanged(owned->second)) {
            report.diagnostics.push_back({Severity::error, "duplicate-id", path, checked.file.line_of(i, "/id"), "/id",
                                          "duplicate id '" + id + "' (already ingested from " + owned->second + ")"});
            ++report.rejected;
            continue;
          }
          if (cross.ids().at(id).first != path) {
            ++report.rejected; // the cross checker reports this duplicate
            continue;
          }
          const Prepared* all = std::any_cast<Prepared>(&checked.work);
          const db::PreparedRecord* prepared = all != nullptr && i < all->size() ? &(*all)[i] : nullptr;
          switch (writer.upsert_record(records[i].value, file_ok ? path : std::string(), records[i].line, prepared)) {
          case db::UpsertResult::added:
            ++report.added;
            break;
          case db::UpsertResult::updated:
            ++report.updated;
            break;
          case db::UpsertResult::unchanged:
            ++report.unchanged;
            break;
          }
          owner[id] = path;
        }
        if (!file_ok) {
          // Unparseable: keep every record the file had, flagged stale.
          if (previous != stored.end())
            for (const auto& id : previous->second.record_ids)
              if (present.count(id) == 0 && writer.set_stale(id, first_error(checked.diagnostics, 0))) ++report.stale;
          return;
        }
        if (previous != stored.end()) {
          for (const auto& id : previous->second.record_ids) {
            auto owned = owner.find(id);
            if (present.count(id) == 0 && owned != owner.end() && owned->second == path) {
              if (writer.remove_record(id)) ++report.removed;
              owner.erase(owned);
            }
          }
        }
      },
      skip);

  if (options.prune == Prune::yes) {
    for (const auto& [path, file] : stored) {
      if (walked_set.count(path) != 0 || !under_roots(path, paths)) continue;
      report.removed += writer.remove_file(path, db::FileRecords::remove);
    }
  }

  // Graph targets must exist once the run is applied.
  // The database's ids are read only if some target is not among the loaded records
  // (never in a run that loads nothing).
  std::optional<std::unordered_set<std::string>> known;
  auto known_elsewhere = [&](const std::string& id) {
    if (!known) {
      known.emplace();
      for (auto& stored_id : db::record_ids(db)) known->insert(std::move(stored_id));
    }
    return known->count(id) != 0;
  };
  for (auto& d : cross.finish(known_elsewhere)) report.diagnostics.push_back(std::move(d));
  sort_unique(report.diagnostics);

  if (options.strictness == Strictness::strict && has_errors(report.diagnostics)) return report;

  db::RunCounts counts;
  counts.started_at = started_at;
  counts.finished_at = utc_now();
  counts.added = report.added;
  counts.updated = report.updated;
  counts.unchanged = report.unchanged;
  counts.removed = report.removed;
  counts.rejected = report.rejected;
  counts.stale = report.stale;
  counts.paths = paths;
  writer.add_run(counts);
  writer.commit();
  report.committed = true;
  return report;
}

SyncReport sync_into(const std::string& db_path, std::chrono::milliseconds busy_timeout,
                     const std::vector<std::string>& paths, const SyncOptions& options,
                     const std::function<void(std::size_t, std::size_t)>& progress) {
  if (auto build = db::FreshBuild::begin(db_path, busy_timeout)) {
    SyncReport report = sync(build->db(), paths, options, progress);
    if (!report.committed || build->publish()) return report;
    // Another writer created the database meanwhile: apply this run on top of it.
  }
  db::Database db(db_path, db::Access::read_write, busy_timeout);
  return sync(db, paths, options, progress);
}

} // namespace errkb::ingest
