// Tests of `errkb import deadends` (cli/command_import.cpp) through run_main.
#include "ingest/loader.hpp"
#include "lint/format.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using errkb::test::run_main;
using errkb::test::TempDir;

namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

} // namespace

TEST_CASE("import deadends: summary on stdout, skipped files on stderr, exit 1", "[importer][cli]") {
  const TempDir out("cli");
  const std::string src = errkb::test::bad_fixtures_dir().string();
  const auto result = run_main({"import", "deadends", src, "--out", out.path().string()});
  CHECK(result.code == 1);
  CHECK(result.out == "converted: 3\n"
                      "written: 3\n"
                      "unchanged: 0\n"
                      "skipped: 10\n"
                      "dropped source fields (no place in errkb), occurrences:\n"
                      "  metadata.ai_agent_hits: 1\n"
                      "  metadata.human_hits: 1\n"
                      "  metadata.page_views: 1\n");
  const auto errors = lines(result.err);
  REQUIRE(errors.size() == 10);
  const std::string prefix = (errkb::test::bad_fixtures_dir() / "python").generic_string() + "/";
  CHECK(errors[4] == prefix + "missing-error/py311-linux.json: error: /error: missing (expected an object)");
  CHECK(errors[1] == prefix + "error-not-object_py311-linux.json: error: /error: expected an object, found string");
  CHECK(errors[3] ==
        prefix + "fail-rate-string/py311-linux.json: error: /dead_ends/1/fail_rate: expected a number, found string");
  CHECK_THAT(errors[8], Catch::StartsWith(prefix + "truncated-json/py311-linux.json:") &&
                          Catch::Contains(": error: invalid JSON: parse error at line"));
  CHECK(fs::is_regular_file(out.path() / "python" / "assertionerror" / "py311-linux.json"));

  const auto again = run_main({"import", "deadends", src, "--out", out.path().string()});
  CHECK(again.code == 1);
  CHECK_THAT(again.out, Catch::StartsWith("converted: 3\nwritten: 0\nunchanged: 3\nskipped: 10\n"));
}

TEST_CASE("import deadends --report json", "[importer][cli]") {
  const TempDir out("cli-json");
  const auto result = run_main({"import", "deadends", errkb::test::bad_fixtures_dir().string(), "--out",
                                out.path().string(), "--report", "json"});
  CHECK(result.code == 1);
  const auto report = nlohmann::json::parse(result.out);
  CHECK(report.at("converted") == 3);
  CHECK(report.at("skipped") == 10);
  CHECK(report.at("domains") == nlohmann::json{{"cuda", 1}, {"python", 2}});
  CHECK(report.at("dropped").at("metadata.page_views") == 1);
  CHECK(report.at("problems").size() == 10);
  CHECK(report.at("problems")[0].at("code") == "duplicate-id");
}

TEST_CASE("import deadends: a clean import exits 0", "[importer][cli]") {
  const TempDir src("cli-src");
  const TempDir out("cli-out");
  const fs::path fixture = errkb::test::bad_fixtures_dir() / "python" / "attributeerror-no-attribute";
  fs::create_directories(src.path() / "python" / "attributeerror-no-attribute");
  fs::copy_file(fixture / "py311-linux.json", src.path() / "python" / "attributeerror-no-attribute" / "py311-linux.json");
  const auto result = run_main({"import", "deadends", src.path().string(), "--out", out.path().string()});
  CHECK(result.code == 0);
  CHECK(result.err.empty());
  CHECK(result.out == "converted: 1\nwritten: 1\nunchanged: 0\nskipped: 0\ndropped source fields: none\n");
}

TEST_CASE("import deadends: usage errors", "[importer][cli]") {
  const TempDir out("cli-usage");
  const std::string src = errkb::test::bad_fixtures_dir().string();

  CHECK(run_main({"import", "deadends", src}).code == 2);                                   // no --out
  CHECK(run_main({"import", "deadends", "--out", out.path().string()}).code == 2);          // no SRC
  CHECK(run_main({"import", src, "--out", out.path().string()}).code == 2);                 // no subcommand
  CHECK(run_main({"import", "deadends", src, "--out", "x", "--format", "xml"}).code == 2);  // unknown format
  CHECK(run_main({"import", "deadends", src, "--out", "x", "--report", "yaml"}).code == 2); // unknown report

  const auto missing =
      run_main({"import", "deadends", (out.path() / "missing").string(), "--out", out.path().string()});
  CHECK(missing.code == 1);
  CHECK_THAT(missing.err, Catch::StartsWith("errkb: error: ") && Catch::Contains("not a directory"));
}

TEST_CASE("import deadends --help", "[importer][cli]") {
  const auto result = run_main({"import", "deadends", "--help"});
  CHECK(result.code == 0);
  CHECK_THAT(result.out, Catch::Contains("--out") && Catch::Contains("--format") && Catch::Contains("--report") &&
                           Catch::Contains("SRC"));
}

TEST_CASE("import deadends writes what errkb fmt would write", "[importer][cli]") {
  const TempDir out("cli-canonical");
  const std::string src = errkb::test::bad_fixtures_dir().string();
  CHECK(run_main({"import", "deadends", src, "--out", out.path().string()}).code == 1);
  const auto files = errkb::test::read_tree(out.path());
  REQUIRE(files.size() == 3);
  for (const auto& [path, bytes] : files) {
    INFO(path);
    CHECK(errkb::lint::render({nlohmann::json::parse(bytes)}, errkb::ingest::Format::json) == bytes);
  }
}

// Every canon of the corpus as YAML: each file reads back through errkb's loader as the
// same JSON as the JSON import.
TEST_CASE("import deadends --format yaml round-trips the whole corpus", "[importer][cli][corpus]") {
  const auto& json_import = errkb::test::corpus_import();
  REQUIRE(json_import.report.converted == 2522);
  const TempDir yaml_out("cli-corpus-yaml");
  const std::string src = errkb::test::corpus_dir().string();
  const auto yaml = run_main({"import", "deadends", src, "--out", yaml_out.path().string(), "--format", "yaml"});
  CHECK(yaml.err.empty());
  REQUIRE(yaml.code == 0);
  CHECK_THAT(yaml.out, Catch::StartsWith("converted: 2522\nwritten: 2522\n"));

  const auto json_files = errkb::test::read_tree(json_import.out.path());
  const auto yaml_files = errkb::test::read_tree(yaml_out.path());
  REQUIRE(json_files.size() == 2522);
  REQUIRE(yaml_files.size() == 2522);
  std::size_t mismatches = 0;
  for (const auto& [path, bytes] : json_files) {
    const std::string yaml_path = path.substr(0, path.size() - 5) + ".yaml";
    const auto it = yaml_files.find(yaml_path);
    REQUIRE(it != yaml_files.end());
    const auto loaded = errkb::ingest::load_bytes(yaml_path, errkb::ingest::Format::yaml, it->second);
    const bool same = loaded.diagnostics.empty() && loaded.records.size() == 1 &&
                      loaded.records[0].value == nlohmann::json::parse(bytes);
    if (!same && ++mismatches <= 5) FAIL_CHECK(yaml_path << " does not round-trip");
  }
  CHECK(mismatches == 0);

  const auto again = run_main({"import", "deadends", src, "--out", yaml_out.path().string(), "--format", "yaml"});
  CHECK_THAT(again.out, Catch::StartsWith("converted: 2522\nwritten: 0\nunchanged: 2522\n"));
}
