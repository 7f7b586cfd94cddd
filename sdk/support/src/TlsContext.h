#ifndef REXRAY_SDK_SUPPORT_TLSCONTEXT_H
#define REXRAY_SDK_SUPPORT_TLSCONTEXT_H

#include <rexray/sdk/support/Http.hpp>

#include <Poco/Net/Context.h>

namespace rexray::sdk::support {

// The client TLS context for `options`, made once per distinct options and
// shared: loading a CA store costs more than a handshake. Throws
// TransportError(Tls) when a named file cannot be used.
Poco::Net::Context::Ptr clientContext(const TlsOptions &options);

} // namespace rexray::sdk::support

#endif // REXRAY_SDK_SUPPORT_TLSCONTEXT_H
