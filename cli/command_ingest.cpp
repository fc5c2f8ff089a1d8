// errkb ingest PATH...: synchronise record files into the SQLite database.
#include "cli/command.hpp"
#include "cli/progress.hpp"
#include "ingest/sync.hpp"

#include <ostream>

namespace errkb::cli {
namespace {

class IngestCommand : public Command {
public:
  const char* name() const override { return "ingest"; }
  const char* summary() const override { return "Synchronise record files into the database (one transaction)"; }

  void setup(CLI::App& app) override {
    app.add_option("paths", m_paths, "Record files or folders")->required();
    add_db_option(app, m_db);
    add_format_option(app, m_format, {"text", "json"});
    app.add_flag("--no-prune", m_no_prune, "Keep the records of files that disappeared");
    app.add_flag("--strict", m_strict, "Abort on any invalid record, leaving the database untouched");
    app.add_flag("--follow-symlinks", m_options.check.walk.follow_symlinks, "Follow symlinks inside folders");
    app.add_option("--busy-timeout", m_busy_timeout_ms, "Milliseconds to wait for another ingest to finish")
      ->capture_default_str();
    app.footer("Prints added / updated / unchanged / removed / rejected counts. An invalid record never\n"
               "replaces its previously ingested version: that stays, flagged stale, and the exit code is 1.");
  }

  int run(Context& context) override {
    m_options.prune = m_no_prune ? ingest::Prune::no : ingest::Prune::yes;
    m_options.strictness = m_strict ? ingest::Strictness::strict : ingest::Strictness::lenient;
    Progress progress(context.err, context.stderr_is_terminal, "ingesting");
    auto report = ingest::sync_into(m_db, std::chrono::milliseconds(m_busy_timeout_ms), m_paths, m_options,
                                    [&](std::size_t done, std::size_t total) { progress.update(done, total); });
    progress.finish();

    std::size_t errors = 0;
    for (const auto& d : report.diagnostics) errors += d.severity == Severity::error;
    if (m_format == "json") {
      nlohmann::json out{{"database", m_db},         {"committed", report.committed}, {"files", report.files},
                         {"added", report.added},    {"updated", report.updated},     {"unchanged", report.unchanged},
                         {"removed", report.removed}, {"rejected", report.rejected},  {"stale", report.stale},
                         {"diagnostics", nlohmann::json::array()}};
      for (const auto& d : report.diagnostics) out["diagnostics"].push_back(to_json(d));
      context.out << out.dump(2) << "\n";
    } else {
      for (const auto& d : report.diagnostics) context.err << format_text(d) << "\n";
      if (report.committed) {
        context.out << m_db << ": " << report.added << " added, " << report.updated << " updated, "
                    << report.unchanged << " unchanged, " << report.removed << " removed, " << report.rejected
                    << " rejected";
        if (report.stale > 0) context.out << " (" << report.stale << " kept as stale)";
        context.out << "\n";
      } else {
        context.err << "errkb: error: --strict: " << errors << (errors == 1 ? " error" : " errors")
                    << "; database left unchanged\n";
      }
    }
    return errors > 0 ? 1 : 0;
  }

private:
  std::vector<std::string> m_paths;
  std::string m_db;
  std::string m_format;
  bool m_no_prune = false;
  bool m_strict = false;
  int m_busy_timeout_ms = 5000;
  ingest::SyncOptions m_options;
};

} // namespace
} // namespace errkb::cli

ERRKB_REGISTER_COMMAND(errkb::cli::IngestCommand)
