#include "harness/pickle/error.h"

#include <cstdio>
#include <string>

#include "harness/pickle/opcode.h"

namespace picklecheck {

std::string_view PyTypeNameText(PyTypeName t) {
  switch (t) {
    case PyTypeName::kUnknown: return "object";
    case PyTypeName::kNoneType: return "NoneType";
    case PyTypeName::kBool: return "bool";
    case PyTypeName::kInt: return "int";
    case PyTypeName::kFloat: return "float";
    case PyTypeName::kComplex: return "complex";
    case PyTypeName::kStr: return "str";
    case PyTypeName::kBytes: return "bytes";
    case PyTypeName::kByteArray: return "bytearray";
    case PyTypeName::kTuple: return "tuple";
    case PyTypeName::kList: return "list";
    case PyTypeName::kDict: return "dict";
    case PyTypeName::kSet: return "set";
    case PyTypeName::kFrozenSet: return "frozenset";
    case PyTypeName::kType: return "type";
    case PyTypeName::kBuiltinFunction: return "builtin_function_or_method";
    case PyTypeName::kFunction: return "function";
    case PyTypeName::kObject: return "object";
    case PyTypeName::kPickleBuffer: return "PickleBuffer";
    case PyTypeName::kMemoryView: return "memoryview";
    case PyTypeName::kStubInstance: return "stub";
  }
  return "object";
}

std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
#define PC_ERROR_NAME(name, py, msg) \
  case ErrorKind::k##name:           \
    return #name;
    PC_ERROR_KINDS(PC_ERROR_NAME)
#undef PC_ERROR_NAME
  }
  return "?";
}

std::string_view PythonException(ErrorKind kind) {
  switch (kind) {
#define PC_ERROR_PY(name, py, msg) \
  case ErrorKind::k##name:         \
    return py;
    PC_ERROR_KINDS(PC_ERROR_PY)
#undef PC_ERROR_PY
  }
  return "";
}

bool IsInconclusive(ErrorKind kind) {
  return kind == ErrorKind::kUnsupportedForm || kind == ErrorKind::kLimitExceeded;
}

namespace {

std::string_view FixedText(ErrorKind kind) {
  switch (kind) {
#define PC_ERROR_MSG(name, py, msg) \
  case ErrorKind::k##name:          \
    return msg;
    PC_ERROR_KINDS(PC_ERROR_MSG)
#undef PC_ERROR_MSG
  }
  return "";
}

std::string Quoted(PyTypeName t) { return "'" + std::string(PyTypeNameText(t)) + "'"; }

}  // namespace

std::string Message(const Error& e) {
  std::string type(PyTypeNameText(e.type));
  switch (e.kind) {
    case ErrorKind::kUnknownOpcode: {
      char buf[48];
      auto c = static_cast<unsigned char>(e.detail);
      if (c >= 0x20 && c <= 0x7e && c != '\'' && c != '\\') {
        std::snprintf(buf, sizeof buf, "invalid load key, '%c'.", c);
      } else {
        std::snprintf(buf, sizeof buf, "invalid load key, '\\x%02x'.", c);
      }
      return buf;
    }
    case ErrorKind::kMemoMissing:
      return "Memo value not found at index " + std::to_string(static_cast<int64_t>(e.detail));
    case ErrorKind::kSizeOverflow: {
      static constexpr std::string_view kFamilies[] = {"BINBYTES", "BINUNICODE", "BYTEARRAY8",
                                                       "BINSTRING"};
      return std::string(kFamilies[e.sub & 3]) + " " + std::string(FixedText(e.kind));
    }
    case ErrorKind::kUnsupportedProtocol:
      return "unsupported pickle protocol: " + std::to_string(e.detail);
    case ErrorKind::kBadEscape:
      return "invalid \\x escape at position " + std::to_string(e.detail);
    case ErrorKind::kBadIntLiteral:
      if (e.sub == 1) return "could not convert string to int";
      return e.sub == 10 ? "invalid literal for int() with base 10"
                         : "invalid literal for int() with base 0";
    case ErrorKind::kIntDigitLimit:
      return std::string(FixedText(e.kind)) + ": value has " + std::to_string(e.detail) +
             " digits; use sys.set_int_max_str_digits() to increase the limit";
    case ErrorKind::kUnhashable:
      return "unhashable type: " + Quoted(e.type);
    case ErrorKind::kNotCallable:
      return Quoted(e.type) + " object is not callable";
    case ErrorKind::kNewobjClassNotType:
      return std::string(e.sub ? "NEWOBJ_EX" : "NEWOBJ") + " class argument must be a type, not " + type;
    case ErrorKind::kNewobjArgsNotTuple:
      return std::string(e.sub ? "NEWOBJ_EX" : "NEWOBJ") + " args argument must be a tuple, not " + type;
    case ErrorKind::kNewobjKwargsNotDict:
      return "NEWOBJ_EX kwargs argument must be a dict, not " + type;
    case ErrorKind::kNoAttribute: {
      static constexpr std::string_view kAttrs[] = {"append", "add", "__dict__", "<attribute>"};
      return Quoted(e.type) + " object has no attribute '" + std::string(kAttrs[e.sub & 3]) + "'";
    }
    case ErrorKind::kAttributeNameNotStr:
      return "attribute name must be string, not " + Quoted(e.type);
    case ErrorKind::kNoItemAssignment:
      if (e.sub == 1) return "cannot modify read-only memory";
      if (e.sub == 2) return "'mappingproxy' object does not support item assignment";
      return Quoted(e.type) + " object does not support item assignment";
    case ErrorKind::kBadIndexType:
      return std::string(e.sub ? "bytearray" : "list") + " indices must be integers or slices, not " + type;
    case ErrorKind::kIndexOutOfRange:
      if (e.sub == 2) return "cannot fit 'int' into an index-sized integer";
      return e.sub ? "bytearray index out of range" : "list assignment index out of range";
    case ErrorKind::kExtUnregistered:
      return "unregistered extension code " + std::to_string(e.detail);
    case ErrorKind::kNotBytesLike:
      return "memoryview: a bytes-like object is required, not " + Quoted(e.type);
    case ErrorKind::kCallTypeError:
      switch (e.sub) {
        case 1: return Quoted(e.type) + " object is not iterable";
        case 2: return "object() takes no arguments";
        case 3: return "string argument without an encoding";
        case 4: return Quoted(e.type) + " object cannot be interpreted as an integer";
        case 5: return "complex() argument must be a string or a number, not " + Quoted(e.type);
        case 6: return "cannot set attribute of immutable type";
        default: return std::string(FixedText(e.kind));
      }
    case ErrorKind::kUnicodeDecode:
      return "codec can't decode bytes in position " + std::to_string(e.detail);
    case ErrorKind::kUnicodeEncode:
      return "codec can't encode character in position " + std::to_string(e.detail);
    default:
      return std::string(FixedText(e.kind));
  }
}

std::string Describe(const Error& e) {
  std::string out(ErrorKindName(e.kind));
  out += " at offset " + std::to_string(e.offset);
  if (const OpcodeInfo* info = LookupOpcode(e.opcode); info != nullptr && e.kind != ErrorKind::kEndOfInput &&
                                                       e.kind != ErrorKind::kUnknownOpcode) {
    out += " (";
    out += info->name;
    out += ")";
  }
  out += ": ";
  std::string_view py = PythonException(e.kind);
  out += py.empty() ? "picklecheck" : py;
  out += ": ";
  out += Message(e);
  return out;
}

}  // namespace picklecheck
