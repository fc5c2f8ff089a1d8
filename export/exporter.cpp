#include "export/exporter.hpp"

#include "export/bundle_schema.hpp"
#include "export/json_text.hpp"
#include "export/localize.hpp"
#include "export/sha256.hpp"
#include "export/stats.hpp"
#include "schema/error.hpp"
#include "schema/record.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <exception>
#include <fcntl.h>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sys/mman.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace errkb::bundle {
namespace {

using nlohmann::json;

constexpr std::string_view k_index_columns =
    R"(["id","signature","regex","domain","category","resolvable","confidence","fix_success_rate","dead_ends","workarounds","withdrawn"])";

const std::string& string_field(const json& record, const char* key) {
  static const std::string empty;
  auto it = record.find(key);
  return (it != record.end() && it->is_string()) ? it->get_ref<const std::string&>() : empty;
}

std::size_t array_size(const json& record, const char* key) {
  auto it = record.find(key);
  return (it != record.end() && it->is_array()) ? it->size() : 0;
}

const json& value_or_null(const json& record, const char* key) {
  static const json null;
  auto it = record.find(key);
  return it != record.end() ? *it : null;
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// [a-z0-9]+([._-][a-z0-9]+)*: domains become file names, so check rather than trust.
bool is_slug(const std::string& text) {
  if (text.empty() || !is_lower_alnum(text.front()) || !is_lower_alnum(text.back())) return false;
  for (std::size_t i = 1; i < text.size(); ++i) {
    const bool separator = text[i] == '.' || text[i] == '_' || text[i] == '-';
    if (!separator && !is_lower_alnum(text[i])) return false;
    if (separator && !is_lower_alnum(text[i - 1])) return false;
  }
  return true;
}

bool is_locale_tag(std::string_view tag) {
  // A translation key with this locale parses exactly when the tag is well formed.
  auto key = schema::parse_translation_key("signature_" + std::string(tag));
  return key && key->locale == tag;
}

// A read-only memory map of a whole file, its page table filled at once
// (MAP_POPULATE: one call rather than a page fault per 4 KiB page read).
class MappedFile {
public:
  explicit MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw_system_error("cannot read " + path, errno);
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
      m_size = static_cast<std::size_t>(st.st_size);
      void* data = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (data == MAP_FAILED) {
        const int error = errno;
        ::close(fd);
        throw_system_error("cannot map " + path, error);
      }
      m_data = static_cast<const char*>(data);
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (m_data != nullptr) ::munmap(const_cast<char*>(m_data), m_size);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view view(std::uint64_t offset, std::size_t length) const { return {m_data + offset, length}; }

private:
  const char* m_data = nullptr;
  std::size_t m_size = 0;
};

struct LocaleResult {
  std::vector<FileEntry> files;
  json summary;
};

// One record rendered in one locale: its records.jsonl line and index row.
struct Rendered {
  std::string line; // without the newline
  std::string row;  // without the separator
  Status status = Status::source;
};

// Renders `record`, parsed from `stored` bytes of JSON, in `locale` into `out`
// (reusing its buffers).
void render(const json& record, std::size_t stored, const std::string& locale, Rendered& out) {
  out.line.clear();
  // A line is about twice its stored JSON (localization pointers, wider escapes):
  // one allocation rather than a dozen reallocations while it grows.
  out.line.reserve(2 * stored + 1024);
  const Localized localized = localize_record(out.line, record, locale);
  out.status = localized.status;
  std::string& row = out.row;
  row.assign("[");
  append_json_string(row, string_field(record, "id"));
  row += ',';
  append_json_string(row, localized.signature != nullptr ? *localized.signature : std::string());
  for (const char* key : {"regex", "domain", "category", "resolvable"}) {
    row += ',';
    append_json_string(row, string_field(record, key));
  }
  for (const char* key : {"confidence", "fix_success_rate"}) {
    row += ',';
    append_json(row, value_or_null(record, key));
  }
  row += ',' + std::to_string(array_size(record, "dead_ends")) + ',' +
         std::to_string(array_size(record, "workarounds")) + (record.contains("withdrawn") ? ",true]" : ",false]");
}

// One locale's folder: records.jsonl and index.json written as records come,
// domains/*.json at the end from the lines of records.jsonl.
class LocaleWriter {
public:
  LocaleWriter(const std::string& dir, std::string locale)
      : m_locale(std::move(locale)), m_folder(make_folders(dir, m_locale)),
        m_records(m_folder + "/records.jsonl", m_locale + "/records.jsonl"),
        m_index(m_folder + "/index.json", m_locale + "/index.json") {
    std::string header = R"({"format":"errkb-index","format_version":1,"locale":)";
    append_json_string(header, m_locale);
    header += ",\"columns\":";
    header += k_index_columns;
    header += ",\"rows\":[";
    m_index.write(header);
  }

  const std::string& locale() const noexcept { return m_locale; }

  // Adds the next record (records come in id order), rendered in this locale.
  void add(const json& record, const Rendered& rendered) {
    const std::string& domain = string_field(record, "domain");
    if (!is_slug(domain))
      throw Error("record " + string_field(record, "id") + ": domain '" + domain + "' is not a valid file name");
    m_lines.push_back({m_records.size(), rendered.line.size()});
    m_records.write(rendered.line);
    m_records.write("\n");
    m_domains[domain].push_back(m_lines.size() - 1);
    ++m_statuses[status_name(rendered.status)];
    m_withdrawn += record.contains("withdrawn") ? 1 : 0;
    m_index.write(m_lines.size() == 1 ? "\n" : ",\n");
    m_index.write(rendered.row);
  }

  LocaleResult finish() {
    LocaleResult result;
    m_index.write("\n]}\n");
    result.files.push_back(m_records.finish());
    result.files.push_back(m_index.finish());

    // Domain bundles copy the lines of records.jsonl, byte for byte.
    json domain_counts = json::object();
    if (!m_lines.empty()) {
      const MappedFile mapped(m_folder + "/records.jsonl");
      for (const auto& [domain, members] : m_domains) {
        const std::string name = "domains/" + domain + ".json";
        OutputFile file(m_folder + "/" + name, m_locale + "/" + name);
        std::string header = "{\"format\":\"errkb-domain-bundle\",\"format_version\":1,\"locale\":";
        append_json_string(header, m_locale);
        header += ",\"domain\":";
        append_json_string(header, domain);
        header += ",\"record_count\":" + std::to_string(members.size()) + ",\"records\":[";
        file.write(header);
        for (std::size_t k = 0; k < members.size(); ++k) {
          file.write(k == 0 ? "\n" : ",\n");
          file.write(mapped.view(m_lines[members[k]].offset, m_lines[members[k]].length));
        }
        file.write("\n]}\n");
        result.files.push_back(file.finish());
        domain_counts[domain] = members.size();
      }
    }
    result.summary = {
        {"records", m_lines.size()}, {"withdrawn", m_withdrawn}, {"domains", domain_counts}, {"status", m_statuses}};
    return result;
  }

private:
  static std::string make_folders(const std::string& dir, const std::string& locale) {
    const std::string folder = dir + "/" + locale;
    make_directory(folder);
    make_directory(folder + "/domains");
    return folder;
  }

  struct Line {
    std::uint64_t offset = 0;
    std::size_t length = 0; // without the newline
  };

  std::string m_locale;
  std::string m_folder;
  OutputFile m_records;
  OutputFile m_index;
  std::vector<Line> m_lines;
  std::map<std::string, std::vector<std::size_t>> m_domains;
  std::map<std::string, std::size_t> m_statuses{{"source", 0}, {"translated", 0}, {"partial", 0}, {"fallback", 0}};
  std::size_t m_withdrawn = 0;
};

// Runs work(0) on this thread and work(1) on another; rethrows the first exception.
void run_on_two_threads(const std::function<void(std::size_t)>& work) {
  std::exception_ptr errors[2];
  auto guarded = [&](std::size_t worker) {
    try {
      work(worker);
    } catch (...) {
      errors[worker] = std::current_exception();
    }
  };
  std::thread helper(guarded, 1);
  guarded(0);
  helper.join();
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

FileEntry write_text_file(const std::string& dir, const std::string& name, std::string_view text) {
  OutputFile file(dir + "/" + name, name);
  file.write(text);
  return file.finish();
}

} // namespace

std::vector<std::string> parse_locale_list(std::string_view list) {
  std::set<std::string> locales;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string_view::npos) end = list.size();
    std::string_view item = list.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!is_locale_tag(item))
      throw UsageError("--locales: '" + std::string(item) + "' is not a language tag (lowercase, e.g. en, zh, pt-br)");
    locales.insert(std::string(item));
    start = end + 1;
  }
  return {locales.begin(), locales.end()};
}

ExportSummary write_bundle(RecordSource& source, const std::string& dir, const ExportOptions& options) {
  ExportSummary summary;
  summary.locales = options.locales.empty() ? source.locales() : options.locales;
  for (const auto& locale : summary.locales) {
    // --locales was checked by parse_locale_list; anything else here came from the database.
    if (!is_locale_tag(locale))
      throw StoreError("the database holds locale '" + locale + "', which is not a language tag; refusing to export it");
  }
  // Opened before any file is written: see FolderSync.
  FolderSync durable(dir);
  std::vector<std::unique_ptr<LocaleWriter>> writers;
  for (const auto& locale : summary.locales) writers.push_back(std::make_unique<LocaleWriter>(dir, locale));

  // Batch by batch: two threads parse and render half of the records each in
  // every locale; then this thread writes them in order and counts the statistics.
  StatsBuilder stats;
  Sha256 content;
  std::vector<std::string> texts;
  std::vector<json> batch;
  std::vector<std::vector<Rendered>> rendered(writers.size()); // [locale][record], buffers reused
  std::string last_id;
  while (source.read(texts, std::max<std::size_t>(options.batch_size, 1))) {
    batch.resize(texts.size());
    for (auto& per_locale : rendered) per_locale.resize(texts.size());
    auto work = [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        batch[i] = parse_stored_record(texts[i]);
        for (std::size_t j = 0; j < writers.size(); ++j)
          render(batch[i], texts[i].size(), writers[j]->locale(), rendered[j][i]);
      }
    };
    const std::size_t half = texts.size() / 2;
    if (texts.size() >= 16) {
      run_on_two_threads([&](std::size_t worker) { worker == 0 ? work(0, half) : work(half, texts.size()); });
    } else {
      work(0, texts.size());
    }

    for (std::size_t i = 0; i < batch.size(); ++i) {
      const json& record = batch[i];
      const std::string& id = string_field(record, "id");
      if (summary.records > 0 && !(last_id < id)) throw Error("records are not in id order at '" + id + "'");
      ++summary.records;
      last_id = id;
      summary.withdrawn += record.contains("withdrawn") ? 1 : 0;
      content.update(texts[i]);
      content.update("\n");
      for (std::size_t j = 0; j < writers.size(); ++j) writers[j]->add(record, rendered[j][i]);
      stats.add(record);
    }
    texts.clear();
  }
  summary.flagged_stale = source.flagged_stale();
  summary.content_sha256 = content.finish();

  std::vector<LocaleResult> results(writers.size());
  run_on_two_threads([&](std::size_t worker) {
    for (std::size_t j = worker; j < writers.size(); j += 2) results[j] = writers[j]->finish();
  });
  writers.clear();

  json locales = json::object();
  for (std::size_t k = 0; k < results.size(); ++k) {
    locales[summary.locales[k]] = std::move(results[k].summary);
    for (auto& file : results[k].files) summary.files.push_back(std::move(file));
  }

  const AsOf stats_as_of =
      options.as_of ? *options.as_of
                    : stats.newest_record_date().value_or(*as_of_date("1970-01-01", AsOfSource::newest_record));
  summary.files.push_back(write_text_file(dir, "stats.json", stats.finish(stats_as_of).dump(2) + "\n"));
  std::sort(summary.files.begin(), summary.files.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });

  json files = json::array();
  for (const auto& file : summary.files)
    files.push_back({{"path", file.path}, {"size", file.size}, {"sha256", file.sha256}});
  // Keys in reading order (format first, the long file list last), unlike the sorted JSON elsewhere.
  const nlohmann::ordered_json manifest{
      {"format", "errkb-bundle"},
      {"format_version", k_format_version},
      {"schema_version", schema::k_schema_version},
      {"as_of", options.as_of ? json(options.as_of->date) : json(nullptr)},
      {"generated_at",
       options.as_of && !options.as_of->timestamp.empty() ? json(options.as_of->timestamp) : json(nullptr)},
      {"source",
       {{"records", summary.records}, {"withdrawn", summary.withdrawn}, {"content_sha256", summary.content_sha256}}},
      {"locales", nlohmann::ordered_json(locales)},
      {"files", nlohmann::ordered_json(files)}};
  summary.files.push_back(write_text_file(dir, "manifest.json", manifest.dump(2) + "\n"));
  std::sort(summary.files.begin(), summary.files.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });

  std::string sums;
  for (const auto& file : summary.files) sums += file.sha256 + "  " + file.path + "\n";
  summary.files.push_back(write_text_file(dir, "SHA256SUMS", sums));

  // Every file and folder durable at once, after the last one was written.
  for (const auto& locale : summary.locales) {
    durable.add_folder(dir + "/" + locale);
    durable.add_folder(dir + "/" + locale + "/domains");
  }
  for (const auto& file : summary.files) durable.add(dir + "/" + file.path);
  durable.sync();
  return summary;
}

ExportSummary export_bundle(RecordSource& source, const std::string& out_dir, const ExportOptions& options) {
  std::vector<std::string> recovered = recover(out_dir);
  Staging staging(out_dir);
  ExportSummary summary = write_bundle(source, staging.path(), options);
  staging.publish(options.replace_mode, options.hook);
  summary.recovered = std::move(recovered);
  return summary;
}

} // namespace errkb::bundle
