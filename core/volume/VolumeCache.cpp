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

void VolumeCache::index(const Volume &volume) {
  _byName.emplace(volume.name, volume.id);
  std::string folded = toLower(volume.name);
  if (folded != volume.name) _byFoldedName.emplace(std::move(folded), volume.id);
}

void VolumeCache::unindex(const Volume &volume) {
  const auto eraseId = [&](auto &index, const std::string &key) {
    auto [from, to] = index.equal_range(key);
    for (auto it = from; it != to; ++it)
      if (it->second == volume.id) {
        index.erase(it);
        return;
      }
  };
  eraseId(_byName, volume.name);
  const std::string folded = toLower(volume.name);
  if (folded != volume.name) eraseId(_byFoldedName, folded);
}

void VolumeCache::rebuildIndexes() {
  _byName.clear();
  _byFoldedName.clear();
  for (const auto &[id, entry] : _byId) index(*entry.volume);
}

void VolumeCache::replace(std::vector<Volume> volumes, uint64_t readStartedAt) {
  std::unique_lock<std::shared_mutex> lock(_mutex);
  const auto now = std::chrono::steady_clock::now();
  const auto newerThanList = [&](const std::string &id) {
    auto erased = _erased.find(id);
    return erased != _erased.end() && erased->second > readStartedAt;
  };
  // Most refreshes find what the cache already holds: then the entries,
  // their indexes and the shared listing (and the answers front ends derived
  // from it) all stay, and only the time they were learned moves.
  if (_loaded && volumes.size() == _byId.size() && _erased.empty()) {
    std::vector<Entry *> same;
    same.reserve(volumes.size());
    for (const auto &v : volumes) {
      auto it = _byId.find(v.id);
      if (it == _byId.end() || !(*it->second.volume == v)) break;
      same.push_back(&it->second);
    }
    // (A driver listing one ID twice must not pass for the same set.)
    std::sort(same.begin(), same.end());
    if (same.size() == volumes.size() &&
        std::adjacent_find(same.begin(), same.end()) == same.end()) {
      for (Entry *entry : same) {
        entry->version = std::max(entry->version, readStartedAt);
        entry->learnedAt = now;
      }
      return;
    }
  }
  ById byId;
  byId.reserve(volumes.size());
  for (auto &v : volumes) {
    if (newerThanList(v.id)) continue;
    // An unchanged volume keeps its entry: a front end's answer keyed on it
    // stays valid.
    auto old = _byId.find(v.id);
    Shared volume = old != _byId.end() && *old->second.volume == v
                        ? old->second.volume
                        : std::make_shared<const Volume>(std::move(v));
    const std::string &id = volume->id;
    byId[id] = Entry{std::move(volume), readStartedAt, now};
  }
  for (auto &[id, entry] : _byId)
    if (entry.version > readStartedAt) byId[id] = entry; // newer than the list
  _byId.swap(byId);
  _erased.clear(); // every erase is now reflected in _byId or predates a later list
  rebuildIndexes();
  _loaded = true;
  std::lock_guard<std::mutex> guard(_listingGuard);
  changed();
}

void VolumeCache::put(const Volume &volume) {
  std::unique_lock<std::shared_mutex> lock(_mutex);
  auto [it, inserted] = _byId.try_emplace(volume.id);
  if (!inserted) unindex(*it->second.volume);
  it->second =
      Entry{std::make_shared<const Volume>(volume), ++_version, std::chrono::steady_clock::now()};
  index(volume);
  _erased.erase(volume.id);
  std::lock_guard<std::mutex> guard(_listingGuard);
  changed();
}

void VolumeCache::erase(const std::string &id) {
  std::unique_lock<std::shared_mutex> lock(_mutex);
  if (auto it = _byId.find(id); it != _byId.end()) {
    unindex(*it->second.volume);
    _byId.erase(it);
  }
  _erased[id] = ++_version;
  std::lock_guard<std::mutex> guard(_listingGuard);
  changed();
}

bool VolumeCache::loaded() const {
  std::shared_lock<std::shared_mutex> lock(_mutex);
  return _loaded;
}

VolumeCache::Listing VolumeCache::listing() const {
  std::shared_lock<std::shared_mutex> lock(_mutex);
  std::lock_guard<std::mutex> guard(_listingGuard);
  if (_listing) return _listing;
  auto out = std::make_shared<std::vector<Shared>>();
  out->reserve(_byId.size());
  // _byName is ordered by name; equal names are ordered by ID here.
  for (auto it = _byName.begin(); it != _byName.end();) {
    auto end = _byName.upper_bound(it->first);
    const size_t first = out->size();
    for (; it != end; ++it) out->push_back(_byId.at(it->second).volume);
    std::sort(out->begin() + static_cast<std::ptrdiff_t>(first), out->end(),
              [](const Shared &a, const Shared &b) { return a->id < b->id; });
  }
  _listing = std::move(out);
  return _listing;
}

std::vector<Volume> VolumeCache::all() const {
  const auto shared = listing();
  std::vector<Volume> out;
  out.reserve(shared->size());
  for (const auto &v : *shared) out.push_back(*v);
  return out;
}

std::vector<VolumeCache::Shared> VolumeCache::named(const std::string &name) const {
  std::vector<Shared> out;
  auto [from, to] = _byName.equal_range(name);
  for (auto it = from; it != to; ++it) out.push_back(_byId.at(it->second).volume);
  return out;
}

std::vector<VolumeCache::Shared> VolumeCache::namedFolded(const std::string &folded) const {
  std::vector<Shared> out = named(folded);
  auto [from, to] = _byFoldedName.equal_range(folded);
  for (auto it = from; it != to; ++it) out.push_back(_byId.at(it->second).volume);
  return out;
}

std::optional<std::chrono::steady_clock::duration> VolumeCache::age(const std::string &id) const {
  std::shared_lock<std::shared_mutex> lock(_mutex);
  auto it = _byId.find(id);
  if (it == _byId.end()) return std::nullopt;
  return std::chrono::steady_clock::now() - it->second.learnedAt;
}

bool VolumeCache::hasName(const std::string &name) const {
  std::shared_lock<std::shared_mutex> lock(_mutex);
  return _byName.count(name) > 0;
}

std::optional<Volume> VolumeCache::findExact(const std::string &ref) const {
  std::shared_lock<std::shared_mutex> lock(_mutex);
  if (auto byId = _byId.find(ref); byId != _byId.end()) return *byId->second.volume;
  const auto matches = named(ref);
  if (matches.size() != 1) return std::nullopt; // two of that name: the full lookup says so
  return *matches.front();
}

std::optional<Volume> VolumeCache::find(const std::string &ref) const {
  if (auto shared = findShared(ref)) return *shared;
  return std::nullopt;
}

VolumeCache::Shared VolumeCache::findShared(const std::string &ref) const {
  std::shared_lock<std::shared_mutex> lock(_mutex);
  if (auto byId = _byId.find(ref); byId != _byId.end()) return byId->second.volume;
  auto matches = named(ref);
  if (matches.empty()) matches = namedFolded(toLower(ref));
  if (matches.empty()) return nullptr;
  if (matches.size() == 1) return matches.front();
  std::sort(matches.begin(), matches.end(),
            [](const Shared &a, const Shared &b) { return a->id < b->id; });
  std::string ids;
  for (const auto &v : matches) ids += (ids.empty() ? "" : ", ") + v->id;
  throw Error(ErrorKind::Ambiguous, "volume name '" + ref + "' is ambiguous in service '" +
                                        _service + "': it matches volumes " + ids + "; use an ID");
}

} // namespace rexray
