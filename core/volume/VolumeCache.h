#pragma once

#include "volume/Types.h"

#include <chrono>
#include <cstdint>
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

  // A full refresh races with single updates: read version() before asking
  // the backend, and replace() keeps every put or erase made since, so a
  // slow list never undoes a newer mount or remove.
  uint64_t version() const;
  void replace(std::vector<Volume> volumes, uint64_t readStartedAt);
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
  // How long ago this volume's entry was last learned (listed, described or
  // changed by us); nullopt when unknown.
  std::optional<std::chrono::steady_clock::duration> age(const std::string &id) const;

private:
  std::optional<Volume> findLocked(const std::string &ref) const;

  std::string _service;
  mutable std::shared_mutex _mutex;
  bool _loaded = false;
  uint64_t _version = 0;
  struct Entry {
    Volume volume;
    uint64_t version;
    std::chrono::steady_clock::time_point learnedAt;
  };
  std::map<std::string, Entry> _byId;
  std::map<std::string, uint64_t> _erased; // id -> version of its erase
};

} // namespace rexray
