// The errkb binary exporting a large database is SIGKILLed at several moments:
// the bundle folder must always verify as the complete old or the complete new bundle.
#include "export/sha256.hpp"
#include "export/verify.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <random>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace errkb::bundle;
using nlohmann::json;

namespace {

// Starts the errkb binary with `args`, its output discarded.
pid_t spawn_errkb(const std::vector<std::string>& args) {
  std::vector<std::string> argv_text{ERRKB_BINARY};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_text) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::unsetenv("SOURCE_DATE_EPOCH");
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

std::vector<std::string> export_args(const std::string& db, const std::string& out, const std::string& date) {
  return {"export", "--db", db, "--out", out, "--as-of", date};
}

// The manifest's as_of of the bundle at `out` when it is complete: exactly the files
// of SHA256SUMS, each with its checksum (what `sha256sum -c` and the checksum part of
// verify check, in a fraction of a full verify's time); "" otherwise.
std::string complete_bundle_date(const std::string& out) {
  if (!test::fs::is_directory(out)) return "";
  const auto files = test::read_tree(out);
  if (!files.count("SHA256SUMS") || !files.count("manifest.json")) return "";
  std::set<std::string> listed{"SHA256SUMS"};
  const std::string sums = files.at("SHA256SUMS");
  for (std::size_t start = 0, end; (end = sums.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = sums.substr(start, end - start);
    const std::string path = line.substr(66);
    if (!files.count(path) || errkb::bundle::sha256_hex(files.at(path)) != line.substr(0, 64)) return "";
    listed.insert(path);
  }
  if (listed.size() != files.size()) return "";
  return json::parse(files.at("manifest.json"))["as_of"].get<std::string>();
}

// The same, after a full verify_bundle.
std::string verified_bundle_date(const std::string& out) {
  const auto report = verify_bundle(out);
  for (const auto& problem : report.problems) UNSCOPED_INFO(errkb::format_text(problem));
  return report.problems.empty() ? complete_bundle_date(out) : "";
}

} // namespace

TEST_CASE("errkb export killed at any moment leaves the old or the new bundle", "[kill]") {
  test::TempDir dir("kill");
  const std::string db = dir.file("large.db");
  const std::string out = dir.file("bundle");
  // 1,500 records in 6 locales: 9,000 localized records per export.
  test::store_records(db, test::generated_records(1500, {"de", "fr", "ja", "pt-br", "zh"}));

  const auto start = std::chrono::steady_clock::now();
  REQUIRE(wait_for(spawn_errkb(export_args(db, out, "2026-01-01"))) == 0);
  const auto duration = std::chrono::steady_clock::now() - start;
  std::string current = "2026-01-01";
  REQUIRE(verified_bundle_date(out) == current);

  // 24 kills at seeded random moments between the start and twice the measured
  // duration: some land before the rename, some after the end (timing varies on a
  // loaded machine, hence the margin).
  std::set<std::string> outcomes;
  std::mt19937 random(20261128);
  std::uniform_real_distribution<double> moment(0.0, 2.0);
  constexpr int k_kills = 24;
  for (int k = 0; k < k_kills; ++k) {
    const std::string next = "2026-02-" + std::string(k < 9 ? "0" : "") + std::to_string(k + 1);
    const double at = moment(random);
    const pid_t pid = spawn_errkb(export_args(db, out, next));
    std::this_thread::sleep_for(std::chrono::duration_cast<std::chrono::microseconds>(duration * at));
    ::kill(pid, SIGKILL);
    wait_for(pid);
    const std::string found = complete_bundle_date(out);
    INFO("kill " << k << " after " << at << " times an export's duration");
    CHECK((found == current || found == next));
    outcomes.insert(found == next ? "new" : "old");
    current = found;
  }
  // The moments span the export: some kills came before the rename, some after.
  CHECK(outcomes == std::set<std::string>{"new", "old"});

  REQUIRE(wait_for(spawn_errkb(export_args(db, out, "2026-03-01"))) == 0);
  CHECK(verified_bundle_date(out) == "2026-03-01");
  CHECK(test::entries_starting_with(dir.path(), ".bundle.").empty());
}
