#pragma once
// The rows `errkb match` prefilters regexes with (db/migrations/0002_match_atoms.sql:
// match_regex, match_atoms), kept by errkb::db::Writer. Internal to the db module.
#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <map>
#include <string>

namespace errkb::db::internal {

// Collects the records a write transaction stores and, just before COMMIT,
// computes their prefilters (schema::regex_atoms: about one RE2 compilation
// each) on every core and stores them. Rows of records deleted or replaced in
// the meantime go with them (ON DELETE CASCADE).
class MatchPrefilters {
public:
  // `sql` must outlive this object.
  explicit MatchPrefilters(SQLite::Database& sql) : m_sql(sql) {}

  // Record `rid` was stored with `regex` (a later call for the same rid wins).
  void add(std::int64_t rid, const std::string& regex) { m_pending[rid] = regex; }

  // Computes and stores the prefilter of every added record that still exists;
  // throws SQLite::Exception on database errors.
  void store();

private:
  SQLite::Database& m_sql;
  std::map<std::int64_t, std::string> m_pending;
};

} // namespace errkb::db::internal
