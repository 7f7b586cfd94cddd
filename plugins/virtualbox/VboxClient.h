#ifndef REXRAY_VIRTUALBOX_VBOXCLIENT_H
#define REXRAY_VIRTUALBOX_VBOXCLIENT_H

#include "SoapEnvelope.h"
#include "SoapTransport.h"
#include "VboxErrors.h"
#include <rexray/sdk/support/Deadline.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace rexray::virtualbox {

// The SDK support library's deadline, as rxr_call carries it.
using sdk::support::Deadline;

// One IMediumAttachment, as vboxwebsrv sends it by value.
struct MediumAttachment {
  std::string medium; // IMedium reference, "" for an empty drive
  std::string controller;
  int32_t port = 0;
  int32_t device = 0;
  std::string type; // DeviceType: HardDisk, DVD, …
};

// A vboxwebsrv client holding one websession.
//
// It logs on when first needed and keeps the websession (REX-Ray logged on
// before nearly every call and never logged off). When a call fails with
// InvalidObjectFault and the websession itself turns out to be gone (vboxwebsrv
// expires idle ones), it throws SessionExpired; withSession() then logs on again
// and runs the operation once more, since every reference the operation held
// died with the old websession. The destructor logs off.
//
// Not thread-safe: the driver sets RXR_FLAG_SERIALIZE.
class VboxClient {
public:
  using Logger = std::function<void(rxr_log_level, const std::string &)>;

  VboxClient(std::unique_ptr<SoapTransport> transport, std::string username, std::string password,
             Logger logger);
  ~VboxClient();
  VboxClient(const VboxClient &) = delete;
  VboxClient &operator=(const VboxClient &) = delete;

  std::string endpoint() const { return _transport->endpoint(); }

  // ---- the websession
  bool loggedOn() const { return !_vbox.empty(); }
  // IWebsessionManager_logon; RXR_E_AUTH when vboxwebsrv refuses.
  void logon(Deadline deadline);
  // IWebsessionManager_logoff, best effort; the client is logged out after.
  void logoff(Deadline deadline) noexcept;
  // The IVirtualBox reference of the current websession (logs on if needed).
  const std::string &vbox(Deadline deadline);
  // Counts logons, so callers can drop references cached from an older one.
  uint64_t generation() const { return _generation; }
  // One ISession object per websession, for lockMachine.
  std::string sessionObject(Deadline deadline);
  // IManagedObjectRef_release, best effort.
  void release(const std::string &ref) noexcept;
  // Forgets the ISession object (after it was left in a bad state).
  void dropSessionObject() { _session.clear(); }

  // Runs `body` with a websession; on SessionExpired logs on again and runs it
  // once more. A second expiry becomes RXR_E_BACKEND.
  template <typename F> auto withSession(Deadline deadline, F &&body) -> decltype(body()) {
    for (int attempt = 0;; ++attempt) {
      vbox(deadline);
      try {
        return body();
      } catch (const SessionExpired &e) {
        if (attempt >= 1)
          throw sdk::Error(RXR_E_BACKEND, std::string("the websession expired "
                                                      "again right after logging on: ") +
                                              e.what());
        log(RXR_LOG_WARN,
            std::string("") + e.what() + "; logging on again and repeating the operation");
      }
    }
  }

  // ---- calls
  // Sends one request and returns the <returnval> elements. Throws VboxFault for
  // a SOAP fault, SessionExpired (see above), sdk::Error for transport and
  // protocol failures.
  std::vector<XmlNode> invoke(const std::string &method, const SoapArgs &args, Deadline deadline);

  // Shorthands for `method(_this = self, extra...)`.
  void call(const std::string &method, const std::string &self, Deadline deadline,
            const SoapArgs &extra = {});
  std::string getString(const std::string &method, const std::string &self, Deadline deadline,
                        const SoapArgs &extra = {});
  std::vector<std::string> getStrings(const std::string &method, const std::string &self,
                                      Deadline deadline, const SoapArgs &extra = {});
  int64_t getInt(const std::string &method, const std::string &self, Deadline deadline,
                 const SoapArgs &extra = {});
  bool getBool(const std::string &method, const std::string &self, Deadline deadline,
               const SoapArgs &extra = {});
  std::vector<MediumAttachment> getAttachments(const std::string &method, const std::string &self,
                                               Deadline deadline, const SoapArgs &extra = {});

  // Waits for an IProgress: waitForCompletion in short slices until completed
  // or the deadline (then RXR_E_TIMEOUT, after trying to cancel it); then a
  // non-zero resultCode becomes an sdk::Error carrying the error info's text.
  void waitForProgress(const std::string &progress, Deadline deadline, const std::string &what);

  // Parses the IMediumAttachment structs of a reply.
  static std::vector<MediumAttachment> parseAttachments(const std::vector<XmlNode> &values);

private:
  void log(rxr_log_level level, const std::string &message) const {
    if (_logger) _logger(level, message);
  }
  std::vector<XmlNode> send(const std::string &method, const SoapArgs &args, Deadline deadline);
  bool sessionGone(const VboxFault &fault, Deadline deadline);

  std::unique_ptr<SoapTransport> _transport;
  std::string _username, _password;
  Logger _logger;
  std::string _vbox;    // IVirtualBox reference; "" = logged out
  std::string _session; // ISession reference of this websession, "" = none yet
  uint64_t _generation = 0;
};

} // namespace rexray::virtualbox

#endif // REXRAY_VIRTUALBOX_VBOXCLIENT_H
