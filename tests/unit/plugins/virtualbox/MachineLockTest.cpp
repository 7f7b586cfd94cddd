#include <doctest/doctest.h>

#include "VboxTestSupport.h"
#include "virtualbox/MachineLock.h"

using namespace rexray::virtualbox;

TEST_CASE("virtualbox lock: back-off doubles from 100 ms up to 2 s") {
  CHECK(MachineLock::backoffMs(0) == 100);
  CHECK(MachineLock::backoffMs(1) == 100);
  CHECK(MachineLock::backoffMs(2) == 200);
  CHECK(MachineLock::backoffMs(3) == 400);
  CHECK(MachineLock::backoffMs(5) == 1600);
  CHECK(MachineLock::backoffMs(6) == 2000);
  CHECK(MachineLock::backoffMs(100) == 2000);
}

TEST_CASE("virtualbox lock: which lockMachine faults are worth retrying") {
  auto fault = [](uint32_t code) {
    SoapFault f;
    f.kind = SoapFault::Kind::Runtime;
    f.resultCode = static_cast<int32_t>(code);
    return VboxFault("IMachine_lockMachine", f);
  };
  CHECK(MachineLock::isLockConflict(fault(hresult::kInvalidObjectState)));
  CHECK(MachineLock::isLockConflict(fault(hresult::kObjectInUse)));
  CHECK(MachineLock::isLockConflict(fault(hresult::kInvalidSessionState)));
  CHECK_FALSE(MachineLock::isLockConflict(fault(hresult::kInvalidArg)));
  CHECK_FALSE(MachineLock::isLockConflict(fault(hresult::kObjectNotFound)));
  SoapFault io;
  io.kind = SoapFault::Kind::InvalidObject;
  CHECK_FALSE(MachineLock::isLockConflict(VboxFault("IMachine_lockMachine", io)));
}

TEST_CASE(
    "virtualbox lock: retries while held, unlocks on scope exit, gives up with a clear error") {
  vboxtest::FakeVbox fake;
  int held = 2;
  fake.handlers["IWebsessionManager_logon"] = [](const vboxtest::Request &r) {
    return vboxtest::ok(r.method, {"ws-1"});
  };
  fake.handlers["IWebsessionManager_logoff"] = [](const vboxtest::Request &r) {
    return vboxtest::ok(r.method);
  };
  fake.handlers["IWebsessionManager_getSessionObject"] = [](const vboxtest::Request &r) {
    return vboxtest::ok(r.method, {"sess-1"});
  };
  fake.handlers["IMachine_lockMachine"] = [&](const vboxtest::Request &r) {
    CHECK(r.arg("lockType") == "Shared");
    CHECK(r.arg("session") == "sess-1");
    if (held > 0) {
      --held;
      return vboxtest::runtimeFault(hresult::kInvalidObjectState,
                                    "Failed to get a console object from the direct session");
    }
    return vboxtest::ok(r.method);
  };
  fake.handlers["ISession_getMachine"] = [](const vboxtest::Request &r) {
    return vboxtest::ok(r.method, {"sm-1"});
  };
  for (const char *m : {"ISession_unlockMachine", "IMachine_saveSettings",
                        "IMachine_discardSettings", "IManagedObjectRef_release"})
    fake.handlers[m] = [](const vboxtest::Request &r) { return vboxtest::ok(r.method); };

  VboxClient client(fake.transport(), "", "", nullptr);
  {
    MachineLock lock(client, "m-1", "'node0' (u)", Deadline::in(5000));
    CHECK(lock.mutableMachine() == "sm-1");
    lock.saveSettings(Deadline::in(1000));
  }
  CHECK(fake.count("IMachine_lockMachine") == 3);
  CHECK(fake.count("ISession_unlockMachine") == 1);
  CHECK(fake.count("IMachine_discardSettings") == 0); // saved

  { MachineLock lock(client, "m-1", "'node0' (u)", Deadline::in(5000)); }
  CHECK(fake.count("IMachine_discardSettings") == 1); // not saved: discarded
  CHECK(fake.count("ISession_unlockMachine") == 2);

  held = 1000;
  try {
    MachineLock lock(client, "m-1", "'node0' (u)", Deadline::in(700));
    FAIL("locked a held machine");
  } catch (const rexray::sdk::Error &e) {
    CHECK(e.status() == RXR_E_BUSY);
    const std::string msg = e.what();
    CHECK(msg.find("machine 'node0' (u) is locked by another VirtualBox client") !=
          std::string::npos);
    CHECK(msg.find("Failed to get a console object from the direct session") != std::string::npos);
  }
}
