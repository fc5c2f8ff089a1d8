#pragma once
// Validation of one record against schema/record.schema.json plus the checks
// JSON Schema cannot express (real dates, the regex compiles under RE2).
#include "schema/diagnostic.hpp"

#include <nlohmann/json.hpp>
#include <memory>
#include <vector>

namespace errkb::schema {

class SearchRegex;

class Validator {
public:
  Validator();
  ~Validator();
  Validator(const Validator&) = delete;
  Validator& operator=(const Validator&) = delete;

  // Every problem of `record`, one Diagnostic each with `pointer` and `message`
  // set (file and line are the caller's), keeping only the deepest pointer of a
  // failure. Safe to call from several threads at once.
  std::vector<Diagnostic> validate(const nlohmann::json& record) const;
  // The same; when `regex` is not null and the record's regex compiles, the compiled
  // regex (with match's options) is handed out there, to be reused.
  std::vector<Diagnostic> validate(const nlohmann::json& record, std::unique_ptr<SearchRegex>* regex) const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace errkb::schema
