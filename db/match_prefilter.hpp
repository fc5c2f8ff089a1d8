#pragma once
// The rows `errkb match` prefilters regexes with (db/migrations/0002_match_atoms.sql:
// match_regex, match_atoms), kept by errkb::db::Writer. Internal to the db module.
#include "schema/regex_atoms.hpp"

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace errkb::db::internal {

// Collects the records a write transaction stores and, just before COMMIT,
// stores their prefilters, computing on every core those the caller did not
// pass (schema::regex_atoms: about one RE2 compilation each). Rows of records deleted or replaced in
// the meantime go with them (ON DELETE CASCADE).
class MatchPrefilters {
public:
  // `sql` must outlive this object.
  explicit MatchPrefilters(SQLite::Database& sql) : m_sql(sql) {}

  // Record `rid` was stored with `regex` (a later call for the same rid wins);
  // `atoms`, when given, is schema::regex_atoms(regex), computed by the caller.
  void add(std::int64_t rid, const std::string& regex, std::optional<schema::RegexAtoms> atoms = std::nullopt) {
    m_pending[rid] = Pending{regex, std::move(atoms)};
  }

  // Computes and stores the prefilter of every added record that still exists;
  // throws SQLite::Exception on database errors.
  void store();

private:
  SQLite::Database& m_sql;
  struct Pending {
    std::string regex;
    std::optional<schema::RegexAtoms> atoms;
  };
  std::map<std::int64_t, Pending> m_pending;
};

} // namespace errkb::db::internal
