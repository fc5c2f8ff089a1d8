#include "export/files.hpp"

#include "schema/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace errkb::bundle {
namespace {

// Small enough to come from the heap and be reused file after file (a fresh 1 MiB
// buffer per file cost a page fault per 4 KiB written), large enough for few syscalls.
constexpr std::size_t k_buffer_size = 64u << 10;

} // namespace

void throw_system_error(const std::string& what, int error_number) {
  throw Error(what + ": " + std::strerror(error_number));
}

OutputFile::OutputFile(const std::string& path, std::string bundle_path)
    : m_path(path), m_bundle_path(std::move(bundle_path)) {
  m_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (m_fd < 0) throw_system_error("cannot create " + path, errno);
  m_buffer.reserve(k_buffer_size);
}

OutputFile::~OutputFile() {
  if (m_fd >= 0) ::close(m_fd);
}

void OutputFile::write(std::string_view bytes) {
  m_size += bytes.size();
  if (m_buffer.size() + bytes.size() > k_buffer_size) {
    flush();
    if (bytes.size() >= k_buffer_size) {
      m_buffer.assign(bytes);
      flush();
      return;
    }
  }
  m_buffer.append(bytes);
}

void OutputFile::flush() {
  m_hash.update(m_buffer);
  std::size_t done = 0;
  while (done < m_buffer.size()) {
    const ssize_t n = ::write(m_fd, m_buffer.data() + done, m_buffer.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_system_error("cannot write " + m_path, errno);
    }
    done += static_cast<std::size_t>(n);
  }
  m_buffer.clear();
}

FileEntry OutputFile::finish() {
  flush();
  // Starts writing the file out now, overlapping the rest of the export; FolderSync waits for it.
  // Only a hint: durability comes from FolderSync::sync(), so a failure here changes nothing.
  if (m_size > 0) (void)::sync_file_range(m_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  const int fd = m_fd;
  m_fd = -1;
  if (::close(fd) != 0) throw_system_error("cannot close " + m_path, errno);
  return {m_bundle_path, m_size, m_hash.finish()};
}

void make_directory(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0) throw_system_error("cannot create folder " + path, errno);
}

void sync_directory(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw_system_error("cannot open folder " + path, errno);
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0) throw_system_error("cannot sync folder " + path, error);
}

struct FolderSync::Impl {
  std::string path;
  int fd = -1;
  std::mutex mutex;
  std::vector<std::string> files;
  std::vector<std::string> folders;
};

FolderSync::FolderSync(const std::string& path) : m_impl(std::make_unique<Impl>()) {
  m_impl->path = path;
  m_impl->fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (m_impl->fd < 0) throw_system_error("cannot open folder " + path, errno);
}

FolderSync::~FolderSync() { ::close(m_impl->fd); }

void FolderSync::add(const std::string& file_path) {
  const std::lock_guard<std::mutex> lock(m_impl->mutex);
  m_impl->files.push_back(file_path);
}

void FolderSync::add_folder(const std::string& folder_path) {
  const std::lock_guard<std::mutex> lock(m_impl->mutex);
  m_impl->folders.push_back(folder_path);
}

void FolderSync::sync() {
  if (::syncfs(m_impl->fd) == 0) return;
  if (errno != ENOSYS) throw_system_error("cannot sync " + m_impl->path, errno);
  for (const auto& file : m_impl->files) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw_system_error("cannot open " + file, errno);
    const int result = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (result != 0) throw_system_error("cannot sync " + file, error);
  }
  // Deepest first, so that a folder is synced after the folders created in it.
  for (auto it = m_impl->folders.rbegin(); it != m_impl->folders.rend(); ++it) sync_directory(*it);
  sync_directory(m_impl->path);
}

std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_system_error("cannot read " + path, errno);
  std::string bytes;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      throw_system_error("cannot read " + path, error);
    }
    if (n == 0) break;
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return bytes;
}

} // namespace errkb::bundle
