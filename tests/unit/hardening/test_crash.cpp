// Crash safety: `errkb ingest` of a large generated corpus is SIGKILLed at random
// moments; after each kill `errkb check` passes and the database holds exactly the
// old or the new state, and a completed ingest then brings the new state.
#include "corpus.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

using namespace errkb::hardening::test;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

std::vector<std::string> ingest_args(const Corpus& corpus, const std::string& db) {
  return {"ingest", corpus.root(), "--db", db};
}

// `errkb check` on `db` must pass: exit 0, "DB: ok (...)".
void require_check_passes(const std::string& db, const fs::path& scratch) {
  const Run check = run_errkb({"check", "--db", db}, scratch);
  INFO("errkb check stdout:\n" << check.out << "stderr:\n" << check.err);
  REQUIRE(check.exit_code == 0);
  REQUIRE(check.out.rfind(db + ": ok (", 0) == 0);
}

// Runs a complete ingest; returns its wall time.
Clock::duration timed_ingest(const Corpus& corpus, const std::string& db, const fs::path& scratch) {
  const auto start = Clock::now();
  const Run run = run_errkb(ingest_args(corpus, db), scratch);
  const auto duration = Clock::now() - start;
  INFO("errkb ingest stdout:\n" << run.out << "stderr:\n" << run.err);
  REQUIRE(run.exit_code == 0);
  return duration;
}

// Starts an ingest and SIGKILLs it after `delay` (unless it ended before);
// returns true when the kill came while it was still running.
bool ingest_killed_after(const Corpus& corpus, const std::string& db, const fs::path& scratch, milliseconds delay) {
  Child child(errkb_command(ingest_args(corpus, db)), (scratch / "killed.out").string(),
              (scratch / "killed.err").string());
  const auto deadline = Clock::now() + delay;
  while (Clock::now() < deadline) {
    if (child.exited()) break;
    std::this_thread::sleep_for(std::min<Clock::duration>(milliseconds(1), deadline - Clock::now()));
  }
  const bool running = !child.exited();
  child.kill(SIGKILL);
  const int code = child.exit_code();
  if (!running) {
    INFO("ingest ended before its kill; stderr:\n" << child.err());
    CHECK(code == 0);
  }
  return running;
}

} // namespace

TEST_CASE("ingest killed at random moments leaves the old or the new state", "[hardening][crash]") {
  TempDir dir("crash");
  const std::string db = dir.file("errkb.db");
  constexpr std::uint32_t k_seed = 20240607;
  constexpr int k_records = 20000;
  constexpr int k_kills = 24;
  Corpus corpus(dir.file("records"), k_seed);
  std::mt19937 rng(k_seed);

  corpus.write_all(k_records);
  const auto first = timed_ingest(corpus, db, dir.path());
  State current = read_state(db);
  REQUIRE(current == corpus.expected(0));
  require_check_passes(db, dir.path());

  // A change of the size every round makes, completed once to learn how long such an ingest takes.
  auto change = [&](int generation) {
    std::uniform_int_distribution<std::size_t> modify(k_records / 20, k_records / 4);
    corpus.change(generation, modify(rng), 200, 150);
  };
  change(1);
  const auto full = timed_ingest(corpus, db, dir.path());
  current = read_state(db);
  REQUIRE(current == corpus.expected(1));
  const auto full_ms = std::chrono::duration_cast<milliseconds>(full).count();
  INFO("first ingest " << std::chrono::duration_cast<milliseconds>(first).count() << " ms, a changed corpus "
                       << full_ms << " ms");

  // Kill moments: the first at 5 ms, the others uniform from 5 ms to a little past
  // the full duration, so that some fall in each phase (start-up, walk, parse,
  // write, index update, commit, checkpoint) and a few after the end.
  std::uniform_int_distribution<long long> moment(5, std::max<long long>(10, full_ms * 11 / 10));
  int before_commit = 0, after_commit = 0, ended_before_kill = 0;
  for (int k = 0; k < k_kills; ++k) {
    change(k + 2);
    const State old_state = current;
    const State new_state = corpus.expected(old_state.runs);
    const milliseconds delay(k == 0 ? 5 : moment(rng));
    const bool killed_running = ingest_killed_after(corpus, db, dir.path(), delay);
    ended_before_kill += killed_running ? 0 : 1;

    INFO("kill " << k << " after " << delay.count() << " ms of an ingest taking about " << full_ms << " ms");
    require_check_passes(db, dir.path());
    current = read_state(db);
    const bool is_old = current == old_state;
    const bool is_new = current == new_state;
    INFO("vs old: " << describe_difference(current, old_state) << "\nvs new: "
                    << describe_difference(current, new_state));
    REQUIRE((is_old || is_new));
    (is_new ? after_commit : before_commit)++;
  }
  const std::string summary = "ingest of " + std::to_string(k_records) + " records: first " +
                              std::to_string(std::chrono::duration_cast<milliseconds>(first).count()) +
                              " ms, a changed corpus " + std::to_string(full_ms) + " ms; " + std::to_string(k_kills) +
                              " kills: " + std::to_string(before_commit) + " left the old state, " +
                              std::to_string(after_commit) + " the new one (" + std::to_string(ended_before_kill) +
                              " came after the ingest ended)";
  INFO(summary);
  CHECK(before_commit > 0);
  SUCCEED(summary); // shown with -s

  // A complete ingest brings the latest state.
  const State old_state = current;
  timed_ingest(corpus, db, dir.path());
  require_check_passes(db, dir.path());
  const State final_state = read_state(db);
  INFO(describe_difference(final_state, corpus.expected(old_state.runs)));
  CHECK(final_state == corpus.expected(old_state.runs));
}

TEST_CASE("a first ingest killed leaves no database or the complete one", "[hardening][crash]") {
  TempDir dir("crash-first");
  constexpr std::uint32_t k_seed = 777;
  Corpus corpus(dir.file("records"), k_seed);
  corpus.write_all(3000);
  // Kills from the very start (creating the file, migrating) to after the end.
  for (int delay_ms : {1, 5, 10, 20, 40, 80, 160, 320, 640}) {
    const std::string db = dir.file("first-" + std::to_string(delay_ms) + ".db");
    ingest_killed_after(corpus, db, dir.path(), milliseconds(delay_ms));
    INFO("first ingest killed after " << delay_ms << " ms");
    const Run check = run_errkb({"check", "--db", db}, dir.path());
    INFO("errkb check: " << check.exit_code << "\n" << check.out << check.err);
    if (check.exit_code == 0) {
      // Migrated: the records are all there or none are.
      const State state = read_state(db);
      CHECK((state == corpus.expected(0) || state.records.empty()));
      CHECK((state.runs == 0) == state.records.empty());
    } else {
      // Killed before the layout was committed: nothing to check yet, and saying so.
      const bool no_file = check.err.find("no database at " + db) != std::string::npos;
      const bool empty_db = check.out == db + ": no database at " + db + "; run `errkb ingest` first\n";
      CHECK((no_file || empty_db));
    }
    // The next ingest completes from whatever was left.
    const Run again = run_errkb(ingest_args(corpus, db), dir.path());
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    CHECK(read_state(db) == corpus.expected(read_state(db).runs - 1));
    require_check_passes(db, dir.path());
  }
}
