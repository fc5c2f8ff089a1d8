// Tests of importer/deadends: the canon -> record mapping, the directory import over
// the whole deadends corpus, determinism, idempotence and malformed canons.
#include "importer/deadends.hpp"

#include "schema/record.hpp"
#include "schema/validator.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <set>

namespace fs = std::filesystem;
using errkb::importer::CanonError;
using errkb::importer::convert_canon;
using errkb::importer::import_deadends;
using errkb::importer::ImportOptions;
using errkb::importer::ImportReport;
using errkb::test::TempDir;
using nlohmann::json;
using nlohmann::ordered_json;

namespace {

ImportOptions with_jobs(unsigned jobs) {
  ImportOptions options;
  options.jobs = jobs;
  return options;
}

json load_json(const fs::path& path) { return json::parse(errkb::test::read_file(path)); }

// Files per domain folder, counted from the directory tree alone.
std::map<std::string, std::size_t> corpus_files_per_domain() {
  std::map<std::string, std::size_t> counts;
  for (const auto& entry : fs::recursive_directory_iterator(errkb::test::corpus_dir())) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    const fs::path relative = entry.path().lexically_relative(errkb::test::corpus_dir());
    ++counts[relative.begin()->string()];
  }
  return counts;
}

// A canon using every mapped field, plus fields errkb has no place for.
json full_canon() {
  return json::parse(R"({
    "schema_version": "1.0.0",
    "id": "python/example-error/py311-linux",
    "url": "https://deadends.dev/python/example-error/py311-linux",
    "error": {"signature": "ExampleError: boom", "regex": "ExampleError", "domain": "python",
              "category": "runtime_error", "first_seen": "2023-01-01", "last_confirmed": "2026-02-11",
              "severity": "high"},
    "environment": {
      "runtime": {"name": "pytorch", "version_range": ">=2.0,<2.3", "vendor": "meta"},
      "os": "linux",
      "python": ">=3.9",
      "hardware": {"gpu": "A100", "vram_gb": 80, "nvlink": true, "topology": ["a", "b"]},
      "framework": "laravel >=8.0",
      "additional": {"country": "jp", "common_contexts": ["office", "school"], "apple_silicon": true,
                     "num_gpus": 8, "nested": {"x": 1}, "nothing": null}
    },
    "verdict": {"resolvable": "partial", "fix_success_rate": 0.5, "confidence": 1,
                "last_updated": "2026-02-11", "summary": "Because.", "mood": "sad"},
    "dead_ends": [{"action": "Retry", "why_fails": "Same input", "fail_rate": 0.9, "condition": "",
                   "common_misconception": "It is flaky", "tradeoff": "time",
                   "sources": ["https://example.com/a"], "how": "retry"}],
    "workarounds": [{"action": "Fix input", "success_rate": 0.95, "how": "edit", "condition": "always",
                     "tradeoff": "none", "sources": [], "common_misconception": "x"}],
    "transition_graph": {
      "leads_to": [{"error_id": "python/next-error/py311-linux", "probability": 0.3, "condition": "later",
                    "typical_delay": "minutes", "weight": 2}],
      "preceded_by": ["python/earlier-error/py311-linux"],
      "frequently_confused_with": [{"error_id": "python/similar-error", "distinction": "different code"}],
      "causes": []
    },
    "metadata": {"generated_by": "manual", "generation_date": "2026-02-10", "review_status": "human_reviewed",
                 "evidence_count": 12, "last_verification": "2026-02-11", "page_views": 5, "ai_agent_hits": 1,
                 "human_hits": 4},
    "popularity": 3
  })");
}

// pointer and reason of the CanonError convert_canon throws, {"<none>", ""} when it does not.
std::pair<std::string, std::string> failure_of(const json& canon) {
  try {
    convert_canon(canon);
  } catch (const CanonError& e) {
    return {e.pointer(), e.reason()};
  }
  return {"<none>", ""};
}

std::vector<std::string> diagnostics_of(const ordered_json& record) {
  std::vector<std::string> out;
  for (const auto& d : errkb::schema::Validator().validate(json::parse(record.dump())))
    out.push_back(d.pointer + ": " + d.message);
  return out;
}

} // namespace

TEST_CASE("convert_canon maps every field in canonical key order", "[importer][deadends]") {
  const auto conversion = convert_canon(full_canon());
  const auto expected = ordered_json::parse(R"({
    "id": "python/example-error/py311-linux",
    "signature": "ExampleError: boom",
    "regex": "ExampleError",
    "domain": "python",
    "category": "runtime_error",
    "root_cause": "Because.",
    "versions": [{"version": "pytorch >=2.0,<2.3", "status": "active"},
                 {"version": "python >=3.9", "status": "active"}],
    "os_specific": {"hardware": {"gpu": "A100", "nvlink": true, "vram_gb": 80}, "os": "linux"},
    "dead_ends": [{"action": "Retry", "why_fails": "Same input", "fail_rate": 0.9, "condition": "",
                   "common_misconception": "It is flaky", "tradeoff": "time", "sources": ["https://example.com/a"]}],
    "workarounds": [{"action": "Fix input", "success_rate": 0.95, "how": "edit", "condition": "always",
                     "tradeoff": "none", "sources": []}],
    "transition_graph": {
      "leads_to": [{"error_id": "python/next-error/py311-linux", "probability": 0.3, "condition": "later",
                    "typical_delay": "minutes"}],
      "preceded_by": [{"error_id": "python/earlier-error/py311-linux"}],
      "frequently_confused_with": [{"error_id": "python/similar-error", "distinction": "different code"}]
    },
    "verification_tier": "human_reviewed",
    "confidence": 1,
    "fix_success_rate": 0.5,
    "resolvable": "partial",
    "first_seen": "2023-01-01",
    "last_confirmed": "2026-02-11",
    "last_updated": "2026-02-11",
    "evidence_count": 12,
    "tags": ["framework:laravel >=8.0", "apple_silicon:true", "common_contexts:office", "common_contexts:school",
             "country:jp", "num_gpus:8"],
    "locale": "en",
    "provenance": {"source": "deadends.dev", "source_id": "python/example-error/py311-linux",
                   "url": "https://deadends.dev/python/example-error/py311-linux", "schema_version": "1.0.0",
                   "generated_by": "manual", "generation_date": "2026-02-10", "last_verification": "2026-02-11"}
  })");
  CHECK(conversion.record.dump(2) == expected.dump(2));
  CHECK(diagnostics_of(conversion.record).empty());

  auto dropped = conversion.dropped;
  std::sort(dropped.begin(), dropped.end());
  CHECK(dropped == std::vector<std::string>{"dead_ends[].how",
                                            "environment.additional.nested",
                                            "environment.additional.nothing",
                                            "environment.hardware.topology",
                                            "environment.runtime.vendor",
                                            "error.severity",
                                            "metadata.ai_agent_hits",
                                            "metadata.human_hits",
                                            "metadata.page_views",
                                            "popularity",
                                            "transition_graph.causes",
                                            "transition_graph.leads_to[].weight",
                                            "verdict.mood",
                                            "workarounds[].common_misconception"});
}

TEST_CASE("convert_canon keeps the keys of the schema in schema order", "[importer][deadends]") {
  const auto record = convert_canon(full_canon()).record;
  const auto& order = errkb::schema::canonical_key_order();
  std::size_t last = 0;
  for (const auto& item : record.items()) {
    const auto at = std::find(order.begin(), order.end(), item.key());
    REQUIRE(at != order.end());
    const auto index = static_cast<std::size_t>(at - order.begin());
    CHECK(index >= last);
    last = index;
  }
}

TEST_CASE("convert_canon keeps empty strings and omits what the canon lacks", "[importer][deadends]") {
  json canon = full_canon();
  canon["verdict"]["summary"] = "";
  canon["dead_ends"][0]["action"] = "";
  canon["environment"].erase("additional");
  canon["environment"].erase("framework");
  canon["environment"].erase("hardware");
  canon["metadata"].erase("evidence_count");
  canon.erase("transition_graph");
  const auto record = convert_canon(canon).record;
  CHECK(record.at("root_cause") == "");
  CHECK(record.at("dead_ends")[0].at("action") == "");
  CHECK_FALSE(record.contains("tags"));
  CHECK_FALSE(record.contains("evidence_count"));
  CHECK_FALSE(record.contains("transition_graph"));
  CHECK(record.at("os_specific") == ordered_json{{"os", "linux"}});
}

TEST_CASE("convert_canon: python becomes a second version unless empty or a repeat", "[importer][deadends]") {
  json canon = full_canon();
  auto versions = [&] {
    std::vector<std::string> out;
    const auto record = convert_canon(canon).record;
    for (const auto& v : record.at("versions")) out.push_back(v.at("version"));
    return out;
  };
  canon["environment"]["runtime"] = {{"name", "python"}, {"version_range", ">=3.11,<3.13"}};
  canon["environment"]["python"] = ">=3.11,<3.13";
  CHECK(versions() == std::vector<std::string>{"python >=3.11,<3.13"});
  canon["environment"]["python"] = "";
  CHECK(versions() == std::vector<std::string>{"python >=3.11,<3.13"});
  canon["environment"]["runtime"] = {{"name", "node"}, {"version_range", ">=18"}};
  canon["environment"]["python"] = ">=3.8";
  CHECK(versions() == std::vector<std::string>{"node >=18", "python >=3.8"});
  canon["environment"]["runtime"] = {{"name", "LLM API"}, {"version_range", ""}};
  canon["environment"].erase("python");
  CHECK(versions() == std::vector<std::string>{"LLM API"});
}

TEST_CASE("convert_canon maps review statuses", "[importer][deadends]") {
  json canon = full_canon();
  for (const auto& [status, tier] : std::vector<std::pair<std::string, std::string>>{
         {"auto_generated", "ai_generated"},
         {"ai_generated", "ai_generated"},
         {"human_reviewed", "human_reviewed"},
         {"community_verified", "community_verified"}}) {
    canon["metadata"]["review_status"] = status;
    CHECK(convert_canon(canon).record.at("verification_tier") == tier);
  }
  canon["metadata"]["review_status"] = "peer_reviewed";
  const auto [pointer, reason] = failure_of(canon);
  CHECK(pointer == "/metadata/review_status");
  CHECK_THAT(reason, Catch::Contains("unknown review status 'peer_reviewed'"));
}

TEST_CASE("convert_canon rejects malformed canons with the place and the reason", "[importer][deadends]") {
  struct Case {
    const char* name;
    std::function<void(json&)> mutate;
    const char* pointer;
    const char* reason;
  };
  const std::vector<Case> cases = {
    {"not an object", [](json& c) { c = json::array(); }, "", "expected an object, found array"},
    {"id missing", [](json& c) { c.erase("id"); }, "/id", "missing (expected a string)"},
    {"error missing", [](json& c) { c.erase("error"); }, "/error", "missing (expected an object)"},
    {"error a string", [](json& c) { c["error"] = "boom"; }, "/error", "expected an object, found string"},
    {"signature a number", [](json& c) { c["error"]["signature"] = 3; }, "/error/signature",
     "expected a string, found number"},
    {"summary missing", [](json& c) { c["verdict"].erase("summary"); }, "/verdict/summary",
     "missing (expected a string)"},
    {"resolvable a boolean", [](json& c) { c["verdict"]["resolvable"] = true; }, "/verdict/resolvable",
     "expected a string, found boolean"},
    {"dead_ends an object", [](json& c) { c["dead_ends"] = json::object(); }, "/dead_ends",
     "expected an array, found object"},
    {"dead end a string", [](json& c) { c["dead_ends"][0] = "retry"; }, "/dead_ends/0",
     "expected an object, found string"},
    {"fail_rate a string", [](json& c) { c["dead_ends"][0]["fail_rate"] = "0.9"; }, "/dead_ends/0/fail_rate",
     "expected a number, found string"},
    {"source an object", [](json& c) { c["workarounds"][0]["sources"] = {{{"url", "x"}}}; },
     "/workarounds/0/sources/0", "expected a string, found object"},
    {"edge a number", [](json& c) { c["transition_graph"]["leads_to"][0] = 7; }, "/transition_graph/leads_to/0",
     "expected an object or a string, found number"},
    {"edge without id", [](json& c) { c["transition_graph"]["leads_to"][0].erase("error_id"); },
     "/transition_graph/leads_to/0/error_id", "missing (expected a string)"},
    {"evidence_count a fraction", [](json& c) { c["metadata"]["evidence_count"] = 2.5; },
     "/metadata/evidence_count", "expected an integer, found a non-integer number"},
    {"metadata missing", [](json& c) { c.erase("metadata"); }, "/metadata", "missing (expected an object)"},
    {"os a list", [](json& c) { c["environment"]["os"] = {"linux"}; }, "/environment/os",
     "expected a string, found array"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    json canon = full_canon();
    c.mutate(canon);
    const auto [pointer, reason] = failure_of(canon);
    CHECK(pointer == c.pointer);
    CHECK(reason == c.reason);
  }
}

TEST_CASE("record ids are checked before they name a path", "[importer][deadends]") {
  using errkb::importer::is_valid_id;
  using errkb::importer::record_path;
  CHECK(is_valid_id("python/assertionerror/py311-linux"));
  CHECK(is_valid_id("python/assertionerror"));
  CHECK(is_valid_id("a.b/c_d/e-f"));
  for (const char* bad : {"", "python", "../x/y", "a/../b", "a/./b", "a/b/c/d", "A/b", "a//b", "a/b/", "/a/b",
                          "a/.b", "a/b-", "a/b--c", "a/b c", "a\\b/c"}) {
    INFO(bad);
    CHECK_FALSE(is_valid_id(bad));
    CHECK_THROWS_AS(record_path("out", bad), errkb::InputError);
  }
  CHECK_FALSE(is_valid_id(std::string(100, 'a') + "/" + std::string(100, 'b')));
  CHECK(record_path("out", "python/assertionerror/py311-linux") == fs::path("out/python/assertionerror/py311-linux.json"));
  CHECK(record_path("out", "python/assertionerror") == fs::path("out/python/assertionerror.json"));
  CHECK(record_path("out", "python/assertionerror/py311-linux", errkb::importer::OutputFormat::yaml) ==
        fs::path("out/python/assertionerror/py311-linux.yaml"));
}

TEST_CASE("render_record writes 2-space JSON, UTF-8 unescaped, with a final newline", "[importer][deadends]") {
  const ordered_json record = {{"id", "culture/x/kr"}, {"root_cause", "四 = 死, 4동"}, {"confidence", 0.9}};
  CHECK(errkb::importer::render_record(record) ==
        "{\n  \"id\": \"culture/x/kr\",\n  \"root_cause\": \"四 = 死, 4동\",\n  \"confidence\": 0.9\n}\n");
}

TEST_CASE("the whole deadends corpus converts", "[importer][deadends][corpus]") {
  const auto& [out, report] = errkb::test::corpus_import();
  const auto expected_domains = corpus_files_per_domain();

  CHECK(report.files == 2522);
  CHECK(report.converted == 2522);
  CHECK(report.written + report.unchanged == 2522);
  CHECK(report.skipped.empty());
  CHECK(report.domains == expected_domains);
  CHECK(expected_domains.size() == 54);
  for (const char* domain : {"python", "culture", "cuda", "pet-safety", "visa", "food-safety"}) {
    INFO(domain);
    CHECK(report.domains.at(domain) == expected_domains.at(domain));
  }
  CHECK(report.domains.at("python") == 88); // 45 flat + 43 nested
  CHECK(report.domains.at("culture") == 122);
  CHECK(report.domains.at("pet-safety") == 2);

  CHECK(report.dropped == std::map<std::string, std::size_t>{
                            {"metadata.ai_agent_hits", 53}, {"metadata.human_hits", 53}, {"metadata.page_views", 53}});

  // Read back from disk: every file parses, validates, sits where its id says, once.
  const errkb::schema::Validator validator;
  std::size_t files = 0;
  std::size_t diagnostics = 0;
  std::set<std::string> ids;
  for (const auto& entry : fs::recursive_directory_iterator(out.path())) {
    if (!entry.is_regular_file()) continue;
    ++files;
    const json record = load_json(entry.path());
    const std::string id = record.at("id");
    ids.insert(id);
    CHECK(entry.path() == errkb::importer::record_path(out.path(), id));
    for (const auto& d : validator.validate(record)) {
      ++diagnostics;
      FAIL_CHECK(entry.path().string() << ": " << d.pointer << ": " << d.message);
    }
  }
  CHECK(files == 2522);
  CHECK(ids.size() == 2522);
  CHECK(diagnostics == 0);
}

TEST_CASE("corpus record from a flat-layout file", "[importer][deadends][corpus]") {
  const auto& out = errkb::test::corpus_import().out.path();
  const fs::path source = errkb::test::corpus_dir() / "python" / "assertionerror_py311-linux.json";
  REQUIRE(fs::is_regular_file(source));
  const json canon = load_json(source);
  const fs::path target = out / "python" / "assertionerror" / "py311-linux.json";
  REQUIRE(fs::is_regular_file(target));
  const std::string bytes = errkb::test::read_file(target);
  CHECK(bytes == errkb::importer::render_record(convert_canon(canon).record));

  const json record = json::parse(bytes);
  CHECK(record.at("id") == "python/assertionerror/py311-linux");
  CHECK(record.at("signature") == "AssertionError");
  CHECK(record.at("root_cause") == canon.at("verdict").at("summary"));
  CHECK(record.at("versions") == json::parse(R"([{"version": "python >=3.11,<3.13", "status": "active"}])"));
  CHECK(record.at("os_specific") == json{{"os", "linux"}});
  CHECK(record.at("verification_tier") == "ai_generated");
  CHECK(record.at("evidence_count") == 50);
  CHECK(record.at("dead_ends") == canon.at("dead_ends"));
  CHECK(record.at("workarounds") == canon.at("workarounds"));
  CHECK(record.at("transition_graph").at("frequently_confused_with")[0].at("error_id") ==
        "python/runtimeerror-dict-changed-size/py311-linux");
  CHECK(record.at("provenance").at("url") == "https://deadends.dev/python/assertionerror/py311-linux");
  CHECK(record.at("provenance").at("generated_by") == "bulk_generate.py");
  CHECK(record.at("locale") == "en");
  CHECK_FALSE(record.contains("tags"));
}

TEST_CASE("corpus record with Hangul and Han text", "[importer][deadends][corpus]") {
  const auto& out = errkb::test::corpus_import().out.path();
  const json canon = load_json(errkb::test::corpus_dir() / "culture" / "four-floor-tetraphobia" / "kr.json");
  const std::string bytes = errkb::test::read_file(out / "culture" / "four-floor-tetraphobia" / "kr.json");
  CHECK_THAT(bytes, Catch::Contains("Sino-Korean 四 sa = 死 sa"));
  CHECK_THAT(bytes, Catch::Contains("aparment.*4동"));
  CHECK_THAT(bytes, !Catch::Contains("\\u"));

  const json record = json::parse(bytes);
  CHECK(record.at("root_cause") == canon.at("verdict").at("summary"));
  CHECK(record.at("regex") == canon.at("error").at("regex"));
  CHECK(record.at("dead_ends") == canon.at("dead_ends"));
  CHECK(record.at("tags") ==
        json{"audience:business", "country:kr", "country_name:South Korea", "jurisdiction_level:national"});
  CHECK(record.at("os_specific") == json{{"os", "any"}});
  CHECK(record.at("versions") == json::parse(R"([{"version": "ai-agent >=1.0", "status": "active"}])"));
}

TEST_CASE("corpus record with every kind of graph edge", "[importer][deadends][corpus]") {
  const auto& out = errkb::test::corpus_import().out.path();
  const json canon = load_json(errkb::test::corpus_dir() / "cuda" / "cublas-init-error" / "cuda12.1-a100.json");
  const json record = load_json(out / "cuda" / "cublas-init-error" / "cuda12.1-a100.json");
  for (const char* kind : {"leads_to", "preceded_by", "frequently_confused_with"}) {
    INFO(kind);
    REQUIRE_FALSE(canon.at("transition_graph").at(kind).empty());
    CHECK(record.at("transition_graph").at(kind) == canon.at("transition_graph").at(kind));
  }
  const auto& leads_to = record.at("transition_graph").at("leads_to")[0];
  CHECK(leads_to.at("error_id") == "python/cuda-out-of-memory/torch2.1-a100-40gb");
  CHECK(leads_to.at("probability") == 0.09);
  CHECK(leads_to.at("typical_delay") == "seconds to minutes");
  CHECK(record.at("transition_graph").at("preceded_by")[0].at("probability") == 0.15);
  CHECK_THAT(record.at("transition_graph").at("frequently_confused_with")[0].at("distinction").get<std::string>(),
             Catch::StartsWith("Version mismatch errors report"));

  CHECK(record.at("os_specific") == json::parse(R"({"hardware": {"gpu": "A100-80GB", "vram_gb": 80}, "os": "linux"})"));
  CHECK(record.at("versions") == json::parse(R"([{"version": "pytorch >=2.0,<2.3", "status": "active"},
                                                  {"version": "python >=3.9,<3.13", "status": "active"}])"));
  CHECK(record.at("tags") == json{"cublas_version:12.1.x", "cuda_toolkit:12.1", "driver_version:>=530.30"});
  CHECK(record.at("provenance") == json::parse(R"({"source": "deadends.dev",
    "source_id": "cuda/cublas-init-error/cuda12.1-a100",
    "url": "https://deadends.dev/cuda/cublas-init-error/cuda12.1-a100", "schema_version": "1.0.0",
    "generated_by": "deadend-seed-v1", "generation_date": "2025-06-01", "last_verification": "2025-06-01"})"));
  const std::string bytes = errkb::test::read_file(out / "cuda" / "cublas-init-error" / "cuda12.1-a100.json");
  CHECK_THAT(bytes, !Catch::Contains("page_views"));
}

TEST_CASE("importing is deterministic and idempotent", "[importer][deadends][corpus]") {
  const auto& first = errkb::test::corpus_import();
  const TempDir second("second");
  const auto report = import_deadends(errkb::test::corpus_dir(), second.path(), with_jobs(1));
  CHECK(report.written == 2522);
  CHECK(errkb::importer::to_json(report) ==
        [&] {
          auto expected = errkb::importer::to_json(first.report);
          expected["written"] = 2522;
          expected["unchanged"] = 0;
          return expected;
        }());
  const auto first_tree = errkb::test::read_tree(first.out.path());
  REQUIRE(first_tree.size() == 2522);
  CHECK(errkb::test::read_tree(second.path()) == first_tree);

  // A re-run rewrites nothing: not even the modification time of a file changes.
  const fs::path probe = second.path() / "python" / "assertionerror" / "py311-linux.json";
  const auto old_time = fs::file_time_type::clock::now() - std::chrono::hours(24);
  fs::last_write_time(probe, old_time);
  const auto rerun = import_deadends(errkb::test::corpus_dir(), second.path());
  CHECK(rerun.written == 0);
  CHECK(rerun.unchanged == 2522);
  CHECK(rerun.converted == 2522);
  CHECK(fs::last_write_time(probe) == old_time);

  // A changed file is put back, and only it.
  {
    std::ofstream damage(probe, std::ios::binary | std::ios::trunc);
    damage << "{}\n";
  }
  const auto repair = import_deadends(errkb::test::corpus_dir(), second.path());
  CHECK(repair.written == 1);
  CHECK(repair.unchanged == 2521);
  CHECK(errkb::test::read_tree(second.path()) == first_tree);
}

TEST_CASE("malformed canons are skipped with reasons, the rest convert", "[importer][deadends]") {
  const TempDir out("bad");
  const fs::path src = errkb::test::bad_fixtures_dir();
  const auto report = import_deadends(src, out.path());

  CHECK(report.files == 13);
  CHECK(report.converted == 3);
  CHECK(report.written == 3);
  CHECK(report.skipped_files() == 10);
  CHECK(report.domains == std::map<std::string, std::size_t>{{"cuda", 1}, {"python", 2}});
  CHECK(report.dropped == std::map<std::string, std::size_t>{
                            {"metadata.ai_agent_hits", 1}, {"metadata.human_hits", 1}, {"metadata.page_views", 1}});

  struct Expected {
    const char* file;
    const char* code;
    const char* pointer;
    const char* message;
  };
  const std::vector<Expected> expected = {
    {"python/assertionerror_zz-duplicate.json", "duplicate-id", "/id",
     "duplicate id 'python/assertionerror/py311-linux', first seen in "},
    {"python/error-not-object_py311-linux.json", "canon", "/error", "expected an object, found string"},
    {"python/escaping-id/py311-linux.json", "id", "/id", "'../../../tmp/escaped' is not a valid record id"},
    {"python/fail-rate-string/py311-linux.json", "canon", "/dead_ends/1/fail_rate", "expected a number, found string"},
    {"python/missing-error/py311-linux.json", "canon", "/error", "missing (expected an object)"},
    {"python/not-an-object/py311-linux.json", "canon", "", "expected an object, found array"},
    {"python/rate-out-of-range/py311-linux.json", "schema", "/confidence", "converted record fails validation: "},
    {"python/source-not-string/py311-linux.json", "canon", "/workarounds/0/sources/0",
     "expected a string, found object"},
    {"python/truncated-json/py311-linux.json", "parse", "", "invalid JSON: parse error at line "},
    {"python/unknown-review-status/py311-linux.json", "canon", "/metadata/review_status",
     "unknown review status 'peer_reviewed'"},
  };
  REQUIRE(report.skipped.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& d = report.skipped[i];
    INFO(d.file << ": " << d.pointer << ": " << d.message);
    CHECK(d.severity == errkb::Severity::error);
    CHECK(d.file == (src / expected[i].file).generic_string());
    CHECK(d.code == expected[i].code);
    CHECK(d.pointer == expected[i].pointer);
    CHECK_THAT(d.message, Catch::StartsWith(expected[i].message));
  }
  CHECK(report.skipped[8].line > 1); // the parse error names its line

  CHECK(errkb::test::read_tree(out.path()) ==
        std::map<std::string, std::string>{
          {"cuda/cublas-init-error/cuda12.1-a100.json",
           errkb::importer::render_record(
             convert_canon(load_json(src / "cuda/cublas-init-error/cuda12.1-a100.json")).record)},
          {"python/assertionerror/py311-linux.json",
           errkb::importer::render_record(convert_canon(load_json(src / "python/assertionerror_py311-linux.json")).record)},
          {"python/attributeerror-no-attribute/py311-linux.json",
           errkb::importer::render_record(
             convert_canon(load_json(src / "python/attributeerror-no-attribute/py311-linux.json")).record)},
        });
}

TEST_CASE("the number of threads does not change the result", "[importer][deadends]") {
  const TempDir serial("serial");
  const TempDir parallel("parallel");
  const auto a = import_deadends(errkb::test::bad_fixtures_dir(), serial.path(), with_jobs(1));
  const auto b = import_deadends(errkb::test::bad_fixtures_dir(), parallel.path(), with_jobs(8));
  CHECK(errkb::importer::to_json(a).dump() == errkb::importer::to_json(b).dump());
  CHECK(errkb::test::read_tree(serial.path()) == errkb::test::read_tree(parallel.path()));
}

TEST_CASE("records are never written outside OUT, even through a symlink", "[importer][deadends]") {
  const TempDir root("symlink");
  const fs::path out = root.path() / "out";
  const fs::path elsewhere = root.path() / "elsewhere";
  fs::create_directories(out);
  fs::create_directories(elsewhere);
  fs::create_directory_symlink(elsewhere, out / "python");

  const auto report = import_deadends(errkb::test::bad_fixtures_dir(), out);
  CHECK(report.converted == 1); // cuda/... only
  CHECK(fs::is_empty(elsewhere));
  std::size_t outside = 0;
  for (const auto& d : report.skipped) {
    if (d.code == "id" && d.message.find("would be written outside") != std::string::npos) ++outside;
  }
  CHECK(outside == 2);

  // A record file that is a symlink is replaced, never written through.
  const fs::path out2 = root.path() / "out2";
  const fs::path victim = elsewhere / "victim.txt";
  { std::ofstream(victim) << "victim\n"; }
  const fs::path record = out2 / "python" / "attributeerror-no-attribute" / "py311-linux.json";
  fs::create_directories(record.parent_path());
  fs::create_symlink(victim, record);
  CHECK(import_deadends(errkb::test::bad_fixtures_dir(), out2).converted == 3);
  CHECK(errkb::test::read_file(victim) == "victim\n");
  CHECK_FALSE(fs::is_symlink(record));
  CHECK(load_json(record).at("id") == "python/attributeerror-no-attribute/py311-linux");
}

TEST_CASE("YAML output goes through the writer it is given", "[importer][deadends]") {
  const TempDir out("yaml-writer");
  ImportOptions options;
  options.format = errkb::importer::OutputFormat::yaml;
  CHECK_THROWS_AS(import_deadends(errkb::test::bad_fixtures_dir(), out.path(), options), errkb::UsageError);

  options.render_yaml = [](const json& record) -> std::string {
    if (record.at("domain") == "cuda") throw errkb::Error("no faithful YAML form");
    return "id: " + record.at("id").get<std::string>() + "\n";
  };
  const auto report = import_deadends(errkb::test::bad_fixtures_dir(), out.path(), options);
  CHECK(report.converted == 2);
  CHECK(errkb::test::read_tree(out.path()) ==
        std::map<std::string, std::string>{
          {"python/assertionerror/py311-linux.yaml", "id: python/assertionerror/py311-linux\n"},
          {"python/attributeerror-no-attribute/py311-linux.yaml", "id: python/attributeerror-no-attribute/py311-linux\n"},
        });
  REQUIRE(report.skipped_files() == 11);
  CHECK(report.skipped[0].file == (errkb::test::bad_fixtures_dir() / "cuda/cublas-init-error/cuda12.1-a100.json").generic_string());
  CHECK(report.skipped[0].code == "render");
  CHECK(report.skipped[0].message == "cannot write as YAML: no faithful YAML form");
}

TEST_CASE("SRC must be a directory", "[importer][deadends]") {
  const TempDir out("nosrc");
  CHECK_THROWS_AS(import_deadends(out.path() / "missing", out.path() / "out"), errkb::InputError);
}

// Timing, not correctness: run by hand in a Release build with `test_importer [bench]`.
TEST_CASE("import timing", "[.][bench]") {
  const TempDir out("bench");
  auto timed = [&] {
    const auto start = std::chrono::steady_clock::now();
    const auto report = import_deadends(errkb::test::corpus_dir(), out.path());
    const std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE(report.converted == 2522);
    return elapsed.count();
  };
  const double first = timed();
  const double again = timed();
  WARN("import of 2,522 canons: " << first << " ms into an empty dir, " << again << " ms when nothing changed");
}
