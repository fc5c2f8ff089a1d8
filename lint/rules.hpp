#pragma once
// The lint rule table: every rule's stable code, name, default level, and what it
// catches. docs/lint-rules.md is this table in prose; codes never change meaning.
//
// A code's letter is the rule's default severity (E error, W warning, I info) and its
// hundreds digit the family: 1 regex, 2 text, 3 translations, 4 duplicates, 5 graph,
// 6 identity, 7 dates, 8 verdicts, 9 URLs. A configured severity does not rename a code.
#include "schema/diagnostic.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace errkb::lint {

// How a rule reports: off, or at one of the Diagnostic severities.
enum class Level { off, info, warning, error };

struct Rule {
  std::string_view code;     // "E101"
  std::string_view name;     // "regex-no-self-match"
  Level level;               // default level (off: runs only when selected)
  Severity severity;         // severity when enabled without an explicit level
  bool fixable;              // `lint --fix` repairs it
  std::string_view summary;  // what it catches
  std::string_view fix;      // how a curator fixes it
};

// Every rule, sorted by code.
const std::vector<Rule>& rules();

// The rule whose code or name is `code_or_name` (codes case-insensitively), or nullptr.
const Rule* find_rule(std::string_view code_or_name);

// "off" / "info" / "warning" / "error".
const char* level_name(Level level);

// Parses "off", "info", "warning", "error" (also "warn", "false" for off); nullopt otherwise.
std::optional<Level> parse_level(std::string_view text);

// The severity a Level reports at; `level` must not be Level::off.
Severity severity_of(Level level);

} // namespace errkb::lint
