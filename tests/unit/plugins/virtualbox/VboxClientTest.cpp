#include <doctest/doctest.h>

#include "VboxTestSupport.h"
#include "virtualbox/VboxClient.h"

#include <algorithm>
#include <chrono>
#include <climits>

using namespace rexray::virtualbox;
using vboxtest::FakeVbox;
using vboxtest::Request;

namespace {

// A fake with websessions: logon hands out "ws<N>", and any reference that
// does not start with the live websession's prefix is an InvalidObjectFault.
struct SessionFake {
  FakeVbox fake;
  int websession = 0;
  bool alive = false;
  int logoffs = 0;

  bool valid(const std::string &ref) const {
    return alive && ref.rfind("ws" + std::to_string(websession) + "-", 0) == 0;
  }
  std::string ref(const std::string &name) const {
    return "ws" + std::to_string(websession) + "-" + name;
  }

  SessionFake() {
    auto &h = fake.handlers;
    h["IWebsessionManager_logon"] = [this](const Request &r) {
      if (r.arg("username") == "bad")
        return rexray::virtualbox::HttpReply{
            500, vboxtest::envelope("<SOAP-ENV:Fault><faultcode>SOAP-ENV:Client</faultcode>"
                                    "<faultstring>VirtualBox error: authentication failed "
                                    "for user 'bad'</faultstring></SOAP-ENV:Fault>")};
      ++websession;
      alive = true;
      return vboxtest::ok(r.method, {ref("vbox")});
    };
    h["IWebsessionManager_logoff"] = [this](const Request &r) {
      if (!valid(r.arg("refIVirtualBox"))) return vboxtest::invalidObject(r.arg("refIVirtualBox"));
      alive = false;
      ++logoffs;
      return vboxtest::ok(r.method);
    };
    h["IVirtualBox_getVersion"] = [this](const Request &r) {
      if (!valid(r.arg("_this"))) return vboxtest::invalidObject(r.arg("_this"));
      return vboxtest::ok(r.method, {"6.1.50"});
    };
    h["IVirtualBox_getMachines"] = [this](const Request &r) {
      if (!valid(r.arg("_this"))) return vboxtest::invalidObject(r.arg("_this"));
      return vboxtest::ok(r.method, {ref("m1"), ref("m2")});
    };
    h["IMachine_getName"] = [this](const Request &r) {
      if (!valid(r.arg("_this"))) return vboxtest::invalidObject(r.arg("_this"));
      return vboxtest::ok(r.method, {"node-" + r.arg("_this").substr(r.arg("_this").size() - 1)});
    };
  }
};

} // namespace

TEST_CASE("virtualbox client: logs on once, reuses the websession, logs off at the end") {
  SessionFake s;
  {
    VboxClient client(s.fake.transport(), "", "", nullptr);
    CHECK_FALSE(client.loggedOn());
    const Deadline d = Deadline::in(5000);
    for (int i = 0; i < 3; ++i) {
      auto names = client.withSession(d, [&] {
        std::vector<std::string> out;
        for (const auto &m : client.getStrings("IVirtualBox_getMachines", client.vbox(d), d))
          out.push_back(client.getString("IMachine_getName", m, d));
        return out;
      });
      CHECK(names == std::vector<std::string>{"node-1", "node-2"});
    }
    CHECK(s.fake.count("IWebsessionManager_logon") == 1);
    CHECK(client.generation() == 1);
    // Blank credentials are still sent, as empty elements.
    CHECK(s.fake.requests.front().args.count("username") == 1);
  }
  CHECK(s.logoffs == 1);
  CHECK(s.fake.requests.back().method == "IWebsessionManager_logoff");
}

TEST_CASE("virtualbox client: an expired websession is logged on again and the operation rerun") {
  SessionFake s;
  VboxClient client(s.fake.transport(), "", "", nullptr);
  const Deadline d = Deadline::in(5000);
  client.vbox(d);
  int runs = 0;
  s.alive = false; // vboxwebsrv's watchdog dropped it
  auto names = client.withSession(d, [&] {
    ++runs;
    std::vector<std::string> out;
    for (const auto &m : client.getStrings("IVirtualBox_getMachines", client.vbox(d), d))
      out.push_back(client.getString("IMachine_getName", m, d));
    return out;
  });
  CHECK(names.size() == 2);
  CHECK(runs == 2);
  CHECK(s.fake.count("IWebsessionManager_logon") == 2);
  CHECK(client.generation() == 2);

  // Expiring again on the second run is an error, not a loop.
  runs = 0;
  try {
    client.withSession(d, [&] {
      ++runs;
      s.alive = false;
      return client.getStrings("IVirtualBox_getMachines", client.vbox(d), d);
    });
    FAIL("no error");
  } catch (const rexray::sdk::Error &e) {
    CHECK(e.status() == RXR_E_BACKEND);
    CHECK(std::string(e.what()).find("expired again") != std::string::npos);
  }
  CHECK(runs == 2);
}

TEST_CASE("virtualbox client: a stale object in a live websession is a fault, not a re-logon") {
  SessionFake s;
  VboxClient client(s.fake.transport(), "", "", nullptr);
  const Deadline d = Deadline::in(5000);
  client.vbox(d);
  CHECK_THROWS_AS(client.getString("IMachine_getName", "ws99-m1", d), VboxFault);
  CHECK(s.fake.count("IVirtualBox_getVersion") == 1); // the probe
  CHECK(s.fake.count("IWebsessionManager_logon") == 1);
  CHECK(client.loggedOn());
}

TEST_CASE("virtualbox client: refused credentials are RXR_E_AUTH with VirtualBox's words") {
  SessionFake s;
  VboxClient client(s.fake.transport(), "bad", "pw", nullptr);
  try {
    client.vbox(Deadline::in(5000));
    FAIL("logged on");
  } catch (const rexray::sdk::Error &e) {
    CHECK(e.status() == RXR_E_AUTH);
    const std::string msg = e.what();
    CHECK(msg.find("logging on to vboxwebsrv at http://fake:18083 as 'bad' failed") !=
          std::string::npos);
    CHECK(msg.find("authentication failed for user 'bad'") != std::string::npos);
  }
  CHECK(s.fake.requests.front().arg("password") == "pw");
}

TEST_CASE("virtualbox client: HTTP errors without a SOAP fault and empty replies") {
  FakeVbox fake;
  fake.handlers["IWebsessionManager_logon"] = [](const Request &r) {
    return vboxtest::ok(r.method, {"ws1-vbox"});
  };
  fake.handlers["IVirtualBox_getVersion"] = [](const Request &) {
    return rexray::virtualbox::HttpReply{502, "<html>bad gateway</html>"};
  };
  fake.handlers["IMachine_saveSettings"] = [](const Request &) {
    return rexray::virtualbox::HttpReply{200, ""};
  };
  VboxClient client(fake.transport(), "", "", nullptr);
  const Deadline d = Deadline::in(5000);
  try {
    client.getString("IVirtualBox_getVersion", client.vbox(d), d);
    FAIL("no error");
  } catch (const rexray::sdk::Error &e) {
    CHECK(e.status() == RXR_E_BACKEND);
    CHECK(std::string(e.what()).find("answered HTTP 502") != std::string::npos);
  }
  // REX-Ray took an empty body for success; nothing says the call ran, though.
  try {
    client.call("IMachine_saveSettings", "sm", d);
    FAIL("no error");
  } catch (const rexray::sdk::Error &e) {
    CHECK(e.status() == RXR_E_BACKEND);
    CHECK(std::string(e.what()) ==
          "IMachine_saveSettings: vboxwebsrv at http://fake:18083 sent an empty reply (HTTP 200)");
  }
}

TEST_CASE("virtualbox client: a lost connection resends reads, never changes") {
  FakeVbox fake;
  fake.handlers["IWebsessionManager_logon"] = [](const Request &r) {
    return vboxtest::ok(r.method, {"ws1-vbox"});
  };
  fake.handlers["IMedium_getLocation"] = [](const Request &r) {
    return vboxtest::ok(r.method, {"/v/a.vmdk"});
  };
  fake.handlers["IMachine_attachDevice"] = [](const Request &r) { return vboxtest::ok(r.method); };
  VboxClient client(fake.transport(), "", "", nullptr);
  const Deadline d = Deadline::in(5000);
  client.vbox(d);
  fake.dropNext = 1;
  CHECK(client.getString("IMedium_getLocation", "m", d) == "/v/a.vmdk");
  CHECK(fake.count("IMedium_getLocation") == 2);
  fake.dropNext = 2; // twice in a row: the error stands
  CHECK_THROWS_AS(client.getString("IMedium_getLocation", "m", d), rexray::sdk::Error);
  CHECK(fake.count("IMedium_getLocation") == 4);
  fake.dropNext = 1;
  try {
    client.call("IMachine_attachDevice", "sm", d, {{"name", "SATA"}});
    FAIL("no error");
  } catch (const rexray::sdk::Error &e) {
    CHECK(e.status() == RXR_E_BACKEND);
    CHECK(std::string(e.what()).find("Connection reset by peer") != std::string::npos);
  }
  CHECK(fake.count("IMachine_attachDevice") == 1);
  // A refused connection ran nothing, but trying again at once is pointless.
  fake.refuse = true;
  CHECK_THROWS_AS(client.getString("IMedium_getLocation", "m", d), rexray::sdk::Error);
  CHECK(fake.count("IMedium_getLocation") == 5);
}

TEST_CASE("virtualbox client: progress waits in slices and reports failures with their text") {
  FakeVbox fake;
  int polls = 0;
  int64_t rc = 0;
  fake.handlers["IProgress_getCompleted"] = [&](const Request &r) {
    return vboxtest::ok(r.method, {++polls >= 3 ? "true" : "false"});
  };
  int shortest = INT32_MAX, longest = 0;
  fake.handlers["IProgress_waitForCompletion"] = [&](const Request &r) {
    const int timeout = std::stoi(r.arg("timeout"));
    shortest = std::min(shortest, timeout);
    longest = std::max(longest, timeout);
    return vboxtest::ok(r.method);
  };
  fake.handlers["IProgress_getResultCode"] = [&](const Request &r) {
    return vboxtest::ok(r.method, {std::to_string(rc)});
  };
  fake.handlers["IProgress_getErrorInfo"] = [](const Request &r) {
    return vboxtest::ok(r.method, {"ei-1"});
  };
  fake.handlers["IVirtualBoxErrorInfo_getText"] = [](const Request &r) {
    CHECK(r.arg("_this") == "ei-1");
    return vboxtest::ok(r.method, {"Could not create the medium storage unit (VERR_DISK_FULL)"});
  };
  VboxClient client(fake.transport(), "", "", nullptr);
  CHECK_NOTHROW(client.waitForProgress("p-1", Deadline::in(5000), "creating volume 'v'"));
  CHECK(fake.count("IProgress_waitForCompletion") == 2);
  CHECK(shortest > 0);   // never -1 (forever), as REX-Ray sent
  CHECK(longest <= 500); // short slices, so the deadline is checked between them

  polls = 0;
  rc = static_cast<int32_t>(0x80BB0004); // VBOX_E_FILE_ERROR, signed on the wire
  try {
    client.waitForProgress("p-2", Deadline::in(5000), "creating volume 'v'");
    FAIL("no error");
  } catch (const rexray::sdk::Error &e) {
    CHECK(e.status() == RXR_E_BACKEND);
    CHECK(e.backendCode() == static_cast<int32_t>(0x80BB0004));
    CHECK(std::string(e.what()) == "creating volume 'v' failed: Could not create the medium "
                                   "storage unit (VERR_DISK_FULL) (VBOX_E_FILE_ERROR 0x80BB0004)");
  }

  // Never completing: a timeout once the deadline is near, well before a hang.
  fake.handlers["IProgress_getCompleted"] = [](const Request &r) {
    return vboxtest::ok(r.method, {"false"});
  };
  fake.handlers["IProgress_getPercent"] = [](const Request &r) {
    return vboxtest::ok(r.method, {"42"});
  };
  const auto t0 = std::chrono::steady_clock::now();
  try {
    client.waitForProgress("p-3", Deadline::in(600), "cloning");
    FAIL("no error");
  } catch (const rexray::sdk::Error &e) {
    CHECK(e.status() == RXR_E_TIMEOUT);
    CHECK(std::string(e.what()) == "cloning: still running when the deadline passed (42% done)");
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
  CHECK(shortest > 0);
  CHECK(longest <= 500);
}
