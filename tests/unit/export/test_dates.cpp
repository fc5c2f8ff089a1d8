// errkb::bundle dates and the reference date (export/dates.hpp).
#include "export/dates.hpp"
#include "schema/error.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <optional>
#include <string>

using namespace errkb::bundle;

namespace {

// Sets SOURCE_DATE_EPOCH for the scope of a test, restoring it afterwards.
class EpochVariable {
public:
  explicit EpochVariable(const char* value) {
    if (const char* old = std::getenv("SOURCE_DATE_EPOCH")) m_old = old;
    if (value != nullptr)
      ::setenv("SOURCE_DATE_EPOCH", value, 1);
    else
      ::unsetenv("SOURCE_DATE_EPOCH");
  }
  ~EpochVariable() {
    if (m_old)
      ::setenv("SOURCE_DATE_EPOCH", m_old->c_str(), 1);
    else
      ::unsetenv("SOURCE_DATE_EPOCH");
  }
  EpochVariable(const EpochVariable&) = delete;
  EpochVariable& operator=(const EpochVariable&) = delete;

private:
  std::optional<std::string> m_old;
};

} // namespace

TEST_CASE("dates convert to days and back", "[dates]") {
  CHECK(days_from_date("1970-01-01") == 0);
  CHECK(days_from_date("2000-03-01") == 11017);
  CHECK(days_from_date("2024-02-29").has_value());
  CHECK_FALSE(days_from_date("2023-02-29").has_value());
  CHECK_FALSE(days_from_date("2024-1-01").has_value());
  for (std::int64_t days = -800; days < 30000; days += 7) CHECK(days_from_date(date_from_days(days)) == days);
  CHECK(*days_from_date("2026-11-01") - *days_from_date("2026-05-02") == 183);
}

TEST_CASE("--as-of wins over SOURCE_DATE_EPOCH, which wins over the clock", "[dates]") {
  EpochVariable epoch("1700000000");
  auto option = resolve_as_of("2026-01-31", ClockUse::forbidden);
  REQUIRE(option);
  CHECK(option->date == "2026-01-31");
  CHECK(option->timestamp == "2026-01-31T00:00:00Z");
  CHECK(option->source == AsOfSource::option);

  auto from_epoch = resolve_as_of("", ClockUse::forbidden);
  REQUIRE(from_epoch);
  CHECK(from_epoch->date == "2023-11-14");
  CHECK(from_epoch->timestamp == "2023-11-14T22:13:20Z");
  CHECK(std::string(as_of_source_name(from_epoch->source)) == "SOURCE_DATE_EPOCH");

  CHECK_THROWS_AS(resolve_as_of("2026-02-30", ClockUse::allowed), errkb::UsageError);
}

TEST_CASE("without a date an export has none and stats use the clock", "[dates]") {
  EpochVariable epoch(nullptr);
  CHECK_FALSE(resolve_as_of("", ClockUse::forbidden).has_value());
  auto today = resolve_as_of("", ClockUse::allowed);
  REQUIRE(today);
  CHECK(today->source == AsOfSource::clock);
  CHECK(today->timestamp.empty());
}

TEST_CASE("a malformed SOURCE_DATE_EPOCH is a usage error", "[dates]") {
  for (const char* bad : {"yesterday", "-1", "12.5", "99999999999999999999"}) {
    EpochVariable epoch(bad);
    CHECK_THROWS_AS(resolve_as_of("", ClockUse::forbidden), errkb::UsageError);
  }
}
