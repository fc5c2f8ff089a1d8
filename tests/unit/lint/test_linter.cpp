// lint/linter.cpp: every rule on its fixture (tests/data/lint/rules/<CODE>/), its
// near miss (tests/data/lint/near-miss/<CODE>/), the clean fixture, and the regex
// helpers.
#include "helpers.hpp"
#include "lint/linter.hpp"
#include "lint/rules.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <set>

using namespace errkb;

namespace {

lint::LintOptions all_rules() {
  lint::LintOptions options;
  options.config.apply_selection({"ALL"}, {});
  options.config.as_of = "2026-06-01";
  return options;
}

std::set<std::string> codes(const lint::LintReport& report) {
  std::set<std::string> out;
  for (const auto& d : report.diagnostics) out.insert(d.code);
  return out;
}

std::string listing(const lint::LintReport& report) {
  std::string out;
  for (const auto& d : report.diagnostics) out += d.file + ":" + std::to_string(d.line) + ": " + d.code + " " + d.pointer + ": " + d.message + "\n";
  return out;
}

} // namespace

TEST_CASE("the clean fixture has no findings under every rule", "[lint]") {
  const auto report = lint::lint_paths({lint_test::data("lint/clean")}, all_rules());
  INFO(listing(report));
  CHECK(report.files == 3);
  CHECK(report.linted_records == 3);
  CHECK(report.diagnostics.empty());
}

TEST_CASE("each rule fires on its fixture and nothing else does", "[lint]") {
  for (const auto& rule : lint::rules()) {
    const std::string code(rule.code);
    DYNAMIC_SECTION(code << " " << rule.name) {
      const auto report = lint::lint_paths({lint_test::data("lint/rules/" + code)}, all_rules());
      INFO(listing(report));
      CHECK(report.linted_records > 0);
      CHECK(codes(report) == std::set<std::string>{code});
    }
  }
}

// Near misses: records on the quiet side of a rule's edge (a threshold value itself,
// equal dates, a case-only difference, environment variants of one error, hosts just
// outside private ranges...). Every rule with such an edge has a folder, and no rule
// fires on any of them.
TEST_CASE("each near-miss fixture triggers nothing", "[lint]") {
  const std::set<std::string> expected{"E101", "E102", "E103", "W104", "W301", "E302", "W401", "W402", "W403", "E404",
                                       "E501", "E502", "W503", "I504", "E701", "E702", "W703", "W801", "W802", "W803",
                                       "E901", "E902", "E903", "W904"};
  std::set<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(lint_test::data("lint/near-miss")))
    found.insert(entry.path().filename().string());
  CHECK(found == expected);
  for (const std::string& code : found) {
    DYNAMIC_SECTION(code) {
      REQUIRE(lint::find_rule(code) != nullptr);
      const auto report = lint::lint_paths({lint_test::data("lint/near-miss/" + code)}, all_rules());
      INFO(listing(report));
      CHECK(report.linted_records > 0);
      CHECK(report.diagnostics.empty());
    }
  }
}

TEST_CASE("near misses sit at the edge: moving the threshold past them makes the rule fire", "[lint]") {
  struct Nudge {
    const char* code;
    std::function<void(lint::Config&)> nudge;
    std::size_t findings;
  };
  const Nudge nudges[] = {
    {"W104", [](lint::Config& c) { c.thresholds.broad_regex_min_errors = 4; }, 1}, // 4 other errors (5 records)
    {"W403", [](lint::Config& c) { c.thresholds.near_duplicate_similarity = 0.84; }, 2}, // Jaccard 0.843
    {"W703", [](lint::Config& c) { c.thresholds.stale_days = 364; }, 1},          // confirmed 365 days ago
    {"E702", [](lint::Config& c) { c.as_of = "2026-05-31"; }, 5},                  // all five dates are the as-of date
    {"W801", [](lint::Config& c) { c.thresholds.resolvable_min_rate = 0.71; }, 1}, // rate 0.7
    {"W802", [](lint::Config& c) { c.thresholds.unresolvable_max_rate = 0.19; }, 1}, // rate 0.19
    {"W803", [](lint::Config& c) { c.thresholds.evidence_confidence = 0.29; }, 1}, // confidence 0.3, no evidence
    {"W803", [](lint::Config& c) { c.thresholds.min_evidence = 4; }, 1},           // 3 pieces (the other: confidence 0.3)
  };
  for (const auto& n : nudges) {
    auto options = all_rules();
    n.nudge(options.config);
    const auto report = lint::lint_paths({lint_test::data(std::string("lint/near-miss/") + n.code)}, options);
    INFO(n.code << "\n" << listing(report));
    CHECK(codes(report) == std::set<std::string>{n.code});
    CHECK(report.diagnostics.size() == n.findings);
  }
}

TEST_CASE("findings carry file, line, pointer and message", "[lint]") {
  const auto report = lint::lint_paths({lint_test::data("lint/rules/E201")}, all_rules());
  REQUIRE(report.diagnostics.size() == 1);
  const auto& d = report.diagnostics[0];
  CHECK(d.file == lint_test::data("lint/rules/E201/demo/empty-action.json"));
  CHECK(d.line == 10);
  CHECK(d.pointer == "/dead_ends/0/action");
  CHECK(d.message == "text is empty");
  CHECK(d.severity == Severity::error);
}

TEST_CASE("group rules name the other members and count groups", "[lint]") {
  const auto report = lint::lint_paths({lint_test::data("lint/rules/W401")}, all_rules());
  REQUIRE(report.diagnostics.size() == 2);
  CHECK(report.diagnostics[0].message ==
        "same signature as 1 record of other errors (group of 2): demo/same-signature-two");
  CHECK(report.groups.at("W401") == 1);
}

TEST_CASE("regex-too-broad counts other errors against the threshold", "[lint]") {
  auto options = all_rules();
  auto report = lint::lint_paths({lint_test::data("lint/rules/W104")}, options);
  REQUIRE(report.diagnostics.size() == 1);
  CHECK(report.diagnostics[0].message ==
        "regex matches the signatures of 6 other errors, e.g. demo/alpha-error, demo/bravo-error, demo/charlie-error and 3 more");
  options.config.thresholds.broad_regex_min_errors = 7;
  report = lint::lint_paths({lint_test::data("lint/rules/W104")}, options);
  CHECK(report.diagnostics.empty());
}

TEST_CASE("default levels: off-by-default rules stay quiet, --ignore silences", "[lint]") {
  lint::LintOptions options;
  options.config.as_of = "2026-06-01";
  CHECK(lint::lint_paths({lint_test::data("lint/rules/I204")}, options).diagnostics.empty());
  CHECK(lint::lint_paths({lint_test::data("lint/rules/I504")}, options).diagnostics.empty());
  CHECK(lint::lint_paths({lint_test::data("lint/rules/W703")}, options).diagnostics.size() == 1);
  options.config.apply_selection({}, {"stale"});
  CHECK(lint::lint_paths({lint_test::data("lint/rules/W703")}, options).diagnostics.empty());
}

TEST_CASE("a configured level changes the severity, not the code", "[lint]") {
  auto options = all_rules();
  options.config.set_level("W703", lint::Level::error);
  const auto report = lint::lint_paths({lint_test::data("lint/rules/W703")}, options);
  REQUIRE(report.diagnostics.size() == 1);
  CHECK(report.diagnostics[0].code == "W703");
  CHECK(report.diagnostics[0].severity == Severity::error);
}

TEST_CASE("records that fail the schema are reported and not linted", "[lint]") {
  lint_test::ScratchDir dir;
  lint_test::write_text(dir / "demo/bad.json", R"({"id": "demo/bad", "signature": ""})");
  const auto report = lint::lint_paths({dir.path()}, all_rules());
  CHECK(report.records == 1);
  CHECK(report.linted_records == 0);
  REQUIRE_FALSE(report.diagnostics.empty());
  for (const auto& d : report.diagnostics) CHECK(d.code == "schema");
}

TEST_CASE("bare wildcards are recognised through anchors, flags and groups", "[lint]") {
  for (const char* p : {".*", ".+", "^.*$", "(?s).+", "(.*)", "(?:.*)", "^(?i)(.*?)$", "\\A.*\\z", "[\\s\\S]*", ".{0,}", ".*.*"})
    CHECK(lint::is_bare_wildcard(p));
  for (const char* p : {"a.*", ".*error", "\\.*", "(.*)x", "", "^$", "(a)(b)", "[.]*"}) CHECK_FALSE(lint::is_bare_wildcard(p));
}
