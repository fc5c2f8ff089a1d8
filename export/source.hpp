#pragma once
// The records an export or `errkb stats` reads: in id order, in batches, so that
// memory stays bounded whatever the number of records.
#include "db/database.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace errkb::bundle {

class RecordSource {
public:
  virtual ~RecordSource() = default;

  // Every locale present, sorted: the records' base locales and the locale of
  // each `<field>_<locale>` key.
  virtual std::vector<std::string> locales() = 0;

  // Appends to `texts` the canonical JSON (compact, sorted keys) of up to `max`
  // next records in id order (bytewise); false when no record was left.
  virtual bool read(std::vector<std::string>& texts, std::size_t max) = 0;

  // Records read so far that the database flags stale (their file no longer validates).
  virtual std::size_t flagged_stale() const { return 0; }
};

// The records of a database, read in one consistent snapshot (one read
// transaction from construction to destruction, so a concurrent ingest is
// either wholly seen or not at all).
class DatabaseSource final : public RecordSource {
public:
  // `db` must outlive the source. Throws StoreError when the database cannot be read.
  explicit DatabaseSource(db::Database& db);
  ~DatabaseSource() override;
  DatabaseSource(const DatabaseSource&) = delete;
  DatabaseSource& operator=(const DatabaseSource&) = delete;

  std::vector<std::string> locales() override;
  bool read(std::vector<std::string>& texts, std::size_t max) override;
  std::size_t flagged_stale() const override;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Records held in memory (each with a string `id`), as a database would give
// them after an ingest: for tests and benchmarks.
class MemorySource final : public RecordSource {
public:
  explicit MemorySource(std::vector<nlohmann::json> records);

  std::vector<std::string> locales() override;
  bool read(std::vector<std::string>& texts, std::size_t max) override;

private:
  std::vector<nlohmann::json> m_records; // sorted by id
  std::size_t m_next = 0;
};

// Parses the stored JSON `text` of a record. Throws StoreError naming the record
// when it is not valid JSON.
nlohmann::json parse_stored_record(const std::string& text);

// Parses `texts` into `records` (resized to match), on two threads when there
// are enough. Throws StoreError naming the first record that is not valid JSON.
void parse_records(const std::vector<std::string>& texts, std::vector<nlohmann::json>& records);

} // namespace errkb::bundle
