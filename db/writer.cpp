#include "db/writer.hpp"

#include "db/internal.hpp"
#include "db/search_builder.hpp"
#include "db/match_prefilter.hpp"
#include "schema/error.hpp"
#include "schema/record.hpp"
#include "schema/utf8.hpp"

#include <SQLiteCpp/Statement.h>

#include <array>
#include <cstddef>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace errkb::db {
namespace {

using nlohmann::json;

// 64-bit FNV-1a: detects changed records; equality is confirmed on the JSON text.
std::int64_t content_hash(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return static_cast<std::int64_t>(hash);
}

// Where a value sits in the record, for error messages: "/<array>/<index>/<key>".
struct Where {
  const char* array = nullptr;
  std::size_t index = 0;
};

// Reads typed fields of one record; a wrong type is an InputError naming the pointer.
class Fields {
public:
  explicit Fields(const json& record) : m_record(record) {
    if (!record.is_object()) throw InputError("record is not a JSON object");
    m_id = &text(record, "id");
  }

  const std::string& id() const { return *m_id; }

  const json* find(const json& object, const char* key) const {
    const auto it = object.find(key);
    return (it == object.end() || it->is_null()) ? nullptr : &*it;
  }

  const std::string* optional_text(const json& object, const char* key, Where where = {}) const {
    const json* value = find(object, key);
    if (value == nullptr) return nullptr;
    if (!value->is_string()) bad_type(where, key, "a string");
    return &value->get_ref<const std::string&>();
  }

  const std::string& text(const json& object, const char* key, Where where = {}) const {
    const std::string* value = optional_text(object, key, where);
    if (value == nullptr) bad_type(where, key, "a string");
    return *value;
  }

  std::optional<double> optional_number(const json& object, const char* key, Where where = {}) const {
    const json* value = find(object, key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number()) bad_type(where, key, "a number");
    return value->get<double>();
  }

  double number(const json& object, const char* key, Where where = {}) const {
    const std::optional<double> value = optional_number(object, key, where);
    if (!value) bad_type(where, key, "a number");
    return *value;
  }

  std::optional<std::int64_t> optional_integer(const json& object, const char* key) const {
    const json* value = find(object, key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number_integer()) bad_type({}, key, "an integer");
    return value->get<std::int64_t>();
  }

  // The array at `key` (empty when absent or null).
  const json& array(const json& object, const char* key) const {
    const json* value = find(object, key);
    if (value == nullptr) return empty_array();
    if (!value->is_array()) bad_type({}, key, "an array");
    return *value;
  }

  const json& object(const json& parent, const char* key) const {
    const json* value = find(parent, key);
    if (value == nullptr) return empty_object();
    if (!value->is_object()) bad_type({}, key, "an object");
    return *value;
  }

  void expect_object(const json& item, Where where) const {
    if (!item.is_object()) {
      throw InputError("record " + id() + ": /" + where.array + "/" + std::to_string(where.index) +
                       ": expected an object");
    }
  }

private:
  static const json& empty_array() {
    static const json value = json::array();
    return value;
  }
  static const json& empty_object() {
    static const json value = json::object();
    return value;
  }

  [[noreturn]] void bad_type(Where where, const char* key, const char* expected) const {
    std::string pointer;
    if (where.array != nullptr) pointer = std::string("/") + where.array + "/" + std::to_string(where.index);
    pointer += std::string("/") + key;
    throw InputError("record " + (m_id != nullptr ? *m_id : std::string("?")) + ": " + pointer + ": expected " +
                     expected);
  }

  const json& m_record;
  const std::string* m_id = nullptr;
};

// Binds the parameters of a cached statement in order; text is bound without a
// copy, so every string must outlive the statement's execution.
class Binder {
public:
  explicit Binder(SQLite::Statement& statement) noexcept : m_statement(statement) {}

  Binder& text(const std::string& value) {
    m_statement.bindNoCopy(++m_index, value);
    return *this;
  }
  Binder& text(const std::string* value) {
    if (value == nullptr) return null();
    return text(*value);
  }
  // Empty text is stored as NULL.
  Binder& text_or_null(const std::string& value) {
    if (value.empty()) return null();
    return text(value);
  }
  Binder& integer(std::int64_t value) {
    m_statement.bind(++m_index, static_cast<std::int64_t>(value));
    return *this;
  }
  Binder& integer(std::optional<std::int64_t> value) {
    if (!value) return null();
    return integer(*value);
  }
  Binder& real(double value) {
    m_statement.bind(++m_index, value);
    return *this;
  }
  Binder& real(std::optional<double> value) {
    if (!value) return null();
    return real(*value);
  }
  Binder& null() {
    m_statement.bind(++m_index);
    return *this;
  }

  // Executes the statement and resets it for the next use.
  void exec() {
    const internal::StatementReset reset(m_statement);
    m_statement.exec();
  }

private:
  SQLite::Statement& m_statement;
  int m_index = 0;
};

// Appends `piece` to a newline-separated text, skipping empty pieces.
void append_line(std::string& text, const std::string& piece) {
  if (piece.empty()) return;
  if (!text.empty()) text += '\n';
  text += piece;
}

// One full-text document: the text of one record in one locale.
struct SearchDoc {
  std::string signature;
  std::string root_cause;
  std::string dead_ends;
  std::string workarounds;
  std::string keywords;

  // Whether search_trigram indexes every column (see search_trigram_docs).
  bool trigram_all() const {
    for (const std::string* text : {&signature, &root_cause, &dead_ends, &workarounds, &keywords}) {
      if (schema::has_unspaced_script(*text)) return true;
    }
    return false;
  }
};

constexpr std::array<const char*, 5> k_dead_end_text = {"action", "why_fails", "condition", "common_misconception",
                                                        "tradeoff"};
constexpr std::array<const char*, 4> k_workaround_text = {"action", "how", "condition", "tradeoff"};
constexpr std::array<const char*, 3> k_edge_kinds = {"leads_to", "preceded_by", "frequently_confused_with"};

// Appends the text fields of one dead end / workaround item, once each (records
// often repeat `action` as `how`; a repeat would only skew bm25).
template <std::size_t N>
void append_item_text(std::string& text, const Fields& fields, const json& item, const std::array<const char*, N>& keys,
                      Where where) {
  std::array<const std::string*, N> seen{};
  for (std::size_t k = 0; k < N; ++k) {
    const std::string* value = fields.optional_text(item, keys[k], where);
    if (value == nullptr || value->empty()) continue;
    bool repeated = false;
    for (std::size_t j = 0; j < k; ++j) repeated = repeated || (seen[j] != nullptr && *seen[j] == *value);
    if (!repeated) append_line(text, *value);
    seen[k] = value;
  }
}

} // namespace

struct Writer::Impl {
  enum class State { open, committed, failed };

  explicit Impl(Database& database)
    : db(database),
      find_record(db.sql(), "SELECT rid, content_hash, file, line, stale FROM records WHERE id = ?"),
      same_json(db.sql(), "SELECT json = ? FROM records WHERE rid = ?"),
      touch_record(db.sql(), "UPDATE records SET file = ?, line = ?, stale = 0, stale_reason = NULL WHERE rid = ?"),
      delete_record_rid(db.sql(), "DELETE FROM records WHERE rid = ?"),
      delete_record_id(db.sql(), "DELETE FROM records WHERE id = ?"),
      insert_record(db.sql(),
                    "INSERT INTO records (rid, id, file, line, domain, category, subcategory, signature, regex, "
                    "root_cause, root_cause_type, locale, error_code, official_doc_url, verification_tier, confidence, "
                    "fix_success_rate, resolvable, first_seen, last_confirmed, last_updated, evidence_count, "
                    "withdrawn_date, withdrawn_reason, withdrawn_replaced_by, content_hash, json) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      insert_version(db.sql(), "INSERT INTO versions (rid, position, version, introduced, deprecated, removed, "
                               "behavior_change, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
      insert_dead_end(db.sql(), "INSERT INTO dead_ends (rid, position, action, why_fails, fail_rate, condition, "
                                "common_misconception, tradeoff) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
      insert_dead_end_source(db.sql(),
                             "INSERT INTO dead_end_sources (rid, dead_end, position, source) VALUES (?, ?, ?, ?)"),
      insert_workaround(db.sql(), "INSERT INTO workarounds (rid, position, action, success_rate, how, condition, "
                                  "tradeoff) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      insert_workaround_source(
        db.sql(), "INSERT INTO workaround_sources (rid, workaround, position, source) VALUES (?, ?, ?, ?)"),
      insert_edge(db.sql(), "INSERT INTO graph_edges (rid, kind, position, target_id, probability, condition, "
                            "typical_delay, distinction) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
      insert_tag(db.sql(), "INSERT INTO tags (rid, position, tag) VALUES (?, ?, ?)"),
      insert_alias(db.sql(), "INSERT INTO aliases (rid, position, alias) VALUES (?, ?, ?)"),
      insert_os_note(db.sql(), "INSERT INTO os_notes (rid, os, note, facts) VALUES (?, ?, ?, ?)"),
      insert_translation(db.sql(),
                         "INSERT INTO translations (rid, locale, field, position, text) VALUES (?, ?, ?, ?, ?)"),
      insert_search_doc(db.sql(), "INSERT INTO search_docs (rid, locale, signature, root_cause, dead_ends, "
                                  "workarounds, keywords, trigram_all) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
      set_stale(db.sql(), "UPDATE records SET stale = 1, stale_reason = ? WHERE id = ?"),
      clear_stale(db.sql(), "UPDATE records SET stale = 0, stale_reason = NULL WHERE id = ?"),
      put_file(db.sql(), "INSERT INTO files (path, sha256, size, mtime_ns) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT (path) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size, "
                         "mtime_ns = excluded.mtime_ns"),
      count_file_records(db.sql(), "SELECT count(*) FROM records WHERE file = ?"),
      detach_file_records(db.sql(), "UPDATE records SET file = NULL WHERE file = ?"),
      delete_file(db.sql(), "DELETE FROM files WHERE path = ?"),
      add_run(db.sql(), "INSERT INTO ingest_runs (started_at, finished_at, added, updated, unchanged, removed, "
                        "rejected, stale, paths) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)") {}

  // Runs a write; any failure leaves the transaction half-done, so the Writer
  // refuses to commit afterwards.
  template <class F>
  decltype(auto) mutate(F&& f) {
    require_open();
    try {
      return internal::guarded(db.path(), std::forward<F>(f));
    } catch (...) {
      state = State::failed;
      throw;
    }
  }

  void require_open() const {
    if (state == State::committed) throw std::logic_error("errkb::db::Writer used after commit()");
    if (state == State::failed) {
      throw StoreError("database " + db.path() + ": an earlier write in this transaction failed; nothing was saved");
    }
  }

  std::int64_t insert(const json& record, const Fields& fields, std::optional<std::int64_t> rid,
                      const std::string& file, int line, std::int64_t hash, const std::string& canonical,
                      std::optional<schema::RegexAtoms> atoms);
  void insert_children(std::int64_t rid, const json& record, const Fields& fields);
  void insert_translations_and_docs(std::int64_t rid, const json& record, const Fields& fields);

  Database& db;
  State state = State::open;
  SQLite::Statement find_record;
  SQLite::Statement same_json;
  SQLite::Statement touch_record;
  SQLite::Statement delete_record_rid;
  SQLite::Statement delete_record_id;
  SQLite::Statement insert_record;
  SQLite::Statement insert_version;
  SQLite::Statement insert_dead_end;
  SQLite::Statement insert_dead_end_source;
  SQLite::Statement insert_workaround;
  SQLite::Statement insert_workaround_source;
  SQLite::Statement insert_edge;
  SQLite::Statement insert_tag;
  SQLite::Statement insert_alias;
  SQLite::Statement insert_os_note;
  SQLite::Statement insert_translation;
  SQLite::Statement insert_search_doc;
  SQLite::Statement set_stale;
  SQLite::Statement clear_stale;
  SQLite::Statement put_file;
  SQLite::Statement count_file_records;
  SQLite::Statement detach_file_records;
  SQLite::Statement delete_file;
  SQLite::Statement add_run;
  // `errkb match` prefilters of the records stored, written at commit().
  internal::MatchPrefilters match_prefilters{db.sql()};
  // In a database built from nothing: its full-text indexes, built beside this
  // transaction (see db/search_builder.hpp); otherwise null.
  std::unique_ptr<internal::SearchIndexBuilder> search_builder;
};

std::int64_t Writer::Impl::insert(const json& record, const Fields& fields, std::optional<std::int64_t> rid,
                                  const std::string& file, int line, std::int64_t hash, const std::string& canonical,
                                  std::optional<schema::RegexAtoms> atoms) {
  const std::string locale = schema::record_locale(record);
  const json& withdrawn = fields.object(record, "withdrawn");
  Binder(insert_record)
    .integer(rid)
    .text(fields.id())
    .text_or_null(file)
    .integer(line)
    .text(fields.text(record, "domain"))
    .text(fields.text(record, "category"))
    .text(fields.optional_text(record, "subcategory"))
    .text(fields.text(record, "signature"))
    .text(fields.text(record, "regex"))
    .text(fields.text(record, "root_cause"))
    .text(fields.optional_text(record, "root_cause_type"))
    .text(locale)
    .text(fields.optional_text(record, "error_code"))
    .text(fields.optional_text(record, "official_doc_url"))
    .text(fields.text(record, "verification_tier"))
    .real(fields.number(record, "confidence"))
    .real(fields.number(record, "fix_success_rate"))
    .text(fields.text(record, "resolvable"))
    .text(fields.text(record, "first_seen"))
    .text(fields.text(record, "last_confirmed"))
    .text(fields.optional_text(record, "last_updated"))
    .integer(fields.optional_integer(record, "evidence_count"))
    .text(fields.optional_text(withdrawn, "date", {"withdrawn", 0}))
    .text(fields.optional_text(withdrawn, "reason", {"withdrawn", 0}))
    .text(fields.optional_text(withdrawn, "replaced_by", {"withdrawn", 0}))
    .integer(hash)
    .text(canonical)
    .exec();
  const std::int64_t stored = rid ? *rid : db.sql().getLastInsertRowid();
  insert_children(stored, record, fields);
  insert_translations_and_docs(stored, record, fields);
  match_prefilters.add(stored, fields.text(record, "regex"), std::move(atoms));
  return stored;
}

void Writer::Impl::insert_children(std::int64_t rid, const json& record, const Fields& fields) {
  const json& versions = fields.array(record, "versions");
  for (std::size_t i = 0; i < versions.size(); ++i) {
    const json& item = versions[i];
    const Where where{"versions", i};
    fields.expect_object(item, where);
    Binder(insert_version)
      .integer(rid)
      .integer(static_cast<std::int64_t>(i))
      .text(fields.text(item, "version", where))
      .text(fields.optional_text(item, "introduced", where))
      .text(fields.optional_text(item, "deprecated", where))
      .text(fields.optional_text(item, "removed", where))
      .text(fields.optional_text(item, "behavior_change", where))
      .text(fields.optional_text(item, "status", where))
      .exec();
  }

  const json& dead_ends = fields.array(record, "dead_ends");
  for (std::size_t i = 0; i < dead_ends.size(); ++i) {
    const json& item = dead_ends[i];
    const Where where{"dead_ends", i};
    fields.expect_object(item, where);
    Binder(insert_dead_end)
      .integer(rid)
      .integer(static_cast<std::int64_t>(i))
      .text(fields.text(item, "action", where))
      .text(fields.text(item, "why_fails", where))
      .real(fields.number(item, "fail_rate", where))
      .text(fields.optional_text(item, "condition", where))
      .text(fields.optional_text(item, "common_misconception", where))
      .text(fields.optional_text(item, "tradeoff", where))
      .exec();
    const json& sources = fields.array(item, "sources");
    for (std::size_t s = 0; s < sources.size(); ++s) {
      if (!sources[s].is_string()) throw InputError("record " + fields.id() + ": /dead_ends/" + std::to_string(i) +
                                                    "/sources/" + std::to_string(s) + ": expected a string");
      Binder(insert_dead_end_source)
        .integer(rid)
        .integer(static_cast<std::int64_t>(i))
        .integer(static_cast<std::int64_t>(s))
        .text(sources[s].get_ref<const std::string&>())
        .exec();
    }
  }

  const json& workarounds = fields.array(record, "workarounds");
  for (std::size_t i = 0; i < workarounds.size(); ++i) {
    const json& item = workarounds[i];
    const Where where{"workarounds", i};
    fields.expect_object(item, where);
    Binder(insert_workaround)
      .integer(rid)
      .integer(static_cast<std::int64_t>(i))
      .text(fields.text(item, "action", where))
      .real(fields.number(item, "success_rate", where))
      .text(fields.optional_text(item, "how", where))
      .text(fields.optional_text(item, "condition", where))
      .text(fields.optional_text(item, "tradeoff", where))
      .exec();
    const json& sources = fields.array(item, "sources");
    for (std::size_t s = 0; s < sources.size(); ++s) {
      if (!sources[s].is_string()) throw InputError("record " + fields.id() + ": /workarounds/" +
                                                    std::to_string(i) + "/sources/" + std::to_string(s) +
                                                    ": expected a string");
      Binder(insert_workaround_source)
        .integer(rid)
        .integer(static_cast<std::int64_t>(i))
        .integer(static_cast<std::int64_t>(s))
        .text(sources[s].get_ref<const std::string&>())
        .exec();
    }
  }

  const json& graph = fields.object(record, "transition_graph");
  for (const char* kind : k_edge_kinds) {
    const json& edges = fields.array(graph, kind);
    const std::string kind_text = kind;
    for (std::size_t i = 0; i < edges.size(); ++i) {
      const json& edge = edges[i];
      Binder bind(insert_edge);
      bind.integer(rid).text(kind_text).integer(static_cast<std::int64_t>(i));
      if (edge.is_string()) {
        bind.text(edge.get_ref<const std::string&>()).null().null().null().null();
      } else {
        const Where where{kind, i};
        fields.expect_object(edge, where);
        bind.text(fields.text(edge, "error_id", where))
          .real(fields.optional_number(edge, "probability", where))
          .text(fields.optional_text(edge, "condition", where))
          .text(fields.optional_text(edge, "typical_delay", where))
          .text(fields.optional_text(edge, "distinction", where));
      }
      bind.exec();
    }
  }

  const json& tags = fields.array(record, "tags");
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (!tags[i].is_string()) throw InputError("record " + fields.id() + ": /tags/" + std::to_string(i) +
                                               ": expected a string");
    Binder(insert_tag).integer(rid).integer(static_cast<std::int64_t>(i)).text(tags[i].get_ref<const std::string&>()).exec();
  }
  const json& aliases = fields.array(record, "aliases");
  for (std::size_t i = 0; i < aliases.size(); ++i) {
    if (!aliases[i].is_string()) throw InputError("record " + fields.id() + ": /aliases/" + std::to_string(i) +
                                                  ": expected a string");
    Binder(insert_alias)
      .integer(rid)
      .integer(static_cast<std::int64_t>(i))
      .text(aliases[i].get_ref<const std::string&>())
      .exec();
  }

  for (const auto& [os, value] : fields.object(record, "os_specific").items()) {
    Binder bind(insert_os_note);
    bind.integer(rid).text(os);
    if (value.is_string()) {
      bind.text(value.get_ref<const std::string&>()).null().exec();
    } else {
      const std::string facts = value.dump();
      bind.null().text(facts).exec();
    }
  }
}

void Writer::Impl::insert_translations_and_docs(std::int64_t rid, const json& record, const Fields& fields) {
  // Locale -> document; std::map keeps the insertion order deterministic.
  std::map<std::string, SearchDoc> docs;
  const std::string base_locale = schema::record_locale(record);
  SearchDoc& base = docs[base_locale];
  append_line(base.signature, fields.text(record, "signature"));
  append_line(base.root_cause, fields.text(record, "root_cause"));
  const json& dead_ends = fields.array(record, "dead_ends");
  for (std::size_t i = 0; i < dead_ends.size(); ++i) {
    append_item_text(base.dead_ends, fields, dead_ends[i], k_dead_end_text, {"dead_ends", i});
  }
  const json& workarounds = fields.array(record, "workarounds");
  for (std::size_t i = 0; i < workarounds.size(); ++i) {
    append_item_text(base.workarounds, fields, workarounds[i], k_workaround_text, {"workarounds", i});
  }
  for (const json& tag : fields.array(record, "tags")) append_line(base.keywords, tag.get_ref<const std::string&>());
  for (const json& alias : fields.array(record, "aliases")) {
    append_line(base.keywords, alias.get_ref<const std::string&>());
  }
  for (const char* key : {"domain", "category", "subcategory", "error_code"}) {
    if (const std::string* value = fields.optional_text(record, key)) append_line(base.keywords, *value);
  }

  const json& declared = schema::record_schema().at("properties");
  for (const auto& [key, value] : record.items()) {
    if (declared.contains(key)) continue;
    const std::optional<schema::TranslationKey> translation = schema::parse_translation_key(key);
    if (!translation || value.is_null()) continue;
    const std::string& locale = translation->locale;
    const std::string& field = translation->field;
    SearchDoc& doc = docs[locale];
    auto add_row = [&](const std::string& row_field, std::size_t position, const std::string& text) {
      Binder(insert_translation)
        .integer(rid)
        .text(locale)
        .text(row_field)
        .integer(static_cast<std::int64_t>(position))
        .text(text)
        .exec();
    };
    // Only these fields feed the search documents; other translations are rows only.
    std::string* doc_text = field == "signature"     ? &doc.signature
                            : field == "root_cause"  ? &doc.root_cause
                            : field == "dead_ends"   ? &doc.dead_ends
                            : field == "workarounds" ? &doc.workarounds
                                                     : nullptr;
    auto add_text = [&](const std::string& text) {
      if (doc_text != nullptr) append_line(*doc_text, text);
    };
    if (value.is_string()) {
      const std::string& text = value.get_ref<const std::string&>();
      add_row(field, 0, text);
      add_text(text);
      continue;
    }
    if (!value.is_array()) throw InputError("record " + fields.id() + ": /" + key + ": expected a string or an array");
    for (std::size_t i = 0; i < value.size(); ++i) {
      const json& item = value[i];
      if (item.is_string()) {
        add_row(field, i, item.get_ref<const std::string&>());
        add_text(item.get_ref<const std::string&>());
        continue;
      }
      if (!item.is_object()) {
        throw InputError("record " + fields.id() + ": /" + key + "/" + std::to_string(i) +
                         ": expected a string or an object");
      }
      for (const auto& [item_key, item_value] : item.items()) {
        if (!item_value.is_string()) {
          throw InputError("record " + fields.id() + ": /" + key + "/" + std::to_string(i) + "/" + item_key +
                           ": expected a string");
        }
        add_row(field + "." + item_key, i, item_value.get_ref<const std::string&>());
        add_text(item_value.get_ref<const std::string&>());
      }
    }
  }

  for (auto& [locale, doc] : docs) {
    const bool trigram_all = doc.trigram_all();
    Binder(insert_search_doc)
      .integer(rid)
      .text(locale)
      .text_or_null(doc.signature)
      .text_or_null(doc.root_cause)
      .text_or_null(doc.dead_ends)
      .text_or_null(doc.workarounds)
      .text_or_null(doc.keywords)
      .integer(trigram_all ? 1 : 0)
      .exec();
    if (search_builder) {
      internal::SearchText text;
      text.rowid = db.sql().getLastInsertRowid();
      text.columns = {std::move(doc.signature), std::move(doc.root_cause), std::move(doc.dead_ends),
                      std::move(doc.workarounds), std::move(doc.keywords)};
      text.trigram_all = trigram_all;
      search_builder->add(std::move(text));
    }
  }
}

Writer::Writer(Database& db, std::size_t expected_records) {
  if (db.access() != Access::read_write) {
    throw StoreError("database " + db.path() + " was opened read-only; cannot write to it");
  }
  internal::begin_immediate(db.sql(), db.path());
  try {
    m_impl = internal::guarded(db.path(), [&] {
      auto impl = std::make_unique<Impl>(db);
      // A large first ingest into a database being built from nothing: its indexes
      // are built on two more threads while the records are written (install()
      // checks the indexes were empty and falls back otherwise).
      if (expected_records >= k_parallel_index_min_records && db.journal() == Journal::build &&
          db.path() != ":memory:") {
        try {
          impl->search_builder = std::make_unique<internal::SearchIndexBuilder>(db.path());
        } catch (const std::exception&) { // e.g. no room for its files: index at commit()
        }
      }
      return impl;
    });
  } catch (...) {
    db.sql().tryExec("ROLLBACK");
    throw;
  }
}

Writer::~Writer() {
  if (m_impl && m_impl->state != Impl::State::committed) m_impl->db.sql().tryExec("ROLLBACK");
}

std::map<std::string, StoredFile> Writer::files() {
  m_impl->require_open();
  return internal::guarded(m_impl->db.path(), [&] {
    std::map<std::string, StoredFile> files;
    SQLite::Statement query(m_impl->db.sql(),
                            "SELECT f.path, f.sha256, f.size, f.mtime_ns, r.id FROM files AS f "
                            "LEFT JOIN records AS r ON r.file = f.path ORDER BY f.path, r.id");
    while (query.executeStep()) {
      // Rows come in path order (a file's records in a row): append at the end.
      const char* path = query.getColumn(0).getText();
      auto last = files.empty() ? files.end() : std::prev(files.end());
      if (last == files.end() || last->first != path) last = files.emplace_hint(files.end(), path, StoredFile{});
      StoredFile& file = last->second;
      file.sha256 = query.getColumn(1).getString();
      file.size = query.getColumn(2).getInt64();
      file.mtime_ns = query.getColumn(3).getInt64();
      if (!query.getColumn(4).isNull()) file.record_ids.push_back(query.getColumn(4).getString());
    }
    return files;
  });
}

void Writer::put_file(const std::string& path, const std::string& sha256, std::int64_t size, std::int64_t mtime_ns) {
  m_impl->mutate([&] { Binder(m_impl->put_file).text(path).text(sha256).integer(size).integer(mtime_ns).exec(); });
}

int Writer::remove_file(const std::string& path, FileRecords records) {
  return m_impl->mutate([&] {
    int removed = 0;
    if (records == FileRecords::keep) {
      Binder(m_impl->detach_file_records).text(path).exec();
    } else {
      SQLite::Statement& count = m_impl->count_file_records;
      const internal::StatementReset reset(count);
      count.bindNoCopy(1, path);
      if (count.executeStep()) removed = count.getColumn(0).getInt();
    }
    Binder(m_impl->delete_file).text(path).exec(); // ON DELETE CASCADE removes its records
    return removed;
  });
}

PreparedRecord prepare_record(const nlohmann::json& record) {
  PreparedRecord prepared;
  prepared.canonical.reserve(4096);
  try {
    internal::append_canonical_json(prepared.canonical, record);
  } catch (const InputError&) {
    prepared.canonical.clear(); // upsert_record serializes again and reports the error
  }
  if (record.is_object()) {
    const auto regex = record.find("regex");
    if (regex != record.end() && regex->is_string()) prepared.atoms = schema::regex_atoms(regex->get<std::string>());
  }
  return prepared;
}

UpsertResult Writer::upsert_record(const nlohmann::json& record, const std::string& file, int line,
                                   const PreparedRecord* prepared) {
  return m_impl->mutate([&] {
    const Fields fields(record);
    std::string serialized;
    const std::string* canonical = &serialized;
    if (prepared != nullptr && !prepared->canonical.empty()) {
      canonical = &prepared->canonical;
    } else {
      serialized.reserve(4096);
      try {
        internal::append_canonical_json(serialized, record);
      } catch (const InputError& error) {
        throw InputError("record " + fields.id() + ": " + error.what());
      }
    }
    const std::int64_t hash = content_hash(*canonical);

    std::optional<std::int64_t> rid;
    {
      SQLite::Statement& find = m_impl->find_record;
      const internal::StatementReset reset(find);
      find.bindNoCopy(1, fields.id());
      if (find.executeStep()) {
        rid = find.getColumn(0).getInt64();
        const bool same_hash = find.getColumn(1).getInt64() == hash;
        const bool same_place = (file.empty() ? find.getColumn(2).isNull() : find.getColumn(2).getString() == file) &&
                                find.getColumn(3).getInt() == line && find.getColumn(4).getInt() == 0;
        if (same_hash) {
          SQLite::Statement& same = m_impl->same_json;
          const internal::StatementReset reset_same(same);
          same.bindNoCopy(1, *canonical);
          same.bind(2, *rid);
          if (same.executeStep() && same.getColumn(0).getInt() == 1) {
            if (!same_place) Binder(m_impl->touch_record).text_or_null(file).integer(line).integer(*rid).exec();
            return UpsertResult::unchanged;
          }
        }
      }
    }
    if (rid) {
      // Replace under the same rid: the cascade clears every derived row and index entry.
      Binder(m_impl->delete_record_rid).integer(*rid).exec();
    }
    m_impl->insert(record, fields, rid, file, line, hash, *canonical,
                   prepared != nullptr ? prepared->atoms : std::optional<schema::RegexAtoms>());
    return rid ? UpsertResult::updated : UpsertResult::added;
  });
}

bool Writer::remove_record(const std::string& id) {
  return m_impl->mutate([&] {
    Binder(m_impl->delete_record_id).text(id).exec();
    return m_impl->db.sql().getChanges() > 0;
  });
}

bool Writer::set_stale(const std::string& id, const std::string& reason) {
  return m_impl->mutate([&] {
    Binder(m_impl->set_stale).text(reason).text(id).exec();
    return m_impl->db.sql().getChanges() > 0;
  });
}

bool Writer::clear_stale(const std::string& id) {
  return m_impl->mutate([&] {
    Binder(m_impl->clear_stale).text(id).exec();
    return m_impl->db.sql().getChanges() > 0;
  });
}

std::int64_t Writer::add_run(const RunCounts& counts) {
  return m_impl->mutate([&] {
    const std::string paths = json(counts.paths).dump();
    Binder(m_impl->add_run)
      .text(counts.started_at)
      .text(counts.finished_at)
      .integer(counts.added)
      .integer(counts.updated)
      .integer(counts.unchanged)
      .integer(counts.removed)
      .integer(counts.rejected)
      .integer(counts.stale)
      .text(paths)
      .exec();
    return m_impl->db.sql().getLastInsertRowid();
  });
}

void Writer::commit() {
  m_impl->mutate([&] {
    m_impl->match_prefilters.store();
    if (!m_impl->search_builder || !m_impl->search_builder->install(m_impl->db.sql()))
      internal::sync_search_index(m_impl->db.sql());
    m_impl->db.sql().exec("COMMIT");
  });
  m_impl->state = Impl::State::committed;
}

} // namespace errkb::db
