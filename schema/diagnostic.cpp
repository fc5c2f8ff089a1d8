#include "schema/diagnostic.hpp"

#include <algorithm>
#include <tuple>

namespace errkb {

const char* severity_name(Severity severity) {
  switch (severity) {
  case Severity::error: return "error";
  case Severity::warning: return "warning";
  case Severity::info: return "info";
  }
  return "error";
}

std::string format_text(const Diagnostic& d) {
  std::string out = d.file.empty() ? std::string("<input>") : d.file;
  if (d.line > 0) out += ":" + std::to_string(d.line);
  out += ": ";
  out += severity_name(d.severity);
  out += ": ";
  if (!d.pointer.empty()) out += d.pointer + ": ";
  out += d.message;
  return out;
}

nlohmann::json to_json(const Diagnostic& d) {
  return nlohmann::json{{"severity", severity_name(d.severity)},
                        {"code", d.code},
                        {"file", d.file},
                        {"line", d.line},
                        {"pointer", d.pointer},
                        {"message", d.message}};
}

void sort_unique(std::vector<Diagnostic>& diagnostics) {
  auto key = [](const Diagnostic& d) {
    return std::tie(d.file, d.line, d.pointer, d.code, d.message, d.severity);
  };
  std::sort(diagnostics.begin(), diagnostics.end(),
            [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  diagnostics.erase(std::unique(diagnostics.begin(), diagnostics.end(),
                                [&](const Diagnostic& a, const Diagnostic& b) { return key(a) == key(b); }),
                    diagnostics.end());
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::error; });
}

} // namespace errkb
