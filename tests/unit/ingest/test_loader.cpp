// Unit tests for ingest/loader: formats, limits and the exact diagnostics of bad input.
#include "ingest/loader.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>

using errkb::Diagnostic;
using errkb::Severity;
using errkb::ingest::Format;
using errkb::ingest::Limits;
using errkb::ingest::load_bytes;
using errkb::ingest::load_file;
using errkb::ingest::LoadedFile;
using nlohmann::json;

namespace {

std::string data_path(const std::string& relative) { return std::string(ERRKB_TEST_DATA) + "/" + relative; }

struct Expected {
  std::string code;
  int line;
  std::string pointer;
  std::string message;
};

// The file loaded with exactly one diagnostic, an error, equal to `expected`, and no record.
void require_only(const LoadedFile& file, const Expected& expected) {
  INFO("file " << file.path);
  REQUIRE(file.diagnostics.size() == 1);
  const Diagnostic& d = file.diagnostics.front();
  CHECK(d.severity == Severity::error);
  CHECK(d.file == file.path);
  CHECK(d.code == expected.code);
  CHECK(d.line == expected.line);
  CHECK(d.pointer == expected.pointer);
  CHECK(d.message == expected.message);
  CHECK(file.records.empty());
}

std::string repeat(const std::string& text, std::size_t count) {
  std::string out;
  out.reserve(text.size() * count);
  for (std::size_t i = 0; i < count; ++i) out += text;
  return out;
}

// A scratch folder removed at the end of the test.
class TempDir {
public:
  TempDir() {
    m_path = std::filesystem::temp_directory_path() /
             ("errkb-test-loader-" + std::to_string(::getpid()) + "-" + std::to_string(++s_counter));
    std::filesystem::remove_all(m_path);
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::permissions(m_path, std::filesystem::perms::owner_all, ignored);
    std::filesystem::remove_all(m_path, ignored);
  }
  std::string operator/(const std::string& name) const { return (m_path / name).string(); }

private:
  static inline int s_counter = 0;
  std::filesystem::path m_path;
};

} // namespace

TEST_CASE("format_for_path maps record extensions", "[ingest][loader]") {
  Format format = Format::yaml;
  CHECK(errkb::ingest::format_for_path("a/b.json", format));
  CHECK(format == Format::json);
  CHECK(errkb::ingest::format_for_path("b.jsonl", format));
  CHECK(format == Format::jsonl);
  CHECK(errkb::ingest::format_for_path("b.yml", format));
  CHECK(format == Format::yaml);
  CHECK(errkb::ingest::format_for_path("B.YAML", format));
  CHECK(format == Format::yaml);
  CHECK_FALSE(errkb::ingest::format_for_path("notes.txt", format));
  CHECK_FALSE(errkb::ingest::format_for_path("dir.json/README", format));
  CHECK_FALSE(errkb::ingest::format_for_path("json", format));
}

TEST_CASE("a JSON record loads with its hash and start line", "[ingest][loader]") {
  const LoadedFile file = load_file(data_path("good/nested.json"));
  REQUIRE(file.diagnostics.empty());
  REQUIRE(file.records.size() == 1);
  CHECK(file.format == Format::json);
  CHECK(file.records[0].line == 1);
  CHECK(file.records[0].value.at("id") == "python/nested-example");
  CHECK(file.records[0].value.at("escaped/key~").at("caf\xC3\xA9") == 1);
  CHECK(file.sha256.size() == 64);

  // sha256 is the digest of the raw bytes.
  CHECK(load_bytes("x.json", Format::json, "{}").sha256 ==
        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  // Without `hash` (lint, validate) the file is parsed the same and not hashed.
  const LoadedFile unhashed = load_bytes("x.json", Format::json, "{\"a\": 1}", {}, false);
  CHECK(unhashed.sha256.empty());
  REQUIRE(unhashed.records.size() == 1);
  CHECK(unhashed.records[0].value == nlohmann::json{{"a", 1}});
}

TEST_CASE("line_of walks to nested JSON pointers", "[ingest][loader]") {
  const LoadedFile file = load_file(data_path("good/nested.json"));
  REQUIRE(file.records.size() == 1);
  CHECK(file.line_of(0, "") == 1);
  CHECK(file.line_of(0, "/id") == 2);
  CHECK(file.line_of(0, "/dead_ends") == 4);
  CHECK(file.line_of(0, "/dead_ends/0") == 5);
  CHECK(file.line_of(0, "/dead_ends/0/why_fails") == 5);
  CHECK(file.line_of(0, "/dead_ends/1") == 6);
  CHECK(file.line_of(0, "/dead_ends/1/action") == 7);
  CHECK(file.line_of(0, "/dead_ends/1/sources/1") == 9);
  CHECK(file.line_of(0, "/escaped~1key~0") == 12);
  CHECK(file.line_of(0, "/escaped~1key~0/caf\xC3\xA9") == 12);
  // Missing members fall back to the deepest ancestor found.
  CHECK(file.line_of(0, "/dead_ends/1/missing") == 6);
  CHECK(file.line_of(0, "/dead_ends/7") == 4);
  CHECK(file.line_of(0, "not a pointer") == 1);
  CHECK(file.line_of(3, "/id") == 0);
}

TEST_CASE("a UTF-8 byte order mark is accepted", "[ingest][loader]") {
  const LoadedFile json_file = load_file(data_path("good/bom.json"));
  REQUIRE(json_file.diagnostics.empty());
  REQUIRE(json_file.records.size() == 1);
  CHECK(json_file.records[0].value.at("id") == "python/bom");

  const LoadedFile yaml_file = load_file(data_path("good/bom.yaml"));
  REQUIRE(yaml_file.diagnostics.empty());
  REQUIRE(yaml_file.records.size() == 1);
  CHECK(yaml_file.records[0].value.at("id") == "python/bom");

  const LoadedFile jsonl_file = load_bytes("x.jsonl", Format::jsonl, "\xEF\xBB\xBF{\"a\": 1}\n{\"a\": 2}\n");
  REQUIRE(jsonl_file.diagnostics.empty());
  REQUIRE(jsonl_file.records.size() == 2);
  CHECK(jsonl_file.records[1].line == 2);
}

TEST_CASE("truncated JSON names line and column", "[ingest][loader]") {
  require_only(load_file(data_path("bad/truncated.json")),
               {"parse", 3, "", "column 15: syntax error while parsing array - unexpected end of input; expected ']'"});
}

TEST_CASE("invalid JSON names line and column", "[ingest][loader]") {
  require_only(load_file(data_path("bad/invalid.json")),
               {"parse", 3, "",
                "column 16: syntax error while parsing value - unexpected ']'; expected '[', '{', or a literal"});
}

TEST_CASE("content after the JSON value is an error", "[ingest][loader]") {
  require_only(load_file(data_path("bad/trailing.json")),
               {"parse", 2, "", "column 1: syntax error while parsing value - unexpected '{'; expected end of input"});
}

TEST_CASE("invalid UTF-8 is reported with its byte offset", "[ingest][loader]") {
  const LoadedFile file = load_file(data_path("bad/invalid-utf8.json"));
  require_only(file, {"utf8", 3, "", "invalid UTF-8 at byte 47"});
  CHECK_FALSE(file.sha256.empty());

  struct Case {
    const char* name;
    std::string bytes;
    std::size_t offset;
  };
  const Case cases[] = {
      {"overlong slash", "[\"\xC0\xAF\"]", 2},          {"overlong 3-byte", "[\"\xE0\x80\xAF\"]", 2},
      {"overlong 4-byte", "[\"\xF0\x80\x80\xAF\"]", 2}, {"surrogate", "[\"ok \xED\xA0\x80\"]", 5},
      {"above U+10FFFF", "[\"\xF4\x90\x80\x80\"]", 2},  {"F5 lead", "[\"\xF5\x80\x80\x80\"]", 2},
      {"lone continuation", "[\"\x80\"]", 2},           {"truncated sequence at end", "[\"\xE2\x82", 2},
      {"bad second byte", "[\"\xE2\x28\xA1\"]", 2},     {"after 8-byte ASCII run", "[\"abcdefghijklmnop\xFF\"]", 18},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    require_only(load_bytes("x.json", Format::json, c.bytes),
                 {"utf8", 1, "", "invalid UTF-8 at byte " + std::to_string(c.offset)});
  }
  // Well-formed multi-byte text, including the largest code point, passes.
  const LoadedFile good =
      load_bytes("x.json", Format::json, "[\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF\"]");
  CHECK(good.diagnostics.empty());
}

TEST_CASE("duplicate keys are errors in JSON and YAML", "[ingest][loader]") {
  require_only(load_file(data_path("bad/duplicate-key.json")),
               {"duplicate-key", 5, "/workarounds/0/action", "duplicate key \"action\""});
  require_only(load_file(data_path("bad/duplicate-key.yaml")),
               {"duplicate-key", 4, "/provenance/source", "duplicate key \"source\""});
  // Keys are compared after decoding escapes.
  require_only(load_bytes("x.json", Format::json, "{\"a/b\": 1, \"a\\/b\": 2}"),
               {"duplicate-key", 1, "/a~1b", "duplicate key \"a/b\""});
  // A quoted and a plain key with the same text are the same JSON key.
  require_only(load_bytes("x.yaml", Format::yaml, "1: a\n\"1\": b\n"),
               {"duplicate-key", 2, "/1", "duplicate key \"1\""});
}

TEST_CASE("100,000 nested arrays stop at the depth limit", "[ingest][loader]") {
  std::string expected_pointer;
  for (int i = 0; i < 64; ++i) expected_pointer += "/0";
  require_only(load_bytes("deep.json", Format::json, std::string(100'000, '[')),
               {"limit", 1, expected_pointer, "nesting deeper than 64 levels"});
  require_only(load_bytes("deep.json", Format::json, "{\"a\":\n" + repeat("{\"a\":", 99'999)),
               {"limit", 2, repeat("/a", 64), "nesting deeper than 64 levels"});

  // YAML flow nesting is rejected by the pre-scan, before yaml-cpp recurses.
  require_only(load_bytes("deep.yaml", Format::yaml, std::string(100'000, '[')),
               {"limit", 1, "", "nesting deeper than 64 levels"});
  require_only(load_bytes("deep.yaml", Format::yaml, "a: b\nc: " + std::string(100'000, '{')),
               {"limit", 2, "", "nesting deeper than 64 levels"});
  // Block nesting: yaml-cpp's own guard, then our converter's limit.
  require_only(load_bytes("deep.yaml", Format::yaml, repeat("- ", 100'000) + "x\n"),
               {"limit", 1, "", "nesting too deep for the YAML parser"});
  require_only(load_bytes("deep.yaml", Format::yaml, repeat("- ", 70) + "x\n"),
               {"limit", 1, expected_pointer, "nesting deeper than 64 levels"});

  // At the limit itself both formats load.
  Limits limits;
  limits.max_depth = 3;
  CHECK(load_bytes("ok.json", Format::json, "[[[1]]]", limits).diagnostics.empty());
  CHECK(load_bytes("ok.yaml", Format::yaml, "[[[1]]]", limits).diagnostics.empty());
  CHECK(load_bytes("ok.yaml", Format::yaml, "a: [b, [c]]", limits).diagnostics.empty());
  require_only(load_bytes("no.json", Format::json, "[[[[1]]]]", limits),
               {"limit", 1, "/0/0/0", "nesting deeper than 3 levels"});
  require_only(load_bytes("no.yaml", Format::yaml, "[[[[1]]]]", limits),
               {"limit", 1, "", "nesting deeper than 3 levels"});
  require_only(load_bytes("no.yaml", Format::yaml, "a:\n  b:\n    c:\n      d: 1\n", limits),
               {"limit", 4, "/a/b/c", "nesting deeper than 3 levels"});
}

TEST_CASE("the YAML pre-scan ignores brackets in scalars and comments", "[ingest][loader]") {
  Limits limits;
  limits.max_depth = 2;
  const std::string text = "a: \"[[[[\"\n"
                           "b: '{{{{'\n"
                           "c: text with [[[[ brackets\n"
                           "d: |\n"
                           "  [[[[ literal\n"
                           "  {{{{\n"
                           "# [[[[ comment\n"
                           "e: [x, \"[[[[\"]\n";
  const LoadedFile file = load_bytes("x.yaml", Format::yaml, text, limits);
  REQUIRE(file.diagnostics.empty());
  CHECK(file.records.at(0).value.at("c") == "text with [[[[ brackets");
  CHECK(file.records.at(0).value.at("d") == "[[[[ literal\n{{{{\n");
}

TEST_CASE("a billion laughs YAML file fails fast", "[ingest][loader]") {
  const auto start = std::chrono::steady_clock::now();
  const LoadedFile file = load_file(data_path("bad/billion-laughs.yaml"));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  require_only(file, {"limit", 7, "/g/0", "YAML alias expansion exceeds 1000000 nodes"});
  CHECK(elapsed < std::chrono::seconds(2));

  // Aliases within the limit expand.
  const LoadedFile ok = load_bytes("x.yaml", Format::yaml, "base: &b {os: linux}\nfirst: *b\nsecond: [*b, *b]\n");
  REQUIRE(ok.diagnostics.empty());
  CHECK(ok.records.at(0).value.at("second").at(1).at("os") == "linux");
  CHECK(ok.line_of(0, "/second/1/os") == 3);
  CHECK(ok.line_of(0, "/first") == 2);

  // A node that contains its own alias is cut by the depth limit.
  require_only(load_bytes("x.yaml", Format::yaml, "a: &x [*x]\n"),
               {"limit", 1, "/a" + repeat("/0", 63), "nesting deeper than 64 levels"});

  Limits limits;
  limits.max_nodes = 10;
  require_only(load_bytes("x.yaml", Format::yaml, "a: &a [1, 2, 3]\nb: [*a, *a]\n", limits),
               {"limit", 2, "/b/1", "YAML alias expansion exceeds 10 nodes"});
  require_only(load_bytes("x.json", Format::json, "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", limits),
               {"limit", 1, "/9", "document has more than 10 values"});
}

TEST_CASE("files above max_file_bytes are rejected unread", "[ingest][loader]") {
  Limits limits;
  limits.max_file_bytes = 10;
  const std::string path = data_path("good/nested.json");
  const LoadedFile file = load_file(path, limits);
  require_only(file, {"limit", 0, "", "file is 311 bytes, larger than the limit of 10 bytes"});
  CHECK(file.sha256.empty());
  require_only(load_bytes("x.json", Format::json, "[1, 2, 3, 4]", limits),
               {"limit", 0, "", "file is 12 bytes, larger than the limit of 10 bytes"});
}

TEST_CASE("strings and keys above max_string_bytes are errors", "[ingest][loader]") {
  Limits limits;
  limits.max_string_bytes = 8;
  CHECK(load_bytes("x.json", Format::json, "{\"id\": \"12345678\"}", limits).diagnostics.empty());
  require_only(load_bytes("x.json", Format::json, "{\"id\": \"x\",\n \"tags\": [\"ok\", \"123456789\"]}", limits),
               {"limit", 2, "/tags/1", "string longer than 8 bytes"});
  require_only(load_bytes("x.json", Format::json, "{\"a\": {\"123456789\": 1}}", limits),
               {"limit", 1, "/a", "key longer than 8 bytes"});
  require_only(load_bytes("x.yaml", Format::yaml, "id: x\ntags:\n  - ok\n  - \"123456789\"\n", limits),
               {"limit", 4, "/tags/1", "string longer than 8 bytes"});
  require_only(load_bytes("x.yaml", Format::yaml, "a:\n  123456789: 1\n", limits),
               {"limit", 2, "/a", "key longer than 8 bytes"});

  // The default limit: a 5 MB string is rejected, with a short message.
  const LoadedFile big = load_bytes("x.json", Format::json, "{\"id\": \"" + std::string(5u << 20, 'x') + "\"}");
  require_only(big, {"limit", 1, "/id", "string longer than 1048576 bytes"});
}

TEST_CASE("YAML scalars are typed by the YAML 1.2 core schema", "[ingest][loader]") {
  const LoadedFile file = load_file(data_path("good/typing.yaml"));
  REQUIRE(file.diagnostics.empty());
  REQUIRE(file.records.size() == 1);
  const json& r = file.records[0].value;
  CHECK(r.at("quoted_true") == json("true"));
  CHECK(r.at("plain_true") == json(true));
  CHECK(r.at("capital_false") == json(false));
  CHECK(r.at("date") == json("2024-01-01"));
  CHECK(r.at("hex") == json(31));
  CHECK(r.at("hex").is_number_integer());
  CHECK(r.at("octal") == json(15));
  CHECK(r.at("exponent").is_number_float());
  CHECK(r.at("exponent") == json(1000.0));
  CHECK(r.at("decimal") == json(-12));
  CHECK(r.at("fraction") == json(0.5));
  CHECK(r.at("tilde").is_null());
  CHECK(r.at("empty").is_null());
  CHECK(r.at("yes_word") == json("yes"));
  CHECK(r.at("on_word") == json("on"));
  CHECK(r.at("str_tag") == json("42"));
  CHECK(r.at("int_tag") == json(42));
  CHECK(r.at("literal") == json("line one\nline two\n"));
  CHECK(r.at("folded") == json("folded text"));

  struct Case {
    const char* yaml;
    json expected;
  };
  const Case cases[] = {
      {"v: NULL", nullptr},
      {"v: Null", nullptr},
      {"v: TRUE", true},
      {"v: 'null'", "null"},
      {"v: -0x1F", "-0x1F"},
      {"v: 0o8", "0o8"},
      {"v: +7", 7},
      {"v: 007", 7},
      {"v: 1.", 1.0},
      {"v: -.5e-1", -0.05},
      {"v: 1_000", "1_000"},
      {"v: 12:30", "12:30"},
      {"v: .inf.x", ".inf.x"},
      {"v: !!float 3", 3.0},
      {"v: !!bool false", false},
      {"v: !!null ~", nullptr},
      {"v: n", "n"},
      {"v: off", "off"},
      {"v: \"1e3\"", "1e3"},
      {"v: 1e3x", "1e3x"},
      {"v: 18446744073709551615", 18446744073709551615u},
      {"v: -9223372036854775808", INT64_MIN},
  };
  for (const Case& c : cases) {
    INFO(c.yaml);
    const LoadedFile one = load_bytes("x.yaml", Format::yaml, c.yaml);
    REQUIRE(one.diagnostics.empty());
    CHECK(one.records.at(0).value.at("v") == c.expected);
  }
}

TEST_CASE("YAML values JSON cannot hold are errors", "[ingest][loader]") {
  require_only(load_file(data_path("bad/infinity.yaml")),
               {"parse", 2, "/rate", "YAML float \".inf\" cannot be represented in JSON"});
  require_only(load_bytes("x.yaml", Format::yaml, "v: -.INF"),
               {"parse", 1, "/v", "YAML float \"-.INF\" cannot be represented in JSON"});
  require_only(load_bytes("x.yaml", Format::yaml, "v: .NaN"),
               {"parse", 1, "/v", "YAML float \".NaN\" cannot be represented in JSON"});
  require_only(load_bytes("x.yaml", Format::yaml, "v: 1e999"), {"parse", 1, "/v", "number \"1e999\" is out of range"});
  require_only(load_bytes("x.yaml", Format::yaml, "v: !!int abc"), {"parse", 1, "/v", "\"abc\" is not a valid !!int"});
  require_only(load_bytes("x.yaml", Format::yaml, "v: !color red"), {"parse", 1, "/v", "unsupported YAML tag !color"});
  require_only(load_bytes("x.yaml", Format::yaml, "? [a]\n: v\n"), {"parse", 1, "", "mapping key must be a scalar"});
  require_only(load_bytes("x.yaml", Format::yaml, "~: v\n"), {"parse", 1, "", "mapping key must not be null"});
}

TEST_CASE("YAML files hold exactly one document", "[ingest][loader]") {
  // The line of the `---` that starts the second document.
  require_only(load_file(data_path("bad/two-documents.yaml")),
               {"parse", 2, "", "more than one YAML document (a record file holds one record)"});
  // yaml-cpp 0.7's LoadAll never ends on these (jbeder/yaml-cpp#1040; found by fuzz_load_yaml).
  for (const char* text : {",", "\xEF\xBB\xBF , (  w\n"}) {
    require_only(load_bytes("hang.yaml", Format::yaml, text),
                 {"parse", 1, "", "the YAML parser cannot read this file (it stops making progress here)"});
  }
  require_only(load_file(data_path("bad/invalid.yaml")), {"parse", 3, "", "column 1: end of sequence flow not found"});
  require_only(load_bytes("x.yaml", Format::yaml, "# nothing but a comment\n"),
               {"empty", 1, "", "no YAML document in file"});
  require_only(load_bytes("x.yaml", Format::yaml, std::string("a: b\n\0c: d\n", 11)),
               {"parse", 2, "", "NUL byte is not allowed in YAML"});
}

TEST_CASE("line_of follows YAML nodes", "[ingest][loader]") {
  const LoadedFile file = load_file(data_path("good/nested.yaml"));
  REQUIRE(file.diagnostics.empty());
  REQUIRE(file.records.size() == 1);
  CHECK(file.records[0].line == 1);
  CHECK(file.line_of(0, "") == 1);
  CHECK(file.line_of(0, "/signature") == 2);
  CHECK(file.line_of(0, "/dead_ends") == 4);
  CHECK(file.line_of(0, "/dead_ends/0/why_fails") == 5);
  CHECK(file.line_of(0, "/dead_ends/1") == 6);
  CHECK(file.line_of(0, "/dead_ends/1/sources/1") == 9);
  CHECK(file.line_of(0, "/tags/1") == 11);
  CHECK(file.line_of(0, "/dead_ends/1/missing") == 6);
  CHECK(file.line_of(0, "/nothing/here") == 1);
}

TEST_CASE("JSONL records keep their line numbers", "[ingest][loader]") {
  const LoadedFile good = load_file(data_path("good/records.jsonl"));
  REQUIRE(good.diagnostics.empty());
  REQUIRE(good.records.size() == 2);
  CHECK(good.format == Format::jsonl);
  CHECK(good.records[0].line == 1);
  CHECK(good.records[1].line == 3);
  CHECK(good.records[1].value.at("id") == "python/fourth");
  CHECK(good.line_of(0, "/tags/1") == 1);
  CHECK(good.line_of(1, "/id") == 3);

  const LoadedFile mixed = load_file(data_path("bad/mixed.jsonl"));
  REQUIRE(mixed.records.size() == 2);
  CHECK(mixed.records[0].line == 1);
  CHECK(mixed.records[1].line == 4);
  CHECK(mixed.line_of(1, "/id") == 4);
  REQUIRE(mixed.diagnostics.size() == 1);
  const Diagnostic& d = mixed.diagnostics[0];
  CHECK(d.code == "parse");
  CHECK(d.line == 3);
  CHECK(d.message == "column 33: syntax error while parsing value - unexpected '}'; expected '[', '{', or a literal");
}

TEST_CASE("empty files are reported", "[ingest][loader]") {
  require_only(load_file(data_path("bad/empty.json")), {"empty", 1, "", "empty file"});
  require_only(load_file(data_path("bad/blank.yaml")), {"empty", 1, "", "empty file"});
  require_only(load_bytes("x.jsonl", Format::jsonl, "\n \n\r\n"), {"empty", 1, "", "empty file"});
  require_only(load_bytes("x.json", Format::json, "\xEF\xBB\xBF"), {"empty", 1, "", "empty file"});
}

TEST_CASE("I/O problems are diagnostics, never exceptions", "[ingest][loader]") {
  require_only(load_file(data_path("bad/no-such-file.json")),
               {"io", 0, "", "cannot open file: No such file or directory"});
  require_only(load_file(data_path("bad/notes.txt")),
               {"path", 0, "", "not a record file (expected .json, .yaml, .yml or .jsonl)"});

  TempDir dir;
  // A folder named like a record file.
  std::filesystem::create_directory(dir / "folder.json");
  require_only(load_file(dir / "folder.json"), {"io", 0, "", "is a directory, not a file"});

  const std::string locked = dir / "locked.json";
  {
    std::FILE* out = std::fopen(locked.c_str(), "w");
    REQUIRE(out != nullptr);
    std::fputs("{}", out);
    std::fclose(out);
  }
  std::filesystem::permissions(locked, std::filesystem::perms::none);
  if (::geteuid() == 0) {
    WARN("running as root: a chmod 000 file stays readable, so the permission case is not checked");
    CHECK(load_file(locked).diagnostics.empty());
  } else {
    require_only(load_file(locked), {"io", 0, "", "cannot open file: Permission denied"});
  }
}
