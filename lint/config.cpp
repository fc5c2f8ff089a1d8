#include "lint/config.hpp"

#include "ingest/loader.hpp"
#include "schema/error.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace errkb::lint {
namespace {

using nlohmann::json;

std::string upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Rules named by `pattern`: a code, a name, "ALL", or a code prefix ("W", "E1").
std::vector<const Rule*> rules_named(const std::string& pattern) {
  std::vector<const Rule*> out;
  if (const Rule* rule = find_rule(pattern)) {
    out.push_back(rule);
    return out;
  }
  const std::string prefix = upper(pattern);
  for (const auto& rule : rules()) {
    if (prefix == "ALL" || (!prefix.empty() && rule.code.substr(0, prefix.size()) == prefix)) out.push_back(&rule);
  }
  return out;
}

template <typename T>
T number_in_range(const std::string& path, const std::string& key, const json& value, T low, T high) {
  const bool integral = std::is_integral_v<T>;
  if (!value.is_number() || (integral && !value.is_number_integer())) {
    throw UsageError(path + ": lint." + key + ": expected " + (integral ? "an integer" : "a number"));
  }
  const T number = value.get<T>();
  if (number < low || number > high) {
    throw UsageError(path + ": lint." + key + ": must be between " + json(low).dump() + " and " + json(high).dump());
  }
  return number;
}

} // namespace

Config::Config() {
  for (const auto& rule : rules()) m_levels.emplace(std::string(rule.code), rule.level);
}

Level Config::level(std::string_view code) const {
  auto it = m_levels.find(code);
  return it == m_levels.end() ? Level::off : it->second;
}

void Config::set_level(std::string_view code, Level level) {
  auto it = m_levels.find(code);
  if (it != m_levels.end()) it->second = level;
}

void Config::apply_file(const std::string& path) {
  ingest::LoadedFile file = ingest::load_file(path);
  if (!file.diagnostics.empty()) throw InputError(format_text(file.diagnostics.front()));
  if (file.records.size() != 1 || !file.records[0].value.is_object()) {
    throw UsageError(path + ": expected a mapping at the top level");
  }
  const json& root = file.records[0].value;
  auto section = root.find("lint");
  if (section == root.end() || section->is_null()) return;
  if (!section->is_object()) throw UsageError(path + ": lint: expected a mapping");

  for (const auto& [key, value] : section->items()) {
    if (key == "rules") {
      if (!value.is_object()) throw UsageError(path + ": lint.rules: expected a mapping of rule to level");
      for (const auto& [name, level_value] : value.items()) {
        const Rule* rule = find_rule(name);
        if (rule == nullptr) throw UsageError(path + ": lint.rules: unknown rule '" + name + "'");
        std::optional<Level> level;
        if (level_value.is_string()) level = parse_level(level_value.get<std::string>());
        if (level_value.is_boolean() && !level_value.get<bool>()) level = Level::off; // YAML `false`
        if (!level) {
          throw UsageError(path + ": lint.rules." + name + ": expected error, warning, info or off, got " +
                           level_value.dump());
        }
        set_level(rule->code, *level);
      }
    } else if (key == "stale_days") {
      thresholds.stale_days = number_in_range<int>(path, key, value, 0, 100'000);
    } else if (key == "broad_regex_min_errors") {
      thresholds.broad_regex_min_errors = number_in_range<int>(path, key, value, 1, 1'000'000);
    } else if (key == "near_duplicate_similarity") {
      thresholds.near_duplicate_similarity = number_in_range<double>(path, key, value, 0.05, 1.0);
    } else if (key == "resolvable_min_rate") {
      thresholds.resolvable_min_rate = number_in_range<double>(path, key, value, 0.0, 1.0);
    } else if (key == "unresolvable_max_rate") {
      thresholds.unresolvable_max_rate = number_in_range<double>(path, key, value, 0.0, 1.0);
    } else if (key == "evidence_confidence") {
      thresholds.evidence_confidence = number_in_range<double>(path, key, value, 0.0, 1.0);
    } else if (key == "min_evidence") {
      thresholds.min_evidence = number_in_range<int>(path, key, value, 0, 1'000'000);
    } else {
      throw UsageError(path + ": lint: unknown key '" + key + "'");
    }
  }
}

void Config::apply_selection(const std::vector<std::string>& select, const std::vector<std::string>& ignore) {
  auto resolve = [](const std::string& option, const std::string& list_item) {
    auto named = rules_named(list_item);
    if (named.empty()) throw UsageError(option + ": unknown rule '" + list_item + "' (see `errkb lint --list-rules`)");
    return named;
  };
  if (!select.empty()) {
    std::map<std::string, Level, std::less<>> chosen;
    for (const auto& item : select) {
      for (const Rule* rule : resolve("--select", item)) {
        const Level current = level(rule->code);
        chosen[std::string(rule->code)] = current != Level::off ? current
                                          : rule->severity == Severity::error ? Level::error
                                          : rule->severity == Severity::warning ? Level::warning
                                                                                : Level::info;
      }
    }
    for (auto& [code, current] : m_levels) {
      auto it = chosen.find(code);
      current = it == chosen.end() ? Level::off : it->second;
    }
  }
  for (const auto& item : ignore) {
    for (const Rule* rule : resolve("--ignore", item)) set_level(rule->code, Level::off);
  }
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday);
  return text;
}

} // namespace errkb::lint
