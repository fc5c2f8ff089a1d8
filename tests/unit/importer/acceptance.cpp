// Acceptance of `errkb import deadends` (issue 3) through the errkb executable:
// the imported corpus validates with 0 errors (schema and cross-record checks),
// ingests in full, and `errkb show` returns the mapped content.
#include "support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace fs = std::filesystem;
using json = nlohmann::json;
using errkb::test::run_binary;
using errkb::test::TempDir;

namespace {

json load_json(const fs::path& path) { return json::parse(errkb::test::read_file(path)); }

// `errkb show ID --format json` on `db`, parsed.
json show(const std::string& db, const std::string& id) {
  const auto run = run_binary({"show", id, "--db", db, "--format", "json"});
  INFO(id << ": " << run.err);
  REQUIRE(run.code == 0);
  return json::parse(run.out);
}

} // namespace

TEST_CASE("the imported corpus validates, ingests and shows its mapped content", "[importer][corpus][acceptance]") {
  const auto& imported = errkb::test::corpus_import(); // shared with the other corpus tests of this binary
  REQUIRE(imported.report.converted == 2522);
  const std::string out = imported.out.path().string();

  // validate: schema and cross-record checks (duplicate ids, regexes, graph targets) in one pass.
  const auto validate = run_binary({"validate", out, "--format", "json"});
  CHECK(validate.err.empty());
  CHECK(validate.code == 0);
  const json report = json::parse(validate.out);
  CHECK(report.at("errors") == 0);
  CHECK(report.at("diagnostics") == json::array());
  CHECK(report.at("files") == 2522);
  CHECK(report.at("records") == 2522);
  CHECK(report.at("valid") == true);

  // The cross-record checks do span the corpus: one extra record that repeats a
  // corpus id and one whose graph points nowhere are both caught.
  const TempDir extra("acceptance-extra");
  {
    const json copy = load_json(imported.out.path() / "python" / "assertionerror" / "py311-linux.json");
    std::ofstream(extra.path() / "duplicate.json") << copy.dump(2) << "\n";
    json dangling = copy;
    dangling["id"] = "python/acceptance-dangling/py311-linux";
    dangling["transition_graph"]["leads_to"] = json::array({{{"error_id", "python/no-such-record/none"}}});
    std::ofstream(extra.path() / "dangling.json") << dangling.dump(2) << "\n";
  }
  const auto broken = run_binary({"validate", out, extra.path().string(), "--format", "json"});
  CHECK(broken.code == 1);
  const json broken_report = json::parse(broken.out);
  CHECK(broken_report.at("errors") == 2);
  std::set<std::string> codes;
  for (const auto& d : broken_report.at("diagnostics")) codes.insert(d.at("code").get<std::string>());
  CHECK(codes == std::set<std::string>{"duplicate-id", "graph-target"});

  // ingest into a fresh database: every record added, none rejected.
  const TempDir db_dir("acceptance-db");
  const std::string db = (db_dir.path() / "corpus.db").string();
  const auto ingest = run_binary({"ingest", out, "--db", db});
  INFO(ingest.err);
  REQUIRE(ingest.code == 0);
  CHECK(ingest.out == db + ": 2522 added, 0 updated, 0 unchanged, 0 removed, 0 rejected\n");

  // show: the stored record is the imported file, field for field, and its fields
  // carry the canon's content.
  {
    INFO("a flat-layout canon");
    const json canon = load_json(errkb::test::corpus_dir() / "python" / "assertionerror_py311-linux.json");
    const json shown = show(db, "python/assertionerror/py311-linux");
    CHECK(shown == load_json(imported.out.path() / "python" / "assertionerror" / "py311-linux.json"));
    CHECK(shown.at("root_cause") == canon.at("verdict").at("summary"));
    CHECK(shown.at("signature") == canon.at("error").at("signature"));
    CHECK(shown.at("regex") == canon.at("error").at("regex"));
    CHECK(shown.at("confidence") == canon.at("verdict").at("confidence"));
    CHECK(shown.at("dead_ends") == canon.at("dead_ends"));
    CHECK(shown.at("workarounds") == canon.at("workarounds"));
    CHECK(shown.at("verification_tier") == "ai_generated");
  }
  {
    INFO("a canon with Hangul and Han text");
    const json canon = load_json(errkb::test::corpus_dir() / "culture" / "four-floor-tetraphobia" / "kr.json");
    const json shown = show(db, "culture/four-floor-tetraphobia/kr");
    CHECK(shown == load_json(imported.out.path() / "culture" / "four-floor-tetraphobia" / "kr.json"));
    CHECK(shown.at("root_cause") == canon.at("verdict").at("summary"));
    CHECK_THAT(shown.at("root_cause").get<std::string>(), Catch::Contains("四") && Catch::Contains("死"));
    CHECK(shown.at("regex") == canon.at("error").at("regex"));
    CHECK_THAT(shown.at("regex").get<std::string>(), Catch::Contains("4동"));
    CHECK(shown.at("tags") ==
          json{"audience:business", "country:kr", "country_name:South Korea", "jurisdiction_level:national"});
  }
  {
    INFO("a canon with every kind of graph edge");
    const json canon = load_json(errkb::test::corpus_dir() / "cuda" / "cublas-init-error" / "cuda12.1-a100.json");
    const json shown = show(db, "cuda/cublas-init-error/cuda12.1-a100");
    CHECK(shown == load_json(imported.out.path() / "cuda" / "cublas-init-error" / "cuda12.1-a100.json"));
    CHECK(shown.at("root_cause") == canon.at("verdict").at("summary"));
    CHECK(shown.at("transition_graph") == canon.at("transition_graph"));
    CHECK(shown.at("os_specific").at("hardware") == canon.at("environment").at("hardware"));
  }
}
