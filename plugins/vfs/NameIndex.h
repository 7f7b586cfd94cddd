#ifndef REXRAY_VFS_NAMEINDEX_H
#define REXRAY_VFS_NAMEINDEX_H

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rexray::vfs {

// Which volume holds each name: a symbolic link <dir>/<name> -> <volume id>.
// A create takes its name with one symlink(2), which fails when the name is
// held, so a name is unique across processes and a create costs the same
// with 10,000 volumes as with one. The links are an index, not the truth:
// a starting driver rebuilds them from the volume records (Reclaim.cpp), so
// they need no fsync. Failures throw std::system_error naming the path.
class NameIndex {
public:
  explicit NameIndex(std::string dir) : _dir(std::move(dir)) {}

  const std::string &dir() const { return _dir; }
  // Whether `name` can be a file name in dir: not empty, no '/', no leading
  // '.', at most 255 bytes.
  static bool representable(const std::string &name);
  // Takes `name` for `id`. Returns nullopt when taken now, or the ID that
  // already holds it.
  std::optional<std::string> reserve(const std::string &name, const std::string &id) const;
  // Frees `name` if `id` holds it (a missing link is fine).
  void release(const std::string &name, const std::string &id) const;
  // The ID holding `name`, if any.
  std::optional<std::string> holder(const std::string &name) const;
  // Every (name, id) in the index.
  std::vector<std::pair<std::string, std::string>> entries() const;
  // Points `name` at `id` whoever held it.
  void assign(const std::string &name, const std::string &id) const;

private:
  std::string path(const std::string &name) const { return _dir + "/" + name; }

  std::string _dir;
};

} // namespace rexray::vfs

#endif // REXRAY_VFS_NAMEINDEX_H
