#pragma once
// Calendar dates and the reference date ("as of") of stats and exports. errkb
// reads the clock only where a command says so: an export's only timestamp comes
// from --as-of or SOURCE_DATE_EPOCH.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace errkb::bundle {

// Days since 1970-01-01 of `text` when it is a real YYYY-MM-DD date; nullopt otherwise.
std::optional<std::int64_t> days_from_date(std::string_view text);

// YYYY-MM-DD of `days` since 1970-01-01.
std::string date_from_days(std::int64_t days);

// Where a reference date came from; the names are those of stats.json's `as_of_source`.
enum class AsOfSource { option, source_date_epoch, clock, newest_record };
const char* as_of_source_name(AsOfSource source);

struct AsOf {
  std::int64_t days = 0; // days since 1970-01-01
  std::string date;      // YYYY-MM-DD
  std::string timestamp; // YYYY-MM-DDTHH:MM:SSZ ("" for AsOfSource::clock and newest_record)
  AsOfSource source = AsOfSource::option;
};

// Whether resolve_as_of may read the clock when neither source is given.
enum class ClockUse { allowed, forbidden };

// The reference date: `option` (YYYY-MM-DD) when not empty, else
// $SOURCE_DATE_EPOCH (seconds since the epoch, UTC) when set and not empty, else
// today's UTC date with ClockUse::allowed, else nullopt. Throws UsageError naming
// the problem when `option` is not a real date or SOURCE_DATE_EPOCH is not a
// non-negative integer.
std::optional<AsOf> resolve_as_of(const std::string& option, ClockUse clock);

// The AsOf of a YYYY-MM-DD `date` (nullopt when not a real date) with `source`.
std::optional<AsOf> as_of_date(std::string_view date, AsOfSource source);

} // namespace errkb::bundle
