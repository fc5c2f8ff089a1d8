#pragma once
// Import of deadends.dev "ErrorCanon" files (schema 1.0.0) as errkb records.
//
// The mapping, field by field (issue 3):
//   id                                   <- id, verbatim
//   signature regex domain category
//   first_seen last_confirmed            <- error.*
//   root_cause                           <- verdict.summary
//   resolvable fix_success_rate
//   confidence last_updated              <- verdict.*
//   versions                             <- environment.runtime as {"version": "<name> <version_range>",
//                                           "status": "active"}, then environment.python as a second
//                                           entry "python <python>" unless it repeats the first
//   os_specific                          <- {"hardware": environment.hardware, "os": environment.os}
//                                           (facet names as keys, sorted as `errkb fmt` sorts them;
//                                           hardware keeps its scalar facts)
//   dead_ends workarounds                <- same names, every field the errkb schema has a place for
//   transition_graph                     <- same edge kinds, entries as objects (a bare id string
//                                           becomes {"error_id": id})
//   verification_tier                    <- metadata.review_status (auto_generated -> ai_generated;
//                                           ai_generated, community_verified, human_reviewed by name)
//   evidence_count                       <- metadata.evidence_count
//   tags                                 <- "framework:<x>" from environment.framework, then
//                                           environment.additional in key order as "key:value"
//                                           (a list gives one tag per item, booleans "key:true")
//   provenance                           <- {"source": "deadends.dev", "source_id": id, url,
//                                           schema_version, metadata.generated_by,
//                                           metadata.generation_date, metadata.last_verification}
//   locale                               <- "en"
// A field is emitted only when its source is present (locale and provenance.source always are).
// Every other source field is dropped and reported by path: metadata.page_views, ai_agent_hits
// and human_hits are deadends.dev traffic counters, not facts about the error, and would make
// every re-import of a newer snapshot rewrite every record. Empty strings are kept as they are.
#include "schema/diagnostic.hpp"
#include "schema/error.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace errkb::importer {

// A canon that cannot be converted: a required field missing, a value of the wrong
// type, an unknown review status. `pointer()` is the RFC 6901 pointer into the canon
// ("" = the whole canon) and `reason()` says what is wrong there.
class CanonError : public InputError {
public:
  CanonError(std::string pointer, std::string reason);
  const std::string& pointer() const noexcept { return m_pointer; }
  const std::string& reason() const noexcept { return m_reason; }

private:
  std::string m_pointer;
  std::string m_reason;
};

struct Conversion {
  nlohmann::ordered_json record;    // the errkb record, keys in canonical order
  std::vector<std::string> dropped; // source fields with no place in errkb, one per occurrence,
                                    // as dotted paths with `[]` for array items: "metadata.page_views"
};

// Converts the deadends canon `canon` into an errkb record (mapping above). Pure: reads
// nothing but `canon`. Does not validate the result against the record schema.
// Throws CanonError when `canon` is not an object, misses a field the record needs or
// holds a value of the wrong type.
Conversion convert_canon(const nlohmann::json& canon);

// True when `id` is a record id: two or three lowercase segments of letters, digits and
// single `.`, `_`, `-` separators, at most 200 characters (so no segment is `.` or `..`).
bool is_valid_id(std::string_view id);

enum class OutputFormat { json, yaml };

// Where the record `id` goes under `out_dir`: `<domain>/<slug>/<env>.json`, or
// `<domain>/<slug>.json` for a two-segment id (`.yaml` for OutputFormat::yaml).
// Throws InputError when `id` is not valid.
std::filesystem::path record_path(const std::filesystem::path& out_dir, std::string_view id,
                                  OutputFormat format = OutputFormat::json);

// The bytes of a JSON record file: 2-space indented, UTF-8 unescaped, final newline
// (the form `errkb fmt` gives).
std::string render_record(const nlohmann::ordered_json& record);

struct ImportOptions {
  OutputFormat format = OutputFormat::json;
  // The bytes of a YAML record file; required for OutputFormat::yaml. yaml-cpp stays out
  // of this module: the CLI passes errkb's canonical YAML writer. Throws errkb::Error
  // when it cannot write `record` faithfully (the file is then skipped, code "render").
  std::function<std::string(const nlohmann::json& record)> render_yaml;
  // Threads that parse, convert and validate (0: one per core). The result does not
  // depend on it.
  unsigned jobs = 0;
  // Called after each source file with (files done, files total), from the calling
  // thread; may be empty.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

struct ImportReport {
  std::size_t files = 0;     // canon files found under SRC
  std::size_t converted = 0; // converted and valid: written + unchanged
  std::size_t written = 0;   // record files created or rewritten
  std::size_t unchanged = 0; // record files whose bytes were already right
  // Why files were skipped, sorted by file: one diagnostic per malformed canon (code
  // "read", "parse", "canon", "id", "duplicate-id" or "render"), one per schema problem of a
  // converted record that does not validate (code "schema": the canon holds a value
  // errkb does not accept, or the importer has a bug).
  // `file` is the source path as SRC / relative path.
  std::vector<Diagnostic> skipped;
  std::map<std::string, std::size_t> dropped; // source field path -> occurrences in converted canons
  std::map<std::string, std::size_t> domains; // id's first segment -> records converted

  // Number of distinct files in `skipped`.
  std::size_t skipped_files() const;
};

// Converts every canon under `src` (laid out as `<domain>/<slug>/<env>.json` or
// `<domain>/<slug>_<env>.json`; other files are not read) into a record file under
// `out_dir` named by record_path(). Files are processed in sorted path order; a file
// whose bytes would not change is not rewritten, others are replaced through a temporary
// file and a rename. Malformed canons and records that fail validation are reported in
// the result and not written; the rest still convert.
// Throws InputError when `src` is not a directory, Error when `out_dir` cannot be written,
// UsageError for OutputFormat::yaml without `render_yaml`.
ImportReport import_deadends(const std::filesystem::path& src, const std::filesystem::path& out_dir,
                             const ImportOptions& options = {});

// {"files", "converted", "written", "unchanged", "skipped" (file count), "domains",
//  "dropped", "problems": [to_json(diagnostic)...]}.
nlohmann::ordered_json to_json(const ImportReport& report);

} // namespace errkb::importer
