// lint/url.cpp: URL scheme, syntax and host classification.
#include "lint/url.hpp"

#include <catch2/catch.hpp>

using errkb::lint::check_url;
using errkb::lint::UrlProblem;

TEST_CASE("public http(s) URLs pass", "[lint][url]") {
  for (const char* url : {"https://docs.python.org/3/library/exceptions.html", "http://example.com", "HTTPS://Example.COM:8443/x?y#z",
                          "https://[2001:4860:4860::8888]/dns", "https://8.8.8.8/", "https://xn--bcher-kva.example.org/",
                          "https://bücher.de/", "https://example.com./trailing-dot"}) {
    INFO(url);
    CHECK(check_url(url).problem == UrlProblem::none);
  }
}

TEST_CASE("other schemes are rejected", "[lint][url]") {
  for (const char* url : {"ftp://example.com/x", "javascript:alert(1)", "file:///etc/passwd", "docs.python.org/3/", "Python docs", ""}) {
    INFO(url);
    CHECK(check_url(url).problem == UrlProblem::scheme);
  }
}

TEST_CASE("malformed http(s) URLs are rejected", "[lint][url]") {
  for (const char* url : {"https:/docs.python.org", "https:docs.python.org", "https://", "https://:80/", "https://exa mple.com/",
                          "https://example.com:99999/", "https://example.com:8o/", "https://[::1/", "https://[1::2::3]/",
                          "https://1.2.3.256/", "https://1.2.3.4.5/", "https://0x100000000/", "https://a..b/",
                          "https://evil.com\\@good.com/", "https://exa%zzmple.com/", "https://ex<ample.com/"}) {
    INFO(url);
    CHECK(check_url(url).problem == UrlProblem::malformed);
  }
}

TEST_CASE("non-public hosts are found in every IPv4 and IPv6 spelling", "[lint][url]") {
  for (const char* url :
       {"http://localhost/", "http://LOCALHOST:8080/", "http://app.localhost/", "http://printer.local/", "http://wiki/",
        "http://db.internal/", "http://127.0.0.1/", "http://127.1/", "http://127.0.1/", "http://0x7f000001/",
        "http://2130706433/", "http://0177.0.0.1/", "http://0x7f.1/", "http://127.0.0.1./", "http://%31%32%37.0.0.1/",
        "http://１２７.0.0.1/", "http://127。0。0。1/", "http://10.1.2.3/", "http://172.16.0.1/", "http://172.31.255.255/",
        "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/", "http://0.0.0.0/",
        "http://224.0.0.1/", "http://255.255.255.255/", "http://192.0.2.10/", "http://[::1]/", "http://[::]/",
        "http://[0:0:0:0:0:0:0:1]/", "http://[fe80::1]/", "http://[FE80::abcd:1]/", "http://[fc00::1]/", "http://[fd12:3456::1]/",
        "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[::ffff:10.0.0.1]/", "http://[64:ff9b::a00:1]/",
        "http://[2002:c0a8:101::1]/", "http://[ff02::1]/", "http://[2001:db8::1]/", "http://user@127.0.0.1/"}) {
    INFO(url);
    CHECK(check_url(url).problem == UrlProblem::private_host);
  }
}

TEST_CASE("public look-alikes are not flagged", "[lint][url]") {
  for (const char* url : {"http://172.32.0.1/", "http://172.15.255.255/", "http://192.169.0.1/", "http://11.0.0.1/",
                          "http://[fec0::1.example.com]/x", "http://127.0.0.1.nip.io.example.com/", "http://[2001:4860::1]/",
                          "http://[::ffff:8.8.8.8]/", "http://localhost.example.com/"}) {
    INFO(url);
    const auto problem = check_url(url).problem;
    CHECK((problem == UrlProblem::none || problem == UrlProblem::malformed));
  }
  CHECK(check_url("http://172.32.0.1/").problem == UrlProblem::none);
  CHECK(check_url("http://[::ffff:8.8.8.8]/").problem == UrlProblem::none);
  CHECK(check_url("http://localhost.example.com/").problem == UrlProblem::none);
}

TEST_CASE("user info is reported after the host checks", "[lint][url]") {
  const auto check = check_url("https://docs.python.org@evil.example.net/");
  CHECK(check.problem == UrlProblem::userinfo);
  CHECK(check.detail == "user info before '@' hides the real host");
}

TEST_CASE("messages name the address as a browser reads it", "[lint][url]") {
  CHECK(check_url("http://0x7f000001/").detail == "loopback address 127.0.0.1 (written 0x7f000001)");
  CHECK(check_url("http://[::ffff:7f00:1]/").detail == "loopback (IPv4-mapped 127.0.0.1) address [::ffff:7f00:1]");
  CHECK(check_url("http://[fe80::1]/").detail == "link-local address [fe80::1]");
}

TEST_CASE("IPv4 parsing follows the WHATWG URL standard", "[lint][url]") {
  bool invalid = false;
  CHECK(errkb::lint::parse_ipv4("127.1", invalid) == 0x7f000001u);
  CHECK(errkb::lint::parse_ipv4("0x7f.0.0.1", invalid) == 0x7f000001u);
  CHECK(errkb::lint::parse_ipv4("1.2.3", invalid) == 0x01020003u);
  CHECK(errkb::lint::parse_ipv4("4294967295", invalid) == 0xffffffffu);
  CHECK_FALSE(errkb::lint::parse_ipv4("4294967296", invalid));
  CHECK(invalid);
  CHECK_FALSE(errkb::lint::parse_ipv4("example.com", invalid));
  CHECK_FALSE(invalid);
  CHECK_FALSE(errkb::lint::parse_ipv4("1.example", invalid));
  CHECK_FALSE(invalid);
  CHECK_FALSE(errkb::lint::parse_ipv4("example.09", invalid)); // ends in a number that is no octal number
  CHECK(invalid);
}

TEST_CASE("IPv6 parsing", "[lint][url]") {
  CHECK(errkb::lint::parse_ipv6("::"));
  CHECK(errkb::lint::parse_ipv6("1:2:3:4:5:6:7:8"));
  CHECK(errkb::lint::parse_ipv6("::ffff:1.2.3.4"));
  CHECK(errkb::lint::parse_ipv6("1::"));
  CHECK_FALSE(errkb::lint::parse_ipv6("1:2:3:4:5:6:7:8:9"));
  CHECK_FALSE(errkb::lint::parse_ipv6(":1::"));
  CHECK_FALSE(errkb::lint::parse_ipv6("1::2::3"));
  CHECK_FALSE(errkb::lint::parse_ipv6("12345::"));
  CHECK_FALSE(errkb::lint::parse_ipv6("::1.2.3"));
  CHECK_FALSE(errkb::lint::parse_ipv6("1:"));
}
