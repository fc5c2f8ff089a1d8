#pragma once
// Quality of `match` on a scenario set (tests/data/match_scenarios.json):
// realistic inputs, each with the record ids acceptable as its answer.
#include "lookup/match.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace errkb::lookup {

struct Scenario {
  std::string name;
  std::string input;
  std::vector<std::string> accept;     // acceptable ids (a near-duplicate group); empty: nothing should match
  std::vector<std::string> expect_all; // ids that must all be reported (multi-error inputs)
  std::string expect_via;              // "regex" / "fts": how the first accepted id must be found; empty: any
  std::string note;
};

// The scenarios of a JSON file: an array of {name, input, accept, note, expect_all?, expect_via?}.
// Throws InputError when the file cannot be read or does not have that shape.
std::vector<Scenario> load_scenarios(const std::filesystem::path& path);

struct ScenarioOutcome {
  std::string name;
  bool negative = false;      // accept is empty
  std::size_t first_rank = 0; // 1-based rank of the first accepted id; 0 when none
  bool correct_at_1 = false;  // top result accepted (negative: no regex result)
  bool hit_at_3 = false;      // an accepted id in the top 3 (negative: no regex result)
  double precision_at_3 = 0;  // accepted ids in the top 3 / min(3, accepted ids) (negative: as correct_at_1)
  double reciprocal_rank = 0; // 1 / first_rank (negative: 1 when correct)
  std::vector<std::string> missing; // ids of expect_all not reported
  bool via_ok = true;               // expect_via met (true when the scenario has none)
  std::vector<std::string> top;     // ids reported, best first, "(fts)" appended to full-text ones
};

struct Evaluation {
  std::size_t scenarios = 0;
  std::size_t negatives = 0;
  double precision_at_1 = 0;
  double precision_at_3 = 0;
  double hit_at_3 = 0;
  double mrr = 0;
  std::size_t expect_all_scenarios = 0;
  std::size_t expect_all_met = 0;
  std::size_t expect_via_scenarios = 0;
  std::size_t expect_via_met = 0;
  std::vector<ScenarioOutcome> outcomes; // in scenario order
};

// Runs `match` on every scenario's input and scores the results, best first.
Evaluation evaluate(const std::vector<Scenario>& scenarios,
                    const std::function<std::vector<MatchResult>(std::string_view input)>& match);

} // namespace errkb::lookup
