// errkb match [FILE|-]: which known errors an error message or a log contains.
#include "cli/command.hpp"
#include "db/database.hpp"
#include "lookup/match.hpp"
#include "schema/error.hpp"

#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace errkb::cli {
namespace {

std::string fixed2(double value) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << value;
  return out.str();
}

std::string percent(const nlohmann::ordered_json& item, const char* key) {
  const auto it = item.find(key);
  if (it == item.end() || !it->is_number()) return "?";
  return std::to_string(static_cast<int>(it->get<double>() * 100.0 + 0.5)) + "%";
}

std::string text(const nlohmann::ordered_json& item, const char* key) {
  const auto it = item.find(key);
  return it != item.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void print_text(std::ostream& out, const std::vector<lookup::MatchResult>& results) {
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    out << i + 1 << ". " << r.id << "  [" << r.domain << "/" << r.category << "]  " << fixed2(r.score) << "  line "
        << r.line << (r.via == lookup::Via::fts ? "  (full-text suggestion, no regex matched)" : "") << "\n";
    out << "   " << r.signature << "\n";
    out << "   " << (r.via == lookup::Via::fts ? "similar: " : "matched: ") << r.matched << "\n";
    for (const auto& w : r.workarounds) {
      if (w.is_object()) out << "   fix:      " << text(w, "action") << " (works " << percent(w, "success_rate") << ")\n";
    }
    for (const auto& d : r.dead_ends) {
      if (d.is_object()) out << "   dead end: " << text(d, "action") << " (fails " << percent(d, "fail_rate") << ")\n";
    }
  }
}

class MatchCommand : public Command {
public:
  const char* name() const override { return "match"; }
  const char* summary() const override { return "Find the known errors in an error message or a log"; }

  void setup(CLI::App& app) override {
    app.add_option("input", m_input, "File with the message or log; `-` or nothing: standard input");
    add_db_option(app, m_db);
    add_format_option(app, m_format, {"text", "json"});
    app.add_option("--limit", m_options.limit, "Largest number of results")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
    app.add_option("--max-input-bytes", m_options.max_input_bytes, "Largest input read; a larger one is an error")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
    app.add_flag("--no-fallback", m_no_fallback, "No full-text suggestions when no regex matches");
    app.footer("Each result says why it matched: `via: regex` with the matched text and its line, or\n"
               "`via: fts` (full-text similarity, only when no regex matches, ranked below any regex hit).\n"
               "Large inputs are read as logs: only their error lines and last lines are examined.\n"
               "Exit codes: 0 results found, 1 none found, 2 usage error.");
  }

  int run(Context& context) override {
    m_options.fallback = m_no_fallback ? lookup::Fallback::none : lookup::Fallback::fts;
    db::Database db(m_db, db::Access::read_only);
    lookup::MatchResponse response;
    if (m_input.empty() || m_input == "-") {
      response = lookup::match_stream(db, std::cin, m_options);
    } else {
      std::ifstream in(m_input, std::ios::binary);
      if (!in) throw InputError("cannot read " + m_input);
      response = lookup::match_stream(db, in, m_options);
    }
    if (m_format == "json") {
      context.out << lookup::to_json(response.results).dump(2) << "\n";
    } else {
      print_text(context.out, response.results);
    }
    if (response.results.empty()) {
      context.err << "errkb: no known error found\n";
      return 1;
    }
    return 0;
  }

private:
  std::string m_input;
  std::string m_db;
  std::string m_format;
  bool m_no_fallback = false;
  lookup::MatchOptions m_options;
};

} // namespace
} // namespace errkb::cli

ERRKB_REGISTER_COMMAND(errkb::cli::MatchCommand)
