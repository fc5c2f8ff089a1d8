// `errkb lint` and `errkb fmt` end to end: one table row per case, checking the exit
// code and stdout (and stderr where given) byte for byte against reference files in
// tests/data/golden/lint/. ERRKB_UPDATE_GOLDEN=1 rewrites the references.
#include "helpers.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

namespace {

struct Case {
  const char* cwd;     // relative to tests/data
  const char* args;
  const char* stdout_; // reference file in tests/data/golden/lint/, "" for empty output
  int rc;
  const char* stderr_ = nullptr; // exact stderr when given
};

const Case k_cases[] = {
  {"golden/lint", "lint seed --as-of 2026-06-01 --no-config", "seed.txt", 1},
  {"golden/lint", "lint seed --as-of 2026-06-01 --no-config --format github", "seed.github.txt", 1},
  {"golden/lint", "lint seed --as-of 2026-06-01 --no-config --format json", "seed.json", 1},
  {"golden/lint", "lint seed --as-of 2026-06-01 --config ../../lint/config/errkb.yaml", "seed.config.txt", 1},
  {"golden/lint", "lint seed --as-of 2026-06-01 --no-config --ignore E201,W", "", 0,
   "errkb: 1 file, 1 record: 0 errors, 0 warnings, 0 infos\n"},
  {"lint", "lint clean --as-of 2026-06-01 --no-config --select ALL", "", 0,
   "errkb: 3 files, 3 records: 0 errors, 0 warnings, 0 infos\n"},
  {"lint", "lint rules --as-of 2026-06-01 --no-config --select ALL --statistics", "rules.statistics.txt", 1},
  {"lint", "lint --list-rules", "list-rules.txt", 0},
  {"golden/lint", "lint seed --select X999", "", 2,
   "errkb: error: --select: unknown rule 'X999' (see `errkb lint --list-rules`)\n"},
  {"golden/lint", "lint seed --as-of 2026-02-30", "", 2, "errkb: error: --as-of: expected a date YYYY-MM-DD, got '2026-02-30'\n"},
  {"golden/lint", "lint", "", 2, "errkb: error: lint: no PATH given\n"},
  {"lint", "fmt --check fmt/seed-shuffled.json", "fmt-check.txt", 1,
   "errkb: 1 file: 1 would be reformatted, 0 unchanged\n"},
  {"lint", "fmt --check fmt/commented.yaml", "fmt-check-commented.txt", 1,
   "errkb: fmt/commented.yaml: has YAML comments, which `errkb fmt --force` would drop\n"
   "errkb: 1 file: 1 would be reformatted, 0 unchanged\n"},
};

} // namespace

TEST_CASE("lint and fmt command lines", "[lint][cli]") {
  const bool update = std::getenv("ERRKB_UPDATE_GOLDEN") != nullptr;
  for (const auto& c : k_cases) {
    DYNAMIC_SECTION(c.cwd << ": errkb " << c.args) {
      const auto run = lint_test::run_errkb(lint_test::data(c.cwd), c.args);
      const std::string reference = std::string(c.stdout_).empty() ? "" : lint_test::data(std::string("golden/lint/") + c.stdout_);
      if (update && !reference.empty()) lint_test::write_text(reference, run.out);
      INFO("stderr: " << run.err);
      CHECK(run.rc == c.rc);
      CHECK(run.out == (reference.empty() ? "" : lint_test::read_file(reference)));
      if (c.stderr_ != nullptr) CHECK(run.err == c.stderr_);
    }
  }
}

TEST_CASE("the seed fixture is the shared seed record", "[lint][cli]") {
  CHECK(lint_test::read_file(lint_test::data("golden/lint/seed/huggingface/quantization-dtype-mismatch-bnb.json")) ==
        lint_test::read_file(std::string(ERRKB_SHARED_DIR) + "/seeds/000_1404cc3351d03e6f.txt"));
}

TEST_CASE("lint --fix end to end reports each change and lints again", "[lint][cli]") {
  lint_test::ScratchDir dir;
  std::filesystem::copy(lint_test::data("lint/rules/W503"), dir.path(), std::filesystem::copy_options::recursive);
  const auto run = lint_test::run_errkb(dir.path(), "lint . --fix --no-config --as-of 2026-06-01");
  CHECK(run.rc == 0);
  CHECK(run.out.empty());
  CHECK(run.err == "errkb: ./demo/effect.json: W503 fixed: /transition_graph/preceded_by: added 'demo/cause'\n"
                   "errkb: 1 fix applied in 1 file\n"
                   "errkb: 2 files, 2 records: 0 errors, 0 warnings, 0 infos\n");
}

TEST_CASE("fmt writes, then has nothing left to do", "[lint][cli]") {
  lint_test::ScratchDir dir;
  std::filesystem::copy(lint_test::data("lint/fmt/records.jsonl"), dir / "records.jsonl");
  auto run = lint_test::run_errkb(dir.path(), "fmt records.jsonl");
  CHECK(run.rc == 0);
  CHECK(run.out == "reformatted: records.jsonl\n");
  run = lint_test::run_errkb(dir.path(), "fmt --check records.jsonl");
  CHECK(run.rc == 0);
  CHECK(run.out.empty());
  CHECK(run.err == "errkb: 1 file: 0 would be reformatted, 1 unchanged\n");
}

TEST_CASE("lint reads ./errkb.yaml from the working directory unless --no-config", "[lint][cli]") {
  lint_test::ScratchDir dir;
  std::filesystem::copy(lint_test::data("lint/rules/W703"), dir / "records", std::filesystem::copy_options::recursive);
  const std::string finding = "records/demo/stale.json:33: W703 ";
  const std::string message = "/last_confirmed: last confirmed 882 days before 2026-06-01 (more than 365)\n";

  // Without errkb.yaml: the default level (warning), exit 0.
  auto run = lint_test::run_errkb(dir.path(), "lint records --as-of 2026-06-01");
  CHECK(run.rc == 0);
  CHECK(run.out == finding + "warning: " + message);

  // ./errkb.yaml raises the rule to error: picked up without --config.
  lint_test::write_text(dir / "errkb.yaml", "lint:\n  rules:\n    stale: error\n");
  run = lint_test::run_errkb(dir.path(), "lint records --as-of 2026-06-01");
  CHECK(run.rc == 1);
  CHECK(run.out == finding + "error: " + message);

  // --no-config ignores it.
  run = lint_test::run_errkb(dir.path(), "lint records --as-of 2026-06-01 --no-config");
  CHECK(run.rc == 0);
  CHECK(run.out == finding + "warning: " + message);

  // Its thresholds apply too: 1000 days makes the record fresh.
  lint_test::write_text(dir / "errkb.yaml", "lint:\n  stale_days: 1000\n");
  run = lint_test::run_errkb(dir.path(), "lint records --as-of 2026-06-01");
  CHECK(run.rc == 0);
  CHECK(run.out.empty());

  // A broken ./errkb.yaml is a usage error, unless --no-config skips reading it.
  lint_test::write_text(dir / "errkb.yaml", "lint:\n  rules:\n    W999: error\n");
  run = lint_test::run_errkb(dir.path(), "lint records --as-of 2026-06-01");
  CHECK(run.rc == 2);
  CHECK(run.out.empty());
  CHECK(run.err.find("errkb.yaml") != std::string::npos);
  run = lint_test::run_errkb(dir.path(), "lint records --as-of 2026-06-01 --no-config");
  CHECK(run.rc == 0);
  CHECK(run.out == finding + "warning: " + message);

  // Only the working directory counts: a run from elsewhere does not see it.
  run = lint_test::run_errkb(dir / "records", "lint . --as-of 2026-06-01");
  CHECK(run.rc == 0);
  CHECK(run.out == "./demo/stale.json:33: W703 warning: " + message);
}

TEST_CASE("lint --fix says which trims it leaves because they would add an error", "[lint][cli]") {
  lint_test::ScratchDir dir;
  std::filesystem::copy(lint_test::data("lint/fix"), dir.path(), std::filesystem::copy_options::recursive);
  const auto run = lint_test::run_errkb(dir.path(), "lint . --fix --no-config --as-of 2026-06-01");
  CHECK(run.rc == 0);
  CHECK(run.out == "./redis/json-module-missing/redis7-linux.json:3: W202 warning: /signature: text has leading or "
                   "trailing whitespace\n");
  CHECK(run.err == "errkb: ./redis/json-module-missing/redis7-linux.json: W202 fixed: /root_cause: trimmed whitespace\n"
                   "errkb: ./redis/json-module-missing/redis7-linux.json: W202 not fixed: /signature: trimming it would "
                   "add E101 at /regex (regex does not match the record's own signature)\n"
                   "errkb: 1 fix applied in 1 file\n"
                   "errkb: 1 file, 1 record: 0 errors, 1 warning, 0 infos\n");
}
