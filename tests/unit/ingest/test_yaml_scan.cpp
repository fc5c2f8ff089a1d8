// Unit tests for ingest/yaml_scan: the raw-text scanners shared by the YAML reader
// and `errkb fmt`.
#include "ingest/yaml_scan.hpp"

#include <catch2/catch.hpp>

#include <string_view>

using errkb::ingest::indentation_at;
using errkb::ingest::skip_quoted;

TEST_CASE("skip_quoted ends after the closing quote", "[ingest][yaml_scan]") {
  constexpr std::string_view single = "key: 'it''s here' # done";
  CHECK(skip_quoted(single, 5) == single.find(" #"));
  constexpr std::string_view dbl = R"(key: "say \"hi\" \\" rest)";
  CHECK(skip_quoted(dbl, 5) == dbl.find(" rest"));
  // A quote of the other kind inside does not end the scalar.
  constexpr std::string_view mixed = R"('a "b" c' x)";
  CHECK(skip_quoted(mixed, 0) == mixed.find(" x"));
  CHECK(skip_quoted("''", 0) == 2);
}

TEST_CASE("skip_quoted runs to the end of an unclosed scalar", "[ingest][yaml_scan]") {
  CHECK(skip_quoted("'open", 0) == 5);
  CHECK(skip_quoted("'ends in an escape''", 0) == 20);
  CHECK(skip_quoted(R"("ends in a backslash\)", 0) == 21);
  CHECK(skip_quoted("\"", 0) == 1);
}

TEST_CASE("indentation_at counts the spaces opening a line", "[ingest][yaml_scan]") {
  constexpr std::string_view text = "a:\n    b: 1\n\tc: 2\n  \n";
  CHECK(indentation_at(text, 0) == 0);
  CHECK(indentation_at(text, 3) == 4);
  CHECK(indentation_at(text, text.find('\t')) == 0); // tabs are not indentation
  CHECK(indentation_at(text, text.rfind("  \n")) == 2);
  CHECK(indentation_at(text, text.size()) == 0);
  CHECK(indentation_at("   ", 1) == 2);
}
