// errkb::bundle localization (export/localize.hpp) and JSON text (export/json_text.hpp).
#include "export/exporter.hpp"
#include "export/json_text.hpp"
#include "export/localize.hpp"
#include "schema/error.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace errkb::bundle;
using nlohmann::json;

namespace {

json sample(const std::string& id) {
  for (auto& record : test::sample_records())
    if (record["id"] == id) return record;
  throw std::runtime_error("no sample record " + id);
}

std::vector<std::string> pointers(const std::vector<TextUnit>& units, bool translated) {
  std::vector<std::string> out;
  for (const auto& unit : units)
    if ((unit.translation != nullptr) == translated) out.push_back(unit.pointer);
  return out;
}

json localized(const json& record, const std::string& locale) {
  std::string line;
  localize_record(line, record, locale);
  return json::parse(line);
}

} // namespace

TEST_CASE("a translation identical to its source counts as untranslated", "[localize]") {
  // The seed record: signature_zh and root_cause_zh are Chinese, workarounds_zh repeat the English actions.
  const json seed = sample("huggingface/quantization-dtype-mismatch-bnb");
  const auto units = text_units(seed, "zh");
  CHECK(pointers(units, true) == std::vector<std::string>{"/signature", "/root_cause"});
  CHECK(pointers(units, false) == std::vector<std::string>{"/dead_ends/0/why_fails", "/dead_ends/1/why_fails",
                                                           "/workarounds/0/action", "/workarounds/0/how",
                                                           "/workarounds/1/action", "/workarounds/1/how"});
  CHECK(status_of(units) == Status::partial);

  const json zh = localized(seed, "zh");
  CHECK(zh["signature"] == seed["signature_zh"]);
  CHECK(zh["workarounds"] == seed["workarounds"]);
  CHECK(zh["localization"] == json::parse(R"({"locale":"zh","base_locale":"en","status":"partial",
    "translated":["/signature","/root_cause"],
    "fallback":["/dead_ends/0/why_fails","/dead_ends/1/why_fails","/workarounds/0/action","/workarounds/0/how",
                "/workarounds/1/action","/workarounds/1/how"]})"));
}

TEST_CASE("localization falls back field by field inside dead ends and workarounds", "[localize]") {
  const json docker = sample("docker/port-already-allocated");
  const json zh = localized(docker, "zh");
  // dead_ends_zh items are strings: they translate the action only.
  CHECK(zh["dead_ends"][0]["action"] == docker["dead_ends_zh"][0]);
  CHECK(zh["dead_ends"][0]["why_fails"] == docker["dead_ends"][0]["why_fails"]);
  CHECK(zh["dead_ends"][1]["common_misconception"] == docker["dead_ends"][1]["common_misconception"]);
  CHECK(zh["dead_ends"][1]["fail_rate"] == 0.8);
  // workarounds_zh items are objects: action and how translated, tradeoff falls back.
  CHECK(zh["workarounds"][1]["how"] == docker["workarounds_zh"][1]["how"]);
  CHECK(zh["workarounds"][1]["tradeoff"] == docker["workarounds"][1]["tradeoff"]);
  CHECK(zh["localization"]["translated"] ==
        json({"/signature", "/root_cause", "/dead_ends/0/action", "/dead_ends/1/action", "/workarounds/0/action",
              "/workarounds/0/how", "/workarounds/1/action", "/workarounds/1/how"}));
  CHECK(zh["localization"]["fallback"] == json({"/dead_ends/0/why_fails", "/dead_ends/1/why_fails",
                                                "/dead_ends/1/common_misconception", "/workarounds/1/tradeoff"}));
  // No translation keys and no `locale` in the output.
  for (const auto& item : zh.items()) CHECK(item.key().find("_zh") == std::string::npos);
  CHECK_FALSE(zh.contains("locale"));
}

TEST_CASE("the base locale is the source, and an absent locale falls back entirely", "[localize]") {
  const json rust = sample("rust/borrow-mutable-twice");
  const json en = localized(rust, "en");
  CHECK(en["localization"] ==
        json::parse(R"({"locale":"en","base_locale":"en","status":"source","translated":[],"fallback":[]})"));
  json expected = rust;
  expected.erase("locale");
  expected["localization"] = en["localization"];
  CHECK(en == expected);

  const json ja = localized(rust, "ja");
  CHECK(ja["localization"]["status"] == "fallback");
  CHECK(ja["localization"]["translated"].empty());
  CHECK(ja["localization"]["fallback"].size() == 12);
}

TEST_CASE("blank translations and blank sources do not count", "[localize]") {
  json record = sample("rust/borrow-mutable-twice");
  record["signature_de"] = "  ";
  record["root_cause_de"] = "Zwei veränderliche Ausleihen überschneiden sich.";
  record["dead_ends"][0]["condition"] = "";
  record["dead_ends_de"] = json::array({json::object({{"why_fails", "Es verschiebt die Prüfung nur."}})});
  const auto units = text_units(record, "de");
  CHECK(pointers(units, true) == std::vector<std::string>{"/root_cause", "/dead_ends/0/why_fails"});
  CHECK(pointers(units, false).front() == "/signature");
  std::set<std::string> locales;
  collect_locales(record, locales);
  CHECK(locales == std::set<std::string>{"de", "en"});
}

TEST_CASE("localized lines keep the record schema's key order", "[localize]") {
  const json node = sample("node/eaddrinuse");
  std::string line;
  localize_record(line, node, "zh");
  CHECK(line.rfind("{\"id\":\"node/eaddrinuse\",\"signature\":", 0) == 0);
  CHECK(line.find("\"localization\":{\"locale\":\"zh\"") != std::string::npos);
  CHECK(line.back() == '}');
  CHECK(line.find('\n') == std::string::npos);
}

TEST_CASE("append_json writes what nlohmann::json::dump writes", "[json_text]") {
  std::vector<json> values = test::sample_records();
  values.push_back(json::parse(R"({"a":"quote \" backslash \\ tab \t nl \n cr \r bell \u0007 del \u007f",
    "b":[1.0,0.1,1e-7,-2,18446744073709551615,-9223372036854775808,0.30000000000000004,1e300],
    "c":"中文 ✓ 😀","d":null,"e":true,"f":false,"g":{},"h":[]})"));
  for (const auto& value : values) {
    std::string out;
    append_json(out, value);
    CHECK(out == value.dump());
  }
}

TEST_CASE("rates are rounded to at most 4 decimals", "[json_text]") {
  CHECK(json(round_rate(0.1 + 0.2)).dump() == "0.3");
  CHECK(json(round_rate(2.0 / 3.0)).dump() == "0.6667");
  CHECK(json(round_rate(5.27 / 6)).dump() == "0.8783");
  CHECK(json(round_rate(1.0)).dump() == "1.0");
  CHECK(json(round_rate(-0.00001)).dump() == "0.0");
}

TEST_CASE("locale lists are checked, sorted and deduplicated", "[exporter]") {
  CHECK(parse_locale_list("zh,en, zh") == std::vector<std::string>{"en", "zh"});
  CHECK(parse_locale_list("pt-br") == std::vector<std::string>{"pt-br"});
  CHECK_THROWS_AS(parse_locale_list("en,"), errkb::UsageError);
  CHECK_THROWS_AS(parse_locale_list("EN"), errkb::UsageError);
  CHECK_THROWS_AS(parse_locale_list("../x"), errkb::UsageError);
}
