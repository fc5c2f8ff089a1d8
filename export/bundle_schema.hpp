#pragma once
// schema/bundle.schema.json, the published format of an export bundle, and
// validation of bundle documents against it.
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace errkb::bundle {

// Version of the bundle format (manifest.json's `format_version`).
inline constexpr int k_format_version = 1;

// The bytes of schema/bundle.schema.json, embedded at build time.
std::string_view bundle_schema_text();

// The parsed bundle schema.
const nlohmann::json& bundle_schema();

// The documents of a bundle, each a definition of the bundle schema.
enum class Document { record, index, domain_bundle, manifest, stats };

// "record" / "index" / "domain_bundle" / "manifest" / "stats".
const char* document_name(Document document);

struct SchemaProblem {
  std::string pointer; // RFC 6901 pointer into the document
  std::string message;
};

class BundleValidator {
public:
  BundleValidator();
  ~BundleValidator();
  BundleValidator(const BundleValidator&) = delete;
  BundleValidator& operator=(const BundleValidator&) = delete;

  // The problems of `value` as a `document`, deepest failures only, sorted;
  // empty when it is valid. Safe to call from several threads at once.
  std::vector<SchemaProblem> validate(Document document, const nlohmann::json& value) const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace errkb::bundle
