#pragma once
// Writing bundle files: each written once and hashed while written. Durability
// comes in one step at the end: OutputFile::finish() only starts the file's
// writeback, and FolderSync::sync() (after every file is written) makes the
// whole folder tree durable before it is renamed into place, so a bundle that is
// renamed into place is complete.
#include "export/sha256.hpp"

#include <cstdint>
#include <memory>
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

  // Writes what is buffered, starts its writeback (without waiting for it) and
  // closes the file; returns its entry. Not durable yet: see FolderSync.
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

// Makes everything written below a folder durable at once. Opened before the
// files are written (so that syncfs(2) reports any writeback error that happens
// meanwhile), sync() runs once after the last file is closed: one syncfs(2) of
// the folder's file system (every file, folder and entry written since, with a
// single disk cache flush) instead of one fsync per file and folder, which made
// export wait for ~120 cache flushes. Where syncfs is not available, sync()
// fsyncs every file listed with add() and then every folder listed with
// add_folder() (parents last).
class FolderSync {
public:
  // Opens the folder `path`; throws Error naming it when it cannot.
  explicit FolderSync(const std::string& path);
  ~FolderSync();
  FolderSync(const FolderSync&) = delete;
  FolderSync& operator=(const FolderSync&) = delete;

  // Files and folders written below the folder, for the fallback (thread-safe).
  void add(const std::string& file_path);
  void add_folder(const std::string& folder_path);

  // Throws Error naming the folder when the data cannot be made durable.
  void sync();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Reads the whole file at `path`; throws Error naming it when it cannot.
std::string read_file(const std::string& path);

// "PATH: <strerror(errno)>" as an Error.
[[noreturn]] void throw_system_error(const std::string& what, int error_number);

} // namespace errkb::bundle
