// CPython's Python 2 <-> 3 names of globals (Lib/_compat_pickle.py), as the
// unpickler's find_class and the pickler's save_global apply them below
// protocol 3 when fix_imports is true: the (module, name) pair is looked up
// in the name table first; if absent, the module alone in the import table.
//
//   GlobalName n = MapPy2Global("__builtin__", "unicode");   // builtins, str
//   GlobalName m = MapPy3Global("builtins", "str");          // __builtin__, unicode
//
// The tables are compat_names.inc, generated from CPython by
// scripts/gen_compat_names.py; the returned views point into them or into
// the arguments.
#ifndef PICKLECHECK_HARNESS_PICKLE_COMPAT_NAMES_H_
#define PICKLECHECK_HARNESS_PICKLE_COMPAT_NAMES_H_

#include <string_view>

namespace picklecheck {

struct GlobalName {
  std::string_view module;
  std::string_view name;
};

// find_class: NAME_MAPPING, then IMPORT_MAPPING.
GlobalName MapPy2Global(std::string_view module, std::string_view name);
// save_global: REVERSE_NAME_MAPPING, then REVERSE_IMPORT_MAPPING.
GlobalName MapPy3Global(std::string_view module, std::string_view name);

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_PICKLE_COMPAT_NAMES_H_
