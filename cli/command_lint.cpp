// errkb lint PATH...: curation rules beyond the schema (see docs/lint-rules.md).
#include "cli/command.hpp"
#include "lint/fix.hpp"
#include "lint/linter.hpp"
#include "lint/report.hpp"
#include "lint/rules.hpp"
#include "schema/error.hpp"
#include "schema/record.hpp"

#include <iostream>
#include <sys/stat.h>

namespace errkb::cli {
namespace {

class LintCommand : public Command {
public:
  const char* name() const override { return "lint"; }
  const char* summary() const override { return "Find records that are valid but wrong, stale, duplicated or untranslated"; }

  void setup(CLI::App& app) override {
    app.add_option("paths", m_paths, "Record files or folders (.json, .yaml, .yml, .jsonl)");
    add_format_option(app, m_format, {"text", "json", "github"});
    app.add_option("--select", m_select, "Run only these rules: codes, names, code prefixes (E, W1) or ALL")
      ->delimiter(',');
    app.add_option("--ignore", m_ignore, "Do not run these rules")->delimiter(',');
    app.add_option("--config", m_config_path, "Rule levels and thresholds (default: ./errkb.yaml when present)");
    app.add_flag("--no-config", m_no_config, "Ignore ./errkb.yaml");
    app.add_option("--as-of", m_as_of, "Date the date rules compare with, YYYY-MM-DD (default: today, UTC)");
    app.add_flag("--statistics", m_statistics, "Print the number of findings per rule instead of the findings");
    app.add_flag("--fix", m_fix, "Apply the safe fixes (trim whitespace, add missing reverse graph edges), then lint again");
    app.add_flag("--force", m_force, "With --fix: also rewrite YAML files that have comments (the comments are lost)");
    app.add_flag("--list-rules", m_list_rules, "Print every rule with its code, default level and summary");
    app.add_flag("--follow-symlinks", m_options.check.walk.follow_symlinks, "Follow symlinks inside folders");
    app.footer("Prints one line per finding: FILE:LINE: CODE severity: /json/pointer: message.\n"
               "Rule levels: errkb.yaml `lint: {rules: {CODE: error|warning|info|off}}`, then --select/--ignore.\n"
               "Exit codes: 0 no error-level findings, 1 error-level findings, 2 usage error.");
  }

  int run(Context& context) override {
    if (m_list_rules) {
      for (const auto& rule : lint::rules()) {
        context.out << rule.code << "  " << rule.name << "  " << lint::level_name(rule.level)
                    << (rule.fixable ? "  fixable" : "") << "\n    " << rule.summary << "\n";
      }
      return 0;
    }
    if (m_paths.empty()) throw UsageError("lint: no PATH given");
    configure();

    m_options.collect_fixes = m_fix;
    lint::LintReport report = lint::lint_paths(m_paths, m_options);
    if (m_fix && !report.fixes.empty()) {
      const lint::FixResult fixed = lint::apply_fixes(report.fixes, m_force);
      for (const auto& line : fixed.applied) context.err << "errkb: " << line << "\n";
      for (const auto& line : fixed.skipped) context.err << "errkb: " << line << "\n";
      context.err << "errkb: " << fixed.applied.size() << (fixed.applied.size() == 1 ? " fix" : " fixes")
                  << " applied in " << fixed.files.size() << (fixed.files.size() == 1 ? " file" : " files") << "\n";
      m_options.collect_fixes = false;
      report = lint::lint_paths(m_paths, m_options);
    }

    const lint::Tally counts = lint::tally(report.diagnostics);
    if (m_format == "json") {
      context.out << lint::report_json(report).dump(2) << "\n";
    } else if (m_statistics) {
      context.out << lint::statistics(report);
    } else {
      for (const auto& d : report.diagnostics)
        context.out << (m_format == "github" ? lint::github_line(d) : lint::text_line(d)) << "\n";
    }
    if (m_format != "json") {
      context.err << "errkb: " << report.files << (report.files == 1 ? " file, " : " files, ") << report.records
                  << (report.records == 1 ? " record: " : " records: ") << counts.errors
                  << (counts.errors == 1 ? " error, " : " errors, ") << counts.warnings
                  << (counts.warnings == 1 ? " warning, " : " warnings, ") << counts.infos
                  << (counts.infos == 1 ? " info" : " infos") << "\n";
    }
    return counts.errors > 0 ? 1 : 0;
  }

private:
  void configure() {
    lint::Config& config = m_options.config;
    if (!m_config_path.empty()) {
      config.apply_file(m_config_path);
    } else if (struct stat info {}; !m_no_config && ::stat("errkb.yaml", &info) == 0) {
      config.apply_file("errkb.yaml");
    }
    config.apply_selection(m_select, m_ignore);
    if (!m_as_of.empty() && !schema::is_real_date(m_as_of))
      throw UsageError("--as-of: expected a date YYYY-MM-DD, got '" + m_as_of + "'");
    config.as_of = m_as_of;
  }

  std::vector<std::string> m_paths;
  std::string m_format;
  std::vector<std::string> m_select;
  std::vector<std::string> m_ignore;
  std::string m_config_path;
  bool m_no_config = false;
  std::string m_as_of;
  bool m_statistics = false;
  bool m_fix = false;
  bool m_force = false;
  bool m_list_rules = false;
  lint::LintOptions m_options;
};

} // namespace
} // namespace errkb::cli

ERRKB_REGISTER_COMMAND(errkb::cli::LintCommand)
