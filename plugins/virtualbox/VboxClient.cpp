#include "VboxClient.h"

#include <rexray/sdk/support/Retry.hpp>

#include <algorithm>
#include <cstdlib>

namespace rexray::virtualbox {

namespace {

using sdk::Error;

// waitForCompletion is asked to block for at most this long per call, so the
// deadline is checked between slices.
constexpr int64_t kProgressSliceMs = 500;
// Logging off at destruction must not hold up the host's shutdown.
constexpr int64_t kLogoffTimeoutMs = 5000;
// Pause before resending a read whose connection was lost.
constexpr int64_t kResendDelayMs = 100;

std::string trim(const std::string &s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

SoapArgs withThis(const std::string &self, const SoapArgs &extra) {
  SoapArgs args;
  args.reserve(extra.size() + 1);
  args.emplace_back("_this", self);
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

int64_t parseInt(const std::string &method, const std::string &text) {
  const std::string t = trim(text);
  if (t.empty()) return 0; // an absent value is zero
  char *end = nullptr;
  const long long v = std::strtoll(t.c_str(), &end, 10);
  if (!end || *end != '\0')
    throw Error(RXR_E_BACKEND, method + " returned '" + t + "', not a number");
  return v;
}

bool parseBool(const std::string &method, const std::string &text) {
  const std::string t = trim(text);
  if (t == "true" || t == "1") return true;
  if (t == "false" || t == "0" || t.empty()) return false;
  throw Error(RXR_E_BACKEND, method + " returned '" + t + "', not a boolean");
}

// Calls a lost connection may send again: reads, which change nothing, and
// logon, whose lost websession merely expires on the server.
bool safeToResend(const std::string &method) {
  const auto sep = method.find('_');
  if (sep == std::string::npos) return false;
  const std::string name = method.substr(sep + 1);
  return name.rfind("get", 0) == 0 || name == "findMachine" || name == "waitForCompletion" ||
         method == "IWebsessionManager_logon";
}

std::string snippet(const std::string &body) {
  std::string s = trim(body);
  for (auto &c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return s.size() > 200 ? s.substr(0, 200) + "…" : s;
}

} // namespace

VboxClient::VboxClient(std::unique_ptr<SoapTransport> transport, std::string username,
                       std::string password, Logger logger)
    : _transport(std::move(transport)), _username(std::move(username)),
      _password(std::move(password)), _logger(std::move(logger)) {}

VboxClient::~VboxClient() {
  logoff(Deadline::in(kLogoffTimeoutMs));
}

std::vector<XmlNode> VboxClient::send(const std::string &method, const SoapArgs &args,
                                      Deadline deadline) {
  if (deadline.expired()) throw Error(RXR_E_TIMEOUT, "deadline passed before " + method);
  const std::string request = buildRequest(method, args);
  // A lost connection may or may not have run the call: only calls that are
  // safe to run twice are sent again, once, and only if the deadline allows.
  sdk::support::RetryPolicy once;
  once.maxAttempts = 2;
  const HttpReply http = sdk::support::retryWithin(
      deadline, once, [&] { return _transport->post(request, deadline); },
      [&](std::exception_ptr error) -> sdk::support::RetryDecision {
        try {
          std::rethrow_exception(error);
        } catch (const ConnectionLost &e) {
          if (!safeToResend(method)) return {false, std::nullopt};
          log(RXR_LOG_INFO, std::string(e.what()) + "; sending " + method + " again");
          return {true, kResendDelayMs};
        } catch (...) {
          return {false, std::nullopt};
        }
      });
  SoapReply reply;
  try {
    reply = parseReply(method, http.body);
  } catch (const SoapProtocolError &e) {
    if (http.status != 200)
      throw Error(RXR_E_BACKEND, method + ": vboxwebsrv at " + endpoint() + " answered HTTP " +
                                     std::to_string(http.status) + ": " + snippet(http.body));
    throw Error(RXR_E_BACKEND, std::string(e.what()));
  }
  if (reply.fault) throw VboxFault(method, *reply.fault);
  // REX-Ray's client took an empty body for success; but then nothing says
  // the call ran at all.
  if (reply.emptyBody)
    throw Error(RXR_E_BACKEND, method + ": vboxwebsrv at " + endpoint() +
                                   " sent an empty reply (HTTP " + std::to_string(http.status) +
                                   ")");
  if (http.status != 200)
    throw Error(RXR_E_BACKEND, method + ": vboxwebsrv at " + endpoint() + " answered HTTP " +
                                   std::to_string(http.status) + " without a SOAP fault");
  return std::move(reply.returnvals);
}

bool VboxClient::sessionGone(const VboxFault &fault, Deadline deadline) {
  if (_vbox.empty()) return false;
  if (fault.fault().badObjectId == _vbox) return true;
  // Another reference was refused: ask about the websession's own root object.
  try {
    send("IVirtualBox_getVersion", {{"_this", _vbox}}, deadline);
    return false;
  } catch (const VboxFault &probe) {
    return probe.isInvalidObject();
  }
}

std::vector<XmlNode> VboxClient::invoke(const std::string &method, const SoapArgs &args,
                                        Deadline deadline) {
  try {
    return send(method, args, deadline);
  } catch (const VboxFault &fault) {
    if (fault.isInvalidObject() && sessionGone(fault, deadline)) {
      const std::string old = _vbox;
      _vbox.clear();
      _session.clear();
      throw SessionExpired("websession " + old + " expired (" + method + ": " + fault.detail() +
                           ")");
    }
    throw;
  }
}

void VboxClient::logon(Deadline deadline) {
  _vbox.clear();
  _session.clear();
  std::vector<XmlNode> values;
  try {
    values = send("IWebsessionManager_logon", {{"username", _username}, {"password", _password}},
                  deadline);
  } catch (const VboxFault &fault) {
    throw Error(statusFor(fault.fault(), true),
                "logging on to vboxwebsrv at " + endpoint() +
                    (_username.empty() ? std::string() : " as '" + _username + "'") +
                    " failed: " + fault.detail(),
                fault.isRuntime() ? fault.fault().resultCode : 0);
  }
  const std::string ref = values.empty() ? std::string() : trim(values.front().text);
  if (ref.empty())
    throw Error(RXR_E_BACKEND,
                "vboxwebsrv at " + endpoint() + " returned no IVirtualBox reference on logon");
  _vbox = ref;
  ++_generation;
  log(RXR_LOG_DEBUG, "logged on to " + endpoint() + " (websession " + _vbox + ")");
}

void VboxClient::logoff(Deadline deadline) noexcept {
  if (_vbox.empty()) return;
  const std::string ref = _vbox;
  _vbox.clear();
  _session.clear();
  try {
    send("IWebsessionManager_logoff", {{"refIVirtualBox", ref}}, deadline);
    log(RXR_LOG_DEBUG, "logged off from " + endpoint());
  } catch (const std::exception &e) {
    log(RXR_LOG_DEBUG, std::string("logoff failed (ignored): ") + e.what());
  }
}

const std::string &VboxClient::vbox(Deadline deadline) {
  if (_vbox.empty()) logon(deadline);
  return _vbox;
}

std::string VboxClient::sessionObject(Deadline deadline) {
  if (_session.empty()) {
    const std::string ref = vbox(deadline);
    auto values =
        invoke("IWebsessionManager_getSessionObject", {{"refIVirtualBox", ref}}, deadline);
    _session = values.empty() ? std::string() : trim(values.front().text);
    if (_session.empty())
      throw Error(RXR_E_BACKEND, "getSessionObject returned no ISession reference");
  }
  return _session;
}

void VboxClient::call(const std::string &method, const std::string &self, Deadline deadline,
                      const SoapArgs &extra) {
  invoke(method, withThis(self, extra), deadline);
}

std::string VboxClient::getString(const std::string &method, const std::string &self,
                                  Deadline deadline, const SoapArgs &extra) {
  auto values = invoke(method, withThis(self, extra), deadline);
  return values.empty() ? std::string() : trim(values.front().text);
}

std::vector<std::string> VboxClient::getStrings(const std::string &method, const std::string &self,
                                                Deadline deadline, const SoapArgs &extra) {
  std::vector<std::string> out;
  for (const auto &v : invoke(method, withThis(self, extra), deadline)) {
    std::string t = trim(v.text);
    if (!t.empty()) out.push_back(std::move(t));
  }
  return out;
}

int64_t VboxClient::getInt(const std::string &method, const std::string &self, Deadline deadline,
                           const SoapArgs &extra) {
  return parseInt(method, getString(method, self, deadline, extra));
}

bool VboxClient::getBool(const std::string &method, const std::string &self, Deadline deadline,
                         const SoapArgs &extra) {
  return parseBool(method, getString(method, self, deadline, extra));
}

std::vector<MediumAttachment> VboxClient::parseAttachments(const std::vector<XmlNode> &values) {
  std::vector<MediumAttachment> out;
  for (const auto &v : values) {
    MediumAttachment a;
    a.medium = trim(v.childText("medium"));
    a.controller = trim(v.childText("controller"));
    a.port = static_cast<int32_t>(parseInt("IMediumAttachment.port", v.childText("port")));
    a.device = static_cast<int32_t>(parseInt("IMediumAttachment.device", v.childText("device")));
    a.type = trim(v.childText("type"));
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<MediumAttachment> VboxClient::getAttachments(const std::string &method,
                                                         const std::string &self, Deadline deadline,
                                                         const SoapArgs &extra) {
  return parseAttachments(invoke(method, withThis(self, extra), deadline));
}

void VboxClient::release(const std::string &ref) noexcept {
  if (ref.empty() || _vbox.empty()) return;
  try {
    send("IManagedObjectRef_release", {{"_this", ref}}, Deadline::in(kLogoffTimeoutMs));
  } catch (const std::exception &e) {
    log(RXR_LOG_DEBUG, std::string("releasing ") + ref + " (ignored): " + e.what());
  }
}

void VboxClient::waitForProgress(const std::string &progress, Deadline deadline,
                                 const std::string &what) {
  // Every operation makes a new IProgress; a long-lived websession would
  // otherwise collect them.
  struct Release {
    VboxClient &client;
    const std::string &ref;
    ~Release() { client.release(ref); }
  } releaseAtEnd{*this, progress};
  for (;;) {
    if (getBool("IProgress_getCompleted", progress, deadline)) break;
    const int64_t remaining = deadline.remainingMs();
    // Leave the server's wait enough room to answer before our own deadline.
    const int64_t slice = std::min<int64_t>(kProgressSliceMs, remaining - 200);
    if (slice <= 0) {
      int64_t percent = -1;
      try {
        percent = getInt("IProgress_getPercent", progress, Deadline::in(2000));
        call("IProgress_cancel", progress, Deadline::in(2000));
      } catch (const std::exception &e) {
        log(RXR_LOG_DEBUG, std::string("cancelling a late progress: ") + e.what());
      }
      throw Error(RXR_E_TIMEOUT,
                  what + ": still running when the deadline passed" +
                      (percent >= 0 ? " (" + std::to_string(percent) + "% done)" : ""));
    }
    call("IProgress_waitForCompletion", progress, deadline, {{"timeout", std::to_string(slice)}});
  }
  const int64_t rc = getInt("IProgress_getResultCode", progress, deadline);
  if (rc == 0) return;
  const uint32_t code = static_cast<uint32_t>(rc);
  std::string text;
  try {
    const std::string info = getString("IProgress_getErrorInfo", progress, deadline);
    if (!info.empty()) {
      text = getString("IVirtualBoxErrorInfo_getText", info, deadline);
      release(info);
    }
  } catch (const VboxFault &e) {
    text = std::string("(no error text: ") + e.what() + ")";
  }
  if (text.empty()) text = "no error text";
  SoapFault f;
  f.kind = SoapFault::Kind::Runtime;
  f.resultCode = static_cast<int32_t>(code);
  throw Error(statusFor(f), what + " failed: " + text + " (" + describeHresult(code) + ")",
              static_cast<int32_t>(code));
}

} // namespace rexray::virtualbox
