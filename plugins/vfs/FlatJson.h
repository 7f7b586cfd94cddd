#ifndef REXRAY_VFS_FLATJSON_H
#define REXRAY_VFS_FLATJSON_H

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rexray::vfs {

// A JSON object whose members are strings, integers or booleans, nothing
// nested. That is all the metadata files need, and a plugin must not pull a
// JSON library (or the core's) into its link.
class FlatJson {
public:
  void set(const std::string &key, const std::string &value);
  void set(const std::string &key, const char *value) { set(key, std::string(value)); }
  void set(const std::string &key, int64_t value);
  void set(const std::string &key, bool value);

  bool has(const std::string &key) const { return find(key) != nullptr; }
  // The fallback is returned when the key is missing or has another type.
  std::string str(const std::string &key, const std::string &fallback = {}) const;
  int64_t integer(const std::string &key, int64_t fallback = 0) const;
  bool boolean(const std::string &key, bool fallback = false) const;

  // Members in insertion order, one per line, so the files diff and grep well.
  std::string serialize() const;
  // Throws std::runtime_error (not invalid_argument: a corrupt file is not the
  // caller's bad argument) describing where the text stops being valid.
  static FlatJson parse(const std::string &text);

private:
  enum class Kind { String, Integer, Boolean };
  struct Value {
    Kind kind = Kind::String;
    std::string text;
    int64_t number = 0;
    bool flag = false;
  };
  const Value *find(const std::string &key) const;
  void put(const std::string &key, Value value);

  std::vector<std::pair<std::string, Value>> _members;
};

} // namespace rexray::vfs

#endif // REXRAY_VFS_FLATJSON_H
