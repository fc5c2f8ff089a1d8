#pragma once
// Writing bundle files: each written once, hashed while written, synced to disk
// before it is closed, so a bundle that is renamed into place is complete.
#include "export/sha256.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace errkb::bundle {

// A file of the bundle: its path inside the bundle, size and SHA-256.
struct FileEntry {
  std::string path;
  std::uint64_t size = 0;
  std::string sha256;
};

class OutputFile {
public:
  // Creates `path` (it must not exist), to be listed as `bundle_path`. Throws
  // Error naming the path when it cannot.
  OutputFile(const std::string& path, std::string bundle_path);
  // Closes the file if finish() was not called; never throws.
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Appends `bytes` (buffered).
  void write(std::string_view bytes);

  // Bytes written so far.
  std::uint64_t size() const noexcept { return m_size; }

  // Writes what is buffered, fsyncs and closes the file; returns its entry.
  FileEntry finish();

private:
  void flush();

  std::string m_path;
  std::string m_bundle_path;
  int m_fd = -1;
  std::string m_buffer;
  std::uint64_t m_size = 0;
  Sha256 m_hash;
};

// Creates the folder `path` (mode 0755); throws Error naming it when it cannot.
void make_directory(const std::string& path);

// fsyncs the folder `path`, making the entries created in it durable.
void sync_directory(const std::string& path);

// Reads the whole file at `path`; throws Error naming it when it cannot.
std::string read_file(const std::string& path);

// "PATH: <strerror(errno)>" as an Error.
[[noreturn]] void throw_system_error(const std::string& what, int error_number);

} // namespace errkb::bundle
