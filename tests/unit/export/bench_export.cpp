// Timings of the export phases (not run by default: `test_export "[.bench]"`).
// ERRKB_BENCH_DB names the database to export (default: 2,522 generated records).
#include "export/exporter.hpp"
#include "export/stats.hpp"
#include "export/verify.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>

using namespace errkb::bundle;

namespace {

class Timer {
public:
  Timer() : m_wall(std::chrono::steady_clock::now()), m_cpu(std::clock()) {}
  void report(const std::string& what) {
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_wall).count();
    const double cpu = static_cast<double>(std::clock() - m_cpu) / CLOCKS_PER_SEC;
    std::cout << what << ": " << wall << " s wall, " << cpu << " s cpu\n";
    *this = Timer();
  }

private:
  std::chrono::steady_clock::time_point m_wall;
  std::clock_t m_cpu;
};

} // namespace

TEST_CASE("export phases", "[.bench]") {
  test::TempDir dir("bench");
  std::string db_path;
  if (const char* env = std::getenv("ERRKB_BENCH_DB")) {
    db_path = env;
  } else {
    db_path = dir.file("bench.db");
    Timer timer;
    test::store_records(db_path, test::generated_records(2522, {"zh"}));
    timer.report("store 2522 generated records");
  }
  const char* locales_env = std::getenv("ERRKB_BENCH_LOCALES");
  ExportOptions options;
  options.as_of = as_of_date("2026-11-01", AsOfSource::option);
  options.locales = parse_locale_list(locales_env != nullptr ? locales_env : "en,zh");
  const std::string out = std::getenv("ERRKB_BENCH_OUT") != nullptr ? std::getenv("ERRKB_BENCH_OUT") : dir.file("out");

  for (int run = 0; run < 3; ++run) {
    Timer timer;
    errkb::db::Database db(db_path, errkb::db::Access::read_only);
    DatabaseSource source(db);
    const auto summary = export_bundle(source, out, options);
    timer.report("export_bundle (" + std::to_string(summary.records) + " records)");
  }
  {
    Timer timer;
    errkb::db::Database db(db_path, errkb::db::Access::read_only);
    DatabaseSource source(db);
    compute_stats(source, options.as_of);
    timer.report("compute_stats");
  }
  Timer timer;
  CHECK(verify_bundle(out).problems.empty());
  timer.report("verify_bundle");
}
