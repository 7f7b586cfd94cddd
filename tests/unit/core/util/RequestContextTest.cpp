#include "util/RequestContext.h"

#include <doctest/doctest.h>

#include <set>
#include <thread>
#include <vector>

using namespace rexray;

TEST_CASE("RequestContext: new IDs are unique, short and hex") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = request::newId();
    CHECK(id.size() == 15); // within the small-string buffer: no allocation
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("RequestContext: a client's ID is used when usable, replaced otherwise") {
  CHECK(request::acceptId("abc-123_x.y:z") == "abc-123_x.y:z");
  CHECK(request::acceptId(std::string(128, 'a')) == std::string(128, 'a'));
  for (const std::string &bad :
       std::vector<std::string>{"", "has space", "new\nline", "quote\"", std::string(129, 'a')}) {
    const std::string id = request::acceptId(bad);
    CHECK(id != bad);
    CHECK(id.size() == 15);
  }
}

TEST_CASE("RequestContext: scopes nest per thread and restore what was before") {
  CHECK(request::currentId().empty());
  {
    request::Scope outer("outer");
    CHECK(request::currentId() == "outer");
    {
      request::EnsureScope keep; // inside a request: keeps its ID
      CHECK(request::currentId() == "outer");
      request::Scope inner("inner");
      CHECK(request::currentId() == "inner");
    }
    CHECK(request::currentId() == "outer");
    std::thread other([] { CHECK(request::currentId().empty()); });
    other.join();
  }
  CHECK(request::currentId().empty());
  {
    request::EnsureScope fresh; // no request: one of its own
    CHECK(request::currentId().size() == 15);
  }
  CHECK(request::currentId().empty());
}
