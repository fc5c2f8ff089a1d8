#include "schema/validator.hpp"

#include "schema/error.hpp"
#include "schema/record.hpp"
#include "schema/search_regex.hpp"

#include <re2/re2.h>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace errkb::schema {
namespace {

// valijson 1.0 runs `pattern` with std::regex, whose recursive matcher overflows
// the stack on strings of some tens of thousands of characters. Every patterned
// field has maxLength <= 4000 and every other maxLength is <= 8000, so validating
// a copy whose strings are cut to this length gives the same verdicts.
constexpr std::size_t k_pattern_safe_length = 8192;

bool has_long_string(const nlohmann::json& value) {
  switch (value.type()) {
  case nlohmann::json::value_t::string:
    return value.get_ref<const std::string&>().size() > k_pattern_safe_length;
  case nlohmann::json::value_t::object:
    for (const auto& item : value.items())
      if (item.key().size() > k_pattern_safe_length || has_long_string(item.value())) return true;
    return false;
  case nlohmann::json::value_t::array:
    return std::any_of(value.begin(), value.end(), has_long_string);
  default:
    return false;
  }
}

// Cuts `text` to at most k_pattern_safe_length + 1 code points, on a UTF-8 boundary.
void cut_string(std::string& text) {
  std::size_t code_points = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && ++code_points > k_pattern_safe_length + 1) {
      text.resize(i);
      return;
    }
  }
}

nlohmann::json cut_long_strings(const nlohmann::json& value) {
  switch (value.type()) {
  case nlohmann::json::value_t::string: {
    std::string text = value.get<std::string>();
    cut_string(text);
    return text;
  }
  case nlohmann::json::value_t::object: {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& item : value.items()) {
      std::string key = item.key();
      cut_string(key);
      out[key] = cut_long_strings(item.value());
    }
    return out;
  }
  case nlohmann::json::value_t::array: {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value) out.push_back(cut_long_strings(item));
    return out;
  }
  default:
    return value;
  }
}

std::string escape_pointer_token(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

// valijson's context is {"<root>", "[key]", "[0]", ...}; RFC 6901 wants /key/0.
std::string context_to_pointer(const std::vector<std::string>& context) {
  std::string pointer;
  for (const auto& part : context) {
    if (part == "<root>") continue;
    std::string token = part;
    if (token.size() >= 2 && token.front() == '[' && token.back() == ']') token = token.substr(1, token.size() - 2);
    pointer += "/" + escape_pointer_token(token);
  }
  return pointer;
}

bool is_prefix_pointer(const std::string& shorter, const std::string& longer) {
  return longer.size() > shorter.size() && longer.compare(0, shorter.size(), shorter) == 0 &&
         longer[shorter.size()] == '/';
}

bool starts_with(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// Messages that only say "something below failed".
bool is_cascade(const std::string& message) {
  return starts_with(message, "Failed to validate item #") ||
         starts_with(message, "Failed to validate against schema associated with property name") ||
         starts_with(message, "Failed to validate against schema associated with pattern") ||
         starts_with(message, "Failed to validate against child schema") ||
         starts_with(message, "Failed to validate against any child schemas allowed by oneOf") ||
         starts_with(message, "Failed to validate against any schemas allowed by");
}

enum class Kind { cascade, type, other, too_long, pattern };

struct RawError {
  std::string pointer;
  std::string message;
  Kind kind = Kind::other;
};

Kind classify(const std::string& message) {
  if (is_cascade(message)) return Kind::cascade;
  if (starts_with(message, "Value type not permitted by 'type' constraint")) return Kind::type;
  if (message.find("maxLength") != std::string::npos || message.find("should be no more than") != std::string::npos)
    return Kind::too_long;
  if (starts_with(message, "Failed to match regex specified by 'pattern'")) return Kind::pattern;
  return Kind::other;
}

std::vector<std::string> split_pointer(const std::string& pointer) {
  std::vector<std::string> tokens;
  std::size_t pos = 1;
  while (pos <= pointer.size() && !pointer.empty()) {
    std::size_t next = pointer.find('/', pos);
    std::string token = pointer.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    std::string unescaped;
    for (std::size_t i = 0; i < token.size(); ++i) {
      if (token[i] == '~' && i + 1 < token.size()) {
        unescaped += token[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        unescaped += token[i];
      }
    }
    tokens.push_back(unescaped);
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return tokens;
}

const nlohmann::json* resolve_ref(const nlohmann::json* node) {
  for (int guard = 0; node && guard < 8; ++guard) {
    auto ref = node->find("$ref");
    if (ref == node->end() || !ref->is_string()) return node;
    const std::string& target = ref->get_ref<const std::string&>();
    if (!starts_with(target, "#")) return node;
    try {
      node = &record_schema().at(nlohmann::json::json_pointer(target.substr(1)));
    } catch (const nlohmann::json::exception&) {
      return nullptr;
    }
  }
  return node;
}

// The subschema that governs `pointer` in a record, when it is unambiguous enough to
// name what was expected (oneOf branches are kept for the caller to describe).
const nlohmann::json* schema_at(const std::string& pointer) {
  const nlohmann::json* node = &record_schema();
  for (const auto& token : split_pointer(pointer)) {
    node = resolve_ref(node);
    if (!node || !node->is_object()) return nullptr;
    if (auto one_of = node->find("oneOf"); one_of != node->end()) {
      // Descend into the branch that can hold `token`: an object's property or an array item.
      const nlohmann::json* branch_node = nullptr;
      for (const auto& branch : *one_of) {
        const nlohmann::json* b = resolve_ref(&branch);
        if (b && (b->contains("items") || (b->contains("properties") && b->at("properties").contains(token))))
          branch_node = b;
      }
      if (!branch_node) return nullptr;
      node = branch_node;
    }
    if (auto items = node->find("items"); items != node->end()) {
      node = &*items;
      continue;
    }
    if (auto props = node->find("properties"); props != node->end() && props->contains(token)) {
      node = &props->at(token);
      continue;
    }
    if (auto key = parse_translation_key(token); key && node == &record_schema()) {
      const auto& patterns = node->at("patternProperties");
      bool is_array = key->field == "dead_ends" || key->field == "workarounds";
      node = nullptr;
      for (const auto& item : patterns.items())
        if ((item.key().find("dead_ends") != std::string::npos) == is_array) node = &item.value();
      continue;
    }
    if (auto additional = node->find("additionalProperties"); additional != node->end() && additional->is_object()) {
      node = &*additional;
      continue;
    }
    return nullptr;
  }
  return resolve_ref(node);
}

std::string expected_types(const nlohmann::json* node) {
  node = resolve_ref(node);
  if (!node) return {};
  if (auto type = node->find("type"); type != node->end()) {
    if (type->is_string()) return type->get<std::string>();
    std::string out;
    for (const auto& t : *type) out += (out.empty() ? "" : " or ") + t.get<std::string>();
    return out;
  }
  if (auto one_of = node->find("oneOf"); one_of != node->end()) {
    std::string out;
    for (const auto& branch : *one_of) {
      std::string t = expected_types(&branch);
      if (!t.empty()) out += (out.empty() ? "" : " or ") + t;
    }
    return out;
  }
  return {};
}

std::string preview(const nlohmann::json& value) {
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (text.size() > 60) {
    std::size_t cut = 57;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut) + "...";
  }
  return "'" + text + "'";
}

std::string number_text(double value) {
  std::string text = nlohmann::json(value).dump();
  return text;
}

// Rewrites valijson's wording into short, specific messages naming what was expected.
RawError rewrite(RawError error, const nlohmann::json& record) {
  static constexpr std::string_view k_additional =
    "Object contains a property that could not be validated using 'properties' or 'additionalProperties' constraints: '";
  static constexpr std::string_view k_missing = "Missing required property '";
  auto quoted_tail = [](const std::string& message, std::size_t from) {
    std::string name = message.substr(from);
    if (name.size() >= 2 && name.compare(name.size() - 2, 2, "'.") == 0) name.resize(name.size() - 2);
    return name;
  };
  const nlohmann::json* value = nullptr;
  try {
    value = &record.at(nlohmann::json::json_pointer(error.pointer));
  } catch (const nlohmann::json::exception&) {
  }
  const nlohmann::json* node = schema_at(error.pointer);

  if (starts_with(error.message, k_additional)) {
    std::string name = quoted_tail(error.message, k_additional.size());
    error.pointer += "/" + escape_pointer_token(name);
    error.message = "unknown property '" + name + "'";
    if (error.pointer.find('/', 1) == std::string::npos)
      error.message += " (neither a record field nor <field>_<locale> of signature, root_cause, dead_ends, workarounds)";
  } else if (starts_with(error.message, k_missing)) {
    error.message = "missing required property '" + quoted_tail(error.message, k_missing.size()) + "'";
  } else if (error.kind == Kind::type) {
    std::string expected = expected_types(node);
    if (value && node && node->contains("oneOf") &&
        (" " + expected + " ").find(std::string(" ") + value->type_name() + " ") != std::string::npos) {
      // One oneOf branch expected another type; the branch of the right type says what is wrong.
      error.message.clear();
      return error;
    }
    error.message = "wrong type: expected " + (expected.empty() ? std::string("another type") : expected) +
                    (value ? std::string(", got ") + value->type_name() : "");
  } else if (error.kind == Kind::pattern && node && node->contains("pattern")) {
    error.message = (value ? preview(*value) + " does not match " : std::string("does not match ")) +
                    node->at("pattern").get<std::string>();
    if (auto description = node->find("description"); description != node->end())
      error.message += " (" + description->get<std::string>() + ")";
  } else if (error.kind == Kind::too_long && node && node->contains("maxLength")) {
    error.message = "too long: at most " + node->at("maxLength").dump() + " characters allowed";
  } else if (starts_with(error.message, "Failed to match against any enum values") && node && node->contains("enum")) {
    std::string allowed;
    for (const auto& option : node->at("enum")) allowed += (allowed.empty() ? "" : ", ") + option.dump();
    error.message = (value ? preview(*value) + " is not allowed" : std::string("not allowed")) + ": expected one of " + allowed;
  } else if (value && value->is_number() && node && (node->contains("minimum") || node->contains("maximum"))) {
    std::string range = "[" + (node->contains("minimum") ? number_text(node->at("minimum").get<double>()) : "-inf") + ", " +
                        (node->contains("maximum") ? number_text(node->at("maximum").get<double>()) : "inf") + "]";
    error.message = value->dump() + " is out of range " + range;
  } else {
    if (!error.message.empty() && error.message.back() == '.') error.message.pop_back();
    if (!error.message.empty()) error.message[0] = static_cast<char>(std::tolower(error.message[0]));
  }
  return error;
}

} // namespace

// valijson 1.0 constructs a std::regex for every `patternProperties` pattern on
// every object it validates (its pattern cache covers `pattern` only), which
// made regex compilation a third of the validation time. So valijson gets a
// schema without `patternProperties`: the translation keys a record carries are
// matched here with RE2 and declared as plain `properties` with their pattern's
// subschema. Verdicts and messages are the same; one parsed schema is kept per
// set of translation keys (few: the locales and fields in use).
struct Validator::Impl {
  struct Pattern {
    std::unique_ptr<re2::RE2> regex;
    nlohmann::json subschema;
  };
  nlohmann::json base; // the record schema without patternProperties
  std::vector<Pattern> patterns;
  valijson::Schema plain; // for records with no translation key

  static void parse(const nlohmann::json& document, valijson::Schema& schema) {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(document);
    parser.populateSchema(adapter, schema);
  }

  // The translation keys of `record` (keys no `properties` entry names, matched by a pattern).
  std::vector<std::pair<std::string, const nlohmann::json*>> translation_keys(const nlohmann::json& record) const {
    std::vector<std::pair<std::string, const nlohmann::json*>> keys;
    if (!record.is_object()) return keys;
    const auto& properties = base.at("properties");
    for (const auto& item : record.items()) {
      if (properties.contains(item.key())) continue;
      for (const auto& pattern : patterns) {
        if (re2::RE2::PartialMatch(item.key(), *pattern.regex)) {
          keys.emplace_back(item.key(), &pattern.subschema);
          break;
        }
      }
    }
    return keys;
  }

  const valijson::Schema& schema_for(const nlohmann::json& record) const {
    const auto keys = translation_keys(record);
    if (keys.empty()) return plain;
    std::string cache_key;
    for (const auto& key : keys) cache_key += key.first + '\n';
    thread_local std::map<std::string, std::unique_ptr<valijson::Schema>> cache;
    auto found = cache.find(cache_key);
    if (found != cache.end()) return *found->second;
    nlohmann::json document = base;
    for (const auto& [key, subschema] : keys) document["properties"][key] = *subschema;
    auto schema = std::make_unique<valijson::Schema>();
    parse(document, *schema);
    if (cache.size() >= 1024) cache.clear(); // unusual key sets: bounded memory
    return *cache.emplace(cache_key, std::move(schema)).first->second;
  }
};

Validator::Validator() : m_impl(std::make_unique<Impl>()) {
  m_impl->base = record_schema();
  if (auto found = m_impl->base.find("patternProperties"); found != m_impl->base.end()) {
    for (const auto& item : found->items()) {
      re2::RE2::Options options;
      options.set_log_errors(false);
      auto regex = std::make_unique<re2::RE2>(item.key(), options);
      if (!regex->ok()) throw Error("record schema: patternProperties '" + item.key() + "' is not an RE2 pattern");
      m_impl->patterns.push_back({std::move(regex), item.value()});
    }
    m_impl->base.erase(found);
  }
  Impl::parse(m_impl->base, m_impl->plain);
}

Validator::~Validator() = default;

std::vector<Diagnostic> Validator::validate(const nlohmann::json& record) const { return validate(record, nullptr); }

std::vector<Diagnostic> Validator::validate(const nlohmann::json& record, std::unique_ptr<SearchRegex>* compiled) const {
  // One valijson validator per thread: it caches compiled patterns and is not thread-safe.
  thread_local valijson::Validator validator(valijson::Validator::kStrongTypes);

  std::optional<nlohmann::json> cut;
  if (has_long_string(record)) cut = cut_long_strings(record);
  const nlohmann::json& target = cut ? *cut : record;

  std::vector<RawError> raw;
  valijson::adapters::NlohmannJsonAdapter adapter(target);
  valijson::ValidationResults results;
  if (!validator.validate(m_impl->schema_for(record), adapter, &results)) {
    for (const auto& error : results) raw.push_back({context_to_pointer(error.context), error.description});
  }

  for (auto& error : raw) error.kind = classify(error.message);
  // "Something below failed" messages are kept only when nothing more specific was said.
  std::map<std::string, std::vector<RawError>> by_pointer;
  for (const auto& error : raw) {
    if (error.kind == Kind::cascade &&
        std::any_of(raw.begin(), raw.end(), [&](const RawError& other) {
          return &other != &error && (other.kind != Kind::cascade || is_prefix_pointer(error.pointer, other.pointer)) &&
                 (other.pointer == error.pointer || is_prefix_pointer(error.pointer, other.pointer));
        }))
      continue;
    by_pointer[error.pointer].push_back(error);
  }

  std::vector<Diagnostic> diagnostics;
  std::set<std::string> reported_pointers;
  for (auto& group : by_pointer) {
    const std::string& pointer = group.first;
    std::vector<RawError>& errors = group.second; // not a structured binding: clang 14 cannot capture one
    // A wrong type makes enum/pattern/range complaints noise; over-long makes pattern noise.
    auto has = [&](Kind kind) {
      return std::any_of(errors.begin(), errors.end(), [&](const RawError& e) { return e.kind == kind; });
    };
    const bool wrong_type = has(Kind::type);
    const bool too_long = has(Kind::too_long);
    std::vector<std::string> messages;
    for (const auto& error : errors) {
      if (wrong_type && error.kind != Kind::type && !starts_with(error.message, "Object contains") &&
          !starts_with(error.message, "Missing required"))
        continue;
      if (too_long && error.kind == Kind::pattern) continue;
      if (wrong_type && error.kind == Kind::type && &error != &*std::find_if(errors.begin(), errors.end(), [](const RawError& e) {
            return e.kind == Kind::type;
          }))
        continue;
      RawError rewritten = rewrite(error, record);
      if (rewritten.message.empty()) continue;
      messages.push_back(rewritten.pointer + '\n' + rewritten.message);
    }
    std::sort(messages.begin(), messages.end());
    messages.erase(std::unique(messages.begin(), messages.end()), messages.end());
    for (const auto& entry : messages) {
      std::size_t split = entry.find('\n');
      diagnostics.push_back({Severity::error, "schema", "", 0, entry.substr(0, split), entry.substr(split + 1)});
    }
    reported_pointers.insert(pointer);
  }

  // Checks JSON Schema cannot express; skipped where the schema already failed.
  auto already = [&](const std::string& pointer) { return reported_pointers.count(pointer) > 0; };
  auto check_date = [&](const std::string& pointer) {
    // Pointers of one or two plain keys; most records lack some of them, so no
    // throwing json_pointer lookup here.
    const nlohmann::json* value = &record;
    for (std::size_t start = 1; start <= pointer.size();) {
      const std::size_t end = std::min(pointer.find('/', start), pointer.size());
      if (!value->is_object()) return;
      const auto found = value->find(pointer.substr(start, end - start));
      if (found == value->end()) return;
      value = &*found;
      start = end + 1;
    }
    if (!value->is_string() || already(pointer)) return;
    const auto& text = value->get_ref<const std::string&>();
    if (!is_real_date(text)) diagnostics.push_back({Severity::error, "date", "", 0, pointer, "'" + text + "' is not a real calendar date"});
  };
  for (const char* pointer : {"/first_seen", "/last_confirmed", "/last_updated", "/withdrawn/date",
                              "/provenance/generation_date", "/provenance/last_verification"})
    check_date(pointer);

  auto regex = record.find("regex");
  if (regex != record.end() && regex->is_string() && !already("/regex")) {
    auto search = std::make_unique<SearchRegex>(regex->get_ref<const std::string&>(), regex_options());
    if (!search->ok()) {
      diagnostics.push_back({Severity::error, "regex", "", 0, "/regex", "RE2 rejects the regex: " + search->error()});
    } else if (compiled != nullptr) {
      *compiled = std::move(search);
    }
  }
  return diagnostics;
}

} // namespace errkb::schema
