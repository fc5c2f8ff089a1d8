// Unit tests for ingest/walk: expanding paths into record files.
#include "ingest/walk.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

using errkb::Diagnostic;
using errkb::Severity;
using errkb::ingest::collect_files;
using errkb::ingest::WalkOptions;
using errkb::ingest::WalkResult;
namespace fs = std::filesystem;

namespace {

// A scratch tree under the working directory, named by a relative path so that
// the walk's "path as given" behaviour is visible; removed at the end of the test.
class Tree {
public:
  Tree() : m_root("errkb-test-walk-" + std::to_string(::getpid()) + "-" + std::to_string(++s_counter)) {
    fs::remove_all(m_root);
    fs::create_directories(m_root);
  }
  ~Tree() {
    std::error_code ignored;
    for (const auto& entry : fs::recursive_directory_iterator(m_root, ignored)) {
      if (entry.is_directory(ignored)) fs::permissions(entry.path(), fs::perms::owner_all, ignored);
    }
    fs::remove_all(m_root, ignored);
  }
  const std::string& root() const { return m_root; }
  std::string path(const std::string& relative) const { return m_root + "/" + relative; }
  void file(const std::string& relative) const {
    fs::create_directories(fs::path(path(relative)).parent_path());
    std::ofstream(path(relative)) << "{}\n";
  }
  void folder(const std::string& relative) const { fs::create_directories(path(relative)); }
  void link(const std::string& target, const std::string& relative) const {
    fs::create_symlink(target, path(relative));
  }

private:
  static inline int s_counter = 0;
  std::string m_root;
};

void check_diagnostic(const Diagnostic& d, Severity severity, const std::string& code, const std::string& file,
                      const std::string& message) {
  CHECK(d.severity == severity);
  CHECK(d.code == code);
  CHECK(d.file == file);
  CHECK(d.line == 0);
  CHECK(d.pointer.empty());
  CHECK(d.message == message);
}

} // namespace

TEST_CASE("folders expand to sorted record files", "[ingest][walk]") {
  Tree tree;
  tree.file("b.yaml");
  tree.file("a.json");
  tree.file("B.json");
  tree.file("c.yml");
  tree.file("d.jsonl");
  tree.file("notes.txt");
  tree.file(".hidden.json");
  tree.file(".git/x.json");
  tree.file("sub/e.json");
  tree.file("sub/deeper/f.json");
  tree.folder("empty");

  const WalkResult result = collect_files({tree.root()});
  CHECK(result.diagnostics.empty());
  const std::vector<std::string> expected{tree.path("B.json"),    tree.path("a.json"),  tree.path("b.yaml"),
                                          tree.path("c.yml"),     tree.path("d.jsonl"), tree.path("sub/deeper/f.json"),
                                          tree.path("sub/e.json")};
  CHECK(result.files == expected);

  // A trailing slash, a file named twice and a folder named twice change nothing.
  const WalkResult again = collect_files({tree.root() + "/", tree.path("a.json"), tree.path("sub"), tree.root()});
  CHECK(again.diagnostics.empty());
  CHECK(again.files == expected);

  // A hidden path named explicitly is walked.
  const WalkResult hidden = collect_files({tree.path(".git")});
  CHECK(hidden.files == std::vector<std::string>{tree.path(".git/x.json")});
}

TEST_CASE("named paths that are missing or not record files are reported", "[ingest][walk]") {
  Tree tree;
  tree.file("notes.txt");
  tree.file("a.json");
  const WalkResult result = collect_files({tree.path("missing"), tree.path("notes.txt"), tree.path("a.json")});
  CHECK(result.files == std::vector<std::string>{tree.path("a.json")});
  REQUIRE(result.diagnostics.size() == 2);
  check_diagnostic(result.diagnostics[0], Severity::error, "io", tree.path("missing"),
                   "cannot access: No such file or directory");
  check_diagnostic(result.diagnostics[1], Severity::error, "path", tree.path("notes.txt"),
                   "not a record file (expected .json, .yaml, .yml or .jsonl)");
}

TEST_CASE("symlinks inside folders are not followed by default", "[ingest][walk]") {
  Tree tree;
  tree.file("records/a.json");
  tree.file("elsewhere/b.json");
  tree.file("elsewhere/notes.txt");
  tree.link("../elsewhere", "records/linked-folder");
  tree.link("../elsewhere/b.json", "records/linked.json");
  tree.link("../elsewhere/notes.txt", "records/linked-notes");

  const WalkResult result = collect_files({tree.path("records")});
  CHECK(result.files == std::vector<std::string>{tree.path("records/a.json")});
  REQUIRE(result.diagnostics.size() == 2);
  check_diagnostic(result.diagnostics[0], Severity::warning, "symlink", tree.path("records/linked-folder"),
                   "symlink not followed");
  check_diagnostic(result.diagnostics[1], Severity::warning, "symlink", tree.path("records/linked.json"),
                   "symlink not followed");

  // A symlink named explicitly is followed.
  const WalkResult named = collect_files({tree.path("records/linked-folder")});
  CHECK(named.diagnostics.empty());
  CHECK(named.files == std::vector<std::string>{tree.path("records/linked-folder/b.json")});

  // With follow_symlinks, both links are walked.
  const WalkResult followed = collect_files({tree.path("records")}, WalkOptions{true});
  CHECK(followed.diagnostics.empty());
  CHECK(followed.files == std::vector<std::string>{tree.path("records/a.json"),
                                                   tree.path("records/linked-folder/b.json"),
                                                   tree.path("records/linked.json")});
}

TEST_CASE("symlink loops are detected when following symlinks", "[ingest][walk]") {
  Tree tree;
  tree.file("records/a.json");
  tree.file("records/inner/b.json");
  tree.link("..", "records/inner/back");
  tree.link("loop.json", "records/loop.json");

  const WalkResult followed = collect_files({tree.path("records")}, WalkOptions{true});
  CHECK(followed.files == std::vector<std::string>{tree.path("records/a.json"), tree.path("records/inner/b.json")});
  REQUIRE(followed.diagnostics.size() == 2);
  check_diagnostic(followed.diagnostics[0], Severity::error, "symlink", tree.path("records/inner/back"),
                   "symlink loop: not followed");
  check_diagnostic(followed.diagnostics[1], Severity::error, "io", tree.path("records/loop.json"),
                   "cannot follow symlink: Too many levels of symbolic links");

  const WalkResult plain = collect_files({tree.path("records")});
  CHECK(plain.files == followed.files);
  REQUIRE(plain.diagnostics.size() == 2);
  check_diagnostic(plain.diagnostics[0], Severity::warning, "symlink", tree.path("records/inner/back"),
                   "symlink not followed");
  check_diagnostic(plain.diagnostics[1], Severity::warning, "symlink", tree.path("records/loop.json"),
                   "symlink not followed");
}

TEST_CASE("a folder reached twice through symlinks is walked once", "[ingest][walk]") {
  Tree tree;
  tree.file("records/shared/a.json");
  tree.link("shared", "records/via-link");
  const WalkResult result = collect_files({tree.path("records")}, WalkOptions{true});
  CHECK(result.files == std::vector<std::string>{tree.path("records/shared/a.json")});
  REQUIRE(result.diagnostics.size() == 1);
  check_diagnostic(result.diagnostics[0], Severity::warning, "symlink", tree.path("records/via-link"),
                   "folder already walked through another path: not followed");
}

TEST_CASE("unreadable folders are reported and the walk goes on", "[ingest][walk]") {
  Tree tree;
  tree.file("records/a.json");
  tree.file("records/locked/b.json");
  tree.file("records/z.json");
  fs::permissions(tree.path("records/locked"), fs::perms::none);
  const WalkResult result = collect_files({tree.path("records")});
  if (::geteuid() == 0) {
    WARN("running as root: a chmod 000 folder stays readable, so the permission case is not checked");
    CHECK(result.files.size() == 3);
    return;
  }
  CHECK(result.files == std::vector<std::string>{tree.path("records/a.json"), tree.path("records/z.json")});
  REQUIRE(result.diagnostics.size() == 1);
  check_diagnostic(result.diagnostics[0], Severity::error, "io", tree.path("records/locked"),
                   "cannot read folder: Permission denied");
}
