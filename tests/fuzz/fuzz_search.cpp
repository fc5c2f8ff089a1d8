// libFuzzer harness: `errkb search` query text. The first byte picks the syntax
// and filters; the rest is the query. A safe query must never reach SQLite as
// syntax: its only allowed failure is UsageError (nothing to search for). A raw
// query may be rejected with UsageError (invalid FTS5), never fail otherwise.
#include "fuzz_db.hpp"
#include "lookup/search.hpp"
#include "lookup/text.hpp"
#include "schema/error.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto& db = errkb::fuzz::records_db();
  const std::uint8_t mode = data[0];
  const std::string_view query(reinterpret_cast<const char*>(data + 1), size - 1);

  // Every chunk becomes one FTS5 string: quoted, inner quotes doubled.
  for (const auto& chunk : errkb::lookup::query_chunks(query)) {
    const std::string quoted = errkb::lookup::fts_string(chunk);
    if (quoted.size() < 2 || quoted.front() != '"' || quoted.back() != '"') std::abort();
    for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
      if (quoted[i] == '"' && quoted[++i] != '"') std::abort(); // a lone quote would end the string
    }
  }

  errkb::lookup::SearchOptions options;
  options.syntax = (mode & 1) ? errkb::lookup::QuerySyntax::raw : errkb::lookup::QuerySyntax::safe;
  options.limit = 1 + (mode >> 1 & 7);
  if (mode & 16) options.locale = "zh";
  if (mode & 32) options.domain = "python";
  if (mode & 64) options.min_confidence = 0.5;
  try {
    const auto response = errkb::lookup::search(db, query, options);
    if (response.results.size() > options.limit) std::abort();
    (void)errkb::lookup::to_json(response).dump();
  } catch (const errkb::UsageError&) {
    // Nothing to search for, or (raw) not FTS5 syntax: the user's mistake, reported clearly.
  } catch (const std::exception& error) {
    std::fprintf(stderr, "search (%s) threw: %s\n", (mode & 1) ? "raw" : "safe", error.what());
    std::abort();
  }
  return 0;
}
