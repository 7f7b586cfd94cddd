#pragma once

#include "os/OsLayer.h"
#include "util/Error.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace rexray::testing {

// An OsLayer that touches nothing: it keeps a mount table, a device -> file
// system map and a set of directories, and writes every call that changes
// something into `calls` as one line ("mkfs /dev/fake0 ext4",
// "mount /dev/fake0 /x/vol ext4", "mkdir /x/vol/data 0700"). Read-only calls
// go into `queries` instead, so tests can assert the order of effects without
// pinning down how often the pipeline looks.
class FakeOsLayer : public OsLayer {
public:
  std::vector<std::string> calls;
  std::vector<std::string> queries;
  std::map<std::string, std::string> filesystems; // device -> type
  std::vector<MountEntry> table;
  std::map<std::string, mode_t> directories; // path -> mode last set

  // The next call of `op` ("probe", "mkfs", "mount", "unmount", "mkdir",
  // "chmod", "rmdir", "mountPointsOf", "isMountPoint", "mounts") whose line
  // contains `match` throws Error(kind, message) instead of taking effect.
  // A failed call is recorded in `failed`, not in `calls`.
  void failNext(const std::string &op, const std::string &match = "",
                ErrorKind kind = ErrorKind::Internal, const std::string &message = "injected") {
    _faults.push_back({op, match, kind, message});
  }
  std::vector<std::string> failed;
  // Mounts the "kernel" refused: no such file system on the device.
  std::vector<std::string> refused;

  void setFilesystem(const std::string &device, const std::string &type) {
    filesystems[device] = type;
  }
  bool isMounted(const std::string &target) const {
    return std::any_of(table.begin(), table.end(),
                       [&](const MountEntry &m) { return m.target == target; });
  }
  size_t count(const std::string &op) const {
    return std::count_if(calls.begin(), calls.end(), [&](const std::string &c) {
      return c.compare(0, op.size() + 1, op + " ") == 0;
    });
  }

  // For failure messages.
  std::string history() const {
    std::string out;
    for (const auto &c : calls) out += (out.empty() ? "" : "; ") + c;
    return out;
  }

  // True when `expected` occur in `calls` in this order; other calls may
  // come between them.
  bool sawInOrder(const std::vector<std::string> &expected) const {
    auto it = calls.begin();
    for (const auto &e : expected) {
      it = std::find(it, calls.end(), e);
      if (it == calls.end()) return false;
      ++it;
    }
    return true;
  }

  static std::string octal(mode_t mode) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode));
    return buf;
  }

  std::string probeFilesystem(const std::string &device) override {
    query("probe", "probe " + device);
    auto it = filesystems.find(device);
    return it == filesystems.end() ? "" : it->second;
  }

  void makeFilesystem(const std::string &device, const std::string &fsType) override {
    effect("mkfs", "mkfs " + device + " " + fsType);
    filesystems[device] = fsType;
  }

  void mount(const std::string &device, const std::string &target, const std::string &fsType,
             const std::string &options) override {
    // Like the kernel: a device without that file system is refused, and a
    // refused mount changes nothing.
    if (auto it = filesystems.find(device); it == filesystems.end() || it->second != fsType) {
      refused.push_back("mount " + device + " " + fsType);
      throw Error(ErrorKind::Invalid, "cannot mount " + device + " on " + target + " (" + fsType +
                                          "): Invalid argument");
    }
    effect("mount", "mount " + device + " " + target + " " + fsType +
                        (options.empty() ? "" : " " + options));
    MountEntry e;
    e.source = device;
    e.target = target;
    e.fsType = fsType;
    e.options = options;
    table.push_back(e);
  }

  void unmount(const std::string &target) override {
    effect("unmount", "unmount " + target);
    table.erase(std::remove_if(table.begin(), table.end(),
                               [&](const MountEntry &m) { return m.target == target; }),
                table.end());
  }

  std::vector<MountEntry> mounts() override {
    query("mounts", "mounts");
    return table;
  }

  std::vector<std::string> mountPointsOf(const std::string &device) override {
    query("mountPointsOf", "mountPointsOf " + device);
    std::vector<std::string> out;
    for (const auto &m : table)
      if (m.source == device) out.push_back(m.target);
    return out;
  }

  bool isMountPoint(const std::string &path) override {
    query("isMountPoint", "isMountPoint " + path);
    return isMounted(path);
  }

  void makeDirectories(const std::string &path, mode_t mode) override {
    effect("mkdir", "mkdir " + path + " " + octal(mode));
    if (!directories.count(path)) directories[path] = mode;
  }

  void changeMode(const std::string &path, mode_t mode) override {
    effect("chmod", "chmod " + path + " " + octal(mode));
    directories[path] = mode;
  }

  bool directoryHasMode(const std::string &path, mode_t mode) override {
    query("directoryHasMode", "directoryHasMode " + path + " " + octal(mode));
    auto it = directories.find(path);
    return it != directories.end() && it->second == mode;
  }

  void removeDirectory(const std::string &path) override {
    effect("rmdir", "rmdir " + path);
    directories.erase(path);
  }

  void bindMount(const std::string &source, const std::string &target, bool readOnly) override {
    effect("bind", "bind " + source + " " + target + (readOnly ? " ro" : ""));
    MountEntry e;
    e.source = source;
    e.target = target;
    e.options = readOnly ? "ro" : "rw";
    table.push_back(e);
  }

  void growFilesystem(const std::string &device, const std::string &mountPoint,
                      const std::string &fsType) override {
    effect("grow", "grow " + device + " " + mountPoint + " " + fsType);
  }

  FilesystemUsage filesystemUsage(const std::string &path) override {
    query("usage", "usage " + path);
    return {};
  }

  void makeFile(const std::string &path, mode_t mode) override {
    effect("touch", "touch " + path + " " + octal(mode));
  }

  void removeFile(const std::string &path) override { effect("rm", "rm " + path); }

private:
  struct Fault {
    std::string op, match;
    ErrorKind kind;
    std::string message;
  };

  void maybeFail(const std::string &op, const std::string &line) {
    for (auto it = _faults.begin(); it != _faults.end(); ++it) {
      if (it->op != op || line.find(it->match) == std::string::npos) continue;
      const Fault fault = *it;
      _faults.erase(it);
      failed.push_back(line);
      throw Error(fault.kind, fault.message);
    }
  }
  void effect(const std::string &op, const std::string &line) {
    maybeFail(op, line);
    calls.push_back(line);
  }
  void query(const std::string &op, const std::string &line) {
    maybeFail(op, line);
    queries.push_back(line);
  }

  std::vector<Fault> _faults;
};

} // namespace rexray::testing
