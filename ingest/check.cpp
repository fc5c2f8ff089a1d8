#include "ingest/check.hpp"

#include "schema/record.hpp"
#include "schema/validator.hpp"

#include <algorithm>
#include <atomic>
#include <future>
#include <sys/stat.h>
#include <thread>

namespace errkb::ingest {
namespace {

const schema::Validator& validator() {
  static const schema::Validator instance;
  return instance;
}

void check_one(const std::string& path, const CheckOptions& options, const SkipFilter& skip, CheckedFile& out) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    out.size = static_cast<std::size_t>(info.st_size);
    out.mtime_ns = static_cast<long long>(info.st_mtim.tv_sec) * 1'000'000'000LL + info.st_mtim.tv_nsec;
  }
  if (skip && skip(path, out.size, out.mtime_ns)) {
    out.file.path = path;
    return;
  }
  out.file = load_file(path, options.limits);
  out.diagnostics = out.file.diagnostics;
  out.record_valid.assign(out.file.records.size(), true);
  for (std::size_t i = 0; i < out.file.records.size(); ++i) {
    const auto& record = out.file.records[i];
    if (!record.value.is_object()) {
      out.record_valid[i] = false;
      out.diagnostics.push_back({Severity::error, "schema", path, record.line, "",
                                 std::string("a record must be a JSON object, got ") + record.value.type_name()});
      continue;
    }
    for (auto& diagnostic : validator().validate(record.value)) {
      diagnostic.file = path;
      diagnostic.line = out.file.line_of(i, diagnostic.pointer);
      out.diagnostics.push_back(std::move(diagnostic));
      out.record_valid[i] = false;
    }
  }
}

} // namespace

void check_files(const std::vector<std::string>& files, const CheckOptions& options,
                 const std::function<void(CheckedFile&)>& sink, const SkipFilter& skip) {
  const unsigned threads = options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  constexpr std::size_t k_window = 256;

  // Workers fill window k+1 while the caller consumes window k.
  auto process = [&](std::size_t begin, std::size_t end) {
    std::vector<CheckedFile> batch(end - begin);
    std::atomic<std::size_t> next{begin};
    auto work = [&] {
      for (std::size_t i = next++; i < end; i = next++) check_one(files[i], options, skip, batch[i - begin]);
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads && t < end - begin; ++t) pool.emplace_back(work);
    work();
    for (auto& thread : pool) thread.join();
    return batch;
  };

  std::size_t begin = 0;
  std::future<std::vector<CheckedFile>> pending;
  if (begin < files.size())
    pending = std::async(std::launch::async, process, begin, std::min(files.size(), begin + k_window));
  while (pending.valid()) {
    std::vector<CheckedFile> batch = pending.get();
    begin += batch.size();
    if (begin < files.size())
      pending = std::async(std::launch::async, process, begin, std::min(files.size(), begin + k_window));
    for (auto& file : batch) sink(file);
  }
}

void CrossChecker::add(const CheckedFile& checked) {
  for (std::size_t i = 0; i < checked.file.records.size(); ++i) {
    if (!checked.record_valid[i]) continue;
    const auto& record = checked.file.records[i].value;
    const std::string& id = record.at("id").get_ref<const std::string&>();
    const int line = checked.file.line_of(i, "/id");
    auto [it, inserted] = m_ids.emplace(id, std::make_pair(checked.file.path, line));
    if (!inserted) {
      m_duplicates.push_back({Severity::error, "duplicate-id", checked.file.path, line, "/id",
                              "duplicate id '" + id + "' (first defined at " + it->second.first + ":" +
                                  std::to_string(it->second.second) + ")"});
    }
    for (auto& edge : schema::graph_edges(record))
      m_edges.push_back(
          {checked.file.path, checked.file.line_of(i, edge.pointer), edge.pointer, std::move(edge.target)});
  }
}

std::vector<Diagnostic> CrossChecker::finish(const std::function<bool(const std::string&)>& known_elsewhere) const {
  std::vector<Diagnostic> out = m_duplicates;
  for (const auto& edge : m_edges) {
    if (m_ids.count(edge.target) != 0 || (known_elsewhere && known_elsewhere(edge.target))) continue;
    out.push_back({Severity::error, "graph-target", edge.file, edge.line, edge.pointer,
                   "transition-graph target '" + edge.target + "' is not a known record id"});
  }
  return out;
}

ValidateReport validate_paths(const std::vector<std::string>& paths, const CheckOptions& options,
                              const std::function<void(std::size_t, std::size_t)>& progress) {
  ValidateReport report;
  WalkResult walked = collect_files(paths, options.walk);
  report.diagnostics = std::move(walked.diagnostics);
  CrossChecker cross;
  std::size_t done = 0;
  check_files(walked.files, options, [&](CheckedFile& checked) {
    ++report.files;
    report.records += checked.file.records.size();
    report.invalid_records +=
        static_cast<std::size_t>(std::count(checked.record_valid.begin(), checked.record_valid.end(), false));
    cross.add(checked);
    for (auto& diagnostic : checked.diagnostics) report.diagnostics.push_back(std::move(diagnostic));
    if (progress) progress(++done, walked.files.size());
  });
  for (auto& diagnostic : cross.finish()) report.diagnostics.push_back(std::move(diagnostic));
  sort_unique(report.diagnostics);
  return report;
}

} // namespace errkb::ingest
