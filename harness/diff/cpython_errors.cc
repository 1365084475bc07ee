#include "harness/diff/cpython_errors.h"

#include <algorithm>

namespace picklecheck {
namespace {

using K = ErrorKind;

// CPython 3.11 _pickle.c raises UnpicklingError (its module's
// PickleState.UnpicklingError) from every check of its own.
constexpr ErrorKind kUnpicklingError[] = {
    K::kTruncated,          K::kReadOverflow,        K::kUnknownOpcode,    K::kStackUnderflow,
    K::kUnexpectedMark,     K::kMarkNotFound,        K::kMemoMissing,      K::kOddDictItems,
    K::kOddSetItems,        K::kNegativeLongLength,  K::kStringNotQuoted,  K::kNewobjClassNotType,
    K::kNewobjArgsNotTuple, K::kNewobjKwargsNotDict, K::kStateNotDict,     K::kSlotStateNotDict,
    K::kStackGlobalNotStr,  K::kExtCodeNotPositive,  K::kNoPersistentLoad, K::kPersIdNotAscii,
    K::kNoBuffers,          K::kBuffersExhausted,
};
constexpr ErrorKind kValueError[] = {
    K::kUnsupportedProtocol, K::kBadEscape,       K::kTrailingBackslash,
    K::kBadIntLiteral,       K::kIntDigitLimit,   K::kBadFloatLiteral,
    K::kNegativePut,         K::kExtUnregistered, K::kCallValueError,
};
constexpr ErrorKind kTypeError[] = {
    K::kUnhashable,         K::kNotCallable,         K::kReduceArgsNotTuple,
    K::kKeywordsNotStrings, K::kAttributeNameNotStr, K::kNoItemAssignment,
    K::kBadIndexType,       K::kNotBytesLike,        K::kCallTypeError,
};
constexpr ErrorKind kOverflowError[] = {
    K::kSizeOverflow, K::kFrameOverflow, K::kFloatOverflow, K::kIntTooLarge, K::kIntToFloatOverflow,
};
constexpr ErrorKind kLookupError[] = {K::kUnknownEncoding, K::kUnknownErrorHandler};
constexpr ErrorKind kEOFError[] = {K::kEndOfInput};
constexpr ErrorKind kUnicodeDecodeError[] = {K::kUnicodeDecode};
constexpr ErrorKind kUnicodeEncodeError[] = {K::kUnicodeEncode};
constexpr ErrorKind kAttributeError[] = {K::kNoAttribute};
constexpr ErrorKind kIndexError[] = {K::kIndexOutOfRange};
constexpr ErrorKind kRecursionError[] = {K::kRecursionLimit};

const CPythonException kTable[] = {
    {"UnpicklingError", kUnpicklingError,
     "SHARED by 22 kinds: every check _pickle.c makes itself (truncation, bad opcode, stack and "
     "mark errors, memo misses, NEWOBJ/BUILD argument checks, persistent ids, out-of-band "
     "buffers); "
     "only the message tells them apart"},
    {"ValueError", kValueError,
     "SHARED by 9 kinds: unsupported protocol, text-literal parsing (STRING escapes, "
     "INT/LONG/FLOAT "
     "literals, the 4300-digit limit), negative PUT, unregistered EXT codes, bad built-in call "
     "arguments"},
    {"TypeError", kTypeError,
     "SHARED by 9 kinds: unhashable keys, calls of non-callables, REDUCE/BUILD argument types, "
     "item or attribute assignment on objects that refuse it, bad built-in call arguments"},
    {"OverflowError", kOverflowError,
     "SHARED by 5 kinds: sizes over PY_SSIZE_T_MAX (counted opcodes, FRAME), float and int "
     "conversions that overflow"},
    {"LookupError", kLookupError,
     "SHARED by 2 kinds: unknown `encoding` and unknown `errors` handler (codecs.lookup / "
     "lookup_error)"},
    {"EOFError", kEOFError,
     "C: empty input (\"Ran out of input\"). pickle._Unpickler also raises it for truncated "
     "arguments, where _pickle says UnpicklingError"},
    {"UnicodeDecodeError", kUnicodeDecodeError,
     "a ValueError subclass; compared by exact name, so it never matches a ValueError kind"},
    {"UnicodeEncodeError", kUnicodeEncodeError,
     "a ValueError subclass (_codecs.encode, STRING with an "
     "encoding that cannot represent the text)"},
    {"AttributeError", kAttributeError, "BUILD slot state or attribute lookups on built-ins"},
    {"IndexError", kIndexError,
     "C: item assignment out of range. pickle._Unpickler also raises IndexError for stack "
     "underflow and truncation (list.pop, stack[-1], read(1)[0]), where _pickle says "
     "UnpicklingError"},
    {"RecursionError", kRecursionError,
     "the oracle answers 'R' for it: verdicts treat an oracle's RecursionError as a resource "
     "limit"},
    // Raised by CPython, but never for a kind of ours:
    {"error",
     {},
     "struct.error: pickle._Unpickler on a short fixed-width argument (struct.unpack), where "
     "_pickle says UnpicklingError (kTruncated)"},
    {"KeyError",
     {},
     "pickle._Unpickler: an unknown opcode (its dispatch table lookup), and memo misses before 3.9 "
     "(later: UnpicklingError)"},
    {"MemoryError",
     {},
     "the oracle answers 'M' for it (a resource limit, never a verdict); the decoder reports "
     "kLimitExceeded for the same inputs when they exceed its Limits"},
    {"SystemError", {}, "a CPython internal error; always worth a bug report"},
};

}  // namespace

std::span<const CPythonException> CPythonExceptions() { return kTable; }

std::string_view NormalizeExceptionName(std::string_view name) {
  size_t dot = name.rfind('.');
  return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

const CPythonException* FindCPythonException(std::string_view name) {
  std::string_view bare = NormalizeExceptionName(name);
  for (const CPythonException& row : kTable) {
    if (row.name == bare) return &row;
  }
  return nullptr;
}

bool ExceptionMatchesKind(std::string_view exception, ErrorKind kind) {
  const CPythonException* row = FindCPythonException(exception);
  return row != nullptr &&
         std::find(row->kinds.begin(), row->kinds.end(), kind) != row->kinds.end();
}

}  // namespace picklecheck
