#include "util/Error.h"

namespace rexray {

const char *errorKindName(ErrorKind kind) {
  switch (kind) {
  case ErrorKind::NotFound: return "not found";
  case ErrorKind::Invalid: return "invalid";
  case ErrorKind::Unsupported: return "unsupported";
  case ErrorKind::Timeout: return "timeout";
  case ErrorKind::Auth: return "authentication failed";
  case ErrorKind::Backend: return "backend error";
  case ErrorKind::Busy: return "busy";
  case ErrorKind::Exists: return "exists";
  case ErrorKind::Ambiguous: return "ambiguous";
  case ErrorKind::Config: return "configuration error";
  case ErrorKind::Internal: return "internal error";
  case ErrorKind::Exhausted: return "exhausted";
  }
  return "error";
}

} // namespace rexray
