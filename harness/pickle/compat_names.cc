#include "harness/pickle/compat_names.h"

#include <functional>
#include <unordered_map>
#include <utility>

namespace picklecheck {
namespace {

using Key = std::pair<std::string_view, std::string_view>;

struct KeyHash {
  size_t operator()(const Key& k) const {
    return std::hash<std::string_view>()(k.first) * 31 + std::hash<std::string_view>()(k.second);
  }
};

using NameTable = std::unordered_map<Key, Key, KeyHash>;
using ImportTable = std::unordered_map<std::string_view, std::string_view>;

// One direction of _compat_pickle: a name table and an import table.
struct Mapping {
  NameTable names;
  ImportTable imports;

  GlobalName Apply(std::string_view module, std::string_view name) const {
    auto it = names.find(Key{module, name});
    if (it != names.end()) return {it->second.first, it->second.second};
    auto jt = imports.find(module);
    if (jt != imports.end()) return {jt->second, name};
    return {module, name};
  }
};

const Mapping& Py2ToPy3() {
  static const Mapping* mapping = [] {
    auto* m = new Mapping();
#define PC_NAME_MAPPING(m1, n1, m2, n2) m->names.emplace(Key{m1, n1}, Key{m2, n2});
#define PC_IMPORT_MAPPING(m1, m2) m->imports.emplace(m1, m2);
#include "harness/pickle/compat_names.inc"
#undef PC_NAME_MAPPING
#undef PC_IMPORT_MAPPING
    return m;
  }();
  return *mapping;
}

const Mapping& Py3ToPy2() {
  static const Mapping* mapping = [] {
    auto* m = new Mapping();
#define PC_REVERSE_NAME_MAPPING(m1, n1, m2, n2) m->names.emplace(Key{m1, n1}, Key{m2, n2});
#define PC_REVERSE_IMPORT_MAPPING(m1, m2) m->imports.emplace(m1, m2);
#include "harness/pickle/compat_names.inc"
#undef PC_REVERSE_NAME_MAPPING
#undef PC_REVERSE_IMPORT_MAPPING
    return m;
  }();
  return *mapping;
}

}  // namespace

GlobalName MapPy2Global(std::string_view module, std::string_view name) {
  return Py2ToPy3().Apply(module, name);
}

GlobalName MapPy3Global(std::string_view module, std::string_view name) {
  return Py3ToPy2().Apply(module, name);
}

}  // namespace picklecheck
