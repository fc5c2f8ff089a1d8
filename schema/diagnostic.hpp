#pragma once
// Findings are values: validation and lint results are Diagnostics, never exceptions.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace errkb {

enum class Severity { error, warning, info };

struct Diagnostic {
  Severity severity = Severity::error;
  std::string code;    // stable code, e.g. "schema", "parse", "duplicate-id", lint rule codes
  std::string file;    // path as given by the user ("" when not tied to a file)
  int line = 0;        // 1-based; 0 when it cannot be known
  std::string pointer; // RFC 6901 JSON pointer into the record ("" = whole record)
  std::string message;
};

// "error" / "warning" / "info".
const char* severity_name(Severity severity);

// `file:line: error: /pointer: message` (line and pointer omitted when unknown).
std::string format_text(const Diagnostic& diagnostic);

// {"severity", "code", "file", "line", "pointer", "message"}.
nlohmann::json to_json(const Diagnostic& diagnostic);

// Sorts by file, line, pointer, code, message and removes exact duplicates.
void sort_unique(std::vector<Diagnostic>& diagnostics);

// True when any diagnostic has Severity::error.
bool has_errors(const std::vector<Diagnostic>& diagnostics);

} // namespace errkb
