// schema/utf8: the UTF-8 helpers shared by lookup and ingest.
#include "schema/utf8.hpp"

#include <catch2/catch.hpp>

#include <string_view>
#include <vector>

using errkb::schema::decode_utf8;

namespace {

struct Decoded {
  char32_t cp;
  std::size_t length;
  bool operator==(const Decoded&) const = default;
};

// Every character of `text` in order, as decode_utf8 splits it.
std::vector<Decoded> decode_all(std::string_view text) {
  std::vector<Decoded> out;
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const std::size_t length = decode_utf8(text, i, cp);
    out.push_back({cp, length});
    i += length;
  }
  return out;
}

} // namespace

TEST_CASE("decode_utf8 decodes one to four byte characters", "[schema][utf8]") {
  CHECK(decode_all("a") == std::vector<Decoded>{{U'a', 1}});
  CHECK(decode_all("\xC3\xA9") == std::vector<Decoded>{{U'\u00E9', 2}});             // é
  CHECK(decode_all("\xE4\xB8\xA4") == std::vector<Decoded>{{U'\u4E24', 3}});         // 两
  CHECK(decode_all("\xF0\x9F\x98\x80") == std::vector<Decoded>{{U'\U0001F600', 4}}); // emoji
  CHECK(decode_all("x\xE2\x84\xAAy") == std::vector<Decoded>{{U'x', 1}, {U'\u212A', 3}, {U'y', 1}});
  CHECK(decode_all(std::string_view("\0", 1)) == std::vector<Decoded>{{U'\0', 1}});
}

TEST_CASE("decode_utf8 reads a byte that starts no complete sequence as itself", "[schema][utf8]") {
  // A continuation byte without a lead.
  CHECK(decode_all("\x80z") == std::vector<Decoded>{{0x80, 1}, {U'z', 1}});
  // A lead without its continuation bytes: cut by the end, or by an ASCII byte.
  CHECK(decode_all("\xE4\xB8") == std::vector<Decoded>{{0xE4, 1}, {0xB8, 1}});
  CHECK(decode_all("\xE9-z") == std::vector<Decoded>{{0xE9, 1}, {U'-', 1}, {U'z', 1}});
  CHECK(decode_all("\xFF") == std::vector<Decoded>{{0xFF, 1}});
  // Lenient: an overlong form and a surrogate decode to their values.
  CHECK(decode_all("\xC0\xAF") == std::vector<Decoded>{{U'/', 2}});
  CHECK(decode_all("\xED\xA0\x80") == std::vector<Decoded>{{0xD800, 3}});
}

TEST_CASE("decode_utf8 starts at the offset it is given", "[schema][utf8]") {
  constexpr std::string_view text = "ab\xC3\xA9";
  char32_t cp = 0;
  CHECK(decode_utf8(text, 2, cp) == 2);
  CHECK(cp == U'\u00E9');
  CHECK(decode_utf8(text, 3, cp) == 1); // inside the character: a lone continuation byte
  CHECK(cp == 0xA9);
}
