// errkb_match_eval: quality and speed of `errkb match` (and the speed of `errkb
// search`) on the deadends corpus, side by side with a naive scan that runs every
// regex on every message.
//
//   errkb_match_eval [--errkb PATH] [--db FILE | --work DIR] [--repeat N] [--synthetic N] [--verbose]
//
// Imports the corpus (`errkb import deadends`) into a scratch folder, ingests it,
// then prints precision@1, precision@3 and MRR on tests/data/match_scenarios.json,
// per-message times in-process (Matcher), one-shot through SQL (match_text) and by
// the naive scan, and the wall time of whole `errkb match` / `errkb search`
// commands. --synthetic N adds N generated records shaped like the corpus (their
// regexes are corpus regexes with the words replaced by other corpus words) and
// measures the same times at that size.
#include "db/database.hpp"
#include "importer/deadends.hpp"
#include "ingest/sync.hpp"
#include "lookup/evaluate.hpp"
#include "lookup/match.hpp"
#include "lookup/search.hpp"
#include "schema/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <random>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <ctime>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using errkb::lookup::MatchOptions;
using errkb::lookup::MatchResult;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// CPU time of the calling thread: on a machine shared with other jobs, wall time
// measures the neighbours as much as errkb.
double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

struct Summary {
  double mean = 0, median = 0, p95 = 0, max = 0;
};

Summary summarize(std::vector<double> values) {
  Summary s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  for (double v : values) s.mean += v;
  s.mean /= static_cast<double>(values.size());
  s.median = values[values.size() / 2];
  s.p95 = values[std::min(values.size() - 1, values.size() * 95 / 100)];
  s.max = values.back();
  return s;
}

std::string fixed(double value, int digits = 3) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << value;
  return out.str();
}

struct CommandTime {
  double wall_ms = 0;
  double cpu_ms = 0; // user + system time of the command
};

// Runs `argv` with stdout and stderr to /dev/null.
CommandTime run_command(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  const auto start = Clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) {
    posix_spawn_file_actions_destroy(&actions);
    throw std::runtime_error("cannot run " + argv[0]);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  CommandTime time;
  time.wall_ms = ms_since(start);
  time.cpu_ms = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
                static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
  posix_spawn_file_actions_destroy(&actions);
  if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) throw std::runtime_error("command failed: " + argv[0]);
  return time;
}

// Median wall and CPU time of `argv` over `runs` runs (after one warm-up).
CommandTime median_command(const std::vector<std::string>& argv, int runs) {
  run_command(argv);
  std::vector<double> wall, cpu;
  for (int i = 0; i < runs; ++i) {
    const CommandTime time = run_command(argv);
    wall.push_back(time.wall_ms);
    cpu.push_back(time.cpu_ms);
  }
  return {summarize(wall).median, summarize(cpu).median};
}

bool same_results(const std::vector<MatchResult>& a, const std::vector<MatchResult>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].id != b[i].id || a[i].line != b[i].line || a[i].score != b[i].score || a[i].matched != b[i].matched ||
        a[i].via != b[i].via) {
      return false;
    }
  }
  return true;
}

struct Timing {
  Summary cpu;  // thread CPU time per message
  double wall_mean = 0;
};

// Per-message time of `match` over every scenario input, `repeat` rounds after a warm-up.
template <class F>
Timing time_messages(const std::vector<errkb::lookup::Scenario>& scenarios, int repeat, F&& match, bool warm = true) {
  if (warm) {
    for (const auto& s : scenarios) match(s.input);
  }
  std::vector<double> cpu, wall;
  for (int r = 0; r < repeat; ++r) {
    for (const auto& s : scenarios) {
      const auto start = Clock::now();
      const double cpu_start = thread_cpu_ms();
      match(s.input);
      cpu.push_back(thread_cpu_ms() - cpu_start);
      wall.push_back(ms_since(start));
    }
  }
  return {summarize(cpu), summarize(wall).mean};
}

void print_summary(const char* label, const Summary& s, double wall_mean) {
  std::cout << "  " << std::left << std::setw(38) << label << std::right << " CPU mean " << std::setw(7)
            << fixed(s.mean) << " ms  median " << std::setw(7) << fixed(s.median) << "  p95 " << std::setw(7)
            << fixed(s.p95) << "  max " << std::setw(7) << fixed(s.max) << "   (wall mean " << fixed(wall_mean)
            << " ms)\n";
}

// Splits `text` into alphabetic words of 4+ letters.
std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      word += c;
    } else {
      if (word.size() >= 4) words.push_back(word);
      word.clear();
    }
  }
  if (word.size() >= 4) words.push_back(word);
  return words;
}

// `regex` with every run of 4+ ASCII letters outside escapes and classes replaced by a random vocabulary word.
std::string scramble(const std::string& regex, const std::vector<std::string>& vocabulary, std::mt19937& rng) {
  std::string out;
  std::size_t i = 0;
  int class_depth = 0;
  while (i < regex.size()) {
    const char c = regex[i];
    if (c == '\\' && i + 1 < regex.size()) {
      out += regex.substr(i, 2);
      i += 2;
      continue;
    }
    if (c == '[') ++class_depth;
    if (c == ']' && class_depth > 0) --class_depth;
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!letter || class_depth > 0) {
      out += c;
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < regex.size() && ((regex[j] >= 'a' && regex[j] <= 'z') || (regex[j] >= 'A' && regex[j] <= 'Z'))) ++j;
    // `(?i)` style flags and `{n,m}` stay as they are.
    const bool flag = i > 1 && regex[i - 1] == '?' && regex[i - 2] == '(';
    if (j - i >= 4 && !flag) {
      out += vocabulary[rng() % vocabulary.size()];
    } else {
      out += regex.substr(i, j - i);
    }
    i = j;
  }
  return out;
}

// Writes `count` synthetic records under `dir`, derived from the records under `records`.
std::size_t write_synthetic(const fs::path& records, const fs::path& dir, std::size_t count) {
  std::vector<nlohmann::ordered_json> bases;
  std::vector<std::string> vocabulary;
  for (const auto& entry : fs::recursive_directory_iterator(records)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    bases.push_back(nlohmann::ordered_json::parse(in));
    for (auto& w : words_of(bases.back().value("signature", ""))) vocabulary.push_back(w);
  }
  std::sort(bases.begin(), bases.end(), [](const auto& a, const auto& b) { return a["id"] < b["id"]; });
  std::sort(vocabulary.begin(), vocabulary.end());
  std::mt19937 rng(20240601);
  fs::create_directories(dir);
  std::ofstream out;
  for (std::size_t n = 0; n < count; ++n) {
    if (n % 1000 == 0) {
      out.close();
      out.open(dir / ("synthetic-" + std::to_string(n / 1000) + ".jsonl"));
    }
    nlohmann::ordered_json record = bases[n % bases.size()];
    // domain/slug[/env] -> domain/slug-synN[/env]
    std::string id = record["id"].get<std::string>();
    const auto second = id.find('/', id.find('/') + 1);
    id.insert(second == std::string::npos ? id.size() : second, "-syn" + std::to_string(n));
    record["id"] = id;
    record["regex"] = scramble(record["regex"].get<std::string>(), vocabulary, rng);
    std::string signature;
    for (std::size_t w = words_of(record["signature"].get<std::string>()).size(); w > 0; --w) {
      signature += (signature.empty() ? "" : " ") + vocabulary[rng() % vocabulary.size()];
    }
    record["signature"] = signature.empty() ? std::string("synthetic error") : signature;
    record.erase("transition_graph");
    out << record.dump() << "\n";
  }
  return count;
}

struct Options {
  fs::path scenarios = fs::path(ERRKB_SOURCE_DIR) / "tests/data/match_scenarios.json";
  fs::path corpus = fs::path(ERRKB_SHARED_DIR) / "corpus/deadends";
  fs::path errkb;
  fs::path work;
  fs::path db; // an ingested database to use instead of importing the corpus
  int repeat = 5;
  std::size_t synthetic = 0;
  bool verbose = false;
};

// Whole-command times: `errkb match FILE` on a few scenario inputs, `errkb search` on a few queries.
void time_commands(const Options& options, const fs::path& db, const std::vector<errkb::lookup::Scenario>& scenarios,
                   const fs::path& scratch) {
  if (options.errkb.empty() || !fs::exists(options.errkb)) {
    std::cout << "  (no errkb binary: pass --errkb PATH for whole-command times)\n";
    return;
  }
  const std::string errkb = options.errkb.string();
  std::vector<double> match_wall, match_cpu, search_wall, search_cpu;
  const std::size_t step = std::max<std::size_t>(1, scenarios.size() / 12);
  for (std::size_t i = 0; i < scenarios.size(); i += step) {
    const fs::path input = scratch / ("input-" + std::to_string(i) + ".log");
    std::ofstream(input) << scenarios[i].input;
    const auto time = median_command({errkb, "match", "--db", db.string(), "--format", "json", input.string()}, 5);
    match_wall.push_back(time.wall_ms);
    match_cpu.push_back(time.cpu_ms);
  }
  for (const char* query : {"port already allocated", "bnb_4bit_compute_dtype", "CUDA out of memory", "E0382",
                            "不兼容", "connection refused", "go", "torch.float16"}) {
    const auto time = median_command({errkb, "search", "--db", db.string(), "--format", "json", query}, 5);
    search_wall.push_back(time.wall_ms);
    search_cpu.push_back(time.cpu_ms);
  }
  print_summary("errkb match FILE (whole command)", summarize(match_cpu), summarize(match_wall).mean);
  print_summary("errkb search QUERY (whole command)", summarize(search_cpu), summarize(search_wall).mean);
}

void measure_speed(const Options& options, errkb::db::Database& db, const fs::path& db_path,
                   const std::vector<errkb::lookup::Scenario>& scenarios, const fs::path& scratch, bool compare) {
  MatchOptions core;
  core.details = errkb::lookup::Details::without;
  MatchOptions full;

  auto start = Clock::now();
  errkb::lookup::Matcher matcher(db);
  const double load_ms = ms_since(start);
  const Timing first = time_messages(
    scenarios, 1, [&](const std::string& s) { matcher.match(s, core); }, false);
  const Timing in_core = time_messages(scenarios, options.repeat, [&](const std::string& s) { matcher.match(s, core); });
  const Timing in_full = time_messages(scenarios, options.repeat, [&](const std::string& s) { matcher.match(s, full); });
  const Timing one_shot =
    time_messages(scenarios, 1, [&](const std::string& s) { errkb::lookup::match_text(db, s, full); });

  start = Clock::now();
  errkb::lookup::NaiveScanner naive(db);
  const double naive_load_ms = ms_since(start);
  const Timing naive_core = time_messages(scenarios, std::max(1, options.repeat / 2),
                                          [&](const std::string& s) { naive.match(s, core); });

  std::cout << "  Matcher load: " << fixed(load_ms, 1) << " ms for " << matcher.records() << " records ("
            << matcher.compiled() << " regexes compiled after the runs); naive scan compiles all "
            << "in " << fixed(naive_load_ms, 1) << " ms\n";
  print_summary("in-process, first sight (compiles)", first.cpu, first.wall_mean);
  print_summary("in-process match, ranking only", in_core.cpu, in_core.wall_mean);
  print_summary("in-process match, with details", in_full.cpu, in_full.wall_mean);
  print_summary("one-shot match through SQL", one_shot.cpu, one_shot.wall_mean);
  print_summary("naive scan (every regex, every line)", naive_core.cpu, naive_core.wall_mean);
  std::cout << "  naive scan / in-process (CPU mean, ranking only): " << fixed(naive_core.cpu.mean / in_core.cpu.mean, 1)
            << "x\n";
  if (options.verbose) {
    // The slowest inputs in-process, with what the prefilter let through.
    std::vector<std::pair<double, std::string>> slowest;
    for (const auto& s : scenarios) {
      const double begin = thread_cpu_ms();
      const auto response = matcher.match(s.input, core);
      const double ms = thread_cpu_ms() - begin;
      slowest.emplace_back(ms, s.name + ": " + std::to_string(response.stats.lines_examined) + " lines, " +
                                 std::to_string(response.stats.candidates) + " candidates, " +
                                 std::to_string(response.stats.regex_runs) + " regex runs, " +
                                 (response.results.empty() || response.results[0].via == errkb::lookup::Via::fts
                                    ? "fts"
                                    : "regex"));
    }
    std::sort(slowest.rbegin(), slowest.rend());
    for (std::size_t i = 0; i < std::min<std::size_t>(10, slowest.size()); ++i) {
      std::cout << "    " << fixed(slowest[i].first) << " ms  " << slowest[i].second << "\n";
    }
  }

  if (compare) {
    std::size_t same = 0;
    for (const auto& s : scenarios) {
      if (same_results(matcher.match(s.input, full).results, naive.match(s.input, full).results) &&
          same_results(errkb::lookup::match_text(db, s.input, full).results, matcher.match(s.input, full).results)) {
        ++same;
      } else {
        std::cout << "  DIFFERENT RESULTS: " << s.name << "\n";
      }
    }
    std::cout << "  prefilter == naive scan == one-shot SQL on " << same << "/" << scenarios.size() << " inputs\n";
  }
  time_commands(options, db_path, scenarios, scratch);
}

int run(const Options& options) {
  const fs::path work = options.work.empty() ? fs::temp_directory_path() / ("errkb-match-eval-" + std::to_string(getpid()))
                                             : options.work;
  fs::create_directories(work);
  const fs::path records = work / "records";
  const fs::path db_path = options.db.empty() ? work / "errkb.db" : options.db;

  auto start = Clock::now();
  if (options.db.empty()) {
    const auto imported = errkb::importer::import_deadends(options.corpus, records);
    const double import_ms = ms_since(start);
    start = Clock::now();
    errkb::db::Database db(db_path.string(), errkb::db::Access::read_write);
    const auto report = errkb::ingest::sync(db, {records.string()});
    const double ingest_ms = ms_since(start);
    const auto stored = static_cast<std::size_t>(report.added + report.updated + report.unchanged);
    std::cout << "corpus: " << imported.converted << " records imported in " << fixed(import_ms, 0) << " ms, "
              << stored << " ingested in " << fixed(ingest_ms, 0) << " ms (" << db_path.string() << ")\n";
  }

  const auto scenarios = errkb::lookup::load_scenarios(options.scenarios);
  errkb::db::Database db(db_path.string(), errkb::db::Access::read_only);
  errkb::lookup::Matcher matcher(db);
  const auto evaluation = errkb::lookup::evaluate(scenarios, [&](std::string_view input) {
    return matcher.match(input).results;
  });
  std::cout << "\nquality on " << evaluation.scenarios << " scenarios (" << evaluation.negatives
            << " with no known error):\n"
            << "  precision@1 " << fixed(evaluation.precision_at_1) << "   precision@3 "
            << fixed(evaluation.precision_at_3) << "   hit@3 " << fixed(evaluation.hit_at_3) << "   MRR "
            << fixed(evaluation.mrr) << "   multi-error inputs fully reported " << evaluation.expect_all_met << "/"
            << evaluation.expect_all_scenarios << "   found via the expected path (regex/fts) "
            << evaluation.expect_via_met << "/" << evaluation.expect_via_scenarios << "\n";
  for (std::size_t i = 0; i < evaluation.outcomes.size(); ++i) {
    const auto& o = evaluation.outcomes[i];
    if (!options.verbose && o.correct_at_1 && o.missing.empty() && o.via_ok) continue;
    std::cout << "  " << (o.correct_at_1 ? "ok  " : "MISS") << " " << o.name << " (first accepted at "
              << o.first_rank << ")" << (o.via_ok ? "" : " not via " + scenarios[i].expect_via);
    for (const auto& m : o.missing) std::cout << " missing " << m;
    std::cout << "\n     got:";
    for (std::size_t k = 0; k < std::min<std::size_t>(o.top.size(), 5); ++k) std::cout << " " << o.top[k];
    std::cout << "\n     accept:";
    for (const auto& a : scenarios[i].accept) std::cout << " " << a;
    std::cout << "\n";
  }

  std::cout << "\nspeed at " << matcher.records() << " records (" << scenarios.size() << " messages, "
            << options.repeat << " rounds):\n";
  measure_speed(options, db, db_path, scenarios, work, true);

  if (options.synthetic > 0 && options.db.empty()) {
    const fs::path synthetic = work / "synthetic";
    write_synthetic(records, synthetic, options.synthetic);
    start = Clock::now();
    {
      errkb::db::Database writable(db_path.string(), errkb::db::Access::read_write);
      const auto report = errkb::ingest::sync(writable, {records.string(), synthetic.string()});
      std::cout << "\nsynthetic: " << report.added << " records added in " << fixed(ms_since(start), 0) << " ms\n";
    }
    errkb::db::Database big(db_path.string(), errkb::db::Access::read_only);
    Options fewer = options;
    fewer.repeat = std::max(1, options.repeat / 2);
    std::cout << "speed at " << errkb::lookup::Matcher(big).records() << " records:\n";
    measure_speed(fewer, big, db_path, scenarios, work, false);
  }
  if (options.work.empty()) fs::remove_all(work);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  Options options;
  options.errkb = fs::path(argv[0]).parent_path().parent_path() / "errkb";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "errkb_match_eval: " << arg << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--errkb") {
      options.errkb = value();
    } else if (arg == "--db") {
      options.db = value();
    } else if (arg == "--work") {
      options.work = value();
    } else if (arg == "--repeat") {
      options.repeat = std::max(1, std::stoi(value()));
    } else if (arg == "--synthetic") {
      options.synthetic = std::stoul(value());
    } else if (arg == "--scenarios") {
      options.scenarios = value();
    } else if (arg == "--corpus") {
      options.corpus = value();
    } else if (arg == "--verbose") {
      options.verbose = true;
    } else {
      std::cerr << "usage: errkb_match_eval [--errkb PATH] [--db FILE | --work DIR] [--repeat N] [--synthetic N] "
                   "[--scenarios FILE] [--corpus DIR] [--verbose]\n";
      return 2;
    }
  }
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::cerr << "errkb_match_eval: error: " << e.what() << "\n";
    return 1;
  }
}
