// errkb show ID: print one record back from the database.
#include "cli/command.hpp"
#include "db/database.hpp"
#include "db/query.hpp"
#include "schema/error.hpp"

#include <ostream>

namespace errkb::cli {
namespace {

std::string text_of(const nlohmann::json& value, const char* key) {
  auto it = value.find(key);
  return (it != value.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

std::string rate_of(const nlohmann::json& value, const char* key) {
  auto it = value.find(key);
  if (it == value.end() || !it->is_number()) return "?";
  return std::to_string(static_cast<int>(it->get<double>() * 100.0 + 0.5)) + "%";
}

void print_text(std::ostream& out, const nlohmann::json& r) {
  out << r.value("id", "") << "\n";
  out << "  signature:  " << text_of(r, "signature") << "\n";
  out << "  regex:      " << text_of(r, "regex") << "\n";
  out << "  domain:     " << text_of(r, "domain") << " / " << text_of(r, "category") << "\n";
  out << "  resolvable: " << text_of(r, "resolvable") << "  fix success " << rate_of(r, "fix_success_rate")
      << "  confidence " << rate_of(r, "confidence") << "  tier " << text_of(r, "verification_tier") << "\n";
  out << "  seen:       " << text_of(r, "first_seen") << " .. " << text_of(r, "last_confirmed") << "\n";
  if (auto w = r.find("withdrawn"); w != r.end())
    out << "  WITHDRAWN:  " << text_of(*w, "date") << ": " << text_of(*w, "reason") << "\n";
  out << "\nRoot cause:\n  " << text_of(r, "root_cause") << "\n";
  if (auto list = r.find("dead_ends"); list != r.end() && !list->empty()) {
    out << "\nDead ends (do not do this):\n";
    for (const auto& d : *list)
      out << "  - " << text_of(d, "action") << " [fails " << rate_of(d, "fail_rate") << "]\n      "
          << text_of(d, "why_fails") << "\n";
  }
  if (auto list = r.find("workarounds"); list != r.end() && !list->empty()) {
    out << "\nWorkarounds:\n";
    for (const auto& w : *list) {
      out << "  - " << text_of(w, "action") << " [works " << rate_of(w, "success_rate") << "]\n";
      if (std::string how = text_of(w, "how"); !how.empty() && how != text_of(w, "action")) out << "      " << how << "\n";
    }
  }
  if (auto graph = r.find("transition_graph"); graph != r.end()) {
    for (const char* kind : {"leads_to", "preceded_by", "frequently_confused_with"}) {
      auto list = graph->find(kind);
      if (list == graph->end() || list->empty()) continue;
      out << "\n" << kind << ":\n";
      for (const auto& e : *list) out << "  - " << (e.is_string() ? e.get<std::string>() : text_of(e, "error_id")) << "\n";
    }
  }
}

class ShowCommand : public Command {
public:
  const char* name() const override { return "show"; }
  const char* summary() const override { return "Print a record from the database"; }

  void setup(CLI::App& app) override {
    app.add_option("id", m_id, "Record id, e.g. python/module-not-found")->required();
    add_db_option(app, m_db);
    add_format_option(app, m_format, {"text", "json"});
  }

  int run(Context& context) override {
    db::Database db(m_db, db::Access::read_only);
    auto record = db::find_record(db, m_id);
    if (!record) throw Error("no record with id '" + m_id + "' in " + m_db);
    if (m_format == "json") context.out << record->dump(2) << "\n";
    else print_text(context.out, *record);
    return 0;
  }

private:
  std::string m_id;
  std::string m_db;
  std::string m_format;
};

} // namespace
} // namespace errkb::cli

ERRKB_REGISTER_COMMAND(errkb::cli::ShowCommand)
