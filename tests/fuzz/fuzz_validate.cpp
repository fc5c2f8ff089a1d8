// libFuzzer harness: parse arbitrary bytes as JSON, then schema::Validator::validate.
// Validation must never crash, hang or throw, whatever the value's shape.
#include "schema/validator.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const errkb::schema::Validator validator;
  const auto value = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return -1; // not JSON: keep it out of the corpus
  const auto diagnostics = validator.validate(value);
  for (const auto& diagnostic : diagnostics) {
    if (diagnostic.message.empty()) std::abort();
    // Pointers are RFC 6901: empty or starting with '/'.
    if (!diagnostic.pointer.empty() && diagnostic.pointer.front() != '/') std::abort();
  }
  return 0;
}
