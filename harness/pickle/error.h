// Errors of the pickle codec: returned, exact, cheap.
//
// Every rejection of an input is one `Error`: a closed `ErrorKind`, the byte
// offset of the opcode that failed (as `python3 -m pickletools` prints it),
// the opcode byte, and one number (`detail`) that explains it (a declared
// length, a memo index, a protocol number). Nothing is allocated on the error
// path; `Describe()` builds the one-line message on demand.
//
//   picklecheck::Result<picklecheck::Document> doc = picklecheck::Decode(bytes);
//   if (!doc.ok()) {
//     std::cerr << picklecheck::Describe(doc.error()) << "\n";
//     // e.g. "Truncated at offset 3: UnpicklingError: pickle data was truncated"
//   }
//
// Each kind maps to the exception CPython 3.11's C unpickler raises for the
// same input (`PythonException()`), which is what differential verdicts
// compare. Two kinds are not CPython exceptions: kUnsupportedForm (a call of a
// safe built-in the decoder does not model) and kLimitExceeded (a configured
// resource limit); verdicts treat both as inconclusive.
#ifndef PICKLECHECK_HARNESS_PICKLE_ERROR_H_
#define PICKLECHECK_HARNESS_PICKLE_ERROR_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace picklecheck {

// X(name, Python exception type, fixed message text)
#define PC_ERROR_KINDS(X)                                                                  \
  X(EndOfInput, "EOFError", "Ran out of input")                                          \
  X(Truncated, "UnpicklingError", "pickle data was truncated")                           \
  X(ReadOverflow, "UnpicklingError", "read would overflow (invalid bytecode)")           \
  X(UnknownOpcode, "UnpicklingError", "invalid load key")                                \
  X(StackUnderflow, "UnpicklingError", "unpickling stack underflow")                     \
  X(UnexpectedMark, "UnpicklingError", "unexpected MARK found")                          \
  X(MarkNotFound, "UnpicklingError", "could not find MARK")                              \
  X(MemoMissing, "UnpicklingError", "Memo value not found at index")                     \
  X(OddDictItems, "UnpicklingError", "odd number of items for DICT")                     \
  X(OddSetItems, "UnpicklingError", "odd number of items for SETITEMS")                  \
  X(NegativeLongLength, "UnpicklingError", "LONG pickle has negative byte count")        \
  X(SizeOverflow, "OverflowError", "exceeds system's maximum size of 9223372036854775807 bytes") \
  X(FrameOverflow, "OverflowError", "FRAME length exceeds system's maximum of 9223372036854775807 bytes") \
  X(UnsupportedProtocol, "ValueError", "unsupported pickle protocol")                    \
  X(StringNotQuoted, "UnpicklingError", "the STRING opcode argument must be quoted")      \
  X(BadEscape, "ValueError", "invalid \\x escape")                                       \
  X(TrailingBackslash, "ValueError", "Trailing \\ in string")                            \
  X(BadIntLiteral, "ValueError", "invalid literal for int()")                            \
  X(IntDigitLimit, "ValueError", "Exceeds the limit (4300 digits) for integer string conversion") \
  X(BadFloatLiteral, "ValueError", "could not convert string to float")                  \
  X(FloatOverflow, "OverflowError", "value too large to convert to float")               \
  X(IntTooLarge, "OverflowError", "Python int too large to convert to C ssize_t")        \
  X(IntToFloatOverflow, "OverflowError", "int too large to convert to float")            \
  X(NegativePut, "ValueError", "negative PUT argument")                                  \
  X(UnicodeDecode, "UnicodeDecodeError", "codec can't decode bytes")                     \
  X(UnicodeEncode, "UnicodeEncodeError", "codec can't encode characters")                \
  X(UnknownEncoding, "LookupError", "unknown encoding")                                  \
  X(UnknownErrorHandler, "LookupError", "unknown error handler name")                    \
  X(Unhashable, "TypeError", "unhashable type")                                          \
  X(NotCallable, "TypeError", "object is not callable")                                  \
  X(ReduceArgsNotTuple, "TypeError", "argument list must be a tuple")                    \
  X(NewobjClassNotType, "UnpicklingError", "NEWOBJ class argument must be a type")       \
  X(NewobjArgsNotTuple, "UnpicklingError", "NEWOBJ args argument must be a tuple")       \
  X(NewobjKwargsNotDict, "UnpicklingError", "NEWOBJ_EX kwargs argument must be a dict")  \
  X(KeywordsNotStrings, "TypeError", "keywords must be strings")                         \
  X(StateNotDict, "UnpicklingError", "state is not a dictionary")                        \
  X(SlotStateNotDict, "UnpicklingError", "slot state is not a dictionary")               \
  X(NoAttribute, "AttributeError", "object has no attribute")                            \
  X(AttributeNameNotStr, "TypeError", "attribute name must be string")                   \
  X(NoItemAssignment, "TypeError", "object does not support item assignment")            \
  X(BadIndexType, "TypeError", "indices must be integers or slices")                     \
  X(IndexOutOfRange, "IndexError", "assignment index out of range")                      \
  X(StackGlobalNotStr, "UnpicklingError", "STACK_GLOBAL requires str")                   \
  X(ExtCodeNotPositive, "UnpicklingError", "EXT specifies code <= 0")                    \
  X(ExtUnregistered, "ValueError", "unregistered extension code")                        \
  X(NoPersistentLoad, "UnpicklingError", "A load persistent id instruction was encountered, but no persistent_load function was specified.") \
  X(PersIdNotAscii, "UnpicklingError", "persistent IDs in protocol 0 must be ASCII strings") \
  X(NoBuffers, "UnpicklingError", "pickle stream refers to out-of-band data but no *buffers* argument was given") \
  X(BuffersExhausted, "UnpicklingError", "not enough out-of-band buffers")               \
  X(NotBytesLike, "TypeError", "memoryview: a bytes-like object is required")           \
  X(CallTypeError, "TypeError", "bad arguments for a built-in call")                     \
  X(CallValueError, "ValueError", "bad argument value for a built-in call")              \
  X(RecursionLimit, "RecursionError", "maximum recursion depth exceeded")                \
  X(UnsupportedForm, "", "call of a safe built-in in a form the decoder does not model") \
  X(LimitExceeded, "", "a configured resource limit was exceeded")

enum class ErrorKind : uint8_t {
#define PC_ERROR_ENUM(name, py, msg) k##name,
  PC_ERROR_KINDS(PC_ERROR_ENUM)
#undef PC_ERROR_ENUM
};

inline constexpr int kNumErrorKinds = 0
#define PC_ERROR_COUNT(name, py, msg) +1
    PC_ERROR_KINDS(PC_ERROR_COUNT)
#undef PC_ERROR_COUNT
    ;

// Python type names used in messages ("not NoneType", "unhashable type: 'list'").
enum class PyTypeName : uint8_t {
  kUnknown,
  kNoneType,
  kBool,
  kInt,
  kFloat,
  kComplex,
  kStr,
  kBytes,
  kByteArray,
  kTuple,
  kList,
  kDict,
  kSet,
  kFrozenSet,
  kType,
  kBuiltinFunction,
  kFunction,
  kObject,
  kPickleBuffer,
  kMemoryView,
  kStubInstance,
};

std::string_view PyTypeNameText(PyTypeName t);

struct Error {
  ErrorKind kind = ErrorKind::kTruncated;
  uint8_t opcode = 0;             // byte of the opcode at `offset` (0 if none)
  PyTypeName type = PyTypeName::kUnknown;  // the Python type the message names, if any
  uint8_t sub = 0;                // kind-specific selector (which opcode family, which reason)
  uint64_t offset = 0;            // where the failing opcode starts
  uint64_t detail = 0;            // the number that explains it
};

// "EndOfInput", "Truncated", ...
std::string_view ErrorKindName(ErrorKind kind);
// The exception CPython raises for this kind ("UnpicklingError", "EOFError",
// ...); empty for kUnsupportedForm and kLimitExceeded.
std::string_view PythonException(ErrorKind kind);
// True for the kinds that are not a CPython outcome (inconclusive in verdicts).
bool IsInconclusive(ErrorKind kind);
// The message CPython would print, as close as the kind and detail allow.
std::string Message(const Error& error);
// One line: "KIND at offset N: PythonException: message".
std::string Describe(const Error& error);

// Value-or-Error. The decoder never throws on input; errors travel in here.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : ok_(true), value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : ok_(false), error_(error) {}        // NOLINT
  bool ok() const { return ok_; }
  const Error& error() const { return error_; }
  T& value() & { return value_; }
  const T& value() const& { return value_; }
  T&& value() && { return std::move(value_); }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  T& operator*() { return value_; }
  const T& operator*() const { return value_; }

 private:
  bool ok_;
  Error error_{};
  T value_{};
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() : ok_(true) {}
  Result(Error error) : ok_(false), error_(error) {}  // NOLINT
  static Result Ok() { return Result(); }
  bool ok() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  bool ok_;
  Error error_{};
};

using Status = Result<void>;

#define PC_CONCAT_INNER(a, b) a##b
#define PC_CONCAT(a, b) PC_CONCAT_INNER(a, b)

#define PC_RETURN_IF_ERROR(expr)                     \
  do {                                               \
    auto pc_status_ = (expr);                        \
    if (!pc_status_.ok()) return pc_status_.error(); \
  } while (0)

#define PC_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.error();             \
  lhs = std::move(tmp).value()

#define PC_ASSIGN_OR_RETURN(lhs, expr) \
  PC_ASSIGN_OR_RETURN_IMPL(PC_CONCAT(pc_result_, __LINE__), lhs, expr)

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_PICKLE_ERROR_H_
