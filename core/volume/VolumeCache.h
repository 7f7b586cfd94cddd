#pragma once

#include "volume/Types.h"

#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

namespace rexray {

// A service's last known view of its volumes, answered from memory so that
// Docker's List/Get/Path never wait on a backend (REX-Ray's 52-second
// `docker volume ls`). Thread-safe; readers share a lock.
class VolumeCache {
public:
  explicit VolumeCache(std::string service) : _service(std::move(service)) {}

  void replace(std::vector<Volume> volumes);
  void put(const Volume &volume);
  void erase(const std::string &id);
  bool loaded() const;

  std::vector<Volume> all() const; // sorted by name
  // Exact ID, then exact name, then case-insensitive name. Two matches throw
  // ErrorKind::Ambiguous naming both IDs; no match is nullopt.
  std::optional<Volume> find(const std::string &ref) const;
  // Only an ID or a name matched to the letter (and unique): what a stale
  // cache can answer without hiding a newer exact match elsewhere.
  std::optional<Volume> findExact(const std::string &ref) const;

private:
  std::optional<Volume> findLocked(const std::string &ref) const;

  std::string _service;
  mutable std::shared_mutex _mutex;
  bool _loaded = false;
  std::map<std::string, Volume> _byId;
};

} // namespace rexray
