#pragma once
// Helpers shared by the unit tests of every module: scratch folders, reading and
// writing files, running errkb in this process or a program as a child process.
// Each module's support.hpp includes this and adds what only its tests need.
#include "cli/command.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <vector>

extern char** environ;

namespace errkb::test {

// A fresh folder under the system temp folder, errkb-<tag>-<pid>-<n>, removed with
// everything in it on destruction.
class TempDir {
public:
  explicit TempDir(const std::string& tag = "test") {
    static std::atomic<int> counter{0};
    m_path = std::filesystem::temp_directory_path() /
             ("errkb-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
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
  std::string file(const std::string& relative) const { return (m_path / relative).string(); }

private:
  std::filesystem::path m_path;
};

// The bytes of the file at `path`; throws when it cannot be opened.
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Writes `bytes` to the file at `path`, replacing it and creating its folder; throws
// when that fails.
inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// Every regular file under `root`: path relative to `root` -> bytes.
inline std::map<std::string, std::string> read_tree(const std::filesystem::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.is_regular_file())
      files[entry.path().lexically_relative(root).generic_string()] = read_file(entry.path());
  }
  return files;
}

// What a run of errkb or of a child process gave.
struct RunResult {
  int code = -1; // exit status; -1 when a signal ended the process
  std::string out;
  std::string err;
};

// Runs `errkb args...` in this process (cli::run_main), in the folder `cwd` when
// one is given (the process's working folder is restored afterwards).
inline RunResult run_main(const std::vector<std::string>& args, const std::filesystem::path& cwd = {}) {
  std::vector<const char*> argv{"errkb"};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  struct WorkingFolder {
    std::filesystem::path previous;
    ~WorkingFolder() {
      if (!previous.empty()) std::filesystem::current_path(previous);
    }
  } working_folder;
  if (!cwd.empty()) {
    working_folder.previous = std::filesystem::current_path();
    std::filesystem::current_path(cwd);
  }
  std::ostringstream out, err;
  RunResult run;
  run.code = cli::run_main(static_cast<int>(argv.size()), argv.data(), out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

// How a child process is started beyond its arguments.
struct ProcessOptions {
  std::vector<std::string> unset_env;                       // names removed from this process's environment
  std::vector<std::pair<std::string, std::string>> set_env; // NAME, value: added, replacing a variable of that name
  std::string cwd;                                          // folder to run in; "" for this process's
};

// A running child process: `argv` (argv[0] a path) with stdin from /dev/null and
// stdout and stderr written to the files `out_path` and `err_path`, so that no pipe
// can fill up and block it. The destructor kills and reaps a child still running.
class Child {
public:
  Child(const std::vector<std::string>& argv, const std::string& out_path, const std::string& err_path,
        const ProcessOptions& options = {})
      : m_out(out_path), m_err(err_path) {
    std::vector<std::string> args = argv;
    std::vector<char*> arg_pointers;
    for (auto& arg : args) arg_pointers.push_back(arg.data());
    arg_pointers.push_back(nullptr);
    std::vector<std::string> env = environment(options);
    std::vector<char*> env_pointers;
    for (auto& variable : env) env_pointers.push_back(variable.data());
    env_pointers.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, m_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, m_err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    // After the opens: the output paths are relative to this process's folder.
    if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
    const int rc = ::posix_spawn(&m_pid, arg_pointers[0], &actions, nullptr, arg_pointers.data(), env_pointers.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("posix_spawn " + args[0] + ": " + std::strerror(rc));
  }
  ~Child() {
    if (m_pid > 0 && !m_reaped) {
      ::kill(m_pid, SIGKILL);
      int status = 0;
      ::waitpid(m_pid, &status, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return m_pid; }

  // True (and the status kept) when the child has exited; never blocks.
  bool exited() {
    if (m_reaped) return true;
    const pid_t r = ::waitpid(m_pid, &m_status, WNOHANG);
    if (r == m_pid) m_reaped = true;
    return m_reaped;
  }

  // Waits for the child; returns its raw wait status.
  int wait() {
    if (!m_reaped) {
      while (::waitpid(m_pid, &m_status, 0) < 0) {
        if (errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
      }
      m_reaped = true;
    }
    return m_status;
  }

  // Exit code, or 128 + signal number when a signal ended it.
  int exit_code() {
    const int status = wait();
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  void kill(int signal = SIGKILL) const { ::kill(m_pid, signal); }

  std::string out() const { return read_file(m_out); }
  std::string err() const { return read_file(m_err); }

private:
  // This process's environment changed by `options`, as NAME=value strings.
  static std::vector<std::string> environment(const ProcessOptions& options) {
    std::vector<std::string> env;
    for (char** variable = environ; *variable != nullptr; ++variable) env.emplace_back(*variable);
    const auto remove = [&env](const std::string& name) {
      std::erase_if(env, [&name](const std::string& variable) {
        return variable.size() > name.size() && variable.compare(0, name.size(), name) == 0 &&
               variable[name.size()] == '=';
      });
    };
    for (const auto& name : options.unset_env) remove(name);
    for (const auto& [name, value] : options.set_env) {
      remove(name);
      env.push_back(name + "=" + value);
    }
    return env;
  }

  pid_t m_pid = -1;
  int m_status = 0;
  bool m_reaped = false;
  std::string m_out;
  std::string m_err;
};

// Runs `argv` as a Child to its end, its output captured through files in a
// temporary folder.
inline RunResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {}) {
  const TempDir capture("run");
  Child child(argv, capture.file("stdout"), capture.file("stderr"), options);
  const int status = child.wait();
  RunResult result;
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = child.out();
  result.err = child.err();
  return result;
}

// The command line of the errkb executable (ERRKB_BINARY) with `args`.
inline std::vector<std::string> errkb_command(const std::vector<std::string>& args) {
  std::vector<std::string> argv{ERRKB_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// Runs the errkb executable with `args` as a child process (see run_process).
inline RunResult run_binary(const std::vector<std::string>& args, const ProcessOptions& options = {}) {
  return run_process(errkb_command(args), options);
}

} // namespace errkb::test
