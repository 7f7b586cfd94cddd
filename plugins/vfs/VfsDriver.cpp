#include "VfsDriver.h"

#include "DurableFile.h"
#include "FileLock.h"
#include "FlatJson.h"
#include "ImageCopy.h"
#include "UniqueFd.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <set>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>

namespace rexray::vfs {

namespace {

using sdk::Error;

constexpr const char kVolumePrefix[] = "vfs-";
constexpr const char kSnapshotPrefix[] = "vfssnap-";
// The largest size whose byte count still fits in an off_t.
constexpr int64_t kMaxSizeGiB = INT64_MAX / VfsDriver::kGiB;
// How long waitForDevice polls when the call has no deadline of its own.
constexpr int64_t kDefaultWaitMs = 10000;
constexpr int64_t kPollMs = 50;

std::string quoted(const std::string &s) {
  return "'" + s + "'";
}

// Turns system errors from the file and loop helpers into RXR_E_BACKEND with
// errno as the backend code, prefixed with what we were doing; a full file
// system or quota is RXR_E_EXHAUSTED.
template <typename F> auto translate(const std::string &what, F &&body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::system_error &e) {
    const int err = e.code().value();
    const bool full =
        e.code().category() == std::generic_category() && (err == ENOSPC || err == EDQUOT);
    throw Error(full ? RXR_E_EXHAUSTED : RXR_E_BACKEND, "vfs: " + what + ": " + e.what(), err);
  }
}

// IDs become file names, so anything that could climb out of the directory
// (or is not one of ours) is rejected before it reaches the filesystem.
bool plausibleId(const std::string &id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string trim(const std::string &s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

int64_t nowUnix() {
  return static_cast<int64_t>(std::time(nullptr));
}

bool fileExists(const std::string &path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// The names in `dir` with their inode numbers, skipping our hidden
// temporaries.
// Hashed, not sorted: IDs share long prefixes, so 20,000 names in a tree
// cost a listing most of its time in memcmp.
using DirectoryNames = std::unordered_map<std::string, ino_t>;

// `expected`: about how many there are (the last listing's count), so the
// table is not rehashed as it fills.
DirectoryNames namesIn(const std::string &dir, size_t expected = 0) {
  DirectoryNames names;
  names.reserve(expected);
  DIR *d = ::opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT) return names;
    throw std::system_error(errno, std::generic_category(), "cannot list " + dir);
  }
  while (const dirent *entry = ::readdir(d))
    if (entry->d_name[0] != '.') names.emplace(entry->d_name, entry->d_ino);
  ::closedir(d);
  return names;
}

// The IDs among `names` that end in `suffix`, in order.
std::vector<std::string> idsIn(const DirectoryNames &names, const std::string &suffix) {
  std::vector<std::string> ids;
  for (const auto &[name, inode] : names) {
    if (!endsWith(name, suffix)) continue;
    std::string id = name.substr(0, name.size() - suffix.size());
    if (plausibleId(id)) ids.push_back(std::move(id));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string resolveRoot(const sdk::Host &host) {
  // The host owns where state lives; the driver never reads the environment.
  std::string root = host.config("root", "");
  if (root.empty()) root = host.stateDir();
  if (root.empty())
    throw sdk::Error(RXR_E_INVALID, "vfs.root is not set and the host gave no state directory");
  // Loop devices report canonical backing paths; ours are built from a
  // canonical root so they compare equal without resolving each image.
  root = LoopDevice::kernelPath(root);
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return root;
}

std::string readInstanceId() {
  if (auto id = durable::read("/etc/machine-id")) {
    const std::string t = trim(*id);
    if (!t.empty()) return t;
  }
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) == 0 && name[0]) return name;
  return "localhost";
}

void createSparseImage(const std::string &path, int64_t sizeGiB) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) throw std::system_error(errno, std::generic_category(), "cannot create " + path);
  try {
    // No fsync: a sparse image has no data, and its size is inode metadata
    // that the journal commits with the directory sync at publish (ext4 and
    // xfs commit metadata in order); one fsync less is 3 ms per create here.
    if (::ftruncate(fd.get(), static_cast<off_t>(sizeGiB * VfsDriver::kGiB)) != 0)
      throw std::system_error(errno, std::generic_category(),
                              "cannot size " + path + " to " + std::to_string(sizeGiB) + " GiB");
  } catch (...) {
    ::unlink(path.c_str());
    throw;
  }
}

// Runs a cleanup on scope exit unless dismissed.
template <typename F> class OnExit {
public:
  explicit OnExit(F f) : _f(std::move(f)) {}
  ~OnExit() {
    if (_armed) _f();
  }
  void dismiss() { _armed = false; }
  OnExit(const OnExit &) = delete;
  OnExit &operator=(const OnExit &) = delete;

private:
  F _f;
  bool _armed = true;
};

} // namespace

VfsDriver::VfsDriver(const sdk::Host &host, std::string service)
    : sdk::Driver(host, std::move(service)), _root(resolveRoot(host)), _names(_root + "/names"),
      _intents(_root + "/intents"), _instanceId(readInstanceId()) {
  this->host().debug("vfs: root is " + _root + ", instance id " + _instanceId);
  reclaimLeftovers();
}

std::string VfsDriver::volumeImagePath(const std::string &id) const {
  return volumesDir() + "/" + id + ".img";
}
std::string VfsDriver::volumeMetaPath(const std::string &id) const {
  return volumesDir() + "/" + id + ".json";
}
std::string VfsDriver::pendingPath(const std::string &image) {
  const auto slash = image.find_last_of('/');
  return image.substr(0, slash + 1) + "." + image.substr(slash + 1) + ".new";
}
std::string VfsDriver::creationLockPath() const {
  return volumesDir() + "/.lock";
}
std::string VfsDriver::snapshotImagePath(const std::string &id) const {
  return snapshotsDir() + "/" + id + ".img";
}
std::string VfsDriver::snapshotMetaPath(const std::string &id) const {
  return snapshotsDir() + "/" + id + ".meta";
}

Intents::Marker VfsDriver::recordIntent() const {
  return translate("cannot start an operation under " + _root, [&] { return _intents.record(); });
}

void VfsDriver::ensureLayout() const {
  translate("cannot prepare root " + _root, [&] {
    durable::makeDirectories(volumesDir(), 0700);
    durable::makeDirectories(snapshotsDir(), 0700);
  });
}

std::string VfsDriver::newId(const std::string &prefix) const {
  static const char hex[] = "0123456789abcdef";
  std::random_device rd;
  for (;;) {
    const uint64_t r = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    std::string id = prefix;
    for (int shift = 60; shift >= 0; shift -= 4) id += hex[(r >> shift) & 0xf];
    // 64 random bits practically never collide, but a collision would
    // overwrite data, so make sure.
    const std::string image = prefix == kVolumePrefix ? volumeImagePath(id) : snapshotImagePath(id);
    const std::string meta = prefix == kVolumePrefix ? volumeMetaPath(id) : snapshotMetaPath(id);
    if (!fileExists(meta) && !fileExists(image) && !fileExists(pendingPath(image))) return id;
  }
}

// ---- metadata ---------------------------------------------------------------

std::optional<VfsDriver::VolumeRecord> VfsDriver::loadVolume(const std::string &id) const {
  if (!plausibleId(id)) return std::nullopt;
  const auto text = durable::read(volumeMetaPath(id));
  if (!text) return std::nullopt;
  const FlatJson j = FlatJson::parse(*text);
  VolumeRecord r;
  r.id = j.str("id");
  r.name = j.str("name");
  r.type = j.str("type");
  r.sizeGiB = j.integer("size_gib");
  r.iops = j.integer("iops");
  r.createdUnix = j.integer("created_unix");
  r.encrypted = j.boolean("encrypted");
  r.sourceSnapshotId = j.str("source_snapshot_id");
  r.sourceVolumeId = j.str("source_volume_id");
  if (r.id != id) throw std::runtime_error("its id field says " + quoted(r.id));
  if (r.name.empty()) throw std::runtime_error("it has no name");
  return r;
}

// The one record named by id, with a clear error when it is missing or
// unreadable. `kind` is "volume" or "snapshot".
template <typename Load>
auto VfsDriver::requireRecord(const char *kind, const std::string &id, Load load) const ->
    typename decltype(load())::value_type {
  decltype(load()) r;
  try {
    r = load();
  } catch (const std::system_error &e) {
    throw Error(RXR_E_BACKEND,
                std::string("vfs: cannot read ") + kind + " " + quoted(id) + ": " + e.what(),
                e.code().value());
  } catch (const std::runtime_error &e) {
    throw Error(RXR_E_BACKEND, std::string("vfs: metadata of ") + kind + " " + quoted(id) +
                                   " is corrupt: " + e.what());
  }
  if (!r)
    throw Error(RXR_E_NOT_FOUND, std::string("vfs: ") + kind + " " + quoted(id) + " not found");
  return *r;
}

// Every record in dir; one unreadable file must not hide all the others.
template <typename Load>
auto VfsDriver::loadRecords(const char *kind, const std::string &dir, const char *suffix,
                            Load load) const
    -> std::vector<typename decltype(load(std::string()))::value_type> {
  std::vector<typename decltype(load(std::string()))::value_type> out;
  const auto names =
      translate(std::string("cannot list ") + kind + "s", [&] { return namesIn(dir); });
  for (const auto &id : idsIn(names, suffix)) {
    try {
      if (auto r = load(id)) out.push_back(std::move(*r));
    } catch (const std::exception &e) {
      host().warn(std::string("vfs: skipping ") + kind + " " + quoted(id) + ": " + e.what());
    }
  }
  return out;
}

VfsDriver::VolumeRecord VfsDriver::requireVolume(const std::string &id) const {
  return requireRecord("volume", id, [&] { return loadVolume(id); });
}

void VfsDriver::requireVolumeExists(const std::string &id) const {
  if (!plausibleId(id) || !fileExists(volumeMetaPath(id)))
    throw Error(RXR_E_NOT_FOUND, "vfs: volume " + quoted(id) + " not found");
}

std::optional<std::string> VfsDriver::attachedDevice(const std::string &id, Use use) const {
  const std::string image = volumeImagePath(id);
  if (auto hint = _deviceHint.find(id); hint != _deviceHint.end()) {
    if (hint->second.empty()) {
      // Detached by us. Only someone's manual losetup since could have
      // changed that: a report may say so, an attach or detach looks.
      if (use == Use::Report) return std::nullopt;
    } else if (auto b = LoopDevice::binding(hint->second); b && LoopDevice::serves(*b, image)) {
      return hint->second;
    }
  }
  return LoopDevice::findByBackingFile(image, LoopDevice::bindings());
}

std::vector<VfsDriver::VolumeRecord> VfsDriver::loadVolumes() const {
  return loadRecords("volume", volumesDir(), ".json",
                     [&](const std::string &id) { return loadVolume(id); });
}

void VfsDriver::storeVolume(const VolumeRecord &r) const {
  FlatJson j;
  j.set("id", r.id);
  j.set("name", r.name);
  j.set("size_gib", r.sizeGiB);
  j.set("type", r.type);
  j.set("iops", r.iops);
  j.set("created_unix", r.createdUnix);
  j.set("encrypted", r.encrypted);
  j.set("source_snapshot_id", r.sourceSnapshotId);
  j.set("source_volume_id", r.sourceVolumeId);
  translate("cannot save volume " + quoted(r.id),
            [&] { durable::writeAtomicUnsynced(volumeMetaPath(r.id), j.serialize()); });
}

std::optional<VfsDriver::SnapshotRecord> VfsDriver::loadSnapshot(const std::string &id) const {
  if (!plausibleId(id)) return std::nullopt;
  const auto text = durable::read(snapshotMetaPath(id));
  if (!text) return std::nullopt;
  const FlatJson j = FlatJson::parse(*text);
  SnapshotRecord r;
  r.id = j.str("id");
  r.name = j.str("name");
  r.volumeId = j.str("volume_id");
  r.sizeGiB = j.integer("size_gib");
  r.startTimeUnix = j.integer("start_time_unix");
  r.description = j.str("description");
  r.sourceSnapshotId = j.str("source_snapshot_id");
  if (r.id != id) throw std::runtime_error("its id field says " + quoted(r.id));
  return r;
}

VfsDriver::SnapshotRecord VfsDriver::requireSnapshot(const std::string &id) const {
  return requireRecord("snapshot", id, [&] { return loadSnapshot(id); });
}

std::vector<VfsDriver::SnapshotRecord> VfsDriver::loadSnapshots() const {
  return loadRecords("snapshot", snapshotsDir(), ".meta",
                     [&](const std::string &id) { return loadSnapshot(id); });
}

void VfsDriver::storeSnapshot(const SnapshotRecord &r) const {
  FlatJson j;
  j.set("id", r.id);
  j.set("name", r.name);
  j.set("volume_id", r.volumeId);
  j.set("size_gib", r.sizeGiB);
  j.set("start_time_unix", r.startTimeUnix);
  j.set("description", r.description);
  j.set("source_snapshot_id", r.sourceSnapshotId);
  translate("cannot save snapshot " + quoted(r.id),
            [&] { durable::writeAtomicUnsynced(snapshotMetaPath(r.id), j.serialize()); });
}

void VfsDriver::publish(const std::string &pending, const std::string &image,
                        const std::string &meta, const std::function<void()> &store) const {
  // Metadata is the commit point, the rename makes the image visible: a
  // crash before the metadata leaves only a hidden image, one after it a
  // record whose image a starting driver renames into place.
  // Both renames, and the metadata's blocks flushed before its rename, are
  // committed by one directory sync: the one fsync of a create.
  store();
  try {
    translate("cannot publish " + image, [&] {
      if (::rename(pending.c_str(), image.c_str()) != 0)
        throw std::system_error(errno, std::generic_category(), "cannot rename " + pending);
      durable::syncDirectory(image.substr(0, image.find_last_of('/')));
    });
  } catch (...) {
    ::unlink(meta.c_str());
    throw;
  }
}

sdk::Volume VfsDriver::toVolume(const VolumeRecord &r, const std::optional<std::string> &device,
                                bool imageExists) const {
  sdk::Volume v;
  v.id = r.id;
  v.name = r.name;
  v.type = r.type;
  v.sizeGiB = r.sizeGiB;
  v.iops = r.iops;
  v.encrypted = r.encrypted;
  v.createdUnix = r.createdUnix;
  const std::string image = volumeImagePath(r.id);
  v.fields.emplace_back("image", image);
  if (!r.sourceSnapshotId.empty()) v.fields.emplace_back("source_snapshot_id", r.sourceSnapshotId);
  if (!r.sourceVolumeId.empty()) v.fields.emplace_back("source_volume_id", r.sourceVolumeId);
  if (device) {
    v.status = "attached";
    v.attachedInstanceId = _instanceId;
    v.attachedDevice = *device;
  } else if (!imageExists) {
    v.status = "error";
    v.fields.emplace_back("error", "the image file is missing");
  } else {
    v.status = "available";
  }
  return v;
}

sdk::Snapshot VfsDriver::toSnapshot(const SnapshotRecord &r) {
  sdk::Snapshot s;
  s.id = r.id;
  s.name = r.name;
  s.volumeId = r.volumeId;
  s.description = r.description;
  s.sizeGiB = r.sizeGiB;
  s.startTimeUnix = r.startTimeUnix;
  s.status = "completed";
  return s;
}

// ---- operations -------------------------------------------------------------

std::string VfsDriver::instanceId(const sdk::Call &) {
  return _instanceId;
}

std::vector<sdk::Volume> VfsDriver::volumes(const sdk::Call &) {
  std::lock_guard<std::mutex> lock(_mu);
  // One directory read tells which records and images exist: 10,000 volumes
  // cost one small read each, not also a stat of each image.
  // A record is rewritten only by replacing its file (a new inode: an
  // expand), and an ID is never reused, so a record listed before under the
  // same inode is not read again.
  // A record and an image per volume.
  const auto names = translate("cannot list volumes",
                               [&] { return namesIn(volumesDir(), 2 * _listedRecords.size()); });
  const auto bindings = LoopDevice::bindings();
  std::vector<sdk::Volume> out;
  out.reserve(names.size() / 2);
  ListedRecords listed;
  listed.reserve(names.size() / 2);
  for (const auto &id : idsIn(names, ".json")) {
    const ino_t inode = names.at(id + ".json");
    const ListedRecord *entry = nullptr;
    if (auto known = _listedRecords.find(id);
        known != _listedRecords.end() && known->second.inode == inode) {
      // Moved, not copied: the old table keeps only what is gone.
      entry = &listed.insert(_listedRecords.extract(known)).position->second;
    } else {
      try {
        if (auto r = loadVolume(id))
          entry = &listed.emplace(id, ListedRecord{inode, *r}).first->second;
      } catch (const std::exception &e) {
        host().warn("vfs: skipping volume " + quoted(id) + ": " + e.what());
      }
    }
    if (entry)
      out.push_back(toVolume(entry->record,
                             LoopDevice::findByBackingFile(volumeImagePath(id), bindings),
                             names.count(id + ".img") > 0));
  }
  _listedRecords.swap(listed); // what is gone from the directory is dropped
  return out;
}

sdk::Volume VfsDriver::volume(const sdk::Call &, const std::string &id) {
  std::lock_guard<std::mutex> lock(_mu);
  return toVolume(requireVolume(id), attachedDevice(id, Use::Report),
                  fileExists(volumeImagePath(id)));
}

sdk::Volume VfsDriver::createVolume(const sdk::Call &call, const sdk::CreateOptions &opts) {
  if (opts.name.empty()) throw Error(RXR_E_INVALID, "vfs: a new volume needs a name");
  if (!NameIndex::representable(opts.name))
    throw Error(RXR_E_INVALID, "vfs: volume name " + quoted(opts.name) +
                                   " cannot be a file name (no '/', no leading '.', at most "
                                   "255 bytes)");
  call.throwIfExpired("vfs: create volume " + quoted(opts.name));
  // What it leaves if the process dies on the way is reclaimed at the next start.
  const auto intent = recordIntent();
  if (!opts.fromSnapshotId.empty() && !opts.fromVolumeId.empty())
    throw Error(RXR_E_INVALID, "vfs: volume " + quoted(opts.name) +
                                   " cannot be created from a snapshot and a volume at once");
  const bool fromSource = !opts.fromSnapshotId.empty() || !opts.fromVolumeId.empty();
  if (!fromSource && opts.sizeGiB <= 0)
    throw Error(RXR_E_INVALID, "vfs: volume " + quoted(opts.name) +
                                   " needs a size of at least 1 GiB, not " +
                                   std::to_string(opts.sizeGiB));
  if (opts.sizeGiB > kMaxSizeGiB || opts.sizeGiB < 0)
    throw Error(RXR_E_INVALID, "vfs: volume " + quoted(opts.name) + " cannot be " +
                                   std::to_string(opts.sizeGiB) + " GiB");

  VolumeRecord r;
  r.name = opts.name;
  r.type = opts.type;
  r.iops = opts.iops;
  r.encrypted = opts.encrypted;
  r.sourceSnapshotId = opts.fromSnapshotId;
  r.sourceVolumeId = opts.fromVolumeId;
  r.sizeGiB = opts.sizeGiB;
  std::string sourceImage, sourceDevice;
  const std::string what = "cannot create volume " + quoted(opts.name);
  ensureLayout();
  // Held from before the name is reserved, so a starting driver's reclaim
  // never frees a name whose create is still running.
  const auto creating = translate(what, [&] { return FileLock::shared(creationLockPath()); });
  {
    std::lock_guard<std::mutex> lock(_mu);
    int64_t sourceSize = 0;
    if (!opts.fromSnapshotId.empty()) {
      const auto snap = requireSnapshot(opts.fromSnapshotId);
      sourceImage = snapshotImagePath(snap.id);
      sourceSize = snap.sizeGiB;
    } else if (!opts.fromVolumeId.empty()) {
      const auto vol = requireVolume(opts.fromVolumeId);
      sourceImage = volumeImagePath(vol.id);
      sourceSize = vol.sizeGiB;
      sourceDevice = attachedDevice(vol.id, Use::Act).value_or("");
    }
    if (fromSource && opts.sizeGiB < sourceSize) {
      if (opts.sizeGiB > 0)
        host().debug("vfs: volume " + quoted(opts.name) + " keeps its source's " +
                     std::to_string(sourceSize) + " GiB instead of the smaller " +
                     std::to_string(opts.sizeGiB) + " GiB asked for");
      r.sizeGiB = sourceSize;
    }
    r.id = newId(kVolumePrefix);
    const auto holder = translate(what, [&] { return _names.reserve(opts.name, r.id); });
    if (holder)
      throw Error(RXR_E_EXISTS, "vfs: a volume named " + quoted(opts.name) +
                                    (loadVolume(*holder) ? " already exists (" + *holder + ")"
                                                         : " is being created"));
  }
  // The image is copied unlocked; the name stays ours until it is published.
  OnExit unreserve([&] {
    try {
      _names.release(opts.name, r.id);
    } catch (const std::exception &e) {
      host().warn("vfs: " + std::string(e.what()) + "; the next start frees it");
    }
  });

  // The copy runs unlocked: it can take long and only this call knows the id.
  const std::string image = volumeImagePath(r.id);
  const std::string pending = pendingPath(image);
  if (fromSource) {
    const auto method = translate(what, [&] {
      if (!sourceDevice.empty()) LoopDevice::flush(sourceDevice);
      return copyImage(sourceImage, pending, static_cast<uint64_t>(r.sizeGiB * kGiB));
    });
    host().debug("vfs: copied " + sourceImage + " to " + image + " by " + toString(method));
  } else {
    translate(what, [&] { createSparseImage(pending, r.sizeGiB); });
  }
  r.createdUnix = nowUnix();
  try {
    std::lock_guard<std::mutex> lock(_mu);
    publish(pending, image, volumeMetaPath(r.id), [&] { storeVolume(r); });
    unreserve.dismiss();
  } catch (...) {
    ::unlink(pending.c_str());
    throw;
  }
  host().info("vfs: created volume " + quoted(r.id) + " named " + quoted(r.name) + " of " +
              std::to_string(r.sizeGiB) + " GiB" +
              (fromSource
                   ? " from " + (r.sourceSnapshotId.empty() ? "volume " + r.sourceVolumeId
                                                            : "snapshot " + r.sourceSnapshotId)
                   : std::string()));
  std::lock_guard<std::mutex> lock(_mu);
  return toVolume(r, std::nullopt, true); // a new image: nothing serves it yet
}

void VfsDriver::removeVolume(const sdk::Call &call, const std::string &id, bool force) {
  call.throwIfExpired("vfs: remove volume " + quoted(id));
  const auto intent = recordIntent();
  std::lock_guard<std::mutex> lock(_mu);
  const auto r = requireVolume(id);
  const std::string image = volumeImagePath(id);
  _deviceHint.erase(id);
  const auto bindings = LoopDevice::bindings();
  for (const auto &b : bindings) {
    if (!LoopDevice::serves(b, image)) continue;
    if (!force)
      throw Error(RXR_E_BUSY, "vfs: volume " + quoted(id) + " is attached at " + b.device +
                                  "; detach it first or remove it with force");
    if (translate("cannot detach volume " + quoted(id),
                  [&] { return LoopDevice::detach(b.device, image); }))
      host().info("vfs: detached volume " + quoted(id) + " from " + b.device + " to remove it");
  }
  translate("cannot remove volume " + quoted(id), [&] {
    // Metadata first: once it is gone the volume is gone, even if we crash
    // before the image is unlinked.
    durable::remove(volumeMetaPath(id));
    durable::remove(image);
    _names.release(r.name, id);
  });
  host().info("vfs: removed volume " + quoted(id) + " named " + quoted(r.name));
}

int64_t VfsDriver::capacityBytes(const sdk::Call &call, const std::string &zone) {
  call.throwIfExpired("vfs: capacity");
  if (!zone.empty())
    throw Error(RXR_E_NOT_FOUND, "vfs: no zone " + quoted(zone) + ": vfs has no zones");
  // The root is made with the first volume: until then, the file system
  // it will be on is its nearest existing ancestor's.
  std::string path = _root;
  struct statvfs st {};
  while (::statvfs(path.c_str(), &st) != 0) {
    const int err = errno;
    const auto slash = path.find_last_of('/');
    if (err != ENOENT || slash == std::string::npos || path == "/")
      throw Error(RXR_E_BACKEND,
                  "vfs: cannot read the free space of " + path + ": " + std::strerror(err), err);
    path = slash == 0 ? "/" : path.substr(0, slash);
  }
  return static_cast<int64_t>(st.f_bavail) * static_cast<int64_t>(st.f_frsize);
}

std::string VfsDriver::attachVolume(const sdk::Call &call, const sdk::AttachOptions &opts) {
  call.throwIfExpired("vfs: attach volume " + quoted(opts.volumeId));
  if (!opts.instanceId.empty() && opts.instanceId != _instanceId)
    throw Error(RXR_E_NOT_FOUND, "vfs: instance " + quoted(opts.instanceId) +
                                     " is not this host (" + _instanceId +
                                     "): vfs attaches volumes to the host they live on only");
  std::lock_guard<std::mutex> lock(_mu);
  requireVolumeExists(opts.volumeId);
  const std::string image = volumeImagePath(opts.volumeId);
  if (auto device = attachedDevice(opts.volumeId, Use::Act)) {
    host().debug("vfs: volume " + quoted(opts.volumeId) + " is already attached at " + *device);
    return *device;
  }
  const std::string device = translate("cannot attach volume " + quoted(opts.volumeId),
                                       [&] { return LoopDevice::attach(image); });
  _deviceHint[opts.volumeId] = device;
  host().info("vfs: attached volume " + quoted(opts.volumeId) + " at " + device);
  return device;
}

void VfsDriver::detachVolume(const sdk::Call &call, const std::string &id, bool) {
  call.throwIfExpired("vfs: detach volume " + quoted(id));
  std::lock_guard<std::mutex> lock(_mu);
  requireVolumeExists(id);
  const std::string image = volumeImagePath(id);
  bool detached = false;
  // Normally one device; someone's manual losetup may have added more.
  for (const auto &b : LoopDevice::bindings()) {
    if (!LoopDevice::serves(b, image)) continue;
    if (translate("cannot detach volume " + quoted(id),
                  [&] { return LoopDevice::detach(b.device, image); })) {
      host().info("vfs: detached volume " + quoted(id) + " from " + b.device);
      detached = true;
    }
  }
  _deviceHint[id] = ""; // nothing serves it now
  if (!detached) host().debug("vfs: volume " + quoted(id) + " was not attached");
}

std::string VfsDriver::waitForDevice(const sdk::Call &call, const std::string &volumeId,
                                     const std::string &token) {
  {
    std::lock_guard<std::mutex> lock(_mu);
    requireVolumeExists(volumeId);
  }
  if (!token.empty() && token.compare(0, 9, "/dev/loop") != 0)
    throw Error(RXR_E_INVALID, "vfs: attach token " + quoted(token) + " of volume " +
                                   quoted(volumeId) + " is not a loop device");
  const std::string image = volumeImagePath(volumeId);
  using Clock = std::chrono::steady_clock;
  const int64_t budgetMs = !call.hasDeadline() ? kDefaultWaitMs : call.remainingMs();
  const auto giveUp = Clock::now() + std::chrono::milliseconds(std::max<int64_t>(budgetMs, 0));
  for (;;) {
    if (token.empty()) {
      if (auto device = LoopDevice::findByBackingFile(image, LoopDevice::bindings()))
        return *device;
    } else if (auto b = LoopDevice::binding(token); b && LoopDevice::serves(*b, image)) {
      translate("cannot prepare " + token + " for volume " + quoted(volumeId),
                [&] { LoopDevice::ensureNode(token); });
      return token;
    }
    const auto now = Clock::now();
    if (now >= giveUp) break;
    std::this_thread::sleep_for(
        std::min<Clock::duration>(giveUp - now, std::chrono::milliseconds(kPollMs)));
  }
  throw Error(RXR_E_TIMEOUT, "vfs: volume " + quoted(volumeId) + " did not appear at " +
                                 (token.empty() ? std::string("any loop device") : token) +
                                 " before the deadline");
}

std::vector<sdk::Snapshot> VfsDriver::snapshots(const sdk::Call &, const std::string &volumeId) {
  std::lock_guard<std::mutex> lock(_mu);
  std::vector<sdk::Snapshot> out;
  for (const auto &r : loadSnapshots())
    if (volumeId.empty() || r.volumeId == volumeId) out.push_back(toSnapshot(r));
  return out;
}

sdk::Snapshot VfsDriver::createSnapshot(const sdk::Call &call, const std::string &volumeId,
                                        const std::string &name, const std::string &description) {
  if (name.empty())
    throw Error(RXR_E_INVALID, "vfs: a snapshot of volume " + quoted(volumeId) + " needs a name");
  call.throwIfExpired("vfs: snapshot volume " + quoted(volumeId));
  const auto intent = recordIntent();
  SnapshotRecord r;
  std::string device;
  {
    std::lock_guard<std::mutex> lock(_mu);
    ensureLayout();
    const auto vol = requireVolume(volumeId);
    device = attachedDevice(volumeId, Use::Act).value_or("");
    r.id = newId(kSnapshotPrefix);
    r.name = name;
    r.volumeId = volumeId;
    r.sizeGiB = vol.sizeGiB;
    r.description = description;
  }
  const std::string image = snapshotImagePath(r.id);
  const std::string pending = pendingPath(image);
  const std::string what = "cannot snapshot volume " + quoted(volumeId);
  const auto creating = translate(what, [&] { return FileLock::shared(creationLockPath()); });
  const auto method = translate(what, [&] {
    // Writes still in the device's page cache would be missing from the copy.
    if (!device.empty()) LoopDevice::flush(device);
    return copyImage(volumeImagePath(volumeId), pending);
  });
  r.startTimeUnix = nowUnix();
  try {
    std::lock_guard<std::mutex> lock(_mu);
    publish(pending, image, snapshotMetaPath(r.id), [&] { storeSnapshot(r); });
  } catch (...) {
    ::unlink(pending.c_str());
    throw;
  }
  host().info("vfs: created snapshot " + quoted(r.id) + " named " + quoted(name) + " of volume " +
              quoted(volumeId) + " by " + toString(method));
  return toSnapshot(r);
}

void VfsDriver::removeSnapshot(const sdk::Call &call, const std::string &id) {
  call.throwIfExpired("vfs: remove snapshot " + quoted(id));
  const auto intent = recordIntent();
  std::lock_guard<std::mutex> lock(_mu);
  const auto r = requireSnapshot(id);
  translate("cannot remove snapshot " + quoted(id), [&] {
    durable::remove(snapshotMetaPath(id));
    durable::remove(snapshotImagePath(id));
  });
  host().info("vfs: removed snapshot " + quoted(id) + " named " + quoted(r.name));
}

sdk::Snapshot VfsDriver::copySnapshot(const sdk::Call &call, const std::string &id,
                                      const std::string &destName, const std::string &destRegion) {
  if (!destRegion.empty())
    throw Error(RXR_E_INVALID, "vfs: cannot copy snapshot " + quoted(id) + " to region " +
                                   quoted(destRegion) + ": vfs has no regions");
  call.throwIfExpired("vfs: copy snapshot " + quoted(id));
  const auto intent = recordIntent();
  SnapshotRecord r;
  {
    std::lock_guard<std::mutex> lock(_mu);
    const auto src = requireSnapshot(id);
    r = src;
    r.id = newId(kSnapshotPrefix);
    r.name = destName.empty() ? src.name : destName;
    r.sourceSnapshotId = src.id;
  }
  const std::string image = snapshotImagePath(r.id);
  const std::string pending = pendingPath(image);
  const std::string what = "cannot copy snapshot " + quoted(id);
  const auto creating = translate(what, [&] { return FileLock::shared(creationLockPath()); });
  translate(what, [&] { copyImage(snapshotImagePath(id), pending); });
  r.startTimeUnix = nowUnix();
  try {
    std::lock_guard<std::mutex> lock(_mu);
    publish(pending, image, snapshotMetaPath(r.id), [&] { storeSnapshot(r); });
  } catch (...) {
    ::unlink(pending.c_str());
    throw;
  }
  host().info("vfs: copied snapshot " + quoted(id) + " to " + quoted(r.id) + " named " +
              quoted(r.name));
  return toSnapshot(r);
}

sdk::Volume VfsDriver::expandVolume(const sdk::Call &call, const std::string &id, int64_t sizeGiB) {
  call.throwIfExpired("vfs: expand volume " + quoted(id));
  const auto intent = recordIntent();
  if (sizeGiB <= 0 || sizeGiB > kMaxSizeGiB)
    throw Error(RXR_E_INVALID, "vfs: volume " + quoted(id) + " cannot grow to " +
                                   std::to_string(sizeGiB) + " GiB");
  std::lock_guard<std::mutex> lock(_mu);
  VolumeRecord r = requireVolume(id);
  const std::string image = volumeImagePath(id);
  if (sizeGiB > r.sizeGiB) {
    translate("cannot grow volume " + quoted(id), [&] {
      // truncate(2) to a larger size only adds a hole: the data stays.
      if (::truncate(image.c_str(), static_cast<off_t>(sizeGiB * kGiB)) != 0)
        throw std::system_error(errno, std::generic_category(), "cannot resize " + image);
    });
    const int64_t previous = r.sizeGiB;
    r.sizeGiB = sizeGiB;
    storeVolume(r);
    // storeVolume leaves the directory sync to its caller (publish does one).
    translate("cannot save volume " + quoted(id), [&] { durable::syncDirectory(volumesDir()); });
    if (auto device = attachedDevice(id, Use::Act))
      translate("cannot grow the device of volume " + quoted(id),
                [&] { LoopDevice::refreshCapacity(*device); });
    host().info("vfs: grew volume " + quoted(id) + " from " + std::to_string(previous) + " to " +
                std::to_string(sizeGiB) + " GiB");
  }
  return toVolume(r, attachedDevice(id, Use::Report), true);
}

} // namespace rexray::vfs
