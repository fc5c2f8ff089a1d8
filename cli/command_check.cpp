// errkb check [--db FILE]: is the database healthy? SQLite integrity and foreign
// keys, the FTS5 indexes against their content table, and the schema version.
#include "cli/command.hpp"
#include "db/database.hpp"
#include "db/query.hpp"
#include "schema/error.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <system_error>
#include <vector>

namespace errkb::cli {
namespace {

struct Health {
  std::vector<std::string> problems;
  std::optional<db::Counts> counts; // when the database could be read
  int schema_version = 0;
};

// Opens read-only first: that checks the layout without migrating anything (a
// read_write open would upgrade an old database, and a check must not change it).
// A database that cannot be opened is one problem, not a failure of the command.
Health examine(const std::string& path, std::chrono::milliseconds busy_timeout) {
  Health health;
  try {
    db::Database reader(path, db::Access::read_only, busy_timeout);
    health.schema_version = reader.schema_version();
  } catch (const StoreError& error) {
    health.problems.emplace_back(error.what());
    return health;
  }
  // db::check needs a read_write connection: FTS5's integrity-check is a write
  // statement. The layout is current, so opening it migrates nothing.
  try {
    db::Database db(path, db::Access::read_write, busy_timeout);
    health.problems = db::check(db);
    health.counts = db::counts(db);
  } catch (const StoreError& error) {
    // A writer holding the lock past the timeout is a failure to check, not a
    // problem of the database (db's contract names it "locked by another writer").
    if (std::string(error.what()).find("locked by another writer") != std::string::npos) throw;
    health.problems.emplace_back(error.what()); // e.g. "database disk image is malformed"
  }
  return health;
}

class CheckCommand : public Command {
public:
  const char* name() const override { return "check"; }
  const char* summary() const override { return "Check the database: integrity, foreign keys, FTS5 index, schema version"; }

  void setup(CLI::App& app) override {
    add_db_option(app, m_db);
    add_format_option(app, m_format, {"text", "json"});
    app.add_option("--busy-timeout", m_busy_timeout_ms, "Milliseconds to wait for a running ingest to finish")
      ->capture_default_str();
    app.footer("Prints one line per problem: DB: check: message. Changes nothing.\n"
               "Exit codes: 0 healthy, 1 problems found (or no database), 2 usage error.");
  }

  int run(Context& context) override {
    std::error_code error;
    if (m_db == ":memory:" || !std::filesystem::exists(m_db, error)) {
      throw StoreError("no database at " + m_db + "; run `errkb ingest` first");
    }
    const Health health = examine(m_db, std::chrono::milliseconds(m_busy_timeout_ms));
    const bool healthy = health.problems.empty();

    if (m_format == "json") {
      nlohmann::ordered_json out{{"database", m_db}, {"healthy", healthy}};
      if (health.counts) {
        out["schema_version"] = health.schema_version;
        out["records"] = health.counts->records;
        out["files"] = health.counts->files;
        out["stale"] = health.counts->stale;
      }
      out["problems"] = health.problems;
      context.out << out.dump(2) << "\n";
    } else if (healthy) {
      context.out << m_db << ": ok (" << health.counts->records
                  << (health.counts->records == 1 ? " record" : " records") << ", schema version "
                  << health.schema_version << ")\n";
    } else {
      for (const auto& problem : health.problems) context.out << m_db << ": " << problem << "\n";
      context.err << "errkb: " << m_db << ": " << health.problems.size()
                  << (health.problems.size() == 1 ? " problem" : " problems") << "\n";
    }
    return healthy ? 0 : 1;
  }

private:
  std::string m_db;
  std::string m_format;
  int m_busy_timeout_ms = 5000;
};

} // namespace
} // namespace errkb::cli

ERRKB_REGISTER_COMMAND(errkb::cli::CheckCommand)
