#ifndef REXRAY_SCALEIO_GATEWAYERROR_H
#define REXRAY_SCALEIO_GATEWAYERROR_H

#include <rexray/sdk/driver.hpp>

#include <string>

// A reply the gateway gave instead of success, with the status the SDK sees
// (scaleio-rest.md §8 maps errorCodes to situations).
namespace rexray::scaleio {

// errorCodes the driver reacts to.
enum : int {
  kCodeNameNotFound = 3, // queryIdByKey: no volume of that name
  kCodeNameInUse = 6,    // create: the name is taken
  kCodeVolumeNotFoundOld = 78,
  kCodeVolumeNotFound = 79,
  kCodeAlreadyMapped = 81,   // addMappedSdc: already mapped to that SDC
  kCodeMappedElsewhere = 82, // addMappedSdc: mapped to another SDC
  kCodeNotMapped = 84,       // removeMappedSdc: not mapped to that SDC
  kCodeVolumeMapped = 104,   // removeVolume: still mapped
  kCodeRemovalInProgress = 105,
};

class GatewayError : public sdk::Error {
public:
  GatewayError(int httpStatus, int errorCode, const std::string &message);
  int errorCode() const { return _errorCode; }

  // From a non-2xx reply: the JSON error body when there is one.
  static GatewayError fromReply(int httpStatus, const std::string &body);

private:
  int _errorCode;
};

} // namespace rexray::scaleio

#endif // REXRAY_SCALEIO_GATEWAYERROR_H
