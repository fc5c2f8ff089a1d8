// Limits and security through the errkb binary: each limit gives a clear error
// (never a crash, a hang or an exhausted machine), ids cannot escape, symlinks out
// of a records folder are not followed unless asked, unreadable entries are
// reported and the walk goes on.
#include "db/query.hpp"
#include "db/writer.hpp"
#include "schema/error.hpp"
#include "schema/validator.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

using namespace errkb::hardening::test;

namespace {

// A valid record whose id is "limits/<name>", as pretty JSON.
nlohmann::json valid_record(const std::string& name) {
  nlohmann::json record = make_record(1, 0);
  record["id"] = "limits/" + name;
  return record;
}

// `errkb validate PATH...`; the diagnostics are on stdout, one per line.
Run validate(const std::vector<std::string>& paths, const fs::path& scratch, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"validate"};
  args.insert(args.end(), paths.begin(), paths.end());
  args.insert(args.end(), extra.begin(), extra.end());
  return run_errkb(args, scratch);
}

std::string nested_json(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

} // namespace

TEST_CASE("limits: file size", "[hardening][limits]") {
  TempDir dir("limit-size");
  SECTION("the default limit, 64 MiB, on a sparse file that is never read") {
    const std::string path = dir.file("huge.json");
    { std::ofstream(path) << "{"; }
    fs::resize_file(path, (64u << 20) + 1);
    const auto start = std::chrono::steady_clock::now();
    const Run run = validate({path}, dir.path());
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    CHECK(run.exit_code == 1);
    CHECK(run.out == path + ": error: file is 67108865 bytes, larger than the limit of 67108864 bytes\n");
  }
  SECTION("a lower limit by option") {
    const std::string path = dir.file("record.json");
    write_file(path, valid_record("size").dump(2));
    CHECK(validate({path}, dir.path()).exit_code == 0);
    const Run run = validate({path}, dir.path(), {"--max-file-size", "100"});
    CHECK(run.exit_code == 1);
    CHECK(run.out == path + ": error: file is " + std::to_string(fs::file_size(path)) +
                         " bytes, larger than the limit of 100 bytes\n");
  }
}

TEST_CASE("limits: nesting depth", "[hardening][limits]") {
  TempDir dir("limit-depth");
  // 100,000 levels: a recursive parser would overflow the stack.
  const std::string json = dir.file("deep.json");
  write_file(json, "{\"id\": \"limits/deep\", \"x\": " + nested_json(100000) + "}\n");
  const std::string flow = dir.file("deep-flow.yaml");
  write_file(flow, "id: limits/deep\nx: " + nested_json(100000) + "\n");
  const std::string jsonl = dir.file("deep.jsonl");
  write_file(jsonl, valid_record("fine").dump() + "\n" + nested_json(100000) + "\n");
  std::string block = "id: limits/deep\n";
  for (int level = 0; level < 200; ++level) block += std::string(static_cast<std::size_t>(level) * 2, ' ') + "k:\n";
  const std::string yaml = dir.file("deep-block.yaml");
  write_file(yaml, block);

  const Run run = validate({json, flow, jsonl, yaml}, dir.path());
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  // One line each, at the line of the value, with the pointer down to the limit.
  CHECK(run.out.find(json + ":1: error: /x/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0") != std::string::npos);
  CHECK(run.out.find(flow + ":2: error: ") != std::string::npos);
  CHECK(run.out.find(jsonl + ":2: error: ") != std::string::npos);
  CHECK(run.out.find(yaml + ":66: error: /k/k/k/k/k/k/k/k/k/k/k/k/k/k/k/k") != std::string::npos);
  std::size_t depth_errors = 0;
  for (std::size_t at = run.out.find("nesting deeper than 64 levels"); at != std::string::npos;
       at = run.out.find("nesting deeper than 64 levels", at + 1))
    ++depth_errors;
  CHECK(depth_errors == 4);
}

TEST_CASE("limits: string length, and a 5 MB id never reaches std::regex", "[hardening][limits]") {
  TempDir dir("limit-string");
  nlohmann::json record = valid_record("long");
  record["root_cause"] = std::string((1u << 20) + 1, 'x');
  const std::string path = dir.file("long.json");
  write_file(path, record.dump());
  const Run run = validate({path}, dir.path());
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  CHECK(run.out.find("string longer than 1048576 bytes") != std::string::npos);

  // In memory, past the loader: the schema's maxLength stops it before its pattern runs.
  const errkb::schema::Validator validator;
  nlohmann::json huge = valid_record("x");
  huge["id"] = std::string(5u << 20, 'a');
  const auto diagnostics = validator.validate(huge);
  REQUIRE_FALSE(diagnostics.empty());
  CHECK(diagnostics.front().pointer == "/id");
}

TEST_CASE("limits: YAML alias expansion (billion laughs)", "[hardening][limits]") {
  TempDir dir("limit-alias");
  std::string yaml = "a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n";
  for (int i = 1; i < 10; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
    for (int k = 1; k < 10; ++k) yaml += ", " + prev;
    yaml += "]\n";
  }
  const std::string path = dir.file("laughs.yaml");
  write_file(path, yaml);
  const auto start = std::chrono::steady_clock::now();
  const Run run = validate({path}, dir.path());
  INFO(run.out << run.err);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  CHECK(run.exit_code == 1);
  CHECK(run.out.find("YAML alias expansion exceeds 1000000 nodes") != std::string::npos);
}

TEST_CASE("limits: RE2 program memory", "[hardening][limits]") {
  TempDir dir("limit-re2");
  nlohmann::json record = valid_record("regex");
  record["regex"] = "(a{1000}){1000}";
  const std::string path = dir.file("regex.json");
  write_file(path, record.dump(2));
  const Run run = validate({path}, dir.path());
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  // RE2's parser bounds nested repetition...
  CHECK(run.out.find("/regex: RE2 rejects the regex: invalid repetition size: {1000}\n") != std::string::npos);

  // ... and errkb's 8 MiB budget bounds the compiled program of a regex within those limits.
  record["regex"] = "\\pL{1000}";
  write_file(path, record.dump(2));
  const Run big = validate({path}, dir.path());
  INFO(big.out << big.err);
  CHECK(big.exit_code == 1);
  CHECK(big.out.find("/regex: RE2 rejects the regex: pattern too large - compile failed\n") != std::string::npos);

  // The same budget at ingest: the record is rejected, not stored.
  const std::string db = dir.file("errkb.db");
  const Run ingest = run_errkb({"ingest", path, "--db", db}, dir.path());
  CHECK(ingest.exit_code == 1);
  CHECK(ingest.err.find("/regex: RE2 rejects the regex: pattern too large - compile failed\n") != std::string::npos);
  CHECK(read_state(db).records.empty());
}

TEST_CASE("limits: match input size and number of results", "[hardening][limits]") {
  TempDir dir("limit-match");
  const std::string db = dir.file("errkb.db");
  REQUIRE(run_errkb({"ingest", ERRKB_SOURCE_DIR "/records", "--db", db}, dir.path()).exit_code == 0);

  SECTION("a 64 MB log, one line of 8 MB among them, is read as a stream") {
    const std::string log = dir.file("big.log");
    {
      std::ofstream out(log, std::ios::binary);
      const std::string filler = "INFO all is well, nothing to see on this line of the log\n";
      for (std::size_t written = 0; written < (32u << 20); written += filler.size()) out << filler;
      out << std::string(8u << 20, 'x') << "\n";
      for (std::size_t written = 0; written < (24u << 20); written += filler.size()) out << filler;
      out << "Error: listen EADDRINUSE: address already in use :::3000\n";
    }
    const auto start = std::chrono::steady_clock::now();
    const Run run = run_errkb({"match", log, "--db", db, "--format", "json"}, dir.path());
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(60));
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(nlohmann::json::parse(run.out)["results"][0]["id"] == "node/eaddrinuse");
  }
  SECTION("an input beyond --max-input-bytes is a clear error") {
    const std::string log = dir.file("over.log");
    {
      std::ofstream out(log, std::ios::binary);
      for (int i = 0; i < 4096; ++i) out << "Error: listen EADDRINUSE: address already in use :::3000\n";
    }
    const Run over = run_errkb({"match", log, "--db", db, "--max-input-bytes", "65536"}, dir.path());
    CHECK(over.exit_code == 1);
    CHECK(over.out.empty());
    CHECK(over.err == "errkb: error: the input is larger than 65536 bytes (--max-input-bytes); match the relevant "
                      "part of the log\n");
    const Run within = run_errkb({"match", log, "--db", db, "--max-input-bytes", "1000000"}, dir.path());
    CHECK(within.exit_code == 0);
  }
  SECTION("--limit is bounded") {
    const Run search = run_errkb({"search", "error", "--db", db, "--limit", "100000"}, dir.path());
    CHECK(search.exit_code == 2);
    CHECK(search.err.find("--limit") != std::string::npos);
    const Run match = run_errkb({"match", "-", "--db", db, "--limit", "0"}, dir.path());
    CHECK(match.exit_code == 2);
    CHECK(match.err.find("--limit") != std::string::npos);
  }
}

TEST_CASE("security: ids with .. or other path syntax are rejected", "[hardening][security]") {
  TempDir dir("security-id");
  const std::string db = dir.file("errkb.db");
  int k = 0;
  for (const char* id : {"python/../../etc", "../python/x", "python/..", "python/x/../y", "/python/x", "python//x",
                         "python/x/", "python\\x/y", "python/x y", "Python/x"}) {
    nlohmann::json record = valid_record("x");
    record["id"] = id;
    const std::string path = dir.file("records/bad-" + std::to_string(k++) + ".json");
    write_file(path, record.dump(2));
    const Run run = validate({path}, dir.path());
    INFO(id << ": " << run.out);
    CHECK(run.exit_code == 1);
    CHECK(run.out.rfind(path + ":", 0) == 0);
    CHECK(run.out.find(": error: /id: '" + std::string(id) + "' does not match ") != std::string::npos);
  }
  const Run ingest = run_errkb({"ingest", dir.file("records"), "--db", db}, dir.path());
  CHECK(ingest.exit_code == 1);
  CHECK(ingest.out.find(": 0 added, 0 updated, 0 unchanged, 0 removed, 10 rejected") != std::string::npos);
  CHECK(read_state(db).records.empty());
}

TEST_CASE("security: ids, domains and locales stored behind errkb's back cannot make export write outside --out",
          "[hardening][security]") {
  TempDir dir("security-export");
  const std::string db = dir.file("errkb.db");
  const std::string out = dir.file("out/bundle");
  {
    // db::Writer stores what it is given (validation is ingest's job): the export
    // must not trust the fields it builds paths from.
    errkb::db::Database database(db, errkb::db::Access::read_write);
    errkb::db::Writer writer(database);
    int n = 0;
    for (const auto& [field, value] : std::vector<std::pair<std::string, std::string>>{
           {"id", "x/../../../escaped-id"},
           {"id", "../escaped-id/x"},
           {"domain", "../../../escaped-domain"},
           {"domain", "/tmp/escaped-domain"},
           {"locale", "../../escaped-locale"},
           {"signature_zh", "translated"}, // a valid translation, for a second locale folder
         }) {
      nlohmann::json record = valid_record("r" + std::to_string(n++));
      record[field] = value;
      try {
        writer.upsert_record(record, "", 0);
      } catch (const errkb::Error&) { // refusing it is fine too
      }
    }
    writer.commit();
  }
  const Run run = run_errkb({"export", "--db", db, "--out", out, "--as-of", "2026-01-01"}, dir.path());
  INFO("export: " << run.exit_code << "\n" << run.out << run.err);
  // Whether it refuses the bad values (exit 1, saying which) or writes them
  // harmlessly, nothing lands outside the bundle.
  CHECK(run.exit_code != 2);
  CHECK(run.err.find("Statement") == std::string::npos); // a clear message, not SQLiteCpp's
  for (const auto& entry : fs::recursive_directory_iterator(dir.path())) {
    const std::string path = entry.path().string();
    const bool inside = path.rfind(out + "/", 0) == 0 || path == out;
    const bool ours = path == db || path.rfind(db + "-", 0) == 0 || path == dir.file("out");
    INFO(path);
    CHECK((inside || ours));
  }
  for (const char* outside : {"/tmp/escaped-domain.json", "/escaped-domain.json"}) CHECK_FALSE(fs::exists(outside));
}

TEST_CASE("security: symlinks leaving a records folder are not followed unless asked", "[hardening][security]") {
  TempDir dir("security-symlink");
  const std::string db = dir.file("errkb.db");
  write_file(dir.file("records/inside.json"), valid_record("inside").dump(2));
  write_file(dir.file("outside/secret.json"), valid_record("outside-file").dump(2));
  write_file(dir.file("outside/folder/deep.json"), valid_record("outside-folder").dump(2));
  fs::create_symlink(dir.file("outside/secret.json"), dir.file("records/link.json"));
  fs::create_symlink(dir.file("outside/folder"), dir.file("records/linked-folder"));
  fs::create_symlink("/etc/passwd", dir.file("records/passwd.json"));

  const Run run = run_errkb({"ingest", dir.file("records"), "--db", db}, dir.path());
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK(run.err.find(dir.file("records/link.json") + ": warning: symlink not followed\n") != std::string::npos);
  CHECK(run.err.find(dir.file("records/linked-folder") + ": warning: symlink not followed\n") != std::string::npos);
  CHECK(run.err.find(dir.file("records/passwd.json") + ": warning: symlink not followed\n") != std::string::npos);
  State state = read_state(db);
  CHECK(state.records.size() == 1);
  CHECK(state.records.count("limits/inside") == 1);

  // Asked for: followed (and /etc/passwd is read, but only as a record file that fails to parse).
  const Run followed = run_errkb({"ingest", dir.file("records"), "--db", db, "--follow-symlinks"}, dir.path());
  INFO(followed.out << followed.err);
  CHECK(followed.exit_code == 1);
  state = read_state(db);
  CHECK(state.records.size() == 3);
  CHECK(state.records.count("limits/outside-file") == 1);
  CHECK(state.records.count("limits/outside-folder") == 1);
}

namespace {

// Runs errkb as user nobody (the tests run as root, which chmod 000 does not stop).
Run run_errkb_as_nobody(const std::vector<std::string>& args, const fs::path& scratch) {
  const passwd* nobody = ::getpwnam("nobody");
  REQUIRE(nobody != nullptr);
  const std::string out = (scratch / ".nobody.out").string();
  const std::string err = (scratch / ".nobody.err").string();
  std::vector<std::string> text{ERRKB_BINARY};
  text.insert(text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : text) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out_fd < 0 || err_fd < 0) ::_exit(126);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    if (::setgroups(0, nullptr) != 0 || ::setgid(nobody->pw_gid) != 0 || ::setuid(nobody->pw_uid) != 0) ::_exit(125);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  Run run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = read_file(out);
  run.err = read_file(err);
  return run;
}

} // namespace

TEST_CASE("security: unreadable entries are reported and the walk goes on", "[hardening][security]") {
  TempDir dir("security-unreadable");
  const std::string records = dir.file("records");
  write_file(dir.file("records/a-good.json"), valid_record("a-good").dump(2));
  write_file(dir.file("records/z-good.yaml"), "id: limits/z-good\n" + [] {
    nlohmann::json r = valid_record("z");
    r.erase("id");
    std::string text;
    for (const auto& [key, value] : r.items()) text += key + ": " + value.dump() + "\n";
    return text;
  }());

  SECTION("paths that are not readable files, whoever runs errkb") {
    // Root reads any file whatever its mode, so these are the entries root cannot read either:
    REQUIRE(::mkfifo(dir.file("records/fifo.json").c_str(), 0644) == 0);     // would block a plain open()
    fs::create_symlink(dir.file("nowhere.json"), dir.file("records/dangling.json")); // named explicitly below
    fs::create_directories(dir.file("records/folder.json"));                  // a folder named like a record
    write_file(dir.file("records/folder.json/inner.json"), valid_record("inner").dump(2));

    const Run run = validate({records, dir.file("records/dangling.json")}, dir.path());
    INFO(run.out << run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.out.find(dir.file("records/fifo.json") + ": error: not a regular file\n") != std::string::npos);
    CHECK(run.out.find(dir.file("records/dangling.json") + ": error: cannot access: No such file or directory\n") !=
          std::string::npos);
    // Inside a folder the dangling link is a symlink not followed, like any other.
    CHECK(run.out.find(dir.file("records/dangling.json") + ": warning: symlink not followed\n") != std::string::npos);
    // The walk went on: both good files and the file inside the folder named *.json were checked.
    CHECK(run.err.find("errkb: 3 files, 3 records: 2 errors, 1 warning\n") != std::string::npos);

    const std::string db = dir.file("errkb.db");
    const Run ingest = run_errkb({"ingest", records, "--db", db}, dir.path());
    INFO(ingest.out << ingest.err);
    CHECK(ingest.exit_code == 1);
    CHECK(read_state(db).records.size() == 3);
  }
  SECTION("chmod 000, checked as user nobody") {
    if (::geteuid() != 0) {
      WARN("not root: chmod 000 is checked by the current user instead");
    }
    write_file(dir.file("records/secret.json"), valid_record("secret").dump(2));
    fs::create_directories(dir.file("records/locked"));
    write_file(dir.file("records/locked/hidden.json"), valid_record("hidden").dump(2));
    ::chmod(dir.file("records/secret.json").c_str(), 0);
    ::chmod(dir.file("records/locked").c_str(), 0);
    // nobody must reach the folder (the temp folder above it is world-readable).
    ::chmod(dir.path().c_str(), 0755);
    ::chmod(records.c_str(), 0755);

    const std::vector<std::string> args{"validate", records};
    const Run run = ::geteuid() == 0 ? run_errkb_as_nobody(args, dir.path()) : run_errkb(args, dir.path());
    ::chmod(dir.file("records/locked").c_str(), 0755);
    INFO(run.out << run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.out.find(dir.file("records/locked") + ": error: cannot read folder: Permission denied\n") !=
          std::string::npos);
    CHECK(run.out.find(dir.file("records/secret.json") + ": error: cannot open file: Permission denied\n") !=
          std::string::npos);
    CHECK(run.err.find(" 2 records: 2 errors") != std::string::npos);
  }
}
