// YAML through yaml-cpp, converted to nlohmann::json here and typed by the YAML 1.2
// core schema (valijson's yaml-cpp adapter would type every scalar as a string).
#include "ingest/readers.hpp"
#include "ingest/yaml_scan.hpp"

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <istream>
#include <map>
#include <streambuf>

namespace errkb::ingest {
namespace {

using nlohmann::json;

constexpr std::string_view k_core_prefix = "tag:yaml.org,2002:";

// Lets yaml-cpp read the loader's buffer without copying it into a stringstream.
class MemoryBuffer : public std::streambuf {
public:
  explicit MemoryBuffer(std::string_view text) {
    char* begin = const_cast<char*>(text.data()); // read-only: the get area is never written
    setg(begin, begin, begin + text.size());
  }
};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_flow_indicator(char c) { return c == ',' || c == '[' || c == ']' || c == '{' || c == '}'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// `pos` at a block scalar indicator (| or >): skips its header and every following
// line that is blank or indented deeper than the line holding the indicator.
std::size_t skip_block_scalar(std::string_view text, std::size_t pos) {
  const std::size_t newline_before = pos == 0 ? std::string_view::npos : text.rfind('\n', pos - 1);
  const std::size_t line_start = newline_before == std::string_view::npos ? 0 : newline_before + 1;
  const std::size_t indent = indentation_at(text, line_start);
  std::size_t next = text.find('\n', pos);
  while (next != std::string_view::npos) {
    const std::size_t start = next + 1;
    std::size_t end = text.find('\n', start);
    const std::string_view line = text.substr(start, end == std::string_view::npos ? end : end - start);
    const bool blank = line.find_first_not_of(" \t\r") == std::string_view::npos;
    if (!blank && indentation_at(text, start) <= indent) return start;
    next = end;
  }
  return text.size();
}

struct PreScan {
  bool has_alias = false;
};

// yaml-cpp's parser recurses per nesting level: reject deep flow nesting ([ and {
// outside quotes, comments and block scalars) before handing it the text. Block
// nesting needs indentation, which the file size bounds; yaml-cpp's own depth
// guard and the converter catch the rest.
bool pre_scan(std::string_view text, const Limits& limits, PreScan& scan, ReadProblem& problem) {
  if (const void* nul = std::memchr(text.data(), '\0', text.size()); nul != nullptr) {
    problem.code = "parse";
    problem.message = "NUL byte is not allowed in YAML";
    problem.offset = static_cast<std::size_t>(static_cast<const char*>(nul) - text.data());
    return false;
  }
  std::size_t depth = 0;
  bool node_start = true; // the next non-blank character may begin a node
  std::size_t pos = 0;
  const std::size_t size = text.size();
  while (pos < size) {
    const char c = text[pos];
    if (c == '\n') {
      ++pos;
      if (depth == 0) node_start = true;
      if (depth == 0 && (text.substr(pos, 3) == "---" || text.substr(pos, 3) == "...") &&
          (pos + 3 >= size || is_blank(text[pos + 3]))) {
        pos += 3;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++pos;
      continue;
    }
    if (c == '#' && (pos == 0 || is_blank(text[pos - 1]))) {
      const std::size_t end = text.find('\n', pos);
      pos = end == std::string_view::npos ? size : end;
      continue;
    }
    if (node_start) {
      if (c == '\'' || c == '"') {
        pos = skip_quoted(text, pos);
        node_start = false;
        continue;
      }
      if (c == '*' || c == '!' || c == '&') {
        scan.has_alias = scan.has_alias || c == '*';
        while (pos < size && !is_blank(text[pos]) && !(depth > 0 && is_flow_indicator(text[pos]))) ++pos;
        node_start = c != '*'; // a tag or an anchor precedes the node itself
        continue;
      }
      if (depth == 0 && (c == '|' || c == '>')) {
        pos = skip_block_scalar(text, pos);
        continue;
      }
      if ((c == '-' || c == '?') && (pos + 1 >= size || is_blank(text[pos + 1]))) {
        ++pos;
        continue;
      }
    }
    if ((c == '[' || c == '{') && (depth > 0 || node_start)) {
      if (++depth > limits.max_depth) {
        problem.code = "limit";
        problem.message = "nesting deeper than " + std::to_string(limits.max_depth) + " levels";
        problem.offset = pos;
        return false;
      }
      node_start = true;
      ++pos;
      continue;
    }
    if ((c == ']' || c == '}') && depth > 0) {
      --depth;
      node_start = false;
      ++pos;
      continue;
    }
    if (c == ',' && depth > 0) {
      node_start = true;
      ++pos;
      continue;
    }
    if (c == ':' && (pos + 1 >= size || is_blank(text[pos + 1]) || (depth > 0 && is_flow_indicator(text[pos + 1])))) {
      node_start = true;
      ++pos;
      continue;
    }
    node_start = false;
    ++pos;
  }
  return true;
}

std::string display_tag(const std::string& tag) {
  if (tag.compare(0, k_core_prefix.size(), k_core_prefix) == 0) return "!!" + tag.substr(k_core_prefix.size());
  return tag;
}

bool is_null_text(std::string_view text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

bool parse_bool(std::string_view text, json& out) {
  if (text == "true" || text == "True" || text == "TRUE") {
    out = true;
    return true;
  }
  if (text == "false" || text == "False" || text == "FALSE") {
    out = false;
    return true;
  }
  return false;
}

// True when `text` is not empty and every character satisfies `predicate`.
bool all_chars(std::string_view text, bool (*predicate)(char)) {
  return !text.empty() && std::all_of(text.begin(), text.end(), predicate);
}

bool is_octal_digit(char c) { return c >= '0' && c <= '7'; }
bool is_hex_digit(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

enum class NumberResult { not_a_number, ok, out_of_range };

// Core-schema integers: [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+. Decimal integers
// beyond 64 bits become doubles, as nlohmann's JSON parser does.
NumberResult parse_int(std::string_view text, json& out) {
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'o' || text[1] == 'x')) {
    const bool octal = text[1] == 'o';
    const std::string_view digits = text.substr(2);
    if (!all_chars(digits, octal ? is_octal_digit : is_hex_digit)) return NumberResult::not_a_number;
    std::uint64_t value = 0;
    const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), value, octal ? 8 : 16);
    if (result.ec != std::errc()) return NumberResult::out_of_range;
    out = value;
    return NumberResult::ok;
  }
  const bool negative = !text.empty() && text[0] == '-';
  const std::string_view digits = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? text.substr(1) : text;
  if (!all_chars(digits, is_digit)) return NumberResult::not_a_number;
  if (negative) {
    std::int64_t value = 0;
    if (std::from_chars(text.data(), text.data() + text.size(), value).ec == std::errc()) {
      out = value;
      return NumberResult::ok;
    }
  } else {
    std::uint64_t value = 0;
    if (std::from_chars(digits.data(), digits.data() + digits.size(), value).ec == std::errc()) {
      out = value;
      return NumberResult::ok;
    }
  }
  double value = 0;
  std::from_chars(text.data() + (text[0] == '+' ? 1 : 0), text.data() + text.size(), value);
  out = value;
  return NumberResult::ok;
}

bool is_infinity(std::string_view text) {
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  return text == ".inf" || text == ".Inf" || text == ".INF";
}

bool is_nan(std::string_view text) { return text == ".nan" || text == ".NaN" || text == ".NAN"; }

// Core-schema floats: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
NumberResult parse_float(std::string_view text, json& out) {
  std::size_t pos = 0;
  const std::size_t size = text.size();
  if (pos < size && (text[pos] == '-' || text[pos] == '+')) ++pos;
  std::size_t digits = 0;
  while (pos < size && is_digit(text[pos])) ++pos, ++digits;
  if (pos < size && text[pos] == '.') {
    ++pos;
    std::size_t fraction = 0;
    while (pos < size && is_digit(text[pos])) ++pos, ++fraction;
    if (digits == 0 && fraction == 0) return NumberResult::not_a_number;
  } else if (digits == 0) {
    return NumberResult::not_a_number;
  }
  if (pos < size && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    if (pos < size && (text[pos] == '-' || text[pos] == '+')) ++pos;
    std::size_t exponent = 0;
    while (pos < size && is_digit(text[pos])) ++pos, ++exponent;
    if (exponent == 0) return NumberResult::not_a_number;
  }
  if (pos != size) return NumberResult::not_a_number;
  double value = 0;
  const char* first = text.data() + (text[0] == '+' ? 1 : 0);
  const auto result = std::from_chars(first, text.data() + size, value);
  if (result.ec != std::errc() || result.ptr != text.data() + size) return NumberResult::out_of_range;
  out = value;
  return NumberResult::ok;
}

class Converter {
public:
  Converter(const Limits& limits, std::unordered_map<std::string, int>& lines, ReadProblem& problem)
      : m_limits(limits), m_lines(lines), m_problem(problem) {}

  // Counts the values `node` expands to, without building them, so that alias
  // bombs stop before they cost memory.
  bool count(const YAML::Node& node) {
    m_max_position = -1;
    m_values = 0;
    m_path.clear();
    const bool ok = count_node(node, 0, line_of(node));
    m_max_position = -1;
    m_values = 0;
    m_path.clear();
    m_counted.clear();
    return ok;
  }

  bool convert(const YAML::Node& node, json& out) {
    const int line = line_of(node);
    fresh(node);
    m_lines.emplace(std::string(), line);
    return convert_node(node, out, 0, line);
  }

  void set_alias_message(bool has_alias) { m_has_alias = has_alias; }

private:
  static int line_of(const YAML::Node& node) {
    const YAML::Mark mark = node.Mark();
    return mark.is_null() ? 0 : mark.line + 1;
  }

  // True when `node` is met for the first time in document order; nodes reached
  // again through an alias lie before the furthest position already converted.
  bool fresh(const YAML::Node& node) {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null() || mark.pos < m_max_position) return false;
    m_max_position = mark.pos;
    return true;
  }

  bool count_node(const YAML::Node& node, std::size_t depth, int site_line) {
    if (!node.IsSequence() && !node.IsMap()) return add_counted(1, site_line);
    // An alias names the same node object as its anchor, at the anchor's mark:
    // a collection's mark identifies it, so each is walked once and its size reused.
    const YAML::Mark mark = node.Mark();
    const std::pair<int, bool> id{mark.pos, node.IsMap()};
    if (!mark.is_null()) {
      if (const auto it = m_counted.find(id); it != m_counted.end()) return add_counted(it->second, site_line);
    }
    if (depth >= m_limits.max_depth) return fail_depth(site_line);
    const std::size_t before = m_values;
    if (!add_counted(1, site_line)) return false;
    const std::size_t path_size = m_path.size();
    if (node.IsSequence()) {
      std::size_t index = 0;
      for (const YAML::Node& item : node) {
        const int item_line = fresh(item) ? line_of(item) : site_line;
        m_path += '/';
        m_path += std::to_string(index++);
        if (!count_node(item, depth + 1, item_line)) return false;
        m_path.resize(path_size);
      }
    } else {
      for (const auto& entry : node) {
        const int key_line = fresh(entry.first) ? line_of(entry.first) : site_line;
        const int value_line = fresh(entry.second) ? line_of(entry.second) : key_line;
        append_pointer_token(m_path, entry.first.IsScalar() ? entry.first.Scalar() : std::string());
        if (!count_node(entry.second, depth + 1, value_line)) return false;
        m_path.resize(path_size);
      }
    }
    if (!mark.is_null()) m_counted.emplace(id, m_values - before);
    return true;
  }

  bool add_counted(std::size_t values, int site_line) {
    m_values += values;
    if (m_values <= m_limits.max_nodes) return true;
    return fail("limit", "YAML alias expansion exceeds " + std::to_string(m_limits.max_nodes) + " nodes", site_line, 0);
  }

  bool convert_node(const YAML::Node& node, json& out, std::size_t depth, int site_line) {
    if (++m_values > m_limits.max_nodes) {
      const std::string limit = std::to_string(m_limits.max_nodes);
      return fail("limit",
                  m_has_alias ? "YAML alias expansion exceeds " + limit + " nodes"
                              : "document has more than " + limit + " values",
                  site_line, 0);
    }
    switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out = nullptr;
      return true;
    case YAML::NodeType::Scalar:
      return convert_scalar(node, out, site_line);
    case YAML::NodeType::Sequence:
      return convert_sequence(node, out, depth, site_line);
    case YAML::NodeType::Map:
      return convert_map(node, out, depth, site_line);
    }
    return true;
  }

  bool check_collection_tag(const YAML::Node& node, std::string_view kind, int site_line) {
    const std::string& tag = node.Tag();
    if (tag == "?" || tag == "!" || tag.empty()) return true;
    if (tag.size() == k_core_prefix.size() + kind.size() && tag.compare(0, k_core_prefix.size(), k_core_prefix) == 0 &&
        tag.compare(k_core_prefix.size(), kind.size(), kind) == 0) {
      return true;
    }
    return fail("parse",
                "unsupported YAML tag " + display_tag(tag) + " on a " +
                    std::string(kind == "seq" ? "sequence" : "mapping"),
                site_line, column_of(node));
  }

  bool convert_sequence(const YAML::Node& node, json& out, std::size_t depth, int site_line) {
    if (depth >= m_limits.max_depth) return fail_depth(site_line);
    if (!check_collection_tag(node, "seq", site_line)) return false;
    out = json::array();
    auto& elements = out.get_ref<json::array_t&>();
    elements.reserve(node.size());
    const std::size_t path_size = m_path.size();
    std::size_t index = 0;
    for (const YAML::Node& item : node) {
      m_path += '/';
      m_path += std::to_string(index++);
      int item_line = site_line;
      if (fresh(item)) {
        item_line = line_of(item);
        m_lines.emplace(m_path, item_line);
      }
      elements.emplace_back();
      if (!convert_node(item, elements.back(), depth + 1, item_line)) return false;
      m_path.resize(path_size);
    }
    return true;
  }

  bool convert_map(const YAML::Node& node, json& out, std::size_t depth, int site_line) {
    if (depth >= m_limits.max_depth) return fail_depth(site_line);
    if (!check_collection_tag(node, "map", site_line)) return false;
    out = json::object();
    auto& members = out.get_ref<json::object_t&>();
    const std::size_t path_size = m_path.size();
    // Bound to the loop's reference: yaml-cpp's `it->first` dangles after its statement.
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      const YAML::Node& value = entry.second;
      const bool key_fresh = fresh(key);
      const int key_line = key_fresh ? line_of(key) : site_line;
      if (key.IsNull()) return fail("parse", "mapping key must not be null", key_line, column_of(key));
      if (!key.IsScalar()) return fail("parse", "mapping key must be a scalar", key_line, column_of(key));
      const std::string& name = key.Scalar();
      if (name.size() > m_limits.max_string_bytes) {
        return fail("limit", "key longer than " + std::to_string(m_limits.max_string_bytes) + " bytes", key_line, 0);
      }
      auto [member, inserted] = members.try_emplace(name);
      append_pointer_token(m_path, name);
      if (!inserted) return fail("duplicate-key", "duplicate key " + quote_for_message(name), key_line, 0);
      int value_line = key_line;
      if (fresh(value)) {
        value_line = line_of(value);
        m_lines.emplace(m_path, value_line);
      } else if (key_fresh) {
        m_lines.emplace(m_path, key_line); // an alias: point at its key
      }
      if (!convert_node(value, member->second, depth + 1, value_line)) return false;
      m_path.resize(path_size);
    }
    return true;
  }

  bool convert_scalar(const YAML::Node& node, json& out, int site_line) {
    const std::string& text = node.Scalar();
    if (text.size() > m_limits.max_string_bytes) {
      return fail("limit", "string longer than " + std::to_string(m_limits.max_string_bytes) + " bytes", site_line, 0);
    }
    const std::string& tag = node.Tag();
    if (tag == "!") { // quoted or block scalar
      out = text;
      return true;
    }
    if (tag == "?" || tag.empty()) return resolve_plain(node, text, out, site_line);
    if (tag.compare(0, k_core_prefix.size(), k_core_prefix) != 0) {
      return fail("parse", "unsupported YAML tag " + tag, site_line, column_of(node));
    }
    const std::string_view type = std::string_view(tag).substr(k_core_prefix.size());
    NumberResult result = NumberResult::not_a_number;
    if (type == "str") {
      out = text;
      return true;
    } else if (type == "null") {
      if (is_null_text(text)) {
        out = nullptr;
        return true;
      }
    } else if (type == "bool") {
      if (parse_bool(text, out)) return true;
    } else if (type == "int") {
      result = parse_int(text, out);
    } else if (type == "float") {
      if (is_infinity(text) || is_nan(text)) return fail_not_finite(node, text, site_line);
      result = parse_float(text, out);
    } else {
      return fail("parse", "unsupported YAML tag " + display_tag(tag), site_line, column_of(node));
    }
    if (result == NumberResult::ok) return true;
    if (result == NumberResult::out_of_range) return fail_range(node, text, site_line);
    return fail("parse", quote_for_message(text) + " is not a valid " + display_tag(tag), site_line, column_of(node));
  }

  bool resolve_plain(const YAML::Node& node, const std::string& text, json& out, int site_line) {
    if (is_null_text(text)) {
      out = nullptr;
      return true;
    }
    if (parse_bool(text, out)) return true;
    // Cheap rejection of ordinary words before the number grammars.
    const char first = text[0];
    if (!is_digit(first) && first != '-' && first != '+' && first != '.') {
      out = text;
      return true;
    }
    NumberResult result = parse_int(text, out);
    if (result == NumberResult::not_a_number) result = parse_float(text, out);
    if (result == NumberResult::ok) return true;
    if (result == NumberResult::out_of_range) return fail_range(node, text, site_line);
    if (is_infinity(text) || is_nan(text)) return fail_not_finite(node, text, site_line);
    out = text; // anything else, dates and YAML 1.1 booleans included, is a string
    return true;
  }

  bool fail_not_finite(const YAML::Node& node, const std::string& text, int site_line) {
    return fail("parse", "YAML float " + quote_for_message(text) + " cannot be represented in JSON", site_line,
                column_of(node));
  }

  bool fail_range(const YAML::Node& node, const std::string& text, int site_line) {
    return fail("parse", "number " + quote_for_message(text) + " is out of range", site_line, column_of(node));
  }

  bool fail_depth(int site_line) {
    return fail("limit", "nesting deeper than " + std::to_string(m_limits.max_depth) + " levels", site_line, 0);
  }

  static int column_of(const YAML::Node& node) {
    const YAML::Mark mark = node.Mark();
    return mark.is_null() ? 0 : mark.column + 1;
  }

  bool fail(const char* code, std::string message, int line, int column) {
    m_problem.code = code;
    m_problem.message = std::move(message);
    m_problem.pointer = m_path;
    m_problem.line = line;
    m_problem.column = column;
    m_problem.show_column = false;
    return false;
  }

  const Limits& m_limits;
  std::unordered_map<std::string, int>& m_lines;
  ReadProblem& m_problem;
  std::string m_path;
  std::size_t m_values = 0;
  std::map<std::pair<int, bool>, std::size_t> m_counted; // collection (mark, is map) -> values in it
  int m_max_position = -1;
  bool m_has_alias = false;
};

// Counts documents without building them, recording where each starts.
class DocumentCounter : public YAML::EventHandler {
public:
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

void set_parser_problem(ReadProblem& problem, const char* code, const YAML::Exception& error) {
  problem.code = code;
  problem.message = error.msg;
  problem.pointer.clear();
  if (!error.mark.is_null()) {
    problem.line = error.mark.line + 1;
    problem.column = error.mark.column + 1;
    problem.show_column = true;
  }
}

} // namespace

ReadStatus read_yaml(std::string_view text, const Limits& limits, YamlDocument& document, ReadProblem& problem) {
  PreScan scan;
  if (!pre_scan(text, limits, scan, problem)) return ReadStatus::problem;

  std::vector<YAML::Node> documents;
  try {
    // Not YAML::LoadAll: yaml-cpp 0.7's LoadAll never ends on some malformed input
    // (a file holding just `,`), appending empty documents until memory runs out
    // (jbeder/yaml-cpp#1040). A bounded first pass counts at most two documents.
    DocumentCounter counter;
    {
      MemoryBuffer buffer(text);
      std::istream stream(&buffer);
      YAML::Parser parser(stream);
      while (counter.starts.size() < 2 && parser.HandleNextDocument(counter)) {
      }
    }
    if (counter.starts.size() == 2 && counter.starts[1].pos <= counter.starts[0].pos) {
      problem.code = "parse";
      problem.message = "the YAML parser cannot read this file (it stops making progress here)";
      problem.line = counter.starts[1].is_null() ? 0 : counter.starts[1].line + 1;
      return ReadStatus::problem;
    }
    if (counter.starts.size() == 2) {
      problem.code = "parse";
      problem.message = "more than one YAML document (a record file holds one record)";
      problem.line = counter.starts[1].is_null() ? 0 : counter.starts[1].line + 1;
      return ReadStatus::problem;
    }
    if (counter.starts.size() == 1) { // none: an empty file, or only comments
      MemoryBuffer buffer(text);
      std::istream stream(&buffer);
      documents.push_back(YAML::Load(stream));
    }
  } catch (const YAML::DeepRecursion& error) {
    set_parser_problem(problem, "limit", error);
    problem.message = "nesting too deep for the YAML parser";
    problem.show_column = false;
    return ReadStatus::problem;
  } catch (const YAML::Exception& error) {
    set_parser_problem(problem, "parse", error);
    return ReadStatus::problem;
  }
  if (documents.empty()) return ReadStatus::empty;

  const YAML::Node& root = documents.front();
  document.line = root.Mark().is_null() ? 1 : root.Mark().line + 1;
  try {
    Converter converter(limits, document.lines, problem);
    converter.set_alias_message(scan.has_alias);
    if (scan.has_alias && !converter.count(root)) return ReadStatus::problem;
    if (!converter.convert(root, document.value)) return ReadStatus::problem;
  } catch (const YAML::Exception& error) {
    set_parser_problem(problem, "parse", error);
    return ReadStatus::problem;
  }
  return ReadStatus::ok;
}

} // namespace errkb::ingest
