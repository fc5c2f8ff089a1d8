// The errkb binary end to end: `errkb export`, `errkb stats`, `errkb verify` and
// scripts/release.sh, run as processes (exit codes, stdout, stderr, files written).
#include "export/verify.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <ctime>

using namespace errkb::bundle;
using nlohmann::json;

namespace {

// 2026-11-01T00:00:00Z, the date of the golden bundle.
const std::string k_golden_epoch = "1793491200";

// Ingests records/ into DIR/errkb.db with the binary; returns the database's path.
std::string sample_database(const test::TempDir& dir) {
  const std::string db = dir.file("errkb.db");
  const auto ingest = test::run_errkb({"ingest", "--strict", "--db", db, ERRKB_SOURCE_DIR "/records"});
  INFO(ingest.err);
  REQUIRE(ingest.code == 0);
  return db;
}

std::uint64_t tree_bytes(const std::string& dir) {
  std::uint64_t bytes = 0;
  for (const auto& [path, content] : test::read_tree(dir)) bytes += content.size();
  return bytes;
}

std::string today_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
  return text;
}

// Checks that `dir` holds exactly the golden bundle, byte for byte.
void check_golden(const std::string& dir) { test::check_golden(test::read_tree(dir)); }

} // namespace

TEST_CASE("errkb export prints a summary and writes the golden bundle", "[cli][export]") {
  test::TempDir dir("cli-export");
  const std::string db = sample_database(dir);
  const std::string out = dir.file("bundle");

  const auto run = test::run_errkb({"export", "--db", db, "--out", out, "--as-of", "2026-11-01"});
  INFO(run.err);
  REQUIRE(run.code == 0);
  CHECK(run.err.empty());
  const auto files = test::read_tree(out);
  CHECK(run.out == out + ": 6 records (0 withdrawn) in 2 locales (en, zh), " + std::to_string(files.size()) +
                       " files, " + std::to_string(tree_bytes(out)) + " bytes\n");
  check_golden(out);

  // Again, over the existing bundle: the same bytes.
  const auto again = test::run_errkb({"export", "--db", db, "--out", out, "--as-of", "2026-11-01"});
  CHECK(again.code == 0);
  CHECK(again.out == run.out);
  check_golden(out);
  CHECK(test::entries_starting_with(dir.path(), ".bundle.").empty());
}

TEST_CASE("errkb export --locales picks locales; a bad list is a usage error", "[cli][export]") {
  test::TempDir dir("cli-locales");
  const std::string db = sample_database(dir);

  SECTION("--locales en,zh is the default set, so the golden bundle") {
    const auto run = test::run_errkb(
        {"export", "--db", db, "--out", dir.file("both"), "--locales", "zh,en", "--as-of", "2026-11-01"});
    INFO(run.err);
    REQUIRE(run.code == 0);
    CHECK(run.out.find("in 2 locales (en, zh)") != std::string::npos);
    check_golden(dir.file("both"));
  }
  SECTION("--locales en writes en only") {
    const auto run = test::run_errkb({"export", "--db", db, "--out", dir.file("en"), "--locales", "en"});
    INFO(run.err);
    REQUIRE(run.code == 0);
    CHECK(run.out.find("in 1 locale (en)") != std::string::npos);
    const auto files = test::read_tree(dir.file("en"));
    CHECK(files.count("en/records.jsonl") == 1);
    CHECK(files.count("zh/records.jsonl") == 0);
    CHECK(json::parse(files.at("manifest.json"))["locales"].size() == 1);
  }
  SECTION("a bad list: exit 2, the option named, nothing written") {
    for (const std::string bad : {"EN", "en,,zh", "en;zh", "zh_CN", ","}) {
      INFO("--locales '" << bad << "'");
      const auto run = test::run_errkb({"export", "--db", db, "--out", dir.file("bad"), "--locales", bad});
      CHECK(run.code == 2);
      CHECK(run.out.empty());
      CHECK(run.err.find("--locales") != std::string::npos);
      CHECK_FALSE(test::fs::exists(dir.file("bad")));
    }
  }
}

TEST_CASE("errkb export dates: --as-of, SOURCE_DATE_EPOCH, else no date and never today", "[cli][export][dates]") {
  test::TempDir dir("cli-dates");
  const std::string db = sample_database(dir);
  auto manifest_and_stats = [&](const std::string& out) {
    return std::pair{json::parse(test::read_file(out + "/manifest.json")),
                     json::parse(test::read_file(out + "/stats.json"))};
  };

  SECTION("--as-of") {
    REQUIRE(test::run_errkb({"export", "--db", db, "--out", dir.file("a"), "--as-of", "2027-01-15"}).code == 0);
    const auto [manifest, stats] = manifest_and_stats(dir.file("a"));
    CHECK(manifest["as_of"] == "2027-01-15");
    CHECK(manifest["generated_at"] == "2027-01-15T00:00:00Z");
    CHECK(stats["as_of"] == "2027-01-15");
    CHECK(stats["as_of_source"] == "option");
  }
  SECTION("--as-of wins over SOURCE_DATE_EPOCH") {
    REQUIRE(test::run_errkb({"export", "--db", db, "--out", dir.file("b"), "--as-of", "2027-01-15"},
                            {{"SOURCE_DATE_EPOCH", "1700000000"}})
                .code == 0);
    CHECK(manifest_and_stats(dir.file("b")).first["as_of"] == "2027-01-15");
  }
  SECTION("SOURCE_DATE_EPOCH alone: the golden bundle, dated by SOURCE_DATE_EPOCH") {
    const auto run =
        test::run_errkb({"export", "--db", db, "--out", dir.file("c")}, {{"SOURCE_DATE_EPOCH", k_golden_epoch}});
    REQUIRE(run.code == 0);
    test::check_golden_from_epoch(dir.file("c"));
    CHECK(test::run_errkb({"verify", dir.file("c")}).code == 0);
  }
  SECTION("neither: no timestamp, stats as of the newest last_confirmed") {
    REQUIRE(test::run_errkb({"export", "--db", db, "--out", dir.file("d")}).code == 0);
    const auto [manifest, stats] = manifest_and_stats(dir.file("d"));
    CHECK(manifest["as_of"].is_null());
    CHECK(manifest["generated_at"].is_null());
    CHECK(stats["as_of"] == "2026-10-03");
    CHECK(stats["as_of_source"] == "newest-record");
    CHECK(test::read_file(dir.file("d/stats.json")).find(today_utc()) == std::string::npos);
  }
  SECTION("a bad date: exit 2, nothing written") {
    for (const std::string bad : {"2026-02-30", "yesterday", "2026-1-5"}) {
      INFO("--as-of " << bad);
      const auto run = test::run_errkb({"export", "--db", db, "--out", dir.file("e"), "--as-of", bad});
      CHECK(run.code == 2);
      CHECK(run.err.find("--as-of") != std::string::npos);
      CHECK_FALSE(test::fs::exists(dir.file("e")));
    }
    const auto run = test::run_errkb({"export", "--db", db, "--out", dir.file("e")}, {{"SOURCE_DATE_EPOCH", "soon"}});
    CHECK(run.code == 2);
    CHECK(run.err.find("SOURCE_DATE_EPOCH") != std::string::npos);
    CHECK_FALSE(test::fs::exists(dir.file("e")));
  }
}

TEST_CASE("errkb stats --format json is the stats.json of an export of the same date", "[cli][stats]") {
  test::TempDir dir("cli-stats");
  const std::string db = sample_database(dir);
  for (const std::string date : {"2026-11-01", "2028-02-29"}) {
    INFO("--as-of " << date);
    const std::string out = dir.file("bundle-" + date);
    REQUIRE(test::run_errkb({"export", "--db", db, "--out", out, "--as-of", date}).code == 0);
    const auto stats = test::run_errkb({"stats", "--db", db, "--as-of", date, "--format", "json"});
    INFO(stats.err);
    REQUIRE(stats.code == 0);
    CHECK(stats.out == test::read_file(out + "/stats.json"));
  }
  // The same through SOURCE_DATE_EPOCH.
  const std::string out = dir.file("bundle-epoch");
  REQUIRE(test::run_errkb({"export", "--db", db, "--out", out}, {{"SOURCE_DATE_EPOCH", k_golden_epoch}}).code == 0);
  const auto stats =
      test::run_errkb({"stats", "--db", db, "--format", "json"}, {{"SOURCE_DATE_EPOCH", k_golden_epoch}});
  REQUIRE(stats.code == 0);
  CHECK(stats.out == test::read_file(out + "/stats.json"));
  CHECK(json::parse(stats.out)["as_of_source"] == "SOURCE_DATE_EPOCH");
}

TEST_CASE("errkb stats without a date is as of today, and says so", "[cli][stats][dates]") {
  test::TempDir dir("cli-stats-today");
  const std::string db = sample_database(dir);
  const std::string before = today_utc();
  const auto run = test::run_errkb({"stats", "--db", db, "--format", "json"});
  const std::string after = today_utc();
  REQUIRE(run.code == 0);
  const json stats = json::parse(run.out);
  CHECK(stats["as_of_source"] == "clock");
  CHECK((stats["as_of"] == before || stats["as_of"] == after));

  const auto text = test::run_errkb({"stats", "--db", db});
  REQUIRE(text.code == 0);
  CHECK(text.out.rfind("errkb stats as of ", 0) == 0);
  CHECK(text.out.find("(clock)") != std::string::npos);
}

TEST_CASE("errkb stats --format text is a table of the same figures", "[cli][stats]") {
  test::TempDir dir("cli-stats-text");
  const std::string db = sample_database(dir);
  const auto run = test::run_errkb({"stats", "--db", db, "--as-of", "2026-11-01", "--format", "text"});
  INFO(run.err);
  REQUIRE(run.code == 0);
  CHECK(run.out.rfind("errkb stats as of 2026-11-01 (option)\n", 0) == 0);
  for (const char* line :
       {"\nrecords                         6\n", "\npython              2\n",
        "\nfresh (<= 180 days)                4\n", "\nzh       all                   16         46     25.81%\n",
        "\nconnected components             4\n"}) {
    INFO(line);
    CHECK(run.out.find(line) != std::string::npos);
  }
  // The default format is text.
  CHECK(test::run_errkb({"stats", "--db", db, "--as-of", "2026-11-01"}).out == run.out);
  // A bad date or format is a usage error.
  CHECK(test::run_errkb({"stats", "--db", db, "--as-of", "2026-13-01"}).code == 2);
  CHECK(test::run_errkb({"stats", "--db", db, "--format", "yaml"}).code == 2);
}

TEST_CASE("--help of export and stats states which date each uses", "[cli][dates]") {
  const auto export_help = test::run_errkb({"export", "--help"});
  CHECK(export_help.code == 0);
  CHECK(export_help.out.find("SOURCE_DATE_EPOCH") != std::string::npos);
  CHECK(export_help.out.find("newest last_confirmed") != std::string::npos);
  CHECK(export_help.out.find("never today") != std::string::npos);
  const auto stats_help = test::run_errkb({"stats", "--help"});
  CHECK(stats_help.code == 0);
  CHECK(stats_help.out.find("SOURCE_DATE_EPOCH") != std::string::npos);
  CHECK(stats_help.out.find("today's UTC date") != std::string::npos);
  CHECK(stats_help.out.find("as_of_source") != std::string::npos);
}

TEST_CASE("errkb verify: exit 0 on a fresh bundle, 1 naming each problem", "[cli][verify]") {
  test::TempDir dir("cli-verify");
  const std::string db = sample_database(dir);
  const std::string out = dir.file("bundle");
  REQUIRE(test::run_errkb({"export", "--db", db, "--out", out, "--as-of", "2026-11-01"}).code == 0);

  const auto fresh = test::run_errkb({"verify", out});
  INFO(fresh.out << fresh.err);
  CHECK(fresh.code == 0);
  CHECK(fresh.out.empty());
  CHECK(fresh.err.find(": ok\n") != std::string::npos);
  const auto fresh_json = test::run_errkb({"verify", out, "--format", "json"});
  CHECK(fresh_json.code == 0);
  CHECK(json::parse(fresh_json.out)["valid"] == true);

  auto expect_problem = [&](const std::string& file, const std::string& words) {
    const auto run = test::run_errkb({"verify", out});
    INFO(run.out << run.err);
    CHECK(run.code == 1);
    CHECK(run.out.find(out + "/" + file + ": error: " + words) != std::string::npos);
    CHECK(run.err.find("problem") != std::string::npos);
    const auto as_json = test::run_errkb({"verify", out, "--format", "json"});
    CHECK(as_json.code == 1);
    const json report = json::parse(as_json.out);
    CHECK(report["valid"] == false);
    CHECK_FALSE(report["problems"].empty());
  };

  SECTION("a changed byte") {
    std::string bytes = test::read_file(out + "/zh/records.jsonl");
    const auto at = bytes.find("\"confidence\":");
    REQUIRE(at != std::string::npos);
    bytes[at + 1] = 'C'; // same size, still JSON
    test::write_file(out + "/zh/records.jsonl", bytes);
    expect_problem("zh/records.jsonl", "content changed");
  }
  SECTION("a missing file") {
    test::fs::remove(out + "/en/domains/rust.json");
    expect_problem("en/domains/rust.json", "missing");
  }
  SECTION("an extra file") {
    test::write_file(out + "/en/domains/extra.json", "{}\n");
    expect_problem("en/domains/extra.json", "is not listed in manifest.json");
  }
  SECTION("not a bundle: exit 1") {
    const auto run = test::run_errkb({"verify", dir.file("nothing-here")});
    CHECK(run.code == 1);
  }
}
