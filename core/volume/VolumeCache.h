#pragma once

#include "volume/Types.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace rexray {

// A service's last known view of its volumes, answered from memory so that
// Docker's List/Get/Path never wait on a backend (REX-Ray's 52-second
// `docker volume ls`). Thread-safe; readers share a lock. Every lookup is
// by index, so its cost does not grow with the number of volumes.
class VolumeCache {
public:
  using Shared = std::shared_ptr<const Volume>;
  using Listing = std::shared_ptr<const std::vector<Shared>>;

  explicit VolumeCache(std::string service) : _service(std::move(service)) {}

  // A full refresh races with single updates: read version() before asking
  // the backend, and replace() keeps every put or erase made since, so a
  // slow list never undoes a newer mount or remove.
  uint64_t version() const;
  void replace(std::vector<Volume> volumes, uint64_t readStartedAt);
  void put(const Volume &volume);
  void erase(const std::string &id);
  bool loaded() const;

  // Sorted by name, then ID. The same immutable listing (of the cache's own
  // entries, not copies) is shared by every caller until the next change,
  // so a Docker List of 10,000 volumes copies nothing; callers may key their
  // own derived answers on the pointer.
  Listing listing() const;
  std::vector<Volume> all() const;
  // Exact ID, then exact name, then case-insensitive name. Two matches throw
  // ErrorKind::Ambiguous naming both IDs; no match is nullopt.
  std::optional<Volume> find(const std::string &ref) const;
  // The same, without a copy (nullptr when there is no match).
  Shared findShared(const std::string &ref) const;
  // Only an ID or a name matched to the letter (and unique): what a stale
  // cache can answer without hiding a newer exact match elsewhere.
  std::optional<Volume> findExact(const std::string &ref) const;
  // Whether any cached volume has exactly this name.
  bool hasName(const std::string &name) const;
  // How long ago this volume's entry was last learned (listed, described or
  // changed by us); nullopt when unknown.
  std::optional<std::chrono::steady_clock::duration> age(const std::string &id) const;

private:
  struct Entry {
    Shared volume; // immutable: a change replaces it
    uint64_t version;
    std::chrono::steady_clock::time_point learnedAt;
  };
  using ById = std::unordered_map<std::string, Entry>;

  void index(const Volume &volume);
  void unindex(const Volume &volume);
  void rebuildIndexes();
  // IDs of the volumes named exactly `name`.
  std::vector<Shared> named(const std::string &name) const;
  // IDs of the volumes whose name folds to `folded` (already lower case).
  std::vector<Shared> namedFolded(const std::string &folded) const;
  void changed() { _listing.reset(); }

  std::string _service;
  mutable std::shared_mutex _mutex;
  bool _loaded = false;
  uint64_t _version = 0;
  ById _byId;
  // name -> ID; a name may be shared by several volumes on some backends.
  std::multimap<std::string, std::string> _byName;
  // Lower-cased name -> ID, only for names that are not lower case already:
  // a case-insensitive lookup checks _byName under the folded ref too, so
  // the common all-lower-case name costs no second index entry.
  std::unordered_multimap<std::string, std::string> _byFoldedName;
  std::map<std::string, uint64_t> _erased; // id -> version of its erase
  mutable std::mutex _listingGuard;
  mutable Listing _listing; // built on demand, dropped on every change
};

} // namespace rexray
