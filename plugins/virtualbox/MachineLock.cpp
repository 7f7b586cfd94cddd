#include "MachineLock.h"

#include <chrono>
#include <cstdio>
#include <thread>

namespace rexray::virtualbox {

namespace {

// Unlocking must not wait on the caller's (possibly spent) deadline.
constexpr int64_t kCleanupTimeoutMs = 10000;

std::string seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  return buf;
}

} // namespace

int64_t MachineLock::backoffMs(int attempt) {
  if (attempt < 1) attempt = 1;
  int64_t ms = 100;
  for (int i = 1; i < attempt && ms < 2000; ++i) ms *= 2;
  return ms < 2000 ? ms : 2000;
}

bool MachineLock::isLockConflict(const VboxFault &fault) {
  return fault.is(hresult::kInvalidObjectState) || fault.is(hresult::kObjectInUse) ||
         fault.is(hresult::kInvalidSessionState);
}

MachineLock::MachineLock(VboxClient &client, const std::string &machine, const std::string &label,
                         Deadline deadline)
    : _client(client), _label(label) {
  const int64_t started = Deadline::nowMs();
  for (int attempt = 1;; ++attempt) {
    _session = _client.sessionObject(deadline);
    try {
      _client.call("IMachine_lockMachine", machine, deadline,
                   {{"session", _session}, {"lockType", "Shared"}});
      break;
    } catch (const VboxFault &fault) {
      if (!isLockConflict(fault)) throw;
      // Our own session object may be the one stuck in a locked state.
      if (fault.is(hresult::kInvalidSessionState)) _client.dropSessionObject();
      const int64_t wait = backoffMs(attempt);
      if (deadline.remainingMs() <= wait)
        throw sdk::Error(RXR_E_BUSY,
                         "machine " + _label +
                             " is locked by another VirtualBox client; gave up after " +
                             seconds(Deadline::nowMs() - started) + " and " +
                             std::to_string(attempt) + " attempts: " + fault.detail(),
                         fault.fault().resultCode);
      std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    }
  }
  try {
    _mutable = _client.getString("ISession_getMachine", _session, deadline);
    if (_mutable.empty())
      throw sdk::Error(RXR_E_BACKEND, "ISession_getMachine returned no machine for " + _label);
  } catch (...) {
    try {
      _client.call("ISession_unlockMachine", _session, Deadline::in(kCleanupTimeoutMs));
    } catch (...) {
      _client.dropSessionObject();
    }
    throw;
  }
}

void MachineLock::saveSettings(Deadline deadline) {
  _client.call("IMachine_saveSettings", _mutable, deadline);
  _saved = true;
}

MachineLock::~MachineLock() {
  const Deadline cleanup = Deadline::in(kCleanupTimeoutMs);
  if (!_saved) {
    try {
      _client.call("IMachine_discardSettings", _mutable, cleanup);
    } catch (...) {
    }
  }
  _client.release(_mutable);
  try {
    _client.call("ISession_unlockMachine", _session, cleanup);
  } catch (...) {
    // A session object that cannot unlock must not be used again.
    _client.dropSessionObject();
  }
}

} // namespace rexray::virtualbox
