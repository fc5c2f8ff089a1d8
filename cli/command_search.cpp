// errkb search QUERY...: full-text search of the records, ranked by bm25.
#include "cli/command.hpp"
#include "db/database.hpp"
#include "lookup/search.hpp"

#include <iomanip>
#include <ostream>
#include <sstream>

namespace errkb::cli {
namespace {

std::string score_text(double score) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << score;
  return out.str();
}

class SearchCommand : public Command {
public:
  const char* name() const override { return "search"; }
  const char* summary() const override { return "Find records by words (full-text, ranked by bm25)"; }

  void setup(CLI::App& app) override {
    app.add_option("query", m_words, "Words to search for (several are joined by spaces)")->required();
    add_db_option(app, m_db);
    add_format_option(app, m_format, {"text", "json", "jsonl"});
    app.add_option("--limit", m_options.limit, "Largest number of results")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
    app.add_option("--domain", m_options.domain, "Only records of this domain (e.g. python)");
    app.add_option("--category", m_options.category, "Only records of this category");
    app.add_option("--locale", m_options.locale, "Only text in this locale (e.g. zh)");
    app.add_option("--tier", m_options.tier, "Only records of this verification tier")
      ->check(CLI::IsMember({"ai_generated", "community_verified", "human_reviewed"}));
    app.add_option("--min-confidence", m_min_confidence, "Only records with at least this confidence (0..1)")
      ->check(CLI::Range(0.0, 1.0));
    app.add_flag("--raw", m_raw, "Read QUERY as FTS5 syntax (AND, OR, NOT, NEAR, \"phrase\", prefix*)");
    app.footer("Every word must occur (identifiers such as torch.float16 or port:8080 are plain text); when\n"
               "none match, words are retried as substrings, then any word may match. Chinese, Japanese,\n"
               "Korean and Thai text is searched as substrings.\n"
               "Exit codes: 0 results found, 1 none found, 2 usage error (e.g. --raw with invalid syntax).");
  }

  int run(Context& context) override {
    std::string query;
    for (const auto& word : m_words) query += (query.empty() ? "" : " ") + word;
    if (m_min_confidence >= 0) m_options.min_confidence = m_min_confidence;
    m_options.syntax = m_raw ? lookup::QuerySyntax::raw : lookup::QuerySyntax::safe;

    db::Database db(m_db, db::Access::read_only);
    const lookup::SearchResponse response = lookup::search(db, query, m_options);

    if (m_format == "json") {
      context.out << lookup::to_json(response).dump(2) << "\n";
    } else if (m_format == "jsonl") {
      for (const auto& hit : response.results) context.out << lookup::to_json(hit).dump() << "\n";
    } else {
      for (std::size_t i = 0; i < response.results.size(); ++i) {
        const auto& hit = response.results[i];
        context.out << i + 1 << ". " << hit.id << "  [" << hit.domain << "/" << hit.category << "]  "
                    << score_text(hit.score) << "\n"
                    << "   " << hit.signature << "\n";
        if (!hit.snippet.empty() && hit.snippet != hit.signature) context.out << "   " << hit.snippet << "\n";
      }
    }
    if (response.results.empty()) {
      context.err << "errkb: no record matches \"" << query << "\"\n";
      return 1;
    }
    return 0;
  }

private:
  std::vector<std::string> m_words;
  std::string m_db;
  std::string m_format;
  double m_min_confidence = -1;
  bool m_raw = false;
  lookup::SearchOptions m_options;
};

} // namespace
} // namespace errkb::cli

ERRKB_REGISTER_COMMAND(errkb::cli::SearchCommand)
