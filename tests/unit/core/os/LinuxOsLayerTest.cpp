#include "os/OsLayer.h"
#include "util/Error.h"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::string makeTempDir() {
  std::string tmpl = (fs::temp_directory_path() / "rexray-os-test-XXXXXX").string();
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  return tmpl;
}

void makeSparseFile(const std::string &path, off_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  int rc = ::ftruncate(fd, size);
  ::close(fd);
  REQUIRE(rc == 0);
}

std::string runCapture(const std::string &command) {
  std::string out;
  FILE *pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) out += buf;
  ::pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// Owns everything a test makes on the host, so a failed CHECK (or a REQUIRE's
// exception) still leaves no mounts, loop devices or directories behind.
struct Scratch {
  std::string dir = makeTempDir();
  std::vector<std::string> mountPoints;
  std::vector<std::string> loopDevices;

  Scratch() = default;
  Scratch(const Scratch &) = delete;
  Scratch &operator=(const Scratch &) = delete;

  ~Scratch() {
    // Lazy unmount: a busy mount must not keep the loop device or directory.
    for (auto it = mountPoints.rbegin(); it != mountPoints.rend(); ++it)
      ::umount2(it->c_str(), MNT_DETACH);
    for (const std::string &loop : loopDevices) runCapture("losetup -d '" + loop + "' 2>/dev/null");
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  std::string path(const std::string &name) const { return dir + "/" + name; }

  std::string image(const std::string &name, off_t mib) {
    std::string file = path(name);
    makeSparseFile(file, mib * 1024 * 1024);
    return file;
  }

  // "" when loop devices are unavailable here (not root, no /dev/loop-control).
  std::string attachLoop(const std::string &file) {
    std::string loop = runCapture("losetup --find --show '" + file + "' 2>/dev/null");
    if (loop.rfind("/dev/loop", 0) != 0) return "";
    loopDevices.push_back(loop);
    return loop;
  }

  std::string mountPoint(const std::string &name) {
    std::string mp = path(name);
    mountPoints.push_back(mp);
    return mp;
  }
};

bool canUseLoopDevices() {
  return ::geteuid() == 0 && ::access("/dev/loop-control", F_OK) == 0 &&
         runCapture("command -v losetup") != "";
}

bool haveTool(const std::string &name) {
  for (const char *dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"})
    if (::access((std::string(dir) + "/" + name).c_str(), X_OK) == 0) return true;
  return false;
}

template <typename Fn> rexray::Error captureError(Fn &&fn) {
  try {
    fn();
  } catch (const rexray::Error &e) {
    return e;
  }
  FAIL("expected a rexray::Error");
  return rexray::Error(rexray::ErrorKind::Internal, "unreachable");
}

bool contains(const std::string &haystack, const std::string &needle) {
  return haystack.find(needle) != std::string::npos;
}

const rexray::MountEntry *findMount(const std::vector<rexray::MountEntry> &entries,
                                    const std::string &target) {
  for (const auto &e : entries)
    if (e.target == target) return &e;
  return nullptr;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

} // namespace

TEST_CASE("LinuxOsLayer ext4 on a loop device: mkfs, probe, mount, unmount") {
  if (!canUseLoopDevices() || !haveTool("mkfs.ext4")) {
    MESSAGE("skipped: needs root, loop devices and mkfs.ext4");
    return;
  }
  rexray::LinuxOsLayer os;
  Scratch scratch;
  std::string loop = scratch.attachLoop(scratch.image("ext4.img", 64));
  REQUIRE_MESSAGE(!loop.empty(), "losetup could not attach the image");

  CHECK(os.probeFilesystem(loop) == "");
  os.makeFilesystem(loop, "ext4");
  CHECK(os.probeFilesystem(loop) == "ext4");

  std::string mp = scratch.mountPoint("mnt/vol");
  os.makeDirectories(mp, 0755);
  CHECK_FALSE(os.isMountPoint(mp));
  os.mount(loop, mp, "ext4", "");

  auto entries = os.mounts();
  const rexray::MountEntry *entry = findMount(entries, mp);
  REQUIRE(entry != nullptr);
  CHECK(entry->source == loop);
  CHECK(entry->fsType == "ext4");
  CHECK(entry->devno != 0);
  CHECK(contains(entry->options, "rw"));

  auto points = os.mountPointsOf(loop);
  CHECK(points == std::vector<std::string>{mp});
  CHECK(os.isMountPoint(mp));
  CHECK(os.isMountPoint(mp + "/"));
  CHECK(os.isMountPoint(scratch.path("mnt/../mnt/vol")));
  CHECK_FALSE(os.isMountPoint(scratch.path("mnt")));

  {
    std::ofstream out(mp + "/hello.txt");
    out << "persisted";
  }
  CHECK(readFile(mp + "/hello.txt") == "persisted");

  os.unmount(mp);
  CHECK_FALSE(os.isMountPoint(mp));
  CHECK(os.mountPointsOf(loop).empty());
  CHECK_FALSE(fs::exists(mp + "/hello.txt"));
  CHECK_NOTHROW(os.unmount(mp));
  CHECK_NOTHROW(os.unmount(scratch.path("never-existed")));

  // The data is on the device, not in the directory.
  os.mount(loop, mp, "ext4", "ro,noatime");
  CHECK(readFile(mp + "/hello.txt") == "persisted");
  entries = os.mounts();
  entry = findMount(entries, mp);
  REQUIRE(entry != nullptr);
  CHECK(contains(entry->options, "ro"));
  CHECK(contains(entry->options, "noatime"));
  os.unmount(mp);
  CHECK_FALSE(os.isMountPoint(mp));
}

TEST_CASE("LinuxOsLayer unmount of a busy mount is ErrorKind::Busy") {
  if (!canUseLoopDevices() || !haveTool("mkfs.ext4")) {
    MESSAGE("skipped: needs root, loop devices and mkfs.ext4");
    return;
  }
  rexray::LinuxOsLayer os;
  Scratch scratch;
  std::string loop = scratch.attachLoop(scratch.image("busy.img", 64));
  REQUIRE(!loop.empty());
  os.makeFilesystem(loop, "ext4");
  std::string mp = scratch.mountPoint("busy");
  os.makeDirectories(mp, 0755);
  os.mount(loop, mp, "ext4", "");
  {
    int fd = ::open((mp + "/held").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    rexray::Error e = captureError([&] { os.unmount(mp); });
    ::close(fd);
    CHECK(e.kind() == rexray::ErrorKind::Busy);
    CHECK(contains(e.what(), mp));
  }
  os.unmount(mp);
  CHECK_FALSE(os.isMountPoint(mp));
}

TEST_CASE("LinuxOsLayer xfs on a loop device mounts with nouuid") {
  if (!canUseLoopDevices() || !haveTool("mkfs.xfs")) {
    MESSAGE("skipped: needs root, loop devices and mkfs.xfs");
    return;
  }
  rexray::LinuxOsLayer os;
  Scratch scratch;
  // mkfs.xfs refuses anything under 300 MiB.
  std::string loop = scratch.attachLoop(scratch.image("xfs.img", 320));
  REQUIRE(!loop.empty());

  CHECK(os.probeFilesystem(loop) == "");
  os.makeFilesystem(loop, "xfs");
  CHECK(os.probeFilesystem(loop) == "xfs");

  std::string mp = scratch.mountPoint("xfs");
  os.makeDirectories(mp, 0755);
  os.mount(loop, mp, "xfs", "");
  auto entries = os.mounts();
  const rexray::MountEntry *entry = findMount(entries, mp);
  REQUIRE(entry != nullptr);
  CHECK(entry->fsType == "xfs");
  CHECK(contains(entry->options, "nouuid"));
  CHECK(os.mountPointsOf(loop) == std::vector<std::string>{mp});
  CHECK(os.isMountPoint(mp));
  {
    std::ofstream out(mp + "/data");
    out << "xfs";
  }
  CHECK(readFile(mp + "/data") == "xfs");
  os.unmount(mp);
  CHECK_FALSE(os.isMountPoint(mp));
  CHECK_NOTHROW(os.unmount(mp));

  // An explicit nouuid is not doubled.
  os.mount(loop, mp, "xfs", "nouuid");
  CHECK(os.isMountPoint(mp));
  os.unmount(mp);
}

TEST_CASE("LinuxOsLayer mount errors name the device, the target and the reason") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  rexray::LinuxOsLayer os;
  Scratch scratch;
  std::string mp = scratch.mountPoint("target");
  os.makeDirectories(mp, 0755);
  std::string missing = scratch.path("no-such-device");
  rexray::Error e = captureError([&] { os.mount(missing, mp, "ext4", ""); });
  CHECK(contains(e.what(), missing));
  CHECK(contains(e.what(), mp));
  CHECK(contains(e.what(), "No such file or directory"));
  CHECK(e.kind() == rexray::ErrorKind::NotFound);
  CHECK_FALSE(os.isMountPoint(mp));
}

TEST_CASE("LinuxOsLayer makeFilesystem rejects unsupported types and reports failures") {
  rexray::LinuxOsLayer os;
  Scratch scratch;

  SUBCASE("unsupported type") {
    rexray::Error e = captureError([&] { os.makeFilesystem(scratch.path("x"), "ntfs"); });
    CHECK(e.kind() == rexray::ErrorKind::Invalid);
    CHECK(std::string(e.what()) == "unsupported file system type 'ntfs'");
    e = captureError([&] { os.makeFilesystem(scratch.path("x"), "ext4; rm -rf /"); });
    CHECK(e.kind() == rexray::ErrorKind::Invalid);
  }

  SUBCASE("missing device") {
    std::string missing = scratch.path("missing-device");
    rexray::Error e = captureError([&] { os.makeFilesystem(missing, "ext4"); });
    CHECK(e.kind() == rexray::ErrorKind::NotFound);
    CHECK(contains(e.what(), missing));
    CHECK(contains(e.what(), "No such file or directory"));
  }

  SUBCASE("the tool's own complaint and exit status") {
    if (!haveTool("mkfs.xfs")) {
      MESSAGE("skipped: needs mkfs.xfs");
      return;
    }
    std::string tiny = scratch.image("tiny.img", 1);
    rexray::Error e = captureError([&] { os.makeFilesystem(tiny, "xfs"); });
    CHECK(contains(e.what(), "mkfs.xfs"));
    CHECK(contains(e.what(), tiny));
    CHECK(contains(e.what(), "exit status"));
    CHECK(contains(e.what(), "too small"));
    CHECK_FALSE(contains(e.what(), "Usage"));
  }
}

TEST_CASE("LinuxOsLayer probes image files and refuses ambiguous signatures") {
  if (!haveTool("mkfs.ext4") || !haveTool("mkfs.xfs")) {
    MESSAGE("skipped: needs mkfs.ext4 and mkfs.xfs");
    return;
  }
  rexray::LinuxOsLayer os;
  Scratch scratch;

  rexray::Error missing = captureError([&] { os.probeFilesystem(scratch.path("nope")); });
  CHECK(missing.kind() == rexray::ErrorKind::NotFound);
  CHECK(contains(missing.what(), scratch.path("nope")));

  std::string ext4 = scratch.image("ext4.img", 64);
  CHECK(os.probeFilesystem(ext4) == "");
  os.makeFilesystem(ext4, "ext4");
  CHECK(os.probeFilesystem(ext4) == "ext4");

  std::string xfs = scratch.image("xfs.img", 320);
  os.makeFilesystem(xfs, "xfs");
  CHECK(os.probeFilesystem(xfs) == "xfs");

  // An ext4 superblock (at 1 KiB) dropped into the xfs image, where xfs keeps
  // nothing blkid checks, leaves two valid signatures.
  {
    std::ifstream in(ext4, std::ios::binary);
    std::vector<char> sb(1024);
    in.seekg(1024);
    REQUIRE(in.read(sb.data(), static_cast<std::streamsize>(sb.size())));
    std::fstream out(xfs, std::ios::binary | std::ios::in | std::ios::out);
    out.seekp(1024);
    REQUIRE(out.write(sb.data(), static_cast<std::streamsize>(sb.size())));
  }
  rexray::Error e = captureError([&] { os.probeFilesystem(xfs); });
  CHECK(e.kind() == rexray::ErrorKind::Invalid);
  CHECK(contains(e.what(), xfs));
}

TEST_CASE("LinuxOsLayer directories") {
  rexray::LinuxOsLayer os;
  Scratch scratch;

  std::string deep = scratch.path("a/b//c/d");
  os.makeDirectories(deep, 0750);
  CHECK(fs::is_directory(deep));
  CHECK_NOTHROW(os.makeDirectories(deep, 0750));
  CHECK_NOTHROW(os.makeDirectories(scratch.path("a/b/"), 0750));

  os.changeMode(deep, 0711);
  struct stat st {};
  REQUIRE(::stat(deep.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0711);

  rexray::Error e = captureError([&] { os.changeMode(scratch.path("missing"), 0700); });
  CHECK(e.kind() == rexray::ErrorKind::NotFound);
  CHECK(contains(e.what(), scratch.path("missing")));

  { std::ofstream(scratch.path("a/file")) << "x"; }
  e = captureError([&] { os.makeDirectories(scratch.path("a/file/sub"), 0755); });
  CHECK(contains(e.what(), scratch.path("a/file")));
  e = captureError([&] { os.makeDirectories("", 0755); });
  CHECK(e.kind() == rexray::ErrorKind::Invalid);

  // Missing, non-empty and not-a-directory are all quietly left alone.
  CHECK_NOTHROW(os.removeDirectory(scratch.path("a/b")));
  CHECK(fs::is_directory(scratch.path("a/b")));
  CHECK_NOTHROW(os.removeDirectory(scratch.path("nothing-here")));
  CHECK_NOTHROW(os.removeDirectory(scratch.path("a/file")));
  CHECK(fs::exists(scratch.path("a/file")));
  os.removeDirectory(deep);
  CHECK_FALSE(fs::exists(deep));

  CHECK_FALSE(os.isMountPoint(scratch.path("nothing-here")));
  CHECK_FALSE(os.isMountPoint(scratch.dir));
  CHECK(os.isMountPoint("/"));
  CHECK(os.mountPointsOf(scratch.path("not-a-device")).empty());
  CHECK_FALSE(os.mounts().empty());
}
