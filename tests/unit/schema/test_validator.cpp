#include "schema/record.hpp"
#include "schema/search_regex.hpp"
#include "schema/validator.hpp"

#include <catch2/catch.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <fstream>

using nlohmann::json;

namespace {

json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  return json::parse(in);
}

json seed() { return read_json(std::string(ERRKB_SHARED_DIR) + "/seeds/000_1404cc3351d03e6f.txt"); }

// "pointer: message" lines of `record`'s diagnostics, sorted.
std::vector<std::string> problems(const json& record) {
  static const errkb::schema::Validator validator;
  std::vector<std::string> out;
  for (const auto& d : validator.validate(record)) out.push_back(d.pointer + ": " + d.message);
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace

TEST_CASE("record schema is a valid draft-07 schema", "[schema]") {
  json meta = read_json(std::string(ERRKB_TEST_DATA) + "/draft-07.schema.json");
  valijson::Schema meta_schema;
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::NlohmannJsonAdapter meta_adapter(meta);
  parser.populateSchema(meta_adapter, meta_schema);

  valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::adapters::NlohmannJsonAdapter target(errkb::schema::record_schema());
  valijson::ValidationResults results;
  CHECK(validator.validate(meta_schema, target, &results));
  CHECK(results.numErrors() == 0);

  // The meta-schema check is not vacuous: a broken schema fails it.
  json broken = errkb::schema::record_schema();
  broken["properties"]["id"]["maxLength"] = -1;
  valijson::adapters::NlohmannJsonAdapter broken_target(broken);
  CHECK_FALSE(validator.validate(meta_schema, broken_target, nullptr));
}

TEST_CASE("the seed record validates as it is", "[schema]") {
  CHECK(problems(seed()).empty());
}

TEST_CASE("the validator hands out the regex it compiled", "[schema]") {
  const errkb::schema::Validator validator;
  json record = seed();
  std::unique_ptr<errkb::schema::SearchRegex> regex;
  CHECK(validator.validate(record, &regex).empty());
  REQUIRE(regex != nullptr);
  CHECK(regex->search(record["signature"].get<std::string>()));
  CHECK_FALSE(regex->search("an unrelated message"));

  record["regex"] = "a(b";
  regex.reset();
  const auto diagnostics = validator.validate(record, &regex);
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].pointer == "/regex");
  CHECK(regex == nullptr); // nothing to hand out
}

TEST_CASE("records/ hold valid JSON records", "[schema]") {
  for (const char* path : {"/records/docker/port-already-allocated.json", "/records/node/eaddrinuse.json",
                           "/records/rust/borrow-mutable-twice.json",
                           "/records/huggingface/quantization-dtype-mismatch-bnb.json"}) {
    INFO(path);
    CHECK(problems(read_json(std::string(ERRKB_SOURCE_DIR) + path)).empty());
  }
}

TEST_CASE("schema errors name the deepest pointer with a specific message", "[schema]") {
  json r = seed();
  SECTION("unknown top-level key") {
    r["signatur"] = "typo";
    CHECK(problems(r) == std::vector<std::string>{"/signatur: unknown property 'signatur' (neither a record field nor "
                                                  "<field>_<locale> of signature, root_cause, dead_ends, workarounds)"});
  }
  SECTION("missing required field") {
    r.erase("regex");
    CHECK(problems(r) == std::vector<std::string>{": missing required property 'regex'"});
  }
  SECTION("resolvable must be a string") {
    r["resolvable"] = true;
    CHECK(problems(r) == std::vector<std::string>{"/resolvable: wrong type: expected string, got boolean"});
  }
  SECTION("resolvable enum") {
    r["resolvable"] = "yes";
    CHECK(problems(r) ==
          std::vector<std::string>{"/resolvable: 'yes' is not allowed: expected one of \"true\", \"partial\", \"false\""});
  }
  SECTION("rate out of range") {
    r["dead_ends"][1]["fail_rate"] = 1.5;
    CHECK(problems(r) == std::vector<std::string>{"/dead_ends/1/fail_rate: 1.5 is out of range [0.0, 1.0]"});
  }
  SECTION("impossible date") {
    r["first_seen"] = "2024-02-30";
    CHECK(problems(r) == std::vector<std::string>{"/first_seen: '2024-02-30' is not a real calendar date"});
  }
  SECTION("malformed date") {
    r["last_updated"] = "2024-6-1";
    auto p = problems(r);
    REQUIRE(p.size() == 1);
    CHECK(p[0].rfind("/last_updated: '2024-6-1' does not match", 0) == 0);
  }
  SECTION("bad ids") {
    for (const char* id : {"Huggingface/x", "huggingface", "a/b/c/d", "a/../b", "a/b c", "a//b", "a/b/"}) {
      INFO(id);
      r["id"] = id;
      auto p = problems(r);
      REQUIRE(p.size() == 1);
      CHECK(p[0].rfind("/id: '", 0) == 0);
    }
  }
  SECTION("regex RE2 rejects") {
    r["regex"] = "(?<=lookbehind)x";
    auto p = problems(r);
    REQUIRE(p.size() == 1);
    CHECK(p[0].rfind("/regex: RE2 rejects the regex: invalid perl operator: (?<", 0) == 0);
  }
  SECTION("graph edge of the wrong type and with a bad target id") {
    r["transition_graph"]["leads_to"] = json::array({5, {{"error_id", "Bad Id"}}});
    auto p = problems(r);
    REQUIRE(p.size() == 2);
    CHECK(p[0] == "/transition_graph/leads_to/0: wrong type: expected string or object, got number");
    CHECK(p[1].rfind("/transition_graph/leads_to/1/error_id: 'Bad Id' does not match", 0) == 0);
  }
  SECTION("translations: known field with a locale passes, unknown field fails") {
    r["root_cause_pt-br"] = "Causa raiz";
    r["dead_ends_zh"] = json::array({"动作", {{"action", "动作"}, {"why_fails", "原因"}}});
    CHECK(problems(r).empty());
    r["regex_zh"] = "x";
    CHECK(problems(r).size() == 1);
  }
  SECTION("a 5 MB id is reported, not a crash") {
    r["id"] = std::string(5u << 20, 'a');
    CHECK(problems(r) == std::vector<std::string>{"/id: too long: at most 200 characters allowed"});
  }
  SECTION("every error in one pass") {
    r["confidence"] = "high";
    r["tags"] = json::array({" padded "});
    r["withdrawn"] = {{"date", "2025-13-01"}};
    auto p = problems(r);
    CHECK(p.size() == 4);
  }
}

TEST_CASE("record helpers", "[schema]") {
  using namespace errkb::schema;
  CHECK(is_real_date("2024-02-29"));
  CHECK_FALSE(is_real_date("2023-02-29"));
  CHECK_FALSE(is_real_date("1900-02-29"));
  CHECK(is_real_date("2000-02-29"));
  CHECK_FALSE(is_real_date("2024-04-31"));
  CHECK_FALSE(is_real_date("2024-1-01"));

  auto key = parse_translation_key("root_cause_zh");
  REQUIRE(key);
  CHECK(key->field == "root_cause");
  CHECK(key->locale == "zh");
  CHECK(parse_translation_key("workarounds_pt-br")->locale == "pt-br");
  CHECK_FALSE(parse_translation_key("root_cause"));
  CHECK_FALSE(parse_translation_key("regex_zh"));
  CHECK_FALSE(parse_translation_key("signature_ZH"));

  CHECK(canonical_key_order().front() == "id");
  CHECK(canonical_key_order()[1] == "signature");
  CHECK(regex_error("a(b").find("missing )") != std::string::npos);
  CHECK(regex_error("a)|(b").find("unexpected )") != std::string::npos); // not hidden by a wrapping group
  CHECK(regex_error("bnb_4bit.*incompatible").empty());

  json r = seed();
  r["transition_graph"]["preceded_by"] = json::array({"a/b", {{"error_id", "c/d"}}});
  auto edges = graph_edges(r);
  REQUIRE(edges.size() == 2);
  CHECK(edges[1].target == "c/d");
  CHECK(edges[1].pointer == "/transition_graph/preceded_by/1/error_id");
}
