#pragma once
// The record model: facts about the record schema shared by every module.
#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace errkb::schema {

// Version of the record schema and of the database layout built from it.
constexpr int k_schema_version = 1;

// Locale of a record that does not name one.
inline constexpr std::string_view k_default_locale = "en";

// The bytes of schema/record.schema.json, embedded at build time.
std::string_view record_schema_text();

// The parsed record schema.
const nlohmann::json& record_schema();

// Top-level keys in schema order: the canonical key order of a record file.
const std::vector<std::string>& canonical_key_order();

// Base fields that may carry `<field>_<locale>` translations.
const std::vector<std::string>& translatable_fields();

struct TranslationKey {
  std::string field;  // e.g. "root_cause"
  std::string locale; // e.g. "zh"
};

// Splits a translation key such as `root_cause_zh` or `workarounds_pt-br`;
// nullopt when `key` is not `<translatable field>_<locale>`.
std::optional<TranslationKey> parse_translation_key(std::string_view key);

// The record's base locale (`locale`, default "en").
std::string record_locale(const nlohmann::json& record);

// True when `text` is YYYY-MM-DD and names a real calendar date (2024-02-29 yes, 2023-02-29 no).
bool is_real_date(std::string_view text);

// RE2 options every record regex is compiled with: case-insensitive, UTF-8,
// bounded program memory, errors not logged to stderr.
RE2::Options regex_options();

// Empty when `pattern` compiles under regex_options(); otherwise RE2's error text.
std::string regex_error(const std::string& pattern);

// The ids a record's transition graph points to, with the edge kind
// ("leads_to", "preceded_by", "frequently_confused_with") and the entry's JSON pointer.
struct GraphEdge {
  std::string kind;
  std::string target;
  std::string pointer;
};
std::vector<GraphEdge> graph_edges(const nlohmann::json& record);

} // namespace errkb::schema
