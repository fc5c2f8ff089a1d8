// errkb::bundle statistics (export/stats.hpp) on the records of records/.
#include "export/bundle_schema.hpp"
#include "export/localize.hpp"
#include "export/stats.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace errkb::bundle;
using nlohmann::json;

namespace {

AsOf as_of(const char* date) { return *as_of_date(date, AsOfSource::option); }

} // namespace

TEST_CASE("stats of the sample records, figure by figure", "[stats]") {
  const json stats = compute_stats(test::sample_records(), as_of("2026-11-01"));
  // Worked out by hand from records/: see the comments.
  const json expected = json::parse(R"({
    "as_of": "2026-11-01",
    "as_of_source": "option",
    "records": 6,
    "withdrawn": 0,
    "by_domain": {"docker": 1, "huggingface": 1, "node": 1, "python": 2, "rust": 1},
    "by_category": {"borrow_checker": 1, "config_error": 1, "import_error": 2, "network_error": 2},
    "by_verification_tier": {"ai_generated": 1, "community_verified": 2, "human_reviewed": 3},
    "by_resolvable": {"true": 6},
    "average": {"confidence": 0.8783, "fix_success_rate": 0.8867},
    "freshness": {"fresh": 4, "aging": 1, "stale": 1, "fresh_max_days": 180, "aging_max_days": 365},
    "translation": {
      "en": {"records": {"source": 6, "translated": 0, "partial": 0, "fallback": 0},
             "units": {"translated": 0, "fallback": 0, "coverage": null},
             "fields": {"signature": {"translated": 0, "fallback": 0, "coverage": null},
                        "root_cause": {"translated": 0, "fallback": 0, "coverage": null},
                        "dead_ends": {"translated": 0, "fallback": 0, "coverage": null},
                        "workarounds": {"translated": 0, "fallback": 0, "coverage": null}}},
      "zh": {"records": {"source": 0, "translated": 0, "partial": 3, "fallback": 3},
             "units": {"translated": 16, "fallback": 46, "coverage": 0.2581},
             "fields": {"signature": {"translated": 3, "fallback": 3, "coverage": 0.5},
                        "root_cause": {"translated": 3, "fallback": 3, "coverage": 0.5},
                        "dead_ends": {"translated": 2, "fallback": 20, "coverage": 0.0909},
                        "workarounds": {"translated": 8, "fallback": 20, "coverage": 0.2857}}}
    },
    "graph": {"edges": {"leads_to": 1, "preceded_by": 1, "frequently_confused_with": 2},
              "edges_total": 4, "dangling_edges": 0, "orphans": 2, "components": 4, "largest_component": 2}
  })");
  // confidence (0.92+0.87+0.88+0.8+0.9+0.9)/6 = 0.878333; fix (0.92+0.9+0.92+0.8+0.93+0.85)/6 = 0.886667.
  // last_confirmed vs 2026-11-01: docker 29 d, node 73, module-not-found 48, rust 123 days: fresh;
  // import-error 2026-05-02 is 183 days: aging; the seed 2024-06-01: stale.
  // zh: docker 8 units translated / 4 fallen back, the seed 2 / 6 (its workarounds_zh are the
  // English text), node 6 / 2; the three records without zh: 9 + 13 + 12 fallen back.
  // Graph: node <-> docker and the two python records link; the seed and rust are orphans.
  CHECK(stats.at("average") == expected.at("average"));
  CHECK(stats.at("freshness") == expected.at("freshness"));
  CHECK(stats.at("translation") == expected.at("translation"));
  CHECK(stats.at("graph") == expected.at("graph"));
  CHECK(stats == expected);
  CHECK(stats.at("average").at("confidence").dump() == "0.8783");
  CHECK(BundleValidator().validate(Document::stats, stats).empty());
}

TEST_CASE("freshness bucket edges are 180 and 365 days", "[stats]") {
  auto record = test::sample_records().front();
  std::vector<json> records;
  for (const char* date : {"2026-01-01", "2025-07-05", "2025-07-04", "2025-01-01", "2024-12-31", "2027-01-01"}) {
    record["last_confirmed"] = date;
    records.push_back(record);
  }
  // 2026-01-01 minus: 0, 180, 181, 365, 366 days, and a date in the future.
  const json stats = compute_stats(records, as_of("2026-01-01"));
  CHECK(stats["freshness"]["fresh"] == 3);
  CHECK(stats["freshness"]["aging"] == 2);
  CHECK(stats["freshness"]["stale"] == 1);
}

TEST_CASE("graph figures: dangling edges, self-loops, components", "[stats]") {
  auto base = test::sample_records().front();
  auto make = [&](const std::string& id, const json& leads_to) {
    json record = base;
    record["id"] = id;
    record["transition_graph"] = {
        {"leads_to", leads_to}, {"preceded_by", json::array()}, {"frequently_confused_with", json::array()}};
    return record;
  };
  std::vector<json> records{
      make("a/one", json::array({"a/two", "a/missing"})),
      make("a/two", json::array({json::object({{"error_id", "a/three"}, {"probability", 0.5}})})),
      make("a/three", json::array()),
      make("b/self", json::array({"b/self"})),
      make("b/alone", json::array()),
  };
  records[4]["withdrawn"] = {{"date", "2026-01-01"}, {"reason", "duplicate"}};
  const json stats = compute_stats(records, as_of("2026-11-01"));
  CHECK(stats["graph"] == json::parse(R"({"edges":{"leads_to":4,"preceded_by":0,"frequently_confused_with":0},
    "edges_total":4,"dangling_edges":1,"orphans":2,"components":3,"largest_component":3})"));
  CHECK(stats["withdrawn"] == 1);
  CHECK(stats["records"] == 5);
}

TEST_CASE("stats of no records", "[stats]") {
  const json stats = compute_stats({}, as_of("2026-11-01"));
  CHECK(stats["records"] == 0);
  CHECK(stats["average"]["confidence"].is_null());
  CHECK(stats["translation"] == json::object());
  CHECK(stats["graph"]["components"] == 0);
  CHECK(BundleValidator().validate(Document::stats, stats).empty());
  CHECK_FALSE(StatsBuilder().newest_record_date().has_value());
}

TEST_CASE("the text form is an aligned table of the same figures", "[stats]") {
  const std::string text = format_stats_text(compute_stats(test::sample_records(), as_of("2026-11-01")));
  CHECK(text.rfind("errkb stats as of 2026-11-01 (option)\n\n"
                   "records                         6\n"
                   "withdrawn                       0\n"
                   "average confidence         0.8783\n"
                   "average fix success rate   0.8867\n\n"
                   "domain        records\n"
                   "docker              1\n",
                   0) == 0);
  CHECK(text.find("python              2\n") != std::string::npos);
  CHECK(text.find("aging (<= 365 days)                1\n") != std::string::npos);
  CHECK(text.find("locale   field         translated   fallback   coverage\n") != std::string::npos);
  CHECK(text.find("zh       workarounds            8         20     28.57%\n") != std::string::npos);
  CHECK(text.find("en       signature              0          0          -\n") != std::string::npos);
  CHECK(text.find("connected components             4\n") != std::string::npos);
  CHECK(text.back() == '\n');
}

TEST_CASE("streamed translation coverage equals a record-by-record count", "[stats]") {
  // Mixed locales: base locales en and de, translations present in some records only.
  auto records = test::generated_records(7, {"ja"});
  auto more = test::generated_records(5, {});
  for (std::size_t i = 0; i < more.size(); ++i) {
    more[i]["id"] = "mixed/record-" + std::to_string(i);
    if (i % 2 == 0) more[i]["locale"] = "de";
    if (i == 1) more[i]["signature_fr"] = "Erreur";
    if (i == 3) more[i]["root_cause_de"] = "Ursache";
  }
  records.insert(records.end(), more.begin(), more.end());
  records.push_back(test::sample_records()[0]);
  const json stats = compute_stats(records, as_of("2026-11-01"));

  std::set<std::string> locales;
  for (const auto& record : records) collect_locales(record, locales);
  json expected = json::object();
  for (const auto& locale : locales) {
    std::map<std::string, std::size_t> statuses{{"source", 0}, {"translated", 0}, {"partial", 0}, {"fallback", 0}};
    std::map<std::string, std::pair<std::size_t, std::size_t>> fields;
    for (const auto& record : records) {
      if (record.value("locale", "en") == locale) {
        ++statuses["source"];
        continue;
      }
      const auto units = text_units(record, locale);
      ++statuses[status_name(status_of(units))];
      for (const auto& unit : units) {
        auto& counts = fields[std::string(unit.field)];
        (unit.translation != nullptr ? counts.first : counts.second)++;
      }
    }
    json per_field = json::object();
    for (const char* field : {"signature", "root_cause", "dead_ends", "workarounds"}) {
      per_field[field] = {fields[field].first, fields[field].second};
    }
    expected[locale] = {{"records", statuses}, {"fields", per_field}};
  }
  REQUIRE(stats["translation"].size() == expected.size());
  for (const auto& [locale, entry] : expected.items()) {
    INFO(locale);
    CHECK(stats["translation"][locale]["records"] == entry["records"]);
    for (const auto& [field, counts] : entry["fields"].items()) {
      CHECK(stats["translation"][locale]["fields"][field]["translated"] == counts[0]);
      CHECK(stats["translation"][locale]["fields"][field]["fallback"] == counts[1]);
    }
  }
  CHECK(locales == std::set<std::string>{"de", "en", "fr", "ja", "zh"});
}

TEST_CASE("stats streamed from a database equal stats of the records", "[stats]") {
  test::TempDir dir("stats");
  test::ingest_sample_records(dir.file("errkb.db"));
  errkb::db::Database db(dir.file("errkb.db"), errkb::db::Access::read_only);
  DatabaseSource source(db);
  CHECK(compute_stats(source, as_of("2026-11-01")) == compute_stats(test::sample_records(), as_of("2026-11-01")));
}
