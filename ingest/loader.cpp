#include "ingest/loader.hpp"

#include "ingest/readers.hpp"
#include "ingest/utf8.hpp"
#include "schema/utf8.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace errkb::ingest {

struct LoadedFile::Locator {
  struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
    int first_line = 1; // line of `begin`
  };
  std::string text;                                // JSON, JSONL: the file's bytes
  std::vector<Span> spans;                         // JSON, JSONL: one per record
  std::unordered_map<std::string, int> yaml_lines; // YAML: pointer -> line in its one record
};

namespace {

constexpr std::string_view k_bom = "\xEF\xBB\xBF";

std::string errno_text(int error) { return std::error_code(error, std::generic_category()).message(); }

// Closes the descriptor on every path out of load_file.
class FileDescriptor {
public:
  explicit FileDescriptor(int fd) : m_fd(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (m_fd >= 0) ::close(m_fd);
  }
  [[nodiscard]] int get() const { return m_fd; }

private:
  int m_fd;
};

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) return {};
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string hex(2 * static_cast<std::size_t>(length), '0');
  for (std::size_t i = 0; i < length; ++i) {
    hex[2 * i] = k_hex[digest[i] >> 4];
    hex[2 * i + 1] = k_hex[digest[i] & 0x0F];
  }
  return hex;
}

bool is_blank_text(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

void add_diagnostic(LoadedFile& file, const char* code, int line, std::string message) {
  file.diagnostics.push_back(Diagnostic{Severity::error, code, file.path, line, std::string(), std::move(message)});
}

// `slice` is the text the reader saw; it starts on line `first_line` of the file.
void add_problem(LoadedFile& file, ReadProblem& problem, std::string_view slice, int first_line) {
  int line = problem.line;
  int column = problem.column;
  if (problem.offset != std::string_view::npos) {
    const TextPosition position = position_of(slice, problem.offset);
    line = first_line + position.line - 1;
    column = position.column;
  }
  std::string message = std::move(problem.message);
  if (problem.show_column && column > 0) message = "column " + std::to_string(column) + ": " + message;
  file.diagnostics.push_back(Diagnostic{Severity::error, std::move(problem.code), file.path, line,
                                        std::move(problem.pointer), std::move(message)});
}

void load_json(LoadedFile& file, LoadedFile::Locator& locator, std::string_view body, std::size_t body_offset,
               const Limits& limits) {
  nlohmann::json value;
  ReadProblem problem;
  if (!read_json(body, limits, value, problem)) {
    add_problem(file, problem, body, 1);
    return;
  }
  const std::size_t first = body.find_first_not_of(" \t\r\n");
  const int line = 1 + static_cast<int>(count_newlines(body.substr(0, first)));
  file.records.push_back(SourceRecord{std::move(value), line});
  locator.spans.push_back(LoadedFile::Locator::Span{body_offset, body_offset + body.size(), 1});
}

void load_jsonl(LoadedFile& file, LoadedFile::Locator& locator, std::string_view body, std::size_t body_offset,
                const Limits& limits) {
  int line_number = 0;
  std::size_t pos = 0;
  while (pos < body.size()) {
    ++line_number;
    std::size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view line = body.substr(pos, end - pos);
    if (!is_blank_text(line)) {
      nlohmann::json value;
      ReadProblem problem;
      if (read_json(line, limits, value, problem)) {
        file.records.push_back(SourceRecord{std::move(value), line_number});
        locator.spans.push_back(LoadedFile::Locator::Span{body_offset + pos, body_offset + end, line_number});
      } else {
        add_problem(file, problem, line, line_number);
      }
    }
    pos = end + 1;
  }
}

void load_yaml(LoadedFile& file, LoadedFile::Locator& locator, std::string_view body, const Limits& limits) {
  YamlDocument document;
  ReadProblem problem;
  switch (read_yaml(body, limits, document, problem)) {
  case ReadStatus::ok:
    file.records.push_back(SourceRecord{std::move(document.value), document.line});
    locator.yaml_lines = std::move(document.lines);
    break;
  case ReadStatus::problem:
    add_problem(file, problem, body, 1);
    break;
  case ReadStatus::empty:
    add_diagnostic(file, "empty", 1, "no YAML document in file");
    break;
  }
}

} // namespace

bool format_for_path(const std::string& path, Format& format) {
  const std::size_t slash = path.rfind('/');
  const std::size_t dot = path.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return false;
  std::string extension = path.substr(dot + 1);
  for (char& c : extension) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (extension == "json") {
    format = Format::json;
  } else if (extension == "jsonl") {
    format = Format::jsonl;
  } else if (extension == "yaml" || extension == "yml") {
    format = Format::yaml;
  } else {
    return false;
  }
  return true;
}

int LoadedFile::line_of(std::size_t index, const std::string& pointer) const {
  if (index >= records.size()) return 0;
  const int start_line = records[index].line;
  std::vector<std::string> tokens;
  if (!locator || !split_pointer(pointer, tokens)) return start_line;
  if (format == Format::yaml) {
    std::string_view key(pointer);
    while (true) {
      // Heterogeneous lookup is C++20 for unordered containers but needs a
      // transparent hash; the copy is fine for a diagnostics-only path.
      const auto it = locator->yaml_lines.find(std::string(key));
      if (it != locator->yaml_lines.end() && it->second > 0) return it->second;
      if (key.empty()) return start_line;
      key = key.substr(0, key.rfind('/'));
    }
  }
  if (index >= locator->spans.size()) return start_line;
  const Locator::Span& span = locator->spans[index];
  const std::string_view text = std::string_view(locator->text).substr(span.begin, span.end - span.begin);
  const std::size_t offset = locate_json(text, tokens);
  return span.first_line + static_cast<int>(count_newlines(text.substr(0, offset)));
}

LoadedFile load_bytes(const std::string& path, Format format, std::string bytes, const Limits& limits, bool hash) {
  LoadedFile file;
  file.path = path;
  file.format = format;
  if (bytes.size() > limits.max_file_bytes) {
    add_diagnostic(file, "limit", 0,
                   "file is " + std::to_string(bytes.size()) + " bytes, larger than the limit of " +
                       std::to_string(limits.max_file_bytes) + " bytes");
    return file;
  }
  if (hash) file.sha256 = sha256_hex(bytes);

  const std::size_t invalid = schema::find_invalid_utf8(bytes);
  if (invalid != std::string_view::npos) {
    add_diagnostic(file, "utf8", position_of(bytes, invalid).line, "invalid UTF-8 at byte " + std::to_string(invalid));
    return file;
  }

  const std::size_t body_offset = std::string_view(bytes).substr(0, k_bom.size()) == k_bom ? k_bom.size() : 0;
  const std::string_view body = std::string_view(bytes).substr(body_offset);
  if (is_blank_text(body)) {
    add_diagnostic(file, "empty", 1, "empty file");
    return file;
  }

  auto locator = std::make_shared<LoadedFile::Locator>();
  switch (format) {
  case Format::json:
    load_json(file, *locator, body, body_offset, limits);
    break;
  case Format::jsonl:
    load_jsonl(file, *locator, body, body_offset, limits);
    break;
  case Format::yaml:
    load_yaml(file, *locator, body, limits);
    break;
  }
  if (file.records.empty()) return file;
  // JSON keeps its text for line_of; YAML keeps only its pointer -> line map.
  if (format != Format::yaml) locator->text = std::move(bytes);
  file.locator = std::move(locator);
  return file;
}

LoadedFile load_file(const std::string& path, const Limits& limits, bool hash) {
  Format format = Format::json;
  if (!format_for_path(path, format)) {
    LoadedFile file;
    file.path = path;
    add_diagnostic(file, "path", 0, "not a record file (expected .json, .yaml, .yml or .jsonl)");
    return file;
  }
  LoadedFile failed;
  failed.path = path;
  failed.format = format;

  // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat rejects it next.
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    add_diagnostic(failed, "io", 0, "cannot open file: " + errno_text(errno));
    return failed;
  }
  struct stat status {};
  if (::fstat(fd.get(), &status) != 0) {
    add_diagnostic(failed, "io", 0, "cannot read file: " + errno_text(errno));
    return failed;
  }
  if (S_ISDIR(status.st_mode)) {
    add_diagnostic(failed, "io", 0, "is a directory, not a file");
    return failed;
  }
  if (!S_ISREG(status.st_mode)) {
    add_diagnostic(failed, "io", 0, "not a regular file");
    return failed;
  }
  const auto size = static_cast<std::size_t>(status.st_size);
  if (size > limits.max_file_bytes) {
    add_diagnostic(failed, "limit", 0,
                   "file is " + std::to_string(size) + " bytes, larger than the limit of " +
                       std::to_string(limits.max_file_bytes) + " bytes");
    return failed;
  }

  std::string bytes(size, '\0');
  std::size_t done = 0;
  while (done < size) {
    const ssize_t got = ::read(fd.get(), bytes.data() + done, size - done);
    if (got < 0) {
      if (errno == EINTR) continue;
      add_diagnostic(failed, "io", 0, "cannot read file: " + errno_text(errno));
      return failed;
    }
    if (got == 0) break; // the file shrank while we read it
    done += static_cast<std::size_t>(got);
  }
  bytes.resize(done);
  return load_bytes(path, format, std::move(bytes), limits, hash);
}

} // namespace errkb::ingest
