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

void MatchPrefilters::add(std::int64_t rid, const std::string& regex, std::optional<schema::RegexAtoms> atoms) {
  if (!atoms) {
    m_pending[rid] = regex;
    return;
  }
  m_pending.erase(rid);
  write(rid, *atoms);
}

void MatchPrefilters::write(std::int64_t rid, const schema::RegexAtoms& prefilter) {
  if (!m_insert_regex) {
    m_insert_regex.emplace(m_sql, "INSERT OR REPLACE INTO match_regex (rid, filtered, atoms) VALUES (?, ?, ?)");
    m_delete_atoms.emplace(m_sql, "DELETE FROM match_atoms WHERE rid = ?");
    m_insert_atom.emplace(m_sql, "INSERT INTO match_atoms (atom_key, rid, atom) VALUES (?, ?, ?)");
  }
  SQLite::Statement& insert_regex = *m_insert_regex;
  insert_regex.bind(1, rid);
  insert_regex.bind(2, prefilter.prefilter == schema::Prefilter::filtered ? 1 : 0);
  insert_regex.bind(3, nlohmann::json(prefilter.atoms).dump());
  insert_regex.exec();
  insert_regex.reset();
  SQLite::Statement& delete_atoms = *m_delete_atoms;
  delete_atoms.bind(1, rid);
  delete_atoms.exec();
  delete_atoms.reset();
  SQLite::Statement& insert_atom = *m_insert_atom;
  for (const std::string& key : prefilter.keys) {
    insert_atom.bind(1, static_cast<std::int64_t>(schema::atom_key(key)));
    insert_atom.bind(2, rid);
    insert_atom.bind(3, key);
    insert_atom.exec();
    insert_atom.reset();
  }
}

void MatchPrefilters::store() {
  if (m_pending.empty()) return;
  std::vector<std::pair<std::int64_t, const std::string*>> work;
  {
    // A record stored then deleted in the same transaction has nothing to prefilter.
    SQLite::Statement exists(m_sql, "SELECT 1 FROM records WHERE rid = ?");
    for (const auto& [rid, regex] : m_pending) {
      exists.bind(1, rid);
      if (exists.executeStep()) work.emplace_back(rid, &regex);
      exists.reset();
    }
  }

  // Compiling the regexes dominates (tens of microseconds each): spread them
  // over the cores, then write from this thread (SQLite connections are not shared).
  std::vector<schema::RegexAtoms> atoms(work.size());
  const std::size_t threads =
      std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, std::max<std::size_t>(1, work.size() / 64));
  std::atomic<std::size_t> next{0};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  auto compute = [&] {
    try {
      for (std::size_t i = next++; i < work.size(); i = next++) atoms[i] = schema::regex_atoms(*work[i].second);
    } catch (...) { // only std::bad_alloc can get here
      const std::lock_guard<std::mutex> lock(failure_mutex);
      failure = std::current_exception();
      next = work.size();
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(compute);
  compute();
  for (auto& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);

  for (std::size_t i = 0; i < work.size(); ++i) write(work[i].first, atoms[i]);
  m_pending.clear();
}

} // namespace errkb::db::internal
