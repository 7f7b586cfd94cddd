#include "Ec2Error.h"

#include "Text.h"

namespace rexray::ebs {

rxr_status statusForEc2Code(const std::string &code, int httpStatus) {
  using text::endsWith;
  if (code == "AuthFailure" || code == "SignatureDoesNotMatch" || code == "UnauthorizedOperation" ||
      code == "InvalidClientTokenId" || code == "IncompleteSignature" ||
      code == "MissingAuthenticationToken" || code == "ExpiredToken" || code == "OptInRequired" ||
      code == "Blocked" || code == "PendingVerification" || code == "InvalidSecurity" ||
      code == "RequestExpired" || code == "AccessDenied" || code == "AccessDeniedException")
    return RXR_E_AUTH;
  if (code == "InvalidZone.NotFound" || code == "InvalidAvailabilityZone" ||
      code == "InvalidKmsKey.NotFound" || code == "InvalidRegion")
    return RXR_E_INVALID;
  if (endsWith(code, ".NotFound") || code == "InvalidVolume.NotFound") return RXR_E_NOT_FOUND;
  if (endsWith(code, ".Malformed")) return RXR_E_INVALID;
  // Limits and quotas: no retry cures them, another instance or zone may.
  if (code == "AttachmentLimitExceeded" || code == "VolumeLimitExceeded" ||
      code == "InsufficientVolumeCapacity" || code == "MaxIOPSLimitExceeded" ||
      code == "SnapshotLimitExceeded" || code == "ResourceLimitExceeded")
    return RXR_E_EXHAUSTED;
  if (code == "VolumeInUse" || code == "InvalidSnapshot.InUse" || code == "IncorrectState" ||
      code == "IncorrectInstanceState" || code == "ConcurrentSnapshotLimitExceeded" ||
      code == "InvalidVolume.Busy" || code == "VolumeModificationRateExceeded")
    return RXR_E_BUSY;
  if (code == "InvalidParameterValue" || code == "InvalidParameterCombination" ||
      code == "MissingParameter" || code == "InvalidParameter" || code == "UnknownParameter" ||
      code == "InvalidAction" || code == "InvalidVolume.ZoneMismatch" ||
      code == "ValidationError" || code == "InvalidRequest" || code == "InvalidInput" ||
      code == "UnsupportedOperation" || code == "InvalidQueryParameter" ||
      code == "MalformedQueryString" || code == "InvalidParameterCombination" ||
      code == "DryRunOperation" || code == "InvalidBlockDeviceMapping" ||
      code == "InvalidDevice.InUse" || code == "InvalidKMSKey.InvalidState")
    return RXR_E_INVALID;
  if (code.empty()) {
    if (httpStatus == 401 || httpStatus == 403) return RXR_E_AUTH;
    if (httpStatus == 404) return RXR_E_NOT_FOUND;
  }
  return RXR_E_BACKEND;
}

} // namespace rexray::ebs
