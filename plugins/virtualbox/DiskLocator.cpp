#include "DiskLocator.h"

#include "MediumLayout.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cctype>
#include <climits>
#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <vector>

namespace rexray::virtualbox {

namespace {

constexpr const char kModelPrefix[] = "VBOX_HARDDISK_";

std::string lower(std::string s) {
  for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool endsWithCaseless(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && lower(s.substr(s.size() - suffix.size())) == lower(suffix);
}

} // namespace

std::string DiskLocator::serialFor(const std::string &mediumUuid) {
  if (!MediumLayout::isUuid(mediumUuid))
    throw std::invalid_argument("'" + mediumUuid + "' is not a medium UUID");
  const std::string u = lower(mediumUuid);
  const std::string first = u.substr(0, 8);
  // The last 4 bytes of the UUID, read as a little-endian 32-bit word.
  const std::string tail = u.substr(28, 8);
  std::string last;
  for (int i = 3; i >= 0; --i) last += tail.substr(static_cast<size_t>(i) * 2, 2);
  return "VB" + first + "-" + last;
}

std::string DiskLocator::byIdNameFor(const std::string &mediumUuid) {
  return std::string("ata-") + kModelPrefix + serialFor(mediumUuid);
}

bool DiskLocator::nameMatches(const std::string &entryName, const std::string &mediumUuid) {
  if (!MediumLayout::isUuid(mediumUuid)) return false;
  return endsWithCaseless(entryName, kModelPrefix + serialFor(mediumUuid));
}

bool DiskLocator::firstWordMatches(const std::string &entryName, const std::string &mediumUuid) {
  if (!MediumLayout::isUuid(mediumUuid)) return false;
  // ...VBOX_HARDDISK_VB<first 8>-<8 hex>, as REX-Ray matched (first word only).
  const std::string head = kModelPrefix + serialFor(mediumUuid).substr(0, 11);
  if (entryName.size() < head.size() + 8) return false;
  const std::string tail = entryName.substr(entryName.size() - 8);
  for (char c : tail)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  const std::string before = entryName.substr(0, entryName.size() - 8);
  return endsWithCaseless(before, head);
}

std::string DiskLocator::find(const std::string &mediumUuid) const {
  if (!MediumLayout::isUuid(mediumUuid)) return {};
  DIR *d = ::opendir(_dir.c_str());
  if (!d) return {};
  std::string exact;
  std::vector<std::string> loose;
  while (const dirent *e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name[0] == '.') continue;
    if (nameMatches(name, mediumUuid)) {
      exact = name;
      break;
    }
    if (firstWordMatches(name, mediumUuid)) loose.push_back(name);
  }
  ::closedir(d);
  // The exact serial wins; the first word alone only when it is unambiguous.
  const std::string match = !exact.empty() ? exact : loose.size() == 1 ? loose.front() : "";
  if (match.empty()) return {};
  char resolved[PATH_MAX];
  if (!::realpath((_dir + "/" + match).c_str(), resolved)) return {};
  struct stat st {};
  if (::stat(resolved, &st) != 0 || !S_ISBLK(st.st_mode)) return {};
  return resolved;
}

std::string DiskLocator::waitFor(const std::string &mediumUuid, Deadline deadline,
                                 int64_t pollMs) const {
  for (;;) {
    std::string device = find(mediumUuid);
    if (!device.empty()) return device;
    const int64_t remaining = deadline.remainingMs();
    if (remaining <= 0) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(remaining < pollMs ? remaining : pollMs));
  }
}

} // namespace rexray::virtualbox
