#pragma once
// Expanding the paths a user names into the record files under them.
#include "schema/diagnostic.hpp"

#include <string>
#include <vector>

namespace errkb::ingest {

struct WalkOptions {
  bool follow_symlinks = false; // follow symlinks met inside folders (named paths are always followed)
};

struct WalkResult {
  std::vector<std::string> files;      // record files, sorted byte-wise, without duplicates
  std::vector<Diagnostic> diagnostics; // in walk order; see collect_files for the codes
};

// Expands `paths` (files and folders) into record files (.json, .yaml, .yml, .jsonl).
// Folders are walked recursively; entries whose name starts with '.' are skipped.
// A found file is the given path, '/', and its path relative to it
// (`records` -> `records/python/x.json`). Never throws for file-system problems:
//   "io" (error)        a path that cannot be accessed, a folder that cannot be read;
//   "path" (error)      a named file that is not a record file, or not a regular file;
//   "symlink" (warning) a symlink inside a folder not followed (pointing to a folder
//                       or named like a record file), or a folder reached twice;
//   "symlink" (error)   with `follow_symlinks`, a symlink back to a folder being walked.
// Files are not opened here: load_file reports unreadable ones.
WalkResult collect_files(const std::vector<std::string>& paths, const WalkOptions& options = {});

} // namespace errkb::ingest
