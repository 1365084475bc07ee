// Names worth knowing when fuzzing pickles, shared by the opcode-aware
// mutator (pickle_mutator.cc) and the dictionary generator (dict_gen.cc), so
// the two never disagree about which globals matter.
//
//   for (const GlobalName& g : kGlobals) ... "c" + g.module + "\n" + g.name + "\n"
//
// The first block is the decoder's safe policy (canonical.md section 4) and
// the Python 2 names that reach it through _compat_pickle at protocols 0-2;
// the rest are stubs the policy must treat as inert, and odd names.
#ifndef PICKLECHECK_HARNESS_FUZZ_PICKLE_TOKENS_H_
#define PICKLECHECK_HARNESS_FUZZ_PICKLE_TOKENS_H_

#include <array>
#include <string_view>

namespace picklecheck::fuzz {

struct GlobalName {
  std::string_view module;
  std::string_view name;
};

inline constexpr std::array<GlobalName, 24> kGlobals = {{
    // Resolved by the safe policy.
    {"builtins", "set"},
    {"builtins", "frozenset"},
    {"builtins", "bytearray"},
    {"builtins", "bytes"},
    {"builtins", "complex"},
    {"builtins", "object"},
    {"_codecs", "encode"},
    {"copyreg", "_reconstructor"},
    // Python 2 spellings mapped by fix_imports below protocol 3.
    {"__builtin__", "set"},
    {"__builtin__", "frozenset"},
    {"__builtin__", "bytearray"},
    {"__builtin__", "object"},
    {"__builtin__", "unicode"},
    {"copy_reg", "_reconstructor"},
    {"exceptions", "ValueError"},
    {"UserDict", "UserDict"},
    // Stubs: the policy must never resolve these.
    {"collections", "OrderedDict"},
    {"datetime", "datetime"},
    {"builtins", "getattr"},
    {"builtins", "str"},
    {"copyreg", "__newobj__"},
    {"os", "system"},
    // Odd names.
    {"", ""},
    {"a.b", "c.d"},
}};

}  // namespace picklecheck::fuzz

#endif  // PICKLECHECK_HARNESS_FUZZ_PICKLE_TOKENS_H_
