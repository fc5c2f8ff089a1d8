#pragma once
// Helpers shared by the export (errkb::bundle) tests.
#include "db/database.hpp"
#include "db/writer.hpp"
#include "export/source.hpp"
#include "ingest/loader.hpp"
#include "ingest/sync.hpp"
#include "tests/unit/common/support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <stdexcept>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace errkb::bundle::test {

namespace fs = std::filesystem;

using errkb::test::read_file;
using errkb::test::read_tree;
using errkb::test::RunResult;
using errkb::test::TempDir;
using errkb::test::write_file;

// Entries of `parent` whose name starts with `prefix` (leftovers of staging folders).
inline std::vector<std::string> entries_starting_with(const std::string& parent, const std::string& prefix) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(parent)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0) names.push_back(name);
  }
  return names;
}

// The records of records/ in the source tree, parsed.
inline std::vector<nlohmann::json> sample_records() {
  std::vector<nlohmann::json> records;
  for (const auto& entry : fs::recursive_directory_iterator(ERRKB_SOURCE_DIR "/records")) {
    if (!entry.is_regular_file()) continue;
    auto loaded = ingest::load_file(entry.path().string());
    if (!loaded.diagnostics.empty()) throw std::runtime_error("cannot load " + entry.path().string());
    for (auto& record : loaded.records) records.push_back(std::move(record.value));
  }
  return records;
}

// Ingests records/ of the source tree into a new database at `path`.
inline void ingest_sample_records(const std::string& path) {
  db::Database db(path, db::Access::read_write);
  ingest::SyncOptions options;
  options.strictness = ingest::Strictness::strict;
  const auto report = ingest::sync(db, {ERRKB_SOURCE_DIR "/records"}, options);
  if (!report.committed || report.added != 6) throw std::runtime_error("ingesting records/ failed");
}

// `count` records made from the sample records, with ids `<domain>/gen-<n>-<slug>`
// and translations into every locale of `locales`.
inline std::vector<nlohmann::json> generated_records(std::size_t count, const std::vector<std::string>& locales) {
  const auto samples = sample_records();
  std::vector<nlohmann::json> records;
  records.reserve(count);
  for (std::size_t n = 0; n < count; ++n) {
    nlohmann::json record = samples[n % samples.size()];
    const std::string id = record["id"].get<std::string>();
    const std::string domain = id.substr(0, id.find('/'));
    const std::string slug = id.substr(id.find('/') + 1);
    record["id"] = domain + "/gen-" + std::to_string(n) + "-" + slug;
    record["transition_graph"] = {{"leads_to", nlohmann::json::array()},
                                  {"preceded_by", nlohmann::json::array()},
                                  {"frequently_confused_with", nlohmann::json::array()}};
    for (const auto& locale : locales) {
      record["signature_" + locale] = "[" + locale + "] " + record["signature"].get<std::string>();
      record["root_cause_" + locale] = "[" + locale + "] " + record["root_cause"].get<std::string>();
      nlohmann::json workarounds = nlohmann::json::array();
      for (const auto& w : record["workarounds"])
        workarounds.push_back("[" + locale + "] " + w["action"].get<std::string>());
      record["workarounds_" + locale] = workarounds;
    }
    records.push_back(std::move(record));
  }
  return records;
}

// Stores `records` in a new database at `path` (no files, one transaction).
inline void store_records(const std::string& path, const std::vector<nlohmann::json>& records) {
  db::Database db(path, db::Access::read_write);
  db::Writer writer(db);
  for (const auto& record : records) writer.upsert_record(record, "", 0);
  writer.commit();
}

// Runs `argv` (argv[0] a path) as a child process (see errkb::test::run_process)
// without SOURCE_DATE_EPOCH and ERRKB_DB in its environment, so that a bundle's
// date and database come only from the test, plus `env` (NAME, value).
inline RunResult run_process(const std::vector<std::string>& argv,
                             const std::vector<std::pair<std::string, std::string>>& env = {}) {
  return errkb::test::run_process(argv, {{"SOURCE_DATE_EPOCH", "ERRKB_DB"}, env, ""});
}

// Runs the errkb binary with `args` (see run_process).
inline RunResult run_errkb(const std::vector<std::string>& args,
                           const std::vector<std::pair<std::string, std::string>>& env = {}) {
  return run_process(errkb::test::errkb_command(args), env);
}

// Copies the folder `from` to `to` (created), recursively.
inline void copy_tree(const std::string& from, const std::string& to) {
  fs::create_directories(to);
  fs::copy(from, to, fs::copy_options::recursive);
}

inline const std::string k_golden_bundle = ERRKB_TEST_DATA "/golden/export";

// Requires that the trees `files` and `golden` (read_tree) hold the same paths.
inline void require_same_paths(const std::map<std::string, std::string>& files,
                               const std::map<std::string, std::string>& golden) {
  std::vector<std::string> paths, golden_paths;
  for (const auto& [path, bytes] : files) paths.push_back(path);
  for (const auto& [path, bytes] : golden) golden_paths.push_back(path);
  REQUIRE(paths == golden_paths);
}

// Checks that the tree `files` is the golden bundle, byte for byte.
inline void check_golden(const std::map<std::string, std::string>& files) {
  const auto golden = read_tree(k_golden_bundle);
  require_same_paths(files, golden);
  for (const auto& [path, bytes] : files) {
    INFO(path);
    CHECK(bytes == golden.at(path));
  }
}

// Checks that `dir` holds the golden bundle with its date from SOURCE_DATE_EPOCH
// (2026-11-01T00:00:00Z): the same files, byte for byte, but for stats.json's
// as_of_source and the checksums of stats.json in manifest.json and SHA256SUMS.
inline void check_golden_from_epoch(const std::string& dir) {
  const auto files = read_tree(dir);
  const auto golden = read_tree(k_golden_bundle);
  require_same_paths(files, golden);
  for (const auto& [path, bytes] : files) {
    INFO(path);
    if (path == "stats.json") {
      nlohmann::json stats = nlohmann::json::parse(bytes);
      CHECK(stats["as_of_source"] == "SOURCE_DATE_EPOCH");
      stats["as_of_source"] = "option";
      CHECK(stats.dump(2) + "\n" == golden.at(path));
    } else if (path == "manifest.json") {
      nlohmann::json manifest = nlohmann::json::parse(bytes), expected = nlohmann::json::parse(golden.at(path));
      for (auto* m : {&manifest, &expected})
        for (auto& file : (*m)["files"])
          if (file["path"] == "stats.json") {
            file.erase("sha256");
            file.erase("size");
          }
      CHECK(manifest == expected);
    } else if (path != "SHA256SUMS") {
      CHECK(bytes == golden.at(path));
    }
  }
}

} // namespace errkb::bundle::test
