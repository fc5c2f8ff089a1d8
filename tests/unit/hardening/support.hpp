#pragma once
// Helpers of the hardening tests beyond the shared ones: running the errkb binary
// to completion with its output captured in the test's folder, generated records
// and a dump of the database state.
#include "db/database.hpp"
#include "tests/unit/common/support.hpp"

#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace errkb::hardening::test {

namespace fs = std::filesystem;

using errkb::test::Child;
using errkb::test::errkb_command;
using errkb::test::read_file;
using errkb::test::TempDir;
using errkb::test::write_file;

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
    Child child(errkb_command(args), out, err);
    run.exit_code = child.exit_code();
  }
  run.out = read_file(out);
  run.err = read_file(err);
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
