#include "lint/fix.hpp"

#include "lint/format.hpp"
#include "lint/text.hpp"

#include <fstream>
#include <map>
#include <sstream>

namespace errkb::lint {
namespace {

using nlohmann::json;

std::string edge_target(const json& entry) {
  if (entry.is_string()) return entry.get<std::string>();
  if (entry.is_object() && entry.contains("error_id") && entry["error_id"].is_string())
    return entry["error_id"].get<std::string>();
  return "";
}

// Adds `target` to the edge list at `pointer`, in the form the record already uses
// (bare id strings only when every existing entry is one). False when present.
bool add_edge(json& record, const std::string& pointer, const std::string& target) {
  json::json_pointer list_pointer(pointer);
  if (!record.contains("transition_graph") || !record["transition_graph"].is_object())
    record["transition_graph"] = json::object();
  if (!record.contains(list_pointer) || !record[list_pointer].is_array()) record[list_pointer] = json::array();
  json& list = record[list_pointer];
  for (const auto& entry : list)
    if (edge_target(entry) == target) return false;
  bool strings = false, objects = false;
  for (const auto& [kind, entries] : record["transition_graph"].items()) {
    if (!entries.is_array()) continue;
    for (const auto& entry : entries) (entry.is_string() ? strings : objects) = true;
  }
  if (strings && !objects) {
    list.push_back(target);
  } else {
    list.push_back(json{{"error_id", target}});
  }
  return true;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return std::move(buffer).str();
}

} // namespace

FixResult apply_fixes(const std::vector<Fix>& fixes, bool force) {
  FixResult result;
  std::map<std::string, std::vector<const Fix*>> by_file;
  for (const auto& fix : fixes) {
    if (fix.unsafe.empty()) {
      by_file[fix.file].push_back(&fix);
    } else {
      result.skipped.push_back(fix.file + ": " + fix.code + " not fixed: " + fix.pointer + ": " + fix.unsafe);
    }
  }

  for (const auto& [path, file_fixes] : by_file) {
    ingest::LoadedFile file = ingest::load_file(path);
    auto skip_all = [&](const std::string& reason) {
      for (const Fix* fix : file_fixes) result.skipped.push_back(path + ": " + fix->code + " not fixed: " + reason);
    };
    if (!file.diagnostics.empty()) {
      skip_all("the file no longer loads");
      continue;
    }
    if (file.format == ingest::Format::yaml && !force && has_yaml_comments(read_all(path))) {
      skip_all("YAML file with comments, which a rewrite would drop (use --force)");
      continue;
    }
    std::vector<json> records;
    for (auto& record : file.records) records.push_back(std::move(record.value));
    std::vector<std::string> applied;
    for (const Fix* fix : file_fixes) {
      if (fix->record >= records.size() || !records[fix->record].is_object()) {
        result.skipped.push_back(path + ": " + fix->code + " not fixed: the record is gone");
        continue;
      }
      json& record = records[fix->record];
      if (fix->kind == Fix::Kind::trim) {
        const json::json_pointer pointer(fix->pointer);
        if (!record.contains(pointer) || !record[pointer].is_string()) {
          result.skipped.push_back(path + ": " + fix->code + " not fixed: " + fix->pointer + " is gone");
          continue;
        }
        const std::string trimmed_text = trimmed(record[pointer].get<std::string>());
        if (trimmed_text == record[pointer].get<std::string>()) continue;
        record[pointer] = trimmed_text;
        applied.push_back(path + ": " + fix->code + " fixed: " + fix->pointer + ": trimmed whitespace");
      } else if (add_edge(record, fix->pointer, fix->target)) {
        applied.push_back(path + ": " + fix->code + " fixed: " + fix->pointer + ": added '" + fix->target + "'");
      }
    }
    if (applied.empty()) continue;
    std::string problem;
    const std::string text = canonical_text(file, records, problem);
    if (!problem.empty()) {
      skip_all(problem);
      continue;
    }
    write_file(path, text);
    result.files.push_back(path);
    result.applied.insert(result.applied.end(), applied.begin(), applied.end());
  }
  return result;
}

} // namespace errkb::lint
