#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace rexray {

// The file system each volume was last found or made with (volume ID ->
// type), so that mounts after the first skip the libblkid probe (~45 block
// reads). A hint, kept in memory only: a mount the kernel refuses under it
// falls back to the probe, so a volume reformatted elsewhere is still found.
class KnownFilesystems {
public:
  std::optional<std::string> find(const std::string &volumeId) const {
    std::lock_guard<std::mutex> lock(_mutex);
    auto it = _types.find(volumeId);
    if (it == _types.end()) return std::nullopt;
    return it->second;
  }
  void learn(const std::string &volumeId, const std::string &type) {
    std::lock_guard<std::mutex> lock(_mutex);
    _types[volumeId] = type;
  }
  void forget(const std::string &volumeId) {
    std::lock_guard<std::mutex> lock(_mutex);
    _types.erase(volumeId);
  }

private:
  mutable std::mutex _mutex;
  std::map<std::string, std::string> _types;
};

} // namespace rexray
