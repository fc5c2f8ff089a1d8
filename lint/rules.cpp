#include "lint/rules.hpp"

#include <algorithm>
#include <cctype>

namespace errkb::lint {

const std::vector<Rule>& rules() {
  using S = Severity;
  using L = Level;
  static const std::vector<Rule> table{
    {"E101", "regex-no-self-match", L::error, S::error, false,
     "the regex does not match the record's own signature (RE2, case-insensitive, unanchored, as `match` runs it)",
     "correct the regex until it matches the signature; escape literal ( ) [ ] . ? + * and check spelling"},
    {"E102", "regex-matches-empty", L::error, S::error, false,
     "the regex matches the empty string (e.g. `x*`, `(a|)`), so it says nothing about the message",
     "require the distinctive words of the message"},
    {"E103", "regex-bare-wildcard", L::error, S::error, false,
     "the regex is only a wildcard (`.*`, `.+`, `^.*$`, `(?s).+` ...) and matches any message",
     "replace it by the distinctive part of the signature"},
    {"W104", "regex-too-broad", L::warning, S::warning, false,
     "the regex matches the signatures of many other errors (at least `broad_regex_min_errors`, default 5; the "
     "variants of one domain/slug count once, the record's own error not at all)",
     "anchor the regex on words only this error prints"},
    {"E201", "empty-text", L::error, S::error, false,
     "a text that must say something is empty or whitespace only: signature, root_cause, dead_ends[].action and "
     ".why_fails, workarounds[].action, aliases[], withdrawn.reason and every translated text",
     "write the text, or remove the dead end / workaround / translation that has none"},
    {"W202", "untrimmed-text", L::warning, S::warning, true,
     "text with leading or trailing whitespace (not the regex, whose whitespace is meaningful)",
     "`lint --fix` trims it (multi-line text only loses leading blank lines, keeping its indentation)"},
    {"W203", "how-repeats-action", L::warning, S::warning, false,
     "a workaround's `how` repeats its `action` (equal ignoring case, spacing and final punctuation), also in "
     "translated workarounds",
     "put the concrete steps (commands, settings, code) in `how`, or omit `how`"},
    {"I204", "empty-optional-text", L::off, S::info, false,
     "an optional text (condition, how, tradeoff, common_misconception, notes, edge texts ...) is empty or whitespace "
     "only",
     "omit the key instead of leaving it empty"},
    {"W301", "translation-identical", L::warning, S::warning, false,
     "a translation (`<field>_<locale>`) identical to its source text; arrays are compared item by item (a "
     "string item against each text of the source item, an object item field by field); texts without letters "
     "are exempt",
     "translate the text, or drop the translation so readers fall back to the source"},
    {"E302", "translation-length-mismatch", L::error, S::error, false,
     "a translated array (`dead_ends_<locale>`, `workarounds_<locale>`) whose length differs from its source "
     "array, so items no longer pair up by position",
     "give the translation exactly one item per source item, in the same order"},
    {"W401", "duplicate-signature", L::warning, S::warning, false,
     "records of different errors (domain/slug) with the same signature (compared ignoring case and spacing); "
     "reported once per member, naming the group",
     "merge the records, or make each signature the exact message of its own error"},
    {"W402", "duplicate-regex", L::warning, S::warning, false,
     "records of different errors (domain/slug) with the same regex; reported as groups",
     "make each regex specific to its error"},
    {"W403", "near-duplicate-signature", L::warning, S::warning, false,
     "records of different errors whose signatures are nearly the same (Jaccard similarity of character 4-gram "
     "shingles, case and digits folded, at least `near_duplicate_similarity`, default 0.85; MinHash LSH, "
     "sub-quadratic); reported as groups",
     "merge the records, or make the signatures tell the errors apart"},
    {"E404", "duplicate-id", L::error, S::error, false, "two records with the same id (the later ones are not linted)",
     "rename or remove one of them"},
    {"E501", "graph-dangling", L::error, S::error, false,
     "a transition-graph entry names an id that no linted record has",
     "fix the id, add the missing record, or remove the edge"},
    {"E502", "graph-self-loop", L::error, S::error, false, "a transition-graph entry names the record itself",
     "remove the edge"},
    {"W503", "graph-missing-reverse", L::warning, S::warning, true,
     "A `leads_to` B without B `preceded_by` A, or A `preceded_by` B without B `leads_to` A",
     "`lint --fix` adds the missing reverse edge to the other record's file"},
    {"I504", "graph-asymmetric-confusion", L::off, S::info, true,
     "A `frequently_confused_with` B without B `frequently_confused_with` A",
     "`lint --fix` adds the reverse edge (without a distinction text: write one)"},
    {"W601", "id-path-mismatch", L::warning, S::warning, false,
     "a .json/.yaml/.yml record whose path does not end in its id (`<dir>/<domain>/<slug>[/<env>].<ext>`); "
     ".jsonl files are exempt",
     "move the file or correct the id"},
    {"E602", "id-domain-mismatch", L::error, S::error, false, "the id's first segment differs from `domain`",
     "make the id start with the domain"},
    {"E701", "date-order", L::error, S::error, false,
     "dates out of order: first_seen <= last_confirmed <= last_updated must hold",
     "correct the dates"},
    {"E702", "date-future", L::error, S::error, false,
     "a date (first_seen, last_confirmed, last_updated, provenance dates, withdrawn.date) after the as-of date "
     "(today unless `--as-of`)",
     "correct the date"},
    {"W703", "stale", L::warning, S::warning, false,
     "last_confirmed more than `stale_days` (default 365) before the as-of date; withdrawn records are exempt",
     "confirm the record again (and update last_confirmed) or withdraw it"},
    {"W801", "verdict-resolvable-low-rate", L::warning, S::warning, false,
     "resolvable \"true\" with fix_success_rate below `resolvable_min_rate` (default 0.7)",
     "set resolvable to \"partial\" or correct the rate"},
    {"W802", "verdict-unresolvable-high-rate", L::warning, S::warning, false,
     "resolvable \"false\" with fix_success_rate of `unresolvable_max_rate` (default 0.2) or more",
     "set resolvable to \"partial\" or correct the rate"},
    {"W803", "verdict-low-evidence", L::warning, S::warning, false,
     "confidence above `evidence_confidence` (default 0.3) with evidence_count below `min_evidence` (default 3; a "
     "missing count is 0)",
     "lower the confidence or record the evidence"},
    {"E901", "url-scheme", L::error, S::error, false,
     "a URL (official_doc_url, provenance.url, dead_ends[]/workarounds[].sources[]) that is not http or https",
     "link the http(s) page"},
    {"E902", "url-malformed", L::error, S::error, false,
     "an http(s) URL that does not parse: missing `//` or host, bad port, whitespace or control characters, "
     "backslashes, a bad IP literal",
     "correct the URL"},
    {"E903", "url-private-host", L::error, S::error, false,
     "a URL whose host is not public: localhost, single-label names, .local/.internal/.home.arpa, loopback, "
     "private, shared, link-local, unspecified, multicast or reserved IPv4/IPv6 addresses (IPv4 in any form the "
     "WHATWG URL parser accepts: 127.1, 0x7f000001, 2130706433, 0177.0.0.1; IPv4-mapped/NAT64/6to4 IPv6)",
     "link a public page"},
    {"W904", "url-userinfo", L::warning, S::warning, false,
     "a URL with user info (`user@host`), which hides the real host from readers",
     "remove the user info"},
  };
  return table;
}

const Rule* find_rule(std::string_view code_or_name) {
  auto upper = [](std::string_view text) {
    std::string out(text);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
  };
  const std::string wanted = upper(code_or_name);
  for (const auto& rule : rules()) {
    if (rule.code == wanted || rule.name == code_or_name) return &rule;
  }
  return nullptr;
}

const char* level_name(Level level) {
  switch (level) {
  case Level::off: return "off";
  case Level::info: return "info";
  case Level::warning: return "warning";
  case Level::error: return "error";
  }
  return "off";
}

std::optional<Level> parse_level(std::string_view text) {
  if (text == "off" || text == "false") return Level::off;
  if (text == "info") return Level::info;
  if (text == "warning" || text == "warn") return Level::warning;
  if (text == "error") return Level::error;
  return std::nullopt;
}

Severity severity_of(Level level) {
  switch (level) {
  case Level::info: return Severity::info;
  case Level::warning: return Severity::warning;
  case Level::error:
  case Level::off: break;
  }
  return Severity::error;
}

} // namespace errkb::lint
