#pragma once
// Output forms of a lint run: text lines, GitHub workflow annotations, JSON, and the
// per-rule statistics table.
#include "lint/linter.hpp"

#include <nlohmann/json.hpp>
#include <string>

namespace errkb::lint {

// `path:line: CODE severity: /pointer: message` (line and pointer left out when unknown;
// "<input>" for diagnostics tied to no file).
std::string text_line(const Diagnostic& diagnostic);

// `::error file=path,line=N,title=CODE::/pointer: message` (warning -> ::warning,
// info -> ::notice), escaped as GitHub's workflow commands require.
std::string github_line(const Diagnostic& diagnostic);

// {"files", "records", "linted_records", "errors", "warnings", "infos",
//  "counts": {code: n}, "groups": {code: n}, "diagnostics": [{severity, code, rule,
//  file, line, pointer, message}]}.
nlohmann::json report_json(const LintReport& report);

// One line per rule with findings: count, code, name (and groups), sorted by code;
// then a total line.
std::string statistics(const LintReport& report);

// Number of diagnostics of each severity.
struct Tally {
  std::size_t errors = 0, warnings = 0, infos = 0;
};
Tally tally(const std::vector<Diagnostic>& diagnostics);

} // namespace errkb::lint
