// The driver against a small in-memory vboxwebsrv: the decisions it makes
// (ports, preemption, errors, re-logon) without a network or an emulator.
#include <doctest/doctest.h>

#include "VboxTestSupport.h"
#include "virtualbox/VboxErrors.h"
#include "virtualbox/VirtualBoxDriver.h"

#include <chrono>

using namespace rexray::virtualbox;
using rexray::virtualbox::HttpReply;
using vboxtest::Request;

namespace {

const std::string kNode0 = "0d0d0d0d-0000-4000-8000-000000000000";
const std::string kNode1 = "1d1d1d1d-1111-4111-8111-111111111111";
const std::string kBoot = "b0b0b0b0-0000-4000-8000-00000000b007";
const std::string kVol = "3f0f8e8a-5b06-4c1f-9d2e-0a1b2c3d4e5f";

struct Att {
  std::string controller;
  int port = 0;
  std::string medium; // uuid
};

struct Machine {
  std::string uuid, name;
  int portCount = 1;
  int maxPorts = 30;
  bool refusePortCount = false;
  std::vector<Att> atts;
};

struct Medium {
  std::string uuid, location;
  int64_t size = 1LL << 30;
};

// A few objects and the rules of vboxwebsrv that matter to the driver.
struct FakeServer {
  vboxtest::FakeVbox fake;
  int ws = 0;
  bool alive = false;
  int lockHeld = 0;
  std::string locked; // machine name
  std::map<std::string, Machine> machines;
  std::map<std::string, Medium> media;

  std::string ref(const std::string &kind, const std::string &id) const {
    return "ws" + std::to_string(ws) + "|" + kind + "|" + id;
  }
  // (kind, id) of a live reference, or nullopt.
  std::optional<std::pair<std::string, std::string>> parse(const std::string &r) const {
    const std::string prefix = "ws" + std::to_string(ws) + "|";
    if (!alive || r.rfind(prefix, 0) != 0) return std::nullopt;
    const auto rest = r.substr(prefix.size());
    const auto bar = rest.find('|');
    return std::make_pair(rest.substr(0, bar), rest.substr(bar + 1));
  }
  Machine &machineOf(const std::string &id) { return machines.at(id); }

  std::vector<std::string> attachedTo(const std::string &medium) const {
    std::vector<std::string> out;
    for (const auto &[name, m] : machines)
      for (const auto &a : m.atts)
        if (a.medium == medium) out.push_back(m.uuid);
    return out;
  }
  static std::string attXml(const Att &a, const std::string &mref) {
    return "<machine/><medium>" + mref + "</medium><controller>" + a.controller +
           "</controller><port>" + std::to_string(a.port) +
           "</port><device>0</device><type>HardDisk</type><passthrough>false</passthrough>"
           "<temporaryEject>false</temporaryEject><isEjected>false</isEjected><nonRotational>"
           "false</nonRotational><discard>false</discard><hotPluggable>true</hotPluggable>"
           "<bandwidthGroup/>";
  }

  // Registers a handler that resolves _this first.
  void on(const std::string &method,
          std::function<HttpReply(const Request &, const std::string &kind, const std::string &id)>
              body) {
    fake.handlers[method] = [this, method, body](const Request &r) {
      const auto self = parse(r.arg("_this"));
      if (!self) return vboxtest::invalidObject(r.arg("_this"));
      return body(r, self->first, self->second);
    };
  }

  FakeServer() {
    machines["node0"] = {kNode0, "node0", 1, 30, false, {{"SATA", 0, kBoot}}};
    machines["node1"] = {kNode1, "node1", 2, 30, false, {{"SATA", 0, "node1-boot"}}};
    media[kBoot] = {kBoot, "/vms/node0/node0-disk001.vdi", 10LL << 30};
    media[kVol] = {kVol, "/vols/data.vmdk", 2LL << 30};

    auto &h = fake.handlers;
    h["IWebsessionManager_logon"] = [this](const Request &r) {
      ++ws;
      alive = true;
      return vboxtest::ok(r.method, {ref("vbox", "")});
    };
    h["IWebsessionManager_logoff"] = [this](const Request &r) {
      alive = false;
      return vboxtest::ok(r.method);
    };
    h["IWebsessionManager_getSessionObject"] = [this](const Request &r) {
      if (!parse(r.arg("refIVirtualBox"))) return vboxtest::invalidObject(r.arg("refIVirtualBox"));
      return vboxtest::ok(r.method, {ref("session", "1")});
    };
    on("IVirtualBox_getVersion",
       [](const Request &r, auto &, auto &) { return vboxtest::ok(r.method, {"6.1.50"}); });
    on("IVirtualBox_findMachine", [this](const Request &r, auto &, auto &) {
      for (const auto &[name, m] : machines)
        if (name == r.arg("nameOrId") || m.uuid == r.arg("nameOrId"))
          return vboxtest::ok(r.method, {ref("machine", name)});
      return vboxtest::runtimeFault(hresult::kObjectNotFound,
                                    "Could not find a registered machine named '" +
                                        r.arg("nameOrId") + "'");
    });
    on("IMachine_getId", [this](const Request &r, auto &, auto &id) {
      return vboxtest::ok(r.method, {machineOf(id).uuid});
    });
    on("IMachine_getName", [this](const Request &r, auto &, auto &id) {
      return vboxtest::ok(r.method, {machineOf(id).name});
    });
    on("IVirtualBox_getHardDisks", [this](const Request &r, auto &, auto &) {
      std::vector<std::string> refs;
      for (const auto &[id, m] : media) refs.push_back(ref("medium", id));
      return vboxtest::ok(r.method, refs);
    });
    on("IMedium_getLocation", [this](const Request &r, auto &, auto &id) {
      return vboxtest::ok(r.method, {media.at(id).location});
    });
    on("IMedium_getId",
       [](const Request &r, auto &, auto &id) { return vboxtest::ok(r.method, {id}); });
    on("IMedium_getLogicalSize", [this](const Request &r, auto &, auto &id) {
      return vboxtest::ok(r.method, {std::to_string(media.at(id).size)});
    });
    on("IMedium_getMachineIds", [this](const Request &r, auto &, auto &id) {
      return vboxtest::ok(r.method, attachedTo(id));
    });
    on("IMachine_lockMachine", [this](const Request &r, auto &, auto &id) {
      if (lockHeld > 0) {
        --lockHeld;
        return vboxtest::runtimeFault(hresult::kInvalidObjectState,
                                      "Failed to get a console object from the direct session");
      }
      CHECK(locked.empty());
      locked = id;
      return vboxtest::ok(r.method);
    });
    on("ISession_getMachine", [this](const Request &r, auto &, auto &) {
      return vboxtest::ok(r.method, {ref("sm", locked)});
    });
    on("ISession_unlockMachine", [this](const Request &r, auto &, auto &) {
      locked.clear();
      return vboxtest::ok(r.method);
    });
    for (const char *m :
         {"IMachine_saveSettings", "IMachine_discardSettings", "IManagedObjectRef_release"})
      on(m, [](const Request &r, auto &, auto &) { return vboxtest::ok(r.method); });
    on("IMachine_getStorageControllers", [this](const Request &r, auto &kind, auto &id) {
      CHECK(kind == "sm"); // changes go through the session machine
      return vboxtest::ok(r.method, {ref("sc", id + "/IDE"), ref("sc", id + "/SATA")});
    });
    on("IStorageController_getName", [](const Request &r, auto &, auto &id) {
      return vboxtest::ok(r.method, {id.substr(id.find('/') + 1)});
    });
    on("IStorageController_getPortCount", [this](const Request &r, auto &, auto &id) {
      return vboxtest::ok(r.method,
                          {std::to_string(machineOf(id.substr(0, id.find('/'))).portCount)});
    });
    on("IStorageController_getMaxPortCount", [this](const Request &r, auto &, auto &id) {
      return vboxtest::ok(r.method,
                          {std::to_string(machineOf(id.substr(0, id.find('/'))).maxPorts)});
    });
    on("IStorageController_setPortCount", [this](const Request &r, auto &, auto &id) {
      Machine &m = machineOf(id.substr(0, id.find('/')));
      if (m.refusePortCount)
        return vboxtest::runtimeFault(hresult::kInvalidVmState,
                                      "The machine is not mutable (state is Running)");
      m.portCount = std::stoi(r.arg("portCount"));
      return vboxtest::ok(r.method);
    });
    auto atts = [this](const Request &r, const std::string &id, const std::string &controller) {
      std::vector<std::string> out;
      for (const auto &a : machineOf(id).atts)
        if (controller.empty() || a.controller == controller)
          out.push_back(attXml(a, ref("medium", a.medium)));
      return vboxtest::ok(r.method, out);
    };
    on("IMachine_getMediumAttachments",
       [atts](const Request &r, auto &, auto &id) { return atts(r, id, ""); });
    on("IMachine_getMediumAttachmentsOfController",
       [atts](const Request &r, auto &, auto &id) { return atts(r, id, r.arg("name")); });
    on("IMachine_attachDevice", [this](const Request &r, auto &kind, auto &id) {
      if (kind != "sm")
        return vboxtest::runtimeFault(hresult::kInvalidVmState, "The machine is not mutable");
      Machine &m = machineOf(id);
      const int port = std::stoi(r.arg("controllerPort"));
      if (port >= m.portCount)
        return vboxtest::runtimeFault(hresult::kInvalidArg,
                                      "Invalid port number " + std::to_string(port));
      for (const auto &a : m.atts)
        if (a.port == port && a.controller == r.arg("name"))
          return vboxtest::runtimeFault(hresult::kObjectInUse, "port in use");
      const auto medium = parse(r.arg("medium"));
      REQUIRE(medium);
      m.atts.push_back({r.arg("name"), port, medium->second});
      return vboxtest::ok(r.method);
    });
    on("IMachine_detachDevice", [this](const Request &r, auto &kind, auto &id) {
      CHECK(kind == "sm");
      auto &atts = machineOf(id).atts;
      const int port = std::stoi(r.arg("controllerPort"));
      for (auto it = atts.begin(); it != atts.end(); ++it)
        if (it->port == port && it->controller == r.arg("name")) {
          atts.erase(it);
          return vboxtest::ok(r.method);
        }
      return vboxtest::runtimeFault(hresult::kObjectNotFound, "No storage device attached");
    });
    on("IMedium_deleteStorage", [this](const Request &r, auto &, auto &id) {
      const auto ids = attachedTo(id);
      if (!ids.empty())
        return vboxtest::runtimeFault(hresult::kObjectInUse,
                                      "Cannot delete storage: medium '" + media.at(id).location +
                                          "' is still attached to the following 1 virtual "
                                          "machine(s): " +
                                          ids.front());
      media.erase(id);
      return vboxtest::ok(r.method, {ref("progress", "done")});
    });
    on("IProgress_getCompleted",
       [](const Request &r, auto &, auto &) { return vboxtest::ok(r.method, {"true"}); });
    on("IProgress_getResultCode",
       [](const Request &r, auto &, auto &) { return vboxtest::ok(r.method, {"0"}); });
  }
};

struct Fixture {
  vboxtest::FakeHost host;
  FakeServer server;
  std::unique_ptr<VirtualBoxDriver> driver;
  rxr_call raw{};

  Fixture() {
    host.config["volumePath"] = "/vols";
    host.config["localMachineNameOrId"] = "node0";
    host.config["diskIDPath"] = "/nonexistent/by-id";
    raw.struct_size = sizeof raw;
    raw.request_id = "t";
  }
  VirtualBoxDriver &d() {
    if (!driver)
      driver = std::make_unique<VirtualBoxDriver>(rexray::sdk::Host(&host.raw), "virtualbox",
                                                  server.fake.transport());
    return *driver;
  }
  rexray::sdk::Call call(int64_t ms = 10000) {
    raw.deadline_mono_ms = Deadline::nowMs() + ms;
    return rexray::sdk::Call(&raw);
  }
  std::string attach(bool force = false) {
    rexray::sdk::AttachOptions o;
    o.volumeId = kVol;
    o.force = force;
    return d().attachVolume(call(), o);
  }
};

template <typename F> rexray::sdk::Error errorOf(F &&f) {
  try {
    f();
  } catch (const rexray::sdk::Error &e) {
    return e;
  }
  FAIL("no error");
  return rexray::sdk::Error(RXR_OK, "");
}

bool has(const std::string &text, const std::string &needle) {
  if (text.find(needle) != std::string::npos) return true;
  MESSAGE("'" << text << "' lacks '" << needle << "'");
  return false;
}

} // namespace

TEST_CASE("virtualbox driver: only media under volumePath are volumes; names drop the extension") {
  Fixture f;
  const auto vols = f.d().volumes(f.call());
  REQUIRE(vols.size() == 1);
  CHECK(vols[0].id == kVol);
  CHECK(vols[0].name == "data");
  CHECK(vols[0].sizeGiB == 2);
  CHECK(vols[0].type == "vmdk");
  CHECK(vols[0].attachedInstanceId.empty());
  CHECK(f.d().instanceId(f.call()) == kNode0);
  CHECK(errorOf([&] { f.d().volume(f.call(), kBoot); }).status() == RXR_E_NOT_FOUND);
}

TEST_CASE("virtualbox driver: attach raises a full controller's port count instead of failing") {
  Fixture f;
  CHECK(f.attach() == kVol);
  const auto &atts = f.server.machines["node0"].atts;
  REQUIRE(atts.size() == 2);
  CHECK(atts[1].port == 1);
  CHECK(f.server.machines["node0"].portCount == 2);
  CHECK(f.server.fake.count("IStorageController_setPortCount") == 1);
  CHECK(f.server.fake.count("IMachine_saveSettings") == 1);
  CHECK(f.server.locked.empty()); // unlocked again
  CHECK(f.host.logged("raising its port count from 1 to 2"));
  // The volume now reports this machine; attaching again is a no-op.
  CHECK(f.d().volume(f.call(), kVol).attachedInstanceId == kNode0);
  CHECK(f.attach() == kVol);
  CHECK(f.server.fake.count("IMachine_attachDevice") == 1);
}

TEST_CASE("virtualbox driver: a port count VirtualBox will not raise is a clear error") {
  Fixture f;
  f.server.machines["node0"].refusePortCount = true;
  const auto e = errorOf([&] { f.attach(); });
  CHECK(e.status() == RXR_E_BUSY);
  CHECK(has(e.what(), "all 1 ports of storage controller 'SATA' on machine 'node0'"));
  CHECK(has(e.what(), "raising its port count to 2 failed"));
  CHECK(has(e.what(), "The machine is not mutable (state is Running)"));
  CHECK(f.server.fake.count("IMachine_discardSettings") == 1);
  CHECK(f.server.locked.empty());
}

TEST_CASE("virtualbox driver: a missing controller names the ones there are") {
  Fixture f;
  f.host.config["controllerName"] = "SCSI";
  const auto e = errorOf([&] { f.attach(); });
  CHECK(e.status() == RXR_E_INVALID);
  CHECK(has(e.what(), "has no storage controller named 'SCSI' (it has: IDE, SATA)"));
  CHECK(f.server.locked.empty());
}

TEST_CASE("virtualbox driver: attaching to another machine (ABI 1.3 instance_id) is not found") {
  Fixture f;
  rexray::sdk::AttachOptions o;
  o.volumeId = kVol;
  o.instanceId = kNode1;
  auto e = errorOf([&] { f.d().attachVolume(f.call(), o); });
  CHECK(e.status() == RXR_E_NOT_FOUND);
  CHECK(has(e.what(), kNode1));
  CHECK(f.server.machines["node1"].atts.size() == 1); // nothing attached there
}

TEST_CASE("virtualbox driver: attached elsewhere -> busy naming the machine; force preempts") {
  Fixture f;
  f.server.machines["node1"].atts.push_back({"SATA", 1, kVol});
  CHECK(f.d().volume(f.call(), kVol).attachedInstanceId == kNode1);
  auto e = errorOf([&] { f.attach(); });
  CHECK(e.status() == RXR_E_BUSY);
  CHECK(has(e.what(), "is attached to machine 'node1' (" + kNode1 + ")"));
  CHECK(f.server.machines["node1"].atts.size() == 2);

  CHECK(f.attach(true) == kVol);
  CHECK(f.server.machines["node1"].atts.size() == 1);
  CHECK(f.server.machines["node0"].atts.size() == 2);
  CHECK(f.host.logged("preempting volume 'data' from machine 'node1'"));
}

TEST_CASE("virtualbox driver: removing a medium in use quotes VirtualBox; force detaches first") {
  Fixture f;
  f.server.machines["node1"].atts.push_back({"SATA", 1, kVol});
  auto e = errorOf([&] { f.d().removeVolume(f.call(), kVol, false); });
  CHECK(e.status() == RXR_E_BUSY);
  CHECK(e.backendCode() == static_cast<int32_t>(hresult::kObjectInUse));
  CHECK(has(e.what(), "volume 'data' (" + kVol + ") is in use: attached to machine 'node1'"));
  CHECK(has(e.what(), "is still attached to the following 1 virtual machine(s)"));
  CHECK(f.server.media.count(kVol) == 1);

  f.d().removeVolume(f.call(), kVol, true);
  CHECK(f.server.media.count(kVol) == 0);
  CHECK(f.server.machines["node1"].atts.size() == 1);
}

TEST_CASE("virtualbox driver: detach takes the medium off every machine holding it") {
  Fixture f;
  f.server.machines["node1"].atts.push_back({"SATA", 1, kVol});
  f.server.machines["node0"].portCount = 2;
  f.server.machines["node0"].atts.push_back({"SATA", 1, kVol});
  f.d().detachVolume(f.call(), kVol, false);
  CHECK(f.server.machines["node0"].atts.size() == 1);
  CHECK(f.server.machines["node1"].atts.size() == 1);
  CHECK(f.server.fake.count("IMachine_saveSettings") == 2);
  // Detaching a detached volume succeeds.
  f.d().detachVolume(f.call(), kVol, false);
}

TEST_CASE("virtualbox driver: an expired websession mid-operation is logged on again") {
  Fixture f;
  CHECK(f.d().volumes(f.call()).size() == 1);
  CHECK(f.server.fake.count("IWebsessionManager_logon") == 1);
  f.server.alive = false; // vboxwebsrv's watchdog
  CHECK(f.attach() == kVol);
  CHECK(f.server.fake.count("IWebsessionManager_logon") == 2);
  CHECK(f.host.logged("logging on again"));
  // And once the driver goes, so does its websession.
  f.driver.reset();
  CHECK(f.server.fake.requests.back().method == "IWebsessionManager_logoff");
  CHECK_FALSE(f.server.alive);
}

TEST_CASE("virtualbox driver: a held machine lock is retried, then reported") {
  Fixture f;
  f.server.lockHeld = 3;
  CHECK(f.attach() == kVol);
  CHECK(f.server.fake.count("IMachine_lockMachine") == 4);

  f.d().detachVolume(f.call(), kVol, false);
  f.server.lockHeld = 1000;
  const auto t0 = std::chrono::steady_clock::now();
  rexray::sdk::AttachOptions o;
  o.volumeId = kVol;
  const auto e = errorOf([&] { f.d().attachVolume(f.call(1500), o); });
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
  CHECK(e.status() == RXR_E_BUSY);
  CHECK(has(e.what(), "machine 'node0' (" + kNode0 + ") is locked by another VirtualBox client"));
  CHECK(has(e.what(), "Failed to get a console object from the direct session"));
}

TEST_CASE("virtualbox driver: configuration errors") {
  Fixture f;
  f.host.config["localMachineNameOrId"] = "nosuchvm";
  const auto e = errorOf([&] { f.d().instanceId(f.call()); });
  CHECK(e.status() == RXR_E_NOT_FOUND);
  CHECK(has(e.what(), "no machine 'nosuchvm' is registered with vboxwebsrv"));
  CHECK(has(e.what(), "Could not find a registered machine named 'nosuchvm'"));

  vboxtest::FakeHost h2;
  CHECK_THROWS_WITH_AS(VirtualBoxDriver(rexray::sdk::Host(&h2.raw), "virtualbox"),
                       doctest::Contains("volumePath is not set"), std::invalid_argument);
  h2.config["volumePath"] = "/v";
  h2.config["mediumFormat"] = "qcow";
  CHECK_THROWS_WITH_AS(VirtualBoxDriver(rexray::sdk::Host(&h2.raw), "virtualbox"),
                       doctest::Contains("virtualbox.mediumFormat must be vmdk or vdi"),
                       std::invalid_argument);
  h2.config["mediumFormat"] = "VDI";
  h2.config["endpoint"] = "ftp://x";
  CHECK_THROWS_WITH_AS(VirtualBoxDriver(rexray::sdk::Host(&h2.raw), "virtualbox"),
                       doctest::Contains("must be an http:// or https:// URL"),
                       std::invalid_argument);
  h2.config["endpoint"] = "http://127.0.0.1:1";
  VirtualBoxDriver ok(rexray::sdk::Host(&h2.raw), "virtualbox");
  CHECK(ok.config().mediumFormat == "vdi");
  CHECK(ok.config().controllerName == "SATA");
  CHECK(ok.config().diskIdPath == "/dev/disk/by-id");
  // Nothing listens on port 1: a clear backend error naming the endpoint.
  rxr_call raw{};
  raw.struct_size = sizeof raw;
  raw.deadline_mono_ms = Deadline::nowMs() + 5000;
  try {
    ok.volumes(rexray::sdk::Call(&raw));
    FAIL("no error");
  } catch (const rexray::sdk::Error &err) {
    CHECK(err.status() == RXR_E_BACKEND);
    CHECK(has(err.what(), "cannot talk to vboxwebsrv at http://127.0.0.1:1"));
  }
}
