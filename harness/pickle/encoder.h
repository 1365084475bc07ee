// The reference encoder: value graph -> pickle bytes, byte for byte what
// CPython 3.11's C pickler (`pickle.dumps(obj, protocol)`) writes for the
// Python object graph the value stands for (canonical.md).
//
//   picklecheck::EncodeOptions options;
//   options.protocol = 2;
//   picklecheck::Result<std::string> bytes = picklecheck::Encode(doc.root(), options);
//
//   // Out-of-band buffers (pickle.dumps(obj, 5, buffer_callback=list.append)):
//   options.protocol = 5;
//   options.out_of_band = true;
//   picklecheck::Encoded out;
//   picklecheck::EncodeError why;
//   if (!picklecheck::EncodeTo(doc.root(), options, out, &why).ok())
//     std::cerr << picklecheck::Describe(why) << "\n";
//   // out.pickle, out.buffers (decode with DecodeOptions::buffers = out.buffers)
//
// What is reproduced (cpython-pickler.md has the measured facts):
// * Every opcode choice of `_pickle.c` save(): ints, floats (repr at p0),
//   str (raw-unicode-escape with five \u escapes at p0), bytes and bytearray
//   below protocols 3 and 5 (`_codecs.encode(str, 'latin1')`, `bytes()`,
//   `bytearray(bytes)` reductions), sets below p4 (`set([...])`), tuples
//   (TUPLE1-3, recursive tuples through POP/POP_MARK + GET), complex
//   (`complex(re, im)`), `object()` (NEWOBJ, or `copyreg._reconstructor`
//   below p2), globals (GLOBAL with the reverse fix_imports mapping below p3,
//   `getattr(parent, name)` for dotted names below p4, STACK_GLOBAL at p4+).
// * The memo: exactly the objects CPython memoizes, keyed by identity. A node
//   is one object; in addition CPython's singletons are one object by
//   content (the empty str and the one-character strs below U+0100, b""),
//   a global is one object per (module, name), the `_codecs.encode`,
//   `'latin1'`, `copyreg.__newobj__`, ... objects of the reductions are one
//   object per pickle. At protocol 4+ STACK_GLOBAL writes `obj.__module__`:
//   the safe built-in types share CPython's one interned 'builtins' (so
//   `[set, frozenset]` reads it back with BINGET), every other global has
//   a module str of its own (a stub class gets its __module__ from its
//   namespace dict: `[@mod:A, @mod:B]` writes 'mod' twice, as the oracle's
//   CPython dump does; one-character module names are singletons anyway).
// * Batching: APPENDS/SETITEMS/ADDITEMS chunks of 1000 with the C pickler's
//   special cases (one-item list/dict without MARK, the empty trailing chunk
//   of dicts and sets whose size is a multiple of 1000, the iterator form of
//   save_reduce's listitems/dictitems where a one-item chunk is a bare
//   APPEND/SETITEM), protocol 0 one item at a time.
// * Framing at protocol 4+: a frame is committed when it holds >= 64 KiB at
//   the start of a save, frames of < 4 bytes lose their header, and str,
//   bytes, bytearray and in-band buffer payloads of >= 64 KiB are written
//   unframed.
// * Symbolic objects (canonical.md section 3) are written as CPython writes
//   an instance whose __reduce_ex__ returns the operations that rebuild it:
//     new(C, args)          (copyreg.__newobj__, (C,)+args, state, listitems, dictitems)
//                           NEWOBJ at p2+, `copy_reg.__newobj__` REDUCE below
//     new(C, args, kwargs)  (copyreg.__newobj_ex__, (C, args, kwargs), ...)
//                           NEWOBJ_EX at p4+; at p2-3 CPython's
//                           `functools.partial(object.__new__, C, *args, **kwargs)`
//                           REDUCE (C's __new__ is taken to be object.__new__,
//                           written `getattr(object, '__new__')`, one object
//                           shared by every such partial); at p0-1 a
//                           `copy_reg.__newobj_ex__` REDUCE
//     C(args) / call(f, args)  (C, args, ...) REDUCE
//     persid(pid)           PERSID str(pid) at p0, pid + BINPERSID at p1+
//   The op log must read `.append`* `.setitem`* `.build`? (save_reduce's
//   order: listitems, dictitems, state), and a build's state must not be
//   None (save_reduce writes no BUILD for a None state).
// * RecursionError: CPython's save() counts nesting (each container or
//   reduction 1, list and dict batching 1 more) against the interpreter's
//   recursion limit; `max_depth` is that budget (999 for a `pickle.dumps`
//   called at module level with the default limit of 1000). A pickler with
//   a Python-level persistent_id also calls it (one more level) at every
//   save: `save_call_depth` = 1 models that (the oracle's dump runs with
//   max_depth 997, save_call_depth 1).
//
// Not reproduced: set and frozenset element order is the value's insertion
// order unless `set_order` asks for CPython's hash order (which exists only
// for hashes CPython computes deterministically). See encoder.cc for the
// remaining deliberate choices.
#ifndef PICKLECHECK_HARNESS_PICKLE_ENCODER_H_
#define PICKLECHECK_HARNESS_PICKLE_ENCODER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "harness/pickle/decoder.h"
#include "harness/pickle/error.h"
#include "harness/pickle/value.h"

namespace picklecheck {

// Element order of sets and frozensets in the output.
enum class SetOrder : uint8_t {
  // The value's insertion order (a decoded set: the order of the pickle it
  // came from). Byte identity with CPython holds "set order aside".
  kInsertion,
  // CPython 3.11's iteration order of a set built by inserting the elements
  // in insertion order (which is how the unpickler builds it), computed from
  // CPython's hash functions and set table: for sets whose elements are
  // ints, bools, non-NaN floats, complex, str, bytes, and tuples and
  // frozensets of these. str and bytes hash as with PYTHONHASHSEED=0. Sets
  // holding anything else (None and NaN hash by address in 3.11; objects,
  // globals) keep insertion order.
  kCPythonSeed0,
};

struct EncodeOptions {
  // 0-5; negative means the highest protocol (5), as in pickle.dumps.
  int protocol = 4;  // pickle.DEFAULT_PROTOCOL
  bool fix_imports = true;
  // buffer_callback mode (protocol 5): every buffer() value is written
  // out-of-band (NEXT_BUFFER, + READONLY_BUFFER when read-only), not
  // memoized, and appended to Encoded::buffers, as CPython does with a
  // callback that returns a false value (e.g. list.append).
  bool out_of_band = false;
  SetOrder set_order = SetOrder::kInsertion;
  // Nesting budget of CPython's recursion check (see above); 0 = unlimited.
  uint32_t max_depth = 999;
  // Extra nesting every save() needs for a moment (a Python persistent_id).
  uint32_t save_call_depth = 0;
};

// Why an encode failed, in CPython's terms.
enum class EncodeErrorCode : uint8_t {
  kBadProtocol,         ///< ValueError: pickle protocol must be <= 5
  kBufferNeedsP5,       ///< PicklingError: PickleBuffer can only pickled with protocol >= 5
  kBufferCallbackNeedsP5,  ///< ValueError: buffer_callback needs protocol >= 5 (out_of_band below 5)
  kMemoryView,          ///< TypeError: cannot pickle 'memoryview' object
  kIntDigits,           ///< ValueError: int repr exceeds 4300 digits (LONG text, p0-1)
  kIntTooLarge,         ///< OverflowError: int too large to pickle
  kTooLargeFor4GiB,     ///< OverflowError: str/bytes > 4 GiB requires protocol 4
  kNonAsciiName,        ///< PicklingError: can't pickle module/global identifier (p0-2 ASCII, p3 UTF-8)
  kLocalObject,         ///< AttributeError: Can't pickle local object ('<locals>' in a name)
  kImportFailed,        ///< PicklingError: import of module '' failed (a global with an empty module)
  kRecursion,           ///< RecursionError: maximum recursion depth exceeded while pickling an object
  kPersIdNotAscii,      ///< PicklingError: persistent IDs in protocol 0 must be ASCII strings
  kPersIdNone,          ///< persid(None): a persistent_id of None means "not persistent"
  kPersIdForm,          ///< persid with recorded ops, a persid pid, or a p0 pid whose repr() is not modelled
  kOpsOrder,            ///< op log not in save_reduce order (.append* .setitem* .build?), or .add
  kNotCallable,         ///< PicklingError: first item of the tuple returned by __reduce__ must be callable
  kNewObjNotType,       ///< PicklingError: args[0] from __newobj__ args is not a type (p2+)
  kNewObjWrongClass,    ///< PicklingError: args[0] from __newobj__ args has the wrong class
  kNewObjEmpty,         ///< PicklingError: __newobj__ arglist is empty
  kNewObjExArgs,        ///< PicklingError: bad NEWOBJ_EX argument tuple
  kHole,                ///< an empty memo hole (Kind::kEmpty) in the graph
};

struct EncodeError {
  EncodeErrorCode code = EncodeErrorCode::kHole;
  // kind: kRecursionLimit, kIntDigitLimit or kUnsupportedProtocol where
  // error.h has the CPython kind, else kUnsupportedForm (proposed kinds are
  // in the encoder's report). offset: output bytes written when it failed.
  // detail: the lowest protocol that can carry the value, or 0xff if none.
  Error error;
  int min_protocol = -1;   // as error.detail, -1 for none
  std::string exception;   // "PicklingError", "TypeError", ...
  std::string message;     // CPython's message where it has one
  std::string path;        // where: "$[2]{0:value}.state"
  std::string value;       // kind and the start of the value's canonical text
};

// "PicklingError at $[2]: PickleBuffer can only pickled with protocol >= 5
// (value: buffer(0, b"ab")) [protocol >= 5]"
std::string Describe(const EncodeError& error);

struct Encoded {
  std::string pickle;
  std::vector<OobBuffer> buffers;  // out_of_band mode: in NEXT_BUFFER order
};

// Encodes `root`. On failure returns the Error and, when `error` is given,
// fills it. `out` is cleared first; the capacity of `out.pickle` is reused,
// so encoding again into the same Encoded does not regrow the buffer.
[[nodiscard]] Status EncodeTo(const Value& root, const EncodeOptions& options, Encoded& out,
                              EncodeError* error = nullptr);

// pickle.dumps(root, options.protocol, fix_imports=...). With out_of_band
// set, the buffers are dropped; use EncodeTo to get them.
[[nodiscard]] Result<std::string> Encode(const Value& root, const EncodeOptions& options = {});

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_PICKLE_ENCODER_H_
