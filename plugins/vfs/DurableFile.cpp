#include "DurableFile.h"

#include "UniqueFd.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

namespace rexray::vfs::durable {

namespace {

[[noreturn]] void fail(int err, const std::string &what) {
  throw std::system_error(err, std::generic_category(), what);
}

std::string dirOf(const std::string &path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void writeAll(int fd, const std::string &content, const std::string &path) {
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno, "cannot write " + path);
    }
    done += static_cast<size_t>(n);
  }
}

} // namespace

void syncDirectory(const std::string &dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) fail(errno, "cannot open directory " + dir);
  if (::fsync(fd.get()) != 0 && errno != EINVAL) fail(errno, "cannot fsync directory " + dir);
}

void rename(const std::string &from, const std::string &to) {
  if (::rename(from.c_str(), to.c_str()) != 0) fail(errno, "cannot rename " + from + " to " + to);
  syncDirectory(dirOf(to));
}

namespace {

enum class Flush { Fsync, DataOnly };

void writeThenRename(const std::string &path, const std::string &content, mode_t mode,
                     Flush flush) {
  const std::string dir = dirOf(path);
  const std::string base = path.substr(path.find_last_of('/') + 1);
  // A leading dot keeps listings that glob "*.json" from seeing half-written
  // files; the random suffix keeps concurrent writers apart.
  std::string tmpl = dir + "/." + base + ".tmp-XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  UniqueFd fd(::mkostemp(name.data(), O_CLOEXEC));
  if (!fd) fail(errno, "cannot create a temporary file next to " + path);
  const std::string tmp(name.data());
  try {
    if (::fchmod(fd.get(), mode) != 0) fail(errno, "cannot chmod " + tmp);
    writeAll(fd.get(), content, tmp);
    if (flush == Flush::Fsync
            ? ::fsync(fd.get()) != 0
            : ::sync_file_range(fd.get(), 0, 0,
                                SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                    SYNC_FILE_RANGE_WAIT_AFTER) != 0)
      fail(errno, "cannot flush " + tmp);
    fd.reset();
    if (::rename(tmp.c_str(), path.c_str()) != 0) fail(errno, "cannot rename " + tmp);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

} // namespace

void writeAtomic(const std::string &path, const std::string &content, mode_t mode) {
  writeThenRename(path, content, mode, Flush::Fsync);
  syncDirectory(dirOf(path));
}

void writeAtomicUnsynced(const std::string &path, const std::string &content, mode_t mode) {
  writeThenRename(path, content, mode, Flush::DataOnly);
}

void remove(const std::string &path) {
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return;
    fail(errno, "cannot remove " + path);
  }
  syncDirectory(dirOf(path));
}

std::optional<std::string> read(const std::string &path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    fail(errno, "cannot open " + path);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno, "cannot read " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    // A short read of a regular file is its end: one read call less per
    // record, 10,000 in a listing.
    if (static_cast<size_t>(n) < sizeof buf) break;
  }
  return out;
}

void makeDirectories(const std::string &path, mode_t mode) {
  std::string prefix;
  size_t pos = 0;
  while (pos <= path.size()) {
    const size_t next = path.find('/', pos);
    const size_t end = next == std::string::npos ? path.size() : next;
    prefix = path.substr(0, end);
    pos = end + 1;
    if (prefix.empty()) continue;
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST)
      fail(errno, "cannot create directory " + prefix);
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail(errno, "cannot stat " + path);
  if (!S_ISDIR(st.st_mode)) fail(ENOTDIR, "cannot use " + path + " as a directory");
}

} // namespace rexray::vfs::durable
