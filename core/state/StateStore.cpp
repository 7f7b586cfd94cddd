#include "state/StateStore.h"

#include "util/Error.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

using namespace Poco::Data::Keywords;

namespace rexray {

namespace {

// Pages (4 KiB) of write-ahead log past which a commit checkpoints it.
constexpr int kCheckpointPages = 64;

// One step per schema version, applied in order, each in its own transaction.
// Append new versions at the end; never edit a step that has shipped.
struct Migration {
  int version;
  std::vector<const char *> statements;
};

const std::vector<Migration> &migrations() {
  static const std::vector<Migration> steps = {
      {1,
       {"CREATE TABLE IF NOT EXISTS mounts ("
        " service TEXT NOT NULL,"
        " volume_id TEXT NOT NULL,"
        " volume_name TEXT NOT NULL,"
        " caller_id TEXT NOT NULL,"
        " mount_point TEXT NOT NULL,"
        " device TEXT NOT NULL,"
        " created_unix INTEGER NOT NULL,"
        " PRIMARY KEY (service, volume_id, caller_id))",
        "CREATE TABLE IF NOT EXISTS attachments ("
        " service TEXT NOT NULL,"
        " volume_id TEXT NOT NULL,"
        " volume_name TEXT NOT NULL,"
        " device TEXT NOT NULL,"
        " token TEXT NOT NULL,"
        " created_unix INTEGER NOT NULL,"
        " PRIMARY KEY (service, volume_id))"}},
      // Callers without an ID share one record per volume; each of their
      // mounts is counted. A version-1 record stood for exactly one mount.
      {2, {"ALTER TABLE mounts ADD COLUMN uses INTEGER NOT NULL DEFAULT 1"}},
  };
  return steps;
}

std::once_flag connectorOnce;

// Creates the missing parents of the database file. 0700: the attachment
// tokens in it are nobody else's business.
void makeParentDirectories(const std::string &path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return;
  const std::string dir = path.substr(0, slash);
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    std::string prefix = dir.substr(0, pos);
    if (prefix.empty() || prefix.back() == '/') continue;
    if (::mkdir(prefix.c_str(), 0700) == 0 || errno == EEXIST) continue;
    int err = errno;
    struct stat st {};
    if (::stat(prefix.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
    throw Error(ErrorKind::Config, "state store " + path + ": cannot create directory " + prefix +
                                       ": " + std::strerror(err));
  }
}

} // namespace

struct StateStore::Impl {
  std::string path;
  int version = 0;
  mutable std::mutex mutex;
  std::unique_ptr<Poco::Data::Session> session;

  [[noreturn]] void fail(const Poco::Exception &e) const {
    throw Error(ErrorKind::Internal, "state store " + path + ": " + e.displayText());
  }

  int userVersion() {
    int v = 0;
    *session << "PRAGMA user_version", into(v), now;
    return v;
  }

  // BEGIN IMMEDIATE takes the write lock up front, so two processes never
  // both read and then deadlock upgrading to write; busy_timeout covers the
  // wait.
  template <typename Fn> auto inTransaction(Fn &&fn) -> decltype(fn()) {
    *session << "BEGIN IMMEDIATE", now;
    try {
      if constexpr (std::is_void_v<decltype(fn())>) {
        fn();
        *session << "COMMIT", now;
      } else {
        auto result = fn();
        *session << "COMMIT", now;
        return result;
      }
    } catch (...) {
      try {
        *session << "ROLLBACK", now;
      } catch (const Poco::Exception &) {
        // The original error is the one worth reporting.
      }
      throw;
    }
  }

  int changes() {
    int n = 0;
    *session << "SELECT changes()", into(n), now;
    return n;
  }

  // Switching a new database to WAL needs an exclusive lock, and SQLite
  // reports a conflict with another connection doing the same as an
  // immediate SQLITE_BUSY instead of waiting, so wait here. Once the file is
  // in WAL mode the pragma is a no-op that never conflicts.
  void enableWal() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      try {
        std::string mode;
        *session << "PRAGMA journal_mode = WAL", into(mode), now;
        return;
      } catch (const Poco::Data::SQLite::DBLockedException &) {
        if (std::chrono::steady_clock::now() >= deadline) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }

  // The last connection to close would checkpoint the log into the
  // database: two fdatasync(2)s and an unlink on every exit, which is most of
  // what a short-lived CLI process costs (it opens, writes a record or two,
  // and exits). The log stays instead, durable as every commit already is
  // (see synchronous above), and whichever process commits past
  // kCheckpointPages checkpoints it; that also bounds what the next open
  // reads back from it.
  void keepWalOnClose() {
    sqlite3 *db = Poco::Data::SQLite::Utility::dbHandle(*session);
    int applied = 0;
    if (sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, &applied) != SQLITE_OK ||
        !applied)
      return; // an older SQLite: it checkpoints at close, as before
    *session << "PRAGMA wal_autocheckpoint = " + std::to_string(kCheckpointPages), now;
  }

  void migrate() {
    const int current = StateStore::currentSchemaVersion();
    for (const Migration &step : migrations()) {
      bool newer = inTransaction([&] {
        // Read inside the transaction: another process may have migrated
        // while this one waited for the lock.
        int have = userVersion();
        if (have > current) return true;
        if (have >= step.version) return false;
        for (const char *sql : step.statements) *session << sql, now;
        // PRAGMA takes no bound parameters; the value is our own constant.
        *session << "PRAGMA user_version = " + std::to_string(step.version), now;
        return false;
      });
      if (newer) break;
    }
    version = userVersion();
    if (version > current)
      throw Error(ErrorKind::Config,
                  "state database " + path + " has schema version " + std::to_string(version) +
                      ", newer than this rexray understands (" + std::to_string(current) + ")");
  }
};

StateStore::StateStore(const std::string &path) : _impl(std::make_unique<Impl>()) {
  _impl->path = path;
  makeParentDirectories(path);
  std::call_once(connectorOnce, [] { Poco::Data::SQLite::Connector::registerConnector(); });
  const bool existed = ::access(path.c_str(), F_OK) == 0;
  try {
    _impl->session = std::make_unique<Poco::Data::Session>("SQLite", path);
    if (!existed) ::chmod(path.c_str(), 0600); // the -wal and -shm files copy this mode
    *_impl->session << "PRAGMA busy_timeout = 5000", now;
    // In WAL mode NORMAL never corrupts the database and survives a crash of
    // the process; only a power loss can drop the last commits, and the
    // mounts they describe do not survive a power loss either.
    *_impl->session << "PRAGMA synchronous = NORMAL", now;
    _impl->enableWal();
    _impl->keepWalOnClose();
    _impl->migrate();
  } catch (const Poco::Exception &e) {
    _impl->fail(e);
  }
}

StateStore::~StateStore() {
  try {
    if (_impl && _impl->session) _impl->session->close();
  } catch (...) {
    // Closing can only fail on a busy handle; nothing useful to do here.
  }
}

int StateStore::currentSchemaVersion() {
  return migrations().back().version;
}

int StateStore::schemaVersion() const {
  return _impl->version;
}

const std::string &StateStore::path() const {
  return _impl->path;
}

int64_t StateStore::addMount(const MountRecord &record, MountUse how) {
  std::lock_guard<std::mutex> lock(_impl->mutex);
  MountRecord r = record; // use() needs non-const lvalues that outlive the statement
  try {
    return _impl->inTransaction([&] {
      std::vector<Poco::Int64> had;
      *_impl->session << "SELECT uses FROM mounts"
                         " WHERE service = ? AND volume_id = ? AND caller_id = ?",
          use(r.service), use(r.volumeId), use(r.callerId), into(had), now;
      Poco::Int64 uses = 1;
      if (!had.empty()) uses = how == MountUse::Counted ? had.front() + 1 : had.front();
      *_impl->session << "INSERT OR REPLACE INTO mounts (service, volume_id, volume_name,"
                         " caller_id, mount_point, device, created_unix, uses)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          use(r.service), use(r.volumeId), use(r.volumeName), use(r.callerId), use(r.mountPoint),
          use(r.device), use(r.createdUnix), use(uses), now;
      return static_cast<int64_t>(uses);
    });
  } catch (const Poco::Exception &e) {
    _impl->fail(e);
  }
}

std::optional<int64_t> StateStore::releaseMount(const std::string &service,
                                                const std::string &volumeId,
                                                const std::string &callerId) {
  std::lock_guard<std::mutex> lock(_impl->mutex);
  std::string s = service, v = volumeId, c = callerId;
  try {
    return _impl->inTransaction([&]() -> std::optional<int64_t> {
      std::vector<Poco::Int64> had;
      *_impl->session << "SELECT uses FROM mounts"
                         " WHERE service = ? AND volume_id = ? AND caller_id = ?",
          use(s), use(v), use(c), into(had), now;
      if (had.empty()) return std::nullopt;
      Poco::Int64 left = had.front() - 1;
      if (left > 0)
        *_impl->session << "UPDATE mounts SET uses = ?"
                           " WHERE service = ? AND volume_id = ? AND caller_id = ?",
            use(left), use(s), use(v), use(c), now;
      else
        *_impl->session << "DELETE FROM mounts"
                           " WHERE service = ? AND volume_id = ? AND caller_id = ?",
            use(s), use(v), use(c), now;
      return std::max<int64_t>(left, 0);
    });
  } catch (const Poco::Exception &e) {
    _impl->fail(e);
  }
}

bool StateStore::removeMount(const std::string &service, const std::string &volumeId,
                             const std::string &callerId) {
  std::lock_guard<std::mutex> lock(_impl->mutex);
  std::string s = service, v = volumeId, c = callerId;
  try {
    *_impl->session << "DELETE FROM mounts WHERE service = ? AND volume_id = ? AND caller_id = ?",
        use(s), use(v), use(c), now;
    return _impl->changes() > 0;
  } catch (const Poco::Exception &e) {
    _impl->fail(e);
  }
}

void StateStore::removeMounts(const std::string &service, const std::string &volumeId) {
  std::lock_guard<std::mutex> lock(_impl->mutex);
  std::string s = service, v = volumeId;
  try {
    *_impl->session << "DELETE FROM mounts WHERE service = ? AND volume_id = ?", use(s), use(v),
        now;
  } catch (const Poco::Exception &e) {
    _impl->fail(e);
  }
}

namespace {

std::vector<MountRecord> collectMounts(Poco::Data::Statement &stmt) {
  std::vector<std::string> service, volumeId, volumeName, callerId, mountPoint, device;
  std::vector<Poco::Int64> created, uses;
  stmt, into(service), into(volumeId), into(volumeName), into(callerId), into(mountPoint),
      into(device), into(created), into(uses);
  stmt.execute();
  std::vector<MountRecord> out(service.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].service = std::move(service[i]);
    out[i].volumeId = std::move(volumeId[i]);
    out[i].volumeName = std::move(volumeName[i]);
    out[i].callerId = std::move(callerId[i]);
    out[i].mountPoint = std::move(mountPoint[i]);
    out[i].device = std::move(device[i]);
    out[i].createdUnix = created[i];
    out[i].uses = uses[i];
  }
  return out;
}

std::vector<AttachmentRecord> collectAttachments(Poco::Data::Statement &stmt) {
  std::vector<std::string> service, volumeId, volumeName, device, token;
  std::vector<Poco::Int64> created;
  stmt, into(service), into(volumeId), into(volumeName), into(device), into(token), into(created);
  stmt.execute();
  std::vector<AttachmentRecord> out(service.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].service = std::move(service[i]);
    out[i].volumeId = std::move(volumeId[i]);
    out[i].volumeName = std::move(volumeName[i]);
    out[i].device = std::move(device[i]);
    out[i].token = std::move(token[i]);
    out[i].createdUnix = created[i];
  }
  return out;
}

const char *const mountColumns =
    "SELECT service, volume_id, volume_name, caller_id, mount_point, device, created_unix, uses"
    " FROM mounts";
const char *const attachmentColumns =
    "SELECT service, volume_id, volume_name, device, token, created_unix FROM attachments";

} // namespace

std::vector<MountRecord> StateStore::mounts(const std::string &service,
                                            const std::string &volumeId) const {
  std::lock_guard<std::mutex> lock(_impl->mutex);
  std::string s = service, v = volumeId;
  try {
    Poco::Data::Statement stmt(*_impl->session);
    stmt << std::string(mountColumns) +
                " WHERE service = ? AND volume_id = ? ORDER BY created_unix, caller_id",
        use(s), use(v);
    return collectMounts(stmt);
  } catch (const Poco::Exception &e) {
    _impl->fail(e);
  }
}

std::vector<MountRecord> StateStore::allMounts() const {
  std::lock_guard<std::mutex> lock(_impl->mutex);
  try {
    Poco::Data::Statement stmt(*_impl->session);
    stmt << std::string(mountColumns) + " ORDER BY service, volume_id, created_unix, caller_id";
    return collectMounts(stmt);
  } catch (const Poco::Exception &e) {
    _impl->fail(e);
  }
}

int64_t StateStore::mountCount(const std::string &service, const std::string &volumeId) const {
  std::lock_guard<std::mutex> lock(_impl->mutex);
  std::string s = service, v = volumeId;
  try {
    Poco::Int64 n = 0;
    *_impl->session << "SELECT COALESCE(SUM(uses), 0) FROM mounts"
                       " WHERE service = ? AND volume_id = ?",
        use(s), use(v), into(n), now;
    return n;
  } catch (const Poco::Exception &e) {
    _impl->fail(e);
  }
}

void StateStore::putAttachment(const AttachmentRecord &record) {
  std::lock_guard<std::mutex> lock(_impl->mutex);
  AttachmentRecord r = record;
  try {
    *_impl->session << "INSERT OR REPLACE INTO attachments (service, volume_id, volume_name,"
                       " device, token, created_unix) VALUES (?, ?, ?, ?, ?, ?)",
        use(r.service), use(r.volumeId), use(r.volumeName), use(r.device), use(r.token),
        use(r.createdUnix), now;
  } catch (const Poco::Exception &e) {
    _impl->fail(e);
  }
}

bool StateStore::removeAttachment(const std::string &service, const std::string &volumeId) {
  std::lock_guard<std::mutex> lock(_impl->mutex);
  std::string s = service, v = volumeId;
  try {
    *_impl->session << "DELETE FROM attachments WHERE service = ? AND volume_id = ?", use(s),
        use(v), now;
    return _impl->changes() > 0;
  } catch (const Poco::Exception &e) {
    _impl->fail(e);
  }
}

std::optional<AttachmentRecord> StateStore::attachment(const std::string &service,
                                                       const std::string &volumeId) const {
  std::lock_guard<std::mutex> lock(_impl->mutex);
  std::string s = service, v = volumeId;
  try {
    Poco::Data::Statement stmt(*_impl->session);
    stmt << std::string(attachmentColumns) + " WHERE service = ? AND volume_id = ?", use(s), use(v);
    std::vector<AttachmentRecord> found = collectAttachments(stmt);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
  } catch (const Poco::Exception &e) {
    _impl->fail(e);
  }
}

std::vector<AttachmentRecord> StateStore::allAttachments() const {
  std::lock_guard<std::mutex> lock(_impl->mutex);
  try {
    Poco::Data::Statement stmt(*_impl->session);
    stmt << std::string(attachmentColumns) + " ORDER BY service, volume_id";
    return collectAttachments(stmt);
  } catch (const Poco::Exception &e) {
    _impl->fail(e);
  }
}

} // namespace rexray
