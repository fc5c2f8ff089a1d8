// errkb export --out DIR: the database as a release bundle, written atomically.
#include "cli/command.hpp"
#include "db/database.hpp"
#include "export/exporter.hpp"

#include <ostream>

namespace errkb::cli {
namespace {

class ExportCommand : public Command {
public:
  const char* name() const override { return "export"; }
  const char* summary() const override { return "Write per-locale release bundles with manifest and checksums"; }

  void setup(CLI::App& app) override {
    app.add_option("--out", m_out, "Bundle folder (replaced atomically; must be absent, empty or a bundle)")
        ->required();
    app.add_option("--locales", m_locales, "Comma-separated locales (default: every locale in the database)");
    add_db_option(app, m_db);
    app.add_option("--as-of", m_as_of,
                   "Date of the bundle, YYYY-MM-DD (default: $SOURCE_DATE_EPOCH, else none; never today's date)");
    app.footer("Layout: manifest.json, SHA256SUMS, stats.json, and per locale records.jsonl, index.json,\n"
               "domains/<domain>.json (format: schema/bundle.schema.json). The same database gives the same\n"
               "bytes; the only timestamp comes from --as-of or SOURCE_DATE_EPOCH.\n"
               "Date rule (a release must be reproducible): --as-of, else $SOURCE_DATE_EPOCH, else none:\n"
               "the manifest's as_of and generated_at are null and stats.json is as of the newest last_confirmed\n"
               "of the records. Never today's date. stats.json's as_of and as_of_source (option,\n"
               "SOURCE_DATE_EPOCH, newest-record) tell which date was used; `errkb stats --as-of DATE\n"
               "--format json` prints the stats.json of `errkb export --as-of DATE`.");
  }

  int run(Context& context) override {
    bundle::ExportOptions options;
    if (!m_locales.empty()) options.locales = bundle::parse_locale_list(m_locales);
    options.as_of = bundle::resolve_as_of(m_as_of, bundle::ClockUse::forbidden);

    db::Database db(m_db, db::Access::read_only);
    bundle::DatabaseSource source(db);
    const auto summary = bundle::export_bundle(source, m_out, options);
    for (const auto& note : summary.recovered) context.err << "errkb: " << note << "\n";
    if (summary.flagged_stale > 0)
      context.err << "errkb: warning: " << summary.flagged_stale
                  << " records are stale (their files no longer validate); exported their last good version\n";

    std::uint64_t bytes = 0;
    for (const auto& file : summary.files) bytes += file.size;
    std::string locales;
    for (const auto& locale : summary.locales) locales += (locales.empty() ? "" : ", ") + locale;
    context.out << m_out << ": " << summary.records << (summary.records == 1 ? " record" : " records") << " ("
                << summary.withdrawn << " withdrawn) in " << summary.locales.size()
                << (summary.locales.size() == 1 ? " locale" : " locales")
                << (locales.empty() ? "" : " (" + locales + ")") << ", " << summary.files.size() << " files, " << bytes
                << " bytes\n";
    return 0;
  }

private:
  std::string m_out;
  std::string m_locales;
  std::string m_db;
  std::string m_as_of;
};

} // namespace
} // namespace errkb::cli

ERRKB_REGISTER_COMMAND(errkb::cli::ExportCommand)
