#include "csi/CsiCall.h"

#include "util/Error.h"
#include "util/Log.h"

#include <Poco/Exception.h>

#include <algorithm>

namespace rexray {
namespace {

grpc::StatusCode codeOf(ErrorKind kind) {
  switch (kind) {
  case ErrorKind::NotFound: return grpc::StatusCode::NOT_FOUND;
  case ErrorKind::Invalid: return grpc::StatusCode::INVALID_ARGUMENT;
  case ErrorKind::Unsupported: return grpc::StatusCode::UNIMPLEMENTED;
  case ErrorKind::Timeout: return grpc::StatusCode::DEADLINE_EXCEEDED;
  case ErrorKind::Auth: return grpc::StatusCode::PERMISSION_DENIED;
  case ErrorKind::Backend: return grpc::StatusCode::UNAVAILABLE;
  case ErrorKind::Busy: return grpc::StatusCode::FAILED_PRECONDITION;
  case ErrorKind::Exists: return grpc::StatusCode::ALREADY_EXISTS;
  case ErrorKind::Ambiguous: return grpc::StatusCode::FAILED_PRECONDITION;
  case ErrorKind::Config: return grpc::StatusCode::FAILED_PRECONDITION;
  case ErrorKind::Internal: return grpc::StatusCode::INTERNAL;
  case ErrorKind::Exhausted: return grpc::StatusCode::RESOURCE_EXHAUSTED;
  }
  return grpc::StatusCode::INTERNAL;
}

} // namespace

void requireField(const std::string &value, const char *field, std::size_t limit) {
  if (value.empty())
    throw CsiRefusal(grpc::StatusCode::INVALID_ARGUMENT, std::string(field) + " is required");
  if (limit && value.size() > limit)
    throw CsiRefusal(grpc::StatusCode::INVALID_ARGUMENT,
                     std::string(field) + " is " + std::to_string(value.size()) +
                         " bytes long; CSI allows at most " + std::to_string(limit));
}

Deadline CsiContext::deadlineOf(const grpc::ServerContext &context) const {
  // gRPC states its deadline on the system clock; ours runs on the monotonic
  // one, so what is left is carried over.
  const auto client = context.deadline();
  const auto now = std::chrono::system_clock::now();
  if (client == std::chrono::system_clock::time_point::max() ||
      client - now > std::chrono::hours(24 * 365))
    return Deadline::in(_settings.defaultTimeout);
  return Deadline::in(std::chrono::duration_cast<std::chrono::milliseconds>(client - now));
}

int64_t CsiContext::maxVolumesPerNode(VolumeService &service, const Deadline &deadline) const {
  const int64_t driver = service.instanceInfo(deadline).maxAttachments;
  const int64_t configured = _settings.maxVolumesPerNode;
  if (driver > 0 && configured > 0) return std::min(driver, configured);
  return driver > 0 ? driver : configured;
}

grpc::Status CsiContext::failure(const char *method) const {
  try {
    throw;
  } catch (const CsiRefusal &e) {
    log::info("csi {} {}: {}", _service, method, e.what());
    return grpc::Status(e.code(), e.what());
  } catch (const Error &e) {
    log::info("csi {} {}: {}", _service, method, e.what());
    return grpc::Status(codeOf(e.kind()), e.what());
  } catch (const Poco::Exception &e) {
    log::error("csi {} {}: {}", _service, method, e.displayText());
    return grpc::Status(grpc::StatusCode::INTERNAL, e.displayText());
  } catch (const std::exception &e) {
    log::error("csi {} {}: {}", _service, method, e.what());
    return grpc::Status(grpc::StatusCode::INTERNAL, e.what());
  }
}

} // namespace rexray
