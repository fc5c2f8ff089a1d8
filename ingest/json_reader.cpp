// JSON through nlohmann's SAX parser with a handler of our own: the parser is
// iterative, and the handler enforces limits and rejects duplicate keys as it builds.
#include "ingest/readers.hpp"
#include "ingest/utf8.hpp"

#include <charconv>
#include <cstring>
#include <iterator>
#include <utility>

namespace errkb::ingest {
namespace {

using nlohmann::json;

// An input iterator over a char range that records how far the parser has read,
// so that handler callbacks (which get no position) can be placed in the text.
class TrackingIterator {
public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackingIterator(const char* position, const char** furthest) : m_position(position), m_furthest(furthest) {}
  reference operator*() const { return *m_position; }
  TrackingIterator& operator++() {
    ++m_position;
    *m_furthest = m_position;
    return *this;
  }
  TrackingIterator operator++(int) {
    TrackingIterator before = *this;
    ++*this;
    return before;
  }
  friend bool operator==(const TrackingIterator& a, const TrackingIterator& b) { return a.m_position == b.m_position; }

private:
  const char* m_position;
  const char** m_furthest;
};

// "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..."
// -> "syntax error ..." (the position is reported from our own offset).
std::string parser_message(const char* what) {
  std::string_view text(what);
  const std::size_t bracket = text.find("] ");
  if (bracket != std::string_view::npos) {
    const std::size_t colon = text.find(": ", bracket);
    if (colon != std::string_view::npos) text.remove_prefix(colon + 2);
  }
  return shorten_utf8(text, 300);
}

class DomBuilder {
public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  DomBuilder(json& root, const Limits& limits, const char* begin, const char* const* furthest, ReadProblem& problem)
      : m_root(root), m_limits(limits), m_begin(begin), m_furthest(furthest), m_problem(problem) {}

  bool null() { return add(json(nullptr)) != nullptr; }
  bool boolean(bool value) { return add(json(value)) != nullptr; }
  bool number_integer(number_integer_t value) { return add(json(value)) != nullptr; }
  bool number_unsigned(number_unsigned_t value) { return add(json(value)) != nullptr; }
  bool number_float(number_float_t value, const string_t& /*text*/) { return add(json(value)) != nullptr; }
  bool binary(binary_t& value) { return add(json(std::move(value))) != nullptr; }

  bool string(string_t& value) {
    if (value.size() > m_limits.max_string_bytes) {
      return fail("limit", "string longer than " + std::to_string(m_limits.max_string_bytes) + " bytes",
                  pending_pointer());
    }
    // The lexer clears its buffer before the next token, so the text can be taken.
    return add(json(std::move(value))) != nullptr;
  }

  bool start_object(std::size_t /*size*/) { return open(json::value_t::object); }
  bool start_array(std::size_t /*size*/) { return open(json::value_t::array); }

  bool key(string_t& name) {
    Frame& top = m_stack.back();
    if (name.size() > m_limits.max_string_bytes) {
      return fail("limit", "key longer than " + std::to_string(m_limits.max_string_bytes) + " bytes",
                  container_pointer());
    }
    auto& members = top.container->get_ref<json::object_t&>();
    auto [it, inserted] = members.try_emplace(std::move(name));
    if (!inserted) {
      std::string pointer = container_pointer();
      append_pointer_token(pointer, it->first);
      return fail("duplicate-key", "duplicate key " + quote_for_message(it->first), std::move(pointer));
    }
    top.member = &it->second;
    top.key = &it->first;
    return true;
  }

  bool end_object() {
    m_stack.pop_back();
    return true;
  }
  bool end_array() {
    m_stack.pop_back();
    return true;
  }

  bool parse_error(std::size_t position, const std::string& /*last_token*/, const nlohmann::detail::exception& error) {
    m_problem.code = "parse";
    m_problem.message = parser_message(error.what());
    m_problem.pointer.clear();
    // `position` counts the characters read, the offending one included.
    m_problem.offset = position == 0 ? 0 : position - 1;
    m_problem.show_column = true;
    return false;
  }

private:
  struct Frame {
    json* container;
    json* member = nullptr;           // objects: value of the latest key
    const std::string* key = nullptr; // objects: the latest key
  };

  // Places `value` where the next value goes; nullptr when a limit stops the parse.
  json* add(json&& value) {
    if (++m_values > m_limits.max_nodes) {
      fail("limit", "document has more than " + std::to_string(m_limits.max_nodes) + " values", pending_pointer());
      return nullptr;
    }
    if (m_stack.empty()) {
      m_root = std::move(value);
      return &m_root;
    }
    Frame& top = m_stack.back();
    if (top.container->is_array()) {
      auto& elements = top.container->get_ref<json::array_t&>();
      elements.push_back(std::move(value));
      return &elements.back();
    }
    *top.member = std::move(value);
    return top.member;
  }

  bool open(json::value_t type) {
    // Stopping here also bounds what the destructor of the partial value walks.
    if (m_stack.size() >= m_limits.max_depth) {
      return fail("limit", "nesting deeper than " + std::to_string(m_limits.max_depth) + " levels", pending_pointer());
    }
    json* slot = add(json(type));
    if (slot == nullptr) return false;
    m_stack.push_back(Frame{slot});
    return true;
  }

  // Pointer of the containers on the stack down to (excluding) the top's pending child.
  [[nodiscard]] std::string container_pointer() const {
    std::string pointer;
    for (std::size_t i = 0; i + 1 < m_stack.size(); ++i) append_child(pointer, m_stack[i], false);
    return pointer;
  }

  // Pointer of the value the parser is about to add.
  [[nodiscard]] std::string pending_pointer() const {
    std::string pointer = container_pointer();
    if (!m_stack.empty()) append_child(pointer, m_stack.back(), true);
    return pointer;
  }

  static void append_child(std::string& pointer, const Frame& frame, bool pending) {
    if (frame.container->is_object()) {
      if (frame.key != nullptr) append_pointer_token(pointer, *frame.key);
      return;
    }
    std::size_t index = frame.container->size();
    if (!pending && index > 0) --index; // the child being built is the last element
    pointer += '/';
    pointer += std::to_string(index);
  }

  bool fail(const char* code, std::string message, std::string pointer) {
    m_problem.code = code;
    m_problem.message = std::move(message);
    m_problem.pointer = std::move(pointer);
    // The parser has just read the token that triggered the callback.
    const auto read = static_cast<std::size_t>(*m_furthest - m_begin);
    m_problem.offset = read == 0 ? 0 : read - 1;
    m_problem.show_column = false;
    return false;
  }

  json& m_root;
  const Limits& m_limits;
  const char* m_begin;
  const char* const* m_furthest;
  ReadProblem& m_problem;
  std::vector<Frame> m_stack;
  std::size_t m_values = 0;
};

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_space(std::string_view text, std::size_t pos) {
  while (pos < text.size() && is_json_space(text[pos])) ++pos;
  return pos;
}

// `pos` at an opening quote; returns the offset after the closing quote.
std::size_t skip_string(std::string_view text, std::size_t pos) {
  ++pos;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '\\') {
      pos += 2;
    } else if (c == '"') {
      return pos + 1;
    } else {
      ++pos;
    }
  }
  return text.size();
}

// `pos` at the start of a value; returns the offset after it. Iterative.
std::size_t skip_value(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return pos;
  const char first = text[pos];
  if (first == '"') return skip_string(text, pos);
  if (first != '[' && first != '{') {
    while (pos < text.size() && !is_json_space(text[pos]) && text[pos] != ',' && text[pos] != ']' && text[pos] != '}') {
      ++pos;
    }
    return pos;
  }
  std::size_t depth = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '"') {
      pos = skip_string(text, pos);
      continue;
    }
    if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (--depth == 0) return pos + 1;
    }
    ++pos;
  }
  return pos;
}

void append_utf8(std::string& out, unsigned code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

unsigned parse_hex4(std::string_view text) {
  unsigned value = 0;
  if (text.size() < 4) return 0;
  std::from_chars(text.data(), text.data() + 4, value, 16);
  return value;
}

// The content of a string literal (without quotes), escapes decoded.
std::string unescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c != '\\' || i + 1 >= raw.size()) {
      out += c;
      continue;
    }
    const char e = raw[++i];
    switch (e) {
    case 'b':
      out += '\b';
      break;
    case 'f':
      out += '\f';
      break;
    case 'n':
      out += '\n';
      break;
    case 'r':
      out += '\r';
      break;
    case 't':
      out += '\t';
      break;
    case 'u': {
      unsigned code_point = parse_hex4(raw.substr(i + 1));
      i += 4;
      if (code_point >= 0xD800 && code_point < 0xDC00 && i + 6 < raw.size() && raw[i + 1] == '\\' &&
          raw[i + 2] == 'u') {
        const unsigned low = parse_hex4(raw.substr(i + 3));
        code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
        i += 6;
      }
      append_utf8(out, code_point);
      break;
    }
    default:
      out += e;
      break; // '"', '\\', '/'
    }
  }
  return out;
}

bool key_equals(std::string_view raw, const std::string& token) {
  if (raw.find('\\') == std::string_view::npos) return raw == token;
  return unescape(raw) == token;
}

bool parse_index(const std::string& token, std::size_t& index) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return false;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), index);
  return error == std::errc() && end == token.data() + token.size();
}

} // namespace

bool read_json(std::string_view text, const Limits& limits, nlohmann::json& value, ReadProblem& problem) {
  const char* furthest = text.data();
  DomBuilder builder(value, limits, text.data(), &furthest, problem);
  TrackingIterator first(text.data(), &furthest);
  TrackingIterator last(text.data() + text.size(), &furthest);
  return json::sax_parse(first, last, &builder, json::input_format_t::json, /*strict=*/true);
}

std::size_t locate_json(std::string_view text, const std::vector<std::string>& tokens) {
  std::size_t found = skip_space(text, 0);
  for (const std::string& token : tokens) {
    if (found >= text.size()) break;
    const char open = text[found];
    std::size_t pos = skip_space(text, found + 1);
    std::size_t next = std::string_view::npos;
    if (open == '{') {
      while (pos < text.size() && text[pos] == '"') {
        const std::size_t key_end = skip_string(text, pos);
        const std::string_view raw = text.substr(pos + 1, key_end - pos - 2);
        pos = skip_space(text, key_end);
        if (pos < text.size() && text[pos] == ':') pos = skip_space(text, pos + 1);
        if (key_equals(raw, token)) {
          next = pos;
          break;
        }
        pos = skip_space(text, skip_value(text, pos));
        if (pos < text.size() && text[pos] == ',') pos = skip_space(text, pos + 1);
      }
    } else if (open == '[') {
      std::size_t index = 0;
      if (!parse_index(token, index)) break;
      for (std::size_t i = 0; pos < text.size() && text[pos] != ']'; ++i) {
        if (i == index) {
          next = pos;
          break;
        }
        pos = skip_space(text, skip_value(text, pos));
        if (pos < text.size() && text[pos] == ',') pos = skip_space(text, pos + 1);
      }
    }
    if (next == std::string_view::npos) break;
    found = next;
  }
  return found;
}

bool split_pointer(std::string_view pointer, std::vector<std::string>& tokens) {
  tokens.clear();
  if (pointer.empty()) return true;
  if (pointer[0] != '/') return false;
  std::size_t start = 1;
  while (true) {
    const std::size_t slash = pointer.find('/', start);
    const std::string_view raw = pointer.substr(start, slash == std::string_view::npos ? slash : slash - start);
    std::string token;
    token.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        token += raw[i];
      }
    }
    tokens.push_back(std::move(token));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

void append_pointer_token(std::string& pointer, std::string_view token) {
  pointer += '/';
  for (const char c : token) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer += c;
    }
  }
}

std::string quote_for_message(std::string_view text) {
  return json(shorten_utf8(text, 120)).dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace errkb::ingest
