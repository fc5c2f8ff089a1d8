#pragma once
// `errkb fmt`: the canonical form of record files.
//
// - Object keys follow the record schema: top-level keys in
//   schema::canonical_key_order(), each translation `<field>_<locale>` right after its
//   base field (locales sorted); nested objects (versions, dead ends, workarounds,
//   translated items, transition graph, edges, provenance, withdrawn) in the order of
//   their `properties` in schema/record.schema.json. Keys the schema does not name
//   (os_specific facets, provenance.extra, unknown keys) follow, sorted byte-wise.
//   Arrays keep their order.
// - JSON: 2-space indentation, UTF-8 as is (no \u escapes), one final newline.
//   JSONL: one compact record per line. YAML: block style via yaml-cpp's emitter,
//   2-space indentation, empty lists/maps as [] and {}, one final newline.
// - YAML scalars: strings that a YAML 1.1 or 1.2 reader could type as something else
//   (null, ~, true/false, yes/no/on/off/y/n, numbers, .inf/.nan, dates and anything
//   starting with a digit, `<<`, `=`) are double-quoted; multi-line strings are literal
//   blocks (`|`) when they end in exactly one newline and yaml-cpp can write them
//   faithfully, double-quoted with \n escapes otherwise (yaml-cpp has no `|-`).
//   Numbers are written as nlohmann::json prints them (shortest round trip).
// - Every rewrite is checked: the canonical text is parsed back with the errkb loader
//   and must give the same JSON, else the file is left alone and the problem reported.
// - yaml-cpp cannot keep comments. A YAML file with comments is not rewritten unless
//   `force` is set (then the comments are dropped and the result says so).
#include "ingest/loader.hpp"
#include "ingest/walk.hpp"
#include "schema/diagnostic.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace errkb::lint {

// `record` with its object keys in canonical order (see above).
nlohmann::ordered_json canonical_record(const nlohmann::json& record);

// The canonical text of a file holding `records` in `format` (yaml/json: one record).
std::string render(const std::vector<nlohmann::json>& records, ingest::Format format);

// True when YAML `text` holds a comment (a `#` outside quoted and block scalars,
// at a line start or after a blank).
bool has_yaml_comments(std::string_view text);

enum class FmtMode { write, check };

struct FmtOptions {
  FmtMode mode = FmtMode::write;
  bool force = false; // rewrite YAML files with comments, dropping the comments
  ingest::WalkOptions walk;
};

struct FmtFile {
  enum class Status { unchanged, reformatted, would_reformat, refused, failed };
  std::string path;
  Status status = Status::unchanged;
  std::string note; // refused/failed: why; reformatted: "comments dropped" when so
};

struct FmtReport {
  std::vector<FmtFile> files;          // in walk order
  std::vector<Diagnostic> diagnostics; // walk and load problems of files that could not be formatted
};

// Formats (or with FmtMode::check, only compares) every record file under `paths`.
// A file that does not load (parse errors, limits) is `failed` with its diagnostics.
FmtReport fmt_paths(const std::vector<std::string>& paths, const FmtOptions& options);

// The canonical text of the loaded `file` with `records` as its content; empty and
// `problem` set when that text would not read back as the same records.
std::string canonical_text(const ingest::LoadedFile& file, const std::vector<nlohmann::json>& records,
                           std::string& problem);

// Replaces `path` by `text` atomically (temporary file in the same folder, then
// rename), keeping its permission bits. Throws InputError on failure.
void write_file(const std::string& path, const std::string& text);

} // namespace errkb::lint
