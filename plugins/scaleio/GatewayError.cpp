#include "GatewayError.h"

#include "Model.h"

namespace rexray::scaleio {

namespace {

rxr_status statusOf(int httpStatus, int code, const std::string &message) {
  if (httpStatus == 401 || httpStatus == 403) return RXR_E_AUTH;
  // goscaleio recognises a missing name by this exact text, whatever the code.
  if (code == kCodeNameNotFound || message == "Not found") return RXR_E_NOT_FOUND;
  if (code == kCodeVolumeNotFound || code == kCodeVolumeNotFoundOld) return RXR_E_NOT_FOUND;
  if (code == kCodeNameInUse) return RXR_E_EXISTS;
  if (code == kCodeAlreadyMapped || code == kCodeMappedElsewhere || code == kCodeVolumeMapped ||
      code == kCodeRemovalInProgress)
    return RXR_E_BUSY;
  return RXR_E_BACKEND;
}

std::string describe(int httpStatus, int code, const std::string &message) {
  std::string out = message.empty() ? "no error message" : message;
  out += " (HTTP " + std::to_string(httpStatus);
  if (code != 0) out += ", errorCode " + std::to_string(code);
  return out + ")";
}

} // namespace

GatewayError::GatewayError(int httpStatus, int errorCode, const std::string &message)
    : sdk::Error(statusOf(httpStatus, errorCode, message), describe(httpStatus, errorCode, message),
                 errorCode),
      _errorCode(errorCode) {}

GatewayError GatewayError::fromReply(int httpStatus, const std::string &body) {
  if (auto e = parseApiError(body)) return GatewayError(httpStatus, e->errorCode, e->message);
  // Not the gateway's JSON (a proxy's page, say): a short excerpt helps.
  std::string excerpt = body.substr(0, 120);
  for (char &c : excerpt)
    if (c == '\n' || c == '\r') c = ' ';
  return GatewayError(httpStatus, 0, excerpt.empty() ? "unexpected reply" : excerpt);
}

} // namespace rexray::scaleio
