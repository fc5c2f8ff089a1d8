// errkb validate PATH...: schema and cross-record errors of record files, in one pass.
#include "cli/command.hpp"
#include "cli/progress.hpp"
#include "ingest/check.hpp"

#include <iostream>

namespace errkb::cli {
namespace {

class ValidateCommand : public Command {
public:
  const char* name() const override { return "validate"; }
  const char* summary() const override { return "Check record files against the schema and each other"; }

  void setup(CLI::App& app) override {
    app.add_option("paths", m_paths, "Record files or folders (.json, .yaml, .yml, .jsonl)")->required();
    add_format_option(app, m_format, {"text", "json"});
    app.add_flag("--strict", m_strict, "Treat warnings (e.g. symlinks not followed) as errors");
    app.add_flag("--follow-symlinks", m_options.walk.follow_symlinks, "Follow symlinks inside folders");
    app.add_option("--max-file-size", m_options.limits.max_file_bytes, "Largest record file in bytes")
      ->capture_default_str();
    app.footer("Prints one line per problem: FILE:LINE: error: /json/pointer: message.\n"
               "Exit codes: 0 valid, 1 errors found, 2 usage error.");
  }

  int run(Context& context) override {
    Progress progress(context.err, context.stderr_is_terminal, "validating");
    auto report = ingest::validate_paths(m_paths, m_options,
                                         [&](std::size_t done, std::size_t total) { progress.update(done, total); });
    progress.finish();

    std::size_t errors = 0, warnings = 0;
    for (const auto& d : report.diagnostics) (d.severity == Severity::error ? errors : warnings)++;
    const bool failed = errors > 0 || (m_strict && warnings > 0);

    if (m_format == "json") {
      nlohmann::json out{{"valid", !failed},   {"files", report.files},  {"records", report.records},
                         {"errors", errors},   {"warnings", warnings},   {"diagnostics", nlohmann::json::array()}};
      for (const auto& d : report.diagnostics) out["diagnostics"].push_back(to_json(d));
      context.out << out.dump(2) << "\n";
    } else {
      for (const auto& d : report.diagnostics) context.out << format_text(d) << "\n";
      context.err << "errkb: " << report.files << " files, " << report.records << " records: " << errors
                  << (errors == 1 ? " error" : " errors") << ", " << warnings
                  << (warnings == 1 ? " warning" : " warnings") << "\n";
    }
    return failed ? 1 : 0;
  }

private:
  std::vector<std::string> m_paths;
  std::string m_format;
  bool m_strict = false;
  ingest::CheckOptions m_options;
};

} // namespace
} // namespace errkb::cli

ERRKB_REGISTER_COMMAND(errkb::cli::ValidateCommand)
