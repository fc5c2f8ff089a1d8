#include "lookup/search.hpp"

#include "lookup/text.hpp"
#include "schema/error.hpp"
#include "schema/utf8.hpp"

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <cmath>
#include <unordered_set>

namespace errkb::lookup {
namespace {

// bm25 column weights in search_docs order: signature, root_cause, dead_ends,
// workarounds, keywords (tags, aliases, domain, category, error code). The
// signature outranks the root cause, which outranks dead-end and workaround text.
constexpr const char* k_weights = "10.0, 4.0, 1.5, 2.0, 3.0";

struct Attempt {
  SearchIndex index;
  std::string expression;
};

std::string join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

// The FTS5 expressions to try, in order, until one finds something.
std::vector<Attempt> plan(std::string_view query, QuerySyntax syntax) {
  // The query is echoed in JSON output and compared with UTF-8 text: it must be text
  // (find_invalid_utf8 refuses exactly what nlohmann's serializer would fail on later).
  if (schema::find_invalid_utf8(query) != std::string_view::npos) throw UsageError("the query is not valid UTF-8 text");
  if (syntax == QuerySyntax::raw) {
    if (trim(query).empty()) throw UsageError("empty query: give FTS5 query text to search for");
    return {{SearchIndex::words, std::string(query)}};
  }
  const std::vector<std::string> chunks = query_chunks(query);
  if (chunks.empty()) {
    throw UsageError("nothing to search for in \"" + std::string(query) +
                     "\": give one or more words (letters or digits)");
  }
  std::vector<std::string> phrases, prefixes, substrings;
  bool unspaced = false;
  std::size_t chars = 0;
  for (const auto& chunk : chunks) {
    phrases.push_back(fts_string(chunk));
    prefixes.push_back(fts_string(chunk) + "*");
    // The trigram tokenizer cannot find a string shorter than three characters.
    if (char_count(chunk) >= 3) substrings.push_back(fts_string(chunk));
    unspaced = unspaced || schema::has_unspaced_script(chunk);
    chars += char_count(chunk);
  }
  std::vector<Attempt> attempts;
  if (unspaced) {
    if (!substrings.empty()) attempts.push_back({SearchIndex::trigram, join(substrings, " ")});
    attempts.push_back({SearchIndex::prefix, join(prefixes, " ")});
    return attempts;
  }
  if (chars < 3) return {{SearchIndex::words, join(phrases, " ")}, {SearchIndex::prefix, join(prefixes, " ")}};
  attempts.push_back({SearchIndex::words, join(phrases, " ")});
  if (!substrings.empty()) attempts.push_back({SearchIndex::trigram, join(substrings, " ")});
  if (phrases.size() > 1) attempts.push_back({SearchIndex::words, join(phrases, " OR ")});
  return attempts;
}

const char* table_of(SearchIndex index) { return index == SearchIndex::trigram ? "search_trigram" : "search_words"; }

double round4(double value) { return std::round(value * 10000.0) / 10000.0; }

[[noreturn]] void rethrow(const db::Database& db, const SQLite::Exception& error, QuerySyntax syntax) {
  if (syntax == QuerySyntax::raw && error.getErrorCode() == SQLITE_ERROR) {
    throw UsageError(std::string("invalid FTS5 query: ") + error.what() +
                     " (without --raw, the query is read as plain words)");
  }
  throw StoreError("database " + db.path() + ": " + error.what());
}

bool passes(const SearchOptions& options, const SQLite::Statement& doc) {
  // Columns: rid, locale, signature, id, domain, category, tier, confidence.
  if (!options.domain.empty() && doc.getColumn(4).getString() != options.domain) return false;
  if (!options.category.empty() && doc.getColumn(5).getString() != options.category) return false;
  if (!options.locale.empty() && doc.getColumn(1).getString() != options.locale) return false;
  if (!options.tier.empty() && doc.getColumn(6).getString() != options.tier) return false;
  if (options.min_confidence && doc.getColumn(7).getDouble() < *options.min_confidence) return false;
  return true;
}

std::vector<SearchHit> run(db::Database& db, const Attempt& attempt, const SearchOptions& options) {
  const std::string table = table_of(attempt.index);
  // FTS5 sorts by rank itself and keeps only the first rows of a LIMIT, so the
  // cost stays that of scoring the matches; filters and the one-result-per-record
  // rule apply afterwards, reading more ranked rows while they leave too few.
  SQLite::Statement ranked(db.sql(), "SELECT rowid, rank FROM " + table + " WHERE " + table +
                                       " MATCH ? AND rank MATCH 'bm25(" + k_weights + ")' ORDER BY rank LIMIT ?");
  SQLite::Statement doc(db.sql(), "SELECT d.rid, d.locale, coalesce(d.signature, r.signature), r.id, r.domain, "
                                  "r.category, r.verification_tier, r.confidence FROM search_docs AS d "
                                  "JOIN records AS r ON r.rid = d.rid "
                                  "WHERE d.rowid = ? AND r.withdrawn_date IS NULL");
  std::vector<SearchHit> hits;
  std::vector<std::int64_t> rowids;
  for (std::int64_t window = static_cast<std::int64_t>(options.limit) * 4;; window *= 4) {
    hits.clear();
    rowids.clear();
    std::unordered_set<std::int64_t> seen;
    std::int64_t rows = 0;
    ranked.bind(1, attempt.expression);
    ranked.bind(2, window);
    while (hits.size() < options.limit && ranked.executeStep()) {
      ++rows;
      const std::int64_t rowid = ranked.getColumn(0).getInt64();
      const double rank = ranked.getColumn(1).getDouble();
      doc.bind(1, rowid);
      if (doc.executeStep() && passes(options, doc) && seen.insert(doc.getColumn(0).getInt64()).second) {
        SearchHit hit;
        hit.score = round4(-rank);
        hit.locale = doc.getColumn(1).getString();
        hit.signature = doc.getColumn(2).getString();
        hit.id = doc.getColumn(3).getString();
        hit.domain = doc.getColumn(4).getString();
        hit.category = doc.getColumn(5).getString();
        hits.push_back(std::move(hit));
        rowids.push_back(rowid);
      }
      doc.reset();
    }
    ranked.reset();
    // Done when enough records were found or every match was read.
    if (hits.size() >= options.limit || rows < window) break;
  }

  // Snippets only for the rows shown: snippet() tokenizes whole documents.
  SQLite::Statement snippet(db.sql(), "SELECT snippet(" + table + ", -1, ?, ?, '…', 16) FROM " + table +
                                        " WHERE " + table + " MATCH ? AND rowid = ?");
  for (std::size_t i = 0; i < hits.size(); ++i) {
    snippet.bind(1, options.highlight_open);
    snippet.bind(2, options.highlight_close);
    snippet.bind(3, attempt.expression);
    snippet.bind(4, rowids[i]);
    if (snippet.executeStep() && !snippet.getColumn(0).isNull()) hits[i].snippet = snippet.getColumn(0).getString();
    snippet.reset();
  }
  return hits;
}

} // namespace

SearchResponse search(db::Database& db, std::string_view query, const SearchOptions& options) {
  SearchResponse response;
  response.query = std::string(query);
  const std::vector<Attempt> attempts = plan(query, options.syntax);
  if (options.limit == 0) return response;
  for (const Attempt& attempt : attempts) {
    response.index = attempt.index;
    try {
      response.results = run(db, attempt, options);
    } catch (const SQLite::Exception& error) {
      rethrow(db, error, options.syntax);
    }
    if (!response.results.empty()) break;
  }
  return response;
}

nlohmann::ordered_json to_json(const SearchHit& hit) {
  return nlohmann::ordered_json{{"id", hit.id},           {"score", hit.score},
                                {"domain", hit.domain},   {"category", hit.category},
                                {"signature", hit.signature}, {"snippet", hit.snippet}};
}

nlohmann::ordered_json to_json(const SearchResponse& response) {
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (const auto& hit : response.results) results.push_back(to_json(hit));
  return nlohmann::ordered_json{{"query", response.query}, {"results", std::move(results)}};
}

const char* index_name(SearchIndex index) {
  switch (index) {
    case SearchIndex::words: return "words";
    case SearchIndex::trigram: return "trigram";
    case SearchIndex::prefix: return "prefix";
  }
  return "words";
}

} // namespace errkb::lookup
