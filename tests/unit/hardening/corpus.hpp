#pragma once
// A generated record folder the hardening tests change between ingests: JSON
// files, YAML files and JSONL files of many records, and the State an ingest of
// it must produce.
#include "support.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace errkb::hardening::test {

// Block-style YAML of `value` at `indent` (keys unquoted, strings as JSON strings,
// which YAML reads as double-quoted scalars).
inline void emit_yaml(std::string& out, const nlohmann::json& value, int indent) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      out += pad + key + ":";
      if ((item.is_object() || item.is_array()) && !item.empty()) {
        out += "\n";
        emit_yaml(out, item, indent + 2);
      } else {
        out += " " + item.dump() + "\n";
      }
    }
  } else if (value.is_array()) {
    for (const auto& item : value) {
      if (item.is_object() && !item.empty()) {
        std::string nested;
        emit_yaml(nested, item, indent + 2);
        out += pad + "- " + nested.substr(static_cast<std::size_t>(indent) + 2);
      } else {
        out += pad + "- " + item.dump() + "\n";
      }
    }
  }
}

class Corpus {
public:
  // `root` is created; nothing is written until write_all() or change().
  explicit Corpus(std::string root, std::uint32_t seed) : m_root(std::move(root)), m_rng(seed) {
    fs::create_directories(m_root);
  }

  const std::string& root() const { return m_root; }
  std::size_t size() const { return m_generation.size(); }
  std::size_t file_count() const { return m_files.size(); }

  // Adds records 0..count-1 at generation 0 and writes every file.
  void write_all(int count) {
    for (int n = 0; n < count; ++n) put(n, 0);
    m_next = count;
    for (const auto& [file, members] : m_files) write_file(file);
  }

  // Changes `modify` random records to `generation`, adds `add` new ones and
  // removes `remove` random ones, rewriting or deleting the files concerned.
  void change(int generation, std::size_t modify, std::size_t add, std::size_t remove) {
    std::set<std::string> touched;
    std::vector<int> numbers;
    for (const auto& [n, gen] : m_generation) numbers.push_back(n);
    std::shuffle(numbers.begin(), numbers.end(), m_rng);
    std::size_t i = 0;
    for (; i < modify && i < numbers.size(); ++i) {
      put(numbers[i], generation);
      touched.insert(file_of(numbers[i]));
    }
    for (std::size_t k = 0; k < remove && i < numbers.size(); ++k, ++i) {
      erase(numbers[i]);
      touched.insert(file_of(numbers[i]));
    }
    for (std::size_t k = 0; k < add; ++k) {
      const int n = m_next++;
      put(n, generation);
      touched.insert(file_of(n));
    }
    for (const auto& file : touched) write_file(file);
  }

  // The State an ingest of the corpus produces after `runs_before` runs.
  State expected(long long runs_before) const {
    State state;
    for (const auto& [n, gen] : m_generation) {
      const nlohmann::json record = make_record(n, gen);
      state.records[record["id"].get<std::string>()] = record.dump();
      state.stale[record["id"].get<std::string>()] = false;
    }
    state.runs = runs_before + 1;
    state.files = static_cast<long long>(file_count());
    state.search_docs = static_cast<long long>(state.records.size());
    return state;
  }

private:
  // Record n lives in: a JSONL file of up to 100 records (every 10th record), a
  // YAML file (every 100th, offset 5), else its own JSON file in one of 100 folders.
  static std::string file_of(int n) {
    if (n % 10 == 0) return "bulk/chunk-" + std::to_string((n / 10) % 20) + ".jsonl";
    if (n % 100 == 5) return "yaml/r" + std::to_string(n) + ".yaml";
    return "d" + std::to_string(n % 100) + "/r" + std::to_string(n) + ".json";
  }

  void put(int n, int generation) {
    m_generation[n] = generation;
    m_files[file_of(n)].insert(n);
  }

  void erase(int n) {
    m_generation.erase(n);
    const std::string file = file_of(n);
    m_files[file].erase(n);
    if (m_files[file].empty()) m_files.erase(file);
  }

  void write_file(const std::string& relative) {
    const std::string path = m_root + "/" + relative;
    auto found = m_files.find(relative);
    if (found == m_files.end()) {
      fs::remove(path);
      return;
    }
    const std::vector<int> members(found->second.begin(), found->second.end());
    std::string text;
    if (relative.size() > 6 && relative.compare(relative.size() - 6, 6, ".jsonl") == 0) {
      for (int n : members) text += make_record(n, m_generation.at(n)).dump() + "\n";
    } else if (relative.size() > 5 && relative.compare(relative.size() - 5, 5, ".yaml") == 0) {
      text = "# generated\n";
      emit_yaml(text, make_record(members[0], m_generation.at(members[0])), 0);
    } else {
      text = make_record(members[0], m_generation.at(members[0])).dump(2) + "\n";
    }
    errkb::test::write_file(path, text); // not the member write_file(relative)
  }

  std::string m_root;
  std::mt19937 m_rng;
  std::map<int, int> m_generation;                // record number -> generation
  std::map<std::string, std::set<int>> m_files;   // relative path -> its record numbers
  int m_next = 0;
};

} // namespace errkb::hardening::test
