#pragma once
// `errkb export`: a snapshot of the database as a release bundle.
//
// Layout of a bundle DIR (format version 1; schema/bundle.schema.json):
//   manifest.json                 every other file with size and SHA-256, counts, source hash
//   SHA256SUMS                    `sha256sum -c` input for every file but itself
//   stats.json                    compute_stats() of the records
//   <locale>/records.jsonl        every record localized, sorted by id, one per line
//   <locale>/index.json           compact lookup index, one row per record
//   <locale>/domains/<domain>.json  the records of one domain, lines as in records.jsonl
// Equal databases give byte-identical bundles: the only timestamp is ExportOptions::as_of.
#include "export/dates.hpp"
#include "export/files.hpp"
#include "export/publish.hpp"
#include "export/source.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace errkb::bundle {

struct ExportOptions {
  // Locales to export; empty: every locale present in the records (base locales
  // and translation locales), sorted.
  std::vector<std::string> locales;
  // The bundle's date (manifest as_of/generated_at, stats freshness); without
  // it the manifest has no timestamp and stats are as of the newest last_confirmed.
  std::optional<AsOf> as_of;
  ReplaceMode replace_mode = ReplaceMode::exchange;
  StepHook hook; // see publish.hpp; for tests
  // Records read, parsed and written at a time: small enough that the batch's
  // parsed records and rendered lines stay in memory already touched (a larger
  // batch costs page faults, not speed).
  std::size_t batch_size = 256;
};

struct ExportSummary {
  std::vector<std::string> locales;
  std::size_t records = 0;
  std::size_t withdrawn = 0;
  std::size_t flagged_stale = 0;      // records the database flags stale
  std::string content_sha256;         // manifest.json's source.content_sha256
  std::vector<FileEntry> files;       // every file of the bundle, SHA256SUMS last
  std::vector<std::string> recovered; // what recover() did before the export
};

// Splits a comma-separated locale list ("en,zh"), sorted, without duplicates.
// Throws UsageError when an entry is not a lowercase language tag.
std::vector<std::string> parse_locale_list(std::string_view list);

// Writes the bundle of every record of `source` into the existing empty folder
// `dir`, every file and folder synced. Records are streamed in batches: memory
// holds one batch, the graph edges and per-record offsets, not the records.
// Returns the summary (without `recovered`).
ExportSummary write_bundle(RecordSource& source, const std::string& dir, const ExportOptions& options);

// recover()s `out_dir`, writes the bundle into a staging folder beside it and
// publishes it atomically (publish.hpp). Throws Error when `out_dir` exists and
// is not a bundle, or on any I/O failure (`out_dir` is then left as it was).
ExportSummary export_bundle(RecordSource& source, const std::string& out_dir, const ExportOptions& options);

} // namespace errkb::bundle
