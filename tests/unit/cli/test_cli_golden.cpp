// CLI golden tests: each row runs errkb in the source tree and compares the exit
// code, stdout and stderr byte for byte with tests/data/golden/cli/<name>.{out,err}.
// ERRKB_UPDATE_GOLDEN=1 rewrites the reference files (review the diff before committing).
#include "support.hpp"

#include <cstdlib>

namespace fs = std::filesystem;
using errkb::test::read_file;
using errkb::test::run_main;

namespace {

struct GoldenCase {
  const char* name;
  std::vector<std::string> args;
  int code;
};

void check_golden(const GoldenCase& c) {
  const fs::path golden = fs::path(ERRKB_TEST_DATA) / "golden" / "cli";
  auto run = run_main(c.args, ERRKB_SOURCE_DIR);
  INFO("errkb case " << c.name);
  const fs::path out_file = golden / (std::string(c.name) + ".out");
  const fs::path err_file = golden / (std::string(c.name) + ".err");
  if (const char* update = std::getenv("ERRKB_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream(out_file, std::ios::binary) << run.out;
    std::ofstream(err_file, std::ios::binary) << run.err;
  }
  CHECK(run.code == c.code);
  REQUIRE(fs::exists(out_file));
  CHECK(run.out == read_file(out_file));
  CHECK(run.err == read_file(err_file));
}

} // namespace

TEST_CASE("validate golden outputs", "[cli][golden]") {
  const std::vector<GoldenCase> cases{
    {"validate-records", {"validate", "records"}, 0},
    {"validate-invalid", {"validate", "tests/data/cli/invalid"}, 1},
    {"validate-invalid-json", {"validate", "--format", "json", "tests/data/cli/invalid/rate-out-of-range.json"}, 1},
    {"validate-duplicate-ids", {"validate", "tests/data/cli/dup"}, 1},
    {"validate-missing-path", {"validate", "tests/data/cli/no-such-dir"}, 1},
    {"validate-no-args", {"validate"}, 2},
    {"unknown-command", {"frobnicate"}, 2},
    {"unknown-option", {"validate", "--frobnicate", "records"}, 2},
  };
  for (const auto& c : cases) check_golden(c);
}

TEST_CASE("every registered command has --help", "[cli]") {
  auto commands = errkb::cli::make_commands();
  REQUIRE(commands.size() >= 3);
  for (const auto& command : commands) {
    INFO(command->name());
    auto run = run_main({command->name(), "--help"}, ERRKB_SOURCE_DIR);
    CHECK(run.code == 0);
    CHECK(run.out.find(std::string("Usage: errkb ") + command->name()) != std::string::npos);
    CHECK(run.err.empty());
  }
  auto top = run_main({"--help"}, ERRKB_SOURCE_DIR);
  CHECK(top.code == 0);
  for (const auto& command : commands) CHECK(top.out.find(command->name()) != std::string::npos);
}
