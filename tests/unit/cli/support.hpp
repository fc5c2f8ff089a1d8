#pragma once
// Running errkb in-process for CLI tests: argv in, exit code + stdout + stderr out.
#include "cli/command.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace errkb::test {

struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs `errkb args...` with the working directory `cwd`.
inline Run run_errkb(const std::vector<std::string>& args, const std::filesystem::path& cwd) {
  std::vector<const char*> argv{"errkb"};
  for (const auto& a : args) argv.push_back(a.c_str());
  auto previous = std::filesystem::current_path();
  std::filesystem::current_path(cwd);
  std::ostringstream out, err;
  Run run;
  run.code = cli::run_main(static_cast<int>(argv.size()), argv.data(), out, err);
  std::filesystem::current_path(previous);
  run.out = out.str();
  run.err = err.str();
  return run;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh temporary directory, removed when the object goes away.
class TempDir {
public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "errkb-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    m_path = pattern;
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

} // namespace errkb::test
