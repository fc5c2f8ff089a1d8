#pragma once
// `errkb search`: full-text search of the records, ranked by bm25.
#include "db/database.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace errkb::lookup {

// How the query text is read.
enum class QuerySyntax {
  safe, // words; each whitespace-separated chunk becomes a quoted FTS5 string
  raw,  // FTS5 query syntax as given (AND, OR, NOT, NEAR, "phrases", prefix*, column:)
};

// Which index answered: words (unicode61), substrings (trigram), or word prefixes
// (unicode61, for queries of fewer than three characters).
enum class SearchIndex { words, trigram, prefix };

struct SearchOptions {
  std::size_t limit = 10;
  // Filters; empty / nullopt = any.
  std::string domain;
  std::string category;
  std::string locale; // the language of the text that matched
  std::string tier;   // verification_tier
  std::optional<double> min_confidence;
  QuerySyntax syntax = QuerySyntax::safe;
  // Markers around each hit in the snippet.
  std::string highlight_open = "**";
  std::string highlight_close = "**";
};

struct SearchHit {
  std::string id;
  double score = 0; // -bm25 (higher is better), rounded to 4 decimals
  std::string domain;
  std::string category;
  std::string signature; // in the locale that matched when the record has it translated
  std::string snippet;   // the best-matching text, hits between highlight markers
  std::string locale;    // the locale of the text that matched
};

struct SearchResponse {
  std::string query;
  SearchIndex index = SearchIndex::words;
  std::vector<SearchHit> results; // best first, one per record; withdrawn records excluded
};

// Searches `db` for `query`. Safe syntax: every chunk must occur (as a phrase of
// its words, so `bnb_4bit_compute_dtype`, `torch.float16`, `port:8080` and `"abc`
// are plain text); when nothing matches, chunks are retried as substrings
// (trigram), then any chunk may match. Text in a script written without spaces
// (Chinese, Japanese, Korean, Thai) is searched as substrings; a query shorter
// than three characters as a word prefix.
// Throws UsageError when the query has nothing to search for, or when a raw
// query is not valid FTS5 syntax; StoreError on database failures.
SearchResponse search(db::Database& db, std::string_view query, const SearchOptions& options = {});

// {"query": ..., "results": [{"id", "score", "domain", "category", "signature", "snippet"}, ...]}.
nlohmann::ordered_json to_json(const SearchResponse& response);

// One result as {"id", "score", "domain", "category", "signature", "snippet"}.
nlohmann::ordered_json to_json(const SearchHit& hit);

// "words" / "trigram" / "prefix".
const char* index_name(SearchIndex index);

} // namespace errkb::lookup
