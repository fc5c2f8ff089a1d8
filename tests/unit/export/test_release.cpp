// scripts/release.sh (the release job: validate -> ingest -> export -> verify)
// run on copies of records/ in temporary folders.
#include "export/verify.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace errkb::bundle;
using nlohmann::json;

namespace {

struct Release {
  std::string records, db, out;
};

Release release_paths(const test::TempDir& dir) {
  return {dir.file("records"), dir.file("state/errkb.db"), dir.file("publish/bundle")};
}

test::RunResult run_release(const Release& release, const std::string& epoch) {
  return test::run_process({"/bin/sh", ERRKB_SOURCE_DIR "/scripts/release.sh", ERRKB_BINARY},
                           {{"RELEASE_RECORDS", release.records},
                            {"RELEASE_DB", release.db},
                            {"RELEASE_OUT", release.out},
                            {"SOURCE_DATE_EPOCH", epoch}});
}

std::string problems_text(const VerifyReport& report) {
  std::string text;
  for (const auto& problem : report.problems) text += errkb::format_text(problem) + "\n";
  return text;
}

} // namespace

TEST_CASE("the release job turns records/ into a verified bundle", "[release]") {
  test::TempDir dir("release");
  const Release release = release_paths(dir);
  test::copy_tree(ERRKB_SOURCE_DIR "/records", release.records);

  const auto run = run_release(release, "1793491200"); // 2026-11-01T00:00:00Z
  INFO(run.out << run.err);
  REQUIRE(run.code == 0);
  // Every step, in order.
  const auto validate = run.err.find("validate --strict");
  const auto ingest = run.err.find("ingest --strict");
  const auto exported = run.err.find(" export ");
  const auto verify = run.err.find(" verify ");
  REQUIRE(verify != std::string::npos);
  CHECK((validate < ingest && ingest < exported && exported < verify));
  CHECK(run.err.find("FAILED") == std::string::npos);
  CHECK(run.err.find("release: bundle ready in " + release.out) != std::string::npos);

  const auto report = verify_bundle(release.out);
  INFO(problems_text(report));
  CHECK(report.problems.empty());
  CHECK(report.records == 12);
  const auto verified = test::run_errkb({"verify", release.out});
  CHECK(verified.code == 0);

  // The bundle is the golden one: the records, the date, nothing else.
  test::check_golden_from_epoch(release.out);

  // A second run replaces the bundle with identical bytes.
  const auto first = test::read_tree(release.out);
  REQUIRE(run_release(release, "1793491200").code == 0);
  CHECK(test::read_tree(release.out) == first);
}

TEST_CASE("the release job stops at validate on an invalid record", "[release]") {
  test::TempDir dir("release-bad");
  const Release release = release_paths(dir);
  test::copy_tree(ERRKB_SOURCE_DIR "/records", release.records);
  const std::string file = release.records + "/docker/port-already-allocated.json";
  json record = json::parse(test::read_file(file));
  record["confidence"] = 7; // the schema allows 0..1
  test::write_file(file, record.dump(2) + "\n");

  const auto run = run_release(release, "1793491200");
  INFO(run.out << run.err);
  CHECK(run.code == 1);
  CHECK(run.out.find("port-already-allocated.json") != std::string::npos);
  CHECK(run.err.find("release: FAILED (exit 1): " ERRKB_BINARY " validate --strict") != std::string::npos);
  // Nothing after validate ran: no database, no bundle.
  CHECK(run.err.find("ingest") == std::string::npos);
  CHECK_FALSE(test::fs::exists(release.db));
  CHECK_FALSE(test::fs::exists(release.out));
}

TEST_CASE("the release job keeps the published bundle when a later run fails", "[release]") {
  test::TempDir dir("release-keep");
  const Release release = release_paths(dir);
  test::copy_tree(ERRKB_SOURCE_DIR "/records", release.records);
  REQUIRE(run_release(release, "1793491200").code == 0);
  const auto published = test::read_tree(release.out);

  test::write_file(release.records + "/rust/broken.json", "{\"id\": \"rust/broken\"\n");
  const auto run = run_release(release, "1793577600");
  INFO(run.err);
  CHECK(run.code != 0);
  CHECK(run.err.find("release: FAILED") != std::string::npos);
  CHECK(test::read_tree(release.out) == published);
}

TEST_CASE("the release job refuses a missing binary with exit 2", "[release]") {
  const auto run = test::run_process({"/bin/sh", ERRKB_SOURCE_DIR "/scripts/release.sh", "/nonexistent/errkb"});
  CHECK(run.code == 2);
  CHECK(run.err.find("not an executable") != std::string::npos);
}
