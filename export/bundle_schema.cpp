#include "export/bundle_schema.hpp"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <algorithm>
#include <array>

extern const std::string_view errkb_bundle_schema_json;

namespace errkb::bundle {
namespace {

constexpr std::array<Document, 5> k_documents{Document::record, Document::index, Document::domain_bundle,
                                              Document::manifest, Document::stats};

std::string escape_token(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

// valijson's context {"<root>", "[key]", "[0]"} as an RFC 6901 pointer.
std::string to_pointer(const std::vector<std::string>& context) {
  std::string pointer;
  for (const auto& part : context) {
    if (part == "<root>") continue;
    std::string token = part;
    if (token.size() >= 2 && token.front() == '[' && token.back() == ']') token = token.substr(1, token.size() - 2);
    pointer += "/" + escape_token(token);
  }
  return pointer;
}

bool is_cascade(const std::string& message) { return message.rfind("Failed to validate", 0) == 0; }

bool below(const std::string& shorter, const std::string& longer) {
  return longer.size() > shorter.size() && longer.compare(0, shorter.size(), shorter) == 0 &&
         longer[shorter.size()] == '/';
}

} // namespace

std::string_view bundle_schema_text() { return errkb_bundle_schema_json; }

const nlohmann::json& bundle_schema() {
  static const nlohmann::json schema = nlohmann::json::parse(errkb_bundle_schema_json);
  return schema;
}

const char* document_name(Document document) {
  switch (document) {
  case Document::record:
    return "record";
  case Document::index:
    return "index";
  case Document::domain_bundle:
    return "domain_bundle";
  case Document::manifest:
    return "manifest";
  case Document::stats:
    return "stats";
  }
  return "record";
}

struct BundleValidator::Impl {
  // One schema per document: the bundle schema with its root `$ref` aimed at that definition.
  std::array<nlohmann::json, k_documents.size()> documents;
  std::array<valijson::Schema, k_documents.size()> schemas;
};

BundleValidator::BundleValidator() : m_impl(std::make_unique<Impl>()) {
  for (std::size_t i = 0; i < k_documents.size(); ++i) {
    nlohmann::json document = bundle_schema();
    document["$ref"] = std::string("#/definitions/") + document_name(k_documents[i]);
    m_impl->documents[i] = std::move(document);
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(m_impl->documents[i]);
    parser.populateSchema(adapter, m_impl->schemas[i]);
  }
}

BundleValidator::~BundleValidator() = default;

std::vector<SchemaProblem> BundleValidator::validate(Document document, const nlohmann::json& value) const {
  // valijson's Validator caches compiled patterns and is not thread-safe: one per thread.
  thread_local valijson::Validator validator(valijson::Validator::kStrongTypes);
  const auto index =
      static_cast<std::size_t>(std::find(k_documents.begin(), k_documents.end(), document) - k_documents.begin());
  valijson::adapters::NlohmannJsonAdapter adapter(value);
  valijson::ValidationResults results;
  std::vector<SchemaProblem> problems;
  if (validator.validate(m_impl->schemas[index], adapter, &results)) return problems;

  std::vector<SchemaProblem> raw;
  for (const auto& error : results) raw.push_back({to_pointer(error.context), error.description});
  // "Failed to validate ..." only says that something at or below failed: keep it
  // only when nothing more specific was said there.
  for (const auto& problem : raw) {
    if (is_cascade(problem.message) && std::any_of(raw.begin(), raw.end(), [&](const SchemaProblem& other) {
          return &other != &problem && (other.pointer == problem.pointer || below(problem.pointer, other.pointer)) &&
                 (!is_cascade(other.message) || below(problem.pointer, other.pointer));
        }))
      continue;
    problems.push_back(problem);
  }
  std::sort(problems.begin(), problems.end(), [](const SchemaProblem& a, const SchemaProblem& b) {
    return std::tie(a.pointer, a.message) < std::tie(b.pointer, b.message);
  });
  problems.erase(std::unique(problems.begin(), problems.end(),
                             [](const SchemaProblem& a, const SchemaProblem& b) {
                               return a.pointer == b.pointer && a.message == b.message;
                             }),
                 problems.end());
  return problems;
}

} // namespace errkb::bundle
