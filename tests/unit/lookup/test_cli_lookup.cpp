// `errkb search` and `errkb match` end to end: arguments, output formats, exit codes.
#include "support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using errkb::lookup::test::run_main;
using errkb::lookup::test::small_db_path;
using errkb::lookup::test::TempDir;
using errkb::lookup::test::write_file;

TEST_CASE("errkb search: text, json and jsonl", "[cli][search]") {
  const auto text = run_main({"search", "--db", small_db_path(), "port", "already", "allocated"});
  CHECK(text.code == 0);
  CHECK(text.err.empty());
  CHECK_THAT(text.out, Catch::StartsWith("1. docker/port-already-allocated  [docker/"));
  CHECK_THAT(text.out, Catch::Contains("**"));

  const auto json = run_main({"search", "--db", small_db_path(), "--format", "json", "EADDRINUSE"});
  CHECK(json.code == 0);
  const auto parsed = nlohmann::json::parse(json.out);
  CHECK(parsed["query"] == "EADDRINUSE");
  CHECK(parsed["results"][0]["id"] == "node/eaddrinuse");

  const auto jsonl = run_main({"search", "--db", small_db_path(), "--format", "jsonl", "error"});
  CHECK(jsonl.code == 0);
  std::size_t lines = 0;
  std::istringstream in(jsonl.out);
  for (std::string line; std::getline(in, line); ++lines) CHECK(nlohmann::json::parse(line).contains("id"));
  CHECK(lines >= 2);
}

TEST_CASE("errkb search: nothing found, bad input, bad syntax", "[cli][search]") {
  const auto none = run_main({"search", "--db", small_db_path(), "zzzqqqxxx"});
  CHECK(none.code == 1);
  CHECK(none.out.empty());
  CHECK(none.err == "errkb: no record matches \"zzzqqqxxx\"\n");

  const auto empty = run_main({"search", "--db", small_db_path(), ""});
  CHECK(empty.code == 2);
  CHECK_THAT(empty.err, Catch::StartsWith("errkb: error: nothing to search for"));

  const auto raw = run_main({"search", "--db", small_db_path(), "--raw", "a AND"});
  CHECK(raw.code == 2);
  CHECK_THAT(raw.err, Catch::StartsWith("errkb: error: invalid FTS5 query"));
  CHECK_THAT(raw.err, !Catch::Contains("SQLite"));

  for (const char* query : {"multi-agent", "port:8080", "E0001.", "\"abc", "a AND", "NOT x"}) {
    INFO(query);
    const auto run = run_main({"search", "--db", small_db_path(), "--", query});
    CHECK((run.code == 0 || run.code == 1));
    CHECK_THAT(run.err, !Catch::Contains("error:"));
  }

  const auto missing = run_main({"search", "--db", "/nonexistent/x.db", "word"});
  CHECK(missing.code == 1);
  CHECK_THAT(missing.err, Catch::Contains("run `errkb ingest` first"));

  CHECK(run_main({"search", "--db", small_db_path(), "--limit", "0", "x"}).code == 2);
  CHECK(run_main({"search", "--db", small_db_path(), "--tier", "bogus", "x"}).code == 2);
}

TEST_CASE("errkb match FILE: json contract and exit codes", "[cli][match]") {
  TempDir dir;
  const auto log = dir.path() / "build.log";
  write_file(log, "   Compiling app v0.1.0\n"
                  "error[E0499]: cannot borrow `v` as mutable more than once at a time\n"
                  "Error: listen EADDRINUSE: address already in use :::3000\n");
  const auto json = run_main({"match", "--db", small_db_path(), "--format", "json", log.string()});
  CHECK(json.code == 0);
  const auto parsed = nlohmann::json::parse(json.out);
  REQUIRE(parsed["results"].size() == 2);
  for (const auto& r : parsed["results"]) CHECK(r["via"] == "regex");

  const auto limited = run_main({"match", "--db", small_db_path(), "--format", "json", "--limit", "1", log.string()});
  CHECK(nlohmann::json::parse(limited.out)["results"].size() == 1);

  const auto text = run_main({"match", "--db", small_db_path(), log.string()});
  CHECK(text.code == 0);
  CHECK_THAT(text.out, Catch::Contains("line 2"));
  CHECK_THAT(text.out, Catch::Contains("matched: error[E0499]: cannot borrow `v` as mutable more than once at a time"));

  const auto nothing = dir.path() / "nothing.log";
  write_file(nothing, "all good\n");
  const auto none = run_main({"match", "--db", small_db_path(), "--no-fallback", nothing.string()});
  CHECK(none.code == 1);
  CHECK(none.err == "errkb: no known error found\n");

  const auto unreadable = run_main({"match", "--db", small_db_path(), (dir.path() / "missing.log").string()});
  CHECK(unreadable.code == 1);
  CHECK_THAT(unreadable.err, Catch::StartsWith("errkb: error: cannot read"));
}

TEST_CASE("errkb match - reads standard input", "[cli][match]") {
  TempDir dir;
  const auto input = dir.path() / "in.txt";
  write_file(input, "ModuleNotFoundError: No module named 'yaml'\n");
  const std::string command = std::string(ERRKB_BINARY) + " match --db '" + small_db_path() +
                              "' --format json - < '" + input.string() + "' > '" + (dir.path() / "out.json").string() +
                              "'";
  REQUIRE(std::system(command.c_str()) == 0);
  const auto parsed = nlohmann::json::parse(errkb::lookup::test::read_file(dir.path() / "out.json"));
  CHECK(parsed["results"][0]["id"] == "python/module-not-found");
}

TEST_CASE("errkb help lists search and match", "[cli]") {
  const auto help = run_main({"--help"});
  CHECK_THAT(help.out, Catch::Contains("search"));
  CHECK_THAT(help.out, Catch::Contains("match"));
  CHECK(run_main({"match", "--help"}).code == 0);
  CHECK(run_main({"search", "--help"}).code == 0);
}

// Non-ASCII corpus regexes end to end: Hangul, Chinese and accented Latin text,
// the accented input in capitals (RE2 folds case in UTF-8, not only in ASCII).
TEST_CASE("errkb match: non-ASCII corpus regexes, case-insensitive", "[cli][match][corpus]") {
  struct Case {
    const char* input;
    const char* id;
    const char* matched;
  };
  const Case cases[] = {
    {"은행 창구: 외국인등록증이 없으면 계좌를 만들 수 없습니다", "banking/alien-registration-required/kr",
     "외국인등록증이 없으면 계좌"},
    {"同事说送钟不吉利", "culture/clock-gift-funeral-homophone/cn", "送钟"},
    {"Bank teller: CARNÉ DE EXTRANJERÍA required to open the account", "banking/foreigner-account-opening/pe",
     "CARNÉ DE EXTRANJERÍA"},
    {"ALLEMANSRÄTTEN lets you camp one night", "culture/allemansratten-public-access/se", "ALLEMANSRÄTTEN"},
  };
  TempDir dir;
  for (const Case& c : cases) {
    INFO(c.input);
    const auto input = dir.path() / "message.txt";
    write_file(input, std::string(c.input) + "\n");
    const auto run =
      run_main({"match", "--db", errkb::lookup::test::corpus_db_path(), "--format", "json", input.string()});
    REQUIRE(run.code == 0);
    const auto parsed = nlohmann::json::parse(run.out);
    REQUIRE(!parsed["results"].empty());
    const auto& top = parsed["results"][0];
    CHECK(top["id"] == c.id);
    CHECK(top["via"] == "regex");
    CHECK(top["line"] == 1);
    CHECK(top["matched"] == c.matched);
  }
}
