#include "schema/record.hpp"
#include "schema/search_regex.hpp"

#include <array>
#include <charconv>

extern const std::string_view errkb_record_schema_json;

namespace errkb::schema {
namespace {

bool is_lower_alpha(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// [a-z]{2,3}(-[a-z0-9]{2,8})*, the locale part of a translation key.
bool is_locale_tag(std::string_view tag) {
  std::size_t i = 0;
  while (i < tag.size() && is_lower_alpha(tag[i])) ++i;
  if (i < 2 || i > 3) return false;
  while (i < tag.size()) {
    if (tag[i] != '-') return false;
    std::size_t start = ++i;
    while (i < tag.size() && (is_lower_alpha(tag[i]) || is_digit(tag[i]))) ++i;
    if (i - start < 2 || i - start > 8) return false;
  }
  return true;
}

} // namespace

std::string_view record_schema_text() { return errkb_record_schema_json; }

const nlohmann::json& record_schema() {
  static const nlohmann::json schema = nlohmann::json::parse(errkb_record_schema_json);
  return schema;
}

const std::vector<std::string>& canonical_key_order() {
  static const std::vector<std::string> order = [] {
    std::vector<std::string> keys;
    auto ordered = nlohmann::ordered_json::parse(errkb_record_schema_json);
    for (const auto& item : ordered.at("properties").items()) keys.push_back(item.key());
    return keys;
  }();
  return order;
}

const std::vector<std::string>& translatable_fields() {
  static const std::vector<std::string> fields{"signature", "root_cause", "dead_ends", "workarounds"};
  return fields;
}

std::optional<TranslationKey> parse_translation_key(std::string_view key) {
  for (const auto& field : translatable_fields()) {
    if (key.size() > field.size() + 1 && key.substr(0, field.size()) == field && key[field.size()] == '_') {
      std::string_view locale = key.substr(field.size() + 1);
      if (is_locale_tag(locale)) return TranslationKey{field, std::string(locale)};
    }
  }
  return std::nullopt;
}

std::string record_locale(const nlohmann::json& record) {
  auto it = record.find("locale");
  if (it != record.end() && it->is_string()) return it->get<std::string>();
  return std::string(k_default_locale);
}

bool is_real_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  auto number = [&](std::size_t pos, std::size_t len, int& out) {
    for (std::size_t i = pos; i < pos + len; ++i)
      if (!is_digit(text[i])) return false;
    std::from_chars(text.data() + pos, text.data() + pos + len, out);
    return true;
  };
  int year = 0, month = 0, day = 0;
  if (!number(0, 4, year) || !number(5, 2, month) || !number(8, 2, day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr std::array<int, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int max_day = (month == 2 && leap) ? 29 : days[static_cast<std::size_t>(month - 1)];
  return day <= max_day;
}

RE2::Options regex_options() {
  RE2::Options options;
  options.set_case_sensitive(false);
  options.set_log_errors(false);
  options.set_encoding(RE2::Options::EncodingUTF8);
  options.set_max_mem(8 << 20);
  return options;
}

std::string regex_error(const std::string& pattern) { return SearchRegex(pattern, regex_options()).error(); }

std::vector<GraphEdge> graph_edges(const nlohmann::json& record) {
  std::vector<GraphEdge> edges;
  auto graph = record.find("transition_graph");
  if (graph == record.end() || !graph->is_object()) return edges;
  for (const char* kind : {"leads_to", "preceded_by", "frequently_confused_with"}) {
    auto list = graph->find(kind);
    if (list == graph->end() || !list->is_array()) continue;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto& entry = (*list)[i];
      std::string pointer = std::string("/transition_graph/") + kind + "/" + std::to_string(i);
      if (entry.is_string()) {
        edges.push_back({kind, entry.get<std::string>(), pointer});
      } else if (entry.is_object()) {
        auto target = entry.find("error_id");
        if (target != entry.end() && target->is_string())
          edges.push_back({kind, target->get<std::string>(), pointer + "/error_id"});
      }
    }
  }
  return edges;
}

} // namespace errkb::schema
