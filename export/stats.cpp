#include "export/stats.hpp"

#include "export/json_text.hpp"
#include "export/localize.hpp"
#include "schema/disjoint_sets.hpp"
#include "schema/record.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

namespace errkb::bundle {
namespace {

using nlohmann::json;

std::string text_of(const json& record, const char* key) {
  auto it = record.find(key);
  return (it != record.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

json rate_or_null(double sum, std::size_t count) {
  if (count == 0) return nullptr;
  return round_rate(sum / static_cast<double>(count));
}

json coverage_json(std::size_t translated, std::size_t fallback) {
  return {{"translated", translated},
          {"fallback", fallback},
          {"coverage", rate_or_null(static_cast<double>(translated), translated + fallback)}};
}

// Left-aligned label column, right-aligned value columns.
class Table {
public:
  explicit Table(std::vector<std::string> header, std::size_t label_columns = 1) : m_label_columns(label_columns) {
    m_rows.push_back(std::move(header));
  }
  void add(std::vector<std::string> row) { m_rows.push_back(std::move(row)); }
  std::string str() const {
    std::vector<std::size_t> widths;
    for (const auto& row : m_rows) {
      if (widths.size() < row.size()) widths.resize(row.size(), 0);
      for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    std::string out;
    for (const auto& row : m_rows) {
      std::string line;
      for (std::size_t i = 0; i < row.size(); ++i) {
        const std::string padding(widths[i] - row[i].size(), ' ');
        if (i > 0) line += "   ";
        line += i < m_label_columns ? row[i] + padding : padding + row[i];
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
    return out;
  }

private:
  std::size_t m_label_columns;
  std::vector<std::vector<std::string>> m_rows;
};

std::string number(const json& value) {
  if (value.is_null()) return "-";
  return value.dump();
}

std::string percent(const json& value) {
  if (value.is_null()) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f%%", value.get<double>() * 100.0);
  return buffer;
}

std::string count_table(const char* title, const json& counts) {
  Table table({title, "records"});
  for (const auto& [name, count] : counts.items()) table.add({name, number(count)});
  return table.str();
}

} // namespace

struct StatsBuilder::Impl {
  // Records that have `<field>_<locale>` keys of one locale (not their base locale).
  struct Coverage {
    std::size_t records = 0;
    std::map<std::string, std::size_t> statuses;
    std::array<std::size_t, 4> translated{};
  };
  struct Edge {
    std::size_t from;
    std::string target;
  };

  std::size_t records = 0;
  std::size_t withdrawn = 0;
  std::map<std::string, std::size_t> domains, categories, tiers, resolvable;
  double confidence = 0;
  double fix_success_rate = 0;
  std::map<std::int64_t, std::size_t> confirmed; // days since 1970 -> records
  std::size_t undated = 0;
  std::string newest;
  std::map<std::string, std::size_t> by_base;                   // records per base locale
  std::map<std::string, std::array<std::size_t, 4>> base_units; // text units per base locale and field
  std::map<std::string, Coverage> coverage;                     // per translation locale
  std::vector<std::string> ids;
  std::map<std::string, std::size_t> edges_by_kind{
      {"leads_to", 0}, {"preceded_by", 0}, {"frequently_confused_with", 0}};
  std::vector<Edge> edges;

  json translation() const;
  json graph() const;
};

namespace {

std::size_t field_index(std::string_view field) {
  const auto& fields = schema::translatable_fields();
  return static_cast<std::size_t>(std::find(fields.begin(), fields.end(), field) - fields.begin());
}

} // namespace

json StatsBuilder::Impl::translation() const {
  std::set<std::string> locales;
  for (const auto& [locale, count] : by_base) locales.insert(locale);
  for (const auto& [locale, entry] : coverage) locales.insert(locale);
  const auto& fields = schema::translatable_fields();
  json out = json::object();
  for (const auto& locale : locales) {
    static const Coverage k_none;
    auto found = coverage.find(locale);
    const Coverage& cov = found != coverage.end() ? found->second : k_none;
    auto status = [&](const char* name) {
      auto it = cov.statuses.find(name);
      return it != cov.statuses.end() ? it->second : std::size_t{0};
    };
    const std::size_t source = by_base.count(locale) ? by_base.at(locale) : 0;
    // Records without a key of this locale fall back entirely.
    const std::size_t untouched = records - source - cov.records;
    std::array<std::size_t, 4> total{};
    for (const auto& [base, units] : base_units) {
      if (base == locale) continue;
      for (std::size_t f = 0; f < total.size(); ++f) total[f] += units[f];
    }
    json field_json = json::object();
    std::size_t translated_all = 0, total_all = 0;
    for (std::size_t f = 0; f < fields.size(); ++f) {
      field_json[fields[f]] = coverage_json(cov.translated[f], total[f] - cov.translated[f]);
      translated_all += cov.translated[f];
      total_all += total[f];
    }
    out[locale] = {{"records",
                    {{"source", source},
                     {"translated", status("translated")},
                     {"partial", status("partial")},
                     {"fallback", status("fallback") + untouched}}},
                   {"units", coverage_json(translated_all, total_all - translated_all)},
                   {"fields", field_json}};
  }
  return out;
}

json StatsBuilder::Impl::graph() const {
  std::unordered_map<std::string_view, std::size_t> index;
  index.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) index.emplace(ids[i], i);
  std::size_t dangling = 0;
  std::vector<bool> linked(ids.size(), false);
  schema::DisjointSets components(ids.size());
  for (const auto& edge : edges) {
    auto target = index.find(edge.target);
    if (target == index.end()) {
      ++dangling;
      continue;
    }
    if (target->second == edge.from) continue; // a self-loop links a record to nothing else
    linked[edge.from] = linked[target->second] = true;
    components.unite(edge.from, target->second);
  }
  std::map<std::size_t, std::size_t> sizes;
  for (std::size_t i = 0; i < ids.size(); ++i) ++sizes[components.find(i)];
  std::size_t largest = 0;
  for (const auto& [root, size] : sizes) largest = std::max(largest, size);
  return {{"edges", edges_by_kind},
          {"edges_total", edges.size()},
          {"dangling_edges", dangling},
          {"orphans", static_cast<std::size_t>(std::count(linked.begin(), linked.end(), false))},
          {"components", sizes.size()},
          {"largest_component", largest}};
}

StatsBuilder::StatsBuilder() : m_impl(std::make_unique<Impl>()) {}
StatsBuilder::~StatsBuilder() = default;

void StatsBuilder::add(const json& record) {
  Impl& s = *m_impl;
  ++s.records;
  ++s.domains[text_of(record, "domain")];
  ++s.categories[text_of(record, "category")];
  ++s.tiers[text_of(record, "verification_tier")];
  ++s.resolvable[text_of(record, "resolvable")];
  s.withdrawn += record.contains("withdrawn");
  s.confidence += record.value("confidence", 0.0);
  s.fix_success_rate += record.value("fix_success_rate", 0.0);
  const std::string confirmed = text_of(record, "last_confirmed");
  if (auto days = days_from_date(confirmed)) {
    ++s.confirmed[*days];
    if (confirmed > s.newest) s.newest = confirmed;
  } else {
    ++s.undated;
  }

  const std::string base = schema::record_locale(record);
  ++s.by_base[base];
  auto& units = s.base_units[base];
  const auto counts = unit_counts(record);
  for (std::size_t f = 0; f < units.size(); ++f) units[f] += counts[f];
  std::set<std::string> locales;
  for (const auto& item : record.items()) {
    if (auto key = schema::parse_translation_key(item.key()); key && key->locale != base) locales.insert(key->locale);
  }
  for (const auto& locale : locales) {
    const auto record_units = text_units(record, locale);
    Impl::Coverage& cov = s.coverage[locale];
    ++cov.records;
    ++cov.statuses[status_name(status_of(record_units))];
    for (const auto& unit : record_units) cov.translated[field_index(unit.field)] += unit.translation != nullptr;
  }

  const std::size_t index = s.ids.size();
  s.ids.push_back(text_of(record, "id"));
  for (auto& edge : schema::graph_edges(record)) {
    ++s.edges_by_kind[edge.kind];
    s.edges.push_back({index, std::move(edge.target)});
  }
}

std::optional<AsOf> StatsBuilder::newest_record_date() const {
  if (m_impl->newest.empty()) return std::nullopt;
  return as_of_date(m_impl->newest, AsOfSource::newest_record);
}

json StatsBuilder::finish(const AsOf& as_of) const {
  const Impl& s = *m_impl;
  std::size_t fresh = 0, aging = 0, stale = s.undated;
  for (const auto& [days, count] : s.confirmed) {
    const std::int64_t age = as_of.days - days;
    if (age <= k_fresh_max_days)
      fresh += count;
    else if (age <= k_aging_max_days)
      aging += count;
    else
      stale += count;
  }
  return {{"as_of", as_of.date},
          {"as_of_source", as_of_source_name(as_of.source)},
          {"records", s.records},
          {"withdrawn", s.withdrawn},
          {"by_domain", s.domains},
          {"by_category", s.categories},
          {"by_verification_tier", s.tiers},
          {"by_resolvable", s.resolvable},
          {"average",
           {{"confidence", rate_or_null(s.confidence, s.records)},
            {"fix_success_rate", rate_or_null(s.fix_success_rate, s.records)}}},
          {"freshness",
           {{"fresh", fresh},
            {"aging", aging},
            {"stale", stale},
            {"fresh_max_days", k_fresh_max_days},
            {"aging_max_days", k_aging_max_days}}},
          {"translation", s.translation()},
          {"graph", s.graph()}};
}

json compute_stats(const std::vector<json>& records, const AsOf& as_of) {
  StatsBuilder builder;
  for (const auto& record : records) builder.add(record);
  return builder.finish(as_of);
}

json compute_stats(RecordSource& source, const std::optional<AsOf>& as_of) {
  StatsBuilder builder;
  std::vector<std::string> texts;
  std::vector<json> records;
  while (source.read(texts, 1024)) {
    parse_records(texts, records);
    for (const auto& record : records) builder.add(record);
    texts.clear();
  }
  return builder.finish(
      as_of ? *as_of : builder.newest_record_date().value_or(*as_of_date("1970-01-01", AsOfSource::newest_record)));
}

std::string format_stats_text(const json& stats) {
  std::string out;
  out += "errkb stats as of " + stats.at("as_of").get<std::string>() + " (" +
         stats.at("as_of_source").get<std::string>() + ")\n\n";
  Table summary({"records", number(stats.at("records"))});
  summary.add({"withdrawn", number(stats.at("withdrawn"))});
  summary.add({"average confidence", number(stats.at("average").at("confidence"))});
  summary.add({"average fix success rate", number(stats.at("average").at("fix_success_rate"))});
  out += summary.str() + "\n";
  out += count_table("domain", stats.at("by_domain")) + "\n";
  out += count_table("category", stats.at("by_category")) + "\n";
  out += count_table("verification tier", stats.at("by_verification_tier")) + "\n";
  out += count_table("resolvable", stats.at("by_resolvable")) + "\n";

  const json& freshness = stats.at("freshness");
  Table fresh({"freshness (last_confirmed)", "records"});
  fresh.add({"fresh (<= " + number(freshness.at("fresh_max_days")) + " days)", number(freshness.at("fresh"))});
  fresh.add({"aging (<= " + number(freshness.at("aging_max_days")) + " days)", number(freshness.at("aging"))});
  fresh.add({"stale (> " + number(freshness.at("aging_max_days")) + " days)", number(freshness.at("stale"))});
  out += fresh.str() + "\n";

  Table records({"locale", "source", "translated", "partial", "fallback"});
  Table units({"locale", "field", "translated", "fallback", "coverage"}, 2);
  for (const auto& [locale, entry] : stats.at("translation").items()) {
    const json& counts = entry.at("records");
    records.add({locale, number(counts.at("source")), number(counts.at("translated")), number(counts.at("partial")),
                 number(counts.at("fallback"))});
    for (const char* field : {"signature", "root_cause", "dead_ends", "workarounds"}) {
      const json& coverage = entry.at("fields").at(field);
      units.add({locale, field, number(coverage.at("translated")), number(coverage.at("fallback")),
                 percent(coverage.at("coverage"))});
    }
    const json& all = entry.at("units");
    units.add({locale, "all", number(all.at("translated")), number(all.at("fallback")), percent(all.at("coverage"))});
  }
  out += "translation: records by status\n" + records.str() + "\n";
  out += "translation: text units\n" + units.str() + "\n";

  const json& graph = stats.at("graph");
  Table graph_table({"graph", ""});
  for (const char* kind : {"leads_to", "preceded_by", "frequently_confused_with"})
    graph_table.add({std::string("edges ") + kind, number(graph.at("edges").at(kind))});
  graph_table.add({"edges total", number(graph.at("edges_total"))});
  graph_table.add({"dangling edges", number(graph.at("dangling_edges"))});
  graph_table.add({"orphan records", number(graph.at("orphans"))});
  graph_table.add({"connected components", number(graph.at("components"))});
  graph_table.add({"largest component", number(graph.at("largest_component"))});
  out += graph_table.str();
  return out;
}

} // namespace errkb::bundle
