// errkb::bundle atomic publication (export/publish.hpp): the process is killed
// at every step of a publication, in both replacement modes, and the bundle
// folder must then be the complete old bundle or the complete new one
// (rename_aside: or absent, and restored by the next export, as documented).
#include "export/exporter.hpp"
#include "export/publish.hpp"
#include "export/verify.hpp"
#include "schema/error.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace errkb::bundle;
using nlohmann::json;

namespace {

ExportOptions options_as_of(const char* date) {
  ExportOptions options;
  options.as_of = as_of_date(date, AsOfSource::option);
  return options;
}

ExportSummary export_records(std::vector<json> records, const std::string& out, const ExportOptions& options) {
  MemorySource source(std::move(records));
  return export_bundle(source, out, options);
}

// Runs export_bundle in a child process that SIGKILLs itself right after `kill_step`;
// returns the child's wait status.
int export_killed_at(const std::vector<json>& records, const std::string& out, ExportOptions options,
                     const std::string& kill_step) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    options.hook = [&](std::string_view step) {
      if (step == kill_step) ::raise(SIGKILL);
    };
    try {
      MemorySource source(records);
      export_bundle(source, out, options);
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

// The manifest's as_of of the intact bundle at `out`; "" when it does not verify.
std::string intact_bundle_date(const std::string& out) {
  if (!verify_bundle(out).problems.empty()) return "";
  return json::parse(test::read_file(out + "/manifest.json"))["as_of"].get<std::string>();
}

} // namespace

TEST_CASE("a kill at any step of a replacement leaves the old or the new bundle", "[publish]") {
  const std::vector<json> records = test::sample_records();
  const auto mode = GENERATE(ReplaceMode::exchange, ReplaceMode::rename_aside);
  const std::vector<std::string> steps = mode == ReplaceMode::exchange
                                             ? std::vector<std::string>{"staged", "exchanged", "cleaned"}
                                             : std::vector<std::string>{"staged", "moved-aside", "moved-in", "cleaned"};
  for (const auto& step : steps) {
    INFO((mode == ReplaceMode::exchange ? "exchange" : "rename_aside") << ", killed after " << step);
    test::TempDir dir("publish");
    const std::string out = dir.file("bundle");
    export_records(records, out, options_as_of("2026-01-01"));

    ExportOptions options = options_as_of("2026-02-02");
    options.replace_mode = mode;
    const int status = export_killed_at(records, out, options, step);
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(WTERMSIG(status) == SIGKILL);

    const bool replaced = step != "staged" && step != "moved-aside";
    if (step == "moved-aside") {
      // The documented window of rename_aside: the folder is absent, verify says why...
      const auto report = verify_bundle(out);
      REQUIRE(report.problems.size() == 1);
      CHECK(report.problems[0].code == "missing-bundle");
      CHECK_THAT(report.problems[0].message, Catch::Contains("interrupted"));
      // ...and the next export finishes the interrupted one before its own work.
      const auto notes = recover(out);
      REQUIRE(notes.size() == 2);
      CHECK_THAT(notes[0], Catch::StartsWith("finished the interrupted export"));
      CHECK(intact_bundle_date(out) == "2026-02-02");
    } else {
      CHECK(intact_bundle_date(out) == (replaced ? "2026-02-02" : "2026-01-01"));
    }

    // The next export removes what the killed one left beside the folder.
    export_records(records, out, options_as_of("2026-03-03"));
    CHECK(intact_bundle_date(out) == "2026-03-03");
    CHECK(test::entries_starting_with(dir.path(), ".bundle.").empty());
  }
}

TEST_CASE("a kill during a first export leaves no bundle, or the complete one", "[publish]") {
  const std::vector<json> records = test::sample_records();
  for (const std::string step : {"staged", "renamed"}) {
    INFO("killed after " << step);
    test::TempDir dir("first");
    const std::string out = dir.file("bundle");
    REQUIRE(WIFSIGNALED(export_killed_at(records, out, options_as_of("2026-02-02"), step)));
    if (step == "staged") {
      CHECK_FALSE(test::fs::exists(out));
      CHECK(test::entries_starting_with(dir.path(), ".bundle.new-").size() == 1);
      CHECK(verify_bundle(out).problems.at(0).message == "no bundle folder here");
      // An unfinished staging folder is never taken for a bundle: it is removed.
      const auto notes = recover(out);
      REQUIRE(notes.size() == 1);
      CHECK_THAT(notes[0], Catch::StartsWith("removed "));
      CHECK_FALSE(test::fs::exists(out));
    } else {
      CHECK(intact_bundle_date(out) == "2026-02-02");
    }
    CHECK(test::entries_starting_with(dir.path(), ".bundle.new-").empty());
  }
}

TEST_CASE("recover leaves alone the staging folder of a running export", "[publish]") {
  test::TempDir dir("live");
  const std::string out = dir.file("bundle");
  Staging live(out); // locked by this process, as a concurrent export's would be
  REQUIRE(test::fs::is_directory(live.path()));
  CHECK(recover(out).empty());
  CHECK(test::fs::is_directory(live.path()));
  // A second export into the same folder meanwhile works and does not touch it.
  export_records({}, out, ExportOptions{});
  CHECK(test::fs::is_directory(live.path()));
}

TEST_CASE("a staging folder that is not published is removed", "[publish]") {
  test::TempDir dir("unpublished");
  std::string path;
  {
    Staging staging(dir.file("nested/deeper/bundle"));
    path = staging.path();
    CHECK(path.find("/nested/deeper/.bundle.new-") != std::string::npos);
    test::write_file(path + "/partial", "x");
  }
  CHECK_FALSE(test::fs::exists(path));
  CHECK_FALSE(test::fs::exists(dir.file("nested/deeper/bundle")));
}

TEST_CASE("bundle folder names are checked", "[publish]") {
  CHECK_THROWS_AS(Staging("/"), errkb::UsageError);
  CHECK_THROWS_AS(Staging("."), errkb::UsageError);
  CHECK_THROWS_AS(Staging("out/.."), errkb::UsageError);
}
