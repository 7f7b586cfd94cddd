#pragma once

#include "util/Error.h"

#include <Poco/JSON/Object.h>

namespace rexray::api {

// How an ErrorKind crosses the control API and comes back as the same
// rexray::Error on the CLI side, message and kind intact.
int statusFor(ErrorKind kind);
Poco::JSON::Object::Ptr errorBody(const Error &error);
Error errorFrom(int status, const std::string &body);

} // namespace rexray::api
