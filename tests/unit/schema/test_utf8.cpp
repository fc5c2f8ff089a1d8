// schema/utf8: the UTF-8 helpers shared by lookup and ingest.
#include "schema/utf8.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

using errkb::schema::decode_utf8;
using errkb::schema::find_invalid_utf8;
using errkb::schema::has_unspaced_script;
using errkb::schema::utf8_sequence_length;

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

TEST_CASE("find_invalid_utf8 accepts well-formed text", "[schema][utf8]") {
  CHECK(find_invalid_utf8("") == std::string_view::npos);
  CHECK(find_invalid_utf8("plain ASCII, longer than one eight-byte block") == std::string_view::npos);
  CHECK(find_invalid_utf8(std::string_view("NUL \0 is text", 14)) == std::string_view::npos);
  // The smallest and largest code point of each length.
  CHECK(find_invalid_utf8("\xC2\x80 \xDF\xBF \xE0\xA0\x80 \xEF\xBF\xBF \xF0\x90\x80\x80 \xF4\x8F\xBF\xBF") ==
        std::string_view::npos);
  CHECK(find_invalid_utf8("caf\xC3\xA9 \xE4\xB8\xA4\xE8\x80\x85") == std::string_view::npos);
}

TEST_CASE("find_invalid_utf8 gives the offset of the first ill-formed sequence", "[schema][utf8]") {
  struct Case {
    const char* name;
    std::string bytes;
    std::size_t offset;
  };
  const Case cases[] = {
      {"overlong 2-byte", "a\xC0\xAF", 1},
      {"overlong 3-byte", "a\xE0\x80\xAF", 1},
      {"overlong 4-byte", "a\xF0\x80\x80\xAF", 1},
      {"surrogate", "ok \xED\xA0\x80", 3},
      {"above U+10FFFF", "\xF4\x90\x80\x80", 0},
      {"F5 lead", "\xF5\x80\x80\x80", 0},
      {"lone continuation", "\x80", 0},
      {"truncated at the end", "ab\xE2\x82", 2},
      {"bad third byte", "\xE2\x82(", 0},
      {"after an eight-byte ASCII run", "abcdefghijklmnop\xFF", 16},
      {"the first of two", "\xC3\xA9\xFF\xFF", 2},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    CHECK(find_invalid_utf8(c.bytes) == c.offset);
  }
}

TEST_CASE("utf8_sequence_length accepts exactly the well-formed sequences", "[schema][utf8]") {
  CHECK(utf8_sequence_length("a", 0) == 0); // ASCII is no multi-byte sequence
  CHECK(utf8_sequence_length("\xC3\xA9", 0) == 2);
  CHECK(utf8_sequence_length("x\xE4\xB8\xA4", 1) == 3);
  CHECK(utf8_sequence_length("\xF0\x9F\x98\x80", 0) == 4);
  for (const std::string& bad : {std::string("\xC0\x80"), std::string("\xE0\x80\x80"), std::string("\xED\xA0\x80"),
                                std::string("\xF4\x90\x80\x80"), std::string("\x80"), std::string("\xE4\xB8"),
                                std::string("\xFF")}) {
    INFO(bad.size());
    CHECK(utf8_sequence_length(bad, 0) == 0);
    CHECK(find_invalid_utf8(bad) == 0);
  }
}

// Ingest (which documents the trigram index covers in full) and search (which
// queries go to it) both ask this one function.
TEST_CASE("has_unspaced_script finds the scripts written without spaces", "[schema][utf8]") {
  CHECK_FALSE(has_unspaced_script(""));
  CHECK_FALSE(has_unspaced_script("ValueError: bnb_4bit_compute_dtype — “quoted” café ü Привет"));
  CHECK_FALSE(has_unspaced_script("naïve café ошибка"));
  CHECK(has_unspaced_script("两者不兼容"));
  CHECK(has_unspaced_script("x インストール"));
  CHECK(has_unspaced_script("호환되지 않음"));
  CHECK(has_unspaced_script("ภาษาไทย"));
  CHECK(has_unspaced_script("ext B: \xf0\xa0\x80\x80"));
  CHECK(has_unspaced_script("\xE1\x84\x80"));   // U+1100 Hangul Jamo
  CHECK(has_unspaced_script("\xEF\xBE\xA1"));   // U+FFA1 halfwidth Hangul
  CHECK_FALSE(has_unspaced_script("emoji 😀 only"));
  CHECK_FALSE(has_unspaced_script(std::string("truncated \xe4\xb8", 12)));
}
