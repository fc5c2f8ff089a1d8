#include "db/match_prefilter.hpp"

#include "schema/regex_atoms.hpp"

#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace errkb::db::internal {

void MatchPrefilters::store() {
  if (m_pending.empty()) return;
  std::vector<std::pair<std::int64_t, Pending*>> work;
  {
    // A record stored then deleted in the same transaction has nothing to prefilter.
    SQLite::Statement exists(m_sql, "SELECT 1 FROM records WHERE rid = ?");
    for (auto& [rid, pending] : m_pending) {
      exists.bind(1, rid);
      if (exists.executeStep()) work.emplace_back(rid, &pending);
      exists.reset();
    }
  }

  // Compiling the regexes dominates (tens of microseconds each): spread those the
  // caller did not compute over the cores, then write from this thread (SQLite
  // connections are not shared).
  std::vector<std::size_t> missing;
  for (std::size_t i = 0; i < work.size(); ++i)
    if (!work[i].second->atoms) missing.push_back(i);
  const std::size_t threads =
    std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, std::max<std::size_t>(1, missing.size() / 64));
  std::atomic<std::size_t> next{0};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  auto compute = [&] {
    try {
      for (std::size_t i = next++; i < missing.size(); i = next++) {
        Pending& pending = *work[missing[i]].second;
        pending.atoms = schema::regex_atoms(pending.regex);
      }
    } catch (...) { // only std::bad_alloc can get here
      const std::lock_guard<std::mutex> lock(failure_mutex);
      failure = std::current_exception();
      next = missing.size();
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(compute);
  compute();
  for (auto& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);

  SQLite::Statement insert_regex(m_sql, "INSERT OR REPLACE INTO match_regex (rid, filtered, atoms) VALUES (?, ?, ?)");
  SQLite::Statement delete_atoms(m_sql, "DELETE FROM match_atoms WHERE rid = ?");
  SQLite::Statement insert_atom(m_sql, "INSERT INTO match_atoms (atom_key, rid, atom) VALUES (?, ?, ?)");
  for (std::size_t i = 0; i < work.size(); ++i) {
    const std::int64_t rid = work[i].first;
    const schema::RegexAtoms& prefilter = *work[i].second->atoms;
    insert_regex.bind(1, rid);
    insert_regex.bind(2, prefilter.prefilter == schema::Prefilter::filtered ? 1 : 0);
    insert_regex.bind(3, nlohmann::json(prefilter.atoms).dump());
    insert_regex.exec();
    insert_regex.reset();
    delete_atoms.bind(1, rid);
    delete_atoms.exec();
    delete_atoms.reset();
    for (const std::string& key : prefilter.keys) {
      insert_atom.bind(1, static_cast<std::int64_t>(schema::atom_key(key)));
      insert_atom.bind(2, rid);
      insert_atom.bind(3, key);
      insert_atom.exec();
      insert_atom.reset();
    }
  }
  m_pending.clear();
}

} // namespace errkb::db::internal
