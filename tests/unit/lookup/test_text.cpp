// lookup/text: error-line detection and safe FTS5 query text.
#include "lookup/text.hpp"

#include <catch2/catch.hpp>

using errkb::lookup::LineClassifier;
using errkb::lookup::LineKind;

namespace {

std::vector<LineKind> classify(const std::vector<std::string>& lines) {
  LineClassifier classifier;
  std::vector<LineKind> kinds;
  for (const auto& line : lines) kinds.push_back(classifier.classify(line));
  return kinds;
}

} // namespace

TEST_CASE("LineClassifier: the last line of a Python traceback is the error", "[text]") {
  const auto kinds = classify({
    "Traceback (most recent call last):",
    "  File \"/app/errors/main.py\", line 3, in <module>",
    "    raise ValueError('bad')",
    "ValueError: bad",
    "done",
  });
  CHECK(kinds == std::vector<LineKind>{LineKind::plain, LineKind::plain, LineKind::plain, LineKind::error,
                                       LineKind::plain});
}

TEST_CASE("LineClassifier: a traceback behind log prefixes", "[text]") {
  const auto kinds = classify({
    "[rank0]: Traceback (most recent call last):",
    "[rank0]:   File \"/w/train.py\", line 188, in <module>",
    "[rank0]: torch.cuda.OutOfMemoryError: CUDA out of memory.",
    "2024-04-03T12:01:23.3398120Z E   ModuleNotFoundError: No module named 'torch'",
  });
  CHECK(kinds == std::vector<LineKind>{LineKind::plain, LineKind::plain, LineKind::error, LineKind::error});
}

TEST_CASE("LineClassifier: error formats of compilers, runtimes and tools", "[text]") {
  const std::vector<std::string> errors = {
    "error[E0382]: borrow of moved value: `items`",
    "error: could not compile `inventory`",
    "src/api/client.ts:57:34 - error TS2345: Argument of type 'string' is not assignable",
    "./main.go:5:2: \"os\" imported and not used",
    "Caused by: java.lang.IllegalStateException: boom",
    "Exception in thread \"main\" java.lang.NullPointerException",
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "thread 'main' panicked at src/main.rs:4:5:",
    "npm ERR! code ERESOLVE",
    "fatal: not a git repository (or any of the parent directories): .git",
    "##[error]Process completed with exit code 1.",
    "web-1  | [2024-04-30 09:12:03 +0000] [7] [ERROR] Exception in worker process",
    "Uncaught (in promise) TypeError: Failed to fetch",
    "│ Error: Unsupported attribute",
  };
  for (const auto& line : errors) {
    INFO(line);
    LineClassifier classifier;
    CHECK(classifier.classify(line) == LineKind::error);
  }
}

TEST_CASE("LineClassifier: hints, frames and plain output", "[text]") {
  LineClassifier classifier;
  CHECK(classifier.classify("Back-off restarting failed container") == LineKind::hint);
  CHECK(classifier.classify("Task timed out after 30.03 seconds") == LineKind::hint);
  CHECK(classifier.classify("    at Object.<anonymous> (/app/node_modules/errors/index.js:3:9)") == LineKind::plain);
  CHECK(classifier.classify("Compiling inventory v0.3.1") == LineKind::plain);
  CHECK(classifier.classify("") == LineKind::plain);
}

TEST_CASE("content_offset skips collector prefixes, keeping indentation", "[text]") {
  using errkb::lookup::content_offset;
  const std::string gha = "2024-06-11T08:14:04.1183377Z npm ERR! code EUSAGE";
  CHECK(gha.substr(content_offset(gha)) == "npm ERR! code EUSAGE");
  const std::string compose = "worker-1  | Trying again in 2.00 seconds";
  CHECK(compose.substr(content_offset(compose)) == "Trying again in 2.00 seconds");
  const std::string indented = "[rank0]:   File \"x.py\"";
  CHECK(indented.substr(content_offset(indented)) == "  File \"x.py\"");
  CHECK(content_offset("plain text") == 0);
}

TEST_CASE("fts_string quotes any text as one FTS5 string", "[text]") {
  using errkb::lookup::fts_string;
  CHECK(fts_string("port:8080") == "\"port:8080\"");
  CHECK(fts_string("\"abc") == "\"\"\"abc\"");
  CHECK(fts_string("NOT") == "\"NOT\"");
}

TEST_CASE("query_chunks keeps chunks that can match a token", "[text]") {
  using errkb::lookup::query_chunks;
  CHECK(query_chunks("  multi-agent   E0001. ") == std::vector<std::string>{"multi-agent", "E0001."});
  CHECK(query_chunks("- ... \" ") == std::vector<std::string>{});
  CHECK(query_chunks("不兼容 torch") == std::vector<std::string>{"不兼容", "torch"});
}

TEST_CASE("char_count counts characters", "[text]") {
  CHECK(errkb::lookup::char_count("不兼容") == 3);
  CHECK(errkb::lookup::char_count("naïve") == 5);
}

TEST_CASE("fallback_words keeps distinctive words", "[text]") {
  using errkb::lookup::fallback_words;
  CHECK(fallback_words("FunctionClauseError: no function clause matching in Foo.bar/2 (0xdeadbeef12)", 10) ==
        std::vector<std::string>{"functionclauseerror", "function", "clause", "matching", "foo", "bar"});
  CHECK(fallback_words("Error: the file was not found", 10) == std::vector<std::string>{"found"});
  CHECK(fallback_words("a b c d e f", 2).empty());
}
