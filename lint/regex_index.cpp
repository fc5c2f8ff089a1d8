#include "lint/regex_index.hpp"

#include "lint/parallel.hpp"
#include "schema/record.hpp"
#include "schema/search_regex.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

namespace errkb::lint {
namespace {

constexpr std::size_t k_min_literal = 3;
constexpr std::size_t k_max_alternatives = 64;
constexpr int k_max_depth = 100;

std::uint32_t trigram(const char* bytes) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[0])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[2])) << 16;
}

bool is_ascii(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The code point of one UTF-8 sequence (0 when malformed).
char32_t decode(std::string_view bytes) {
  const auto b0 = static_cast<unsigned char>(bytes[0]);
  const std::size_t length = b0 >= 0xf0 ? 4 : b0 >= 0xe0 ? 3 : b0 >= 0xc0 ? 2 : 0;
  if (length == 0 || bytes.size() != length) return 0;
  char32_t code = b0 & (0x7f >> length);
  for (std::size_t i = 1; i < length; ++i) code = (code << 6) | (static_cast<unsigned char>(bytes[i]) & 0x3f);
  return code;
}

// Blocks of scripts without letter case (Unicode has no case pairs there), where RE2's
// case-insensitive matching compares code points exactly.
bool is_caseless(char32_t c) {
  return (c >= 0x0590 && c <= 0x08ff) ||   // Hebrew, Arabic, Syriac, Thaana, NKo, ...
         (c >= 0x0900 && c <= 0x0fff) ||   // Indic scripts, Thai, Lao, Tibetan
         (c >= 0x1100 && c <= 0x11ff) ||   // Hangul Jamo
         (c >= 0x3000 && c <= 0x9fff) ||   // CJK punctuation, kana, CJK ideographs
         (c >= 0xac00 && c <= 0xd7af) ||   // Hangul syllables
         (c >= 0xf900 && c <= 0xfaff);     // CJK compatibility ideographs
}

// The literal structure of a regex: an alternation of sequences of parts that every
// match contains (a literal run, or a group's alternation); optional parts are left out.
struct Alternation;
struct Part {
  std::string literal;                 // a run of literal characters, or
  std::unique_ptr<Alternation> group;  // a required group, or
  bool non_ascii = false;              // a cased non-ASCII character (some non-ASCII character of the text)
};
struct Alternation {
  std::vector<std::vector<Part>> branches;
};

// Parses RE2 syntax into that structure. Every construct it does not model exactly
// either contributes nothing (classes, escapes, optional parts) or makes the whole
// parse fail (no requirement), so what it yields is always necessary.
class LiteralParser {
public:
  explicit LiteralParser(std::string_view pattern) : m_p(pattern) {}

  // nullptr when the pattern is not understood.
  std::unique_ptr<Alternation> parse() {
    auto result = alternation(0);
    if (m_failed || m_i != m_p.size()) return nullptr;
    return result;
  }

private:
  enum class Kind { literal, group, any, zero_width, non_ascii };
  struct Item {
    Kind kind = Kind::any;
    std::string text; // literal: one character (lowercased ASCII, or the UTF-8 bytes of a caseless one)
    std::unique_ptr<Alternation> group;
  };
  enum class Repeat { once, optional, one_or_more };

  std::unique_ptr<Alternation> alternation(int depth) {
    auto out = std::make_unique<Alternation>();
    if (depth > k_max_depth) {
      m_failed = true;
      return out;
    }
    out->branches.push_back(sequence(depth));
    while (!m_failed && m_i < m_p.size() && m_p[m_i] == '|') {
      ++m_i;
      out->branches.push_back(sequence(depth));
    }
    return out;
  }

  std::vector<Part> sequence(int depth) {
    std::vector<Part> parts;
    std::string run;
    auto flush = [&] {
      if (!run.empty()) parts.push_back({std::move(run), nullptr, false});
      run.clear();
    };
    while (!m_failed && m_i < m_p.size() && m_p[m_i] != '|' && m_p[m_i] != ')') {
      Item item = atom(depth);
      if (m_failed) return {};
      const Repeat repeat = quantifier();
      if (m_failed) return {};
      switch (item.kind) {
      case Kind::literal:
        if (repeat == Repeat::optional) {
          flush();
        } else {
          run += item.text;
          if (repeat == Repeat::one_or_more) flush();
        }
        break;
      case Kind::group:
        flush();
        if (repeat != Repeat::optional) parts.push_back({"", std::move(item.group), false});
        break;
      case Kind::non_ascii:
        flush();
        if (repeat != Repeat::optional) parts.push_back({"", nullptr, true});
        break;
      case Kind::any:
      case Kind::zero_width: flush(); break;
      }
    }
    flush();
    return parts;
  }

  // A valid {n}, {n,} or {n,m} at m_i: 0 (may repeat zero times), 1 (exactly once) or
  // 2 (at least once); nullopt when the text there is no repetition (then `{` is literal).
  std::optional<int> repetition(std::size_t& end) const {
    std::size_t i = m_i;
    if (i >= m_p.size() || m_p[i] != '{') return std::nullopt;
    ++i;
    const std::size_t digits = i;
    long minimum = 0;
    while (i < m_p.size() && is_digit(m_p[i])) minimum = std::min(minimum * 10 + (m_p[i++] - '0'), 100000L);
    if (i == digits) return std::nullopt;
    long maximum = minimum;
    if (i < m_p.size() && m_p[i] == ',') {
      ++i;
      maximum = -1;
      if (i < m_p.size() && is_digit(m_p[i])) {
        maximum = 0;
        while (i < m_p.size() && is_digit(m_p[i])) maximum = std::min(maximum * 10 + (m_p[i++] - '0'), 100000L);
      }
    }
    if (i >= m_p.size() || m_p[i] != '}') return std::nullopt;
    end = i + 1;
    return minimum == 0 ? 0 : (minimum == 1 && maximum == 1 ? 1 : 2);
  }

  Repeat quantifier() {
    if (m_i >= m_p.size()) return Repeat::once;
    Repeat repeat = Repeat::once;
    const char c = m_p[m_i];
    std::size_t end = 0;
    if (c == '*' || c == '?') {
      repeat = Repeat::optional;
      ++m_i;
    } else if (c == '+') {
      repeat = Repeat::one_or_more;
      ++m_i;
    } else if (auto minimum = repetition(end)) {
      repeat = *minimum == 0 ? Repeat::optional : *minimum == 1 ? Repeat::once : Repeat::one_or_more;
      m_i = end;
    } else {
      return Repeat::once;
    }
    if (m_i < m_p.size() && m_p[m_i] == '?') ++m_i; // non-greedy
    if (m_i < m_p.size() && (m_p[m_i] == '*' || m_p[m_i] == '+' || m_p[m_i] == '?')) m_failed = true; // RE2 rejects
    return repeat;
  }

  Item atom(int depth) {
    const char c = m_p[m_i];
    Item item;
    switch (c) {
    case '(': return group(depth);
    case '[': skip_class(); return item;
    case '.': ++m_i; return item;
    case '^':
    case '$':
      ++m_i;
      item.kind = Kind::zero_width;
      return item;
    case '\\': return escape();
    case '*':
    case '+':
    case '?': m_failed = true; return item;
    case '{': {
      std::size_t end = 0;
      if (repetition(end)) m_failed = true; // a repetition of nothing
      break;
    }
    default: break;
    }
    if (static_cast<unsigned char>(c) >= 0x80) {
      // A non-ASCII character is a literal only in scripts without case (a cased one
      // matches its other cases too, which the byte comparison would miss).
      const std::size_t start = m_i++;
      while (m_i < m_p.size() && (static_cast<unsigned char>(m_p[m_i]) & 0xc0) == 0x80) ++m_i;
      const char32_t code = decode(m_p.substr(start, m_i - start));
      if (is_caseless(code)) {
        item.kind = Kind::literal;
        item.text = std::string(m_p.substr(start, m_i - start));
      } else if (code >= 0x80 && code != 0x212a && code != 0x017f) {
        // Its case variants are non-ASCII too, except for the Kelvin sign and the long
        // s, which match 'k' and 's': the text needs some non-ASCII character there.
        item.kind = Kind::non_ascii;
      }
      return item;
    }
    ++m_i;
    item.kind = Kind::literal;
    item.text = std::string(1, lower(c));
    return item;
  }

  Item group(int depth) {
    ++m_i; // (
    Item item;
    if (m_i < m_p.size() && m_p[m_i] == '?') {
      ++m_i;
      if (m_p.substr(m_i, 2) == "P<" || (m_i < m_p.size() && m_p[m_i] == '<')) {
        const std::size_t close = m_p.find('>', m_i);
        if (close == std::string_view::npos) {
          m_failed = true;
          return item;
        }
        m_i = close + 1;
      } else {
        while (m_i < m_p.size() && std::string_view("imsU-").find(m_p[m_i]) != std::string_view::npos) ++m_i;
        if (m_i < m_p.size() && m_p[m_i] == ')') { // (?flags): changes flags, matches nothing
          ++m_i;
          item.kind = Kind::zero_width;
          // RE2 applies a repetition after it to the atom before it: `K(?i)*` is `K*`.
          // Not modelled: no requirement.
          std::size_t end = 0;
          if (m_i < m_p.size() && (m_p[m_i] == '*' || m_p[m_i] == '+' || m_p[m_i] == '?' || repetition(end)))
            m_failed = true;
          return item;
        }
        if (m_i >= m_p.size() || m_p[m_i] != ':') {
          m_failed = true;
          return item;
        }
        ++m_i;
      }
    }
    item.group = alternation(depth + 1);
    if (m_failed || m_i >= m_p.size() || m_p[m_i] != ')') {
      m_failed = true;
      return item;
    }
    ++m_i;
    item.kind = Kind::group;
    return item;
  }

  void skip_class() {
    ++m_i; // [
    if (m_i < m_p.size() && m_p[m_i] == '^') ++m_i;
    if (m_i < m_p.size() && m_p[m_i] == ']') ++m_i; // a leading ] is literal
    while (m_i < m_p.size() && m_p[m_i] != ']') {
      if (m_p[m_i] == '\\') {
        m_i += 2;
      } else if (m_p.substr(m_i, 2) == "[:") {
        const std::size_t close = m_p.find(":]", m_i + 2);
        m_i = close == std::string_view::npos ? m_p.size() : close + 2;
      } else {
        ++m_i;
      }
    }
    if (m_i >= m_p.size()) {
      m_failed = true;
      return;
    }
    ++m_i; // ]
  }

  Item escape() {
    Item item;
    if (m_i + 1 >= m_p.size()) {
      m_failed = true;
      return item;
    }
    const char e = m_p[m_i + 1];
    m_i += 2;
    if (e == 'b' || e == 'B' || e == 'A' || e == 'z') {
      item.kind = Kind::zero_width;
    } else if (e == 'p' || e == 'P' || e == 'x') {
      if (m_i < m_p.size() && m_p[m_i] == '{') {
        const std::size_t close = m_p.find('}', m_i);
        m_i = close == std::string_view::npos ? m_p.size() : close + 1;
      } else {
        m_i += e == 'x' ? 2 : 1;
      }
      m_i = std::min(m_i, m_p.size());
    } else if (e == 'Q') {
      const std::size_t end = m_p.find("\\E", m_i);
      m_i = end == std::string_view::npos ? m_p.size() : end + 2;
    } else if (std::string_view("dDwWsSCaftnrv01234567").find(e) != std::string_view::npos) {
      while (e >= '0' && e <= '7' && m_i < m_p.size() && m_p[m_i] >= '0' && m_p[m_i] <= '7') ++m_i;
    } else if (!is_alnum(e) && static_cast<unsigned char>(e) < 0x80) {
      item.kind = Kind::literal; // an escaped punctuation character is itself
      item.text = std::string(1, e);
    } else {
      m_failed = true;
    }
    return item;
  }

  std::string_view m_p;
  std::size_t m_i = 0;
  bool m_failed = false;
};

// Where the earliest possible match of `node` starting at or after `from` in `lowered`
// (ASCII-lowercased text) can end, counting only literal parts: a branch's literal runs
// and required groups occur in the branch's order without overlapping, so each is
// searched from where the previous one ended (the earliest end leaves the most room for
// the rest). npos when no branch fits: then the pattern cannot match the text, apart
// from RE2's non-ASCII case folds of 'k' and 's', which callers handle.
std::size_t earliest_end(const Alternation& node, std::string_view lowered, std::size_t from) {
  std::size_t best = std::string_view::npos;
  for (const auto& branch : node.branches) {
    std::size_t at = from;
    for (const auto& part : branch) {
      if (part.group) {
        at = earliest_end(*part.group, lowered, at);
      } else if (part.non_ascii) {
        while (at < lowered.size() && static_cast<unsigned char>(lowered[at]) < 0x80) ++at;
        at = at < lowered.size() ? at + 1 : std::string_view::npos;
      } else {
        at = lowered.find(part.literal, at);
        if (at != std::string_view::npos) at += part.literal.size();
      }
      if (at == std::string_view::npos) break;
    }
    best = std::min(best, at);
  }
  return best;
}

// False only when `node` cannot match a text whose ASCII-lowercased form is `lowered`.
bool may_match(const Alternation& node, std::string_view lowered) {
  return earliest_end(node, lowered, 0) != std::string_view::npos;
}

using Requirement = std::vector<std::string>; // one of these must occur; empty: none
using Frequency = std::unordered_map<std::string, std::size_t>;

void collect_literals(const Alternation& node, std::vector<std::string>& out) {
  for (const auto& branch : node.branches)
    for (const auto& part : branch) {
      if (part.group) {
        collect_literals(*part.group, out);
      } else if (part.literal.size() >= k_min_literal) {
        out.push_back(part.literal);
      }
    }
}

// The cheapest necessary requirement of `node`: per branch the part whose literals
// occur in the fewest texts (`frequency`), ties to the longer literals; the union
// over branches. Empty when a branch has no usable part.
Requirement choose(const Alternation& node, const Frequency& frequency);

Requirement choose_branch(const std::vector<Part>& parts, const Frequency& frequency) {
  Requirement best;
  std::size_t best_cost = 0, best_shortest = 0;
  for (const auto& part : parts) {
    Requirement candidate;
    if (part.group) {
      candidate = choose(*part.group, frequency);
    } else if (part.literal.size() >= k_min_literal) {
      candidate = {part.literal};
    }
    if (candidate.empty()) continue;
    std::size_t cost = 0, shortest = static_cast<std::size_t>(-1);
    for (const auto& literal : candidate) {
      auto it = frequency.find(literal);
      cost += it == frequency.end() ? 0 : it->second;
      shortest = std::min(shortest, literal.size());
    }
    if (best.empty() || cost < best_cost || (cost == best_cost && shortest > best_shortest)) {
      best = std::move(candidate);
      best_cost = cost;
      best_shortest = shortest;
    }
  }
  return best;
}

Requirement choose(const Alternation& node, const Frequency& frequency) {
  Requirement out;
  for (const auto& branch : node.branches) {
    Requirement part = choose_branch(branch, frequency);
    if (part.empty()) return {};
    out.insert(out.end(), part.begin(), part.end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.size() > k_max_alternatives) return {};
  return out;
}

} // namespace

std::uint32_t LiteralSet::key(const char* bytes) { return trigram(bytes); }

LiteralSet::LiteralSet(std::vector<std::string> literals)
  : m_literals(std::move(literals)), m_present((std::size_t{1} << k_bits) / 64, 0) {
  std::unordered_map<std::uint32_t, std::size_t> frequency;
  for (const auto& literal : m_literals)
    for (std::size_t pos = 0; pos + 3 <= literal.size(); ++pos) ++frequency[trigram(literal.data() + pos)];
  for (std::uint32_t id = 0; id < m_literals.size(); ++id) {
    const std::string& literal = m_literals[id];
    std::size_t best = 0;
    for (std::size_t pos = 1; pos + 3 <= literal.size(); ++pos)
      if (frequency[trigram(literal.data() + pos)] < frequency[trigram(literal.data() + best)]) best = pos;
    const std::uint32_t k = trigram(literal.data() + best);
    m_by_trigram[k].emplace_back(id, best);
    m_present[bit(k) >> 6] |= std::uint64_t{1} << (bit(k) & 63);
  }
}

std::vector<std::string> required_literals(const std::string& pattern, const Frequency& frequency) {
  auto tree = LiteralParser(pattern).parse();
  return tree ? choose(*tree, frequency) : Requirement{};
}

std::vector<std::string> required_literals(const std::string& pattern) { return required_literals(pattern, {}); }

namespace {

// True when the Latin-1 compilation of `pattern` matches ASCII text exactly as the UTF-8
// one does: the pattern is ASCII and names no code point by escape (`\x{212A}`, the
// Kelvin sign, and `\x{17F}`, the long s, match 'k' and 's' case-insensitively in
// UTF-8 only) and no Unicode class (`\p`, `\P`).
bool latin1_safe(std::string_view pattern) {
  return is_ascii(pattern) && pattern.find("\\x{") == std::string_view::npos &&
         pattern.find("\\p") == std::string_view::npos && pattern.find("\\P") == std::string_view::npos;
}

// The compiled forms of one pattern, each built when first needed and used by one
// thread only (no lock around RE2's DFA cache): the Latin-1 build of an ASCII pattern,
// else the UTF-8 one, and for a Latin-1 pattern the UTF-8 build for non-ASCII text.
class Compiled {
public:
  explicit Compiled(const std::string& pattern) : m_pattern(pattern), m_latin1(latin1_safe(pattern)) {}

  bool ok() { return regex() != nullptr; }

  // RE2::PartialMatch with `match`'s (UTF-8) semantics; `ascii`: the text is ASCII-only.
  bool matches(const std::string& text, bool ascii) {
    if (!m_latin1 || ascii) {
      const schema::SearchRegex* re = regex();
      return re != nullptr && re->search(text);
    }
    if (!m_utf8) m_utf8 = std::make_unique<schema::SearchRegex>(m_pattern, schema::regex_options());
    return m_utf8->ok() && m_utf8->search(text);
  }

private:
  // Null if invalid.
  const schema::SearchRegex* regex() {
    if (!m_tried) {
      m_tried = true;
      RE2::Options options = schema::regex_options();
      if (m_latin1) options.set_encoding(RE2::Options::EncodingLatin1);
      auto re = std::make_unique<schema::SearchRegex>(m_pattern, options);
      if (re->ok()) m_regex = std::move(re);
    }
    return m_regex.get();
  }

  const std::string& m_pattern;
  bool m_latin1;
  bool m_tried = false;
  std::unique_ptr<schema::SearchRegex> m_regex;
  std::unique_ptr<schema::SearchRegex> m_utf8; // UTF-8 build of a Latin-1 pattern, for non-ASCII text
};

// Which texts contain each literal: one scan of the texts (every `stride`-th: 0,
// stride, 2 * stride, ...) with a LiteralSet of all literals, split over threads by
// text ranges. Literal `id`'s texts, ascending, are texts[offset[id]] ..
// texts[offset[id + 1]] (one array: no slack of a vector each).
struct Postings {
  std::vector<std::size_t> offset;
  std::vector<std::uint32_t> texts;
  std::size_t count(std::size_t id) const { return offset[id + 1] - offset[id]; }
};
Postings postings(const LiteralSet& index, const std::vector<std::string>& lowered, unsigned threads,
                  std::size_t stride = 1) {
  const std::size_t literal_count = index.literals().size();
  const std::size_t sampled = (lowered.size() + stride - 1) / stride;
  const std::size_t parts = std::max<std::size_t>(1, std::min<std::size_t>(threads, sampled / 256));
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> found(parts); // (literal, text)
  run_parts(parts, [&](std::size_t part) {
    const std::size_t from = part * sampled / parts, to = (part + 1) * sampled / parts;
    std::vector<std::uint32_t> seen(literal_count, 0);
    for (std::size_t s = from; s < to; ++s) {
      const auto stamp = static_cast<std::uint32_t>(s - from + 1);
      index.scan(lowered[s * stride], [&](std::uint32_t id) {
        if (seen[id] == stamp) return;
        seen[id] = stamp;
        found[part].emplace_back(id, static_cast<std::uint32_t>(s * stride));
      });
    }
  });
  Postings out;
  out.offset.assign(literal_count + 1, 0);
  for (const auto& part : found)
    for (const auto& hit : part) ++out.offset[hit.first + 1];
  for (std::size_t id = 0; id < literal_count; ++id) out.offset[id + 1] += out.offset[id];
  out.texts.resize(out.offset[literal_count]);
  std::vector<std::size_t> next(out.offset.begin(), out.offset.end() - 1);
  for (auto& part : found) { // parts cover ascending text ranges: filling in order keeps each list sorted
    for (const auto& [id, t] : part) out.texts[next[id]++] = t;
    std::vector<std::pair<std::uint32_t, std::uint32_t>>().swap(part);
  }
  return out;
}

// How many texts of a sample (at most about k_sample, spread evenly) hold each literal
// the requirements could use: only the literals' order matters.
constexpr std::size_t k_sample = 16384;
Frequency literal_frequency(const std::vector<std::unique_ptr<Alternation>>& trees,
                            const std::vector<std::string>& lowered, unsigned threads) {
  std::vector<std::string> literals;
  for (const auto& tree : trees)
    if (tree) collect_literals(*tree, literals);
  std::sort(literals.begin(), literals.end());
  literals.erase(std::unique(literals.begin(), literals.end()), literals.end());
  const LiteralSet index(literals);
  const Postings sample = postings(index, lowered, threads, std::max<std::size_t>(1, lowered.size() / k_sample));
  Frequency frequency;
  for (std::uint32_t id = 0; id < index.literals().size(); ++id) frequency.emplace(index.literals()[id], sample.count(id));
  return frequency;
}

} // namespace

RegexScan scan_regexes(const std::vector<std::string>& patterns, const std::vector<std::string>& texts,
                       const std::vector<std::pair<std::size_t, std::size_t>>& checks, const RegexScanOptions& options) {
  const unsigned threads = thread_count(options.threads);
  RegexScan result;
  // Threads write these; std::vector<bool> packs bits, so they are filled at the end.
  std::vector<char> compiled(patterns.size(), 0), matches_empty(patterns.size(), 0), check_matched(checks.size(), 0);
  if (options.all_pairs) result.matched.assign(patterns.size(), {});

  std::vector<std::string> lowered(texts.size());
  std::vector<char> ascii(texts.size());
  std::vector<char> folds(texts.size()); // holds U+212A (Kelvin sign, matches "k") or U+017F (long s, matches "s")
  for (std::size_t t = 0; t < texts.size(); ++t) {
    lowered[t] = texts[t];
    for (auto& c : lowered[t]) c = lower(c);
    ascii[t] = is_ascii(texts[t]) ? 1 : 0;
    folds[t] = !ascii[t] && (texts[t].find("\xE2\x84\xAA") != std::string::npos ||
                             texts[t].find("\xC5\xBF") != std::string::npos);
  }

  // The literal structure of each pattern: a cheap necessary condition checked before
  // RE2 runs (may_match), and the source of the all-pairs requirements.
  std::vector<std::unique_ptr<Alternation>> trees(patterns.size());
  parallel(patterns.size(), threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) trees[i] = LiteralParser(patterns[i]).parse();
  });
  // False only when the pattern cannot match text `t` (its lowered form lacks a literal
  // every match needs). Texts with a Kelvin sign or long s skip it: RE2 folds those to
  // 'k' and 's'.
  auto may_match_text = [&](std::size_t p, std::size_t t) {
    return !trees[p] || folds[t] || may_match(*trees[p], lowered[t]);
  };

  // Requirements, steered to the literals rarest among the texts.
  std::vector<Requirement> requirement(patterns.size());
  if (options.all_pairs) {
    const Frequency frequency = literal_frequency(trees, lowered, threads);
    parallel(patterns.size(), threads, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i)
        if (trees[i]) requirement[i] = choose(*trees[i], frequency);
    });
  }

  const bool grouped = !options.group_of_pattern.empty();

  // Checks by pattern, so each pattern's task finds its own.
  std::vector<std::size_t> check_order(checks.size());
  for (std::size_t c = 0; c < checks.size(); ++c) check_order[c] = c;
  std::sort(check_order.begin(), check_order.end(), [&](std::size_t a, std::size_t b) { return checks[a] < checks[b]; });
  std::vector<std::size_t> first_check(patterns.size() + 1, check_order.size());
  for (std::size_t k = check_order.size(); k-- > 0;) // a check naming no pattern is never matched
    if (checks[check_order[k]].first < patterns.size()) first_check[checks[check_order[k]].first] = k;
  for (std::size_t p = patterns.size(); p-- > 0;) first_check[p] = std::min(first_check[p], first_check[p + 1]);

  // All-pairs candidates: a pattern runs on the texts holding one of its literals
  // (their postings), and on texts with a Kelvin sign or long s when one of its
  // literals has a 'k' or an 's'; a pattern without a requirement runs on every text.
  std::unordered_map<std::string, std::uint32_t> literal_id;
  std::vector<std::string> literals;
  std::vector<std::vector<std::uint32_t>> literals_of(patterns.size());
  std::vector<std::uint32_t> fold_texts;
  Postings texts_of;
  if (options.all_pairs) {
    for (std::size_t p = 0; p < patterns.size(); ++p)
      for (const auto& literal : requirement[p]) {
        auto [it, inserted] = literal_id.emplace(literal, static_cast<std::uint32_t>(literals.size()));
        if (inserted) literals.push_back(literal);
        literals_of[p].push_back(it->second);
      }
    for (std::size_t t = 0; t < texts.size(); ++t)
      if (folds[t]) fold_texts.push_back(static_cast<std::uint32_t>(t));
    texts_of = postings(LiteralSet(literals), lowered, threads);
  }
  std::atomic<std::size_t> unfiltered{0};

  // One task per pattern: compile it when first needed, settle its checks and its
  // all-pairs candidates, free it. Threads take the next patterns from a shared
  // counter (the matches of a pattern cluster in some texts, so fixed ranges of
  // patterns or texts would leave a thread idle), and each regex stays on one thread.
  constexpr std::size_t k_batch = 16;
  std::atomic<std::size_t> next_pattern{0};
  const std::size_t parts = std::max<std::size_t>(1, std::min<std::size_t>(threads, patterns.size() / k_batch));
  run_parts(parts, [&](std::size_t) {
    std::vector<std::uint32_t> candidate;
    std::vector<std::pair<std::size_t, bool>> checked; // (text, matched) of the pattern's checks
    for (;;) {
      const std::size_t from = next_pattern.fetch_add(k_batch);
      if (from >= patterns.size()) break;
      for (std::size_t p = from; p < std::min(patterns.size(), from + k_batch); ++p) {
        Compiled compiled_p(patterns[p]);
        if (options.per_pattern) {
          compiled[p] = compiled_p.ok() ? 1 : 0;
          matches_empty[p] = compiled_p.ok() && (!trees[p] || may_match(*trees[p], "")) && compiled_p.matches("", true) ? 1 : 0;
        }
        checked.clear();
        for (std::size_t k = first_check[p]; k < first_check[p + 1]; ++k) {
          const std::size_t t = checks[check_order[k]].second;
          const bool matched = may_match_text(p, t) && compiled_p.matches(texts[t], ascii[t]);
          check_matched[check_order[k]] = matched ? 1 : 0;
          checked.emplace_back(t, matched);
        }
        if (!options.all_pairs || (options.per_pattern && !compiled[p])) continue;

        candidate.clear();
        if (requirement[p].empty()) {
          unfiltered.fetch_add(1, std::memory_order_relaxed);
          candidate.resize(texts.size());
          for (std::size_t t = 0; t < texts.size(); ++t) candidate[t] = static_cast<std::uint32_t>(t);
        } else {
          bool folded = false;
          for (std::uint32_t id : literals_of[p]) {
            candidate.insert(candidate.end(), texts_of.texts.begin() + static_cast<std::ptrdiff_t>(texts_of.offset[id]),
                             texts_of.texts.begin() + static_cast<std::ptrdiff_t>(texts_of.offset[id + 1]));
            folded = folded || literals[id].find_first_of("ks") != std::string::npos;
          }
          if (folded) candidate.insert(candidate.end(), fold_texts.begin(), fold_texts.end());
          std::sort(candidate.begin(), candidate.end());
          candidate.erase(std::unique(candidate.begin(), candidate.end()), candidate.end());
        }
        // Ascending: the first `cap` matching texts are kept.
        std::vector<std::size_t>& matched = result.matched[p];
        for (std::uint32_t t : candidate) {
          if (matched.size() >= options.cap) break;
          if (grouped && options.group_of_pattern[p] == options.group_of_text[t]) continue;
          if (!may_match_text(p, t)) continue;
          auto check = std::lower_bound(checked.begin(), checked.end(), std::make_pair(std::size_t{t}, false));
          const bool hit = check != checked.end() && check->first == t ? check->second : compiled_p.matches(texts[t], ascii[t]);
          if (hit) matched.push_back(t);
        }
      }
    }
  });
  result.unfiltered = unfiltered.load();
  if (options.per_pattern) {
    result.compiled.assign(compiled.begin(), compiled.end());
    result.matches_empty.assign(matches_empty.begin(), matches_empty.end());
  }
  result.check_matched.assign(check_matched.begin(), check_matched.end());
  return result;
}

} // namespace errkb::lint
