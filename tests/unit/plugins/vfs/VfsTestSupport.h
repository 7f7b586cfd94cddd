// Shared fixtures for the vfs driver tests: a fake host and a temporary root
// that cleans up after itself even when a check fails.
#ifndef REXRAY_TESTS_VFS_TESTSUPPORT_H
#define REXRAY_TESTS_VFS_TESTSUPPORT_H

#include "vfs/LoopDevice.h"
#include "vfs/VfsDriver.h"

#include <rexray/sdk/driver.hpp>

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace vfstest {

// An rxr_host whose config_get answers from a map and whose log keeps lines.
struct FakeHost {
  rxr_host raw{};
  std::map<std::string, std::string> config;
  std::string stateDir; // what the host hands the instance; "" = none
  std::mutex mu;
  std::vector<std::string> logs;

  FakeHost() {
    raw.struct_size = sizeof raw;
    raw.abi_minor = RXR_ABI_MINOR;
    raw.host_data = this;
    raw.log = &FakeHost::log;
    raw.log_enabled = [](const rxr_host *, rxr_log_level) { return 1; };
    raw.config_get = &FakeHost::configGet;
    raw.get_extension = [](const rxr_host *, const char *) -> const void * { return nullptr; };
  }
  void setStateDir(const std::string &dir) {
    stateDir = dir;
    raw.state_dir = stateDir.empty() ? nullptr : stateDir.c_str();
  }
  FakeHost(const FakeHost &) = delete;
  FakeHost &operator=(const FakeHost &) = delete;

  static FakeHost &self(const rxr_host *h) { return *static_cast<FakeHost *>(h->host_data); }
  static void log(const rxr_host *h, rxr_log_level, const char *msg) {
    std::lock_guard<std::mutex> lock(self(h).mu);
    self(h).logs.emplace_back(msg);
  }
  static rxr_status configGet(const rxr_host *h, const char *key, char *buf, size_t cap,
                              size_t *needed) {
    auto &me = self(h);
    const auto it = me.config.find(key);
    if (it == me.config.end()) return RXR_E_NOT_FOUND;
    if (needed) *needed = it->second.size() + 1;
    if (cap < it->second.size() + 1) return RXR_E_TOO_SMALL;
    std::copy(it->second.begin(), it->second.end(), buf);
    buf[it->second.size()] = '\0';
    return RXR_OK;
  }
  bool logged(const std::string &needle) {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto &l : logs)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }
};

// A mkdtemp directory under /tmp. On destruction every loop device backed by
// a file inside it is detached and the tree is deleted, whatever the test did.
struct TempDir {
  std::string path;

  TempDir() {
    char tmpl[] = "/tmp/rexray-vfs-test-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    char real[PATH_MAX];
    path = ::realpath(tmpl, real) ? real : tmpl;
  }
  ~TempDir() {
    try {
      for (const auto &b : rexray::vfs::LoopDevice::bindings())
        if (b.backingFile.compare(0, path.size() + 1, path + "/") == 0)
          rexray::vfs::LoopDevice::detach(b.device, b.backingFile);
    } catch (...) {
    }
    ::nftw(
        path.c_str(),
        [](const char *p, const struct stat *, int, struct FTW *) { return ::remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
};

// Runs `body`; returns the status an sdk::Error carried (RXR_OK when nothing
// was thrown) and keeps its message.
template <typename F> rxr_status statusOf(F &&body, std::string *message = nullptr) {
  try {
    body();
    return RXR_OK;
  } catch (const rexray::sdk::Error &e) {
    if (message) *message = e.what();
    return e.status();
  } catch (const std::exception &e) {
    if (message) *message = e.what();
    return RXR_E_INTERNAL;
  }
}

inline std::string readSysfs(const std::string &path) {
  std::string out;
  if (FILE *f = std::fopen(path.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    std::fclose(f);
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

inline bool exists(const std::string &path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

inline void pwriteAll(const std::string &path, const std::string &data, off_t offset) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  const ssize_t n = ::pwrite(fd, data.data(), data.size(), offset);
  ::close(fd);
  if (n != static_cast<ssize_t>(data.size())) throw std::runtime_error("short write to " + path);
}

inline std::string preadAll(const std::string &path, size_t size, off_t offset) {
  std::string out(size, '\0');
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  const ssize_t n = ::pread(fd, out.data(), size, offset);
  ::close(fd);
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

// A driver over a fresh temporary root. Members are destroyed in reverse
// order, so the driver goes before the TempDir detaches and deletes.
struct DriverFixture {
  TempDir tmp;
  FakeHost host;
  rxr_call rawCall{};
  rexray::sdk::Call call{&rawCall};
  std::unique_ptr<rexray::vfs::VfsDriver> driver;

  DriverFixture() {
    rawCall.struct_size = sizeof rawCall;
    rawCall.request_id = "test";
    host.config["root"] = tmp.path + "/root";
    driver = restart();
  }
  // A new instance over the same root, as after a daemon restart.
  std::unique_ptr<rexray::vfs::VfsDriver> restart() {
    return std::make_unique<rexray::vfs::VfsDriver>(rexray::sdk::Host(&host.raw), "vfs");
  }
  rexray::sdk::Volume create(const std::string &name, int64_t sizeGiB = 1) {
    rexray::sdk::CreateOptions o;
    o.name = name;
    o.sizeGiB = sizeGiB;
    return driver->createVolume(call, o);
  }
};

} // namespace vfstest

#endif // REXRAY_TESTS_VFS_TESTSUPPORT_H
