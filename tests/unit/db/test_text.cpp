#include "db/internal.hpp"
#include "schema/error.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <limits>

using errkb::db::internal::append_canonical_json;
using nlohmann::json;

namespace {

std::string canonical(const json& value) {
  std::string out;
  append_canonical_json(out, value);
  return out;
}

} // namespace

TEST_CASE("canonical JSON is exactly what nlohmann::json::dump() writes", "[db][text]") {
  const json seed = errkb::db::test::seed_record();
  CHECK(canonical(seed) == seed.dump());

  const json tricky = {
    {"strings", {"", "plain", "quote \" backslash \\ slash /", "\b\f\n\r\t", std::string("\x01\x1f\x7f", 3),
                 std::string("nul\0in", 6), "é 不兼容 😀 \u2028"}},
    {"numbers", {0, -1, 42, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::uint64_t>::max(),
                 0.87, 1.0, -0.0, 1e-7, 1e300, 123456789.125, 0.1 + 0.2}},
    {"nested", {{"z", nullptr}, {"a", {true, false, json::array(), json::object()}}}},
    {"ключ", "значение"}};
  CHECK(canonical(tricky) == tricky.dump());
  CHECK(canonical(json("x")) == "\"x\"");
}

TEST_CASE("canonical JSON rejects invalid UTF-8 like dump() does", "[db][text]") {
  for (const std::string& bad : {std::string("\xff"), std::string("ab\xc3"), std::string("\xc0\xaf"),
                                std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80")}) {
    const json value = {{"text", bad}};
    CHECK_THROWS_AS(value.dump(), json::type_error);
    CHECK_THROWS_AS(canonical(value), errkb::InputError);
  }
}
