#include "api/ApiErrors.h"

#include "api/JsonCodec.h"

#include <array>

namespace rexray::api {
namespace {

constexpr std::array<ErrorKind, 12> kKinds = {
    ErrorKind::NotFound,  ErrorKind::Invalid, ErrorKind::Unsupported, ErrorKind::Timeout,
    ErrorKind::Auth,      ErrorKind::Backend, ErrorKind::Busy,        ErrorKind::Exists,
    ErrorKind::Ambiguous, ErrorKind::Config,  ErrorKind::Internal,    ErrorKind::Exhausted};

} // namespace

int statusFor(ErrorKind kind) {
  switch (kind) {
  case ErrorKind::NotFound: return 404;
  case ErrorKind::Invalid:
  case ErrorKind::Config: return 400;
  case ErrorKind::Busy:
  case ErrorKind::Exists:
  case ErrorKind::Ambiguous: return 409;
  case ErrorKind::Unsupported: return 501;
  case ErrorKind::Timeout: return 504;
  case ErrorKind::Auth:
  case ErrorKind::Backend: return 502;
  case ErrorKind::Internal: return 500;
  case ErrorKind::Exhausted: return 507; // Insufficient Storage
  }
  return 500;
}

Poco::JSON::Object::Ptr errorBody(const Error &error) {
  auto o = json::orderedObject();
  o->set("error", std::string(error.what()));
  o->set("kind", std::string(errorKindName(error.kind())));
  return o;
}

Error errorFrom(int status, const std::string &body) {
  try {
    auto o = json::parseObject(body);
    const std::string kind = o->optValue<std::string>("kind", "");
    const std::string message = o->optValue<std::string>("error", "");
    for (ErrorKind k : kKinds)
      if (kind == errorKindName(k)) return Error(k, message);
    if (!message.empty()) return Error(ErrorKind::Internal, message);
  } catch (const std::exception &) {
  }
  return Error(ErrorKind::Internal,
               "the daemon answered HTTP " + std::to_string(status) + ": " + body);
}

} // namespace rexray::api
