#pragma once
// Deterministic JSON text: the bytes nlohmann::json::dump() gives (sorted keys,
// shortest round-trip numbers, UTF-8 kept as is), written straight into a buffer,
// and rates rounded to a fixed number of decimals.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace errkb::bundle {

// Appends `text` as a JSON string literal (escaped like nlohmann::json::dump()).
void append_json_string(std::string& out, std::string_view text);

// Appends `value` as compact JSON, byte for byte what `value.dump()` returns.
void append_json(std::string& out, const nlohmann::json& value);

// `value` rounded to 4 decimals, so that it prints as at most 4 decimals
// (0.1 + 0.2 gives 0.3, not 0.30000000000000004).
double round_rate(double value);

} // namespace errkb::bundle
