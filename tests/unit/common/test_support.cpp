// tests/unit/common/support.hpp: the helpers every module's tests share.
#include "tests/unit/common/support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using errkb::test::Child;
using errkb::test::errkb_command;
using errkb::test::ProcessOptions;
using errkb::test::read_file;
using errkb::test::read_tree;
using errkb::test::run_binary;
using errkb::test::run_main;
using errkb::test::run_process;
using errkb::test::TempDir;
using errkb::test::write_file;

TEST_CASE("TempDir makes a fresh folder and removes it with its contents", "[common]") {
  fs::path kept;
  {
    const TempDir dir("common");
    const TempDir other("common");
    kept = dir.path();
    CHECK(fs::is_directory(kept));
    CHECK(fs::is_empty(kept));
    CHECK(other.path() != kept);
    CHECK(kept.filename().string().rfind("errkb-common-", 0) == 0);
    CHECK(dir.file("a/b.txt") == (kept / "a/b.txt").string());
    write_file(dir.file("a/b.txt"), "x");
  }
  CHECK_FALSE(fs::exists(kept));
}

TEST_CASE("write_file and read_file keep every byte", "[common]") {
  const TempDir dir;
  const std::string bytes("line\r\n\0\xff end", 12);
  write_file(dir.file("new/folder/data.bin"), bytes); // the folder is created
  CHECK(read_file(dir.file("new/folder/data.bin")) == bytes);
  write_file(dir.file("new/folder/data.bin"), "short"); // replaced, not appended to
  CHECK(read_file(dir.file("new/folder/data.bin")) == "short");
  write_file(dir.file("empty"), "");
  CHECK(read_file(dir.file("empty")).empty());
}

TEST_CASE("read_file and write_file throw when they cannot do their job", "[common]") {
  const TempDir dir;
  CHECK_THROWS_WITH(read_file(dir.file("missing")), "cannot read " + dir.file("missing"));
  write_file(dir.file("file"), "x");
  CHECK_THROWS(write_file(dir.file("file/below"), "y")); // a file is no folder
}

TEST_CASE("read_tree maps relative paths to bytes", "[common]") {
  const TempDir dir;
  write_file(dir.file("top.json"), "{}");
  write_file(dir.file("a/b/deep.txt"), "deep");
  fs::create_directories(dir.path() / "empty-folder");
  const std::map<std::string, std::string> expected{{"a/b/deep.txt", "deep"}, {"top.json", "{}"}};
  CHECK(read_tree(dir.path()) == expected);
}

TEST_CASE("run_main runs errkb in this process, in a given folder", "[common]") {
  const fs::path before = fs::current_path();
  const auto help = run_main({"--help"});
  CHECK(help.code == 0);
  CHECK(help.out.find("search") != std::string::npos);
  // records/ is relative: found only when run in the source folder.
  CHECK(run_main({"validate", "records"}, ERRKB_SOURCE_DIR).code == 0);
  CHECK(fs::current_path() == before);
  CHECK(run_main({"validate", "--nonsense"}).code == 2);
}

TEST_CASE("run_process captures exit code, stdout and stderr", "[common]") {
  const auto run = run_process({"/bin/sh", "-c", "printf out; printf err >&2; exit 3"});
  CHECK(run.code == 3);
  CHECK(run.out == "out");
  CHECK(run.err == "err");
  CHECK(run_process({"/bin/sh", "-c", "cat"}).out.empty()); // stdin is /dev/null
  CHECK(run_process({"/bin/sh", "-c", "kill -KILL $$"}).code == -1);
  CHECK_THROWS(run_process({"/nonexistent/program"}));
}

TEST_CASE("run_process changes the environment and folder of the child only", "[common]") {
  ::setenv("ERRKB_COMMON_TEST_GONE", "here", 1);
  ::setenv("ERRKB_COMMON_TEST_SET", "old", 1);
  ProcessOptions options;
  options.unset_env = {"ERRKB_COMMON_TEST_GONE"};
  options.set_env = {{"ERRKB_COMMON_TEST_SET", "new"}, {"ERRKB_COMMON_TEST_ADDED", "a=b"}};
  const auto run = run_process({"/bin/sh", "-c",
                                "printf '%s|%s|%s' \"${ERRKB_COMMON_TEST_GONE-unset}\" \"$ERRKB_COMMON_TEST_SET\" "
                                "\"$ERRKB_COMMON_TEST_ADDED\""},
                               options);
  CHECK(run.out == "unset|new|a=b");
  CHECK(std::string(std::getenv("ERRKB_COMMON_TEST_GONE")) == "here");
  CHECK(std::string(std::getenv("ERRKB_COMMON_TEST_SET")) == "old");
  ::unsetenv("ERRKB_COMMON_TEST_GONE");
  ::unsetenv("ERRKB_COMMON_TEST_SET");

  const TempDir dir;
  ProcessOptions in_dir;
  in_dir.cwd = dir.path().string();
  CHECK(run_process({"/bin/pwd", "-P"}, in_dir).out == fs::canonical(dir.path()).string() + "\n");
}

TEST_CASE("run_binary runs the errkb executable", "[common]") {
  CHECK(errkb_command({"a", "b"}) == std::vector<std::string>{ERRKB_BINARY, "a", "b"});
  const auto run = run_binary({"search", "--help"});
  CHECK(run.code == 0);
  CHECK(run.out.find("--db") != std::string::npos);
  CHECK(run_binary({"no-such-command"}).code == 2);
}

TEST_CASE("Child can be watched, signalled and reaped", "[common]") {
  const TempDir dir;
  Child child({"/bin/sh", "-c", "printf started; exec sleep 60"}, dir.file("out"), dir.file("err"));
  CHECK(child.pid() > 0);
  for (int i = 0; i < 1000 && child.out().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(child.out() == "started");
  CHECK_FALSE(child.exited());
  child.kill(SIGTERM);
  CHECK(child.exit_code() == 128 + SIGTERM);
  CHECK(child.exited());
  CHECK(child.err().empty());
}
