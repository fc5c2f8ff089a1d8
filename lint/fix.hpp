#pragma once
// `errkb lint --fix`: applies the safe fixes a lint run collected (trimming text,
// adding a missing reverse graph edge to the other record's file). A changed file is
// written back in `errkb fmt`'s canonical form; a YAML file with comments is left
// alone unless `force` (yaml-cpp cannot keep comments).
#include "lint/linter.hpp"

#include <string>
#include <vector>

namespace errkb::lint {

struct FixResult {
  std::vector<std::string> applied; // "path: W202 fixed: /signature: trimmed whitespace", in fix order
  std::vector<std::string> skipped; // "path: W503 not fixed: ..." with the reason
  std::vector<std::string> files;   // files rewritten, sorted
};

// Applies `fixes` (as LintReport::fixes gives them); a fix the linter found unsafe
// (Fix::unsafe) is only reported as skipped. Throws InputError when a file
// cannot be written.
FixResult apply_fixes(const std::vector<Fix>& fixes, bool force);

} // namespace errkb::lint
