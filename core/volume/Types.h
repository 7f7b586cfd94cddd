#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rexray {

// A volume as core sees it: the driver's view plus what this host knows.
struct Volume {
  std::string id, name, type, availabilityZone, status;
  int64_t sizeGiB = 0;
  int64_t iops = 0;
  bool encrypted = false;
  std::string attachedInstanceId, attachedDevice;
  int64_t createdUnix = 0;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string service;
  std::string mountPath; // "" unless mounted on this host (includes rootPath)

  bool attached() const { return !attachedInstanceId.empty(); }
  bool operator==(const Volume &other) const {
    return id == other.id && name == other.name && type == other.type &&
           availabilityZone == other.availabilityZone && status == other.status &&
           sizeGiB == other.sizeGiB && iops == other.iops && encrypted == other.encrypted &&
           attachedInstanceId == other.attachedInstanceId &&
           attachedDevice == other.attachedDevice && createdUnix == other.createdUnix &&
           fields == other.fields && service == other.service && mountPath == other.mountPath;
  }
};

// Where this host stands in the backend (a driver's instance_info).
struct InstanceInfo {
  std::string zone;           // "" = the backend has no zones
  int64_t maxAttachments = 0; // 0 = no limit known
};

struct Snapshot {
  std::string id, name, volumeId, status, description;
  int64_t sizeGiB = 0;
  int64_t startTimeUnix = 0;
  std::string service;
};

// What a caller asks to create. Unset optionals take the service's defaults.
struct CreateSpec {
  std::string name;
  std::optional<int64_t> sizeGiB;
  std::optional<int64_t> iops;
  std::string type;
  std::string availabilityZone;
  bool encrypted = false;
  std::string encryptionKey;
  std::string fromSnapshot; // snapshot ID or name
  std::string fromVolume;   // volume ID or name
  // Format at create time (attach, mkfs, detach), as REX-Ray 0.3's newFsType.
  std::string newFsType;
  bool overwriteFs = false;
  // Options rexray itself does not know, as given: the service's driver must
  // declare each (declaredDriverOptions), or the create is refused.
  std::map<std::string, std::string> driverOptions;
};

struct MountOptions {
  std::string fsType; // "" = the service default
  bool overwriteFs = false;
};

} // namespace rexray
