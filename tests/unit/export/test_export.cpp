// errkb::bundle export and verify (export/exporter.hpp, export/verify.hpp):
// golden bundles, determinism, the bundle schema, tampering.
#include "export/bundle_schema.hpp"
#include "export/exporter.hpp"
#include "export/verify.hpp"
#include "schema/error.hpp"
#include "schema/record.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include <cstdlib>

using namespace errkb::bundle;
using nlohmann::json;

namespace {

const std::string& k_golden = test::k_golden_bundle;

ExportOptions options_as_of(const char* date) {
  ExportOptions options;
  options.as_of = as_of_date(date, AsOfSource::option);
  return options;
}

// Ingests records/ into DIR/errkb.db and exports it to `out`.
ExportSummary export_sample_database(const test::TempDir& dir, const std::string& out, const ExportOptions& options) {
  test::ingest_sample_records(dir.file("errkb.db"));
  errkb::db::Database db(dir.file("errkb.db"), errkb::db::Access::read_only);
  DatabaseSource source(db);
  return export_bundle(source, out, options);
}

ExportSummary export_records(std::vector<json> records, const std::string& out, const ExportOptions& options) {
  MemorySource source(std::move(records));
  return export_bundle(source, out, options);
}

std::vector<std::string> codes_for(const VerifyReport& report, const std::string& file) {
  std::vector<std::string> codes;
  for (const auto& problem : report.problems)
    if (problem.file == file) codes.push_back(problem.code);
  return codes;
}

std::string problems_text(const VerifyReport& report) {
  std::string text;
  for (const auto& problem : report.problems) text += errkb::format_text(problem) + "\n";
  return text;
}

} // namespace

TEST_CASE("the bundle of records/ matches the golden bundle byte for byte", "[export][golden]") {
  test::TempDir dir("golden");
  const std::string out = dir.file("bundle");
  const auto summary = export_sample_database(dir, out, options_as_of("2026-11-01"));
  CHECK(summary.locales == std::vector<std::string>{"en", "zh"});
  CHECK(summary.records == 6);

  const auto files = test::read_tree(out);
  if (const char* update = std::getenv("ERRKB_UPDATE_GOLDEN"); update != nullptr && *update == '1') {
    test::fs::remove_all(k_golden);
    for (const auto& [path, bytes] : files) test::write_file(k_golden + "/" + path, bytes);
    WARN("golden bundle rewritten in " << k_golden);
  }
  test::check_golden(files);

  const auto report = verify_bundle(out);
  INFO(problems_text(report));
  CHECK(report.problems.empty());
  CHECK(report.records == 12);
  CHECK(report.files == 15);
  CHECK(std::system(("cd '" + out + "' && sha256sum --check --strict --quiet SHA256SUMS").c_str()) == 0);
}

TEST_CASE("golden bundle: the seed's English workarounds_zh fall back, withdrawn is absent", "[export][golden]") {
  // The contract, spelled out on the golden files themselves.
  const std::string zh = test::read_file(k_golden + "/zh/records.jsonl");
  std::vector<json> records;
  for (std::size_t start = 0, end; (end = zh.find('\n', start)) != std::string::npos; start = end + 1)
    records.push_back(json::parse(zh.substr(start, end - start)));
  REQUIRE(records.size() == 6);
  CHECK(records[0]["id"] == "docker/port-already-allocated");
  const json& seed = records[1];
  REQUIRE(seed["id"] == "huggingface/quantization-dtype-mismatch-bnb");
  CHECK(seed["localization"]["status"] == "partial");
  CHECK(seed["localization"]["translated"] == json({"/signature", "/root_cause"}));
  CHECK(seed["localization"]["fallback"].size() == 6);
  CHECK(seed["signature"].get<std::string>().find("两者不兼容") != std::string::npos);

  const json manifest = json::parse(test::read_file(k_golden + "/manifest.json"));
  CHECK(manifest["as_of"] == "2026-11-01");
  CHECK(manifest["generated_at"] == "2026-11-01T00:00:00Z");
  CHECK(manifest["locales"]["zh"]["status"] == json::parse(R"({"source":0,"translated":0,"partial":3,"fallback":3})"));
  CHECK(manifest["locales"]["en"]["domains"]["python"] == 2);
  CHECK(manifest["source"]["records"] == 6);
}

TEST_CASE("two exports of the same records are byte-identical", "[export][determinism]") {
  test::TempDir first("det1"), second("det2");
  const auto a = export_sample_database(first, first.file("out"), options_as_of("2026-11-01"));
  // A second database built another way: records stored one by one in reverse order.
  auto records = test::sample_records();
  std::reverse(records.begin(), records.end());
  test::store_records(second.file("errkb.db"), records);
  errkb::db::Database db(second.file("errkb.db"), errkb::db::Access::read_only);
  DatabaseSource source(db);
  CHECK(source.locales() == std::vector<std::string>{"en", "zh"});
  ExportOptions small_batches = options_as_of("2026-11-01");
  small_batches.batch_size = 4;
  const auto b = export_bundle(source, second.file("out"), small_batches);
  CHECK(a.content_sha256 == b.content_sha256);
  CHECK(test::read_tree(first.file("out")) == test::read_tree(second.file("out")));
  // Records from memory give the same bundle as records from a database.
  const auto c = export_records(test::sample_records(), second.file("memory"), options_as_of("2026-11-01"));
  CHECK(c.content_sha256 == a.content_sha256);
  CHECK(test::read_tree(second.file("memory")) == test::read_tree(first.file("out")));

  // Exporting again over the first bundle replaces it with the same bytes.
  const auto before = test::read_tree(first.file("out"));
  export_records(test::sample_records(), first.file("out"), options_as_of("2026-11-01"));
  CHECK(test::read_tree(first.file("out")) == before);
  CHECK(test::entries_starting_with(first.path(), ".out.").empty());
}

TEST_CASE("without a date the manifest has no timestamp and stats use the newest record", "[export]") {
  test::TempDir dir("nodate");
  export_records(test::sample_records(), dir.file("out"), ExportOptions{});
  const json manifest = json::parse(test::read_file(dir.file("out/manifest.json")));
  CHECK(manifest["as_of"].is_null());
  CHECK(manifest["generated_at"].is_null());
  const json stats = json::parse(test::read_file(dir.file("out/stats.json")));
  CHECK(stats["as_of"] == "2026-10-03");
  CHECK(stats["as_of_source"] == "newest-record");
}

TEST_CASE("withdrawn records stay in every file, flagged", "[export]") {
  auto records = test::sample_records();
  for (auto& record : records) {
    if (record["id"] == "python/module-not-found")
      record["withdrawn"] = {
          {"date", "2026-10-01"}, {"reason", "Merged"}, {"replaced_by", "python/import-error-cannot-import-name"}};
  }
  test::TempDir dir("withdrawn");
  const auto summary = export_records(records, dir.file("out"), options_as_of("2026-11-01"));
  CHECK(summary.withdrawn == 1);
  const json index = json::parse(test::read_file(dir.file("out/zh/index.json")));
  REQUIRE(index["rows"].size() == 6);
  CHECK(index["rows"][4][0] == "python/module-not-found");
  CHECK(index["rows"][4][10] == true);
  CHECK(index["rows"][3][10] == false);
  const json python = json::parse(test::read_file(dir.file("out/en/domains/python.json")));
  CHECK(python["record_count"] == 2);
  CHECK(python["records"][1]["withdrawn"]["reason"] == "Merged");
  const json manifest = json::parse(test::read_file(dir.file("out/manifest.json")));
  CHECK(manifest["source"]["withdrawn"] == 1);
  CHECK(manifest["locales"]["zh"]["withdrawn"] == 1);
  CHECK(verify_bundle(dir.file("out")).problems.empty());
}

TEST_CASE("--locales picks the locales; a locale without translations falls back", "[export]") {
  test::TempDir dir("locales");
  ExportOptions options = options_as_of("2026-11-01");
  options.locales = {"ja"};
  export_records(test::sample_records(), dir.file("out"), options);
  const auto files = test::read_tree(dir.file("out"));
  CHECK(files.count("ja/records.jsonl") == 1);
  CHECK(files.count("en/records.jsonl") == 0);
  const json manifest = json::parse(files.at("manifest.json"));
  CHECK(manifest["locales"]["ja"]["status"]["fallback"] == 6);
  CHECK(verify_bundle(dir.file("out")).problems.empty());
}

TEST_CASE("an empty database gives a valid empty bundle", "[export]") {
  test::TempDir dir("empty");
  export_records({}, dir.file("out"), options_as_of("2026-11-01"));
  const auto report = verify_bundle(dir.file("out"));
  INFO(problems_text(report));
  CHECK(report.problems.empty());
  CHECK(test::read_tree(dir.file("out")).size() == 3);
}

TEST_CASE("export refuses to replace a folder that is not a bundle", "[export]") {
  test::TempDir dir("refuse");
  test::write_file(dir.file("precious/notes.txt"), "keep me");
  CHECK_THROWS_WITH(export_records(test::sample_records(), dir.file("precious"), ExportOptions{}),
                    Catch::Contains("is not an errkb bundle"));
  CHECK(test::read_file(dir.file("precious/notes.txt")) == "keep me");
  test::write_file(dir.file("file"), "x");
  CHECK_THROWS_WITH(export_records({}, dir.file("file"), ExportOptions{}), Catch::Contains("is not a folder"));
  CHECK(test::entries_starting_with(dir.path(), ".").empty());
  // An empty folder may be filled.
  test::fs::create_directories(dir.file("empty"));
  export_records({}, dir.file("empty"), ExportOptions{});
  CHECK(verify_bundle(dir.file("empty")).problems.empty());
}

TEST_CASE("verify names each changed, missing and extra file", "[verify]") {
  test::TempDir dir("tamper");
  const std::string out = dir.file("out");
  export_records(test::sample_records(), out, options_as_of("2026-11-01"));
  REQUIRE(verify_bundle(out).problems.empty());

  SECTION("a flipped byte") {
    std::string bytes = test::read_file(out + "/zh/domains/rust.json");
    const auto at = bytes.find("mutable");
    bytes[at] = 'M';
    test::write_file(out + "/zh/domains/rust.json", bytes);
    const auto report = verify_bundle(out);
    INFO(problems_text(report));
    // The checksum, and the record no longer equal to its records.jsonl line.
    CHECK(codes_for(report, out + "/zh/domains/rust.json") == std::vector<std::string>{"checksum", "mismatch"});
    CHECK(report.problems.size() == 2);
  }
  SECTION("a deleted file") {
    test::fs::remove(out + "/en/index.json");
    const auto report = verify_bundle(out);
    INFO(problems_text(report));
    REQUIRE(report.problems.size() == 1);
    CHECK(errkb::format_text(report.problems[0]) == out + "/en/index.json: error: missing (listed in manifest.json)");
  }
  SECTION("an added file") {
    test::write_file(out + "/zh/domains/extra.json", "{}\n");
    const auto report = verify_bundle(out);
    INFO(problems_text(report));
    REQUIRE(report.problems.size() == 1);
    CHECK(errkb::format_text(report.problems[0]) ==
          out + "/zh/domains/extra.json: error: is not listed in manifest.json");
  }
  SECTION("all three at once, each named") {
    std::string bytes = test::read_file(out + "/stats.json");
    bytes[bytes.find("\"records\": 6")] = ' ';
    test::write_file(out + "/stats.json", bytes);
    test::fs::remove(out + "/zh/records.jsonl");
    test::write_file(out + "/README", "hi\n");
    const auto report = verify_bundle(out);
    INFO(problems_text(report));
    CHECK(codes_for(report, out + "/stats.json") == std::vector<std::string>{"checksum", "parse"});
    CHECK(codes_for(report, out + "/zh/records.jsonl") == std::vector<std::string>{"missing-file"});
    CHECK(codes_for(report, out + "/README") == std::vector<std::string>{"extra-file"});
  }
  SECTION("a changed manifest") {
    std::string bytes = test::read_file(out + "/manifest.json");
    // source.records, the first "records" of the manifest.
    bytes.replace(bytes.find("\"records\": 6"), 12, "\"records\": 7");
    test::write_file(out + "/manifest.json", bytes);
    const auto report = verify_bundle(out);
    INFO(problems_text(report));
    // The checksum, and the count against each locale's records.jsonl and stats.json.
    CHECK(codes_for(report, out + "/manifest.json") == std::vector<std::string>{"checksum", "count", "count"});
    CHECK(codes_for(report, out + "/stats.json") == std::vector<std::string>{"count"});
  }
  SECTION("a consistent forgery: a record edited and every checksum updated") {
    // Checksums alone would pass; the cross-checks of the files do not.
    std::string records = test::read_file(out + "/en/records.jsonl");
    records.replace(records.find("\"confidence\":0.9,"), 17, "\"confidence\":1.0,");
    test::write_file(out + "/en/records.jsonl", records);
    json manifest = json::parse(test::read_file(out + "/manifest.json"));
    for (auto& file : manifest["files"]) {
      if (file["path"] == "en/records.jsonl") {
        file["sha256"] = sha256_hex(records);
        file["size"] = records.size();
      }
    }
    const std::string manifest_text = manifest.dump(2) + "\n";
    test::write_file(out + "/manifest.json", manifest_text);
    std::string sums;
    for (const auto& file : manifest["files"])
      sums += file["sha256"].get<std::string>() + "  " + file["path"].get<std::string>() + "\n";
    sums += sha256_hex(manifest_text) + "  manifest.json\n";
    test::write_file(out + "/SHA256SUMS", sums);
    const auto report = verify_bundle(out);
    INFO(problems_text(report));
    CHECK_FALSE(report.problems.empty());
    CHECK(codes_for(report, out + "/en/index.json") == std::vector<std::string>{"mismatch"});
  }
  SECTION("a missing bundle") {
    const auto report = verify_bundle(dir.file("nothing"));
    REQUIRE(report.problems.size() == 1);
    CHECK(report.problems[0].code == "missing-bundle");
  }
}

TEST_CASE("verify validates records against the bundle schema", "[verify]") {
  test::TempDir dir("schema");
  const std::string out = dir.file("out");
  export_records(test::sample_records(), out, options_as_of("2026-11-01"));
  // A schema-invalid record line (resolvable as a boolean), checksums made consistent.
  std::string records = test::read_file(out + "/en/records.jsonl");
  records.replace(records.find("\"resolvable\":\"true\""), 19, "\"resolvable\":true  ");
  test::write_file(out + "/en/records.jsonl", records);
  const auto report = verify_bundle(out);
  INFO(problems_text(report));
  bool schema_problem = false;
  for (const auto& problem : report.problems) {
    if (problem.code == "schema" && problem.file == out + "/en/records.jsonl" && problem.line == 1 &&
        problem.pointer == "/resolvable")
      schema_problem = true;
  }
  CHECK(schema_problem);
}

TEST_CASE("the bundle schema is a valid draft-07 schema", "[schema]") {
  const json meta = json::parse(test::read_file(ERRKB_TEST_DATA "/draft-07.schema.json"));
  valijson::Schema meta_schema;
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::NlohmannJsonAdapter meta_adapter(meta);
  parser.populateSchema(meta_adapter, meta_schema);
  valijson::Validator validator;
  valijson::adapters::NlohmannJsonAdapter adapter(bundle_schema());
  CHECK(validator.validate(meta_schema, adapter, nullptr));
  CHECK(bundle_schema_text() == test::read_file(ERRKB_SOURCE_DIR "/schema/bundle.schema.json"));
}

TEST_CASE("the bundle's record definition follows the record schema", "[schema]") {
  // Every record field but `locale`, plus `localization`; same required fields.
  const json& record_schema = errkb::schema::record_schema();
  const json& bundle_record = bundle_schema()["definitions"]["record"];
  std::set<std::string> expected, found;
  for (const auto& item : record_schema["properties"].items())
    if (item.key() != "locale") expected.insert(item.key());
  expected.insert("localization");
  for (const auto& item : bundle_record["properties"].items()) found.insert(item.key());
  CHECK(found == expected);
  json required = record_schema["required"];
  required.push_back("localization");
  CHECK(bundle_record["required"] == required);
}
