#pragma once
// Shared helpers of the lint tests: fixture paths, scratch folders, running errkb.
#include <cstdio>
#include <cstdlib>
#include <sys/wait.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace lint_test {

inline std::string data(const std::string& relative) { return std::string(ERRKB_TEST_DATA) + "/" + relative; }

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A fresh folder removed when the object goes away.
class ScratchDir {
public:
  ScratchDir() {
    std::random_device seed;
    m_path = std::filesystem::temp_directory_path() / ("errkb-lint-test-" + std::to_string(seed()));
    std::filesystem::create_directories(m_path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string path() const { return m_path.string(); }
  std::string operator/(const std::string& relative) const { return (m_path / relative).string(); }

private:
  std::filesystem::path m_path;
};

struct Run {
  int rc = -1;
  std::string out;
  std::string err;
};

// Runs `errkb ARGS` in `cwd` through the shell, capturing stdout and stderr.
inline Run run_errkb(const std::string& cwd, const std::string& args) {
  ScratchDir scratch;
  const std::string command = "cd '" + cwd + "' && '" + std::string(ERRKB_BINARY) + "' " + args + " >'" +
                              (scratch / "out") + "' 2>'" + (scratch / "err") + "'";
  const int status = std::system(command.c_str());
  Run run;
  run.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = read_file(scratch / "out");
  run.err = read_file(scratch / "err");
  return run;
}

} // namespace lint_test
