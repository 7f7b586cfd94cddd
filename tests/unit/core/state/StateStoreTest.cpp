#include "state/StateStore.h"
#include "util/Error.h"

#include <doctest/doctest.h>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
constexpr auto Once = rexray::MountUse::Once;
constexpr auto Counted = rexray::MountUse::Counted;

struct TempDir {
  std::string dir;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "rexray-state-test-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  std::string path(const std::string &name) const { return dir + "/" + name; }
};

rexray::MountRecord mountRecord(const std::string &volumeId, const std::string &callerId,
                                int64_t created = 100) {
  rexray::MountRecord r;
  r.service = "vfs";
  r.volumeId = volumeId;
  r.volumeName = "name-" + volumeId;
  r.callerId = callerId;
  r.mountPoint = "/var/lib/rexray/volumes/name-" + volumeId;
  r.device = "/dev/loop7";
  r.createdUnix = created;
  return r;
}

rexray::AttachmentRecord attachmentRecord(const std::string &volumeId, const std::string &device) {
  rexray::AttachmentRecord r;
  r.service = "vfs";
  r.volumeId = volumeId;
  r.volumeName = "name-" + volumeId;
  r.device = device;
  r.token = "token-" + volumeId;
  r.createdUnix = 1700000000;
  return r;
}

void setUserVersion(const std::string &dbPath, int version) {
  Poco::Data::SQLite::Connector::registerConnector();
  Poco::Data::Session session("SQLite", dbPath);
  session << "PRAGMA user_version = " + std::to_string(version), Poco::Data::Keywords::now;
}

} // namespace

TEST_CASE("StateStore creates its directory and schema") {
  TempDir tmp;
  std::string dbPath = tmp.path("var/lib/rexray/rexray.db");
  rexray::StateStore store(dbPath);
  CHECK(store.path() == dbPath);
  CHECK(rexray::StateStore::currentSchemaVersion() >= 1);
  CHECK(store.schemaVersion() == rexray::StateStore::currentSchemaVersion());
  CHECK(fs::exists(dbPath));

  struct stat st {};
  REQUIRE(::stat(tmp.path("var/lib/rexray").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(::stat(dbPath.c_str(), &st) == 0);
  CHECK((st.st_mode & 0077) == 0);

  CHECK(store.allMounts().empty());
  CHECK(store.allAttachments().empty());
}

TEST_CASE("StateStore mounts: add, replace, count, remove") {
  TempDir tmp;
  rexray::StateStore store(tmp.path("state.db"));

  CHECK(store.addMount(mountRecord("vol-1", "docker-a"), Once));
  CHECK(store.addMount(mountRecord("vol-1", "docker-b", 101), Once));
  CHECK(store.addMount(mountRecord("vol-2", "docker-a"), Once));
  CHECK(store.mountCount("vfs", "vol-1") == 2);
  CHECK(store.mountCount("vfs", "vol-2") == 1);
  CHECK(store.mountCount("vfs", "vol-3") == 0);
  CHECK(store.mountCount("other", "vol-1") == 0);

  // Same key, a Docker mount ID: replaced, not duplicated, still one use.
  rexray::MountRecord replacement = mountRecord("vol-1", "docker-a", 200);
  replacement.mountPoint = "/elsewhere";
  replacement.device = "/dev/xvdf";
  CHECK(store.addMount(replacement, Once) == 1);
  CHECK(store.mountCount("vfs", "vol-1") == 2);

  auto records = store.mounts("vfs", "vol-1");
  REQUIRE(records.size() == 2);
  const rexray::MountRecord *a = nullptr;
  for (const auto &r : records)
    if (r.callerId == "docker-a") a = &r;
  REQUIRE(a != nullptr);
  CHECK(a->service == "vfs");
  CHECK(a->volumeId == "vol-1");
  CHECK(a->volumeName == "name-vol-1");
  CHECK(a->mountPoint == "/elsewhere");
  CHECK(a->device == "/dev/xvdf");
  CHECK(a->createdUnix == 200);

  CHECK(store.allMounts().size() == 3);

  CHECK(store.removeMount("vfs", "vol-1", "docker-b"));
  CHECK_FALSE(store.removeMount("vfs", "vol-1", "docker-b"));
  CHECK_FALSE(store.removeMount("vfs", "vol-9", "docker-a"));
  CHECK(store.mountCount("vfs", "vol-1") == 1);

  store.removeMounts("vfs", "vol-1");
  CHECK(store.mountCount("vfs", "vol-1") == 0);
  CHECK(store.mountCount("vfs", "vol-2") == 1);
  CHECK_NOTHROW(store.removeMounts("vfs", "vol-1"));
}

TEST_CASE("StateStore mounts without an ID: each mount is one more use, each release one less") {
  TempDir tmp;
  rexray::StateStore store(tmp.path("state.db"));

  // dvdcli and the CLI: two mounts under the volume's name are two uses.
  CHECK(store.addMount(mountRecord("vol-1", "name-vol-1"), Counted) == 1);
  CHECK(store.addMount(mountRecord("vol-1", "name-vol-1"), Counted) == 2);
  CHECK(store.addMount(mountRecord("vol-1", "docker-a"), Once) == 1);
  CHECK(store.addMount(mountRecord("vol-1", "docker-a"), Once) == 1); // Docker retrying
  CHECK(store.mountCount("vfs", "vol-1") == 3);
  auto records = store.mounts("vfs", "vol-1");
  REQUIRE(records.size() == 2);
  for (const auto &r : records) CHECK(r.uses == (r.callerId == "docker-a" ? 1 : 2));

  CHECK(store.releaseMount("vfs", "vol-1", "name-vol-1") == std::optional<int64_t>(1));
  CHECK(store.mountCount("vfs", "vol-1") == 2);
  CHECK(store.releaseMount("vfs", "vol-1", "name-vol-1") == std::optional<int64_t>(0));
  CHECK(store.mounts("vfs", "vol-1").size() == 1);
  CHECK_FALSE(store.releaseMount("vfs", "vol-1", "name-vol-1").has_value());
  CHECK(store.releaseMount("vfs", "vol-1", "docker-a") == std::optional<int64_t>(0));
  CHECK(store.mountCount("vfs", "vol-1") == 0);

  // removeMount drops a record whatever its uses (a mount found gone).
  store.addMount(mountRecord("vol-2", "name-vol-2"), Counted);
  store.addMount(mountRecord("vol-2", "name-vol-2"), Counted);
  CHECK(store.removeMount("vfs", "vol-2", "name-vol-2"));
  CHECK(store.mountCount("vfs", "vol-2") == 0);
}

TEST_CASE("StateStore migrates a version-1 database: each old record is one use") {
  TempDir tmp;
  const std::string dbPath = tmp.path("v1.db");
  {
    // The schema rexray shipped as version 1, with a mount in it.
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session session("SQLite", dbPath);
    using Poco::Data::Keywords::now;
    session << "CREATE TABLE mounts (service TEXT NOT NULL, volume_id TEXT NOT NULL,"
               " volume_name TEXT NOT NULL, caller_id TEXT NOT NULL, mount_point TEXT NOT NULL,"
               " device TEXT NOT NULL, created_unix INTEGER NOT NULL,"
               " PRIMARY KEY (service, volume_id, caller_id))",
        now;
    session << "CREATE TABLE attachments (service TEXT NOT NULL, volume_id TEXT NOT NULL,"
               " volume_name TEXT NOT NULL, device TEXT NOT NULL, token TEXT NOT NULL,"
               " created_unix INTEGER NOT NULL, PRIMARY KEY (service, volume_id))",
        now;
    session << "INSERT INTO mounts VALUES ('vfs', 'vol-1', 'data', 'data',"
               " '/var/lib/rexray/volumes/data', '/dev/loop3', 100)",
        now;
    session << "INSERT INTO attachments VALUES ('vfs', 'vol-1', 'data', '/dev/loop3', 't', 100)",
        now;
    session << "PRAGMA user_version = 1", now;
  }
  rexray::StateStore store(dbPath);
  CHECK(store.schemaVersion() == 2);
  CHECK(store.schemaVersion() == rexray::StateStore::currentSchemaVersion());
  auto records = store.mounts("vfs", "vol-1");
  REQUIRE(records.size() == 1);
  CHECK(records[0].uses == 1);
  CHECK(records[0].mountPoint == "/var/lib/rexray/volumes/data");
  CHECK(store.mountCount("vfs", "vol-1") == 1);
  CHECK(store.attachment("vfs", "vol-1").has_value());

  rexray::MountRecord again = records[0];
  CHECK(store.addMount(again, Counted) == 2);
  CHECK(store.releaseMount("vfs", "vol-1", "data") == std::optional<int64_t>(1));
  CHECK(store.releaseMount("vfs", "vol-1", "data") == std::optional<int64_t>(0));
  CHECK(store.mountCount("vfs", "vol-1") == 0);
}

TEST_CASE("StateStore keeps values that look like SQL or numbers as they are") {
  TempDir tmp;
  rexray::StateStore store(tmp.path("state.db"));
  rexray::MountRecord r = mountRecord("'; DROP TABLE mounts; --", "");
  r.volumeName = "0042";
  r.mountPoint = "/mnt/it's \"quoted\"";
  r.createdUnix = -1;
  CHECK(store.addMount(r, Once));
  auto records = store.mounts("vfs", "'; DROP TABLE mounts; --");
  REQUIRE(records.size() == 1);
  CHECK(records[0].callerId == "");
  CHECK(records[0].volumeName == "0042");
  CHECK(records[0].mountPoint == "/mnt/it's \"quoted\"");
  CHECK(records[0].createdUnix == -1);
  CHECK(store.allMounts().size() == 1);
}

TEST_CASE("StateStore attachments") {
  TempDir tmp;
  rexray::StateStore store(tmp.path("state.db"));

  CHECK_FALSE(store.attachment("vfs", "vol-1").has_value());
  store.putAttachment(attachmentRecord("vol-1", "/dev/loop1"));
  store.putAttachment(attachmentRecord("vol-2", "/dev/loop2"));

  auto got = store.attachment("vfs", "vol-1");
  REQUIRE(got.has_value());
  CHECK(got->service == "vfs");
  CHECK(got->volumeId == "vol-1");
  CHECK(got->volumeName == "name-vol-1");
  CHECK(got->device == "/dev/loop1");
  CHECK(got->token == "token-vol-1");
  CHECK(got->createdUnix == 1700000000);

  store.putAttachment(attachmentRecord("vol-1", "/dev/loop5"));
  CHECK(store.allAttachments().size() == 2);
  CHECK(store.attachment("vfs", "vol-1")->device == "/dev/loop5");
  CHECK_FALSE(store.attachment("other", "vol-1").has_value());

  CHECK(store.removeAttachment("vfs", "vol-1"));
  CHECK_FALSE(store.removeAttachment("vfs", "vol-1"));
  CHECK_FALSE(store.attachment("vfs", "vol-1").has_value());
  auto all = store.allAttachments();
  REQUIRE(all.size() == 1);
  CHECK(all[0].volumeId == "vol-2");
}

TEST_CASE("StateStore persists across reopen") {
  TempDir tmp;
  std::string dbPath = tmp.path("state.db");
  {
    rexray::StateStore store(dbPath);
    store.addMount(mountRecord("vol-1", "c1"), Once);
    store.addMount(mountRecord("vol-1", "c2"), Once);
    store.putAttachment(attachmentRecord("vol-1", "/dev/loop3"));
  }
  {
    rexray::StateStore store(dbPath);
    CHECK(store.schemaVersion() == rexray::StateStore::currentSchemaVersion());
    CHECK(store.mountCount("vfs", "vol-1") == 2);
    auto att = store.attachment("vfs", "vol-1");
    REQUIRE(att.has_value());
    CHECK(att->device == "/dev/loop3");
    CHECK(store.removeMount("vfs", "vol-1", "c1"));
  }
  rexray::StateStore store(dbPath);
  CHECK(store.mountCount("vfs", "vol-1") == 1);

  // Two stores on one file, as two processes would have.
  rexray::StateStore other(dbPath);
  CHECK(other.addMount(mountRecord("vol-2", "c1"), Once));
  CHECK(store.mountCount("vfs", "vol-2") == 1);
}

// A short-lived process (the CLI) should not pay a checkpoint's two
// fdatasync(2)s at every exit: the log stays, and the next open reads it back.
TEST_CASE("StateStore leaves its write-ahead log at close, and the next open reads it") {
  TempDir tmp;
  std::string dbPath = tmp.path("state.db");
  { rexray::StateStore(dbPath).addMount(mountRecord("vol-1", "c1"), Once); }
  REQUIRE(fs::exists(dbPath + "-wal"));
  CHECK(fs::file_size(dbPath + "-wal") > 0);
  CHECK(rexray::StateStore(dbPath).mountCount("vfs", "vol-1") == 1);

  // Commits past the checkpoint size move the log into the database, so
  // the log an open reads back stays small.
  {
    rexray::StateStore store(dbPath);
    for (int i = 0; i < 300; ++i)
      store.addMount(mountRecord("vol-2", "c" + std::to_string(i)), Once);
  }
  CHECK(fs::file_size(dbPath + "-wal") <= 1024 * 1024);
  CHECK(rexray::StateStore(dbPath).mountCount("vfs", "vol-2") == 300);
}

TEST_CASE("StateStore refuses a database from a newer rexray") {
  TempDir tmp;
  std::string dbPath = tmp.path("state.db");
  {
    rexray::StateStore store(dbPath);
    store.addMount(mountRecord("vol-1", "c1"), Once);
  }
  setUserVersion(dbPath, 99);
  try {
    rexray::StateStore store(dbPath);
    FAIL("a newer schema was accepted");
  } catch (const rexray::Error &e) {
    CHECK(e.kind() == rexray::ErrorKind::Config);
    std::string msg = e.what();
    CHECK(msg.find(dbPath) != std::string::npos);
    CHECK(msg.find("schema version 99") != std::string::npos);
    CHECK(msg.find("(" + std::to_string(rexray::StateStore::currentSchemaVersion()) + ")") !=
          std::string::npos);
  }
}

TEST_CASE("StateStore migrates an empty database and rejects a non-database") {
  TempDir tmp;
  // A version-0 database that already holds something: migration must not
  // trip over it.
  std::string dbPath = tmp.path("old.db");
  {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session session("SQLite", dbPath);
    session << "CREATE TABLE unrelated (x INTEGER)", Poco::Data::Keywords::now;
  }
  {
    rexray::StateStore store(dbPath);
    CHECK(store.schemaVersion() == rexray::StateStore::currentSchemaVersion());
    CHECK(store.addMount(mountRecord("vol-1", "c1"), Once));
  }

  std::string junk = tmp.path("junk.db");
  {
    FILE *f = std::fopen(junk.c_str(), "w");
    REQUIRE(f != nullptr);
    std::fputs("this is not an sqlite database, not even close to one............", f);
    std::fclose(f);
  }
  try {
    rexray::StateStore store(junk);
    FAIL("a non-database was accepted");
  } catch (const rexray::Error &e) {
    CHECK(e.kind() == rexray::ErrorKind::Internal);
    CHECK(std::string(e.what()).find("state store " + junk) == 0);
  }
}

TEST_CASE("StateStore is safe under concurrent use") {
  TempDir tmp;
  rexray::StateStore store(tmp.path("state.db"));
  constexpr int threads = 8;
  constexpr int perThread = 40;
  std::vector<std::thread> workers;
  std::vector<int> newCounts(threads, 0);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < perThread; ++i) {
        // Every thread also touches a shared key, so replace races too.
        if (store.addMount(mountRecord("vol-" + std::to_string(t), "c" + std::to_string(i)), Once))
          ++newCounts[t];
        store.addMount(mountRecord("shared", "c" + std::to_string(i)), Once);
        store.mountCount("vfs", "shared");
      }
    });
  }
  for (auto &w : workers) w.join();
  for (int t = 0; t < threads; ++t) {
    CHECK(newCounts[t] == perThread);
    CHECK(store.mountCount("vfs", "vol-" + std::to_string(t)) == perThread);
  }
  CHECK(store.mountCount("vfs", "shared") == perThread);
  CHECK(store.allMounts().size() == static_cast<size_t>(threads * perThread + perThread));
}

TEST_CASE("StateStore opened by several connections at once on a new file") {
  TempDir tmp;
  std::string dbPath = tmp.path("fresh/state.db");
  constexpr int connections = 6;
  std::vector<std::thread> workers;
  std::vector<std::string> errors(connections);
  for (int t = 0; t < connections; ++t) {
    workers.emplace_back([&, t] {
      try {
        // Separate StateStore objects behave like separate processes: only
        // SQLite's locking keeps them apart.
        rexray::StateStore store(dbPath);
        for (int i = 0; i < 20; ++i)
          store.addMount(mountRecord("vol", "c" + std::to_string(t) + "-" + std::to_string(i)),
                         Once);
      } catch (const std::exception &e) {
        errors[t] = e.what();
      }
    });
  }
  for (auto &w : workers) w.join();
  for (const auto &e : errors) CHECK(e == "");
  rexray::StateStore store(dbPath);
  CHECK(store.mountCount("vfs", "vol") == connections * 20);
}
