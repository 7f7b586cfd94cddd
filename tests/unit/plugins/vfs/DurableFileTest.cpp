#include <doctest/doctest.h>

#include "VfsTestSupport.h"
#include "vfs/DurableFile.h"

#include <dirent.h>
#include <sys/stat.h>

#include <system_error>

namespace durable = rexray::vfs::durable;

TEST_CASE("vfs durable files: atomic replace, read, remove, mkdir -p") {
  vfstest::TempDir tmp;
  const std::string dir = tmp.path + "/a/b/c";
  durable::makeDirectories(dir, 0700);
  durable::makeDirectories(dir, 0700); // again: fine
  const std::string file = dir + "/x.json";
  CHECK_FALSE(durable::read(file).has_value());
  durable::writeAtomic(file, "one");
  durable::writeAtomic(file, "two");
  CHECK(durable::read(file) == std::string("two"));
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);

  // No temporaries are left next to the file.
  int entries = 0;
  DIR *d = ::opendir(dir.c_str());
  REQUIRE(d != nullptr);
  while (const dirent *e = ::readdir(d))
    entries += e->d_name[0] != '.' || std::string(e->d_name).size() > 2;
  ::closedir(d);
  CHECK(entries == 1);

  durable::remove(file);
  durable::remove(file); // already gone: fine
  CHECK_FALSE(durable::read(file).has_value());
  durable::writeAtomic(tmp.path + "/plain", "p");
  CHECK_THROWS_AS(durable::makeDirectories(tmp.path + "/plain"), std::system_error);
  CHECK_THROWS_AS(durable::writeAtomic(tmp.path + "/nodir/f", "x"), std::system_error);
}
