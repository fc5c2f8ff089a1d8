#include "lint/url.hpp"

#include <vector>

namespace errkb::lint {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// One WHATWG IPv4 number ("0x1f", "017", "31"); nullopt when not a number in its radix.
std::optional<std::uint64_t> ipv4_number(std::string_view part) {
  if (part.empty()) return std::nullopt;
  int radix = 10;
  if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
    radix = 16;
    part.remove_prefix(2);
  } else if (part.size() >= 2 && part[0] == '0') {
    radix = 8;
    part.remove_prefix(1);
  }
  std::uint64_t value = 0;
  for (char c : part) {
    const int digit = radix == 16 ? hex_value(c) : (is_digit(c) ? c - '0' : -1);
    if (digit < 0 || digit >= radix) return std::nullopt;
    value = value * static_cast<std::uint64_t>(radix) + static_cast<std::uint64_t>(digit);
    if (value > (1ULL << 40)) value = 1ULL << 40; // saturate: anything this big is out of range anyway
  }
  return value;
}

std::string dotted(std::uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) + "." +
         std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff);
}

bool in_v4(std::uint32_t address, std::uint32_t network, int prefix) {
  const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return (address & mask) == (network & mask);
}

std::uint32_t v4_at(const std::array<std::uint8_t, 16>& a, std::size_t offset) {
  return (std::uint32_t{a[offset]} << 24) | (std::uint32_t{a[offset + 1]} << 16) | (std::uint32_t{a[offset + 2]} << 8) |
         std::uint32_t{a[offset + 3]};
}

// Percent-decodes `host` and applies the IDNA mappings that can turn a host into an
// ASCII address or name (fullwidth letters, digits and dots; ideographic full stop),
// lowercasing ASCII. False on a bad %-escape.
bool decode_host(std::string_view host, std::string& out) {
  std::string bytes;
  for (std::size_t i = 0; i < host.size(); ++i) {
    if (host[i] == '%') {
      if (i + 2 >= host.size() || hex_value(host[i + 1]) < 0 || hex_value(host[i + 2]) < 0) return false;
      bytes += static_cast<char>(hex_value(host[i + 1]) * 16 + hex_value(host[i + 2]));
      i += 2;
    } else {
      bytes += host[i];
    }
  }
  out.clear();
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == 0xe3 && i + 2 < bytes.size() && static_cast<unsigned char>(bytes[i + 1]) == 0x80 &&
        static_cast<unsigned char>(bytes[i + 2]) == 0x82) { // U+3002 ideographic full stop
      out += '.';
      i += 2;
      continue;
    }
    if (c == 0xef && i + 2 < bytes.size()) { // U+FF01..U+FF5E fullwidth ASCII, U+FF61 halfwidth stop
      const unsigned b1 = static_cast<unsigned char>(bytes[i + 1]);
      const unsigned b2 = static_cast<unsigned char>(bytes[i + 2]);
      const unsigned code = 0xf000u | ((b1 & 0x3fu) << 6) | (b2 & 0x3fu);
      if (code >= 0xff01 && code <= 0xff5e) {
        out += lower(static_cast<char>(code - 0xff01 + 0x21));
        i += 2;
        continue;
      }
      if (code == 0xff61) {
        out += '.';
        i += 2;
        continue;
      }
    }
    out += lower(static_cast<char>(c));
  }
  return true;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Why a domain name is not public, or "".
std::string domain_category(std::string_view name) {
  if (name == "localhost" || ends_with(name, ".localhost")) return "localhost";
  if (name.find('.') == std::string_view::npos) return "single-label host name";
  for (std::string_view suffix : {".local", ".localdomain", ".internal", ".intranet", ".lan", ".home", ".corp",
                                  ".home.arpa", ".test", ".invalid", ".example"}) {
    if (ends_with(name, suffix)) return "reserved or private name (" + std::string(suffix.substr(1)) + ")";
  }
  return "";
}

UrlCheck problem(UrlProblem kind, std::string detail) { return UrlCheck{kind, std::move(detail)}; }

} // namespace

std::optional<std::uint32_t> parse_ipv4(std::string_view host, bool& invalid) {
  invalid = false;
  std::vector<std::string_view> parts = split(host, '.');
  if (parts.size() > 1 && parts.back().empty()) parts.pop_back();
  // WHATWG "ends in a number": only then is the host an IPv4 address (or invalid).
  const std::string_view last = parts.back();
  bool all_digits = !last.empty();
  for (char c : last) all_digits = all_digits && is_digit(c);
  if (!all_digits && !ipv4_number(last)) return std::nullopt;
  if (parts.size() > 4) {
    invalid = true;
    return std::nullopt;
  }
  std::vector<std::uint64_t> numbers;
  for (auto part : parts) {
    auto number = ipv4_number(part);
    if (!number) {
      invalid = true;
      return std::nullopt;
    }
    numbers.push_back(*number);
  }
  for (std::size_t i = 0; i + 1 < numbers.size(); ++i) {
    if (numbers[i] > 255) {
      invalid = true;
      return std::nullopt;
    }
  }
  const std::uint64_t limit = 1ULL << (8 * (5 - numbers.size()));
  if (numbers.back() >= limit) {
    invalid = true;
    return std::nullopt;
  }
  std::uint64_t address = numbers.back();
  for (std::size_t i = 0; i + 1 < numbers.size(); ++i) address += numbers[i] << (8 * (3 - i));
  return static_cast<std::uint32_t>(address);
}

std::optional<std::array<std::uint8_t, 16>> parse_ipv6(std::string_view text) {
  std::array<std::uint8_t, 16> out{};
  std::vector<std::uint16_t> head, tail;
  bool compressed = false;
  std::string_view rest = text;
  if (rest.substr(0, 2) == "::") {
    compressed = true;
    rest.remove_prefix(2);
  } else if (!rest.empty() && rest[0] == ':') {
    return std::nullopt;
  }
  std::optional<std::uint32_t> v4_tail;
  while (!rest.empty()) {
    std::vector<std::uint16_t>& groups = compressed ? tail : head;
    std::size_t end = rest.find(':');
    std::string_view piece = rest.substr(0, end);
    if (piece.find('.') != std::string_view::npos) { // IPv4 tail: strict dotted decimal, last piece only
      if (end != std::string_view::npos) return std::nullopt;
      auto parts = split(piece, '.');
      if (parts.size() != 4) return std::nullopt;
      std::uint32_t value = 0;
      for (auto part : parts) {
        if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) return std::nullopt;
        unsigned byte = 0;
        for (char c : part) {
          if (!is_digit(c)) return std::nullopt;
          byte = byte * 10 + static_cast<unsigned>(c - '0');
        }
        if (byte > 255) return std::nullopt;
        value = (value << 8) | byte;
      }
      v4_tail = value;
      groups.push_back(static_cast<std::uint16_t>(value >> 16));
      groups.push_back(static_cast<std::uint16_t>(value & 0xffff));
      break;
    }
    if (piece.empty() || piece.size() > 4) return std::nullopt;
    unsigned value = 0;
    for (char c : piece) {
      if (hex_value(c) < 0) return std::nullopt;
      value = value * 16 + static_cast<unsigned>(hex_value(c));
    }
    groups.push_back(static_cast<std::uint16_t>(value));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
    if (!rest.empty() && rest[0] == ':') {
      if (compressed) return std::nullopt; // a second ::
      compressed = true;
      rest.remove_prefix(1);
    } else if (rest.empty()) {
      return std::nullopt; // trailing single ':'
    }
  }
  const std::size_t total = head.size() + tail.size();
  if ((compressed && total > 7) || (!compressed && total != 8)) return std::nullopt;
  std::vector<std::uint16_t> groups = head;
  groups.resize(8 - tail.size(), 0);
  groups.insert(groups.end(), tail.begin(), tail.end());
  for (std::size_t i = 0; i < 8; ++i) {
    out[2 * i] = static_cast<std::uint8_t>(groups[i] >> 8);
    out[2 * i + 1] = static_cast<std::uint8_t>(groups[i] & 0xff);
  }
  return out;
}

std::string ipv4_category(std::uint32_t a) {
  if (in_v4(a, 0x00000000, 8)) return "unspecified (\"this network\")";
  if (in_v4(a, 0x7f000000, 8)) return "loopback";
  if (in_v4(a, 0x0a000000, 8) || in_v4(a, 0xac100000, 12) || in_v4(a, 0xc0a80000, 16)) return "private";
  if (in_v4(a, 0x64400000, 10)) return "shared (carrier-grade NAT)";
  if (in_v4(a, 0xa9fe0000, 16)) return "link-local";
  if (in_v4(a, 0xc0000200, 24) || in_v4(a, 0xc6336400, 24) || in_v4(a, 0xcb007100, 24)) return "documentation";
  if (in_v4(a, 0xc0000000, 24)) return "reserved (IETF protocol assignments)";
  if (in_v4(a, 0xc6120000, 15)) return "reserved (benchmarking)";
  if (in_v4(a, 0xe0000000, 4)) return "multicast";
  if (in_v4(a, 0xf0000000, 4)) return "reserved";
  return "";
}

std::string ipv6_category(const std::array<std::uint8_t, 16>& a) {
  auto zero_until = [&](std::size_t end) {
    for (std::size_t i = 0; i < end; ++i)
      if (a[i] != 0) return false;
    return true;
  };
  auto embedded = [&](std::size_t offset, const char* how) -> std::string {
    std::string category = ipv4_category(v4_at(a, offset));
    return category.empty() ? "" : category + " (" + how + " " + dotted(v4_at(a, offset)) + ")";
  };
  if (zero_until(16)) return "unspecified";
  if (zero_until(15) && a[15] == 1) return "loopback";
  if (zero_until(10) && a[10] == 0xff && a[11] == 0xff) return embedded(12, "IPv4-mapped");
  if (zero_until(12)) return embedded(12, "IPv4-compatible");
  if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b) {
    bool well_known = true;
    for (std::size_t i = 4; i < 12; ++i) well_known = well_known && a[i] == 0;
    if (well_known) return embedded(12, "NAT64");
  }
  if (a[0] == 0x20 && a[1] == 0x02) return embedded(2, "6to4");
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return "link-local";
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return "site-local";
  if ((a[0] & 0xfe) == 0xfc) return "unique local (private)";
  if (a[0] == 0xff) return "multicast";
  if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) return "documentation";
  if (a[0] == 0x01 && a[1] == 0 && a[2] == 0 && a[3] == 0 && a[4] == 0 && a[5] == 0 && a[6] == 0 && a[7] == 0)
    return "reserved (discard prefix)";
  return "";
}

UrlCheck check_url(std::string_view url) {
  std::size_t colon = 0;
  while (colon < url.size() && (is_alpha(url[colon]) || (colon > 0 && (is_digit(url[colon]) || url[colon] == '+' ||
                                                                       url[colon] == '-' || url[colon] == '.'))))
    ++colon;
  if (colon == 0 || colon >= url.size() || url[colon] != ':') {
    return problem(UrlProblem::scheme, "not a URL (no scheme)");
  }
  std::string scheme;
  for (char c : url.substr(0, colon)) scheme += lower(c);
  if (scheme != "http" && scheme != "https") return problem(UrlProblem::scheme, "scheme '" + scheme + "' is not http or https");

  for (char c : url) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return problem(UrlProblem::malformed, "contains whitespace or control characters");
  }
  std::string_view rest = url.substr(colon + 1);
  if (rest.substr(0, 2) != "//") return problem(UrlProblem::malformed, "missing '//' after '" + scheme + ":'");
  rest.remove_prefix(2);
  const std::size_t authority_end = rest.find_first_of("/?#\\");
  if (authority_end != std::string_view::npos && rest[authority_end] == '\\') {
    return problem(UrlProblem::malformed, "backslash in the host part (browsers read it as '/')");
  }
  std::string_view authority = rest.substr(0, authority_end);
  bool has_userinfo = false;
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    has_userinfo = true;
    authority.remove_prefix(at + 1);
  }

  std::string_view host_text = authority;
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return problem(UrlProblem::malformed, "unterminated IPv6 literal");
    host_text = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after[0] != ':') return problem(UrlProblem::malformed, "text after the IPv6 literal");
    if (!after.empty()) port = after.substr(1);
    auto address = parse_ipv6(host_text);
    if (!address) return problem(UrlProblem::malformed, "invalid IPv6 literal [" + std::string(host_text) + "]");
    for (char c : port)
      if (!is_digit(c)) return problem(UrlProblem::malformed, "invalid port '" + std::string(port) + "'");
    if (port.size() > 5 || (!port.empty() && std::stoul(std::string(port)) > 65535))
      return problem(UrlProblem::malformed, "port out of range");
    std::string category = ipv6_category(*address);
    if (!category.empty())
      return problem(UrlProblem::private_host, category + " address [" + std::string(host_text) + "]");
  } else {
    if (const std::size_t port_colon = authority.rfind(':'); port_colon != std::string_view::npos) {
      host_text = authority.substr(0, port_colon);
      port = authority.substr(port_colon + 1);
    }
    for (char c : port)
      if (!is_digit(c)) return problem(UrlProblem::malformed, "invalid port '" + std::string(port) + "'");
    if (port.size() > 5 || (!port.empty() && std::stoul(std::string(port)) > 65535))
      return problem(UrlProblem::malformed, "port out of range");
    if (host_text.empty()) return problem(UrlProblem::malformed, "no host");
    std::string host;
    if (!decode_host(host_text, host)) return problem(UrlProblem::malformed, "bad %-escape in the host");
    for (char c : host) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte <= 0x20 || byte == 0x7f || std::string_view("#%/:<>?@[\\]^|").find(c) != std::string_view::npos)
        return problem(UrlProblem::malformed, "forbidden character in host '" + host + "'");
    }
    bool invalid = false;
    if (auto address = parse_ipv4(host, invalid)) {
      std::string category = ipv4_category(*address);
      if (!category.empty()) {
        std::string shown = dotted(*address);
        if (shown != host) shown += " (written " + std::string(host_text) + ")";
        return problem(UrlProblem::private_host, category + " address " + shown);
      }
    } else if (invalid) {
      return problem(UrlProblem::malformed, "invalid IPv4 address '" + host + "'");
    } else {
      std::string_view name = host;
      if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
      for (auto label : split(name, '.'))
        if (label.empty()) return problem(UrlProblem::malformed, "empty label in host '" + host + "'");
      std::string category = domain_category(name);
      if (!category.empty()) return problem(UrlProblem::private_host, category + " '" + host + "'");
    }
  }
  if (has_userinfo) return problem(UrlProblem::userinfo, "user info before '@' hides the real host");
  return {};
}

} // namespace errkb::lint
