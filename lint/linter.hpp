#pragma once
// `errkb lint`: curation rules beyond the schema, over record files. Files are
// loaded and schema-checked in parallel (ingest::check_files); records that fail the
// schema are reported with the schema's diagnostics and not linted further.
#include "ingest/check.hpp"
#include "lint/config.hpp"
#include "schema/diagnostic.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace errkb::lint {

struct LintOptions {
  Config config;
  ingest::CheckOptions check;
  bool collect_fixes = false; // fill LintReport::fixes
};

// A safe repair of one reported finding (see apply_fixes).
struct Fix {
  enum class Kind { trim, add_edge };
  Kind kind = Kind::trim;
  std::string code;        // rule it repairs: W202, W503, I504
  std::string file;        // file to change
  std::size_t record = 0;  // index of the record inside the file
  std::string pointer;     // trim: the string; add_edge: the edge list (e.g. /transition_graph/preceded_by)
  std::string target;      // add_edge: the id to add
  std::string unsafe;      // trim: why it is not applied (it would add error-level findings); "" when safe
};

struct LintReport {
  std::vector<Diagnostic> diagnostics; // walk, load and schema problems, then lint findings; sorted
  std::vector<Fix> fixes;              // sorted by file, record, pointer; without duplicates
  std::map<std::string, std::size_t> groups; // group rules (W401, W402, W403): code -> number of groups
  std::size_t files = 0;
  std::size_t records = 0;          // records found
  std::size_t linted_records = 0;   // records that passed the schema and were linted
};

// Lints every record file under `paths`. `options.config.as_of` "" means today.
// Throws only for failures outside the data (e.g. out of memory).
LintReport lint_paths(const std::vector<std::string>& paths, const LintOptions& options);

// True when `pattern`, without anchors, flags, groups and outer parentheses, is only
// `.` with quantifiers (`.*`, `.+`, `^.*$`, `(?s).+`, `(.*)`...).
bool is_bare_wildcard(const std::string& pattern);

} // namespace errkb::lint
