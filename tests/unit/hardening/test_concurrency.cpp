// Concurrency: reads, searches and matches while an ingest runs never fail and see
// the old or the new state; two ingests at once: one waits (or, with no busy
// timeout, fails with a clear message) and nothing is lost.
#include "corpus.hpp"
#include "db/query.hpp"
#include "db/writer.hpp"
#include "lookup/match.hpp"
#include "lookup/search.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

using namespace errkb::hardening::test;
using errkb::db::Access;
using errkb::db::Database;
using std::chrono::milliseconds;

namespace {

constexpr std::uint32_t k_seed = 4242;

// Counts and first failures of a reader loop; thread-safe.
class Tally {
public:
  void ok(const std::string& what) {
    std::lock_guard lock(m_mutex);
    ++m_ok[what];
  }
  void fail(const std::string& what, const std::string& message) {
    std::lock_guard lock(m_mutex);
    if (m_failures.size() < 20) m_failures.push_back(what + ": " + message);
    ++m_failed;
  }
  int count(const std::string& what) {
    std::lock_guard lock(m_mutex);
    return m_ok[what];
  }
  int failed() {
    std::lock_guard lock(m_mutex);
    return m_failed;
  }
  std::string failures() {
    std::lock_guard lock(m_mutex);
    std::string text;
    for (const auto& f : m_failures) text += f + "\n";
    return text;
  }
  std::string summary() {
    std::lock_guard lock(m_mutex);
    std::string text;
    for (const auto& [what, n] : m_ok) text += what + "=" + std::to_string(n) + " ";
    return text;
  }

private:
  std::mutex m_mutex;
  std::map<std::string, int> m_ok;
  std::vector<std::string> m_failures;
  int m_failed = 0;
};

// Runs `body` in a loop on a thread until `stop`; exceptions are failures.
std::thread reader(const std::string& what, Tally& tally, std::atomic<bool>& stop, std::function<void()> body) {
  return std::thread([what, &tally, &stop, body = std::move(body)] {
    while (!stop.load()) {
      try {
        body();
      } catch (const std::exception& error) {
        tally.fail(what, error.what());
      }
    }
  });
}

std::string signature_of(const State& state, const std::string& id) {
  auto it = state.records.find(id);
  return it == state.records.end() ? std::string() : nlohmann::json::parse(it->second)["signature"].get<std::string>();
}

} // namespace

TEST_CASE("reads, searches and matches during an ingest see the old or the new state", "[hardening][concurrency]") {
  TempDir dir("concurrent-read");
  const std::string db = dir.file("errkb.db");
  Corpus corpus(dir.file("records"), k_seed);
  corpus.write_all(6000);
  REQUIRE(run_errkb({"ingest", corpus.root(), "--db", db}, dir.path()).exit_code == 0);
  const State old_state = read_state(db);
  corpus.change(1, 3000, 300, 200);
  const State new_state = corpus.expected(old_state.runs);

  // Records present before and after whose text the ingest changes.
  std::vector<std::pair<int, std::string>> probes; // record number, id
  for (int n = 1; n < 6000 && probes.size() < 40; n += 7) {
    const std::string id = make_record(n, 0)["id"].get<std::string>();
    if (old_state.records.count(id) && new_state.records.count(id) &&
        old_state.records.at(id) != new_state.records.at(id))
      probes.emplace_back(n, id);
  }
  REQUIRE(probes.size() >= 10);

  Tally tally;
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> next_probe{0};
  auto probe = [&] { return probes[next_probe++ % probes.size()]; };
  auto old_or_new = [&](const std::string& what, const std::string& id, const std::string& signature) {
    if (signature == signature_of(old_state, id)) return tally.ok(what + ":old");
    if (signature == signature_of(new_state, id)) return tally.ok(what + ":new");
    tally.fail(what, id + " has signature '" + signature + "', neither old nor new");
  };

  std::vector<std::thread> threads;
  // A whole snapshot in one read transaction; once new, never old again.
  threads.push_back(reader("state", tally, stop, [&, seen_new = false]() mutable {
    const State state = read_state(db);
    if (state == new_state) {
      seen_new = true;
      tally.ok("state:new");
    } else if (state == old_state && !seen_new) {
      tally.ok("state:old");
    } else {
      tally.fail("state", (seen_new ? "after the new state: " : "") + describe_difference(state, new_state));
    }
  }));
  // db::find_record and db::record_ids on one long-lived connection.
  threads.push_back(reader("record", tally, stop, [&, conn = std::shared_ptr<Database>()]() mutable {
    if (!conn) conn = std::make_shared<Database>(db, Access::read_only);
    const auto [n, id] = probe();
    const auto record = errkb::db::find_record(*conn, id);
    if (!record) return tally.fail("record", id + " missing");
    old_or_new("record", id, (*record)["signature"].get<std::string>());
    const auto ids = errkb::db::record_ids(*conn);
    if (ids.size() != old_state.records.size() && ids.size() != new_state.records.size())
      tally.fail("record_ids", std::to_string(ids.size()) + " ids");
  }));
  // Full-text search: the record's own name finds it, with its old or new text.
  threads.push_back(reader("search", tally, stop, [&] {
    Database conn(db, Access::read_only);
    const auto [n, id] = probe();
    const auto response = errkb::lookup::search(conn, "GeneratedError" + std::to_string(n));
    if (response.results.empty() || response.results.front().id != id)
      return tally.fail("search", "GeneratedError" + std::to_string(n) + " did not find " + id + " first");
    old_or_new("search", id, response.results.front().signature);
  }));
  // Regex match of the record's error message.
  threads.push_back(reader("match", tally, stop, [&] {
    Database conn(db, Access::read_only);
    const auto [n, id] = probe();
    const auto response = errkb::lookup::match_text(conn, "GeneratedError" + std::to_string(n) + ": something failed in step 9");
    for (const auto& result : response.results) {
      if (result.id == id) return old_or_new("match", id, result.signature);
    }
    tally.fail("match", id + " not matched");
  }));
  // The CLI: `errkb show` and `errkb search` as separate processes.
  threads.push_back(reader("cli", tally, stop, [&] {
    const auto [n, id] = probe();
    const Run show = run_errkb({"show", id, "--db", db, "--format", "json"}, dir.path());
    if (show.exit_code != 0) return tally.fail("cli show", std::to_string(show.exit_code) + " " + show.err);
    old_or_new("cli show", id, nlohmann::json::parse(show.out)["signature"].get<std::string>());
    const Run search = run_errkb({"search", "GeneratedError" + std::to_string(n), "--db", db, "--format", "json"},
                                 dir.path());
    if (search.exit_code != 0) return tally.fail("cli search", std::to_string(search.exit_code) + " " + search.err);
    const auto results = nlohmann::json::parse(search.out)["results"];
    if (results.empty() || results[0]["id"] != id) return tally.fail("cli search", search.out);
    old_or_new("cli search", id, results[0]["signature"].get<std::string>());
  }));

  // Every reader has seen the old state before the ingest starts.
  auto wait_for = [&](const char* what) {
    for (int i = 0; i < 6000 && tally.count(what) == 0; ++i) std::this_thread::sleep_for(milliseconds(5));
  };
  for (const char* what : {"state:old", "record:old", "search:old", "match:old", "cli show:old"}) wait_for(what);
  {
    Child ingest(errkb_command({"ingest", corpus.root(), "--db", db}), dir.file("ingest.out"), dir.file("ingest.err"));
    const int code = ingest.exit_code();
    INFO(ingest.err());
    CHECK(code == 0);
  }
  // ... and the new one after it.
  for (const char* what : {"state:new", "record:new", "search:new", "match:new", "cli show:new", "cli search:new"})
    wait_for(what);
  stop = true;
  for (auto& thread : threads) thread.join();

  INFO("reads: " << tally.summary());
  INFO("failures:\n" << tally.failures());
  CHECK(tally.failed() == 0);
  for (const char* what : {"state:old", "state:new", "record:old", "record:new", "search:old", "search:new",
                           "match:old", "match:new", "cli show:old", "cli show:new", "cli search:old",
                           "cli search:new"})
    CHECK(tally.count(what) > 0);
  CHECK(read_state(db) == new_state);
}

TEST_CASE("two ingests at once into one database: the second waits, nothing is lost", "[hardening][concurrency]") {
  TempDir dir("concurrent-write");
  const std::string db = dir.file("errkb.db");
  // Two record roots, each with its own ids: a and b ingest different folders.
  Corpus a(dir.file("a"), k_seed);
  a.write_all(4000);
  TempDir b_dir("concurrent-write-b");
  std::vector<std::string> b_ids;
  for (int n = 0; n < 300; ++n) {
    nlohmann::json record = make_record(n, 0);
    record["id"] = "other/record-" + std::to_string(n);
    b_ids.push_back(record["id"]);
    write_file(b_dir.file("r" + std::to_string(n) + ".json"), record.dump(2));
  }
  REQUIRE(run_errkb({"check", "--db", db}, dir.path()).exit_code == 1); // nothing yet

  SECTION("different folders") {
    Child first(errkb_command({"ingest", a.root(), "--db", db, "--busy-timeout", "120000"}), dir.file("1.out"),
                dir.file("1.err"));
    Child second(errkb_command({"ingest", b_dir.path().string(), "--db", db, "--busy-timeout", "120000"}),
                 dir.file("2.out"), dir.file("2.err"));
    INFO(first.err() << second.err());
    CHECK(first.exit_code() == 0);
    CHECK(second.exit_code() == 0);
    const State state = read_state(db);
    CHECK(state.runs == 2);
    CHECK(state.records.size() == 4300);
    for (const auto& [id, json] : a.expected(0).records) CHECK(state.records.count(id) == 1);
    for (const auto& id : b_ids) CHECK(state.records.count(id) == 1);
  }
  SECTION("the same folder") {
    Child first(errkb_command({"ingest", a.root(), "--db", db, "--busy-timeout", "120000"}), dir.file("1.out"),
                dir.file("1.err"));
    Child second(errkb_command({"ingest", a.root(), "--db", db, "--busy-timeout", "120000"}), dir.file("2.out"),
                 dir.file("2.err"));
    INFO(first.err() << second.err());
    CHECK(first.exit_code() == 0);
    CHECK(second.exit_code() == 0);
    // One added everything; the other, run after it, found everything unchanged.
    const std::string outs = first.out() + second.out();
    CHECK(outs.find(": 4000 added, 0 updated, 0 unchanged, 0 removed, 0 rejected") != std::string::npos);
    CHECK(outs.find(": 0 added, 0 updated, 4000 unchanged, 0 removed, 0 rejected") != std::string::npos);
    State state = read_state(db);
    CHECK(state.runs == 2);
    state.runs = 1;
    CHECK(state == a.expected(0));
  }
  const Run check = run_errkb({"check", "--db", db}, dir.path());
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
}

TEST_CASE("an ingest meeting another writer waits for it, or fails clearly without a busy timeout",
          "[hardening][concurrency]") {
  TempDir dir("concurrent-lock");
  const std::string db = dir.file("errkb.db");
  Corpus corpus(dir.file("records"), k_seed);
  corpus.write_all(500);
  REQUIRE(run_errkb({"ingest", corpus.root(), "--db", db}, dir.path()).exit_code == 0);
  const State old_state = read_state(db);
  corpus.change(1, 100, 10, 10);

  Database holder(db, Access::read_write);
  auto writer = std::make_unique<errkb::db::Writer>(holder); // another writer holds the lock

  const Run refused = run_errkb({"ingest", corpus.root(), "--db", db, "--busy-timeout", "0"}, dir.path());
  CHECK(refused.exit_code == 1);
  CHECK(refused.out.empty());
  CHECK(refused.err == "errkb: error: database " + db + " is locked by another writer (another ingest running?)\n");
  CHECK(read_state(db) == old_state);

  Child waiting(errkb_command({"ingest", corpus.root(), "--db", db, "--busy-timeout", "60000"}), dir.file("w.out"),
                dir.file("w.err"));
  std::this_thread::sleep_for(milliseconds(1500));
  CHECK_FALSE(waiting.exited()); // still waiting for the lock
  CHECK(read_state(db) == old_state);
  writer.reset(); // the other writer rolls back and lets go
  INFO(waiting.err());
  CHECK(waiting.exit_code() == 0);
  CHECK(read_state(db) == corpus.expected(old_state.runs));
}
