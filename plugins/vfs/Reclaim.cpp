// What a crash in the middle of a create or remove leaves, and how a
// starting driver settles it, so that every volume and snapshot is either
// whole or gone (see README.md, "Crash safety").
#include "VfsDriver.h"

#include "DurableFile.h"
#include "FileLock.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <string>
#include <system_error>
#include <vector>

namespace rexray::vfs {

namespace {

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool exists(const std::string &path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::vector<std::string> entries(const std::string &dir) {
  std::vector<std::string> out;
  DIR *d = ::opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT) return out;
    throw std::system_error(errno, std::generic_category(), "cannot list " + dir);
  }
  while (const dirent *entry = ::readdir(d)) out.emplace_back(entry->d_name);
  ::closedir(d);
  return out;
}

} // namespace

void VfsDriver::reclaimLeftovers() {
  if (!exists(volumesDir())) return; // nothing was ever created here
  try {
    // Nothing was interrupted since this boot's check: nothing to read.
    if (!_intents.settlingNeeded()) return;
    const FileLock alone = FileLock::tryExclusive(creationLockPath());
    if (!alone.held()) {
      // Another process is creating an image right now; its hidden file is
      // not a leftover. The next start looks again.
      host().info("vfs: another process is creating under " + _root +
                  "; leftovers are reclaimed at the next start");
      return;
    }
    std::lock_guard<std::mutex> lock(_mu);
    reclaimIn(volumesDir(), ".json");
    reclaimIn(snapshotsDir(), ".meta");
    reindexNames();
    _intents.settled();
  } catch (const std::exception &e) {
    host().warn(std::string("vfs: reclaiming leftovers under ") + _root + " failed: " + e.what());
  }
}

void VfsDriver::reclaimIn(const std::string &dir, const char *metaSuffix) {
  const std::string pendingSuffix = ".img.new";
  for (const auto &name : entries(dir)) {
    const std::string path = dir + "/" + name;
    if (name.size() > 1 && name[0] == '.' && endsWith(name, pendingSuffix)) {
      // An image still under its hidden name: the create died before it
      // published. With metadata it had committed: finish the rename.
      const std::string id = name.substr(1, name.size() - 1 - pendingSuffix.size());
      const std::string image = dir + "/" + id + ".img";
      if (exists(dir + "/" + id + metaSuffix)) {
        durable::rename(path, image);
        host().info("vfs: finished publishing " + image +
                    " (a create was interrupted after "
                    "its metadata was written)");
      } else {
        durable::remove(path);
        host().info("vfs: removed " + path + " (a create was interrupted before it committed)");
      }
    } else if (name.size() > 1 && name[0] == '.' && name.find(".tmp-") != std::string::npos) {
      // DurableFile's temporary for a metadata write that never got renamed.
      durable::remove(path);
      host().info("vfs: removed " + path + " (an interrupted metadata write)");
    } else if (name[0] != '.' && endsWith(name, ".img")) {
      const std::string id = name.substr(0, name.size() - 4);
      if (exists(dir + "/" + id + metaSuffix)) continue;
      // Remove deletes the metadata first: an image without it is a remove
      // that died before the unlink (or an unpublished image of an older
      // version). Nothing refers to it any more.
      for (const auto &b : LoopDevice::bindings())
        if (LoopDevice::serves(b, path) && LoopDevice::detach(b.device, path))
          host().info("vfs: detached " + b.device + " from " + path + " to reclaim it");
      durable::remove(path);
      host().info("vfs: removed " + path + " (its metadata is gone: a remove was interrupted)");
    }
  }
}

void VfsDriver::reindexNames() {
  // A crash between a create's reservation and its record leaves a link to
  // nothing; a remove that died before its unlink, or a root written by a
  // version without the index, leaves a record without a link.
  std::map<std::string, std::string> nameOf; // id -> name
  for (const auto &r : loadVolumes()) nameOf.emplace(r.id, r.name);
  for (const auto &[name, id] : _names.entries()) {
    auto it = nameOf.find(id);
    if (it != nameOf.end() && it->second == name) continue;
    _names.release(name, id);
    host().info("vfs: freed the name '" + name + "' (no volume " + id + " holds it)");
  }
  for (const auto &[id, name] : nameOf) {
    const auto holder = _names.holder(name);
    if (holder == id) continue;
    if (holder && nameOf.count(*holder)) {
      host().warn("vfs: volumes " + *holder + " and " + id + " are both named '" + name +
                  "'; new volumes cannot take that name until one is removed");
      continue;
    }
    _names.assign(name, id);
    host().info("vfs: indexed the name '" + name + "' of volume " + id);
  }
}

} // namespace rexray::vfs
