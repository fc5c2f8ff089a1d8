#include "lint/report.hpp"

#include "lint/rules.hpp"

#include <cstdio>
#include <map>

namespace errkb::lint {
namespace {

// GitHub workflow command escaping: data escapes % CR LF; properties also : and ,.
std::string escape_data(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '%') {
      out += "%25";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_property(const std::string& text) {
  std::string out;
  for (char c : escape_data(text)) {
    if (c == ':') {
      out += "%3A";
    } else if (c == ',') {
      out += "%2C";
    } else {
      out += c;
    }
  }
  return out;
}

std::string message_with_pointer(const Diagnostic& d) {
  return d.pointer.empty() ? d.message : d.pointer + ": " + d.message;
}

} // namespace

std::string text_line(const Diagnostic& d) {
  std::string out = d.file.empty() ? std::string("<input>") : d.file;
  if (d.line > 0) out += ":" + std::to_string(d.line);
  out += ": " + d.code + " " + severity_name(d.severity) + ": " + message_with_pointer(d);
  return out;
}

std::string github_line(const Diagnostic& d) {
  const char* command = d.severity == Severity::error ? "error" : d.severity == Severity::warning ? "warning" : "notice";
  std::string out = std::string("::") + command + " ";
  std::string properties;
  if (!d.file.empty()) properties += "file=" + escape_property(d.file);
  if (d.line > 0) properties += (properties.empty() ? "" : ",") + std::string("line=") + std::to_string(d.line);
  properties += (properties.empty() ? "" : ",") + std::string("title=") + escape_property(d.code);
  return out + properties + "::" + escape_data(message_with_pointer(d));
}

Tally tally(const std::vector<Diagnostic>& diagnostics) {
  Tally t;
  for (const auto& d : diagnostics) {
    switch (d.severity) {
    case Severity::error: ++t.errors; break;
    case Severity::warning: ++t.warnings; break;
    case Severity::info: ++t.infos; break;
    }
  }
  return t;
}

nlohmann::json report_json(const LintReport& report) {
  const Tally t = tally(report.diagnostics);
  nlohmann::json out{{"files", report.files},   {"records", report.records}, {"linted_records", report.linted_records},
                     {"errors", t.errors},      {"warnings", t.warnings},    {"infos", t.infos},
                     {"counts", nlohmann::json::object()}, {"groups", nlohmann::json::object()},
                     {"diagnostics", nlohmann::json::array()}};
  for (const auto& d : report.diagnostics) {
    out["counts"][d.code] = out["counts"].value(d.code, 0) + 1;
    nlohmann::json item = to_json(d);
    const Rule* rule = find_rule(d.code);
    item["rule"] = rule != nullptr ? std::string(rule->name) : d.code;
    out["diagnostics"].push_back(std::move(item));
  }
  for (const auto& [code, groups] : report.groups) out["groups"][code] = groups;
  return out;
}

std::string statistics(const LintReport& report) {
  std::map<std::string, std::size_t> counts;
  for (const auto& d : report.diagnostics) ++counts[d.code];
  std::string out;
  char line[256];
  for (const auto& [code, count] : counts) {
    const Rule* rule = find_rule(code);
    std::string name = rule != nullptr ? std::string(rule->name) : "(not a lint rule)";
    if (auto it = report.groups.find(code); it != report.groups.end())
      name += " (" + std::to_string(it->second) + (it->second == 1 ? " group)" : " groups)");
    std::snprintf(line, sizeof line, "%7zu  %-6s %s\n", count, code.c_str(), name.c_str());
    out += line;
  }
  std::snprintf(line, sizeof line, "%7zu  total in %zu files, %zu records\n", report.diagnostics.size(), report.files,
                report.records);
  out += line;
  return out;
}

} // namespace errkb::lint
