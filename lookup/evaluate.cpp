#include "lookup/evaluate.hpp"

#include "schema/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace errkb::lookup {
namespace {

std::vector<std::string> strings(const nlohmann::json& value, const std::string& where) {
  std::vector<std::string> out;
  if (value.is_null()) return out;
  if (!value.is_array()) throw InputError(where + ": expected an array of strings");
  for (const auto& item : value) {
    if (!item.is_string()) throw InputError(where + ": expected an array of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

} // namespace

std::vector<Scenario> load_scenarios(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read " + path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  const nlohmann::json parsed = nlohmann::json::parse(buffer.str(), nullptr, false);
  if (!parsed.is_array()) throw InputError(path.string() + ": expected a JSON array of scenarios");
  std::vector<Scenario> scenarios;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    const auto& item = parsed[i];
    const std::string where = path.string() + ": /" + std::to_string(i);
    if (!item.is_object() || !item.contains("name") || !item.contains("input") || !item["name"].is_string() ||
        !item["input"].is_string()) {
      throw InputError(where + ": expected an object with string `name` and `input`");
    }
    Scenario scenario;
    scenario.name = item["name"].get<std::string>();
    scenario.input = item["input"].get<std::string>();
    scenario.accept = strings(item.value("accept", nlohmann::json()), where + "/accept");
    scenario.expect_all = strings(item.value("expect_all", nlohmann::json()), where + "/expect_all");
    if (item.contains("note") && item["note"].is_string()) scenario.note = item["note"].get<std::string>();
    if (item.contains("expect_via")) {
      const auto& via = item["expect_via"];
      if (!via.is_string() || (via != "regex" && via != "fts")) {
        throw InputError(where + "/expect_via: expected \"regex\" or \"fts\"");
      }
      scenario.expect_via = via.get<std::string>();
    }
    scenarios.push_back(std::move(scenario));
  }
  return scenarios;
}

Evaluation evaluate(const std::vector<Scenario>& scenarios,
                    const std::function<std::vector<MatchResult>(std::string_view input)>& match) {
  Evaluation evaluation;
  for (const Scenario& scenario : scenarios) {
    const std::vector<MatchResult> results = match(scenario.input);
    ScenarioOutcome outcome;
    outcome.name = scenario.name;
    outcome.negative = scenario.accept.empty();
    for (const auto& result : results) outcome.top.push_back(result.id + (result.via == Via::fts ? " (fts)" : ""));
    if (outcome.negative) {
      // Nothing is known about this input: right when no regex claims it
      // (full-text suggestions are labelled as such and allowed).
      const bool clean = std::none_of(results.begin(), results.end(),
                                      [](const MatchResult& r) { return r.via == Via::regex; });
      outcome.correct_at_1 = outcome.hit_at_3 = clean;
      outcome.precision_at_3 = outcome.reciprocal_rank = clean ? 1.0 : 0.0;
    } else {
      std::size_t accepted_in_3 = 0;
      for (std::size_t i = 0; i < results.size(); ++i) {
        if (!contains(scenario.accept, results[i].id)) continue;
        if (outcome.first_rank == 0) outcome.first_rank = i + 1;
        if (i < 3) ++accepted_in_3;
      }
      outcome.correct_at_1 = outcome.first_rank == 1;
      outcome.hit_at_3 = outcome.first_rank >= 1 && outcome.first_rank <= 3;
      outcome.precision_at_3 =
        static_cast<double>(accepted_in_3) / static_cast<double>(std::min<std::size_t>(3, scenario.accept.size()));
      outcome.reciprocal_rank = outcome.first_rank == 0 ? 0.0 : 1.0 / static_cast<double>(outcome.first_rank);
      if (!scenario.expect_via.empty()) {
        outcome.via_ok = outcome.first_rank != 0 && via_name(results[outcome.first_rank - 1].via) == scenario.expect_via;
      }
    }
    if (!scenario.expect_via.empty()) {
      ++evaluation.expect_via_scenarios;
      if (outcome.via_ok) ++evaluation.expect_via_met;
    }
    for (const auto& id : scenario.expect_all) {
      const bool found = std::any_of(results.begin(), results.end(), [&](const MatchResult& r) { return r.id == id; });
      if (!found) outcome.missing.push_back(id);
    }
    if (!scenario.expect_all.empty()) {
      ++evaluation.expect_all_scenarios;
      if (outcome.missing.empty()) ++evaluation.expect_all_met;
    }
    evaluation.negatives += outcome.negative ? 1 : 0;
    evaluation.precision_at_1 += outcome.correct_at_1 ? 1.0 : 0.0;
    evaluation.precision_at_3 += outcome.precision_at_3;
    evaluation.hit_at_3 += outcome.hit_at_3 ? 1.0 : 0.0;
    evaluation.mrr += outcome.reciprocal_rank;
    evaluation.outcomes.push_back(std::move(outcome));
  }
  evaluation.scenarios = scenarios.size();
  if (evaluation.scenarios > 0) {
    const auto n = static_cast<double>(evaluation.scenarios);
    evaluation.precision_at_1 /= n;
    evaluation.precision_at_3 /= n;
    evaluation.hit_at_3 /= n;
    evaluation.mrr /= n;
  }
  return evaluation;
}

} // namespace errkb::lookup
