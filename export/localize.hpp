#pragma once
// Localization of a record into one locale, field by field: a unit of text uses
// the `<field>_<locale>` translation when there is one that is not blank and not
// identical to its source text, and falls back to the record's base locale
// otherwise.
#include <nlohmann/json.hpp>

#include <array>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace errkb::bundle {

// How much of a record is in a locale: source (the locale is the record's base
// locale), translated (every unit), partial, fallback (no unit).
enum class Status { source, translated, partial, fallback };

// "source" / "translated" / "partial" / "fallback".
const char* status_name(Status status);

// One translatable piece of text: signature, root_cause, or one non-empty text
// field of one dead end or workaround (a translation item that is a plain string
// translates the item's `action`).
struct TextUnit {
  std::string_view field;                   // "signature", "root_cause", "dead_ends" or "workarounds"
  std::string pointer;                      // JSON pointer, e.g. "/dead_ends/0/why_fails"
  const std::string* source = nullptr;      // the base text, never empty
  const std::string* translation = nullptr; // the translation, or nullptr when the unit falls back
};

// The text units of `record` (schema-valid JSON) in `locale`, in document order;
// empty when `locale` is the record's base locale. Pointers into `record`.
std::vector<TextUnit> text_units(const nlohmann::json& record, std::string_view locale);

// The status of a record whose units in a non-base locale are `units`:
// translated when every unit is, partial when some are, else fallback.
Status status_of(const std::vector<TextUnit>& units);

// The number of text units of `record` per field, in the order of
// schema::translatable_fields() (signature, root_cause, dead_ends, workarounds):
// the same in every locale but the base one.
std::array<std::size_t, 4> unit_counts(const nlohmann::json& record);

// Adds to `locales` the base locale of `record` and the locale of each of its
// `<field>_<locale>` keys.
void collect_locales(const nlohmann::json& record, std::set<std::string>& locales);

// What localize_record found, for the index and the manifest.
struct Localized {
  Status status = Status::source;
  const std::string* signature = nullptr; // the localized signature (points into the record)
};

// Appends to `out` the record as one line of compact JSON in `locale` (no
// newline): keys in schema order without `locale` and translation keys, text
// localized, then `localization`. Deterministic: equal input gives equal bytes.
Localized localize_record(std::string& out, const nlohmann::json& record, const std::string& locale);

} // namespace errkb::bundle
