#pragma once
// `errkb verify DIR`: is DIR exactly the bundle its manifest describes?
#include "schema/diagnostic.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace errkb::bundle {

struct VerifyReport {
  // Every problem found, sorted; `file` is DIR/<path in the bundle>, `line` the
  // line of a records.jsonl record. Codes: missing-file, extra-file, checksum,
  // size, parse, schema, count, order, mismatch, missing-bundle.
  std::vector<Diagnostic> problems;
  std::size_t files = 0;   // files listed in the manifest and checked
  std::size_t records = 0; // record lines checked, all locales
  std::vector<std::string> locales;
};

// Recomputes the size and SHA-256 of every file against manifest.json and
// SHA256SUMS, reports missing and extra files, validates every document against
// schema/bundle.schema.json (every record of records.jsonl, the index, domain
// bundles, the manifest, stats), and checks the counts and ids of each locale
// against the manifest and against each other (index rows and domain bundles
// must match records.jsonl). Never throws for a bad bundle: all are problems.
VerifyReport verify_bundle(const std::string& dir);

} // namespace errkb::bundle
