// lookup/match: messages, logs, ranking, fallback and the prefilter.
#include "db/writer.hpp"
#include "lookup/evaluate.hpp"
#include "lookup/match.hpp"
#include "lookup/search.hpp"
#include "lookup/text.hpp"
#include "schema/error.hpp"
#include "support.hpp"

#include <SQLiteCpp/Statement.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <sstream>

using errkb::lookup::Details;
using errkb::lookup::Fallback;
using errkb::lookup::Matcher;
using errkb::lookup::MatchOptions;
using errkb::lookup::MatchResult;
using errkb::lookup::Via;
using errkb::lookup::test::corpus_db_path;
using errkb::lookup::test::small_db_path;

namespace {

std::vector<std::string> ids(const std::vector<MatchResult>& results) {
  std::vector<std::string> out;
  for (const auto& r : results) out.push_back(r.id);
  return out;
}

long long scalar(errkb::db::Database& db, const std::string& sql) {
  SQLite::Statement query(db.sql(), sql);
  query.executeStep();
  return query.getColumn(0).getInt64();
}

} // namespace

TEST_CASE("match: a single error message", "[match]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  Matcher matcher(db);
  const auto response = matcher.match("ModuleNotFoundError: No module named 'numpy'");
  REQUIRE(response.results.size() == 1);
  const MatchResult& r = response.results.front();
  CHECK(r.id == "python/module-not-found");
  CHECK(r.via == Via::regex);
  CHECK(r.line == 1);
  CHECK(r.matched == "ModuleNotFoundError: No module named 'numpy'");
  CHECK(r.score > 0.9);
  CHECK(r.domain == "python");
  CHECK(r.category == "import_error");
  CHECK(!r.signature.empty());
  CHECK(r.workarounds.is_array());
  CHECK(!r.workarounds.empty());
  CHECK(r.dead_ends.is_array());
  CHECK(!r.dead_ends.empty());
}

TEST_CASE("match: case-insensitive, inside a traceback with noise", "[match]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  const std::string log = "$ python manage.py runserver\n"
                          "Watching for file changes with StatReloader\n"
                          "Traceback (most recent call last):\n"
                          "  File \"/srv/app/manage.py\", line 22, in <module>\n"
                          "    import requests\n"
                          "modulenotfounderror: NO MODULE NAMED 'requests'\n"
                          "exit status 1\n";
  const auto response = errkb::lookup::match_text(db, log);
  REQUIRE(!response.results.empty());
  CHECK(response.results.front().id == "python/module-not-found");
  CHECK(response.results.front().line == 6);
  CHECK_FALSE(response.stats.log_mode);
  CHECK(response.stats.lines_read == 7);
}

TEST_CASE("match: every known error of a log, each with its line", "[match]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  const std::string log = "   Compiling app v0.1.0\n"
                          "error[E0499]: cannot borrow `v` as mutable more than once at a time\n"
                          "  --> src/main.rs:4:5\n"
                          "starting server\n"
                          "Error: listen EADDRINUSE: address already in use :::3000\n"
                          "    at Server.setupListenHandle [as _listen2] (node:net:1817:16)\n"
                          "ImportError: cannot import name 'soft_unicode' from 'markupsafe' (/usr/lib/x.py)\n";
  const auto response = errkb::lookup::match_text(db, log);
  REQUIRE(response.results.size() == 3);
  std::map<std::string, std::size_t> lines;
  for (const auto& r : response.results) {
    CHECK(r.via == Via::regex);
    lines[r.id] = r.line;
  }
  CHECK(lines == std::map<std::string, std::size_t>{{"node/eaddrinuse", 5},
                                                    {"python/import-error-cannot-import-name", 7},
                                                    {"rust/borrow-mutable-twice", 2}});
}

TEST_CASE("match: no regex matches: full-text suggestions, labelled and ranked low", "[match]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  const std::string message = "fatal: docker daemon refused to bind the port of the container";
  const auto response = errkb::lookup::match_text(db, message);
  for (const auto& r : response.results) {
    CHECK(r.via == Via::fts);
    CHECK(r.score < 0.5);
    CHECK(r.line == 1);
  }
  CHECK(!response.results.empty());
  CHECK(response.results.front().id == "docker/port-already-allocated");

  MatchOptions no_fallback;
  no_fallback.fallback = Fallback::none;
  CHECK(errkb::lookup::match_text(db, message, no_fallback).results.empty());
  CHECK(errkb::lookup::match_text(db, "", no_fallback).results.empty());
  CHECK(errkb::lookup::match_text(db, "").results.empty());
}

TEST_CASE("match: --limit and details", "[match]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  const std::string log = "error[E0499]: cannot borrow `v` as mutable more than once at a time\n"
                          "Error: listen EADDRINUSE: address already in use :::3000\n";
  MatchOptions options;
  options.limit = 1;
  CHECK(errkb::lookup::match_text(db, log, options).results.size() == 1);
  options.limit = 0;
  CHECK(errkb::lookup::match_text(db, log, options).results.empty());
  options.limit = 10;
  options.details = Details::without;
  for (const auto& r : errkb::lookup::match_text(db, log, options).results) {
    CHECK(r.workarounds.empty());
    CHECK(r.dead_ends.empty());
  }
}

TEST_CASE("match: a large log is streamed; its error lines are found and deduplicated", "[match]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  std::string log;
  std::size_t line = 0;
  auto add = [&](const std::string& text) {
    log += text + "\n";
    ++line;
  };
  for (int i = 0; i < 20000; ++i) add("2024-05-01T10:00:00Z INFO request " + std::to_string(i) + " served in 3 ms");
  add("2024-05-01T10:00:01Z Error: listen EADDRINUSE: address already in use :::3000");
  const std::size_t first = line;
  for (int i = 0; i < 20000; ++i) add("2024-05-01T10:00:02Z INFO request " + std::to_string(i) + " served in 4 ms");
  add("2024-05-01T10:00:03Z Error: listen EADDRINUSE: address already in use :::3000"); // the same error again
  for (int i = 0; i < 5; ++i) add("shutting down " + std::to_string(i));
  add("ModuleNotFoundError: No module named 'numpy'"); // in the tail, not an error-looking prefix needed
  const std::size_t last = line;
  REQUIRE(log.size() > errkb::lookup::k_message_bytes);

  std::istringstream in(log);
  const auto response = errkb::lookup::match_stream(db, in);
  CHECK(response.stats.log_mode);
  CHECK(response.stats.lines_read == line);
  CHECK(response.stats.lines_examined < 100);
  std::map<std::string, std::size_t> lines;
  for (const auto& r : response.results) lines[r.id] = r.line;
  CHECK(lines == std::map<std::string, std::size_t>{{"node/eaddrinuse", first}, {"python/module-not-found", last}});
}

TEST_CASE("match: an overlong line and input without a final newline", "[match]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  std::string log = std::string(200000, 'x') + "\nModuleNotFoundError: No module named 'six'";
  std::istringstream in(log);
  const auto response = errkb::lookup::match_stream(db, in);
  REQUIRE(!response.results.empty());
  CHECK(response.results.front().id == "python/module-not-found");
  CHECK(response.results.front().line == 2);
}

TEST_CASE("match: JSON contract", "[match]") {
  errkb::db::Database db(small_db_path(), errkb::db::Access::read_only);
  const auto json = errkb::lookup::to_json(errkb::lookup::match_text(db, "ModuleNotFoundError: No module named 'x'").results);
  std::vector<std::string> keys;
  for (const auto& item : json.items()) keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"results"});
  REQUIRE(json["results"].size() == 1);
  keys.clear();
  for (const auto& item : json["results"][0].items()) keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"id", "score", "via", "line", "matched", "signature", "domain", "category",
                                         "workarounds", "dead_ends"});
  CHECK(json["results"][0]["via"] == "regex");
  CHECK(json["results"][0]["line"] == 1);
  CHECK(json["results"][0]["workarounds"].is_array());
  CHECK(json["results"][0]["dead_ends"].is_array());
}

TEST_CASE("match: prefilter rows follow their records", "[match]") {
  errkb::lookup::test::TempDir dir;
  errkb::db::Database db(dir.file("x.db"), errkb::db::Access::read_write);
  REQUIRE(errkb::ingest::sync(db, {ERRKB_SOURCE_DIR "/records"}).added == 6);
  CHECK(scalar(db, "SELECT count(*) FROM match_regex") == 6);
  CHECK(scalar(db, "SELECT count(*) FROM match_regex WHERE filtered = 0") == 0);
  CHECK(scalar(db, "SELECT count(DISTINCT rid) FROM match_atoms") == 6);
  CHECK(scalar(db, "SELECT count(*) FROM match_atoms AS a JOIN records AS r USING (rid) "
                   "WHERE instr(lower(r.regex), substr(a.atom, 1, 3)) = 0 AND r.id = 'rust/borrow-mutable-twice'") ==
        0);
  {
    errkb::db::Writer writer(db);
    CHECK(writer.remove_record("python/module-not-found"));
    writer.commit();
  }
  CHECK(scalar(db, "SELECT count(*) FROM match_regex") == 5);
  CHECK(scalar(db, "SELECT count(DISTINCT rid) FROM match_atoms") == 5);
}

namespace {

// The ids `match` reports for `input` on `db`, checked to be the same through the
// in-process Matcher and the one-shot SQL lookup (what `errkb match` runs).
std::vector<MatchResult> ranked(const std::string& db_path, const std::string& input) {
  errkb::db::Database db(db_path, errkb::db::Access::read_only);
  MatchOptions options;
  options.fallback = Fallback::none;
  const auto in_process = Matcher(db).match(input, options).results;
  const auto one_shot = errkb::lookup::match_text(db, input, options).results;
  CHECK(ids(in_process) == ids(one_shot));
  for (const auto& r : one_shot) CHECK(r.via == Via::regex);
  return one_shot;
}

} // namespace

TEST_CASE("match ranking: an error line beats a mention, whatever the coverage", "[match][ranking]") {
  const std::string mention = "the frobnicator sync failed after 3 tries";
  const std::string error = "Error: quasar drift detected";
  errkb::lookup::LineClassifier classifier;
  REQUIRE(classifier.classify(mention) == errkb::lookup::LineKind::hint);
  REQUIRE(classifier.classify(error) == errkb::lookup::LineKind::error);

  errkb::lookup::test::TempDir dir;
  using errkb::lookup::test::minimal_record;
  const std::string db = errkb::lookup::test::database_of(
    dir, "kind",
    {minimal_record("testing/on-mention", "frobnicator sync failed", R"(frobnicator sync failed after \d+ tries)"),
     minimal_record("testing/on-error", "quasar drift", "quasar")});
  for (const std::string& input : {mention + "\n" + error + "\n", error + "\n" + mention + "\n"}) {
    INFO(input);
    const auto results = ranked(db, input);
    REQUIRE(ids(results) == std::vector<std::string>{"testing/on-error", "testing/on-mention"});
    CHECK(results[0].matched == "quasar");                                    // a sliver of its line
    CHECK(results[1].matched == "frobnicator sync failed after 3 tries");     // all of its line
    CHECK(results[0].score > results[1].score);
  }
}

TEST_CASE("match ranking: higher coverage of the error line beats lower", "[match][ranking]") {
  errkb::lookup::test::TempDir dir;
  using errkb::lookup::test::minimal_record;
  // Same signature and rates: only the coverage of the line differs.
  const std::string db = errkb::lookup::test::database_of(
    dir, "coverage",
    {minimal_record("testing/a-narrow", "Error: quasar drift detected", "quasar drift"),
     minimal_record("testing/b-wide", "Error: quasar drift detected", R"(quasar drift detected in module \w+)")});
  const auto results = ranked(db, "Error: quasar drift detected in module zeta\n");
  REQUIRE(ids(results) == std::vector<std::string>{"testing/b-wide", "testing/a-narrow"});
  CHECK(results[0].matched == "quasar drift detected in module zeta");
  CHECK(results[0].score > results[1].score);
  CHECK(results[0].line == results[1].line);
}

TEST_CASE("match ranking: confidence breaks a tie of line and coverage", "[match][ranking]") {
  errkb::lookup::test::TempDir dir;
  using errkb::lookup::test::minimal_record;
  // Same regex, signature and fix success rate; ids ordered against the expected ranking.
  const std::string db = errkb::lookup::test::database_of(
    dir, "confidence",
    {minimal_record("testing/a-less-confident", "Error: quasar drift detected", "quasar drift", 0.6, 0.8),
     minimal_record("testing/b-more-confident", "Error: quasar drift detected", "quasar drift", 0.95, 0.8)});
  const auto results = ranked(db, "Error: quasar drift detected\n");
  REQUIRE(ids(results) == std::vector<std::string>{"testing/b-more-confident", "testing/a-less-confident"});
  CHECK(results[0].score > results[1].score);
  CHECK(results[0].matched == results[1].matched);

  // Equal in everything: the id decides, so the order is stable.
  const std::string same = errkb::lookup::test::database_of(
    dir, "tie",
    {minimal_record("testing/b-twin", "Error: quasar drift detected", "quasar drift", 0.9, 0.8),
     minimal_record("testing/a-twin", "Error: quasar drift detected", "quasar drift", 0.9, 0.8)});
  const auto twins = ranked(same, "Error: quasar drift detected\n");
  CHECK(ids(twins) == std::vector<std::string>{"testing/a-twin", "testing/b-twin"});
  REQUIRE(twins.size() == 2);
  CHECK(twins[0].score == twins[1].score);
}

// ---------------------------------------------------------------------------
// On the imported deadends corpus (2,522 records) and tests/data/match_scenarios.json.

TEST_CASE("match: prefilter, one-shot SQL and naive scan agree on every scenario", "[match][corpus]") {
  errkb::db::Database db(corpus_db_path(), errkb::db::Access::read_only);
  const auto scenarios = errkb::lookup::load_scenarios(ERRKB_TEST_DATA "/match_scenarios.json");
  REQUIRE(scenarios.size() >= 60);
  Matcher matcher(db);
  errkb::lookup::NaiveScanner naive(db);
  MatchOptions options;
  options.limit = 1000;
  options.details = Details::without;
  for (const auto& scenario : scenarios) {
    INFO(scenario.name);
    const auto fast = matcher.match(scenario.input, options);
    const auto slow = naive.match(scenario.input, options);
    const auto sql = errkb::lookup::match_text(db, scenario.input, options);
    CHECK(ids(fast.results) == ids(slow.results));
    CHECK(ids(sql.results) == ids(slow.results));
    for (std::size_t i = 0; i < std::min(fast.results.size(), slow.results.size()); ++i) {
      CHECK(fast.results[i].line == slow.results[i].line);
      CHECK(fast.results[i].score == slow.results[i].score);
      CHECK(fast.results[i].matched == slow.results[i].matched);
    }
    CHECK(fast.stats.regex_runs < slow.stats.regex_runs);
  }
}

TEST_CASE("match: a message compiles only the regexes its keys select", "[match][corpus]") {
  errkb::db::Database db(corpus_db_path(), errkb::db::Access::read_only);
  Matcher matcher(db);
  CHECK(matcher.records() > 2500);
  CHECK(matcher.compiled() == 0); // loading compiles nothing
  const auto response = matcher.match("Traceback (most recent call last):\n"
                                      "  File \"/srv/app.py\", line 3, in <module>\n"
                                      "    import torch\n"
                                      "ModuleNotFoundError: No module named 'torch'\n");
  REQUIRE(!response.results.empty());
  CHECK(response.stats.candidates < matcher.records() / 20);
  CHECK(matcher.compiled() <= response.stats.candidates);
}

TEST_CASE("match: quality on the scenario set", "[match][corpus]") {
  errkb::db::Database db(corpus_db_path(), errkb::db::Access::read_only);
  const auto scenarios = errkb::lookup::load_scenarios(ERRKB_TEST_DATA "/match_scenarios.json");
  Matcher matcher(db);
  const auto evaluation =
    errkb::lookup::evaluate(scenarios, [&](std::string_view input) { return matcher.match(input).results; });
  for (const auto& outcome : evaluation.outcomes) {
    if (outcome.correct_at_1 && outcome.missing.empty() && outcome.via_ok) continue;
    std::string top;
    for (std::size_t i = 0; i < std::min<std::size_t>(3, outcome.top.size()); ++i) top += " " + outcome.top[i];
    WARN(outcome.name << ": first accepted at " << outcome.first_rank << ";" << top);
  }
  CHECK(evaluation.precision_at_1 >= 0.95);
  CHECK(evaluation.mrr >= 0.97);
  CHECK(evaluation.expect_all_met == evaluation.expect_all_scenarios);
  // Inputs no regex matches, answered by the full-text fallback.
  CHECK(evaluation.expect_via_scenarios >= 5);
  CHECK(evaluation.expect_via_met == evaluation.expect_via_scenarios);
}

TEST_CASE("match and search skip withdrawn records", "[match][search]") {
  errkb::lookup::test::TempDir dir;
  const auto records = dir.path() / "records";
  std::filesystem::create_directories(records);
  auto record = nlohmann::json::parse(errkb::lookup::test::read_file(ERRKB_SOURCE_DIR "/records/node/eaddrinuse.json"));
  record["withdrawn"] = {{"date", "2024-01-02"}, {"reason", "Merged into another record."}};
  errkb::lookup::test::write_file(records / "eaddrinuse.json", record.dump());
  std::filesystem::copy_file(ERRKB_SOURCE_DIR "/records/rust/borrow-mutable-twice.json",
                             records / "borrow-mutable-twice.json");
  errkb::db::Database db(dir.file("w.db"), errkb::db::Access::read_write);
  REQUIRE(errkb::ingest::sync(db, {records.string()}).added == 2);

  const std::string log = "Error: listen EADDRINUSE: address already in use :::3000\n"
                          "error[E0499]: cannot borrow `v` as mutable more than once at a time\n";
  MatchOptions options;
  options.fallback = Fallback::none;
  CHECK(ids(Matcher(db).match(log, options).results) == std::vector<std::string>{"rust/borrow-mutable-twice"});
  CHECK(ids(errkb::lookup::match_text(db, log, options).results) ==
        std::vector<std::string>{"rust/borrow-mutable-twice"});
  CHECK(errkb::lookup::search(db, "EADDRINUSE").results.empty());
}

TEST_CASE("match: a database from before the prefilter is upgraded and refilled", "[match]") {
  errkb::lookup::test::TempDir dir;
  const std::string path = dir.file("old.db");
  {
    errkb::db::Database db(path, errkb::db::Access::read_write);
    REQUIRE(errkb::ingest::sync(db, {ERRKB_SOURCE_DIR "/records"}).added == 6);
  }
  {
    // What migration level 1 left: no prefilter tables (level 2), the index of
    // records on `file` alone (level 3 replaced it).
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("DROP TABLE match_atoms; DROP TABLE match_regex; "
             "DROP INDEX IF EXISTS records_file_id; CREATE INDEX IF NOT EXISTS records_file ON records (file); "
             "UPDATE meta SET value = 1 WHERE key = 'migration_level'");
  }
  CHECK_THROWS_AS(errkb::db::Database(path, errkb::db::Access::read_only), errkb::StoreError);
  errkb::db::Database db(path, errkb::db::Access::read_write);
  CHECK(db.migration_level() == errkb::db::latest_migration_level());
  CHECK(db.migration_level() >= 2);
  // Until the next ingest every regex runs on every input: slower, never wrong.
  CHECK(scalar(db, "SELECT count(*) FROM match_regex WHERE filtered = 0") == 6);
  const std::string message = "ModuleNotFoundError: No module named 'numpy'";
  CHECK(ids(errkb::lookup::match_text(db, message).results) == std::vector<std::string>{"python/module-not-found"});

  const auto report = errkb::ingest::sync(db, {ERRKB_SOURCE_DIR "/records"});
  CHECK(report.updated == 6);
  CHECK(scalar(db, "SELECT count(*) FROM match_regex WHERE filtered = 0") == 0);
  CHECK(scalar(db, "SELECT count(DISTINCT rid) FROM match_atoms") == 6);
  CHECK(ids(errkb::lookup::match_text(db, message).results) == std::vector<std::string>{"python/module-not-found"});
}
