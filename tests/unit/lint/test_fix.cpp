// lint/fix.cpp: `lint --fix` applies only safe fixes and reports each.
#include "helpers.hpp"
#include "ingest/loader.hpp"
#include "lint/fix.hpp"
#include "lint/linter.hpp"
#include "lint/text.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace errkb;
using nlohmann::json;

namespace {

lint::LintOptions fixing() {
  lint::LintOptions options;
  options.config.apply_selection({"ALL"}, {});
  options.config.as_of = "2026-06-01";
  options.collect_fixes = true;
  return options;
}

json record_at(const std::string& path) {
  auto file = ingest::load_file(path);
  REQUIRE(file.diagnostics.empty());
  REQUIRE(file.records.size() == 1);
  return file.records[0].value;
}

} // namespace

TEST_CASE("--fix adds the missing reverse edge to the other record's file", "[lint][fix]") {
  lint_test::ScratchDir dir;
  std::filesystem::copy(lint_test::data("lint/rules/W503"), dir.path(), std::filesystem::copy_options::recursive);
  auto report = lint::lint_paths({dir.path()}, fixing());
  REQUIRE(report.fixes.size() == 1);
  CHECK(report.fixes[0].file == dir / "demo/effect.json");
  const auto result = lint::apply_fixes(report.fixes, false);
  CHECK(result.applied == std::vector<std::string>{dir / "demo/effect.json" +
                                                   ": W503 fixed: /transition_graph/preceded_by: added 'demo/cause'"});
  CHECK(result.skipped.empty());
  CHECK(result.files == std::vector<std::string>{dir / "demo/effect.json"});
  CHECK(record_at(dir / "demo/effect.json")["transition_graph"]["preceded_by"] == json::parse(R"([{"error_id": "demo/cause"}])"));
  // The repaired set is clean, and a second run has nothing left to fix.
  report = lint::lint_paths({dir.path()}, fixing());
  CHECK(report.diagnostics.empty());
  CHECK(report.fixes.empty());
}

TEST_CASE("--fix adds reverse edges in the form the record uses", "[lint][fix]") {
  lint_test::ScratchDir dir;
  lint_test::write_text(dir / "demo/a.json", lint_test::read_file(lint_test::data("lint/rules/E502/demo/self-loop.json")));
  auto a = record_at(dir / "demo/a.json");
  a["id"] = "demo/a";
  a["transition_graph"] = json::parse(R"({"leads_to": ["demo/b"]})");
  lint_test::write_text(dir / "demo/a.json", a.dump(2));
  auto b = a;
  b["id"] = "demo/b";
  b["signature"] = "DemoError: a completely different failure of the second kind";
  b["regex"] = "completely different failure";
  b["transition_graph"] = json::parse(R"({"frequently_confused_with": ["demo/a"]})");
  lint_test::write_text(dir / "demo/b.json", b.dump(2));
  const auto report = lint::lint_paths({dir.path()}, fixing());
  const auto result = lint::apply_fixes(report.fixes, false);
  CHECK(result.applied.size() == 2); // b preceded_by a; a frequently_confused_with b
  CHECK(record_at(dir / "demo/b.json")["transition_graph"]["preceded_by"] == json::parse(R"(["demo/a"])"));
  CHECK(record_at(dir / "demo/a.json")["transition_graph"]["frequently_confused_with"] == json::parse(R"(["demo/b"])"));
}

TEST_CASE("--fix trims whitespace and rewrites the file canonically", "[lint][fix]") {
  lint_test::ScratchDir dir;
  std::filesystem::copy(lint_test::data("lint/rules/W202"), dir.path(), std::filesystem::copy_options::recursive);
  const std::string path = dir / "demo/untrimmed.json";
  const auto report = lint::lint_paths({dir.path()}, fixing());
  REQUIRE(report.fixes.size() == 1);
  const auto result = lint::apply_fixes(report.fixes, false);
  CHECK(result.applied == std::vector<std::string>{path + ": W202 fixed: /root_cause: trimmed whitespace"});
  CHECK(record_at(path)["root_cause"] == "The widget reads a configuration file that does not exist yet.");
  CHECK(lint::lint_paths({dir.path()}, fixing()).diagnostics.empty());
}

TEST_CASE("--fix leaves YAML files with comments alone unless forced", "[lint][fix]") {
  lint_test::ScratchDir dir;
  lint_test::write_text(dir / "demo/commented.yaml",
                        "# keep me\n" + lint_test::read_file(lint_test::data("lint/clean/demo/job-aborted.yaml")) +
                          "aliases: [\"padded alias  \"]\n");
  // The record's id does not match this path; only W202 matters here.
  auto options = fixing();
  options.config.apply_selection({"W202"}, {});
  auto report = lint::lint_paths({dir.path()}, options);
  REQUIRE(report.fixes.size() == 1);
  auto result = lint::apply_fixes(report.fixes, false);
  CHECK(result.applied.empty());
  CHECK(result.skipped == std::vector<std::string>{dir / "demo/commented.yaml" +
                                                   ": W202 not fixed: YAML file with comments, which a rewrite would "
                                                   "drop (use --force)"});
  result = lint::apply_fixes(report.fixes, true);
  CHECK(result.applied.size() == 1);
  CHECK(record_at(dir / "demo/commented.yaml")["aliases"] == json::parse(R"(["padded alias"])"));
}

TEST_CASE("trimming keeps the indentation of multi-line text", "[lint][fix]") {
  CHECK(lint::trimmed("  one line  ") == "one line");
  CHECK(lint::trimmed("\n\n    indented();\n    code();\n\n") == "    indented();\n    code();\n");
  CHECK(lint::trimmed("first\nsecond   ") == "first\nsecond");
  CHECK(lint::trimmed("line\n") == "line");
}

// The corpus case: the signature 'ERR unknown command ' is matched only by the regex
// branch `ERR\ unknown\ command\ `, trailing space included. Trimming it would turn
// a W202 warning into an E101 error, so --fix leaves it (and says so) while still
// trimming the record's other text.
TEST_CASE("--fix does not trim a signature its regex would no longer match", "[lint][fix]") {
  lint_test::ScratchDir dir;
  std::filesystem::copy(lint_test::data("lint/fix"), dir.path(), std::filesystem::copy_options::recursive);
  const std::string path = dir / "redis/json-module-missing/redis7-linux.json";
  const json original = record_at(path);
  REQUIRE(original["signature"] == "ERR unknown command ");

  auto report = lint::lint_paths({dir.path()}, fixing());
  REQUIRE(report.fixes.size() == 2);
  CHECK(report.fixes[0].pointer == "/root_cause");
  CHECK(report.fixes[0].unsafe.empty());
  CHECK(report.fixes[1].pointer == "/signature");
  CHECK(report.fixes[1].unsafe ==
        "trimming it would add E101 at /regex (regex does not match the record's own signature)");

  const auto result = lint::apply_fixes(report.fixes, false);
  CHECK(result.applied == std::vector<std::string>{path + ": W202 fixed: /root_cause: trimmed whitespace"});
  CHECK(result.skipped ==
        std::vector<std::string>{path + ": W202 not fixed: /signature: trimming it would add E101 at /regex (regex does "
                                        "not match the record's own signature)"});
  const json fixed = record_at(path);
  CHECK(fixed["signature"] == "ERR unknown command ");
  CHECK(fixed["root_cause"] == lint::trimmed(original["root_cause"].get<std::string>()));

  // No new error: only the signature's W202 is left, and it stays unfixable.
  report = lint::lint_paths({dir.path()}, fixing());
  REQUIRE(report.diagnostics.size() == 1);
  CHECK(report.diagnostics[0].code == "W202");
  CHECK(report.diagnostics[0].pointer == "/signature");
  REQUIRE(report.fixes.size() == 1);
  CHECK_FALSE(report.fixes[0].unsafe.empty());
  CHECK(lint::apply_fixes(report.fixes, false).applied.empty());
}

TEST_CASE("--fix trims a signature its regex still matches", "[lint][fix]") {
  lint_test::ScratchDir dir;
  std::filesystem::copy(lint_test::data("lint/fix"), dir.path(), std::filesystem::copy_options::recursive);
  const std::string path = dir / "redis/json-module-missing/redis7-linux.json";
  json record = record_at(path);
  record["regex"] = "ERR unknown command"; // no trailing space: matches the trimmed signature too
  lint_test::write_text(path, record.dump(2));

  auto report = lint::lint_paths({dir.path()}, fixing());
  REQUIRE(report.fixes.size() == 2);
  for (const auto& fix : report.fixes) CHECK(fix.unsafe.empty());
  const auto result = lint::apply_fixes(report.fixes, false);
  CHECK(result.applied.size() == 2);
  CHECK(result.skipped.empty());
  CHECK(record_at(path)["signature"] == "ERR unknown command");
  report = lint::lint_paths({dir.path()}, fixing());
  CHECK(report.diagnostics.empty());
}
