// lint/format.cpp: `errkb fmt` canonical form, idempotence, YAML quoting and comments.
#include "helpers.hpp"
#include "ingest/loader.hpp"
#include "lint/format.hpp"
#include "schema/record.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

using namespace errkb;
using lint::FmtFile;
using nlohmann::json;

namespace {

std::vector<json> load_values(const std::string& path) {
  auto file = ingest::load_file(path);
  INFO(path);
  REQUIRE(file.diagnostics.empty());
  std::vector<json> out;
  for (auto& record : file.records) out.push_back(record.value);
  return out;
}

lint::FmtReport fmt(const std::string& path, lint::FmtMode mode = lint::FmtMode::write, bool force = false) {
  lint::FmtOptions options;
  options.mode = mode;
  options.force = force;
  return lint::fmt_paths({path}, options);
}

} // namespace

TEST_CASE("fmt orders keys as the schema does, translations after their field", "[lint][fmt]") {
  lint_test::ScratchDir dir;
  const std::string path = dir / "seed.json";
  std::filesystem::copy_file(lint_test::data("lint/fmt/seed-shuffled.json"), path);
  const auto report = fmt(path);
  REQUIRE(report.files.size() == 1);
  CHECK(report.files[0].status == FmtFile::Status::reformatted);
  // The shuffled seed and the seed itself come out as the same bytes: the seed's order
  // except that root_cause_zh moves up next to root_cause (before root_cause_type).
  const std::string seed_path = dir / "original.json";
  std::filesystem::copy_file(std::string(ERRKB_SHARED_DIR) + "/seeds/000_1404cc3351d03e6f.txt", seed_path);
  REQUIRE(fmt(seed_path).files.size() == 1);
  const std::string formatted = lint_test::read_file(path);
  CHECK(formatted == lint_test::read_file(seed_path));
  CHECK(formatted.back() == '\n');
  const auto root_cause = formatted.find("\"root_cause\"");
  const auto root_cause_zh = formatted.find("\"root_cause_zh\"");
  const auto root_cause_type = formatted.find("\"root_cause_type\"");
  CHECK(root_cause < root_cause_zh);
  CHECK(root_cause_zh < root_cause_type);
  CHECK(nlohmann::json::parse(formatted) ==
        nlohmann::json::parse(lint_test::read_file(std::string(ERRKB_SHARED_DIR) + "/seeds/000_1404cc3351d03e6f.txt")));
}

TEST_CASE("fmt is idempotent and keeps the content, in every format", "[lint][fmt]") {
  for (const char* name : {"seed-shuffled.json", "messy.yaml", "records.jsonl", "comment-free.yaml"}) {
    DYNAMIC_SECTION(name) {
      lint_test::ScratchDir dir;
      const std::string path = dir / name;
      std::filesystem::copy_file(lint_test::data(std::string("lint/fmt/") + name), path);
      const auto before = load_values(path);
      const auto first = fmt(path);
      REQUIRE(first.files.size() == 1);
      CHECK(first.files[0].status == FmtFile::Status::reformatted);
      const std::string once = lint_test::read_file(path);
      CHECK(load_values(path) == before);
      const auto second = fmt(path);
      CHECK(second.files[0].status == FmtFile::Status::unchanged);
      CHECK(lint_test::read_file(path) == once);
      CHECK(fmt(path, lint::FmtMode::check).files[0].status == FmtFile::Status::unchanged);
      CHECK(once.back() == '\n');
      CHECK(once.substr(once.size() - 2) != "\n\n");
    }
  }
}

TEST_CASE("fmt quotes YAML strings another reader would type differently", "[lint][fmt]") {
  lint_test::ScratchDir dir;
  const std::string path = dir / "messy.yaml";
  std::filesystem::copy_file(lint_test::data("lint/fmt/messy.yaml"), path);
  fmt(path);
  const std::string text = lint_test::read_file(path);
  for (const char* line : {"  - \"yes\"\n", "  - \"no\"\n", "  - \"on\"\n", "  - \"off\"\n", "  - \"null\"\n", "  - \"~\"\n",
                           "  - \"1.0\"\n", "  - \"2024-01-01\"\n", "  - \"0x1F\"\n", "  - \"-1\"\n", "  - \"+1\"\n",
                           "  - \".inf\"\n", "  - \"-.5\"\n", "  - \"<<\"\n", "  - \"=\"\n", "  - \"y\"\n", "  - \"N\"\n",
                           "  - \"True\"\n", "  - \"12:30\"\n", "  - \"1e3\"\n", "  - plain text\n", "  - it's\n",
                           "resolvable: \"true\"\n", "first_seen: \"2025-01-01\"\n", "confidence: 0.95\n",
                           "fix_success_rate: 1.0\n", "evidence_count: 12\n", "    success_rate: 1e-05\n",
                           "  - action: Use asyncio.run\n    success_rate: 0.9\n    how: |\n      import asyncio\n",
                           "    how: \"line one\\nline two\"\n", "    gpu: null\n", "dead_ends: []\n",
                           "signature: \"DemoError: messy record\"\nsignature_zh: 错误\n"}) {
    INFO(line);
    CHECK(text.find(line) != std::string::npos);
  }
  // Top-level order: id first, translations after their field, provenance near the end.
  CHECK(text.rfind("id: demo/messy\n", 0) == 0);
  CHECK(text.find("workarounds_zh:") > text.find("workarounds:"));
  CHECK(text.find("provenance:") > text.find("locale:"));
}

TEST_CASE("fmt --check lists files that would change and touches nothing", "[lint][fmt]") {
  lint_test::ScratchDir dir;
  const std::string path = dir / "seed.json";
  std::filesystem::copy_file(lint_test::data("lint/fmt/seed-shuffled.json"), path);
  const std::string before = lint_test::read_file(path);
  const auto report = fmt(dir.path(), lint::FmtMode::check);
  REQUIRE(report.files.size() == 1);
  CHECK(report.files[0].status == FmtFile::Status::would_reformat);
  CHECK(lint_test::read_file(path) == before);
}

TEST_CASE("YAML comments: refused unless --force, which says it drops them", "[lint][fmt]") {
  lint_test::ScratchDir dir;
  const std::string path = dir / "commented.yaml";
  std::filesystem::copy_file(lint_test::data("lint/fmt/commented.yaml"), path);
  const std::string before = lint_test::read_file(path);
  auto report = fmt(path);
  CHECK(report.files[0].status == FmtFile::Status::refused);
  CHECK(report.files[0].note == "not rewritten: yaml-cpp cannot keep its comments (use --force to rewrite without them)");
  CHECK(lint_test::read_file(path) == before);
  report = fmt(path, lint::FmtMode::check);
  CHECK(report.files[0].status == FmtFile::Status::would_reformat);
  CHECK(report.files[0].note == "has YAML comments, which `errkb fmt --force` would drop");
  report = fmt(path, lint::FmtMode::write, true);
  CHECK(report.files[0].status == FmtFile::Status::reformatted);
  CHECK(report.files[0].note == "comments dropped (yaml-cpp cannot keep them)");
  CHECK(lint_test::read_file(path) == "id: demo/commented\nsignature: \"DemoError: commented\"\nregex: commented\n");
}

TEST_CASE("has_yaml_comments ignores # inside scalars", "[lint][fmt]") {
  CHECK(lint::has_yaml_comments("# note\na: b\n"));
  CHECK(lint::has_yaml_comments("a: b # note\n"));
  CHECK(lint::has_yaml_comments("a:\n  - x\n  # note\n"));
  CHECK(lint::has_yaml_comments("a: |  # header comment\n  text\n"));
  CHECK(lint::has_yaml_comments("a: [x, y] # note\n"));
  CHECK_FALSE(lint::has_yaml_comments(lint_test::read_file(lint_test::data("lint/fmt/comment-free.yaml"))));
  CHECK_FALSE(lint::has_yaml_comments("a: \"x # y\"\nb: 'it''s # z'\nc: C#\n"));
}

TEST_CASE("fmt reports files that do not load and leaves them alone", "[lint][fmt]") {
  lint_test::ScratchDir dir;
  lint_test::write_text(dir / "broken.json", "{\"id\": ");
  const auto report = fmt(dir.path());
  REQUIRE(report.files.size() == 1);
  CHECK(report.files[0].status == FmtFile::Status::failed);
  CHECK_FALSE(report.diagnostics.empty());
  CHECK(lint_test::read_file(dir / "broken.json") == "{\"id\": ");
}

TEST_CASE("canonical key order follows the schema for nested objects", "[lint][fmt]") {
  const json record = json::parse(R"({"workarounds": [{"sources": [], "how": "h", "success_rate": 0.5, "action": "a"}],
    "transition_graph": {"frequently_confused_with": [], "leads_to": [{"distinction": "d", "error_id": "a/b"}]},
    "zzz_unknown": 1, "id": "a/b", "aaa_unknown": 2})");
  const auto canonical = lint::canonical_record(record);
  std::vector<std::string> top;
  for (const auto& item : canonical.items()) top.push_back(item.key());
  CHECK(top == std::vector<std::string>{"id", "workarounds", "transition_graph", "aaa_unknown", "zzz_unknown"});
  std::vector<std::string> workaround;
  for (const auto& item : canonical["workarounds"][0].items()) workaround.push_back(item.key());
  CHECK(workaround == std::vector<std::string>{"action", "success_rate", "how", "sources"});
  std::vector<std::string> edge;
  for (const auto& item : canonical["transition_graph"]["leads_to"][0].items()) edge.push_back(item.key());
  CHECK(edge == std::vector<std::string>{"error_id", "distinction"});
  std::vector<std::string> graph;
  for (const auto& item : canonical["transition_graph"].items()) graph.push_back(item.key());
  CHECK(graph == std::vector<std::string>{"leads_to", "frequently_confused_with"});
}
