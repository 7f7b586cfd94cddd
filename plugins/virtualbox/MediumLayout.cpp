#include "MediumLayout.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace rexray::virtualbox {

namespace {

constexpr const char kSnapSuffix[] = ".snap";

std::string lower(std::string s) {
  for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool isDiskExtension(const std::string &ext) {
  static const char *const known[] = {"vmdk", "vdi",   "vhd", "vhdx", "hdd", "qed",
                                      "qcow", "qcow2", "img", "raw",  "iso"};
  const std::string e = lower(ext);
  return std::any_of(std::begin(known), std::end(known), [&](const char *k) { return e == k; });
}

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool isWindowsAbsolute(const std::string &p) {
  return p.size() >= 3 && std::isalpha(static_cast<unsigned char>(p[0])) && p[1] == ':' &&
         (p[2] == '\\' || p[2] == '/');
}

} // namespace

MediumLayout::MediumLayout(const std::string &volumePath) {
  if (volumePath.empty())
    throw std::invalid_argument("volumePath is not set: name the directory on the "
                                "VirtualBox host where volumes are kept");
  _sep = volumePath.find('/') == std::string::npos && volumePath.find('\\') != std::string::npos
             ? '\\'
             : '/';
  if (volumePath[0] != _sep && !isWindowsAbsolute(volumePath))
    throw std::invalid_argument("volumePath '" + volumePath +
                                "' must be an absolute path on the VirtualBox host");
  _dir = normalize(volumePath);
}

std::string MediumLayout::normalize(const std::string &path) const {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    const char ch = (c == '/' || c == '\\') ? _sep : c;
    if (ch == _sep && !out.empty() && out.back() == _sep) continue;
    out += ch;
  }
  while (out.size() > 1 && out.back() == _sep) out.pop_back();
  return out;
}

std::string MediumLayout::volumeLocation(const std::string &name,
                                         const std::string &extension) const {
  return _dir + _sep + name + (extension.empty() ? "" : "." + extension);
}

std::string MediumLayout::snapshotLocation(const std::string &name, const std::string &volumeId,
                                           const std::string &extension) const {
  return _dir + _sep + name + "." + lower(volumeId) + kSnapSuffix +
         (extension.empty() ? "" : "." + extension);
}

std::optional<MediumLayout::Entry> MediumLayout::classify(const std::string &location) const {
  const std::string path = normalize(location);
  const auto slash = path.find_last_of(_sep);
  if (slash == std::string::npos) return std::nullopt;
  const std::string dir = slash == 0 ? path.substr(0, 1) : path.substr(0, slash);
  if (dir != _dir) return std::nullopt;
  std::string file = path.substr(slash + 1);
  if (file.empty()) return std::nullopt;

  Entry e;
  const auto dot = file.find_last_of('.');
  if (dot != std::string::npos && dot > 0 && isDiskExtension(file.substr(dot + 1))) {
    e.extension = lower(file.substr(dot + 1));
    file.resize(dot);
  }
  // <name>.<uuid>.snap
  if (endsWith(file, kSnapSuffix)) {
    const std::string stem = file.substr(0, file.size() - (sizeof kSnapSuffix - 1));
    const auto uuidDot = stem.find_last_of('.');
    if (uuidDot != std::string::npos && uuidDot > 0 && isUuid(stem.substr(uuidDot + 1))) {
      e.kind = Kind::Snapshot;
      e.volumeId = lower(stem.substr(uuidDot + 1));
      e.name = stem.substr(0, uuidDot);
      return e;
    }
  }
  e.name = file;
  return e;
}

void MediumLayout::validateName(const std::string &name, const std::string &what) {
  if (name.empty()) throw std::invalid_argument("the " + what + " must not be empty");
  if (name.size() > 200)
    throw std::invalid_argument("the " + what + " is longer than 200 characters");
  if (name[0] == '.' || name[0] == '-')
    throw std::invalid_argument("the " + what + " '" + name + "' must not start with '.' or '-'");
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' ||
        c == '"' || c == '<' || c == '>' || c == '|')
      throw std::invalid_argument("the " + what + " '" + name +
                                  "' contains a character that cannot be in a file name");
  }
  // A name that reads back as something else would change meaning in listings.
  MediumLayout probe("/v");
  const auto back = probe.classify("/v/" + name);
  if (!back || back->kind != Kind::Volume || back->name != name || !back->extension.empty())
    throw std::invalid_argument("the " + what + " '" + name +
                                "' ends like a disk file or a snapshot; choose another");
}

bool MediumLayout::isUuid(const std::string &text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

} // namespace rexray::virtualbox
