// The Python object semantics the unpickler invokes, over the value model:
// find_class under the safe policy, calls (REDUCE, INST, OBJ), cls.__new__
// (NEWOBJ, NEWOBJ_EX), and the mutations APPEND(S), SETITEM(S), ADDITEMS and
// BUILD apply to objects other than the fast-path list/dict/set.
//
// Stub classes and instances record what is done to them (canonical.md
// section 3); the safe built-ins (section 4) compute CPython's result for
// the forms modelled here and return kUnsupportedForm otherwise.
//
// Errors carry kind, Python type and detail; the decoder stamps the offset.
#ifndef PICKLECHECK_HARNESS_PICKLE_SEMANTICS_H_
#define PICKLECHECK_HARNESS_PICKLE_SEMANTICS_H_

#include <functional>
#include <span>
#include <string_view>

#include "harness/pickle/error.h"
#include "harness/pickle/limits.h"
#include "harness/pickle/value.h"

namespace picklecheck::internal {

class Semantics {
 public:
  Semantics(Document& doc, const Limits& limits, uint64_t input_size);

  // find_class(module, name): `map_names` applies _compat_pickle's
  // NAME_MAPPING/IMPORT_MAPPING (protocol < 3 and fix_imports).
  Value FindClass(std::string_view module, std::string_view name, bool map_names);

  // callable(*args) (REDUCE after its tuple check; INST/OBJ with arguments).
  Result<Value> Call(Value callable, std::span<const Value> args);
  // cls.__new__(cls, *args, **kwargs) for a type `cls` (NEWOBJ, NEWOBJ_EX).
  Result<Value> New(Value cls, std::span<const Value> args, std::span<const DictEntry> kwargs);
  // _pickle.c instantiate(): INST and OBJ.
  Result<Value> Instantiate(Value cls, std::span<const Value> args);

  // do_append for a target that is not an exact list (at least one item).
  Status Append(Value target, std::span<const Value> items);
  // do_setitems for a target that is not a dict; `pairs` alternates key, value.
  Status SetItems(Value target, std::span<const Value> pairs);
  // load_additems for a target that is not a set (at least one item).
  Status AddItems(Value target, std::span<const Value> items);
  // load_build.
  Status Build(Value inst, Value state);

  // Budget check for allocations a built-in call makes.
  Status Reserve(uint64_t bytes);

 private:
  Result<Value> CallBuiltin(Builtin b, std::span<const Value> args,
                            std::span<const DictEntry> kwargs, bool via_new);
  Result<Value> CallSet(bool frozen, std::span<const Value> args,
                        std::span<const DictEntry> kwargs);
  Result<Value> CallBytes(bool bytearray, std::span<const Value> args,
                          std::span<const DictEntry> kwargs);
  Result<Value> CallComplex(std::span<const Value> args, std::span<const DictEntry> kwargs);
  Result<Value> CallEncode(std::span<const Value> args, std::span<const DictEntry> kwargs);
  Result<Value> CallReconstructor(std::span<const Value> args,
                                  std::span<const DictEntry> kwargs);
  Status ForEachItem(Value iterable, const std::function<Status(Value)>& fn);

  Document& doc_;
  Limits limits_;
  uint64_t budget_;
};

}  // namespace picklecheck::internal

#endif  // PICKLECHECK_HARNESS_PICKLE_SEMANTICS_H_
