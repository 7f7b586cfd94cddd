#include "HostIdentity.h"

#include "MediumLayout.h"

#include <dirent.h>

#include <algorithm>
#include <cctype>
#include <fstream>

namespace rexray::virtualbox::identity {

namespace {

std::string lower(std::string s) {
  for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string &s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string readFirstLine(const std::string &path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return {};
  return trim(line);
}

// Reverses the byte order of the first three UUID fields.
std::string swapFirstFields(const std::string &u) {
  auto swapHex = [](const std::string &hex) {
    std::string out;
    for (size_t i = hex.size(); i >= 2; i -= 2) out += hex.substr(i - 2, 2);
    return out;
  };
  return swapHex(u.substr(0, 8)) + "-" + swapHex(u.substr(9, 4)) + "-" + swapHex(u.substr(14, 4)) +
         u.substr(18);
}

} // namespace

std::string readDmiProductUuid(const std::string &path) {
  const std::string u = lower(readFirstLine(path));
  return MediumLayout::isUuid(u) ? u : std::string();
}

std::string normalizeMac(const std::string &mac) {
  std::string hex;
  for (char c : mac) {
    if (c == ':' || c == '-' || c == '.') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
    hex += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return hex.size() == 12 ? hex : std::string();
}

std::vector<std::string> readMacAddresses(const std::string &netClassDir) {
  std::vector<std::string> out;
  DIR *d = ::opendir(netClassDir.c_str());
  if (!d) return out;
  while (const dirent *e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.empty() || name[0] == '.' || name == "lo") continue;
    const std::string mac = normalizeMac(readFirstLine(netClassDir + "/" + name + "/address"));
    if (!mac.empty() && mac != "000000000000") out.push_back(mac);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool dmiUuidMatches(const std::string &dmiUuid, const std::string &machineUuid) {
  if (!MediumLayout::isUuid(dmiUuid) || !MediumLayout::isUuid(machineUuid)) return false;
  const std::string a = lower(dmiUuid), b = lower(machineUuid);
  return a == b || swapFirstFields(a) == b;
}

} // namespace rexray::virtualbox::identity
