#pragma once
// Helpers of the importer tests beyond the shared ones: the deadends corpus and
// its import.
#include "importer/deadends.hpp"
#include "tests/unit/common/support.hpp"

#include <filesystem>

namespace errkb::test {

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
