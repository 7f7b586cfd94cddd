#include <doctest/doctest.h>

#include "VfsTestSupport.h"
#include "vfs/ImageCopy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <system_error>

using rexray::vfs::copyImage;
using rexray::vfs::CopyMethod;

TEST_CASE("vfs image copy: data and holes survive, the copy can grow") {
  vfstest::TempDir tmp;
  const std::string src = tmp.path + "/src.img";
  const int fd = ::open(src.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::ftruncate(fd, 256 << 20) == 0);
  ::close(fd);
  vfstest::pwriteAll(src, "head", 0);
  vfstest::pwriteAll(src, "middle", 100 << 20);
  vfstest::pwriteAll(src, "tail", (256 << 20) - 4);

  const std::string dst = tmp.path + "/dst.img";
  const CopyMethod method = copyImage(src, dst, 512 << 20);
  MESSAGE("copied by " << std::string(rexray::vfs::toString(method)));
  struct stat st {};
  REQUIRE(::stat(dst.c_str(), &st) == 0);
  CHECK(st.st_size == 512 << 20);
  CHECK(st.st_blocks * 512 < 16 << 20); // sparse, not 256 MiB of zeros
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(vfstest::preadAll(dst, 4, 0) == "head");
  CHECK(vfstest::preadAll(dst, 6, 100 << 20) == "middle");
  CHECK(vfstest::preadAll(dst, 4, (256 << 20) - 4) == "tail");
  CHECK(vfstest::preadAll(dst, 4, 300 << 20) == std::string(4, '\0'));

  // Never overwrites, and a failed copy leaves nothing behind.
  CHECK_THROWS_AS(copyImage(src, dst), std::system_error);
  CHECK_THROWS_AS(copyImage(tmp.path + "/missing.img", tmp.path + "/x.img"), std::system_error);
  CHECK_FALSE(vfstest::exists(tmp.path + "/x.img"));
}
