#pragma once
// URL checks for source and documentation links: scheme, syntax, and whether the
// host is public. Hosts are parsed as the WHATWG URL parser (browsers) parses them,
// so `http://127.1/`, `http://0x7f000001/` and `http://[::ffff:7f00:1]/` are all
// recognised as loopback.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace errkb::lint {

enum class UrlProblem {
  none,
  scheme,       // not http or https (or no scheme at all)
  malformed,    // http(s) but unparseable
  private_host, // host is not public
  userinfo,     // user@host
};

struct UrlCheck {
  UrlProblem problem = UrlProblem::none;
  std::string detail; // what is wrong, for the message ("loopback address 127.0.0.1", ...)
};

// The first problem of `url` in the order scheme, malformed, private host, userinfo.
UrlCheck check_url(std::string_view url);

// WHATWG IPv4 host parsing: 1-4 dot-separated parts, each decimal, 0x-hex or
// 0-octal, the last filling the remaining bytes ("127.1" = 127.0.0.1). nullopt when
// `host` is not an IPv4 address; sets `invalid` when it ends in a number but is no
// valid address (e.g. "1.2.3.256", "1.2.3.4.5").
std::optional<std::uint32_t> parse_ipv4(std::string_view host, bool& invalid);

// RFC 4291 text form (with :: and an IPv4 tail), without brackets or zone; nullopt when invalid.
std::optional<std::array<std::uint8_t, 16>> parse_ipv6(std::string_view text);

// Why an address is not public ("loopback", "private", "link-local", ...), or "" when public.
std::string ipv4_category(std::uint32_t address);
std::string ipv6_category(const std::array<std::uint8_t, 16>& address);

} // namespace errkb::lint
