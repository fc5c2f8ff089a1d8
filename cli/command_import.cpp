// `errkb import deadends SRC --out DIR`: converts deadends.dev canons into record files.
#include "cli/command.hpp"

#include "importer/deadends.hpp"
#include "ingest/loader.hpp"
#include "lint/format.hpp"
#include "schema/error.hpp"

#include <algorithm>
#include <ostream>

namespace errkb::cli {
namespace {

class ImportCommand : public Command {
public:
  const char* name() const override { return "import"; }
  const char* summary() const override { return "Convert records from another format into errkb record files"; }

  void setup(CLI::App& app) override {
    app.require_subcommand(1);
    m_deadends = app.add_subcommand("deadends", "Convert deadends.dev ErrorCanon files into errkb records");
    m_deadends->add_option("SRC", m_src, "deadends corpus: <domain>/<slug>/<env>.json or <domain>/<slug>_<env>.json")
      ->required();
    m_deadends->add_option("--out", m_out, "Output directory: one <domain>/<slug>/<env>.json file per record")
      ->required();
    add_format_option(*m_deadends, m_format, {"json", "yaml"});
    m_report = "text";
    m_deadends->add_option("--report", m_report, "Summary on stdout: text|json (default text)")
      ->check(CLI::IsMember({"text", "json"}));
    m_deadends->footer("Exit codes: 0 every canon converted, 1 some were skipped (listed on stderr), 2 usage error.");
  }

  int run(Context& context) override {
    importer::ImportOptions options;
    if (m_format == "yaml") {
      options.format = importer::OutputFormat::yaml;
      options.render_yaml = render_yaml;
    }
    if (context.stderr_is_terminal) {
      options.progress = [&context](std::size_t done, std::size_t total) {
        if (done % 100 == 0 || done == total) context.err << "\rimporting " << done << "/" << total << std::flush;
        if (done == total) context.err << "\r\033[K" << std::flush;
      };
    }
    const importer::ImportReport report = importer::import_deadends(m_src, m_out, options);

    for (const auto& problem : report.skipped) context.err << format_text(problem) << "\n";
    if (m_report == "json") {
      context.out << importer::to_json(report).dump(2) << "\n";
    } else {
      print_text(context.out, report);
    }
    return report.skipped.empty() ? static_cast<int>(ExitCode::ok) : static_cast<int>(ExitCode::findings);
  }

private:
  // errkb's canonical YAML (the `errkb fmt` form), checked to read back as the same JSON.
  static std::string render_yaml(const nlohmann::json& record) {
    ingest::LoadedFile file;
    file.path = record.value("id", std::string("record")) + ".yaml";
    file.format = ingest::Format::yaml;
    std::string problem;
    std::string text;
    try {
      text = lint::canonical_text(file, {record}, problem);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Error(e.what());
    }
    if (text.empty()) throw Error(problem);
    return text;
  }

  static void print_text(std::ostream& out, const importer::ImportReport& report) {
    out << "converted: " << report.converted << "\n"
        << "written: " << report.written << "\n"
        << "unchanged: " << report.unchanged << "\n"
        << "skipped: " << report.skipped_files() << "\n";
    if (report.dropped.empty()) {
      out << "dropped source fields: none\n";
      return;
    }
    out << "dropped source fields (no place in errkb), occurrences:\n";
    for (const auto& [path, count] : report.dropped) out << "  " << path << ": " << count << "\n";
  }

  CLI::App* m_deadends = nullptr;
  std::string m_src;
  std::string m_out;
  std::string m_format;
  std::string m_report;
};

} // namespace
} // namespace errkb::cli

ERRKB_REGISTER_COMMAND(errkb::cli::ImportCommand)
