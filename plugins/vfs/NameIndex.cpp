#include "NameIndex.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <system_error>

namespace rexray::vfs {

namespace {

[[noreturn]] void fail(const std::string &what) {
  throw std::system_error(errno, std::generic_category(), what);
}

} // namespace

bool NameIndex::representable(const std::string &name) {
  // A leading '.' is kept for the index's own temporaries.
  return !name.empty() && name.size() <= NAME_MAX && name[0] != '.' &&
         name.find('/') == std::string::npos && name.find('\0') == std::string::npos;
}

std::optional<std::string> NameIndex::reserve(const std::string &name,
                                              const std::string &id) const {
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (::symlink(id.c_str(), path(name).c_str()) == 0) return std::nullopt;
    if (errno == ENOENT) {
      if (::mkdir(_dir.c_str(), 0700) != 0 && errno != EEXIST) fail("cannot create " + _dir);
      continue;
    }
    if (errno != EEXIST) fail("cannot reserve the name " + path(name));
    // Released between our symlink and this read: try again.
    if (auto current = holder(name)) return current;
  }
  fail("cannot reserve the name " + path(name));
}

void NameIndex::release(const std::string &name, const std::string &id) const {
  if (holder(name) != id) return;
  if (::unlink(path(name).c_str()) != 0 && errno != ENOENT) fail("cannot free " + path(name));
}

std::optional<std::string> NameIndex::holder(const std::string &name) const {
  char target[PATH_MAX];
  const ssize_t n = ::readlink(path(name).c_str(), target, sizeof target - 1);
  if (n < 0) {
    if (errno == ENOENT || errno == EINVAL) return std::nullopt;
    fail("cannot read " + path(name));
  }
  return std::string(target, static_cast<size_t>(n));
}

std::vector<std::pair<std::string, std::string>> NameIndex::entries() const {
  std::vector<std::pair<std::string, std::string>> out;
  DIR *d = ::opendir(_dir.c_str());
  if (!d) {
    if (errno == ENOENT) return out;
    fail("cannot list " + _dir);
  }
  while (const dirent *entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (name.empty() || name[0] == '.') continue;
    if (auto id = holder(name)) out.emplace_back(name, *id);
  }
  ::closedir(d);
  return out;
}

void NameIndex::assign(const std::string &name, const std::string &id) const {
  // A new link renamed over the old one: never a moment without a holder.
  const std::string temporary = path(".assign-" + std::to_string(::getpid()));
  ::unlink(temporary.c_str());
  if (::mkdir(_dir.c_str(), 0700) != 0 && errno != EEXIST) fail("cannot create " + _dir);
  if (::symlink(id.c_str(), temporary.c_str()) != 0) fail("cannot create " + temporary);
  if (::rename(temporary.c_str(), path(name).c_str()) != 0) {
    const int err = errno;
    ::unlink(temporary.c_str());
    errno = err;
    fail("cannot point " + path(name) + " at " + id);
  }
}

} // namespace rexray::vfs
