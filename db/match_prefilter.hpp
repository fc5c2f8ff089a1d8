#pragma once
// The rows `errkb match` prefilters regexes with (db/migrations/0002_match_atoms.sql:
// match_regex, match_atoms), kept by errkb::db::Writer. Internal to the db module.
#include "schema/regex_atoms.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace errkb::db::internal {

// Stores the prefilter of each record a write transaction stores: at once when
// the caller computed it (db::prepare_record on a worker thread), otherwise just
// before COMMIT, computed on every core (schema::regex_atoms: about one RE2
// compilation each). Rows of records deleted or replaced in the meantime go with
// them (ON DELETE CASCADE).
class MatchPrefilters {
public:
  // `sql` must outlive this object.
  explicit MatchPrefilters(SQLite::Database& sql) : m_sql(sql) {}

  // Record `rid` was stored with `regex` (a later call for the same rid wins);
  // `atoms`, when given, is schema::regex_atoms(regex), computed by the caller.
  // Throws SQLite::Exception on database errors.
  void add(std::int64_t rid, const std::string& regex, std::optional<schema::RegexAtoms> atoms = std::nullopt);

  // Computes and stores the prefilter of every record added without one that
  // still exists; throws SQLite::Exception on database errors.
  void store();

private:
  void write(std::int64_t rid, const schema::RegexAtoms& atoms);

  SQLite::Database& m_sql;
  std::map<std::int64_t, std::string> m_pending; // rid -> regex, prefilter not computed yet
  std::optional<SQLite::Statement> m_insert_regex, m_delete_atoms, m_insert_atom;
};

} // namespace errkb::db::internal
