#include "ingest/check.hpp"

#include "schema/record.hpp"
#include "schema/validator.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
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
  if ((options.fingerprint || skip) && ::stat(path.c_str(), &info) == 0) {
    out.size = static_cast<std::size_t>(info.st_size);
    out.mtime_ns = static_cast<long long>(info.st_mtim.tv_sec) * 1'000'000'000LL + info.st_mtim.tv_nsec;
  }
  if (skip && skip(path, out.size, out.mtime_ns)) {
    out.file.path = path;
    return;
  }
  out.file = load_file(path, options.limits, options.fingerprint);
  out.diagnostics = out.file.diagnostics;
  out.record_valid.assign(out.file.records.size(), true);
  if (options.keep_regexes) out.regexes.resize(out.file.records.size());
  for (std::size_t i = 0; i < out.file.records.size(); ++i) {
    const auto& record = out.file.records[i];
    if (!record.value.is_object()) {
      out.record_valid[i] = false;
      out.diagnostics.push_back({Severity::error, "schema", path, record.line, "",
                                 std::string("a record must be a JSON object, got ") + record.value.type_name()});
      continue;
    }
    for (auto& diagnostic : validator().validate(record.value, options.keep_regexes ? &out.regexes[i] : nullptr)) {
      diagnostic.file = path;
      diagnostic.line = out.file.line_of(i, diagnostic.pointer);
      out.diagnostics.push_back(std::move(diagnostic));
      out.record_valid[i] = false;
    }
    if (!out.record_valid[i] && options.keep_regexes) out.regexes[i].reset();
  }
  if (options.after_check) options.after_check(out);
}

} // namespace

void check_files(const std::vector<std::string>& files, const CheckOptions& options,
                 const std::function<void(CheckedFile&)>& sink, const SkipFilter& skip) {
  const std::size_t n = files.size();
  if (n == 0) return;
  const unsigned threads = options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  // A ring of k_window slots: workers check files up to k_window ahead of the
  // caller, which hands them to `sink` in order. The workers live for the whole
  // run, so their thread-local caches (compiled schema patterns) are built once.
  // They take k_batch files at a time and each side wakes the other only when it
  // waits: a futex call per file costs more than the bookkeeping it saves.
  constexpr std::size_t k_window = 512;
  const std::size_t k_batch = std::clamp<std::size_t>(n / (8 * threads), 1, 32); // small runs still spread

  std::vector<CheckedFile> ring(std::min(n, k_window));
  std::vector<char> ready(ring.size(), 0);
  std::mutex mutex;
  std::condition_variable slot_ready; // a worker filled slots (the caller waits on it)
  std::condition_variable slot_free;  // the caller emptied slots (workers wait on it)
  bool caller_waiting = false;
  int workers_waiting = 0;
  std::size_t next = 0;     // next file a worker takes
  std::size_t consumed = 0; // files handed to `sink`
  bool stop = false;
  std::exception_ptr failure;

  auto work = [&] {
    std::vector<CheckedFile> batch;
    for (;;) {
      std::size_t begin = 0, end = 0;
      {
        std::unique_lock<std::mutex> lock(mutex);
        while (!stop && next < n && next >= consumed + ring.size()) {
          ++workers_waiting;
          slot_free.wait(lock);
          --workers_waiting;
        }
        if (stop || next >= n) return;
        begin = next;
        end = std::min({n, begin + k_batch, consumed + ring.size()});
        next = end;
      }
      batch.clear();
      batch.resize(end - begin);
      try {
        for (std::size_t i = begin; i < end; ++i) check_one(files[i], options, skip, batch[i - begin]);
      } catch (...) { // only std::bad_alloc can get here
        const std::lock_guard<std::mutex> lock(mutex);
        if (!failure) failure = std::current_exception();
        stop = true;
        slot_ready.notify_all();
        slot_free.notify_all();
        return;
      }
      const std::lock_guard<std::mutex> lock(mutex);
      for (std::size_t i = begin; i < end; ++i) {
        // The slot holds the file the caller handed to `sink` last time round:
        // `batch` takes it, and batch.clear() frees it here, off the caller's thread.
        std::swap(ring[i % ring.size()], batch[i - begin]);
        ready[i % ring.size()] = 1;
      }
      if (caller_waiting) slot_ready.notify_one();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads && t < n; ++t) pool.emplace_back(work);
  auto finish = [&] {
    {
      const std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    slot_free.notify_all();
    for (auto& thread : pool) thread.join();
  };

  try {
    for (std::size_t i = 0; i < n; ++i) {
      CheckedFile checked;
      {
        std::unique_lock<std::mutex> lock(mutex);
        while (failure == nullptr && ready[i % ring.size()] == 0) {
          caller_waiting = true;
          slot_ready.wait(lock);
          caller_waiting = false;
        }
        if (failure) break;
        checked = std::move(ring[i % ring.size()]);
        ready[i % ring.size()] = 0;
      }
      sink(checked);
      // The slot is released only now, with the spent file in it for a worker to
      // free (its records' DOMs: the caller, ingest's writer, is the bottleneck).
      // So up to a window of spent files is held besides the checked ones; the
      // last window's are freed here, with the ring.
      const std::lock_guard<std::mutex> lock(mutex);
      ring[i % ring.size()] = std::move(checked);
      ++consumed;
      if (workers_waiting > 0 && (consumed % k_batch == 0 || consumed == n)) slot_free.notify_all();
    }
  } catch (...) {
    finish();
    throw;
  }
  finish();
  if (failure) std::rethrow_exception(failure);
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

ValidateReport validate_paths(const std::vector<std::string>& paths, const CheckOptions& given,
                              const std::function<void(std::size_t, std::size_t)>& progress) {
  CheckOptions options = given;
  options.fingerprint = false;
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
