#include "export/dates.hpp"

#include "schema/error.hpp"
#include "schema/record.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace errkb::bundle {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

std::string two(unsigned value) {
  char buffer[3] = {static_cast<char>('0' + value / 10 % 10), static_cast<char>('0' + value % 10), '\0'};
  return buffer;
}

} // namespace

std::optional<std::int64_t> days_from_date(std::string_view text) {
  if (!schema::is_real_date(text)) return std::nullopt;
  int year = 0, month = 0, day = 0;
  std::from_chars(text.data(), text.data() + 4, year);
  std::from_chars(text.data() + 5, text.data() + 7, month);
  std::from_chars(text.data() + 8, text.data() + 10, day);
  return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

std::string date_from_days(std::int64_t days) {
  const Civil c = civil_from_days(days);
  char year[24];
  std::snprintf(year, sizeof year, "%04lld", static_cast<long long>(c.year));
  return std::string(year) + "-" + two(c.month) + "-" + two(c.day);
}

const char* as_of_source_name(AsOfSource source) {
  switch (source) {
  case AsOfSource::option:
    return "option";
  case AsOfSource::source_date_epoch:
    return "SOURCE_DATE_EPOCH";
  case AsOfSource::clock:
    return "clock";
  case AsOfSource::newest_record:
    return "newest-record";
  }
  return "option";
}

std::optional<AsOf> as_of_date(std::string_view date, AsOfSource source) {
  auto days = days_from_date(date);
  if (!days) return std::nullopt;
  AsOf as_of{*days, std::string(date), "", source};
  if (source == AsOfSource::option) as_of.timestamp = as_of.date + "T00:00:00Z";
  return as_of;
}

std::optional<AsOf> resolve_as_of(const std::string& option, ClockUse clock) {
  if (!option.empty()) {
    auto as_of = as_of_date(option, AsOfSource::option);
    if (!as_of) throw UsageError("--as-of: '" + option + "' is not a date (YYYY-MM-DD)");
    return as_of;
  }
  const char* epoch_text = std::getenv("SOURCE_DATE_EPOCH");
  if (epoch_text != nullptr && *epoch_text != '\0') {
    const std::string_view text(epoch_text);
    std::int64_t seconds = -1;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    // Bounded to year 9999 so the date keeps four digits.
    if (error != std::errc() || end != text.data() + text.size() || seconds < 0 || seconds > 253402300799)
      throw UsageError("SOURCE_DATE_EPOCH: '" + std::string(text) + "' is not a number of seconds since 1970-01-01");
    const std::int64_t days = seconds / 86400;
    const std::int64_t rest = seconds % 86400;
    AsOf as_of{days, date_from_days(days), "", AsOfSource::source_date_epoch};
    as_of.timestamp = as_of.date + "T" + two(static_cast<unsigned>(rest / 3600)) + ":" +
                      two(static_cast<unsigned>(rest / 60 % 60)) + ":" + two(static_cast<unsigned>(rest % 60)) + "Z";
    return as_of;
  }
  if (clock == ClockUse::forbidden) return std::nullopt;
  const std::int64_t days = static_cast<std::int64_t>(std::time(nullptr)) / 86400;
  return AsOf{days, date_from_days(days), "", AsOfSource::clock};
}

} // namespace errkb::bundle
