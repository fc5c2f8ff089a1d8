#include "importer/deadends.hpp"

#include "schema/record.hpp"
#include "schema/validator.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <fstream>
#include <initializer_list>
#include <mutex>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <utility>

namespace errkb::importer {

using nlohmann::json;
using nlohmann::ordered_json;
namespace fs = std::filesystem;

namespace {

// Larger files are not canons; reading them whole would only waste memory.
constexpr std::uintmax_t k_max_canon_bytes = 64u << 20;

enum class Need { required, optional };
enum class Kind { string, number, integer, object, array };

const char* kind_name(Kind kind) {
  switch (kind) {
  case Kind::string: return "a string";
  case Kind::number: return "a number";
  case Kind::integer: return "an integer";
  case Kind::object: return "an object";
  case Kind::array: return "an array";
  }
  return "a value";
}

bool has_kind(const json& value, Kind kind) {
  switch (kind) {
  case Kind::string: return value.is_string();
  case Kind::number: return value.is_number();
  case Kind::integer: return value.is_number_integer();
  case Kind::object: return value.is_object();
  case Kind::array: return value.is_array();
  }
  return false;
}

std::string found_name(const json& value) {
  // "number" alone would make "expected an integer, found number" puzzling for 1.5.
  if (value.is_number_float()) return "a non-integer number";
  return std::string(value.type_name());
}

std::string escape_token(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string child_pointer(const std::string& pointer, std::string_view key) {
  return pointer + "/" + escape_token(key);
}

std::string child_pointer(const std::string& pointer, std::size_t index) {
  return pointer + "/" + std::to_string(index);
}

std::string child_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// The member `key` of the object `object` (at `pointer`) when it has type `kind`;
// nullptr when it is absent and optional. Throws CanonError otherwise.
const json* member(const json& object, const std::string& pointer, std::string_view key, Kind kind, Need need) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (need == Need::optional) return nullptr;
    throw CanonError(child_pointer(pointer, key), std::string("missing (expected ") + kind_name(kind) + ")");
  }
  if (!has_kind(*it, kind))
    throw CanonError(child_pointer(pointer, key), std::string("expected ") + kind_name(kind) + ", found " + found_name(*it));
  return &*it;
}

// Counts the members of `object` (at dotted `path`) not in `known` as dropped.
void drop_unknown(const json& object, std::initializer_list<std::string_view> known, const std::string& path,
                  std::vector<std::string>& dropped) {
  for (const auto& item : object.items()) {
    if (std::find(known.begin(), known.end(), item.key()) == known.end()) dropped.push_back(child_path(path, item.key()));
  }
}

ordered_json scalar(const json& value) {
  switch (value.type()) {
  case json::value_t::string: return value.get<std::string>();
  case json::value_t::boolean: return value.get<bool>();
  case json::value_t::number_integer: return value.get<std::int64_t>();
  case json::value_t::number_unsigned: return value.get<std::uint64_t>();
  case json::value_t::number_float: return value.get<double>();
  default: return nullptr;
  }
}

bool is_scalar(const json& value) {
  return value.is_string() || value.is_boolean() || value.is_number() || value.is_null();
}

// Copies the string members `keys` of `source` that are present into `target`, in that order.
void copy_strings(const json& source, const std::string& pointer, std::initializer_list<const char*> keys,
                  ordered_json& target) {
  for (const char* key : keys) {
    if (const json* value = member(source, pointer, key, Kind::string, Need::optional)) target[key] = *value;
  }
}

ordered_json convert_sources(const json& sources, const std::string& pointer) {
  ordered_json out = ordered_json::array();
  const std::string sources_pointer = child_pointer(pointer, "sources");
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const json& source = sources[i];
    if (!source.is_string())
      throw CanonError(child_pointer(sources_pointer, i), "expected a string, found " + found_name(source));
    out.push_back(source.get<std::string>());
  }
  return out;
}

// Field order follows the schema's `dead_end` and `workaround` definitions.
ordered_json convert_dead_end(const json& item, const std::string& pointer, std::vector<std::string>& dropped) {
  if (!item.is_object()) throw CanonError(pointer, "expected an object, found " + found_name(item));
  ordered_json out = ordered_json::object();
  out["action"] = *member(item, pointer, "action", Kind::string, Need::required);
  out["why_fails"] = *member(item, pointer, "why_fails", Kind::string, Need::required);
  out["fail_rate"] = scalar(*member(item, pointer, "fail_rate", Kind::number, Need::required));
  copy_strings(item, pointer, {"condition", "common_misconception", "tradeoff"}, out);
  if (const json* sources = member(item, pointer, "sources", Kind::array, Need::optional))
    out["sources"] = convert_sources(*sources, pointer);
  drop_unknown(item, {"action", "why_fails", "fail_rate", "condition", "common_misconception", "tradeoff", "sources"},
               "dead_ends[]", dropped);
  return out;
}

ordered_json convert_workaround(const json& item, const std::string& pointer, std::vector<std::string>& dropped) {
  if (!item.is_object()) throw CanonError(pointer, "expected an object, found " + found_name(item));
  ordered_json out = ordered_json::object();
  out["action"] = *member(item, pointer, "action", Kind::string, Need::required);
  out["success_rate"] = scalar(*member(item, pointer, "success_rate", Kind::number, Need::required));
  copy_strings(item, pointer, {"how", "condition", "tradeoff"}, out);
  if (const json* sources = member(item, pointer, "sources", Kind::array, Need::optional))
    out["sources"] = convert_sources(*sources, pointer);
  drop_unknown(item, {"action", "success_rate", "how", "condition", "tradeoff", "sources"}, "workarounds[]", dropped);
  return out;
}

ordered_json convert_list(const json& canon, const char* key, std::vector<std::string>& dropped,
                          ordered_json (*convert_item)(const json&, const std::string&, std::vector<std::string>&)) {
  const json& list = *member(canon, "", key, Kind::array, Need::required);
  const std::string pointer = child_pointer("", key);
  ordered_json out = ordered_json::array();
  for (std::size_t i = 0; i < list.size(); ++i) out.push_back(convert_item(list[i], child_pointer(pointer, i), dropped));
  return out;
}

ordered_json convert_edge(const json& entry, const std::string& pointer, const std::string& path,
                          std::vector<std::string>& dropped) {
  if (entry.is_string()) return ordered_json{{"error_id", entry.get<std::string>()}};
  if (!entry.is_object())
    throw CanonError(pointer, "expected an object or a string, found " + found_name(entry));
  ordered_json out = ordered_json::object();
  out["error_id"] = *member(entry, pointer, "error_id", Kind::string, Need::required);
  if (const json* probability = member(entry, pointer, "probability", Kind::number, Need::optional))
    out["probability"] = scalar(*probability);
  copy_strings(entry, pointer, {"condition", "typical_delay", "distinction"}, out);
  drop_unknown(entry, {"error_id", "probability", "condition", "typical_delay", "distinction"}, path, dropped);
  return out;
}

ordered_json convert_graph(const json& graph, std::vector<std::string>& dropped) {
  const std::string pointer = "/transition_graph";
  ordered_json out = ordered_json::object();
  for (const char* kind : {"leads_to", "preceded_by", "frequently_confused_with"}) {
    const json* list = member(graph, pointer, kind, Kind::array, Need::optional);
    if (list == nullptr) continue;
    const std::string list_pointer = child_pointer(pointer, kind);
    const std::string path = std::string("transition_graph.") + kind + "[]";
    ordered_json edges = ordered_json::array();
    for (std::size_t i = 0; i < list->size(); ++i)
      edges.push_back(convert_edge((*list)[i], child_pointer(list_pointer, i), path, dropped));
    out[kind] = std::move(edges);
  }
  drop_unknown(graph, {"leads_to", "preceded_by", "frequently_confused_with"}, "transition_graph", dropped);
  return out;
}

std::string tag_value(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return value.dump(); // a number, as JSON writes it
}

bool is_taggable(const json& value) { return value.is_string() || value.is_boolean() || value.is_number(); }

// framework first, then `additional` in key order; a list gives one tag per item.
// Values with no tag form (null, objects, nested lists) are dropped.
ordered_json convert_tags(const json& environment, std::vector<std::string>& dropped) {
  ordered_json tags = ordered_json::array();
  if (const json* framework = member(environment, "/environment", "framework", Kind::string, Need::optional))
    tags.push_back("framework:" + framework->get<std::string>());
  if (const json* additional = member(environment, "/environment", "additional", Kind::object, Need::optional)) {
    for (const auto& item : additional->items()) {
      const std::string& key = item.key();
      const json& value = item.value();
      if (is_taggable(value)) {
        tags.push_back(key + ":" + tag_value(value));
      } else if (value.is_array()) {
        for (const auto& element : value) {
          if (is_taggable(element)) tags.push_back(key + ":" + tag_value(element));
          else dropped.push_back("environment.additional." + key + "[]");
        }
      } else {
        dropped.push_back("environment.additional." + key);
      }
    }
  }
  return tags;
}

ordered_json convert_versions(const json& environment, std::vector<std::string>& dropped) {
  ordered_json versions = ordered_json::array();
  std::string runtime_version;
  if (const json* runtime = member(environment, "/environment", "runtime", Kind::object, Need::optional)) {
    const json* name = member(*runtime, "/environment/runtime", "name", Kind::string, Need::optional);
    const json* range = member(*runtime, "/environment/runtime", "version_range", Kind::string, Need::optional);
    for (const json* part : {name, range}) {
      if (part == nullptr || part->get_ref<const std::string&>().empty()) continue;
      runtime_version += (runtime_version.empty() ? "" : " ") + part->get<std::string>();
    }
    if (!runtime_version.empty()) versions.push_back(ordered_json{{"version", runtime_version}, {"status", "active"}});
    drop_unknown(*runtime, {"name", "version_range"}, "environment.runtime", dropped);
  }
  if (const json* python = member(environment, "/environment", "python", Kind::string, Need::optional)) {
    const std::string version = "python " + python->get<std::string>();
    if (!python->get_ref<const std::string&>().empty() && version != runtime_version)
      versions.push_back(ordered_json{{"version", version}, {"status", "active"}});
  }
  return versions;
}

// Facet names as keys: {"hardware": {<scalar facts>}, "os": "<os>"}. Keeps the OS value
// verbatim (as a key it would have to satisfy the schema's key pattern) and the hardware
// facts without flattening their names into another namespace. Keys in byte order, the
// order `errkb fmt` gives keys the schema does not name.
ordered_json convert_os_specific(const json& environment, std::vector<std::string>& dropped) {
  ordered_json out = ordered_json::object();
  if (const json* hardware = member(environment, "/environment", "hardware", Kind::object, Need::optional)) {
    ordered_json facts = ordered_json::object();
    for (const auto& item : hardware->items()) { // json objects iterate in byte order
      if (is_scalar(item.value())) facts[item.key()] = scalar(item.value());
      else dropped.push_back("environment.hardware." + item.key());
    }
    out["hardware"] = std::move(facts);
  }
  if (const json* os = member(environment, "/environment", "os", Kind::string, Need::optional)) out["os"] = *os;
  return out;
}

const std::string& verification_tier(const json& metadata) {
  static const std::vector<std::pair<std::string, std::string>> k_tiers = {
    {"auto_generated", "ai_generated"},
    {"ai_generated", "ai_generated"},
    {"community_verified", "community_verified"},
    {"human_reviewed", "human_reviewed"},
  };
  const std::string& status = member(metadata, "/metadata", "review_status", Kind::string, Need::required)
                                ->get_ref<const std::string&>();
  for (const auto& [from, to] : k_tiers)
    if (status == from) return to;
  throw CanonError("/metadata/review_status",
                   "unknown review status '" + status +
                     "' (expected auto_generated, ai_generated, community_verified or human_reviewed)");
}

std::string read_file(const fs::path& path, std::string& error) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) {
    error = ec.message();
    return {};
  }
  if (size > k_max_canon_bytes) {
    error = "larger than " + std::to_string(k_max_canon_bytes >> 20) + " MiB";
    return {};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return {};
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) {
    error = "read error";
    return {};
  }
  return std::move(bytes).str();
}

// Reads the bytes of `path` into `bytes`; false when it is not a readable regular file.
bool read_existing(const fs::path& path, std::string& bytes) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  std::string error;
  bytes = read_file(path, error);
  return error.empty();
}

// Replaces `path` (whose folder exists) by `bytes` through a temporary file and a rename.
void write_file(const fs::path& path, const std::string& bytes) {
  std::error_code ec;
  // Same folder, so the rename is atomic; the pid keeps two concurrent imports apart.
  const fs::path temp = path.parent_path() / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()));
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      const std::string reason = std::strerror(errno);
      fs::remove(temp, ec);
      throw Error("cannot write " + temp.string() + ": " + reason);
    }
  }
  fs::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw Error("cannot rename " + temp.string() + " to " + path.string() + ": " + ec.message());
  }
}

json to_plain(const ordered_json& value) {
  switch (value.type()) {
  case ordered_json::value_t::object: {
    json out = json::object();
    for (const auto& item : value.items()) out.emplace(item.key(), to_plain(item.value()));
    return out;
  }
  case ordered_json::value_t::array: {
    json out = json::array();
    out.get_ref<json::array_t&>().reserve(value.size());
    for (const auto& item : value) out.push_back(to_plain(item));
    return out;
  }
  case ordered_json::value_t::string: return value.get<std::string>();
  case ordered_json::value_t::boolean: return value.get<bool>();
  case ordered_json::value_t::number_integer: return value.get<std::int64_t>();
  case ordered_json::value_t::number_unsigned: return value.get<std::uint64_t>();
  case ordered_json::value_t::number_float: return value.get<double>();
  default: return nullptr;
  }
}

bool is_hidden(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name.front() == '.';
}

bool is_json_file(const fs::directory_entry& entry) {
  std::error_code ec;
  return entry.is_regular_file(ec) && entry.path().extension() == ".json" && !is_hidden(entry.path());
}

// Relative paths (generic form) of the canons under `src`, sorted bytewise:
// `<domain>/<name>.json` (flat) and `<domain>/<slug>/<env>.json` (nested).
std::vector<std::string> find_canons(const fs::path& src) {
  std::vector<std::string> found;
  auto list = [](const fs::path& dir) {
    std::error_code ec;
    std::vector<fs::directory_entry> entries;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(*it);
    if (ec) throw InputError("cannot read directory " + dir.string() + ": " + ec.message());
    return entries;
  };
  for (const auto& domain : list(src)) {
    std::error_code ec;
    if (!domain.is_directory(ec) || is_hidden(domain.path())) continue;
    const std::string domain_name = domain.path().filename().generic_string();
    for (const auto& entry : list(domain.path())) {
      if (is_json_file(entry)) {
        found.push_back(domain_name + "/" + entry.path().filename().generic_string());
      } else if (entry.is_directory(ec) && !is_hidden(entry.path())) {
        const std::string slug = entry.path().filename().generic_string();
        for (const auto& file : list(entry.path()))
          if (is_json_file(file)) found.push_back(domain_name + "/" + slug + "/" + file.path().filename().generic_string());
      }
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

bool is_segment(std::string_view segment) {
  if (segment.empty()) return false;
  bool previous_separator = true; // no leading separator
  for (char c : segment) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    const bool separator = c == '.' || c == '_' || c == '-';
    if (!alnum && !separator) return false;
    if (separator && previous_separator) return false;
    previous_separator = separator;
  }
  return !previous_separator;
}

std::vector<std::string_view> split_id(std::string_view id) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = id.find('/', start);
    segments.push_back(id.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

bool is_within(const fs::path& root, const fs::path& path) {
  const fs::path relative = path.lexically_relative(root);
  if (relative.empty()) return false;
  const auto first = *relative.begin();
  return first != ".." && first != ".";
}

Diagnostic problem(std::string file, std::string code, std::string pointer, std::string message) {
  Diagnostic d;
  d.severity = Severity::error;
  d.code = std::move(code);
  d.file = std::move(file);
  d.pointer = std::move(pointer);
  d.message = std::move(message);
  return d;
}

std::string parse_message(const json::parse_error& e) {
  std::string message = e.what();
  if (auto close = message.find("] "); message.rfind("[json.exception.", 0) == 0 && close != std::string::npos)
    message = message.substr(close + 2);
  return "invalid JSON: " + message;
}

// nlohmann reports the position only inside the message: "... at line 45, column 12: ...".
int parse_line(const json::parse_error& e) {
  const std::string_view message = e.what();
  static constexpr std::string_view k_marker = "at line ";
  const std::size_t at = message.find(k_marker);
  if (at == std::string_view::npos) return 0;
  int line = 0;
  for (std::size_t i = at + k_marker.size(); i < message.size() && message[i] >= '0' && message[i] <= '9'; ++i)
    line = line * 10 + (message[i] - '0');
  return line;
}

// Files handled per parallel round: enough to keep every core busy, few enough to
// bound the memory held by rendered records.
constexpr std::size_t k_chunk_files = 512;

// What one canon file becomes, before anything order-dependent happens.
struct Prepared {
  std::vector<Diagnostic> problems; // non-empty: the file is skipped
  std::string id;
  std::string rendered;
  std::vector<std::string> dropped;
};

Prepared prepare(const fs::path& path, const std::string& file, const schema::Validator& validator,
                 const ImportOptions& options) {
  Prepared out;
  // Records why the file is skipped and gives up on it.
  auto skip = [&](std::string code, std::string pointer, std::string message, int line = 0) {
    out.problems.push_back(problem(file, std::move(code), std::move(pointer), std::move(message)));
    out.problems.back().line = line;
    return std::move(out);
  };
  std::string read_error;
  const std::string bytes = read_file(path, read_error);
  if (!read_error.empty()) return skip("read", "", "cannot read: " + read_error);

  json canon;
  try {
    canon = json::parse(bytes);
  } catch (const json::parse_error& e) {
    return skip("parse", "", parse_message(e), parse_line(e));
  }

  Conversion conversion;
  try {
    conversion = convert_canon(canon);
  } catch (const CanonError& e) {
    return skip("canon", e.pointer(), e.reason());
  }

  out.id = conversion.record.at("id").get<std::string>();
  if (!is_valid_id(out.id))
    return skip("id", "/id", "'" + out.id + "' is not a valid record id (two or three lowercase segments)");

  const json plain = to_plain(conversion.record);
  for (auto& d : validator.validate(plain)) {
    if (d.severity == Severity::error)
      out.problems.push_back(problem(file, "schema", d.pointer, "converted record fails validation: " + d.message));
  }
  if (!out.problems.empty()) return out;

  if (options.format == OutputFormat::yaml) {
    try {
      out.rendered = options.render_yaml(plain);
    } catch (const Error& e) {
      return skip("render", "", std::string("cannot write as YAML: ") + e.what());
    }
  } else {
    out.rendered = render_record(conversion.record);
  }
  out.dropped = std::move(conversion.dropped);
  return out;
}

// Runs `task(i)` for every i in [0, count) on up to `jobs` threads. An exception
// thrown by a task is rethrown here after every thread has stopped.
void parallel_for(std::size_t count, unsigned jobs, const std::function<void(std::size_t)>& task) {
  const std::size_t threads = std::min<std::size_t>(jobs, count);
  if (threads <= 1) {
    for (std::size_t i = 0; i < count; ++i) task(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&] {
    for (std::size_t i = next++; i < count; i = next++) {
      try {
        task(i);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = count; // stop handing out work
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
}

} // namespace

CanonError::CanonError(std::string pointer, std::string reason)
  : InputError((pointer.empty() ? std::string() : pointer + ": ") + reason),
    m_pointer(std::move(pointer)),
    m_reason(std::move(reason)) {}

Conversion convert_canon(const json& canon) {
  if (!canon.is_object()) throw CanonError("", "expected an object, found " + found_name(canon));
  Conversion result;
  auto& dropped = result.dropped;
  std::map<std::string, ordered_json> fields;

  const json& id = *member(canon, "", "id", Kind::string, Need::required);
  fields["id"] = id;

  const json& error = *member(canon, "", "error", Kind::object, Need::required);
  for (const char* key : {"signature", "regex", "domain", "category", "first_seen", "last_confirmed"})
    fields[key] = *member(error, "/error", key, Kind::string, Need::required);
  drop_unknown(error, {"signature", "regex", "domain", "category", "first_seen", "last_confirmed"}, "error", dropped);

  const json& verdict = *member(canon, "", "verdict", Kind::object, Need::required);
  fields["root_cause"] = *member(verdict, "/verdict", "summary", Kind::string, Need::required);
  fields["resolvable"] = *member(verdict, "/verdict", "resolvable", Kind::string, Need::required);
  fields["fix_success_rate"] = scalar(*member(verdict, "/verdict", "fix_success_rate", Kind::number, Need::required));
  fields["confidence"] = scalar(*member(verdict, "/verdict", "confidence", Kind::number, Need::required));
  if (const json* updated = member(verdict, "/verdict", "last_updated", Kind::string, Need::optional))
    fields["last_updated"] = *updated;
  drop_unknown(verdict, {"summary", "resolvable", "fix_success_rate", "confidence", "last_updated"}, "verdict", dropped);

  if (const json* environment = member(canon, "", "environment", Kind::object, Need::optional)) {
    ordered_json versions = convert_versions(*environment, dropped);
    if (!versions.empty()) fields["versions"] = std::move(versions);
    ordered_json os_specific = convert_os_specific(*environment, dropped);
    if (!os_specific.empty()) fields["os_specific"] = std::move(os_specific);
    ordered_json tags = convert_tags(*environment, dropped);
    if (environment->contains("framework") || environment->contains("additional")) fields["tags"] = std::move(tags);
    drop_unknown(*environment, {"runtime", "python", "os", "hardware", "framework", "additional"}, "environment",
                 dropped);
  }

  fields["dead_ends"] = convert_list(canon, "dead_ends", dropped, convert_dead_end);
  fields["workarounds"] = convert_list(canon, "workarounds", dropped, convert_workaround);

  if (const json* graph = member(canon, "", "transition_graph", Kind::object, Need::optional))
    fields["transition_graph"] = convert_graph(*graph, dropped);

  const json& metadata = *member(canon, "", "metadata", Kind::object, Need::required);
  fields["verification_tier"] = verification_tier(metadata);
  if (const json* count = member(metadata, "/metadata", "evidence_count", Kind::integer, Need::optional))
    fields["evidence_count"] = scalar(*count);

  ordered_json provenance = ordered_json::object();
  provenance["source"] = "deadends.dev";
  provenance["source_id"] = id;
  copy_strings(canon, "", {"url", "schema_version"}, provenance);
  copy_strings(metadata, "/metadata", {"generated_by", "generation_date", "last_verification"}, provenance);
  fields["provenance"] = std::move(provenance);
  drop_unknown(metadata,
               {"review_status", "evidence_count", "generated_by", "generation_date", "last_verification"},
               "metadata", dropped);

  fields["locale"] = std::string(schema::k_default_locale);

  drop_unknown(canon,
               {"schema_version", "id", "url", "error", "environment", "verdict", "dead_ends", "workarounds",
                "transition_graph", "metadata"},
               "", dropped);

  result.record = ordered_json::object();
  for (const auto& key : schema::canonical_key_order()) {
    auto it = fields.find(key);
    if (it != fields.end()) result.record[key] = std::move(it->second);
  }
  return result;
}

bool is_valid_id(std::string_view id) {
  if (id.size() > 200) return false;
  const auto segments = split_id(id);
  if (segments.size() < 2 || segments.size() > 3) return false;
  return std::all_of(segments.begin(), segments.end(), is_segment);
}

fs::path record_path(const fs::path& out_dir, std::string_view id, OutputFormat format) {
  if (!is_valid_id(id)) throw InputError("not a valid record id: '" + std::string(id) + "'");
  fs::path path = out_dir;
  const auto segments = split_id(id);
  for (std::size_t i = 0; i + 1 < segments.size(); ++i) path /= std::string(segments[i]);
  path /= std::string(segments.back()) + (format == OutputFormat::yaml ? ".yaml" : ".json");
  return path;
}

std::string render_record(const ordered_json& record) {
  return record.dump(2) + "\n";
}

std::size_t ImportReport::skipped_files() const {
  std::set<std::string_view> distinct;
  for (const auto& d : skipped) distinct.insert(d.file);
  return distinct.size();
}

ImportReport import_deadends(const fs::path& src, const fs::path& out_dir, const ImportOptions& options) {
  if (options.format == OutputFormat::yaml && !options.render_yaml)
    throw UsageError("import: YAML output needs a YAML writer");
  std::error_code ec;
  if (!fs::is_directory(src, ec)) throw InputError(src.string() + ": not a directory");
  fs::create_directories(out_dir, ec);
  if (ec) throw Error("cannot create " + out_dir.string() + ": " + ec.message());
  const fs::path out_root = fs::weakly_canonical(out_dir, ec);
  if (ec) throw Error("cannot resolve " + out_dir.string() + ": " + ec.message());

  const std::vector<std::string> canons = find_canons(src);
  ImportReport report;
  report.files = canons.size();
  const schema::Validator validator;
  const unsigned jobs = options.jobs != 0 ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  std::map<std::string, std::string> first_file_of_id;
  // Record folder -> whether it resolves (symlinks followed) inside OUT; it exists once
  // it is in this map. The file name itself is never followed: the rename replaces a
  // symlink instead of writing through it, so checking the folder is enough.
  std::map<fs::path, bool> folder_is_inside;

  // Parsing, converting and validating are independent per file and run in parallel,
  // a chunk at a time (bounded memory); everything order-dependent (duplicate ids,
  // writing, counting) happens here in sorted order, so the result does not depend on
  // scheduling.
  std::vector<Prepared> chunk;
  for (std::size_t begin = 0; begin < canons.size(); begin += k_chunk_files) {
    const std::size_t end = std::min(canons.size(), begin + k_chunk_files);
    chunk.assign(end - begin, Prepared{});
    parallel_for(end - begin, jobs, [&](std::size_t i) {
      const std::string& relative = canons[begin + i];
      chunk[i] = prepare(src / relative, (src / relative).generic_string(), validator, options);
    });

    for (std::size_t i = 0; i < chunk.size(); ++i) {
      Prepared& item = chunk[i];
      const std::string file = (src / canons[begin + i]).generic_string();
      auto skip = [&](std::string code, std::string pointer, std::string message) {
        report.skipped.push_back(problem(file, std::move(code), std::move(pointer), std::move(message)));
      };
      [&] {
        if (!item.problems.empty()) {
          for (auto& d : item.problems) report.skipped.push_back(std::move(d));
          return;
        }
        if (auto [it, inserted] = first_file_of_id.emplace(item.id, file); !inserted)
          return skip("duplicate-id", "/id", "duplicate id '" + item.id + "', first seen in " + it->second);

        const fs::path target = record_path(out_dir, item.id, options.format);
        const fs::path folder = target.parent_path();
        auto [inside, first_time] = folder_is_inside.try_emplace(folder, false);
        if (first_time) {
          const fs::path resolved = fs::weakly_canonical(folder, ec);
          inside->second = !ec && is_within(out_root, resolved);
          if (inside->second) {
            fs::create_directories(folder, ec);
            if (ec) throw Error("cannot create directory " + folder.string() + ": " + ec.message());
          }
        }
        if (!inside->second)
          return skip("id", "/id", "id '" + item.id + "' would be written outside " + out_dir.string());

        std::string existing;
        if (read_existing(target, existing) && existing == item.rendered) {
          ++report.unchanged;
        } else {
          write_file(target, item.rendered);
          ++report.written;
        }
        ++report.converted;
        ++report.domains[std::string(split_id(item.id).front())];
        for (auto& path : item.dropped) ++report.dropped[std::move(path)];
      }();
      if (options.progress) options.progress(begin + i + 1, canons.size());
    }
  }
  sort_unique(report.skipped);
  return report;
}

ordered_json to_json(const ImportReport& report) {
  ordered_json out = ordered_json::object();
  out["files"] = report.files;
  out["converted"] = report.converted;
  out["written"] = report.written;
  out["unchanged"] = report.unchanged;
  out["skipped"] = report.skipped_files();
  out["domains"] = ordered_json::object();
  for (const auto& [domain, count] : report.domains) out["domains"][domain] = count;
  out["dropped"] = ordered_json::object();
  for (const auto& [path, count] : report.dropped) out["dropped"][path] = count;
  out["problems"] = ordered_json::array();
  for (const auto& d : report.skipped) {
    out["problems"].push_back(ordered_json{{"severity", severity_name(d.severity)},
                                           {"code", d.code},
                                           {"file", d.file},
                                           {"line", d.line},
                                           {"pointer", d.pointer},
                                           {"message", d.message}});
  }
  return out;
}

} // namespace errkb::importer
