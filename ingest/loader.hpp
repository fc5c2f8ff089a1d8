#pragma once
// Loading record files: JSON (one record), YAML (one record), JSONL (one per line).
// Every problem is a Diagnostic; nothing here throws on bad input.
#include "schema/diagnostic.hpp"

#include <nlohmann/json.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace errkb::ingest {

struct Limits {
  std::size_t max_file_bytes = 64u << 20;   // larger files are rejected unread
  std::size_t max_depth = 64;               // nesting of arrays/objects
  std::size_t max_string_bytes = 1u << 20;  // any single string or key
  std::size_t max_nodes = 1'000'000;        // values per document after YAML alias expansion
};

enum class Format { json, yaml, jsonl };

// Format from the extension (.json, .yaml, .yml, .jsonl); nullopt-like false when unknown.
bool format_for_path(const std::string& path, Format& format);

struct SourceRecord {
  nlohmann::json value;
  int line = 1; // line where the record starts (JSONL: its line)
};

class LoadedFile {
public:
  std::string path;
  Format format = Format::json;
  std::string sha256;                   // hex digest of the file's bytes (when loaded with `hash`)
  std::vector<SourceRecord> records;    // parsed documents (valid JSON values, not yet schema-checked)
  std::vector<Diagnostic> diagnostics;  // parse errors, limits, duplicate keys, invalid UTF-8

  // Line of `pointer` inside record `index`, or the record's start line when unknown.
  int line_of(std::size_t index, const std::string& pointer) const;

  // Implementation detail: what line_of needs (the text for JSON, a pointer map for YAML).
  struct Locator;
  std::shared_ptr<const Locator> locator;
};

// Reads and parses one file. Never throws for bad content; I/O failures are diagnostics too.
// `hash`: fill LoadedFile::sha256 (ingest's sync needs it; lint and validate do not).
LoadedFile load_file(const std::string& path, const Limits& limits = {}, bool hash = true);

// Parses in-memory `bytes` as if read from `path` (used by tests and fuzzers).
LoadedFile load_bytes(const std::string& path, Format format, std::string bytes, const Limits& limits = {},
                      bool hash = true);

} // namespace errkb::ingest
