#pragma once

#include "config/ValueTypes.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rexray {

// The keys core itself reads, the older spellings that map onto them, and the
// keys older configurations carry that this rebuild ignores. Everything else
// in a configuration belongs to a driver's section, which only the driver's
// plugin can judge (see DriverSchema.h).
struct CoreKey {
  const char *key; // canonical spelling
  ValueType type;
  const char *def; // documentation of the default; callers pass their fallback
};

// In table order (which `rexray env --all` keeps).
const std::vector<CoreKey> &coreKeys();

// A core key's default, read from the table: the one place each default is
// stated (ServiceSettings and RequestTimeouts start from these). A key not in
// the table, or a default not of the asked kind, is a programming error
// (std::logic_error).
bool coreDefaultBool(const std::string &key);
int64_t coreDefaultInt(const std::string &key);
int64_t coreDefaultDurationMs(const std::string &key);
uint32_t coreDefaultMode(const std::string &key);
std::string coreDefaultString(const std::string &key);

struct ResolvedKey {
  enum Kind { Unknown, Core, Ignored } kind = Unknown;
  const CoreKey *info = nullptr; // when Core
  bool inverted = false;         // a boolean alias meaning the opposite (0.3's disableCache)
  bool warnIgnored = false;      // an ignored key whose silent loss would surprise
  std::string scoped;            // the lower-cased key with any `rexray.` scope removed
};

// Any spelling (case-insensitive, with or without the `rexray.` scope).
ResolvedKey resolveKey(const std::string &key);
// Whether some core key or alias lies below `lowerPrefix`, so that an ignored
// prefix never hides it.
bool hasCoreKeysUnder(const std::string &lowerPrefix);
// Whether a lower-cased top-level name is core's (volume, libstorage, ...), so
// that an unknown key under it is a typo rather than a driver's setting.
bool isCoreNamespace(const std::string &lowerSection);

// The environment variables that set a core key, most authoritative first,
// each with whether it means the opposite.
std::vector<std::pair<std::string, bool>> coreEnvNames(const CoreKey &key);
// A flag's core key: derived flag names with or without the `rexray` prefix,
// and dotted keys; an inverted alias maps to itself. nullopt when not core's.
std::optional<std::string> coreKeyForFlag(const std::string &name);
// Whether `flag` spells its key canonically (it beats an alias in one layer).
bool isCanonicalFlag(const std::string &flag, const CoreKey &key);

} // namespace rexray
