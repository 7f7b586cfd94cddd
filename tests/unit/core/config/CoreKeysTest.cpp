#include "config/CoreKeys.h"
#include "config/KeySpelling.h"
#include "config/ValueTypes.h"
#include "util/Error.h"

#include <doctest/doctest.h>

using namespace rexray;

TEST_CASE("core keys: spellings resolve to one canonical key") {
  ResolvedKey r = resolveKey("REXRAY.Volume.Mount.Preempt");
  REQUIRE(r.kind == ResolvedKey::Core);
  CHECK(std::string(r.info->key) == "volume.mount.preempt");
  r = resolveKey("volume.path.disableCache");
  REQUIRE(r.kind == ResolvedKey::Core);
  CHECK(std::string(r.info->key) == "volume.path.cache");
  CHECK(r.inverted);
  CHECK(resolveKey("libstorage.server.x").kind == ResolvedKey::Ignored);
  CHECK(resolveKey("libstorage.server").warnIgnored);
  r = resolveKey("rexray.vfs.root");
  CHECK(r.kind == ResolvedKey::Unknown);
  CHECK(r.scoped == "vfs.root");
}

TEST_CASE("core keys: namespaces tell a typo from a driver's section") {
  for (const char *ns : {"volume", "rexray", "libstorage", "docker", "linux", "device"}) {
    CAPTURE(ns);
    CHECK(isCoreNamespace(ns));
  }
  CHECK_FALSE(isCoreNamespace("vfs"));
  CHECK_FALSE(isCoreNamespace("loglevel")); // a top-level key, not a namespace
  CHECK(hasCoreKeysUnder("libstorage.integration"));
  CHECK_FALSE(hasCoreKeysUnder("libstorage.server"));
}

TEST_CASE("core keys: env names and flags") {
  const CoreKey *size = resolveKey("volume.create.default.size").info;
  REQUIRE(size);
  const auto names = coreEnvNames(*size);
  REQUIRE(names.size() >= 3);
  CHECK(names[0].first == "VOLUME_CREATE_DEFAULT_SIZE");
  CHECK(names[1].first == "REXRAY_VOLUME_CREATE_DEFAULT_SIZE");
  CHECK(coreKeyForFlag("dockerSize") == "volume.create.default.size");
  CHECK(coreKeyForFlag("rexrayVolumeCreateDefaultSize") == "volume.create.default.size");
  CHECK_FALSE(coreKeyForFlag("vfsRoot"));
  CHECK(isCanonicalFlag("volumeCreateDefaultSize", *size));
  CHECK_FALSE(isCanonicalFlag("dockerSize", *size));
}

TEST_CASE("core keys: the Docker managed plugin's settings REXRAY_FSTYPE and REXRAY_PREEMPT") {
  for (const auto &[name, key] :
       {std::pair<const char *, const char *>{"REXRAY_FSTYPE", "volume.create.default.fsType"},
        {"REXRAY_PREEMPT", "volume.mount.preempt"}}) {
    CAPTURE(name);
    const CoreKey *info = resolveKey(key).info;
    REQUIRE(info);
    bool found = false;
    for (const auto &[env, inverted] : coreEnvNames(*info)) found |= env == name && !inverted;
    CHECK(found);
  }
}

TEST_CASE("key spelling: env, flag and compared forms") {
  CHECK(envName("volume.mount.preempt") == "VOLUME_MOUNT_PREEMPT");
  CHECK(flagSpelling("volume.mount.preempt") == "volumeMountPreempt");
  CHECK(flagSpelling("ebs.kmsKeyID") == "ebsKmsKeyID");
  CHECK(flagForm("Volume.Mount.Preempt") == "volumemountpreempt");
  CHECK(flagLabel("nosuch.key") == "nosuchKey");
  CHECK(flagLabel("noSuchFlag") == "noSuchFlag");
}

TEST_CASE("value types: declared types map onto checks") {
  CHECK(fromDeclared(RXR_TYPE_DURATION) == ValueType::Duration);
  CHECK(fromDeclared(RXR_TYPE_LIST) == ValueType::List);
  CHECK_NOTHROW(checkValue(ValueType::List, "a b", {"a", "b"}, true, "x"));
  CHECK_NOTHROW(checkValue(ValueType::Int, "-1", {}, false, "x"));
  CHECK_THROWS_AS(checkValue(ValueType::Int, "-1", {}, false, "x", true), Error);
  CHECK_THROWS_WITH(checkValue(ValueType::String, "a b", {"a", "b"}, true, "f:1: k"),
                    "f:1: k: expected a string, got a list");
}
