// errkb stats: counts, averages, freshness, translation coverage and graph figures.
#include "cli/command.hpp"
#include "db/database.hpp"
#include "export/source.hpp"
#include "export/stats.hpp"

#include <ostream>

namespace errkb::cli {
namespace {

class StatsCommand : public Command {
public:
  const char* name() const override { return "stats"; }
  const char* summary() const override { return "Print statistics of the database"; }

  void setup(CLI::App& app) override {
    add_format_option(app, m_format, {"text", "json"});
    app.add_option("--as-of", m_as_of,
                   "Reference date for freshness, YYYY-MM-DD (default: $SOURCE_DATE_EPOCH, else today's UTC date)");
    add_db_option(app, m_db);
    app.footer("Freshness by last_confirmed: fresh <= 180 days, aging <= 365, stale beyond.\n"
               "Date rule: --as-of, else $SOURCE_DATE_EPOCH, else today's UTC date (stats is interactive;\n"
               "`errkb export` never uses today: without a date its stats.json is as of the newest\n"
               "last_confirmed). The reference date is printed in the first line of the text and in as_of\n"
               "and as_of_source (option, SOURCE_DATE_EPOCH, clock) of the JSON.\n"
               "The JSON form is the stats.json of `errkb export` with the same date: `errkb stats --as-of D\n"
               "--format json` prints the stats.json of `errkb export --as-of D`.");
  }

  int run(Context& context) override {
    const auto as_of = bundle::resolve_as_of(m_as_of, bundle::ClockUse::allowed);
    db::Database db(m_db, db::Access::read_only);
    bundle::DatabaseSource source(db);
    const nlohmann::json stats = bundle::compute_stats(source, as_of);
    if (m_format == "json")
      context.out << stats.dump(2) << "\n";
    else
      context.out << bundle::format_stats_text(stats);
    return 0;
  }

private:
  std::string m_format;
  std::string m_as_of;
  std::string m_db;
};

} // namespace
} // namespace errkb::cli

ERRKB_REGISTER_COMMAND(errkb::cli::StatsCommand)
