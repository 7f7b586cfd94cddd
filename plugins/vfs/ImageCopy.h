#ifndef REXRAY_VFS_IMAGECOPY_H
#define REXRAY_VFS_IMAGECOPY_H

#include <cstdint>
#include <string>

namespace rexray::vfs {

// How copyImage did its work, cheapest first; for logs and tests.
enum class CopyMethod {
  Clone,     // FICLONE: the filesystem shares extents (btrfs, XFS with reflink)
  Range,     // copy_file_range over the data extents only: holes stay holes
  ReadWrite, // plain reads and writes, for filesystems without either
};

const char *toString(CopyMethod method);

// Copies the image at `src` into the new file `dst` (which must not exist),
// then grows `dst` to `minSize` bytes when the copy is smaller. The result is
// fsynced. On failure `dst` is removed and std::system_error is thrown.
CopyMethod copyImage(const std::string &src, const std::string &dst, uint64_t minSize = 0);

} // namespace rexray::vfs

#endif // REXRAY_VFS_IMAGECOPY_H
