// libFuzzer harness: ingest::load_bytes on arbitrary bytes as one record file.
// Built three times, with ERRKB_FUZZ_FORMAT json, yaml and jsonl. Loading must
// never crash, hang or throw: every problem is a Diagnostic.
#include "ingest/loader.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#ifndef ERRKB_FUZZ_FORMAT
#error "define ERRKB_FUZZ_FORMAT as json, yaml or jsonl"
#endif

namespace {

using errkb::ingest::Format;

constexpr Format k_format = Format::ERRKB_FUZZ_FORMAT;

const char* path_for(Format format) {
  switch (format) {
  case Format::json: return "fuzz.json";
  case Format::yaml: return "fuzz.yaml";
  case Format::jsonl: return "fuzz.jsonl";
  }
  return "fuzz";
}

// Limits small enough that the fuzzer reaches them with short inputs.
errkb::ingest::Limits small_limits() {
  errkb::ingest::Limits limits;
  limits.max_file_bytes = 1u << 20;
  limits.max_depth = 32;
  limits.max_string_bytes = 4096;
  limits.max_nodes = 20000;
  return limits;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const errkb::ingest::Limits limits = small_limits();
  std::string bytes(reinterpret_cast<const char*>(data), size);
  const auto file = errkb::ingest::load_bytes(path_for(k_format), k_format, std::move(bytes), limits);

  // Every record is a JSON value that serializes; a diagnostic carries a message.
  for (std::size_t i = 0; i < file.records.size(); ++i) {
    const auto& record = file.records[i];
    if (record.line < 1) std::abort();
    (void)record.value.dump();
    // The line locator answers for any pointer, present or not.
    for (const char* pointer : {"", "/id", "/dead_ends/0/action", "/workarounds/1", "/no/such/key", "/~1x~0"}) {
      if (file.line_of(i, pointer) < 1) std::abort();
    }
    if (record.value.is_object()) {
      for (const auto& [key, value] : record.value.items()) (void)file.line_of(i, "/" + key);
    }
  }
  for (const auto& diagnostic : file.diagnostics) {
    if (diagnostic.message.empty() || diagnostic.code.empty()) std::abort();
  }
  return 0;
}
