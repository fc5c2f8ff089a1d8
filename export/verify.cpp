#include "export/verify.hpp"

#include "export/bundle_schema.hpp"
#include "export/files.hpp"
#include "export/publish.hpp"
#include "export/sha256.hpp"
#include "schema/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

namespace errkb::bundle {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* k_manifest = "manifest.json";
constexpr const char* k_sums = "SHA256SUMS";

std::string string_at(const json& value, const char* key) {
  if (!value.is_object()) return {};
  auto it = value.find(key);
  return (it != value.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

const json* member(const json& value, const char* key) {
  if (!value.is_object()) return nullptr;
  auto it = value.find(key);
  return it != value.end() ? &*it : nullptr;
}

bool is_safe_path(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.back() == '/') return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return path.find_first_of("\\\n\r") == std::string::npos;
}

// The expected index row of a record line: what index.json must hold for it.
json index_row(const json& record) {
  auto count = [&](const char* key) -> std::size_t {
    const json* list = member(record, key);
    return (list != nullptr && list->is_array()) ? list->size() : 0;
  };
  auto value = [&](const char* key) -> json {
    const json* item = member(record, key);
    return item != nullptr ? *item : json(nullptr);
  };
  return json::array({value("id"), value("signature"), value("regex"), value("domain"), value("category"),
                      value("resolvable"), value("confidence"), value("fix_success_rate"), count("dead_ends"),
                      count("workarounds"), member(record, "withdrawn") != nullptr});
}

// What a locale's records.jsonl says, to check the index, the domain bundles and the manifest against.
struct LocaleFacts {
  bool read = false;
  std::vector<std::string> ids;
  std::vector<std::string> rows;                        // index_row(...).dump() per record
  std::unordered_map<std::string, std::size_t> content; // id -> hash of the record's dump()
  std::map<std::string, std::size_t> domains;
  std::map<std::string, std::size_t> statuses{{"source", 0}, {"translated", 0}, {"partial", 0}, {"fallback", 0}};
  std::size_t withdrawn = 0;
};

struct LineResult {
  std::vector<std::pair<std::string, std::string>> schema_problems; // pointer, message
  std::string parse_error;
  std::string id, domain, locale, status, row;
  std::size_t content = 0;
  bool withdrawn = false;
};

class Verifier {
public:
  explicit Verifier(std::string dir) : m_dir(std::move(dir)) {}

  VerifyReport run();

private:
  void problem(const std::string& code, const std::string& path, const std::string& message, int line = 0,
               const std::string& pointer = {}) {
    m_report.problems.push_back(
        {Severity::error, code, path.empty() ? m_dir : m_dir + "/" + path, line, pointer, message});
  }
  void schema_problems(const std::string& path, Document document, const json& value, int line = 0) {
    for (const auto& p : m_validator.validate(document, value)) problem("schema", path, p.message, line, p.pointer);
  }
  std::optional<json> parse(const std::string& path, const std::string& bytes) {
    try {
      return json::parse(bytes);
    } catch (const json::parse_error& error) {
      problem("parse", path, std::string("not valid JSON: ") + error.what());
      return std::nullopt;
    }
  }
  template <class T>
  void expect_equal(const std::string& path, const std::string& what, const T& found, const T& expected,
                    const std::string& where) {
    if (found != expected)
      problem("count", path, what + " is " + json(found).dump() + ", but " + where + " has " + json(expected).dump());
  }

  std::set<std::string> walk();
  std::map<std::string, std::string> read_sums();
  void check_records(const std::string& path, const std::string& locale, const std::string& bytes);
  void check_index(const std::string& path, const std::string& locale, const json& index);
  void check_domain(const std::string& path, const std::string& locale, const std::string& domain, json bundle);
  void check_locale_summary(const std::string& locale, const json& summary);

  std::string m_dir;
  VerifyReport m_report;
  BundleValidator m_validator;
  std::map<std::string, LocaleFacts> m_locales;
};

std::set<std::string> Verifier::walk() {
  std::set<std::string> files;
  std::error_code error;
  fs::recursive_directory_iterator it(m_dir, fs::directory_options::none, error), end;
  for (; !error && it != end; it.increment(error)) {
    const std::string path = fs::relative(it->path(), m_dir).generic_string();
    const auto status = it->symlink_status();
    if (fs::is_directory(status)) continue;
    if (fs::is_symlink(status))
      problem("extra-file", path, "is a symlink, not part of the bundle");
    else if (!fs::is_regular_file(status))
      problem("extra-file", path, "is not a regular file");
    else
      files.insert(path);
  }
  if (error) problem("missing-file", "", "cannot read the folder: " + error.message());
  return files;
}

// SHA256SUMS as path -> digest; malformed lines are problems.
std::map<std::string, std::string> Verifier::read_sums() {
  std::map<std::string, std::string> sums;
  std::string bytes;
  try {
    bytes = read_file(m_dir + "/" + k_sums);
  } catch (const Error&) {
    return sums; // reported as a missing file
  }
  std::size_t start = 0;
  int line = 0;
  while (start < bytes.size()) {
    std::size_t end = bytes.find('\n', start);
    if (end == std::string::npos) {
      problem("parse", k_sums, "the last line has no newline", line + 1);
      end = bytes.size();
    }
    ++line;
    const std::string text = bytes.substr(start, end - start);
    start = end + 1;
    const bool hex = text.size() > 66 && std::all_of(text.begin(), text.begin() + 64, [](char c) {
                       return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                     });
    if (!hex || text.compare(64, 2, "  ") != 0) {
      problem("parse", k_sums, "not a `sha256sum` line (64 hex digits, two spaces, path)", line);
      continue;
    }
    if (!sums.emplace(text.substr(66), text.substr(0, 64)).second)
      problem("parse", k_sums, "lists " + text.substr(66) + " twice", line);
  }
  return sums;
}

void Verifier::check_records(const std::string& path, const std::string& locale, const std::string& bytes) {
  LocaleFacts& facts = m_locales[locale];
  facts.read = true;
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < bytes.size()) {
    std::size_t end = bytes.find('\n', start);
    if (end == std::string::npos) {
      problem("parse", path, "the last line has no newline", static_cast<int>(lines.size() + 1));
      end = bytes.size();
    }
    lines.emplace_back(bytes.data() + start, end - start);
    start = end + 1;
  }

  std::vector<LineResult> results(lines.size());
  auto work = [&](std::size_t begin, std::size_t finish) {
    for (std::size_t i = begin; i < finish; ++i) {
      LineResult& result = results[i];
      json record;
      try {
        record = json::parse(lines[i]);
      } catch (const json::parse_error& error) {
        result.parse_error = std::string("not valid JSON: ") + error.what();
        continue;
      }
      for (auto& p : m_validator.validate(Document::record, record))
        result.schema_problems.emplace_back(std::move(p.pointer), std::move(p.message));
      result.id = string_at(record, "id");
      result.domain = string_at(record, "domain");
      const json* localization = member(record, "localization");
      result.locale = localization != nullptr ? string_at(*localization, "locale") : std::string();
      result.status = localization != nullptr ? string_at(*localization, "status") : std::string();
      result.withdrawn = member(record, "withdrawn") != nullptr;
      result.row = index_row(record).dump();
      result.content = std::hash<std::string>()(record.dump());
    }
  };
  const std::size_t half = lines.size() / 2;
  if (lines.size() >= 256) {
    std::thread helper(work, half, lines.size());
    work(0, half);
    helper.join();
  } else {
    work(0, lines.size());
  }

  for (std::size_t i = 0; i < results.size(); ++i) {
    const LineResult& result = results[i];
    const int line = static_cast<int>(i + 1);
    if (!result.parse_error.empty()) {
      problem("parse", path, result.parse_error, line);
      continue;
    }
    for (const auto& [pointer, message] : result.schema_problems) problem("schema", path, message, line, pointer);
    if (!facts.ids.empty() && !(facts.ids.back() < result.id))
      problem("order", path,
              "record '" + result.id + "' comes after '" + facts.ids.back() + "' (records are sorted by id, each once)",
              line);
    if (result.locale != locale)
      problem("mismatch", path,
              "record '" + result.id + "' is localized to '" + result.locale + "', not '" + locale + "'", line,
              "/localization/locale");
    facts.ids.push_back(result.id);
    facts.rows.push_back(result.row);
    facts.content[result.id] = result.content;
    ++facts.domains[result.domain];
    ++facts.statuses[result.status];
    facts.withdrawn += result.withdrawn;
  }
  m_report.records += results.size();
}

void Verifier::check_index(const std::string& path, const std::string& locale, const json& index) {
  schema_problems(path, Document::index, index);
  if (string_at(index, "locale") != locale)
    problem("mismatch", path, "is the index of locale '" + string_at(index, "locale") + "'", 0, "/locale");
  const json* rows = member(index, "rows");
  auto facts = m_locales.find(locale);
  if (rows == nullptr || !rows->is_array() || facts == m_locales.end() || !facts->second.read) return;
  const auto& expected = facts->second.rows;
  expect_equal(path, "the number of rows", rows->size(), expected.size(), locale + "/records.jsonl");
  for (std::size_t i = 0; i < std::min(rows->size(), expected.size()); ++i) {
    if ((*rows)[i].dump() != expected[i])
      problem("mismatch", path,
              "row " + std::to_string(i) + " does not match record '" + facts->second.ids[i] + "' of " + locale +
                  "/records.jsonl",
              0, "/rows/" + std::to_string(i));
  }
}

void Verifier::check_domain(const std::string& path, const std::string& locale, const std::string& domain,
                            json bundle) {
  // The records are checked against records.jsonl (whose lines are validated);
  // the schema check covers the rest of the document.
  json records = json::array();
  if (bundle.is_object() && bundle.contains("records") && bundle["records"].is_array())
    std::swap(records, bundle["records"]);
  else
    records = nullptr;
  json envelope = bundle;
  if (!records.is_null()) envelope["records"] = json::array();
  schema_problems(path, Document::domain_bundle, envelope);
  if (string_at(bundle, "locale") != locale)
    problem("mismatch", path, "is a bundle of locale '" + string_at(bundle, "locale") + "'", 0, "/locale");
  if (string_at(bundle, "domain") != domain)
    problem("mismatch", path, "is the bundle of domain '" + string_at(bundle, "domain") + "'", 0, "/domain");
  if (!records.is_array()) return;
  if (const json* count = member(bundle, "record_count"); count != nullptr && count->is_number_unsigned())
    expect_equal(path, "record_count", count->get<std::size_t>(), records.size(), "its records array");
  auto facts = m_locales.find(locale);
  if (facts == m_locales.end() || !facts->second.read) return;
  const auto domain_count = facts->second.domains.find(domain);
  expect_equal(path, "the number of records", records.size(),
               domain_count == facts->second.domains.end() ? std::size_t{0} : domain_count->second,
               locale + "/records.jsonl for domain " + domain);
  std::string previous;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::string pointer = "/records/" + std::to_string(i);
    const std::string id = string_at(records[i], "id");
    auto content = facts->second.content.find(id);
    if (content == facts->second.content.end())
      problem("mismatch", path, "record '" + id + "' is not in " + locale + "/records.jsonl", 0, pointer);
    else if (content->second != std::hash<std::string>()(records[i].dump()))
      problem("mismatch", path, "record '" + id + "' differs from its line in " + locale + "/records.jsonl", 0,
              pointer);
    if (string_at(records[i], "domain") != domain)
      problem("mismatch", path, "record '" + id + "' is of domain '" + string_at(records[i], "domain") + "'", 0,
              pointer);
    if (i > 0 && !(previous < id))
      problem("order", path, "record '" + id + "' comes after '" + previous + "' (records are sorted by id, each once)",
              0, pointer);
    previous = id;
  }
}

void Verifier::check_locale_summary(const std::string& locale, const json& summary) {
  auto facts = m_locales.find(locale);
  if (facts == m_locales.end() || !facts->second.read) return;
  const LocaleFacts& f = facts->second;
  const std::string where = locale + "/records.jsonl";
  if (const json* records = member(summary, "records"); records != nullptr && records->is_number_unsigned())
    expect_equal(k_manifest, "locales." + locale + ".records", records->get<std::size_t>(), f.ids.size(), where);
  if (const json* withdrawn = member(summary, "withdrawn"); withdrawn != nullptr && withdrawn->is_number_unsigned())
    expect_equal(k_manifest, "locales." + locale + ".withdrawn", withdrawn->get<std::size_t>(), f.withdrawn, where);
  if (const json* domains = member(summary, "domains"); domains != nullptr && domains->is_object()) {
    std::set<std::string> names;
    for (const auto& [name, count] : domains->items()) names.insert(name);
    for (const auto& [name, count] : f.domains) names.insert(name);
    for (const auto& name : names) {
      const std::size_t listed =
          domains->contains(name) && (*domains)[name].is_number_unsigned() ? (*domains)[name].get<std::size_t>() : 0;
      const auto found = f.domains.find(name);
      expect_equal(k_manifest, "locales." + locale + ".domains." + name, listed,
                   found == f.domains.end() ? std::size_t{0} : found->second, where);
    }
  }
  if (const json* statuses = member(summary, "status"); statuses != nullptr && statuses->is_object()) {
    for (const auto& [name, count] : f.statuses) {
      const std::size_t listed =
          statuses->contains(name) && (*statuses)[name].is_number_unsigned() ? (*statuses)[name].get<std::size_t>() : 0;
      expect_equal(k_manifest, "locales." + locale + ".status." + name, listed, count, where);
    }
  }
}

VerifyReport Verifier::run() {
  std::error_code error;
  if (!fs::is_directory(m_dir, error)) {
    auto interrupted = interrupted_publication(m_dir);
    problem("missing-bundle", "", interrupted ? *interrupted : std::string("no bundle folder here"));
    return std::move(m_report);
  }

  const std::set<std::string> on_disk = walk();
  const std::map<std::string, std::string> sums =
      on_disk.count(k_sums) ? read_sums() : std::map<std::string, std::string>();

  // manifest.json: its own checksum is in SHA256SUMS.
  std::optional<json> manifest;
  std::string manifest_bytes;
  if (on_disk.count(k_manifest)) {
    manifest_bytes = read_file(m_dir + "/" + k_manifest);
    manifest = parse(k_manifest, manifest_bytes);
    if (manifest) schema_problems(k_manifest, Document::manifest, *manifest);
  }

  // The files the manifest lists (SHA256SUMS's when the manifest is unreadable).
  std::map<std::string, std::pair<std::uint64_t, std::string>> listed; // path -> (size, sha256)
  bool sizes_known = false;
  if (manifest) {
    if (const json* files = member(*manifest, "files"); files != nullptr && files->is_array()) {
      sizes_known = true;
      for (const auto& file : *files) {
        const std::string path = string_at(file, "path");
        const json* size = member(file, "size");
        listed[path] = {size != nullptr && size->is_number_unsigned() ? size->get<std::uint64_t>() : 0,
                        string_at(file, "sha256")};
      }
    }
  } else {
    for (const auto& [path, sha] : sums)
      if (path != k_manifest) listed[path] = {0, sha};
  }

  for (const char* special : {k_manifest, k_sums}) {
    if (!on_disk.count(special)) problem("missing-file", special, "missing");
  }
  for (const auto& path : on_disk) {
    if (path != k_manifest && path != k_sums && !listed.count(path))
      problem("extra-file", path, "is not listed in manifest.json");
  }
  if (on_disk.count(k_sums)) {
    for (const auto& [path, sha] : sums) {
      if (path != k_manifest && !listed.count(path))
        problem("extra-file", k_sums, "lists " + path + ", which manifest.json does not");
    }
    for (const auto& [path, entry] : listed) {
      auto sum = sums.find(path);
      if (sum == sums.end())
        problem("missing-file", k_sums, "does not list " + path);
      else if (sum->second != entry.second)
        problem("checksum", k_sums, "gives " + path + " SHA-256 " + sum->second + ", manifest.json " + entry.second);
    }
    if (on_disk.count(k_manifest)) {
      auto sum = sums.find(k_manifest);
      const std::string actual = sha256_hex(manifest_bytes);
      if (sum == sums.end())
        problem("missing-file", k_sums, std::string("does not list ") + k_manifest);
      else if (sum->second != actual)
        problem("checksum", k_manifest, "content changed: SHA-256 is " + actual + ", SHA256SUMS says " + sum->second);
    }
  }

  // File by file, locale by locale: each locale's records.jsonl first, as the index
  // and the domain bundles are checked against it.
  std::map<std::string, std::vector<std::string>> by_locale;
  for (const auto& [path, entry] : listed) {
    if (!is_safe_path(path)) {
      problem("schema", k_manifest, "lists an unsafe path '" + path + "'");
      continue;
    }
    const std::size_t slash = path.find('/');
    by_locale[slash == std::string::npos ? std::string() : path.substr(0, slash)].push_back(path);
  }
  for (auto& [locale, paths] : by_locale) {
    std::stable_sort(paths.begin(), paths.end(), [&](const std::string& a, const std::string& b) {
      auto rank = [&](const std::string& p) {
        return p == locale + "/records.jsonl" ? 0 : p == locale + "/index.json" ? 1 : 2;
      };
      return rank(a) < rank(b);
    });
    for (const auto& path : paths) {
      if (!on_disk.count(path)) {
        problem("missing-file", path, "missing (listed in manifest.json)");
        continue;
      }
      ++m_report.files;
      std::string bytes;
      try {
        bytes = read_file(m_dir + "/" + path);
      } catch (const Error& e) {
        problem("missing-file", path, e.what());
        continue;
      }
      const auto& [size, sha] = listed.at(path);
      const std::string actual = sha256_hex(bytes);
      if (sizes_known && bytes.size() != size)
        problem("size", path,
                "size is " + std::to_string(bytes.size()) + " bytes, manifest.json says " + std::to_string(size));
      if (actual != sha) problem("checksum", path, "content changed: SHA-256 is " + actual + ", expected " + sha);

      if (locale.empty()) {
        if (path == "stats.json") {
          if (auto stats = parse(path, bytes)) {
            schema_problems(path, Document::stats, *stats);
            if (manifest) {
              if (const json* source = member(*manifest, "source")) {
                for (const char* key : {"records", "withdrawn"}) {
                  const json* a = member(*stats, key);
                  const json* b = member(*source, key);
                  if (a != nullptr && b != nullptr && *a != *b)
                    problem("count", path,
                            std::string(key) + " is " + a->dump() + ", but manifest.json source." + key + " is " +
                                b->dump());
                }
              }
            }
          }
        }
        continue;
      }
      if (path == locale + "/records.jsonl") {
        check_records(path, locale, bytes);
      } else if (path == locale + "/index.json") {
        if (auto index = parse(path, bytes)) check_index(path, locale, *index);
      } else if (path.rfind(locale + "/domains/", 0) == 0 && path.size() > 5 &&
                 path.compare(path.size() - 5, 5, ".json") == 0) {
        const std::string domain = path.substr(locale.size() + 9, path.size() - locale.size() - 9 - 5);
        if (auto bundle = parse(path, bytes)) check_domain(path, locale, domain, std::move(*bundle));
      }
    }
  }

  // The manifest's counts against what the files hold.
  if (manifest) {
    const json* locales = member(*manifest, "locales");
    const json* source = member(*manifest, "source");
    if (locales != nullptr && locales->is_object()) {
      for (const auto& [locale, summary] : locales->items()) {
        m_report.locales.push_back(locale);
        if (!listed.count(locale + "/records.jsonl")) {
          problem("missing-file", k_manifest, "locale " + locale + " has no " + locale + "/records.jsonl in files");
          continue;
        }
        check_locale_summary(locale, summary);
        const auto facts = m_locales.find(locale);
        if (facts == m_locales.end()) continue;
        for (const auto& [domain, count] : facts->second.domains) {
          if (!listed.count(locale + "/domains/" + domain + ".json"))
            problem("missing-file", k_manifest,
                    "lists no domain bundle " + locale + "/domains/" + domain + ".json for the " +
                        std::to_string(count) + " records of domain " + domain);
        }
        if (source != nullptr) {
          if (const json* records = member(*source, "records"); records != nullptr && records->is_number_unsigned())
            expect_equal(k_manifest, "source.records", records->get<std::size_t>(), facts->second.ids.size(),
                         locale + "/records.jsonl");
        }
      }
      for (const auto& [locale, facts] : m_locales) {
        if (!locales->contains(locale))
          problem("extra-file", locale + "/records.jsonl", "locale " + locale + " is not in manifest.json's locales");
      }
    }
  }

  sort_unique(m_report.problems);
  return std::move(m_report);
}

} // namespace

VerifyReport verify_bundle(const std::string& dir) {
  std::string root = dir;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return Verifier(root).run();
}

} // namespace errkb::bundle
