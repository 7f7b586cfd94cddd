#include "daemon/SocketActivation.h"
#include "util/Error.h"

#include <doctest/doctest.h>

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

using namespace rexray;

namespace {

// A unix stream socket bound at path (listening or not), or -1.
int unixSocket(const std::string &path, bool listen) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  if (::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) return -1;
  if (listen && ::listen(fd, 8) != 0) return -1;
  return fd;
}

// Moves fd to `at` (the protocol passes consecutive descriptors).
void moveTo(int fd, int at) {
  REQUIRE(fd >= 0);
  REQUIRE(::dup2(fd, at) == at);
  ::close(fd);
}

bool isOpen(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

} // namespace

TEST_CASE("SocketActivation: the variables count only for the process they name") {
  CHECK_FALSE(ActivatedSockets::parse(nullptr, nullptr, 42));
  CHECK_FALSE(ActivatedSockets::parse("42", nullptr, 42));
  CHECK_FALSE(ActivatedSockets::parse(nullptr, "2", 42)); // no LISTEN_PID: not ours
  CHECK_FALSE(ActivatedSockets::parse("41", "2", 42));    // a parent's descriptors
  CHECK_FALSE(ActivatedSockets::parse("42", "0", 42));
  const auto range = ActivatedSockets::parse("42", "2", 42);
  REQUIRE(range);
  CHECK(range->first == 3);
  CHECK(range->second == 2);
}

TEST_CASE("SocketActivation: malformed variables are an error naming them") {
  CHECK_THROWS_WITH_AS(ActivatedSockets::parse("42", "two", 42),
                       "LISTEN_FDS='two' is not a number of descriptors", Error);
  CHECK_THROWS_WITH_AS(ActivatedSockets::parse("42", "-1", 42),
                       "LISTEN_FDS='-1' is not a number of descriptors", Error);
  CHECK_THROWS_WITH_AS(ActivatedSockets::parse("pid", "1", 42), "LISTEN_PID='pid' is not a PID",
                       Error);
}

TEST_CASE("SocketActivation: descriptors are matched to sockets by path, each handed out once") {
  Poco::TemporaryFile dir;
  dir.createDirectories();
  const std::string real = dir.path() + "/real";
  Poco::File(real).createDirectories();
  // /var/run is a link to /run: a unit may name either.
  REQUIRE(::symlink(real.c_str(), (dir.path() + "/alias").c_str()) == 0);

  constexpr int first = 600; // free descriptors, consecutive
  moveTo(unixSocket(real + "/docker.sock", true), first);
  moveTo(unixSocket(real + "/bound-only.sock", false), first + 1);
  int pipeEnds[2];
  REQUIRE(::pipe(pipeEnds) == 0);
  moveTo(pipeEnds[0], first + 2);
  ::close(pipeEnds[1]);
  moveTo(unixSocket(real + "/unused.sock", true), first + 3);

  {
    ActivatedSockets sockets = ActivatedSockets::inspect(first, 4, "rexray:rexray:x");
    REQUIRE(sockets.passed().size() == 4);
    CHECK(sockets.passed()[0].name == "rexray");
    CHECK(sockets.passed()[0].problem.empty());
    CHECK(sockets.passed()[1].problem == "not listening");
    CHECK(sockets.passed()[2].problem == "not a socket");
    CHECK(sockets.passed()[3].name.empty());

    CHECK(sockets.take(dir.path() + "/alias/docker.sock") == first);
    CHECK(sockets.take(real + "/docker.sock") == -1); // already taken
    CHECK(sockets.take(real + "/bound-only.sock") == -1);
    CHECK(sockets.take(real + "/elsewhere.sock") == -1);

    sockets.closeUnused();
    CHECK(isOpen(first)); // the taker's now
    CHECK_FALSE(isOpen(first + 1));
    CHECK_FALSE(isOpen(first + 2));
    CHECK_FALSE(isOpen(first + 3));
  }
  CHECK(isOpen(first)); // not closed by the destructor either
  ::close(first);
}
