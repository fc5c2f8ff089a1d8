#include "lint/format.hpp"

#include "ingest/yaml_scan.hpp"
#include "schema/error.hpp"
#include "schema/record.hpp"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace errkb::lint {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// --- key order from the schema -------------------------------------------------

const ordered_json& ordered_schema() {
  static const ordered_json schema = ordered_json::parse(schema::record_schema_text());
  return schema;
}

const ordered_json* resolve(const ordered_json* node) {
  for (int hops = 0; node != nullptr && node->is_object() && node->contains("$ref") && hops < 16; ++hops) {
    const std::string& ref = (*node)["$ref"].get_ref<const std::string&>();
    if (ref.rfind("#/", 0) != 0) return nullptr;
    const ordered_json::json_pointer pointer(ref.substr(1));
    node = ordered_schema().contains(pointer) ? &ordered_schema()[pointer] : nullptr;
  }
  return node != nullptr && node->is_object() ? node : nullptr;
}

bool type_matches(const ordered_json& schema, const json& value) {
  auto it = schema.find("type");
  if (it == schema.end()) return true;
  auto one = [&](const std::string& type) {
    return (type == "object" && value.is_object()) || (type == "array" && value.is_array()) ||
           (type == "string" && value.is_string()) || (type == "number" && value.is_number()) ||
           (type == "integer" && value.is_number_integer()) || (type == "boolean" && value.is_boolean()) ||
           (type == "null" && value.is_null());
  };
  if (it->is_string()) return one(it->get<std::string>());
  for (const auto& type : *it)
    if (type.is_string() && one(type.get<std::string>())) return true;
  return false;
}

// The schema that describes `value` (following $ref and picking the oneOf branch of its type).
const ordered_json* schema_for(const ordered_json* node, const json& value) {
  node = resolve(node);
  if (node == nullptr) return nullptr;
  if (auto one_of = node->find("oneOf"); one_of != node->end()) {
    for (const auto& branch : *one_of) {
      const ordered_json* candidate = resolve(&branch);
      if (candidate != nullptr && type_matches(*candidate, value)) return candidate;
    }
    return nullptr;
  }
  return node;
}

bool pattern_matches(const std::string& pattern, const std::string& key) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<RE2>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& re = cache[pattern];
  if (!re) re = std::make_unique<RE2>(pattern, RE2::Quiet);
  return re->ok() && RE2::PartialMatch(key, *re);
}

const ordered_json* child_schema(const ordered_json* node, const std::string& key) {
  if (node == nullptr) return nullptr;
  if (auto properties = node->find("properties"); properties != node->end() && properties->contains(key))
    return &(*properties)[key];
  if (auto patterns = node->find("patternProperties"); patterns != node->end()) {
    for (const auto& [pattern, schema] : patterns->items())
      if (pattern_matches(pattern, key)) return &schema;
  }
  if (auto additional = node->find("additionalProperties"); additional != node->end() && additional->is_object())
    return &*additional;
  return nullptr;
}

std::vector<std::string> key_order(const json& object, const ordered_json* node, bool root) {
  std::vector<std::string> order;
  std::set<std::string> placed;
  auto place = [&](const std::string& key) {
    if (object.contains(key) && placed.insert(key).second) order.push_back(key);
  };
  if (root) {
    for (const auto& key : schema::canonical_key_order()) {
      place(key);
      for (const auto& [candidate, value] : object.items()) { // sorted: locales in byte order
        auto translation = schema::parse_translation_key(candidate);
        if (translation && translation->field == key) place(candidate);
      }
    }
  } else if (node != nullptr) {
    if (auto properties = node->find("properties"); properties != node->end())
      for (const auto& [key, schema] : properties->items()) place(key);
  }
  for (const auto& [key, value] : object.items()) place(key); // the rest, sorted
  return order;
}

ordered_json canonical(const json& value, const ordered_json* node, bool root) {
  const ordered_json* schema = schema_for(node, value);
  if (value.is_object()) {
    ordered_json out = ordered_json::object();
    for (const auto& key : key_order(value, schema, root))
      out[key] = canonical(value[key], child_schema(schema, key), false);
    return out;
  }
  if (value.is_array()) {
    ordered_json out = ordered_json::array();
    const ordered_json* items = nullptr;
    if (schema != nullptr)
      if (auto it = schema->find("items"); it != schema->end()) items = &*it;
    for (const auto& item : value) out.push_back(canonical(item, items, false));
    return out;
  }
  return ordered_json(value);
}

// --- YAML --------------------------------------------------------------------

// Strings some YAML reader (1.1 or 1.2) would type as non-strings, or that look like it.
bool needs_quotes(const std::string& text) {
  static const std::set<std::string, std::less<>> k_special{
    "null", "Null", "NULL", "~", "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES", "no", "No",
    "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N", ".inf", ".Inf", ".INF", "-.inf", "-.Inf",
    "-.INF", "+.inf", "+.Inf", "+.INF", ".nan", ".NaN", ".NAN", "<<", "="};
  if (text.empty() || k_special.count(text) != 0) return true;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (digit(text[0])) return true; // numbers, dates, times, 0x/0o, sexagesimal
  return (text[0] == '-' || text[0] == '+' || text[0] == '.') && text.size() > 1 && (digit(text[1]) || text[1] == '.');
}

// Multi-line strings yaml-cpp writes correctly as a `|` literal block: it cannot
// write chomping or indentation indicators, so the text must end in exactly one
// newline and not start with a blank; only printable characters besides \n and \t.
bool literal_safe(const std::string& text) {
  if (text.size() < 2 || text.back() != '\n' || text[text.size() - 2] == '\n') return false;
  if (text[0] == ' ' || text[0] == '\t' || text[0] == '\n') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) return false;
    if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x85) return false; // NEL
    if (c == 0xe2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(text[i + 2]) == 0xa8 || static_cast<unsigned char>(text[i + 2]) == 0xa9))
      return false; // LS, PS
    if (c == 0xef && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xbb &&
        static_cast<unsigned char>(text[i + 2]) == 0xbf)
      return false; // BOM
  }
  return true;
}

void emit_string(YAML::Emitter& out, const std::string& text, bool literals) {
  if (text.find('\n') != std::string::npos) {
    if (literals && literal_safe(text)) {
      out << YAML::Literal << text;
    } else {
      out << YAML::DoubleQuoted << text;
    }
  } else if (needs_quotes(text)) {
    out << YAML::DoubleQuoted << text;
  } else {
    out << text;
  }
}

void emit_yaml(YAML::Emitter& out, const ordered_json& value, bool literals) {
  switch (value.type()) {
  case ordered_json::value_t::object:
    if (value.empty()) {
      out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
      return;
    }
    out << YAML::BeginMap;
    for (const auto& [key, child] : value.items()) {
      out << YAML::Key;
      emit_string(out, key, false);
      out << YAML::Value;
      emit_yaml(out, child, literals);
    }
    out << YAML::EndMap;
    return;
  case ordered_json::value_t::array:
    if (value.empty()) {
      out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
      return;
    }
    out << YAML::BeginSeq;
    for (const auto& item : value) emit_yaml(out, item, literals);
    out << YAML::EndSeq;
    return;
  case ordered_json::value_t::string: emit_string(out, value.get_ref<const std::string&>(), literals); return;
  case ordered_json::value_t::boolean: out << (value.get<bool>() ? "true" : "false"); return;
  case ordered_json::value_t::null: out << YAML::Null; return;
  default: out << value.dump(); return; // numbers: shortest round-trip text, written plain
  }
}

std::string render_yaml(const json& record, bool literals) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetNullFormat(YAML::LowerNull);
  out.SetMapFormat(YAML::Block);
  out.SetSeqFormat(YAML::Block);
  emit_yaml(out, canonical_record(record), literals);
  if (!out.good()) throw Error("yaml-cpp could not emit the record: " + out.GetLastError());
  std::string text = out.c_str();
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

std::string render_with(const std::vector<json>& records, ingest::Format format, bool literals) {
  std::string text;
  switch (format) {
  case ingest::Format::json:
    for (const auto& record : records) text += canonical_record(record).dump(2, ' ', false, json::error_handler_t::strict) + "\n";
    break;
  case ingest::Format::jsonl:
    for (const auto& record : records) text += canonical_record(record).dump(-1, ' ', false, json::error_handler_t::strict) + "\n";
    break;
  case ingest::Format::yaml:
    for (const auto& record : records) text += render_yaml(record, literals);
    break;
  }
  return text;
}

bool reads_back(const ingest::LoadedFile& file, const std::vector<json>& records, const std::string& text) {
  ingest::LoadedFile again = ingest::load_bytes(file.path, file.format, text);
  if (!again.diagnostics.empty() || again.records.size() != records.size()) return false;
  for (std::size_t i = 0; i < records.size(); ++i)
    if (again.records[i].value != records[i]) return false;
  return true;
}

bool read_bytes(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = std::move(buffer).str();
  return !in.bad();
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Skips the block scalar whose indicator is at `pos`: the rest of its header line
// (reporting a comment there) and the lines blank or indented deeper than the line
// holding the indicator.
std::size_t skip_block_scalar(std::string_view text, std::size_t pos, bool& comment) {
  const std::size_t newline_before = pos == 0 ? std::string_view::npos : text.rfind('\n', pos - 1);
  const std::size_t line_start = newline_before == std::string_view::npos ? 0 : newline_before + 1;
  const std::size_t indent = ingest::indentation_at(text, line_start);
  std::size_t next = text.find('\n', pos);
  const std::string_view header = text.substr(pos, next == std::string_view::npos ? next : next - pos);
  for (std::size_t i = 1; i < header.size(); ++i)
    if (header[i] == '#' && is_blank(header[i - 1])) comment = true;
  while (next != std::string_view::npos) {
    const std::size_t start = next + 1;
    const std::size_t end = text.find('\n', start);
    const std::string_view line = text.substr(start, end == std::string_view::npos ? end : end - start);
    const bool blank = line.find_first_not_of(" \t\r") == std::string_view::npos;
    if (!blank && ingest::indentation_at(text, start) <= indent) return start;
    next = end;
  }
  return text.size();
}

} // namespace

ordered_json canonical_record(const json& record) { return canonical(record, &ordered_schema(), record.is_object()); }

std::string render(const std::vector<json>& records, ingest::Format format) { return render_with(records, format, true); }

std::string canonical_text(const ingest::LoadedFile& file, const std::vector<json>& records, std::string& problem) {
  problem.clear();
  std::string text = render_with(records, file.format, true);
  if (reads_back(file, records, text)) return text;
  if (file.format == ingest::Format::yaml) {
    text = render_with(records, file.format, false);
    if (reads_back(file, records, text)) return text;
  }
  problem = "the canonical form would not read back as the same record (please report this); file left unchanged";
  return "";
}

bool has_yaml_comments(std::string_view text) {
  bool node_start = true;
  bool comment = false;
  std::size_t depth = 0;
  std::size_t pos = 0;
  const std::size_t size = text.size();
  while (pos < size && !comment) {
    const char c = text[pos];
    if (c == '\n') {
      ++pos;
      if (depth == 0) node_start = true;
      continue;
    }
    if (is_blank(c)) {
      ++pos;
      continue;
    }
    if (c == '#' && (pos == 0 || is_blank(text[pos - 1]))) return true;
    if (node_start) {
      if (c == '\'' || c == '"') {
        pos = ingest::skip_quoted(text, pos);
        node_start = false;
        continue;
      }
      if (depth == 0 && (c == '|' || c == '>')) {
        pos = skip_block_scalar(text, pos, comment);
        continue;
      }
      if ((c == '-' || c == '?') && (pos + 1 >= size || is_blank(text[pos + 1]))) {
        ++pos;
        continue;
      }
      if (c == '*' || c == '&' || c == '!') {
        while (pos < size && !is_blank(text[pos])) ++pos;
        node_start = c != '*';
        continue;
      }
    }
    if (c == '[' || c == '{') {
      ++depth;
      node_start = true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
      node_start = false;
    } else if (c == ',' && depth > 0) {
      node_start = true;
    } else if (c == ':' && (pos + 1 >= size || is_blank(text[pos + 1]) ||
                            (depth > 0 && std::string_view(",[]{}").find(text[pos + 1]) != std::string_view::npos))) {
      node_start = true;
    } else {
      node_start = false;
    }
    ++pos;
  }
  return comment;
}

void write_file(const std::string& path, const std::string& text) {
  const std::size_t slash = path.rfind('/');
  const std::string folder = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string temp = folder + "/." + name + ".errkb-XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) throw InputError(path + ": cannot create a temporary file: " + std::strerror(errno));
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) ::fchmod(fd, info.st_mode & 07777);
  std::size_t written = 0;
  bool ok = true;
  while (ok && written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<std::size_t>(n);
  }
  const int saved = errno;
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = ok ? errno : saved;
    ::unlink(temp.c_str());
    throw InputError(path + ": cannot write: " + std::strerror(error));
  }
}

FmtReport fmt_paths(const std::vector<std::string>& paths, const FmtOptions& options) {
  FmtReport report;
  ingest::WalkResult walked = ingest::collect_files(paths, options.walk);
  report.diagnostics = std::move(walked.diagnostics);
  for (const auto& path : walked.files) {
    FmtFile result{path, FmtFile::Status::unchanged, ""};
    ingest::LoadedFile file = ingest::load_file(path);
    std::string original;
    if (!file.diagnostics.empty() || !read_bytes(path, original)) {
      result.status = FmtFile::Status::failed;
      result.note = file.diagnostics.empty() ? "cannot read the file" : "does not load (see the errors above)";
      for (auto& d : file.diagnostics) report.diagnostics.push_back(std::move(d));
      report.files.push_back(std::move(result));
      continue;
    }
    std::vector<json> records;
    for (auto& record : file.records) records.push_back(std::move(record.value));
    std::string problem;
    const std::string text = canonical_text(file, records, problem);
    if (!problem.empty()) {
      result.status = FmtFile::Status::failed;
      result.note = problem;
    } else if (text != original) {
      const bool comments = file.format == ingest::Format::yaml && has_yaml_comments(original);
      if (options.mode == FmtMode::check) {
        result.status = FmtFile::Status::would_reformat;
        if (comments) result.note = "has YAML comments, which `errkb fmt --force` would drop";
      } else if (comments && !options.force) {
        result.status = FmtFile::Status::refused;
        result.note = "not rewritten: yaml-cpp cannot keep its comments (use --force to rewrite without them)";
      } else {
        write_file(path, text);
        result.status = FmtFile::Status::reformatted;
        if (comments) result.note = "comments dropped (yaml-cpp cannot keep them)";
      }
    }
    report.files.push_back(std::move(result));
  }
  return report;
}

} // namespace errkb::lint
