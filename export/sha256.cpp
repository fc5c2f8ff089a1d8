#include "export/sha256.hpp"

#include "schema/error.hpp"

#include <openssl/evp.h>

namespace errkb::bundle {

struct Sha256::Impl {
  EVP_MD_CTX* context = nullptr;
};

Sha256::Sha256() : m_impl(std::make_unique<Impl>()) {
  m_impl->context = EVP_MD_CTX_new();
  if (m_impl->context == nullptr || EVP_DigestInit_ex(m_impl->context, EVP_sha256(), nullptr) != 1)
    throw Error("OpenSSL cannot start a SHA-256 digest");
}

Sha256::~Sha256() { EVP_MD_CTX_free(m_impl->context); }

void Sha256::update(std::string_view bytes) {
  if (!bytes.empty() && EVP_DigestUpdate(m_impl->context, bytes.data(), bytes.size()) != 1)
    throw Error("OpenSSL SHA-256 update failed");
}

std::string Sha256::finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(m_impl->context, digest, &length) != 1 ||
      EVP_DigestInit_ex(m_impl->context, EVP_sha256(), nullptr) != 1)
    throw Error("OpenSSL SHA-256 finish failed");
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out(length * 2, '0');
  for (unsigned int i = 0; i < length; ++i) {
    out[2 * i] = k_hex[digest[i] >> 4];
    out[2 * i + 1] = k_hex[digest[i] & 0x0f];
  }
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes);
  return hash.finish();
}

} // namespace errkb::bundle
