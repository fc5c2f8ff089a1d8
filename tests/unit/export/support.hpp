#pragma once
// Helpers shared by the export (errkb::bundle) tests.
#include "db/database.hpp"
#include "db/writer.hpp"
#include "export/source.hpp"
#include "ingest/loader.hpp"
#include "ingest/sync.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <vector>

namespace errkb::bundle::test {

namespace fs = std::filesystem;

// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
public:
  explicit TempDir(const std::string& tag = "t") {
    static std::atomic<int> counter{0};
    m_path = fs::temp_directory_path() /
             ("errkb-export-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(m_path);
    fs::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(m_path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path() const { return m_path.string(); }
  std::string file(const std::string& name) const { return (m_path / name).string(); }

private:
  fs::path m_path;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Every regular file under `dir` (relative path -> bytes).
inline std::map<std::string, std::string> read_tree(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file())
      files[fs::relative(entry.path(), dir).generic_string()] = read_bytes(entry.path().string());
  }
  return files;
}

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

// What a finished child process gave: its exit code (-1 when killed by a signal), stdout, stderr.
struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] a path) to its end with stdin from /dev/null, stdout and
// stderr captured in files of a temporary folder, the environment of this
// process without SOURCE_DATE_EPOCH and ERRKB_DB, plus `env` (NAME, value),
// in the current folder or `cwd`.
inline RunResult run_process(const std::vector<std::string>& argv_text,
                             const std::vector<std::pair<std::string, std::string>>& env = {},
                             const std::string& cwd = "") {
  TempDir capture("run");
  const std::string out_path = capture.file("stdout"), err_path = capture.file("stderr");
  std::vector<std::string> args = argv_text;
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) ::_exit(126);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::unsetenv("SOURCE_DATE_EPOCH");
    ::unsetenv("ERRKB_DB");
    for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  }
  RunResult result;
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_bytes(out_path);
  result.err = read_bytes(err_path);
  return result;
}

// Runs the errkb binary with `args` (see run_process).
inline RunResult run_errkb(const std::vector<std::string>& args,
                           const std::vector<std::pair<std::string, std::string>>& env = {}) {
  std::vector<std::string> argv{ERRKB_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, env);
}

// Copies the folder `from` to `to` (created), recursively.
inline void copy_tree(const std::string& from, const std::string& to) {
  fs::create_directories(to);
  fs::copy(from, to, fs::copy_options::recursive);
}

// Checks that `dir` holds the golden bundle with its date from SOURCE_DATE_EPOCH
// (2026-11-01T00:00:00Z): the same files, byte for byte, but for stats.json's
// as_of_source and the checksums of stats.json in manifest.json and SHA256SUMS.
inline void check_golden_from_epoch(const std::string& dir) {
  const auto files = read_tree(dir);
  const auto golden = read_tree(ERRKB_TEST_DATA "/golden/export");
  std::vector<std::string> paths, golden_paths;
  for (const auto& [path, bytes] : files) paths.push_back(path);
  for (const auto& [path, bytes] : golden) golden_paths.push_back(path);
  REQUIRE(paths == golden_paths);
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
