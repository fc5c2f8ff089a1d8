// errkb fmt PATH... [--check]: rewrite record files in their canonical form.
#include "cli/command.hpp"
#include "lint/format.hpp"

#include <iostream>

namespace errkb::cli {
namespace {

class FmtCommand : public Command {
public:
  const char* name() const override { return "fmt"; }
  const char* summary() const override { return "Rewrite record files in canonical form (key order, indentation)"; }

  void setup(CLI::App& app) override {
    app.add_option("paths", m_paths, "Record files or folders (.json, .yaml, .yml, .jsonl)")->required();
    app.add_flag("--check", m_check, "Change nothing; list the files that would change and exit 1 if any");
    app.add_flag("--force", m_options.force, "Also rewrite YAML files that have comments (the comments are lost)");
    app.add_flag("--follow-symlinks", m_options.walk.follow_symlinks, "Follow symlinks inside folders");
    app.footer("Canonical form: keys in schema order (translations after their field), 2-space indentation,\n"
               "final newline; JSON stays JSON, YAML stays YAML. yaml-cpp cannot keep comments: a YAML file\n"
               "with comments is left alone unless --force.\n"
               "Exit codes: 0 nothing (left) to change, 1 files would change / were refused / failed, 2 usage error.");
  }

  int run(Context& context) override {
    m_options.mode = m_check ? lint::FmtMode::check : lint::FmtMode::write;
    const lint::FmtReport report = lint::fmt_paths(m_paths, m_options);
    for (const auto& d : report.diagnostics) context.err << format_text(d) << "\n";

    std::size_t changed = 0, unchanged = 0, refused = 0, failed = 0;
    for (const auto& file : report.files) {
      using Status = lint::FmtFile::Status;
      switch (file.status) {
      case Status::unchanged: ++unchanged; break;
      case Status::reformatted: ++changed; context.out << "reformatted: " << file.path << "\n"; break;
      case Status::would_reformat: ++changed; context.out << "would reformat: " << file.path << "\n"; break;
      case Status::refused: ++refused; break;
      case Status::failed: ++failed; break;
      }
      if (!file.note.empty()) context.err << "errkb: " << file.path << ": " << file.note << "\n";
    }
    context.err << "errkb: " << report.files.size() << (report.files.size() == 1 ? " file: " : " files: ") << changed
                << (m_check ? " would be reformatted, " : " reformatted, ") << unchanged << " unchanged";
    if (refused > 0) context.err << ", " << refused << " refused";
    if (failed > 0) context.err << ", " << failed << " failed";
    context.err << "\n";
    const bool walk_errors = has_errors(report.diagnostics);
    return (m_check && changed > 0) || refused > 0 || failed > 0 || walk_errors ? 1 : 0;
  }

private:
  std::vector<std::string> m_paths;
  bool m_check = false;
  lint::FmtOptions m_options;
};

} // namespace
} // namespace errkb::cli

ERRKB_REGISTER_COMMAND(errkb::cli::FmtCommand)
