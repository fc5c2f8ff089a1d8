#pragma once
// Format readers behind load_bytes (internal to errkb_ingest).
#include "ingest/loader.hpp"

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace errkb::ingest {

// The first problem a reader met. Positioned either by `offset` (a byte offset into
// the text given to the reader) or by `line`/`column` (1-based, 0 when unknown).
struct ReadProblem {
  std::string code;    // Diagnostic code: "parse", "duplicate-key", "limit"
  std::string message; // without position
  std::string pointer; // JSON pointer of the offending value, "" when unknown
  std::size_t offset = std::string_view::npos;
  int line = 0;
  int column = 0;
  bool show_column = false; // syntax errors name their column in the message
};

enum class ReadStatus { ok, problem, empty };

// Parses exactly one JSON value from `text` into `value` (whitespace around it is
// allowed, anything else is a syntax error). On a problem returns false, fills
// `problem` (positioned by offset) and leaves `value` unspecified.
bool read_json(std::string_view text, const Limits& limits, nlohmann::json& value, ReadProblem& problem);

// Byte offset in `text` (one well-formed JSON value, possibly surrounded by
// whitespace) of the value at pointer `tokens`, or of the deepest ancestor found.
std::size_t locate_json(std::string_view text, const std::vector<std::string>& tokens);

struct YamlDocument {
  nlohmann::json value;
  int line = 1;                               // line of the document's root node
  std::unordered_map<std::string, int> lines; // JSON pointer -> line, for nodes outside alias expansions
};

// Parses `text` as one YAML document typed by the YAML 1.2 core schema. `empty`
// when the text holds no document; on a problem fills `problem` (by line/column,
// or by offset for problems found by the pre-scan).
ReadStatus read_yaml(std::string_view text, const Limits& limits, YamlDocument& document, ReadProblem& problem);

// RFC 6901: splits `pointer` into unescaped tokens; false when it is neither ""
// nor starts with '/'.
bool split_pointer(std::string_view pointer, std::vector<std::string>& tokens);

// Appends "/" and `token` escaped (~ as ~0, / as ~1) to `pointer`.
void append_pointer_token(std::string& pointer, std::string_view token);

// `text` as a JSON string literal, shortened for use inside messages.
std::string quote_for_message(std::string_view text);

} // namespace errkb::ingest
