// errkb verify DIR: checksums, schema and counts of an exported bundle.
#include "cli/command.hpp"
#include "export/verify.hpp"

#include <ostream>

namespace errkb::cli {
namespace {

class VerifyCommand : public Command {
public:
  const char* name() const override { return "verify"; }
  const char* summary() const override { return "Check an exported bundle against its manifest and schema"; }

  void setup(CLI::App& app) override {
    app.add_option("dir", m_dir, "Bundle folder written by `errkb export`")->required();
    add_format_option(app, m_format, {"text", "json"});
    app.footer("Prints one line per problem (changed, missing or extra file, schema, counts).\n"
               "Exit codes: 0 intact, 1 problems found, 2 usage error.");
  }

  int run(Context& context) override {
    const auto report = bundle::verify_bundle(m_dir);
    if (m_format == "json") {
      nlohmann::json out{{"valid", report.problems.empty()},
                         {"files", report.files},
                         {"records", report.records},
                         {"locales", report.locales},
                         {"problems", nlohmann::json::array()}};
      for (const auto& d : report.problems) out["problems"].push_back(to_json(d));
      context.out << out.dump(2) << "\n";
    } else {
      for (const auto& d : report.problems) context.out << format_text(d) << "\n";
      context.err << "errkb: " << m_dir << ": " << report.files << " files, " << report.records
                  << " records checked in " << report.locales.size()
                  << (report.locales.size() == 1 ? " locale: " : " locales: ");
      if (report.problems.empty())
        context.err << "ok\n";
      else
        context.err << report.problems.size() << (report.problems.size() == 1 ? " problem\n" : " problems\n");
    }
    return report.problems.empty() ? 0 : 1;
  }

private:
  std::string m_dir;
  std::string m_format;
};

} // namespace
} // namespace errkb::cli

ERRKB_REGISTER_COMMAND(errkb::cli::VerifyCommand)
