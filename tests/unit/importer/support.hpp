#pragma once
// Helpers shared by the importer tests.
#include "importer/deadends.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>
#include <vector>

extern char** environ;

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

struct BinaryRun {
  int code = -1; // exit status; -1 when the process did not exit normally
  std::string out;
  std::string err;
};

// Runs the errkb executable (ERRKB_BINARY) as a child process with `args`, stdin
// from /dev/null, stdout and stderr captured through files (no pipe can fill up).
inline BinaryRun run_binary(const std::vector<std::string>& args) {
  const TempDir io("binary-io");
  const std::string out_path = (io.path() / "out").string();
  const std::string err_path = (io.path() / "err").string();
  std::vector<std::string> text{ERRKB_BINARY};
  text.insert(text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : text) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("posix_spawn " + text[0] + ": " + std::strerror(rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
  }
  BinaryRun run;
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = read_bytes(out_path);
  run.err = read_bytes(err_path);
  return run;
}

} // namespace errkb::test
