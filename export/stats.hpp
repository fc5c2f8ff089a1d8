#pragma once
// Statistics of a set of records: what `errkb stats` prints and an export writes
// as stats.json (its shape is `definitions/stats` of schema/bundle.schema.json).
#include "export/dates.hpp"
#include "export/source.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace errkb::bundle {

// Freshness buckets by days since `last_confirmed`: fresh up to k_fresh_max_days,
// aging up to k_aging_max_days, stale beyond (a date after as_of counts as fresh).
inline constexpr int k_fresh_max_days = 180;
inline constexpr int k_aging_max_days = 365;

// Statistics gathered one record at a time (memory: the ids and graph edges,
// not the records).
class StatsBuilder {
public:
  StatsBuilder();
  ~StatsBuilder();
  StatsBuilder(const StatsBuilder&) = delete;
  StatsBuilder& operator=(const StatsBuilder&) = delete;

  // Counts `record` (schema-valid JSON).
  void add(const nlohmann::json& record);

  // The newest `last_confirmed` seen as an AsOf (source newest_record); nullopt before any record.
  std::optional<AsOf> newest_record_date() const;

  // The statistics of the records added, as of `as_of`: counts by domain,
  // category, verification tier and resolvable; average confidence and fix
  // success rate (4 decimals; null without records); freshness; translation
  // coverage for each locale present; graph figures. Withdrawn records count
  // everywhere (they are still records) and are counted apart too.
  nlohmann::json finish(const AsOf& as_of) const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The statistics of `records` (any order): StatsBuilder over them.
nlohmann::json compute_stats(const std::vector<nlohmann::json>& records, const AsOf& as_of);

// The statistics of every record of `source`, as of `as_of` (nullopt: as of the
// newest last_confirmed, or 1970-01-01 without records).
nlohmann::json compute_stats(RecordSource& source, const std::optional<AsOf>& as_of);

// `stats` (from compute_stats) as readable aligned tables, ending with a newline.
std::string format_stats_text(const nlohmann::json& stats);

} // namespace errkb::bundle
