#ifndef REXRAY_VIRTUALBOX_MACHINELOCK_H
#define REXRAY_VIRTUALBOX_MACHINELOCK_H

#include "VboxClient.h"
#include <rexray/sdk/support/Deadline.hpp>

#include <cstdint>
#include <string>

namespace rexray::virtualbox {

// The SDK support library's deadline, as rxr_call carries it.
using sdk::support::Deadline;

// A shared lock on a machine through the websession's ISession, held for the
// lifetime of this object; changes go through mutableMachine() and are kept
// by saveSettings(). The destructor discards unsaved changes and unlocks.
//
// lockMachine fails while another client holds the machine's write lock
// (VBOX_E_INVALID_OBJECT_STATE, or VBOX_E_OBJECT_IN_USE): the constructor then
// retries with back-off until `deadline` and throws RXR_E_BUSY naming the
// machine and quoting VirtualBox's last faultstring.
class MachineLock {
public:
  MachineLock(VboxClient &client, const std::string &machine, const std::string &label,
              Deadline deadline);
  ~MachineLock();
  MachineLock(const MachineLock &) = delete;
  MachineLock &operator=(const MachineLock &) = delete;

  const std::string &mutableMachine() const { return _mutable; }
  // IMachine_saveSettings; on failure the destructor discards the changes.
  void saveSettings(Deadline deadline);

  // Milliseconds to wait before lock attempt number `attempt` (1, 2, …):
  // 100, 200, 400, … capped at 2000.
  static int64_t backoffMs(int attempt);
  // Whether a lockMachine fault means "someone else holds it; try again".
  static bool isLockConflict(const VboxFault &fault);

private:
  VboxClient &_client;
  std::string _session, _mutable, _label;
  bool _saved = false;
};

} // namespace rexray::virtualbox

#endif // REXRAY_VIRTUALBOX_MACHINELOCK_H
