#pragma once

#include <stdexcept>
#include <string>

namespace rexray {

// What went wrong, independent of where: front ends map a kind to their own
// codes (exit status, HTTP status).
enum class ErrorKind {
  NotFound,
  Invalid,
  Unsupported,
  Timeout,
  Auth,
  Backend,
  Busy,
  Exists,
  Ambiguous,
  Config,
  Internal,
  // Out of space or quota, an attach limit reached, no capacity where asked.
  Exhausted,
};

const char *errorKindName(ErrorKind kind);

// The one error type that crosses core's layers. The message is a complete
// sentence fragment a user can act on ("volume 'pgdata' not found").
class Error : public std::runtime_error {
public:
  Error(ErrorKind kind, const std::string &message) : std::runtime_error(message), _kind(kind) {}
  ErrorKind kind() const noexcept { return _kind; }

private:
  ErrorKind _kind;
};

} // namespace rexray
