#include "harness/pickle/semantics.h"

#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "harness/pickle/compat_names.h"
#include "harness/pickle/pycodecs.h"

namespace picklecheck::internal {
namespace {

Error Err(ErrorKind kind, PyTypeName type = PyTypeName::kUnknown, uint64_t detail = 0,
          uint8_t sub = 0) {
  Error e;
  e.kind = kind;
  e.type = type;
  e.detail = detail;
  e.sub = sub;
  return e;
}

Error Unsupported() { return Err(ErrorKind::kUnsupportedForm); }
Error CallType(PyTypeName t = PyTypeName::kUnknown, uint8_t sub = 0) {
  return Err(ErrorKind::kCallTypeError, t, 0, sub);
}

// Which attribute a failed lookup named, for AttributeError messages.
enum AttrName : uint8_t { kAttrAppend = 0, kAttrAdd = 1, kAttrDict = 2, kAttrOther = 3 };


bool IsStubClass(const Value& v) {
  return v.is(Kind::kGlobal) && v.global()->builtin == Builtin::kNone;
}

bool IsIntLike(const Value& v) {
  return v.is(Kind::kInt) || v.is(Kind::kBool) || v.is(Kind::kBigInt);
}

// PyNumber_AsSsize_t-style: int64 of an int/bool, `fits` false for big ints.
int64_t AsInt64(const Value& v, bool& fits) {
  fits = true;
  if (v.is(Kind::kBool)) return v.boolean() ? 1 : 0;
  if (v.is(Kind::kInt)) return v.int64();
  fits = false;
  return 0;
}

bool IsStrKey(const DictEntry& e) { return e.key.is(Kind::kStr); }

// Argument Clinic's `str` converter, applied to args[1..] in order (the
// encoding and errors of bytes(), bytearray() and _codecs.encode()): each
// must be a str (TypeError), encodable as UTF-8 (a lone surrogate:
// UnicodeEncodeError, before the NUL check: bytes('a', '\udcff\0')) and,
// being a C string, without NUL (ValueError: embedded null character). One
// argument is checked fully before the next: bytes('a', 'x\0', 5) is the
// ValueError.
Status CheckCStringArgs(std::span<const Value> args) {
  for (size_t i = 1; i < args.size(); ++i) {
    if (!args[i].is(Kind::kStr)) return CallType(PyTypeOf(args[i]));
    std::string_view text = args[i].str()->text.sv();
    std::string utf8;
    pycodecs::CodecError cerr;
    if (!pycodecs::EncodeUtf8(text, utf8, cerr)) {
      return Err(ErrorKind::kUnicodeEncode, PyTypeName::kUnknown, cerr.start);
    }
    if (text.find('\0') != std::string_view::npos) return Err(ErrorKind::kCallValueError);
  }
  return {};
}

}  // namespace

Semantics::Semantics(Document& doc, const Limits& limits, uint64_t input_size)
    : doc_(doc), limits_(limits), budget_(limits.alloc_base + limits.alloc_factor * input_size) {}

Status Semantics::Reserve(uint64_t bytes) {
  if (bytes > budget_) return Err(ErrorKind::kLimitExceeded, PyTypeName::kUnknown, bytes);
  budget_ -= bytes;
  return Status::Ok();
}

Value Semantics::FindClass(std::string_view module, std::string_view name, bool map_names) {
  if (map_names) {
    GlobalName mapped = MapPy2Global(module, name);
    module = mapped.module;
    name = mapped.name;
  }
  return doc_.Global(module, name, SafeBuiltin(module, name));
}

// ---- iteration over built-in iterables ------------------------------------------

// iter(x) for the kinds that are iterable in CPython: str yields one-character
// strs, bytes/bytearray yield ints, dicts their keys, sets their (insertion
// ordered) elements. Set iteration order is CPython's hash order, which this
// model does not reproduce, so callers that build ordered results from a set
// report UnsupportedForm.
Status Semantics::ForEachItem(Value it, const std::function<Status(Value)>& fn) {
  switch (it.kind()) {
    case Kind::kList:
      for (size_t i = 0; i < it.list()->items.size; ++i) PC_RETURN_IF_ERROR(fn(it.list()->items[i]));
      return Status::Ok();
    case Kind::kTuple:
      for (const Value& v : it.tuple()->span()) PC_RETURN_IF_ERROR(fn(v));
      return Status::Ok();
    case Kind::kDict:
      for (const DictEntry& e : it.dict()->entries) PC_RETURN_IF_ERROR(fn(e.key));
      return Status::Ok();
    case Kind::kSet:
    case Kind::kFrozenSet:
      for (const SetEntry& e : it.set()->entries) PC_RETURN_IF_ERROR(fn(e.key));
      return Status::Ok();
    case Kind::kStr: {
      std::string_view s = it.str()->text.sv();
      size_t i = 0;
      while (i < s.size()) {
        size_t start = i;
        pycodecs::NextCodePoint(s, i);
        PC_RETURN_IF_ERROR(fn(doc_.NewStr(s.substr(start, i - start))));
      }
      return Status::Ok();
    }
    case Kind::kBytes:
      for (char c : it.bytes()->bytes.sv()) PC_RETURN_IF_ERROR(fn(Value::Int(static_cast<uint8_t>(c))));
      return Status::Ok();
    case Kind::kByteArray:
      for (uint8_t c : it.bytearray()->bytes) PC_RETURN_IF_ERROR(fn(Value::Int(c)));
      return Status::Ok();
    case Kind::kReadOnlyView:
    case Kind::kBuffer:
      return Unsupported();
    case Kind::kNone:
    case Kind::kBool:
    case Kind::kInt:
    case Kind::kFloat:
    case Kind::kBigInt:
    case Kind::kNaN:
    case Kind::kComplex:
    case Kind::kGlobal:
    case Kind::kObject:
    case Kind::kPlainObject:
    case Kind::kEmpty:
      // TypeError: 'int' object is not iterable
      return CallType(PyTypeOf(it), /*sub=*/1);
  }
  return Unsupported();
}

// ---- calls ------------------------------------------------------------------------

Result<Value> Semantics::Call(Value callable, std::span<const Value> args) {
  switch (callable.kind()) {
    case Kind::kGlobal: {
      Builtin b = callable.global()->builtin;
      if (b != Builtin::kNone) return CallBuiltin(b, args, {}, /*via_new=*/false);
      // A stub class called: __new__ then __init__ with the same arguments.
      Value obj = doc_.NewObject(CtorKind::kCall, callable);
      obj.object()->args.Append(doc_.arena(), args.data(), args.size());
      return obj;
    }
    case Kind::kObject: {
      // A stub instance called returns a new stub recording (callee, args).
      Value obj = doc_.NewObject(CtorKind::kCall, callable);
      obj.object()->args.Append(doc_.arena(), args.data(), args.size());
      return obj;
    }
    default:
      return Err(ErrorKind::kNotCallable, PyTypeOf(callable));
  }
}

Result<Value> Semantics::New(Value cls, std::span<const Value> args,
                             std::span<const DictEntry> kwargs) {
  Builtin b = cls.global()->builtin;
  if (b != Builtin::kNone) return CallBuiltin(b, args, kwargs, /*via_new=*/true);
  // Calling a Python __new__ with **kwargs requires str keys.
  for (const DictEntry& e : kwargs) {
    if (!IsStrKey(e)) return Err(ErrorKind::kKeywordsNotStrings);
  }
  Value obj = doc_.NewObject(CtorKind::kNew, cls);
  obj.object()->args.Append(doc_.arena(), args.data(), args.size());
  obj.object()->kwargs.Append(doc_.arena(), kwargs.data(), kwargs.size());
  return obj;
}

// _pickle.c instantiate(): a type with no arguments (and no
// __getinitargs__, which no stub or safe built-in has) gets cls.__new__(cls);
// everything else is called.
Result<Value> Semantics::Instantiate(Value cls, std::span<const Value> args) {
  if (args.empty() && cls.is(Kind::kGlobal)) {
    Builtin b = cls.global()->builtin;
    if (b != Builtin::kCodecsEncode && b != Builtin::kReconstructor) return New(cls, {}, {});
  }
  return Call(cls, args);
}

Result<Value> Semantics::CallBuiltin(Builtin b, std::span<const Value> args,
                                     std::span<const DictEntry> kwargs, bool via_new) {
  switch (b) {
    case Builtin::kSet:
      // set.__new__ ignores its arguments, keywords included (set.__init__
      // fills the set and checks them): NEWOBJ_EX(set, (1,), {0: 1}) is set().
      if (via_new) return doc_.NewSet();
      return CallSet(false, args, kwargs);
    case Builtin::kFrozenSet:
      return CallSet(true, args, kwargs);
    case Builtin::kByteArray:
      // bytearray.__new__ is PyType_GenericNew: an empty bytearray whatever
      // the arguments.
      if (via_new) return doc_.NewByteArray({});
      return CallBytes(true, args, kwargs);
    case Builtin::kBytes:
      return CallBytes(false, args, kwargs);
    case Builtin::kComplex:
      return CallComplex(args, kwargs);
    case Builtin::kObject:
      // object() takes no arguments.
      if (!args.empty() || !kwargs.empty()) return CallType(PyTypeName::kObject, /*sub=*/2);
      return doc_.NewPlainObject();
    case Builtin::kCodecsEncode:
      return CallEncode(args, kwargs);
    case Builtin::kReconstructor:
      return CallReconstructor(args, kwargs);
    case Builtin::kNone:
      break;
  }
  return Unsupported();
}

Result<Value> Semantics::CallSet(bool frozen, std::span<const Value> args,
                                 std::span<const DictEntry> kwargs) {
  if (!kwargs.empty()) return CallType();
  if (args.size() > 1) return CallType();
  Value out = frozen ? doc_.NewFrozenSet() : doc_.NewSet();
  if (args.empty()) return out;
  Value it = args[0];
  // frozenset(x) of an exact frozenset returns x itself.
  if (frozen && it.is(Kind::kFrozenSet)) return it;
  PC_RETURN_IF_ERROR(ForEachItem(it, [&](Value item) { return SetAdd(doc_.arena(), out.set(), item); }));
  return out;
}

// bytes(...) and bytearray(...) for the argument forms pickles use: none, an
// int count, a bytes-like object, an iterable of ints, or (str, encoding
// [, errors]).
Result<Value> Semantics::CallBytes(bool bytearray, std::span<const Value> args,
                                   std::span<const DictEntry> kwargs) {
  if (!kwargs.empty()) return Unsupported();
  if (args.size() > 3) return CallType();
  if (args.empty()) return bytearray ? doc_.NewByteArray({}) : doc_.NewBytes({});
  Value src = args[0];
  if (args.size() >= 2) {
    // Argument parsing first; only then "encoding without a string argument".
    PC_RETURN_IF_ERROR(CheckCStringArgs(args));
    if (!src.is(Kind::kStr)) return CallType();  // encoding without a string argument
    std::string out;
    pycodecs::CodecError cerr;
    bool ok = false;
    switch (pycodecs::ParseEncoding(args[1].str()->text.sv())) {
      case pycodecs::Encoding::kAscii: ok = pycodecs::EncodeAscii(src.str()->text.sv(), out, cerr); break;
      case pycodecs::Encoding::kLatin1: ok = pycodecs::EncodeLatin1(src.str()->text.sv(), out, cerr); break;
      case pycodecs::Encoding::kUtf8: ok = pycodecs::EncodeUtf8(src.str()->text.sv(), out, cerr); break;
      case pycodecs::Encoding::kUnknown:
      case pycodecs::Encoding::kBytes: return Err(ErrorKind::kUnknownEncoding);
      case pycodecs::Encoding::kCharmap:
      case pycodecs::Encoding::kOther: return Unsupported();
    }
    if (!ok) {
      if (args.size() == 3 && args[2].str()->text.sv() != "strict") return Unsupported();
      return Err(ErrorKind::kUnicodeEncode, PyTypeName::kUnknown, cerr.start);
    }
    PC_RETURN_IF_ERROR(Reserve(out.size()));
    return bytearray ? doc_.NewByteArray(out) : doc_.NewBytesCached(out);
  }
  switch (src.kind()) {
    case Kind::kBytes:
      // bytes(b) of an exact bytes object returns b itself.
      if (!bytearray) return src;
      PC_RETURN_IF_ERROR(Reserve(src.bytes()->bytes.size));
      return doc_.NewByteArray(src.bytes()->bytes.sv());
    case Kind::kByteArray: {
      const auto& v = src.bytearray()->bytes;
      std::string_view sv(reinterpret_cast<const char*>(v.data), v.size);
      PC_RETURN_IF_ERROR(Reserve(sv.size()));
      // Copied through the buffer protocol: never the one-byte singletons.
      return bytearray ? doc_.NewByteArray(sv) : doc_.NewBytes(sv);
    }
    case Kind::kStr:
      return CallType(PyTypeName::kStr, /*sub=*/3);  // string argument without an encoding
    case Kind::kBool:
    case Kind::kInt: {
      bool fits;
      int64_t n = AsInt64(src, fits);
      if (n < 0) return Err(ErrorKind::kCallValueError);  // negative count
      PC_RETURN_IF_ERROR(Reserve(static_cast<uint64_t>(n)));
      std::string zeros(static_cast<size_t>(n), '\0');
      return bytearray ? doc_.NewByteArray(zeros) : doc_.NewBytes(zeros);
    }
    case Kind::kBigInt:
      // Beyond Py_ssize_t either way: "cannot fit 'int' into an index-sized
      // integer" (bytes(-10**19) and bytes(10**19) both raise OverflowError).
      return Err(ErrorKind::kIntTooLarge);
    case Kind::kList:
    case Kind::kTuple: {
      std::string out;
      PC_RETURN_IF_ERROR(ForEachItem(src, [&](Value item) -> Status {
        if (!IsIntLike(item)) return CallType(PyTypeOf(item), /*sub=*/4);
        bool fits;
        int64_t n = AsInt64(item, fits);
        if (!fits || n < 0 || n > 255) return Err(ErrorKind::kCallValueError);
        out.push_back(static_cast<char>(n));
        return Status::Ok();
      }));
      return bytearray ? doc_.NewByteArray(out) : doc_.NewBytesCached(out);
    }
    case Kind::kFloat:
    case Kind::kNaN:
    case Kind::kComplex:
    case Kind::kNone:
    case Kind::kGlobal:
    case Kind::kObject:
    case Kind::kPlainObject:
      return CallType(PyTypeOf(src), /*sub=*/1);
    case Kind::kDict:
    case Kind::kSet:
    case Kind::kFrozenSet:
    case Kind::kBuffer:
    case Kind::kReadOnlyView:
    case Kind::kEmpty:
      return Unsupported();
  }
  return Unsupported();
}

namespace {

// A real or complex operand of complex(): ints go through float().
struct ComplexArg {
  double real = 0.0;
  double imag = 0.0;
  bool is_complex = false;
};

Status ToComplexArg(const Value& v, ComplexArg& out) {
  switch (v.kind()) {
    case Kind::kBool: out.real = v.boolean() ? 1.0 : 0.0; return Status::Ok();
    case Kind::kInt: out.real = static_cast<double>(v.int64()); return Status::Ok();
    case Kind::kBigInt: {
      std::optional<double> d = v.bigint()->ToBigInt().ToDouble();
      if (!d) return Err(ErrorKind::kIntToFloatOverflow);
      out.real = *d;
      return Status::Ok();
    }
    case Kind::kFloat: out.real = v.float64(); return Status::Ok();
    case Kind::kNaN: out.real = v.nan()->value; return Status::Ok();
    case Kind::kComplex:
      out.real = v.complex()->real;
      out.imag = v.complex()->imag;
      out.is_complex = true;
      return Status::Ok();
    case Kind::kStr:
      return Unsupported();  // complex("1+2j"): string parsing is not modelled
    default:
      return CallType(PyTypeOf(v), /*sub=*/5);
  }
}

}  // namespace

// complex(real=0, imag=0), CPython 3.11 complex_new_impl arithmetic.
Result<Value> Semantics::CallComplex(std::span<const Value> args, std::span<const DictEntry> kwargs) {
  if (!kwargs.empty()) return Unsupported();
  if (args.size() > 2) return CallType();
  if (args.empty()) return doc_.NewComplex(0.0, 0.0);
  // complex(c) of an exact complex returns c itself.
  if (args.size() == 1 && args[0].is(Kind::kComplex)) return args[0];
  if (args.size() == 2 && args[1].is(Kind::kStr)) return CallType(PyTypeName::kStr, /*sub=*/5);
  if (args.size() == 2 && args[0].is(Kind::kStr)) return CallType(PyTypeName::kStr, /*sub=*/5);
  ComplexArg r, i;
  PC_RETURN_IF_ERROR(ToComplexArg(args[0], r));
  double ci_real;
  bool ci_complex = false;
  double ci_imag = 0.0;
  if (args.size() == 1) {
    ci_real = r.imag;
  } else {
    PC_RETURN_IF_ERROR(ToComplexArg(args[1], i));
    ci_real = i.real;
    ci_imag = i.imag;
    ci_complex = i.is_complex;
  }
  double cr_real = r.real;
  if (ci_complex) cr_real -= ci_imag;
  if (r.is_complex && args.size() == 2) ci_real += r.imag;
  return doc_.NewComplex(cr_real, ci_real);
}

// _codecs.encode(obj, encoding='utf-8', errors='strict').
Result<Value> Semantics::CallEncode(std::span<const Value> args, std::span<const DictEntry> kwargs) {
  if (!kwargs.empty()) return Unsupported();
  if (args.empty() || args.size() > 3) return CallType();
  PC_RETURN_IF_ERROR(CheckCStringArgs(args));
  std::string_view encoding = args.size() >= 2 ? args[1].str()->text.sv() : "utf-8";
  pycodecs::Encoding enc = pycodecs::ParseEncoding(encoding);
  if (enc == pycodecs::Encoding::kUnknown || enc == pycodecs::Encoding::kBytes) {
    return Err(ErrorKind::kUnknownEncoding);
  }
  if (enc == pycodecs::Encoding::kOther || enc == pycodecs::Encoding::kCharmap) return Unsupported();
  // A text encoding's encoder takes only str: codecs.encode(b"x", "latin1")
  // raises TypeError.
  if (!args[0].is(Kind::kStr)) return CallType(PyTypeOf(args[0]));
  std::string out;
  pycodecs::CodecError cerr;
  std::string_view text = args[0].str()->text.sv();
  bool ok = enc == pycodecs::Encoding::kAscii    ? pycodecs::EncodeAscii(text, out, cerr)
            : enc == pycodecs::Encoding::kLatin1 ? pycodecs::EncodeLatin1(text, out, cerr)
                                                 : pycodecs::EncodeUtf8(text, out, cerr);
  if (!ok) {
    if (args.size() == 3 && args[2].str()->text.sv() != "strict") return Unsupported();
    return Err(ErrorKind::kUnicodeEncode, PyTypeName::kUnknown, cerr.start);
  }
  // The encoders return PyBytes_FromStringAndSize(data, n): the b"" and
  // one-byte singletons included.
  return doc_.NewBytesCached(out);
}

// copyreg._reconstructor(cls, base, state):
//   base is object  -> object.__new__(cls)
//   else            -> obj = base.__new__(cls, state); base.__init__(obj, state)
Result<Value> Semantics::CallReconstructor(std::span<const Value> args,
                                           std::span<const DictEntry> kwargs) {
  if (!kwargs.empty()) return Unsupported();
  if (args.size() != 3) return CallType();
  Value cls = args[0];
  Value base = args[1];
  if (base.is(Kind::kGlobal) && base.global()->builtin == Builtin::kObject) {
    if (IsStubClass(cls)) return doc_.NewObject(CtorKind::kNew, cls);
    if (cls.is(Kind::kGlobal) && cls.global()->builtin == Builtin::kObject) return doc_.NewPlainObject();
    // object.__new__(set) is not safe; object.__new__(x) needs a type.
    return CallType(PyTypeOf(cls));
  }
  if (IsStubClass(base) && IsStubClass(cls)) {
    // The stub __new__ records (state,), and the stub __init__ runs: exactly
    // what calling cls(state) records.
    Value obj = doc_.NewObject(CtorKind::kCall, cls);
    obj.object()->args.Push(doc_.arena(), args[2]);
    return obj;
  }
  if (base.is(Kind::kGlobal) && base.global()->builtin != Builtin::kNone &&
      base.global()->builtin != Builtin::kCodecsEncode && base.global()->builtin != Builtin::kReconstructor) {
    // base.__new__(cls, state) needs cls to be base itself here (no subtypes
    // of the safe built-ins exist): "set.__new__(A): A is not a subtype of
    // set" otherwise. With cls == base, __new__ followed by __init__ (set,
    // bytearray) or __new__ alone (frozenset, bytes, complex) is base(state).
    if (!cls.Is(base)) return CallType(PyTypeOf(cls));
    Value state = args[2];
    return CallBuiltin(base.global()->builtin, std::span<const Value>(&state, 1), {}, /*via_new=*/false);
  }
  return Unsupported();
}

// ---- mutations ----------------------------------------------------------------------

// do_append, target not a list: extend(items) if the object has `extend`,
// else append(item) per item.
Status Semantics::Append(Value target, std::span<const Value> items) {
  switch (target.kind()) {
    case Kind::kObject:
      for (const Value& item : items) {
        target.object()->ops.Push(doc_.arena(), Op{OpKind::kAppend, item, Value::None()});
      }
      return Status::Ok();
    case Kind::kByteArray: {
      ArenaVec<uint8_t>& bytes = target.bytearray()->bytes;
      for (const Value& item : items) {
        if (!IsIntLike(item)) return CallType(PyTypeOf(item), /*sub=*/4);
        bool fits;
        int64_t n = AsInt64(item, fits);
        if (!fits || n < 0 || n > 255) return Err(ErrorKind::kCallValueError);
        bytes.Push(doc_.arena(), static_cast<uint8_t>(n));
      }
      return Status::Ok();
    }
    case Kind::kGlobal:
      switch (target.global()->builtin) {
        case Builtin::kNone:
          // The stub class's `extend` is a plain function: called unbound.
          return CallType(PyTypeName::kFunction);
        case Builtin::kByteArray:
          // bytearray.extend is a method descriptor called without self.
          return CallType(PyTypeName::kList);
        case Builtin::kSet:
        case Builtin::kFrozenSet:
        case Builtin::kBytes:
        case Builtin::kComplex:
        case Builtin::kObject:
        case Builtin::kCodecsEncode:
        case Builtin::kReconstructor:
          return Err(ErrorKind::kNoAttribute, PyTypeOf(target), 0, kAttrAppend);
      }
      return Unsupported();
    default:
      return Err(ErrorKind::kNoAttribute, PyTypeOf(target), 0, kAttrAppend);
  }
}

Status Semantics::SetItems(Value target, std::span<const Value> pairs) {
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
    Value key = pairs[i];
    Value value = pairs[i + 1];
    switch (target.kind()) {
      case Kind::kObject:
        target.object()->ops.Push(doc_.arena(), Op{OpKind::kSetItem, key, value});
        break;
      case Kind::kList:
      case Kind::kByteArray: {
        bool is_list = target.is(Kind::kList);
        if (!IsIntLike(key)) return Err(ErrorKind::kBadIndexType, PyTypeOf(key), 0, is_list ? 0 : 1);
        bool fits;
        int64_t idx = AsInt64(key, fits);
        auto len = static_cast<int64_t>(is_list ? target.list()->items.size
                                                : target.bytearray()->bytes.size);
        if (!fits) return Err(ErrorKind::kIndexOutOfRange, PyTypeName::kInt, 0, 2);
        // bytearray_ass_subscript converts the value before the bounds check
        // (CPython 3.11, GH-91153): ba[10**9] = 300 is ValueError.
        int64_t byte = 0;
        if (!is_list) {
          if (!IsIntLike(value)) return CallType(PyTypeOf(value), /*sub=*/4);
          bool byte_fits;
          byte = AsInt64(value, byte_fits);
          if (!byte_fits || byte < 0 || byte > 255) return Err(ErrorKind::kCallValueError);
        }
        if (idx < 0) idx += len;
        if (idx < 0 || idx >= len) {
          return Err(ErrorKind::kIndexOutOfRange, PyTypeName::kUnknown, 0, is_list ? 0 : 1);
        }
        if (is_list) {
          target.list()->items[static_cast<size_t>(idx)] = value;
        } else {
          target.bytearray()->bytes[static_cast<size_t>(idx)] = static_cast<uint8_t>(byte);
        }
        break;
      }
      case Kind::kStr:
      case Kind::kBytes:
      case Kind::kTuple:
      case Kind::kSet:
      case Kind::kFrozenSet:
        // PyObject_SetItem on a sequence type without item assignment: an
        // index key is converted first (a huge int is IndexError "cannot fit
        // 'int' into an index-sized integer"), then the assignment fails.
        if (key.is(Kind::kBigInt)) return Err(ErrorKind::kIndexOutOfRange, PyTypeName::kInt, 0, 2);
        return Err(ErrorKind::kNoItemAssignment, PyTypeOf(target));
      case Kind::kReadOnlyView:
        return Err(ErrorKind::kNoItemAssignment, PyTypeName::kMemoryView, 0, 1);
      case Kind::kGlobal:
        // A class object: type(cls) is `type`, which has no __setitem__.
        return Err(ErrorKind::kNoItemAssignment,
                   target.global()->builtin == Builtin::kReconstructor    ? PyTypeName::kFunction
                   : target.global()->builtin == Builtin::kCodecsEncode ? PyTypeName::kBuiltinFunction
                                                                         : PyTypeName::kType);
      default:
        return Err(ErrorKind::kNoItemAssignment, PyTypeOf(target));
    }
  }
  return Status::Ok();
}

Status Semantics::AddItems(Value target, std::span<const Value> items) {
  switch (target.kind()) {
    case Kind::kObject:
      for (const Value& item : items) {
        target.object()->ops.Push(doc_.arena(), Op{OpKind::kAdd, item, Value::None()});
      }
      return Status::Ok();
    case Kind::kGlobal:
      switch (target.global()->builtin) {
        case Builtin::kNone:
          return CallType(PyTypeName::kFunction);  // unbound stub `add`
        case Builtin::kSet:
          return CallType(PyTypeOf(items[0]));     // set.add called without self
        case Builtin::kFrozenSet:
        case Builtin::kByteArray:
        case Builtin::kBytes:
        case Builtin::kComplex:
        case Builtin::kObject:
        case Builtin::kCodecsEncode:
        case Builtin::kReconstructor:
          return Err(ErrorKind::kNoAttribute, PyTypeOf(target), 0, kAttrAdd);
      }
      return Unsupported();
    default:
      return Err(ErrorKind::kNoAttribute, PyTypeOf(target), 0, kAttrAdd);
  }
}

// load_build: __setstate__ if the object has one (stub instances), else the
// default: a 2-tuple is (state, slotstate); a non-None state must be a dict
// stored into inst.__dict__; a non-None slotstate must be a dict applied
// with setattr.
Status Semantics::Build(Value inst, Value state) {
  if (inst.is(Kind::kObject)) {
    inst.object()->ops.Push(doc_.arena(), Op{OpKind::kBuild, state, Value::None()});
    return Status::Ok();
  }
  if (IsStubClass(inst)) return CallType(PyTypeName::kFunction);  // unbound __setstate__
  Value slotstate = Value::Empty();
  if (state.is(Kind::kTuple) && state.tuple()->size == 2) {
    slotstate = state.tuple()->items[1];
    state = state.tuple()->items[0];
  }
  bool is_global = inst.is(Kind::kGlobal);
  Builtin b = is_global ? inst.global()->builtin : Builtin::kNone;
  if (!state.is(Kind::kNone)) {
    if (!state.is(Kind::kDict)) return Err(ErrorKind::kStateNotDict);
    if (!is_global || b == Builtin::kCodecsEncode) {
      // Only classes and Python functions here have a __dict__.
      return Err(ErrorKind::kNoAttribute, PyTypeOf(inst), 0, kAttrDict);
    }
    // Items go into a type's read-only mappingproxy (TypeError), or into
    // copyreg._reconstructor's function __dict__: attributes that neither
    // change what _reconstructor does nor show in canonical text.
    if (state.dict()->entries.size > 0 && b != Builtin::kReconstructor) {
      return Err(ErrorKind::kNoItemAssignment, PyTypeName::kUnknown, 0, 2);
    }
  }
  // The C unpickler skips a None state but not a None slot state: a 2-tuple
  // state's second item must be a dict ((None, None) fails; pickle.py
  // tests truthiness instead).
  if (!slotstate.is(Kind::kEmpty)) {
    if (!slotstate.is(Kind::kDict)) return Err(ErrorKind::kSlotStateNotDict);
    for (const DictEntry& e : slotstate.dict()->entries) {
      if (!e.key.is(Kind::kStr)) return Err(ErrorKind::kAttributeNameNotStr, PyTypeOf(e.key));
      if (b == Builtin::kReconstructor) return Unsupported();
      // Built-in types refuse new attributes with TypeError; built-in
      // functions and plain values have no __dict__ (AttributeError).
      if (is_global && b != Builtin::kCodecsEncode) return CallType(PyTypeName::kType, /*sub=*/6);
      return Err(ErrorKind::kNoAttribute, PyTypeOf(inst), 0, kAttrOther);
    }
  }
  return Status::Ok();
}

}  // namespace picklecheck::internal
