#ifndef REXRAY_VFS_DURABLEFILE_H
#define REXRAY_VFS_DURABLEFILE_H

#include <sys/types.h>

#include <optional>
#include <string>

// File operations that survive a crash or power loss at any point: a reader
// sees either the old or the new content of a metadata file, never a torn one.
// Every failure throws std::system_error naming the path.
namespace rexray::vfs::durable {

// Writes to a temporary file in the same directory, fsyncs it, renames it over
// `path` and fsyncs the directory so the rename itself is on disk.
void writeAtomic(const std::string &path, const std::string &content, mode_t mode = 0644);
// For a caller that renames more in the same directory and then syncs it
// once (syncDirectory): the content is written to the disk before the
// rename (sync_file_range), and that directory fsync commits the journal
// transaction holding the file's blocks, its size and the names (ext4 and
// xfs journal metadata in order). One fsync per create instead of two.
void writeAtomicUnsynced(const std::string &path, const std::string &content, mode_t mode = 0644);

// Unlinks `path` (a missing file is fine) and fsyncs its directory.
void remove(const std::string &path);

// Renames `from` to `to` (replacing it) and fsyncs the directory, so the
// new name survives a power loss.
void rename(const std::string &from, const std::string &to);

// The whole (regular) file, or nullopt when it does not exist.
std::optional<std::string> read(const std::string &path);

void syncDirectory(const std::string &dir);

// mkdir -p; existing directories are fine.
void makeDirectories(const std::string &path, mode_t mode = 0755);

} // namespace rexray::vfs::durable

#endif // REXRAY_VFS_DURABLEFILE_H
