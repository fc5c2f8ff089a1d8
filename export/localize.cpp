#include "export/localize.hpp"

#include "export/json_text.hpp"
#include "schema/record.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_set>

namespace errkb::bundle {
namespace {

using nlohmann::json;

// Text fields of array items, in schema order.
constexpr std::array<std::string_view, 5> k_dead_end_fields{"action", "why_fails", "condition", "common_misconception",
                                                            "tradeoff"};
constexpr std::array<std::string_view, 4> k_workaround_fields{"action", "how", "condition", "tradeoff"};

const std::string* string_at(const json& object, const std::string& key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return (it != object.end() && it->is_string()) ? &it->get_ref<const std::string&>() : nullptr;
}

bool is_blank(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

// A translation counts only when it says something and differs from its source.
const std::string* usable(const std::string* translation, const std::string& source) {
  return (translation != nullptr && !is_blank(*translation) && *translation != source) ? translation : nullptr;
}

template <std::size_t N>
void item_units(std::vector<TextUnit>& units, const json& record, std::string_view field,
                const std::array<std::string_view, N>& subfields, std::string_view locale) {
  const std::string name(field);
  auto items = record.find(name);
  if (items == record.end() || !items->is_array()) return;
  auto translations = record.find(name + "_" + std::string(locale));
  const json* translated = (translations != record.end() && translations->is_array()) ? &*translations : nullptr;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const json& item = (*items)[i];
    const json* translated_item = (translated != nullptr && i < translated->size()) ? &(*translated)[i] : nullptr;
    for (std::string_view subfield : subfields) {
      const std::string key(subfield);
      const std::string* source = string_at(item, key);
      if (source == nullptr || is_blank(*source)) continue;
      const std::string* translation = nullptr;
      if (translated_item != nullptr) {
        if (translated_item->is_string() && subfield == "action")
          translation = &translated_item->get_ref<const std::string&>();
        else
          translation = string_at(*translated_item, key);
      }
      units.push_back({field, "/" + name + "/" + std::to_string(i) + "/" + key, source, usable(translation, *source)});
    }
  }
}

const std::unordered_set<std::string>& canonical_keys() {
  static const std::unordered_set<std::string> keys(schema::canonical_key_order().begin(),
                                                    schema::canonical_key_order().end());
  return keys;
}

void append_pointer_list(std::string& out, const std::vector<TextUnit>& units, bool translated) {
  out += '[';
  bool first = true;
  for (const auto& unit : units) {
    if ((unit.translation != nullptr) != translated) continue;
    if (!first) out += ',';
    first = false;
    append_json_string(out, unit.pointer);
  }
  out += ']';
}

} // namespace

const char* status_name(Status status) {
  switch (status) {
  case Status::source:
    return "source";
  case Status::translated:
    return "translated";
  case Status::partial:
    return "partial";
  case Status::fallback:
    return "fallback";
  }
  return "source";
}

std::vector<TextUnit> text_units(const json& record, std::string_view locale) {
  std::vector<TextUnit> units;
  if (schema::record_locale(record) == locale) return units;
  for (std::string_view field : {std::string_view("signature"), std::string_view("root_cause")}) {
    const std::string name(field);
    const std::string* source = string_at(record, name);
    if (source == nullptr || is_blank(*source)) continue;
    units.push_back({field, "/" + name, source, usable(string_at(record, name + "_" + std::string(locale)), *source)});
  }
  item_units(units, record, "dead_ends", k_dead_end_fields, locale);
  item_units(units, record, "workarounds", k_workaround_fields, locale);
  return units;
}

Status status_of(const std::vector<TextUnit>& units) {
  const auto translated = static_cast<std::size_t>(
      std::count_if(units.begin(), units.end(), [](const TextUnit& unit) { return unit.translation != nullptr; }));
  if (translated == 0) return Status::fallback;
  return translated == units.size() ? Status::translated : Status::partial;
}

std::array<std::size_t, 4> unit_counts(const json& record) {
  std::array<std::size_t, 4> counts{};
  for (std::size_t f = 0; f < 2; ++f) {
    const std::string* text = string_at(record, f == 0 ? "signature" : "root_cause");
    counts[f] = text != nullptr && !is_blank(*text);
  }
  auto count_items = [&](const char* field, const auto& subfields) {
    std::size_t count = 0;
    auto items = record.find(field);
    if (items == record.end() || !items->is_array()) return count;
    for (const auto& item : *items) {
      if (!item.is_object()) continue;
      for (std::string_view subfield : subfields) {
        auto text = item.find(subfield);
        count += text != item.end() && text->is_string() && !is_blank(text->template get_ref<const std::string&>());
      }
    }
    return count;
  };
  counts[2] = count_items("dead_ends", k_dead_end_fields);
  counts[3] = count_items("workarounds", k_workaround_fields);
  return counts;
}

void collect_locales(const json& record, std::set<std::string>& locales) {
  locales.insert(schema::record_locale(record));
  for (const auto& item : record.items()) {
    if (auto key = schema::parse_translation_key(item.key())) locales.insert(key->locale);
  }
}

Localized localize_record(std::string& out, const json& record, const std::string& locale) {
  const std::string base_locale = schema::record_locale(record);
  const std::vector<TextUnit> units = text_units(record, locale);
  Localized result;
  result.status = base_locale == locale ? Status::source : status_of(units);
  result.signature = string_at(record, "signature");

  // Translated copies of the arrays, made only when something in them is translated.
  const std::string* root_cause = string_at(record, "root_cause");
  std::optional<json> dead_ends, workarounds;
  for (const auto& unit : units) {
    if (unit.translation == nullptr) continue;
    if (unit.field == "signature") {
      result.signature = unit.translation;
    } else if (unit.field == "root_cause") {
      root_cause = unit.translation;
    } else {
      std::optional<json>& copy = unit.field == "dead_ends" ? dead_ends : workarounds;
      if (!copy) copy = record.at(std::string(unit.field));
      (*copy)[json::json_pointer(unit.pointer.substr(unit.field.size() + 1))] = *unit.translation;
    }
  }

  out += '{';
  bool first = true;
  auto key = [&](const std::string& name) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    out += ':';
  };
  for (const auto& name : schema::canonical_key_order()) {
    if (name == "locale") continue;
    auto it = record.find(name);
    if (it == record.end()) continue;
    key(name);
    if (name == "signature" && result.signature != nullptr)
      append_json_string(out, *result.signature);
    else if (name == "root_cause" && root_cause != nullptr)
      append_json_string(out, *root_cause);
    else if (name == "dead_ends" && dead_ends)
      append_json(out, *dead_ends);
    else if (name == "workarounds" && workarounds)
      append_json(out, *workarounds);
    else
      append_json(out, *it);
  }
  // Keys the record schema does not know cannot pass ingest; kept rather than
  // dropped should one appear, so that `errkb verify` reports it.
  for (const auto& item : record.items()) {
    if (canonical_keys().count(item.key()) == 0 && !schema::parse_translation_key(item.key())) {
      key(item.key());
      append_json(out, item.value());
    }
  }
  key("localization");
  out += "{\"locale\":";
  append_json_string(out, locale);
  out += ",\"base_locale\":";
  append_json_string(out, base_locale);
  out += ",\"status\":\"";
  out += status_name(result.status);
  out += "\",\"translated\":";
  append_pointer_list(out, units, true);
  out += ",\"fallback\":";
  append_pointer_list(out, units, false);
  out += "}}";
  return result;
}

} // namespace errkb::bundle
