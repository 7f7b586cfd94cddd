#ifndef REXRAY_SCALEIO_MODEL_H
#define REXRAY_SCALEIO_MODEL_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// The gateway's JSON objects, reduced to the fields the driver reads (see
// /work/shared/specs/scaleio-rest.md §2-§3). Parsing throws sdk::Error
// RXR_E_BACKEND naming what was malformed, never a Poco exception.
namespace rexray::scaleio {

struct Link {
  std::string rel, href;
};

// What System, ProtectionDomain, StoragePool and Sdc have in common.
struct Object {
  std::string id, name;
  std::vector<Link> links;
  // The href of the link called `rel`, if the gateway sent one.
  std::optional<std::string> link(const std::string &rel) const;
};

struct StoragePool : Object {
  std::string protectionDomainId;
};

struct Sdc : Object {
  std::string guid;
};

struct Mapping {
  std::string sdcId;
  int64_t limitIops = 0;
};

struct Volume : Object {
  int64_t sizeKb = 0;
  std::string storagePoolId, volumeType, ancestorVolumeId;
  int64_t creationTime = 0;
  std::vector<Mapping> mappings; // empty when mappedSdcInfo is null
};

// {"message", "httpStatusCode", "errorCode"}; nullopt when `body` is not one.
struct ApiError {
  std::string message;
  int httpStatusCode = 0;
  int errorCode = 0;
};
std::optional<ApiError> parseApiError(const std::string &body);

std::vector<Object> parseObjects(const std::string &body, const std::string &what);
std::vector<StoragePool> parseStoragePools(const std::string &body);
std::vector<Sdc> parseSdcs(const std::string &body);
Volume parseVolume(const std::string &body);
std::vector<Volume> parseVolumes(const std::string &body);

// A body that is one JSON string ("token", "2.0", a queryIdByKey id); a bare
// word is accepted too, as some gateways send the version unquoted.
std::string parseString(const std::string &body, const std::string &what);
// {"id": "..."} as create answers.
std::string parseCreatedId(const std::string &body);
// {"volumeIdList": [...], ...} as snapshotVolumes answers.
std::vector<std::string> parseSnapshotIds(const std::string &body);

// Request bodies; goscaleio sends every value as a JSON string.
std::string jsonObject(const std::vector<std::pair<std::string, std::string>> &fields);
std::string snapshotRequest(const std::string &volumeId, const std::string &snapshotName);

} // namespace rexray::scaleio

#endif // REXRAY_SCALEIO_MODEL_H
