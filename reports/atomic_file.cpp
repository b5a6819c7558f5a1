#include "reports/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace synack::reports {
namespace {

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string file_name_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Error io_error(const std::string& path, const char* step, int err) {
  return make_error(path + ": " + step + ": " + std::strerror(err));
}

// Makes the rename itself durable; failure here does not undo a completed write.
void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

int write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

Result<std::string> read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(path, "cannot read", errno);
  std::string contents;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return io_error(path, "cannot read", err);
    }
    contents.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return contents;
}

Result<void> write_file_atomically(const std::string& path, std::string_view contents) {
  if (path.empty() || path.back() == '/') return make_error(path + ": not a file path");
  const std::string dir = directory_of(path);
  // A dot-file next to the target: same filesystem, so rename() is atomic.
  std::string temp_name = dir + "/." + file_name_of(path) + ".tmp.XXXXXX";
  std::vector<char> temp(temp_name.begin(), temp_name.end());
  temp.push_back('\0');
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return io_error(path, "cannot create temporary file", errno);
  temp_name = temp.data();

  auto fail = [&](const char* step, int err) {
    ::close(fd);
    ::unlink(temp_name.c_str());
    return io_error(path, step, err);
  };
  // mkstemp creates 0600; a report is meant to be read by others, like any file we create.
  if (::fchmod(fd, 0644) != 0) return fail("cannot set permissions", errno);
  if (const int err = write_all(fd, contents); err != 0) return fail("cannot write", err);
  if (::fsync(fd) != 0) return fail("cannot sync", errno);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp_name.c_str());
    return io_error(path, "cannot close", err);
  }
  if (::rename(temp_name.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp_name.c_str());
    return io_error(path, "cannot rename temporary file into place", err);
  }
  sync_directory(dir);
  return {};
}

}  // namespace synack::reports
