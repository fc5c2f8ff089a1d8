#pragma once
// The validation pipeline: load and validate record files in parallel, then the
// checks that span records (duplicate ids, transition-graph targets).
#include "ingest/loader.hpp"
#include "ingest/walk.hpp"
#include "schema/diagnostic.hpp"
#include "schema/search_regex.hpp"

#include <any>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace errkb::ingest {

struct CheckedFile;

struct CheckOptions {
  Limits limits;
  WalkOptions walk;
  unsigned threads = 0; // 0: one per core
  // Runs on the worker thread once a file is checked, for per-file work that
  // shares no state with other files (ingest's db::prepare_record, lint's
  // per-record rules); not called for files the SkipFilter skipped.
  std::function<void(CheckedFile&)> after_check;
  // Keep each valid record's compiled regex in CheckedFile::regexes (lint checks it
  // against the record's signature without compiling it again).
  bool keep_regexes = false;
  // Fill each file's sha256, size and mtime_ns (ingest's sync needs them; lint and
  // validate do not, and skip the hashing and a stat per file).
  bool fingerprint = true;
};

// One loaded file with its records' verdicts. `diagnostics` holds every problem of
// the file and its records, with file and line filled in.
struct CheckedFile {
  LoadedFile file;
  std::vector<bool> record_valid; // per file.records entry
  // What CheckOptions::after_check computed for the sink, handed over with the file
  // (ingest: the prepared records; lint: the records' cross-record entries).
  std::any work;
  // Per file.records entry with CheckOptions::keep_regexes: the validator's compiled
  // regex of a valid record (null otherwise); empty without the option.
  std::vector<std::unique_ptr<schema::SearchRegex>> regexes;
  std::vector<Diagnostic> diagnostics;
  std::size_t size = 0;           // bytes
  long long mtime_ns = 0;
};

// Called before loading a file: true to skip loading it (e.g. unchanged since the
// last ingest). Skipped files reach the sink with no records.
using SkipFilter = std::function<bool(const std::string& path, std::size_t size, long long mtime_ns)>;

// Loads and validates `files` on worker threads and hands each to `sink` on the
// calling thread, in the order given. Memory stays bounded by a window of files.
void check_files(const std::vector<std::string>& files, const CheckOptions& options,
                 const std::function<void(CheckedFile&)>& sink, const SkipFilter& skip = {});

// Cross-record checks, fed one checked file at a time.
class CrossChecker {
public:
  // Records the valid records' ids and graph targets of `file`.
  void add(const CheckedFile& file);
  // Duplicate ids across files and graph targets that name no known record.
  // `known_elsewhere` may say an id exists outside the checked files (in the database).
  std::vector<Diagnostic> finish(const std::function<bool(const std::string&)>& known_elsewhere = {}) const;
  // Ids seen, with the file and line of their first occurrence.
  const std::map<std::string, std::pair<std::string, int>>& ids() const { return m_ids; }

private:
  struct Edge {
    std::string file;
    int line;
    std::string pointer;
    std::string target;
  };
  std::map<std::string, std::pair<std::string, int>> m_ids;
  std::vector<Diagnostic> m_duplicates;
  std::vector<Edge> m_edges;
};

struct ValidateReport {
  std::vector<Diagnostic> diagnostics; // sorted
  std::size_t files = 0;
  std::size_t records = 0;
  std::size_t invalid_records = 0;
};

// `errkb validate`: walks `paths`, checks every file and the cross-record rules.
// `progress(done, total)` is called after each file when set.
ValidateReport validate_paths(const std::vector<std::string>& paths, const CheckOptions& options = {},
                              const std::function<void(std::size_t, std::size_t)>& progress = {});

} // namespace errkb::ingest
