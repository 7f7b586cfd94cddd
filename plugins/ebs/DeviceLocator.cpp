#include "DeviceLocator.h"

#include "DeviceNames.h"
#include "Text.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace rexray::ebs {

namespace {

std::string stripSlashes(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool isBlockDevice(const std::string &path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode);
}

bool exists(const std::string &path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::optional<std::string> readFile(const std::string &path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string realPath(const std::string &path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : std::string();
}

std::string baseName(const std::string &path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::vector<std::string> entries(const std::string &dir) {
  std::vector<std::string> out;
  DIR *d = ::opendir(dir.c_str());
  if (!d) return out;
  while (const dirent *e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(d);
  return out;
}

// nvme1n1 is a disk; nvme1 (the controller) and nvme1n1p1 (a partition) are not.
bool isNvmeDisk(const std::string &name) {
  if (!text::startsWith(name, "nvme")) return false;
  const auto n = name.find('n', 4);
  if (n == std::string::npos || n == 4 || n + 1 >= name.size()) return false;
  for (size_t i = 4; i < name.size(); ++i)
    if (i != n && !std::isdigit(static_cast<unsigned char>(name[i]))) return false;
  return true;
}

} // namespace

DeviceLocator::DeviceLocator(std::string deviceRoot, std::string sysfsRoot)
    : _deviceRoot(stripSlashes(deviceRoot.empty() ? "/dev" : deviceRoot)),
      _sysfsRoot(stripSlashes(sysfsRoot.empty() ? "/sys" : sysfsRoot)) {}

std::string DeviceLocator::nvmeSerial(const std::string &volumeId) {
  std::string s;
  for (char c : volumeId)
    if (c != '-') s += c;
  return s;
}

std::optional<std::string> DeviceLocator::nvmeDiskFor(const std::string &volumeId) const {
  const std::string want = nvmeSerial(volumeId);
  for (const auto &name : entries(_sysfsRoot + "/block")) {
    if (!isNvmeDisk(name)) continue;
    auto serial = readFile(_sysfsRoot + "/block/" + name + "/device/serial");
    if (serial && text::trim(*serial) == want) return name;
  }
  return std::nullopt;
}

std::optional<DeviceLocator::Found>
DeviceLocator::locate(const std::string &volumeId, const std::string &requestedDevice) const {
  if (auto disk = nvmeDiskFor(volumeId)) {
    const std::string path = _deviceRoot + "/" + *disk;
    if (isBlockDevice(path)) return Found{path, "nvme serial"};
  }
  const std::string link =
      _deviceRoot + "/disk/by-id/nvme-Amazon_Elastic_Block_Store_" + nvmeSerial(volumeId);
  if (isBlockDevice(link)) {
    const std::string resolved = realPath(link);
    return Found{resolved.empty() ? link : resolved, "by-id link"};
  }
  if (!requestedDevice.empty()) {
    const std::string normalized = DeviceNames::normalize(requestedDevice);
    if (text::startsWith(normalized, "/dev/xvd")) {
      const std::string path = _deviceRoot + "/" + normalized.substr(5);
      if (isBlockDevice(path)) {
        // On Nitro a udev rule may point xvdX at an NVMe disk: accept it only
        // if that disk is ours (a stale link must not hand out another volume).
        const std::string target = baseName(realPath(path));
        if (isNvmeDisk(target)) {
          auto serial = readFile(_sysfsRoot + "/block/" + target + "/device/serial");
          if (!serial || text::trim(*serial) != nvmeSerial(volumeId)) return std::nullopt;
        }
        return Found{path, "xen name"};
      }
    }
  }
  return std::nullopt;
}

bool DeviceLocator::nameTaken(const std::string &device) const {
  const std::string normalized = DeviceNames::normalize(device);
  if (!text::startsWith(normalized, "/dev/xvd")) return false;
  const std::string suffix = normalized.substr(8);
  return exists(_deviceRoot + "/xvd" + suffix) || exists(_deviceRoot + "/sd" + suffix) ||
         exists(_sysfsRoot + "/block/xvd" + suffix) || exists(_sysfsRoot + "/block/sd" + suffix);
}

std::set<std::string> DeviceLocator::takenNames(const std::vector<std::string> &candidates) const {
  std::set<std::string> out;
  for (const auto &c : candidates)
    if (nameTaken(c)) out.insert(DeviceNames::normalize(c));
  return out;
}

std::string DeviceLocator::describeMiss(const std::string &volumeId,
                                        const std::string &requestedDevice) const {
  std::string s = "no NVMe disk under " + _sysfsRoot + "/block with serial " +
                  nvmeSerial(volumeId) + ", no " + _deviceRoot +
                  "/disk/by-id/nvme-Amazon_Elastic_Block_Store_" + nvmeSerial(volumeId);
  if (!requestedDevice.empty()) {
    const std::string normalized = DeviceNames::normalize(requestedDevice);
    if (text::startsWith(normalized, "/dev/"))
      s += ", and no block device " + _deviceRoot + "/" + normalized.substr(5);
  }
  return s;
}

} // namespace rexray::ebs
