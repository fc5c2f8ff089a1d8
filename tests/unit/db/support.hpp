#pragma once
// Shared helpers of the db unit tests.
#include "db/database.hpp"

#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace errkb::db::test {

// A fresh directory removed at the end of the test.
class TempDir {
public:
  TempDir() {
    static std::atomic<int> counter{0};
    m_path = std::filesystem::temp_directory_path() /
             ("errkb-db-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(m_path);
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (m_path / name).string(); }

private:
  std::filesystem::path m_path;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The seed record of the shared corpus.
inline nlohmann::json seed_record() {
  return nlohmann::json::parse(read_text(ERRKB_SHARED_DIR "/seeds/000_1404cc3351d03e6f.txt"));
}

inline long long scalar(Database& db, const std::string& sql) {
  SQLite::Statement query(db.sql(), sql);
  query.executeStep();
  return query.getColumn(0).getInt64();
}

inline long long rows(Database& db, const std::string& table) { return scalar(db, "SELECT count(*) FROM " + table); }

} // namespace errkb::db::test
