#include "volume/VolumeCache.h"

#include "util/Error.h"
#include "util/Names.h"

#include <algorithm>
#include <mutex>

namespace rexray {

uint64_t VolumeCache::version() const {
  std::shared_lock<std::shared_mutex> lock(_mutex);
  return _version;
}

void VolumeCache::replace(std::vector<Volume> volumes, uint64_t readStartedAt) {
  std::unique_lock<std::shared_mutex> lock(_mutex);
  std::map<std::string, Entry> byId;
  for (auto &v : volumes) {
    auto erased = _erased.find(v.id);
    if (erased != _erased.end() && erased->second > readStartedAt) continue;
    std::string id = v.id; // the assignment's right side is evaluated first
    byId[id] = Entry{std::move(v), readStartedAt, std::chrono::steady_clock::now()};
  }
  for (auto &[id, entry] : _byId)
    if (entry.version > readStartedAt) byId[id] = entry; // newer than the list
  _byId.swap(byId);
  _erased.clear(); // every erase is now reflected in _byId or predates a later list
  _loaded = true;
}

void VolumeCache::put(const Volume &volume) {
  std::unique_lock<std::shared_mutex> lock(_mutex);
  _byId[volume.id] = Entry{volume, ++_version, std::chrono::steady_clock::now()};
  _erased.erase(volume.id);
}

void VolumeCache::erase(const std::string &id) {
  std::unique_lock<std::shared_mutex> lock(_mutex);
  _byId.erase(id);
  _erased[id] = ++_version;
}

bool VolumeCache::loaded() const {
  std::shared_lock<std::shared_mutex> lock(_mutex);
  return _loaded;
}

std::vector<Volume> VolumeCache::all() const {
  std::vector<Volume> out;
  {
    std::shared_lock<std::shared_mutex> lock(_mutex);
    out.reserve(_byId.size());
    for (const auto &entry : _byId) out.push_back(entry.second.volume);
  }
  std::sort(out.begin(), out.end(), [](const Volume &a, const Volume &b) {
    return a.name != b.name ? a.name < b.name : a.id < b.id;
  });
  return out;
}

std::optional<Volume> VolumeCache::find(const std::string &ref) const {
  std::shared_lock<std::shared_mutex> lock(_mutex);
  return findLocked(ref);
}

std::optional<std::chrono::steady_clock::duration> VolumeCache::age(const std::string &id) const {
  std::shared_lock<std::shared_mutex> lock(_mutex);
  auto it = _byId.find(id);
  if (it == _byId.end()) return std::nullopt;
  return std::chrono::steady_clock::now() - it->second.learnedAt;
}

std::optional<Volume> VolumeCache::findExact(const std::string &ref) const {
  std::shared_lock<std::shared_mutex> lock(_mutex);
  auto byId = _byId.find(ref);
  if (byId != _byId.end()) return byId->second.volume;
  const Volume *match = nullptr;
  for (const auto &entry : _byId) {
    if (entry.second.volume.name != ref) continue;
    if (match) return std::nullopt; // two of that name: let the full lookup say so
    match = &entry.second.volume;
  }
  if (!match) return std::nullopt;
  return *match;
}

std::optional<Volume> VolumeCache::findLocked(const std::string &ref) const {
  auto byId = _byId.find(ref);
  if (byId != _byId.end()) return byId->second.volume;
  std::vector<const Volume *> exact, folded;
  const std::string lowered = toLower(ref);
  for (const auto &entry : _byId) {
    const Volume &v = entry.second.volume;
    if (v.name == ref) exact.push_back(&v);
    if (toLower(v.name) == lowered) folded.push_back(&v);
  }
  const auto &matches = !exact.empty() ? exact : folded;
  if (matches.empty()) return std::nullopt;
  if (matches.size() == 1) return *matches.front();
  std::string ids;
  for (const auto *v : matches) ids += (ids.empty() ? "" : ", ") + v->id;
  throw Error(ErrorKind::Ambiguous, "volume name '" + ref + "' is ambiguous in service '" +
                                        _service + "': it matches volumes " + ids + "; use an ID");
}

} // namespace rexray
