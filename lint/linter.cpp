#include "lint/linter.hpp"

#include "ingest/walk.hpp"
#include "lint/parallel.hpp"
#include "lint/regex_index.hpp"
#include "lint/similarity.hpp"
#include "lint/text.hpp"
#include "lint/url.hpp"
#include "schema/record.hpp"
#include "schema/validator.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <any>
#include <cctype>
#include <cstdint>
#include <future>
#include <iterator>
#include <memory>
#include <mutex>
#include <set>
#include <system_error>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace errkb::lint {
namespace {

using nlohmann::json;

std::string pointer_token(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string shown_text(std::string_view text) {
  constexpr std::size_t k_max = 60;
  std::string shown(text.substr(0, k_max));
  if (text.size() > k_max) shown += "...";
  return json(shown).dump(-1, ' ', false, json::error_handler_t::replace);
}

// Up to `limit` items of `ids` joined by ", ", then "and N more".
std::string id_list(const std::vector<std::string>& ids, std::size_t limit = 3) {
  std::string out;
  for (std::size_t i = 0; i < ids.size() && i < limit; ++i) out += (i == 0 ? "" : ", ") + ids[i];
  if (ids.size() > limit) out += " and " + std::to_string(ids.size() - limit) + " more";
  return out;
}

const std::string* string_at(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

// Reports findings under the configured levels.
class Sink {
public:
  Sink(const Config& config, std::vector<Diagnostic>& out) : m_config(config), m_out(out) {}
  bool on(std::string_view code) const { return m_config.enabled(code); }
  void emit(std::string_view code, const std::string& file, int line, std::string pointer, std::string message) {
    const Level level = m_config.level(code);
    if (level == Level::off) return;
    m_out.push_back({severity_of(level), std::string(code), file, line, std::move(pointer), std::move(message)});
  }
  // Findings another Sink with the same config emitted.
  void append(std::vector<Diagnostic>&& findings) {
    m_out.insert(m_out.end(), std::make_move_iterator(findings.begin()), std::make_move_iterator(findings.end()));
  }

private:
  const Config& m_config;
  std::vector<Diagnostic>& m_out;
};

struct Edge {
  std::string kind;
  std::string target;
  std::string pointer;
  int line = 0;
};

// What the cross-record rules need of a record; the record itself is not kept, so
// memory stays small at 100,000 records.
struct Entry {
  std::string id;
  std::string key; // domain/slug
  std::string file;
  std::size_t record = 0;
  int line_id = 0;
  int line_signature = 0;
  int line_regex = 0;
  std::string signature;
  std::string regex;
  bool too_wide = false; // E102/E103: W104 would only repeat them
  std::vector<Edge> edges;

  bool has_edge(std::string_view kind, std::string_view target) const {
    return std::any_of(edges.begin(), edges.end(), [&](const Edge& e) { return e.kind == kind && e.target == target; });
  }
};

// --- per-record rules --------------------------------------------------------

const schema::Validator& validator() {
  static const schema::Validator instance;
  return instance;
}

class RecordLinter {
public:
  // `record` is the file's record `index`, or a changed copy of it (fix checks).
  RecordLinter(const LintOptions& options, const ingest::LoadedFile& file, std::size_t index, const json& record,
               Sink& sink, std::vector<Fix>* fixes)
    : m_options(options), m_config(options.config), m_file(file), m_index(index), m_record(record), m_sink(sink),
      m_fixes(fixes) {}

  void run() {
    texts();
    translations();
    identity();
    dates();
    verdicts();
    urls();
    if (m_fixes != nullptr && !m_trims.empty()) safe_trims();
  }

private:
  // Error-level findings of `record` (a changed copy of this one): schema errors and
  // this record's per-record rules at their configured levels, keyed (code, pointer).
  // The regex must also keep matching the signature (E101, whatever its level: a trim
  // must not make `errkb match` lose the error), checked with the record's regex
  // compiled once, as `match` compiles it.
  std::map<std::pair<std::string, std::string>, std::string> errors_of(const json& record) {
    std::vector<Diagnostic> found = validator().validate(record);
    Sink sink(m_config, found);
    RecordLinter(m_options, m_file, m_index, record, sink, nullptr).run();
    std::map<std::pair<std::string, std::string>, std::string> errors;
    for (const auto& d : found)
      if (d.severity == Severity::error) errors.emplace(std::make_pair(d.code, d.pointer), d.message);
    const std::string* signature = string_at(record, "signature");
    if (!m_regex) m_regex = std::make_unique<RE2>(m_record["regex"].get<std::string>(), schema::regex_options());
    if (signature != nullptr && m_regex->ok() && !RE2::PartialMatch(*signature, *m_regex))
      errors.emplace(std::make_pair("E101", "/regex"), "regex does not match the record's own signature");
    return errors;
  }

  // W202 fixes: each trim is kept only when the record, with it and the trims kept
  // before it, has no error-level finding the original lacks; otherwise the fix is
  // reported as not applied, with the findings it would add.
  void safe_trims() {
    const auto before = errors_of(m_record);
    json work = m_record;
    for (const std::string& pointer : m_trims) {
      Fix fix{Fix::Kind::trim, "W202", m_file.path, m_index, pointer, "", ""};
      json candidate = work;
      json& text = candidate[json::json_pointer(pointer)];
      text = trimmed(text.get_ref<const std::string&>());
      std::string added;
      for (const auto& [key, message] : errors_of(candidate)) {
        if (before.count(key) != 0) continue;
        added += (added.empty() ? "" : "; ") + key.first + (key.second.empty() ? "" : " at " + key.second) + " (" + message + ")";
      }
      if (added.empty()) {
        work = std::move(candidate);
      } else {
        fix.unsafe = "trimming it would add " + added;
      }
      m_fixes->push_back(std::move(fix));
    }
  }

  int line(const std::string& pointer) const { return m_file.line_of(m_index, pointer); }
  void emit(std::string_view code, const std::string& pointer, std::string message) {
    if (!m_sink.on(code)) return;
    m_sink.emit(code, m_file.path, line(pointer), pointer, std::move(message));
  }

  // E201 / I204 for one text; true when it is blank.
  bool blank(const json& value, const std::string& pointer, bool required) {
    if (!value.is_string() || !is_blank(value.get_ref<const std::string&>())) return false;
    const bool empty = value.get_ref<const std::string&>().empty();
    if (required) {
      emit("E201", pointer, empty ? "text is empty" : "text is only whitespace");
    } else {
      emit("I204", pointer, empty ? "optional text is empty: omit the key" : "optional text is only whitespace: omit the key");
    }
    return true;
  }

  void texts() {
    static const std::set<std::string, std::less<>> k_required_item{"action", "why_fails"};
    blank(m_record["signature"], "/signature", true);
    blank(m_record["root_cause"], "/root_cause", true);
    for (const char* list : {"dead_ends", "workarounds"}) {
      const json& items = m_record[list];
      for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string base = std::string("/") + list + "/" + std::to_string(i);
        for (const auto& [field, value] : items[i].items()) {
          if (!value.is_string() || !is_blank(value.get_ref<const std::string&>())) continue;
          blank(value, base + "/" + field, k_required_item.count(field) != 0);
        }
        how_repeats_action(items[i], base);
      }
    }
    if (auto it = m_record.find("aliases"); it != m_record.end())
      for (std::size_t i = 0; i < it->size(); ++i) blank((*it)[i], "/aliases/" + std::to_string(i), true);
    if (auto it = m_record.find("withdrawn"); it != m_record.end()) blank((*it)["reason"], "/withdrawn/reason", true);
    for (const char* field : {"official_doc_section", "error_code"})
      if (auto it = m_record.find(field); it != m_record.end()) blank(*it, std::string("/") + field, false);
    if (auto it = m_record.find("os_specific"); it != m_record.end())
      for (const auto& [facet, value] : it->items()) blank(value, "/os_specific/" + pointer_token(facet), false);
    if (auto it = m_record.find("versions"); it != m_record.end())
      for (std::size_t i = 0; i < it->size(); ++i)
        if (auto change = (*it)[i].find("behavior_change"); change != (*it)[i].end())
          blank(*change, "/versions/" + std::to_string(i) + "/behavior_change", false);
    for (const auto& edge : schema::graph_edges(m_record)) {
      // graph_edges points at /error_id of object entries; their texts sit beside it.
      constexpr std::string_view k_suffix = "/error_id";
      if (edge.pointer.size() < k_suffix.size() || edge.pointer.compare(edge.pointer.size() - k_suffix.size(), k_suffix.size(), k_suffix) != 0)
        continue;
      const std::string base = edge.pointer.substr(0, edge.pointer.size() - k_suffix.size());
      const json& entry = m_record.at(json::json_pointer(base));
      for (const char* field : {"condition", "typical_delay", "distinction"})
        if (auto it = entry.find(field); it != entry.end()) blank(*it, base + "/" + field, false);
    }
    if (m_sink.on("W202")) {
      std::string pointer;
      untrimmed(m_record, pointer);
    }
  }

  void how_repeats_action(const json& item, const std::string& base) {
    const std::string* how = string_at(item, "how");
    const std::string* action = string_at(item, "action");
    if (how == nullptr || action == nullptr || is_blank(*how) || is_blank(*action)) return;
    if (comparison_key(*how) == comparison_key(*action))
      emit("W203", base + "/how", "`how` repeats `action`: say how to do it (commands, settings, code)");
  }

  // W202 on every string except the regex (whose whitespace matters) and
  // provenance.extra (source facts kept verbatim).
  // `pointer` is the value's JSON pointer, extended in place while recursing.
  void untrimmed(const json& value, std::string& pointer) {
    if (pointer == "/regex" || pointer == "/provenance/extra") return;
    const std::size_t length = pointer.size();
    if (value.is_object()) {
      for (const auto& [key, child] : value.items()) {
        pointer += '/';
        pointer += key.find_first_of("~/") == std::string::npos ? key : pointer_token(key);
        untrimmed(child, pointer);
        pointer.resize(length);
      }
    } else if (value.is_array()) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        pointer += '/';
        pointer += std::to_string(i);
        untrimmed(value[i], pointer);
        pointer.resize(length);
      }
    } else if (value.is_string()) {
      const std::string& text = value.get_ref<const std::string&>();
      auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
      if (text.empty() || (!space(text.front()) && !space(text.back()))) return; // trimmed already
      if (is_blank(text) || trimmed(text) == text) return;
      emit("W202", pointer, "text has leading or trailing whitespace");
      if (m_fixes != nullptr) m_trims.push_back(pointer);
    }
  }

  void translations() {
    for (const auto& [key, value] : m_record.items()) {
      auto translation = schema::parse_translation_key(key);
      if (!translation) continue;
      const std::string pointer = "/" + key;
      auto source = m_record.find(translation->field);
      if (source == m_record.end()) continue;
      if (value.is_string()) {
        if (blank(value, pointer, true)) continue;
        if (source->is_string() && identical(value.get_ref<const std::string&>(), source->get_ref<const std::string&>()))
          emit("W301", pointer, "translation '" + translation->locale + "' is identical to /" + translation->field);
        continue;
      }
      if (!value.is_array() || !source->is_array()) continue;
      if (value.size() != source->size()) {
        emit("E302", pointer,
             key + " has " + std::to_string(value.size()) + (value.size() == 1 ? " item" : " items") + " but " +
               translation->field + " has " + std::to_string(source->size()));
      }
      for (std::size_t i = 0; i < value.size(); ++i) {
        const std::string item_pointer = pointer + "/" + std::to_string(i);
        const json& item = value[i];
        const json* source_item = i < source->size() ? &(*source)[i] : nullptr;
        if (item.is_string()) {
          if (blank(item, item_pointer, true) || source_item == nullptr) continue;
          // A string item translates the source item as a whole: compare with each of its texts.
          for (const auto& [field, text] : source_item->items()) {
            if (text.is_string() && identical(item.get_ref<const std::string&>(), text.get_ref<const std::string&>())) {
              emit("W301", item_pointer,
                   "translation '" + translation->locale + "' is identical to /" + translation->field + "/" +
                     std::to_string(i) + "/" + field);
              break;
            }
          }
        } else if (item.is_object()) {
          for (const auto& [field, text] : item.items()) {
            const std::string field_pointer = item_pointer + "/" + field;
            if (blank(text, field_pointer, true) || source_item == nullptr) continue;
            const std::string* source_text = string_at(*source_item, field.c_str());
            if (source_text != nullptr && text.is_string() && identical(text.get_ref<const std::string&>(), *source_text))
              emit("W301", field_pointer,
                   "translation '" + translation->locale + "' is identical to /" + translation->field + "/" +
                     std::to_string(i) + "/" + field);
          }
          how_repeats_action(item, item_pointer);
        }
      }
    }
  }

  static bool identical(const std::string& translation, const std::string& source) {
    return has_letters(source) && trimmed(translation) == trimmed(source);
  }

  void identity() {
    const std::string& id = m_record["id"].get_ref<const std::string&>();
    const std::string& domain = m_record["domain"].get_ref<const std::string&>();
    const std::string first = id.substr(0, id.find('/'));
    if (first != domain) emit("E602", "/id", "id starts with '" + first + "' but domain is '" + domain + "'");
    if (m_file.format == ingest::Format::jsonl) return;
    std::string path = m_file.path;
    const std::size_t dot = path.rfind('.');
    const std::size_t slash = path.rfind('/');
    if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) path.resize(dot);
    const bool matches = path == id || (path.size() > id.size() && path.compare(path.size() - id.size(), id.size(), id) == 0 &&
                                        path[path.size() - id.size() - 1] == '/');
    if (!matches) {
      emit("W601", "/id",
           "id '" + id + "' does not match the file path (expected .../" + id + m_file.path.substr(m_file.path.rfind('.')) +
             ")");
    }
  }

  void dates() {
    const std::string* first_seen = string_at(m_record, "first_seen");
    const std::string* last_confirmed = string_at(m_record, "last_confirmed");
    const std::string* last_updated = string_at(m_record, "last_updated");
    if (first_seen && last_confirmed && *first_seen > *last_confirmed)
      emit("E701", "/last_confirmed", "last_confirmed " + *last_confirmed + " is before first_seen " + *first_seen);
    if (last_confirmed && last_updated && *last_confirmed > *last_updated)
      emit("E701", "/last_updated", "last_updated " + *last_updated + " is before last_confirmed " + *last_confirmed);

    const std::string& as_of = m_config.as_of;
    auto future = [&](const std::string* date, const std::string& pointer) {
      if (date && *date > as_of) emit("E702", pointer, pointer.substr(1) + " " + *date + " is after " + as_of);
    };
    future(first_seen, "/first_seen");
    future(last_confirmed, "/last_confirmed");
    future(last_updated, "/last_updated");
    if (auto it = m_record.find("provenance"); it != m_record.end()) {
      future(string_at(*it, "generation_date"), "/provenance/generation_date");
      future(string_at(*it, "last_verification"), "/provenance/last_verification");
    }
    const bool withdrawn = m_record.contains("withdrawn");
    if (withdrawn) future(string_at(m_record["withdrawn"], "date"), "/withdrawn/date");

    if (!withdrawn && last_confirmed && *last_confirmed <= as_of) {
      const long age = days_from_civil(as_of) - days_from_civil(*last_confirmed);
      if (age > m_config.thresholds.stale_days)
        emit("W703", "/last_confirmed",
             "last confirmed " + std::to_string(age) + " days before " + as_of + " (more than " +
               std::to_string(m_config.thresholds.stale_days) + ")");
    }
  }

  void verdicts() {
    const auto& t = m_config.thresholds;
    const std::string& resolvable = m_record["resolvable"].get_ref<const std::string&>();
    const double rate = m_record["fix_success_rate"].get<double>();
    const double confidence = m_record["confidence"].get<double>();
    auto shown = [](double x) { return json(x).dump(); };
    if (resolvable == "true" && rate < t.resolvable_min_rate)
      emit("W801", "/fix_success_rate",
           "resolvable is \"true\" but fix_success_rate " + shown(rate) + " is below " + shown(t.resolvable_min_rate));
    if (resolvable == "false" && rate >= t.unresolvable_max_rate)
      emit("W802", "/fix_success_rate",
           "resolvable is \"false\" but fix_success_rate is " + shown(rate) + " (" + shown(t.unresolvable_max_rate) +
             " or more)");
    auto evidence = m_record.find("evidence_count");
    const long long count = evidence != m_record.end() ? evidence->get<long long>() : 0;
    if (confidence > t.evidence_confidence && count < t.min_evidence)
      emit("W803", evidence != m_record.end() ? "/evidence_count" : "/confidence",
           "confidence " + shown(confidence) + " rests on " + std::to_string(count) + " piece" + (count == 1 ? "" : "s") +
             " of evidence (fewer than " + std::to_string(t.min_evidence) + ")");
  }

  void url(const json& value, const std::string& pointer) {
    if (!value.is_string()) return;
    const std::string& text = value.get_ref<const std::string&>();
    if (is_blank(text)) {
      emit("E901", pointer, "empty URL");
      return;
    }
    const UrlCheck check = check_url(trimmed(text));
    switch (check.problem) {
    case UrlProblem::none: return;
    case UrlProblem::scheme: emit("E901", pointer, "URL " + shown_text(text) + ": " + check.detail); return;
    case UrlProblem::malformed: emit("E902", pointer, "malformed URL " + shown_text(text) + ": " + check.detail); return;
    case UrlProblem::private_host: emit("E903", pointer, "URL " + shown_text(text) + " has a non-public host: " + check.detail); return;
    case UrlProblem::userinfo: emit("W904", pointer, "URL " + shown_text(text) + ": " + check.detail); return;
    }
  }

  void urls() {
    if (!(m_sink.on("E901") || m_sink.on("E902") || m_sink.on("E903") || m_sink.on("W904"))) return;
    if (auto it = m_record.find("official_doc_url"); it != m_record.end()) url(*it, "/official_doc_url");
    if (auto it = m_record.find("provenance"); it != m_record.end() && it->contains("url"))
      url((*it)["url"], "/provenance/url");
    for (const char* list : {"dead_ends", "workarounds"}) {
      const json& items = m_record[list];
      for (std::size_t i = 0; i < items.size(); ++i) {
        auto sources = items[i].find("sources");
        if (sources == items[i].end()) continue;
        for (std::size_t j = 0; j < sources->size(); ++j)
          url((*sources)[j], std::string("/") + list + "/" + std::to_string(i) + "/sources/" + std::to_string(j));
      }
    }
  }

  const LintOptions& m_options;
  const Config& m_config;
  const ingest::LoadedFile& m_file;
  std::size_t m_index;
  const json& m_record;
  Sink& m_sink;
  std::vector<Fix>* m_fixes;        // null: findings only (fix checks)
  std::vector<std::string> m_trims; // W202 pointers to trim
  std::unique_ptr<RE2> m_regex;     // the record's regex, for fix checks
};

Entry make_entry(const ingest::LoadedFile& file, std::size_t index) {
  const json& record = file.records[index].value;
  Entry entry;
  entry.id = record["id"].get<std::string>();
  entry.key = error_key(entry.id);
  entry.file = file.path;
  entry.record = index;
  entry.line_id = file.line_of(index, "/id");
  entry.line_signature = file.line_of(index, "/signature");
  entry.line_regex = file.line_of(index, "/regex");
  entry.signature = record["signature"].get<std::string>();
  entry.regex = record["regex"].get<std::string>();
  for (auto& edge : schema::graph_edges(record)) {
    const int edge_line = file.line_of(index, edge.pointer);
    entry.edges.push_back({std::move(edge.kind), std::move(edge.target), std::move(edge.pointer), edge_line});
  }
  return entry;
}

// E101-E103 of one record, with the regex its validation compiled (match's options).
void own_regex_rules(Entry& e, const schema::SearchRegex& regex, Sink& sink) {
  if (is_bare_wildcard(e.regex)) {
    e.too_wide = true;
    sink.emit("E103", e.file, e.line_regex, "/regex", "regex " + shown_text(e.regex) + " is only a wildcard and matches any message");
  } else if (regex.search("")) {
    e.too_wide = true;
    sink.emit("E102", e.file, e.line_regex, "/regex", "regex " + shown_text(e.regex) + " matches the empty string");
  }
  if (sink.on("E101") && !regex.search(e.signature))
    sink.emit("E101", e.file, e.line_regex, "/regex", "regex does not match the record's own signature");
}

// --- cross-record rules ------------------------------------------------------

class CrossLinter {
public:
  CrossLinter(const LintOptions& options, std::vector<Entry>& entries, Sink& sink, LintReport& report)
    : m_options(options), m_entries(entries), m_sink(sink), m_report(report) {}

  void run() {
    index_ids();
    // The duplicate rules and the regex rules share only the entries, read-only: run
    // side by side, each fills the other's single-threaded stretches.
    std::vector<Diagnostic> duplicate_findings;
    Sink duplicate_sink(m_options.config, duplicate_findings);
    auto find_duplicates = [&] { duplicates(duplicate_sink); };
    std::future<void> side;
    try {
      side = std::async(std::launch::async, find_duplicates);
    } catch (const std::system_error&) { // no thread to be had: after the regex rules
      side = std::async(std::launch::deferred, find_duplicates);
    }
    regexes();
    side.get();
    m_sink.append(std::move(duplicate_findings));
    graph();
  }

private:
  void index_ids() {
    for (std::size_t i = 0; i < m_entries.size(); ++i) {
      auto [it, inserted] = m_by_id.emplace(m_entries[i].id, i);
      if (!inserted) {
        const Entry& first = m_entries[it->second];
        m_sink.emit("E404", m_entries[i].file, m_entries[i].line_id, "/id",
                    "duplicate id '" + m_entries[i].id + "' (first defined at " + first.file + ":" +
                      std::to_string(first.line_id) + ")");
      }
    }
  }

  // W104 (E101-E103 are per-record rules, checked on the workers; see own_regex_rules).
  void regexes() {
    if (!m_sink.on("W104")) return;
    // One regex per distinct pattern and one text per distinct signature (environment
    // variants share theirs).
    std::vector<std::string> patterns, texts;
    std::unordered_map<std::string_view, std::size_t> pattern_of, text_of; // views of m_entries' strings
    pattern_of.reserve(m_entries.size());
    text_of.reserve(m_entries.size());
    std::vector<std::size_t> entry_pattern(m_entries.size()), entry_text(m_entries.size());
    for (std::size_t i = 0; i < m_entries.size(); ++i) {
      auto [p, new_pattern] = pattern_of.emplace(m_entries[i].regex, patterns.size());
      if (new_pattern) patterns.push_back(m_entries[i].regex);
      entry_pattern[i] = p->second;
      auto [t, new_text] = text_of.emplace(m_entries[i].signature, texts.size());
      if (new_text) texts.push_back(m_entries[i].signature);
      entry_text[i] = t->second;
    }
    // A regex stops being tried after k_cap matching signatures: enough to report, and
    // bounded work for regexes that match nearly everything. The regexes compiled
    // (validation succeeded), so the scan compiles only those it must run.
    constexpr std::size_t k_cap = 1000;
    // The other errors (domain/slug) whose signatures a regex matches. A pattern and a
    // text that belong to one error only are never tried together.
    std::unordered_map<std::string_view, std::uint32_t> key_id;
    std::vector<std::string> key_name;
    std::vector<std::vector<std::uint32_t>> text_keys(texts.size());
    constexpr std::uint32_t k_unset = UINT32_MAX, k_mixed_pattern = UINT32_MAX - 1, k_mixed_text = UINT32_MAX - 2;
    RegexScanOptions scan_options;
    scan_options.group_of_pattern.assign(patterns.size(), k_unset);
    scan_options.group_of_text.assign(texts.size(), k_unset);
    auto join = [&](std::uint32_t& group, std::uint32_t key, std::uint32_t mixed) {
      group = group == k_unset || group == key ? key : mixed;
    };
    for (std::size_t i = 0; i < m_entries.size(); ++i) {
      auto [key, new_key] = key_id.emplace(m_entries[i].key, static_cast<std::uint32_t>(key_name.size()));
      if (new_key) key_name.push_back(m_entries[i].key);
      text_keys[entry_text[i]].push_back(key->second);
      join(scan_options.group_of_pattern[entry_pattern[i]], key->second, k_mixed_pattern);
      join(scan_options.group_of_text[entry_text[i]], key->second, k_mixed_text);
    }
    scan_options.cap = k_cap;
    scan_options.per_pattern = false;
    const RegexScan scan = scan_regexes(patterns, texts, {}, scan_options);
    const auto& matched = scan.matched;

    const auto threshold = static_cast<std::size_t>(m_options.config.thresholds.broad_regex_min_errors);
    std::vector<std::string> messages(m_entries.size()); // empty: no finding
    parallel(m_entries.size(), thread_count(0), [&](std::size_t from, std::size_t to) {
      for (std::size_t i = from; i < to; ++i) {
        const Entry& e = m_entries[i];
        const std::size_t p = entry_pattern[i];
        if (e.too_wide || matched[p].empty()) continue;
        const std::uint32_t own = key_id.at(e.key);
        std::vector<std::uint32_t> keys;
        for (std::size_t t : matched[p])
          for (std::uint32_t k : text_keys[t])
            if (k != own) keys.push_back(k);
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        if (keys.size() < threshold) continue;
        std::vector<std::string> names;
        for (std::uint32_t k : keys) names.push_back(key_name[k]);
        std::sort(names.begin(), names.end());
        const std::string count = (matched[p].size() >= k_cap ? "at least " : "") + std::to_string(names.size());
        messages[i] = "regex matches the signatures of " + count + " other errors, e.g. " + id_list(names);
      }
    });
    for (std::size_t i = 0; i < m_entries.size(); ++i)
      if (!messages[i].empty()) m_sink.emit("W104", m_entries[i].file, m_entries[i].line_regex, "/regex", std::move(messages[i]));
  }

  // Reports each group (entry indices) whose members span >= 2 errors: every member
  // with the ids of the other errors' members it is linked to.
  void report_groups(Sink& sink, std::string_view code, const std::vector<std::vector<std::size_t>>& groups,
                     const std::string& what, const std::vector<std::size_t>* node_of = nullptr) {
    std::size_t reported = 0;
    for (const auto& group : groups) {
      std::set<std::string> keys;
      for (std::size_t i : group) keys.insert(m_entries[i].key);
      if (keys.size() < 2) continue;
      bool any = false;
      for (std::size_t i : group) {
        const Entry& e = m_entries[i];
        std::vector<std::string> others;
        for (std::size_t j : group) {
          if (m_entries[j].key == e.key) continue;
          if (node_of != nullptr && (*node_of)[j] == (*node_of)[i]) continue; // exact duplicate: W401's business
          others.push_back(m_entries[j].id);
        }
        if (others.empty()) continue;
        std::sort(others.begin(), others.end());
        any = true;
        const bool regex = code == "W402";
        sink.emit(code, e.file, regex ? e.line_regex : e.line_signature, regex ? "/regex" : "/signature",
                    what + " " + std::to_string(others.size()) + " record" + (others.size() == 1 ? "" : "s") +
                      " of other errors (group of " + std::to_string(group.size()) + "): " + id_list(others));
      }
      reported += any ? 1 : 0;
    }
    if (reported > 0) m_report.groups[std::string(code)] = reported;
  }

  // W401-W403. Emits into its own `sink` and writes only m_report.groups: it runs
  // beside regexes() (see run()).
  void duplicates(Sink& sink) {
    std::unordered_map<std::string, std::size_t> node_index;
    std::vector<std::string> node_text;
    std::vector<std::vector<std::size_t>> node_members;
    std::vector<std::size_t> node_of(m_entries.size());
    for (std::size_t i = 0; i < m_entries.size(); ++i) {
      auto [it, inserted] = node_index.emplace(signature_key(m_entries[i].signature), node_text.size());
      if (inserted) {
        node_text.push_back(it->first);
        node_members.emplace_back();
      }
      node_members[it->second].push_back(i);
      node_of[i] = it->second;
    }
    if (sink.on("W401")) report_groups(sink, "W401", node_members, "same signature as");
    if (sink.on("W402")) {
      std::map<std::string, std::vector<std::size_t>> by_regex;
      for (std::size_t i = 0; i < m_entries.size(); ++i) by_regex[m_entries[i].regex].push_back(i);
      std::vector<std::vector<std::size_t>> groups;
      for (auto& [regex, members] : by_regex)
        if (members.size() > 1) groups.push_back(std::move(members));
      report_groups(sink, "W402", groups, "same regex as");
    }
    if (sink.on("W403")) {
      std::vector<std::vector<std::size_t>> groups;
      for (const auto& nodes : similar_groups(node_text, m_options.config.thresholds.near_duplicate_similarity)) {
        std::vector<std::size_t> members;
        for (std::size_t node : nodes) members.insert(members.end(), node_members[node].begin(), node_members[node].end());
        std::sort(members.begin(), members.end());
        groups.push_back(std::move(members));
      }
      report_groups(sink, "W403", groups, "signature nearly identical to", &node_of);
    }
  }

  void graph() {
    static const std::map<std::string, std::string, std::less<>> k_reverse{
      {"leads_to", "preceded_by"}, {"preceded_by", "leads_to"}, {"frequently_confused_with", "frequently_confused_with"}};
    for (const Entry& e : m_entries) {
      for (const Edge& edge : e.edges) {
        if (edge.target == e.id) {
          m_sink.emit("E502", e.file, edge.line, edge.pointer, edge.kind + " names the record itself");
          continue;
        }
        auto it = m_by_id.find(edge.target);
        if (it == m_by_id.end()) {
          m_sink.emit("E501", e.file, edge.line, edge.pointer, edge.kind + " target '" + edge.target + "' is not a known record id");
          continue;
        }
        const Entry& other = m_entries[it->second];
        const std::string& reverse = k_reverse.at(edge.kind);
        if (other.has_edge(reverse, e.id)) continue;
        const char* code = edge.kind == "frequently_confused_with" ? "I504" : "W503";
        if (!m_sink.on(code)) continue;
        m_sink.emit(code, e.file, edge.line, edge.pointer,
                    edge.kind + " " + other.id + ", but " + other.id + " has no " + reverse + " entry for " + e.id);
        if (m_options.collect_fixes)
          m_report.fixes.push_back({Fix::Kind::add_edge, code, other.file, other.record, "/transition_graph/" + reverse, e.id, ""});
      }
    }
  }

  const LintOptions& m_options;
  std::vector<Entry>& m_entries;
  Sink& m_sink;
  LintReport& m_report;
  std::unordered_map<std::string, std::size_t> m_by_id;
};

// Drops `^`/`\A` and `$`/`\z` anchors, leading flag groups and outer parentheses.
std::string_view strip_wrappers(std::string_view p) {
  while (true) {
    const std::string_view before = p;
    if (p.substr(0, 2) == "(?") {
      std::size_t i = 2;
      while (i < p.size() && (std::isalpha(static_cast<unsigned char>(p[i])) || p[i] == '-')) ++i;
      if (i < p.size() && p[i] == ')' && i > 2) p.remove_prefix(i + 1);
    }
    if (!p.empty() && p.front() == '^') p.remove_prefix(1);
    if (p.substr(0, 2) == "\\A") p.remove_prefix(2);
    if (!p.empty() && p.back() == '$' && (p.size() < 2 || p[p.size() - 2] != '\\')) p.remove_suffix(1);
    if (p.size() >= 2 && p.substr(p.size() - 2) == "\\z" && (p.size() < 3 || p[p.size() - 3] != '\\')) p.remove_suffix(2);
    if (!p.empty() && p.front() == '(') {
      // The group opened at 0 must close at the very end.
      int depth = 0;
      bool in_class = false;
      std::size_t close = std::string_view::npos;
      for (std::size_t i = 0; i < p.size(); ++i) {
        const char c = p[i];
        if (c == '\\') {
          ++i;
        } else if (in_class) {
          in_class = c != ']';
        } else if (c == '[') {
          in_class = true;
        } else if (c == '(') {
          ++depth;
        } else if (c == ')' && --depth == 0) {
          close = i;
          break;
        }
      }
      if (close == p.size() - 1) {
        std::string_view inner = p.substr(1, p.size() - 2);
        if (inner.substr(0, 2) == "?:") {
          inner.remove_prefix(2);
        } else if (inner.substr(0, 3) == "?P<" || inner.substr(0, 2) == "?<") {
          const std::size_t end = inner.find('>');
          if (end != std::string_view::npos) inner.remove_prefix(end + 1);
        }
        p = inner;
      }
    }
    if (p == before) return p;
  }
}

} // namespace

bool is_bare_wildcard(const std::string& pattern) {
  std::string_view p = strip_wrappers(pattern);
  if (p.empty()) return false;
  static constexpr std::string_view k_any[] = {".",       "\\C",      "[\\s\\S]", "[\\S\\s]", "[\\w\\W]",
                                               "[\\W\\w]", "[\\d\\D]", "[\\D\\d]", "[^\\n]"};
  while (!p.empty()) {
    bool matched = false;
    for (auto any : k_any) {
      if (p.substr(0, any.size()) == any) {
        p.remove_prefix(any.size());
        matched = true;
        break;
      }
    }
    if (!matched) return false;
    if (!p.empty() && (p[0] == '*' || p[0] == '+' || p[0] == '?')) {
      p.remove_prefix(1);
    } else if (!p.empty() && p[0] == '{') {
      const std::size_t close = p.find('}');
      if (close == std::string_view::npos) return false;
      for (char c : p.substr(1, close - 1))
        if (!std::isdigit(static_cast<unsigned char>(c)) && c != ',') return false;
      p.remove_prefix(close + 1);
    }
    if (!p.empty() && p[0] == '?') p.remove_prefix(1); // lazy
  }
  return true;
}

LintReport lint_paths(const std::vector<std::string>& paths, const LintOptions& given) {
  LintOptions options = given;
  if (options.config.as_of.empty()) options.config.as_of = today();
  LintReport report;
  ingest::WalkResult walked = ingest::collect_files(paths, options.check.walk);
  report.diagnostics = std::move(walked.diagnostics);
  Sink sink(options.config, report.diagnostics);
  std::vector<Entry> entries;

  // The per-record rules run on the check workers, beside the schema checks, and so
  // does the making of each record's Entry, handed to the caller with its file.
  options.check.keep_regexes = true;
  options.check.fingerprint = false;
  std::mutex fixes_mutex;
  options.check.after_check = [&](ingest::CheckedFile& checked) {
    std::vector<Diagnostic> found;
    Sink local(options.config, found);
    std::vector<Fix> fixes;
    std::vector<Entry> file_entries;
    for (std::size_t i = 0; i < checked.file.records.size(); ++i) {
      if (!checked.record_valid[i]) continue;
      RecordLinter(options, checked.file, i, checked.file.records[i].value, local,
                   options.collect_fixes ? &fixes : nullptr).run();
      file_entries.push_back(make_entry(checked.file, i));
      own_regex_rules(file_entries.back(), *checked.regexes[i], local);
      checked.regexes[i].reset();
    }
    for (auto& diagnostic : found) checked.diagnostics.push_back(std::move(diagnostic));
    checked.work = std::move(file_entries);
    if (fixes.empty()) return;
    const std::lock_guard<std::mutex> lock(fixes_mutex); // sorted below
    for (auto& fix : fixes) report.fixes.push_back(std::move(fix));
  };
  ingest::check_files(walked.files, options.check, [&](ingest::CheckedFile& checked) {
    ++report.files;
    report.records += checked.file.records.size();
    for (auto& diagnostic : checked.diagnostics) report.diagnostics.push_back(std::move(diagnostic));
    auto* file_entries = std::any_cast<std::vector<Entry>>(&checked.work);
    if (file_entries == nullptr) return;
    report.linted_records += file_entries->size();
    for (auto& entry : *file_entries) entries.push_back(std::move(entry));
  });

  CrossLinter(options, entries, sink, report).run();
  sort_unique(report.diagnostics);
  auto fix_key = [](const Fix& f) { return std::tie(f.file, f.record, f.pointer, f.target, f.code); };
  std::sort(report.fixes.begin(), report.fixes.end(), [&](const Fix& a, const Fix& b) { return fix_key(a) < fix_key(b); });
  report.fixes.erase(std::unique(report.fixes.begin(), report.fixes.end(),
                                 [&](const Fix& a, const Fix& b) { return fix_key(a) == fix_key(b); }),
                     report.fixes.end());
  return report;
}

} // namespace errkb::lint
