#include "TlsContext.h"

#include <Poco/Exception.h>
#include <Poco/Net/SSLManager.h>

#include <map>
#include <mutex>
#include <tuple>

namespace rexray::sdk::support {

namespace {

using Key = std::tuple<bool, std::string, std::string, std::string>;

Poco::Net::Context::Ptr make(const TlsOptions &options) {
  // VERIFY_STRICT, not RELAXED: with RELAXED Poco skips the host name check
  // for local names. With verify off nothing is checked: that is the point
  // of a gateway's "insecure" switch.
  const auto mode =
      options.verify ? Poco::Net::Context::VERIFY_STRICT : Poco::Net::Context::VERIFY_NONE;
  // A CA file replaces the system store: the operator named whom to trust.
  const bool systemStore = options.caFile.empty();
  return new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, options.keyFile,
                                options.certFile, options.caFile, mode, 9, systemStore,
                                "ALL:!ADH:!LOW:!EXP:!MD5:!aNULL:@STRENGTH");
}

} // namespace

Poco::Net::Context::Ptr clientContext(const TlsOptions &options) {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
  static std::mutex mu;
  static std::map<Key, Poco::Net::Context::Ptr> made;
  const Key key{options.verify, options.caFile, options.certFile, options.keyFile};
  std::lock_guard<std::mutex> guard(mu);
  if (auto it = made.find(key); it != made.end()) return it->second;
  try {
    return made[key] = make(options);
  } catch (const Poco::Exception &e) {
    throw TransportError(TransportError::Kind::Tls,
                         "cannot set up TLS (CA file '" + options.caFile + "', certificate '" +
                             options.certFile + "'): " + e.displayText(),
                         e.displayText());
  }
}

} // namespace rexray::sdk::support
