#pragma once
// Shared helpers of the hardening tests: scratch folders, running the errkb
// binary as a child process, generated records and a dump of the database state.
#include "db/database.hpp"

#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
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
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace errkb::hardening::test {

namespace fs = std::filesystem;

// A fresh folder under the system temp folder, removed at the end of the test.
class TempDir {
public:
  explicit TempDir(const std::string& tag) {
    static std::atomic<int> counter{0};
    m_path = fs::temp_directory_path() /
             ("errkb-hard-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(m_path);
    fs::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(m_path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return m_path; }
  std::string file(const std::string& relative) const { return (m_path / relative).string(); }

private:
  fs::path m_path;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// A running errkb child process. Its stdout and stderr go to files so that no pipe
// can fill up and block it; the destructor kills and reaps a child still running.
class Child {
public:
  Child(const std::vector<std::string>& args, const std::string& out_path, const std::string& err_path)
      : m_out(out_path), m_err(err_path) {
    std::vector<std::string> text{ERRKB_BINARY};
    text.insert(text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& arg : text) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, m_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, m_err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int rc = ::posix_spawn(&m_pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("posix_spawn " + text[0] + ": " + std::strerror(rc));
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
      while (::waitpid(m_pid, &m_status, 0) < 0 && errno == EINTR) {
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

  std::string out() const { return read_text(m_out); }
  std::string err() const { return read_text(m_err); }

private:
  pid_t m_pid = -1;
  int m_status = 0;
  bool m_reaped = false;
  std::string m_out;
  std::string m_err;
};

struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs errkb with `args` to completion; its output is captured through files in `scratch`.
inline Run run_errkb(const std::vector<std::string>& args, const fs::path& scratch) {
  static std::atomic<int> counter{0};
  const int n = counter++;
  const std::string out = (scratch / (".run-" + std::to_string(n) + ".out")).string();
  const std::string err = (scratch / (".run-" + std::to_string(n) + ".err")).string();
  Run run;
  {
    Child child(args, out, err);
    run.exit_code = child.exit_code();
  }
  run.out = read_text(out);
  run.err = read_text(err);
  std::error_code ignored;
  fs::remove(out, ignored);
  fs::remove(err, ignored);
  return run;
}

// A small valid record: number `n`, in the version `generation`. Numbers are exact
// binary fractions so that the stored canonical JSON equals the source byte for byte.
inline nlohmann::json make_record(int n, int generation) {
  const std::string num = std::to_string(n);
  const std::string gen = std::to_string(generation);
  nlohmann::json record{
    {"id", "gen" + std::to_string(n % 7) + "/record-" + num},
    {"signature", "GeneratedError" + num + ": something failed in step " + gen},
    {"regex", "GeneratedError" + num + ": something failed"},
    {"domain", "gen" + std::to_string(n % 7)},
    {"category", "runtime_error"},
    {"root_cause", "Record " + num + " of generation " + gen + " explains why step " + gen + " fails."},
    {"dead_ends",
     nlohmann::json::array({{{"action", "Retry " + num}, {"why_fails", "It fails again"}, {"fail_rate", 0.75}}})},
    {"workarounds",
     nlohmann::json::array({{{"action", "Fix " + num}, {"how", "Apply fix " + gen}, {"success_rate", 0.5}}})},
    {"verification_tier", "ai_generated"},
    {"confidence", 0.5},
    {"fix_success_rate", 0.25},
    {"resolvable", "true"},
    {"first_seen", "2024-01-01"},
    {"last_confirmed", "2025-06-30"},
    {"tags", nlohmann::json::array({"generated", "gen-" + gen})},
  };
  return record;
}

// What a database holds: record id -> canonical JSON (and stale flag), plus the
// number of ingest runs and files. Two equal States are the same database content.
struct State {
  std::map<std::string, std::string> records;
  std::map<std::string, bool> stale;
  long long runs = 0;
  long long files = 0;
  long long search_docs = 0;

  bool operator==(const State& other) const {
    return records == other.records && stale == other.stale && runs == other.runs && files == other.files &&
           search_docs == other.search_docs;
  }
};

inline long long scalar(db::Database& db, const char* sql) {
  SQLite::Statement query(db.sql(), sql);
  query.executeStep();
  return query.getColumn(0).getInt64();
}

// Reads the State of the database at `path` through one read transaction.
inline State read_state(const std::string& path) {
  db::Database db(path, db::Access::read_only);
  State state;
  db.sql().exec("BEGIN");
  SQLite::Statement query(db.sql(), "SELECT id, json, stale FROM records ORDER BY id");
  while (query.executeStep()) {
    const std::string id = query.getColumn(0).getString();
    state.records[id] = nlohmann::json::parse(query.getColumn(1).getString()).dump();
    state.stale[id] = query.getColumn(2).getInt() != 0;
  }
  state.runs = scalar(db, "SELECT count(*) FROM ingest_runs");
  state.files = scalar(db, "SELECT count(*) FROM files");
  state.search_docs = scalar(db, "SELECT count(*) FROM search_docs");
  db.sql().exec("COMMIT");
  return state;
}

// Short description of how `found` differs from `expected`, for failure messages.
inline std::string describe_difference(const State& found, const State& expected) {
  std::ostringstream text;
  text << "records " << found.records.size() << " vs " << expected.records.size() << ", runs " << found.runs
       << " vs " << expected.runs << ", files " << found.files << " vs " << expected.files << ", search_docs "
       << found.search_docs << " vs " << expected.search_docs;
  int shown = 0;
  for (const auto& [id, json] : expected.records) {
    auto it = found.records.find(id);
    if (it == found.records.end()) {
      text << "\n  missing " << id;
    } else if (it->second != json) {
      text << "\n  differs " << id << ": " << it->second << "\n     expected " << json;
    } else {
      continue;
    }
    if (++shown == 5) break;
  }
  for (const auto& [id, json] : found.records) {
    if (shown >= 10) break;
    if (expected.records.count(id) == 0) {
      text << "\n  extra " << id;
      ++shown;
    }
  }
  return text.str();
}

} // namespace errkb::hardening::test
