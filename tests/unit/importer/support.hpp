#pragma once
// Helpers shared by the importer tests.
#include "importer/deadends.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <system_error>
#include <unistd.h>

namespace errkb::test {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
public:
  explicit TempDir(const std::string& tag) {
    static std::atomic<int> counter{0};
    m_path = std::filesystem::temp_directory_path() /
             ("errkb-importer-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
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

private:
  std::filesystem::path m_path;
};

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Every regular file under `root`, relative path -> bytes.
inline std::map<std::string, std::string> read_tree(const std::filesystem::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.is_regular_file())
      files[entry.path().lexically_relative(root).generic_string()] = read_bytes(entry.path());
  }
  return files;
}

inline const std::filesystem::path& corpus_dir() {
  static const std::filesystem::path dir = std::filesystem::path(ERRKB_SHARED_DIR) / "corpus" / "deadends";
  return dir;
}

inline const std::filesystem::path& bad_fixtures_dir() {
  static const std::filesystem::path dir = std::filesystem::path(ERRKB_TEST_DATA) / "deadends-bad";
  return dir;
}

// The whole corpus imported (as JSON) once per test run, shared by the tests that only
// read the result.
struct CorpusImport {
  TempDir out{"corpus"};
  importer::ImportReport report = importer::import_deadends(corpus_dir(), out.path());
};

inline const CorpusImport& corpus_import() {
  static const CorpusImport import;
  return import;
}

} // namespace errkb::test
