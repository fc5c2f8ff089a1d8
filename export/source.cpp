#include "export/source.hpp"

#include "export/localize.hpp"
#include "schema/error.hpp"

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <set>
#include <thread>

namespace errkb::bundle {
namespace {

// Parses texts[begin, end); the first failure is kept in `error`.
void parse_range(const std::vector<std::string>& texts, std::vector<nlohmann::json>& records, std::size_t begin,
                 std::size_t end, std::exception_ptr& error) noexcept {
  try {
    for (std::size_t i = begin; i < end; ++i) records[i] = parse_stored_record(texts[i]);
  } catch (...) {
    error = std::current_exception();
  }
}

} // namespace

struct DatabaseSource::Impl {
  db::Database& db;
  std::optional<SQLite::Transaction> transaction;
  std::optional<SQLite::Statement> query;
  std::size_t stale = 0;
  bool done = false;

  explicit Impl(db::Database& database) : db(database) {}

  template <class F> decltype(auto) guarded(F&& f) {
    try {
      return f();
    } catch (const SQLite::Exception& error) {
      throw StoreError("database " + db.path() + ": " + error.what());
    }
  }
};

DatabaseSource::DatabaseSource(db::Database& db) : m_impl(std::make_unique<Impl>(db)) {
  m_impl->guarded([&] {
    m_impl->transaction.emplace(db.sql());
    m_impl->query.emplace(db.sql(), "SELECT json, stale FROM records ORDER BY id");
  });
}

// Rolls the read transaction back (it changed nothing).
DatabaseSource::~DatabaseSource() = default;

std::vector<std::string> DatabaseSource::locales() {
  return m_impl->guarded([&] {
    // search_docs holds one row per record and locale: its base locale and the
    // locale of every translation key (see db/migrations/0001_initial.sql).
    SQLite::Statement query(m_impl->db.sql(), "SELECT DISTINCT locale FROM search_docs ORDER BY locale");
    std::vector<std::string> locales;
    while (query.executeStep()) locales.push_back(query.getColumn(0).getString());
    return locales;
  });
}

bool DatabaseSource::read(std::vector<std::string>& texts, std::size_t max) {
  return m_impl->guarded([&] {
    std::size_t count = 0;
    while (count < max && !m_impl->done) {
      if (!m_impl->query->executeStep()) {
        m_impl->done = true; // SQLiteCpp refuses to step a finished statement
        break;
      }
      const SQLite::Column json = m_impl->query->getColumn(0);
      texts.emplace_back(json.getText(), static_cast<std::size_t>(json.getBytes()));
      m_impl->stale += m_impl->query->getColumn(1).getInt() != 0;
      ++count;
    }
    return count > 0;
  });
}

std::size_t DatabaseSource::flagged_stale() const { return m_impl->stale; }

MemorySource::MemorySource(std::vector<nlohmann::json> records) : m_records(std::move(records)) {
  std::sort(m_records.begin(), m_records.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return a.at("id").get_ref<const std::string&>() < b.at("id").get_ref<const std::string&>();
  });
}

std::vector<std::string> MemorySource::locales() {
  std::set<std::string> locales;
  for (const auto& record : m_records) collect_locales(record, locales);
  return {locales.begin(), locales.end()};
}

bool MemorySource::read(std::vector<std::string>& texts, std::size_t max) {
  std::size_t count = 0;
  for (; count < max && m_next < m_records.size(); ++count) texts.push_back(m_records[m_next++].dump());
  return count > 0;
}

nlohmann::json parse_stored_record(const std::string& text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    const auto at = text.find("\"id\":\"");
    const std::string id = at == std::string::npos ? "?" : text.substr(at + 6, text.find('"', at + 6) - at - 6);
    throw StoreError("record " + id + " has unreadable JSON in the database: " + error.what());
  }
}

void parse_records(const std::vector<std::string>& texts, std::vector<nlohmann::json>& records) {
  records.resize(texts.size());
  std::exception_ptr first, second;
  const std::size_t half = texts.size() / 2;
  if (texts.size() >= 64) {
    std::thread helper(parse_range, std::cref(texts), std::ref(records), half, texts.size(), std::ref(second));
    parse_range(texts, records, 0, half, first);
    helper.join();
  } else {
    parse_range(texts, records, 0, texts.size(), first);
  }
  if (first || second) std::rethrow_exception(first ? first : second);
}

} // namespace errkb::bundle
