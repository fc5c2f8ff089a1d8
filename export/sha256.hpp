#pragma once
// SHA-256 digests (OpenSSL libcrypto), as lowercase hex.
#include <memory>
#include <string>
#include <string_view>

namespace errkb::bundle {

// An incremental SHA-256.
class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  // Adds `bytes` to the digest.
  void update(std::string_view bytes);

  // The digest of everything added, as 64 lowercase hex digits; the object then
  // starts over empty.
  std::string finish();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// SHA-256 of `bytes` as lowercase hex.
std::string sha256_hex(std::string_view bytes);

} // namespace errkb::bundle
