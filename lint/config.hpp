#pragma once
// Which rules run at which level, and the thresholds they use. Layers, later wins:
// the rule table's defaults, then `errkb.yaml`, then --select / --ignore.
//
// errkb.yaml (every key optional; other top-level sections are left to other tools):
//   lint:
//     rules:                       # code or name -> error | warning | info | off
//       W703: off
//       regex-too-broad: error
//     stale_days: 365
//     broad_regex_min_errors: 5
//     near_duplicate_similarity: 0.85
//     resolvable_min_rate: 0.7
//     unresolvable_max_rate: 0.2
//     evidence_confidence: 0.3
//     min_evidence: 3
#include "lint/rules.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace errkb::lint {

struct Thresholds {
  int stale_days = 365;                     // W703
  int broad_regex_min_errors = 5;           // W104: other errors (domain/slug) a regex may match
  double near_duplicate_similarity = 0.85;  // W403: Jaccard of 4-gram shingles
  double resolvable_min_rate = 0.7;         // W801
  double unresolvable_max_rate = 0.2;       // W802
  double evidence_confidence = 0.3;         // W803
  int min_evidence = 3;                     // W803
};

class Config {
public:
  // Every rule at its default level, default thresholds, as-of date unset.
  Config();

  // The level `code` runs at (Level::off for unknown codes).
  Level level(std::string_view code) const;
  bool enabled(std::string_view code) const { return level(code) != Level::off; }
  void set_level(std::string_view code, Level level);

  // Reads the `lint:` section of an errkb.yaml file. Throws UsageError naming the
  // file for unknown keys, unknown rules, bad levels or out-of-range thresholds,
  // InputError when the file cannot be read or parsed.
  void apply_file(const std::string& path);

  // --select: only the named rules run (codes, names, code prefixes such as "W" or
  // "E1", or "ALL"); a selected rule that is off by default runs at its severity.
  // --ignore: the named rules do not run. Throws UsageError for names matching nothing.
  void apply_selection(const std::vector<std::string>& select, const std::vector<std::string>& ignore);

  Thresholds thresholds;
  std::string as_of; // YYYY-MM-DD; "" means today (filled by lint_paths)

private:
  std::map<std::string, Level, std::less<>> m_levels; // code -> level
};

// Today's date (UTC) as YYYY-MM-DD.
std::string today();

} // namespace errkb::lint
