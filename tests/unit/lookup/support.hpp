#pragma once
// Shared helpers of the lookup tests: databases built from records/ (six
// hand-written records) and from the imported deadends corpus (2,522 records).
#include "cli/command.hpp"
#include "db/database.hpp"
#include "importer/deadends.hpp"
#include "ingest/sync.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace errkb::lookup::test {

// A fresh directory removed at the end of its scope.
class TempDir {
public:
  TempDir() {
    static std::atomic<int> counter{0};
    m_path = std::filesystem::temp_directory_path() /
             ("errkb-lookup-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(m_path);
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return m_path; }
  std::string file(const std::string& name) const { return (m_path / name).string(); }

private:
  std::filesystem::path m_path;
};

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A database file holding the records of records/, ingested once per test process.
inline const std::string& small_db_path() {
  static TempDir dir;
  static const std::string path = [] {
    const std::string file = dir.file("small.db");
    db::Database db(file, db::Access::read_write);
    const auto report = ingest::sync(db, {ERRKB_SOURCE_DIR "/records"});
    REQUIRE(report.committed);
    REQUIRE(report.added == 6);
    return file;
  }();
  return path;
}

// A database file holding the deadends corpus imported by `errkb import deadends`
// and ingested, once per test process.
inline const std::string& corpus_db_path() {
  static TempDir dir;
  static const std::string path = [] {
    const auto records = dir.path() / "records";
    const auto imported = importer::import_deadends(ERRKB_SHARED_DIR "/corpus/deadends", records);
    REQUIRE(imported.converted > 2500);
    const std::string file = dir.file("corpus.db");
    db::Database db(file, db::Access::read_write);
    const auto report = ingest::sync(db, {records.string()});
    REQUIRE(report.committed);
    REQUIRE(static_cast<std::size_t>(report.added) == imported.converted);
    return file;
  }();
  return path;
}

struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs `errkb args...` in-process.
inline Run run_errkb(const std::vector<std::string>& args) {
  std::vector<const char*> argv{"errkb"};
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  Run run;
  run.code = cli::run_main(static_cast<int>(argv.size()), argv.data(), out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

} // namespace errkb::lookup::test
