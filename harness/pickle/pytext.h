// CPython 3.11's text-number rules, as the C unpickler applies them.
//
// The text opcodes (INT, LONG, FLOAT, PUT, GET) hand a line to C library and
// CPython parsing functions. These functions reproduce them byte for byte so
// the decoder accepts exactly what CPython accepts, with the same value:
//
//   Strtol0        glibc strtol(s, &end, 0)            (load_int fast path)
//   PyLongFromCString  PyLong_FromString(s, NULL, base) (load_int fallback,
//                                                       load_long, PUT/GET)
//   ParseDouble    PyOS_string_to_double(s, &end, OverflowError) (load_float)
//   FloatRepr      float.__repr__
//
// All parsers take the line as a C string: the caller passes the bytes up to
// (not including) the first NUL, newline included when the line has one,
// exactly what the C function would see. (They also stop at a NUL themselves,
// so passing the whole line is equivalent.)
#ifndef PICKLECHECK_HARNESS_PICKLE_PYTEXT_H_
#define PICKLECHECK_HARNESS_PICKLE_PYTEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "harness/pickle/bigint.h"

namespace picklecheck::pytext {

// glibc strtol with base 0 (C locale): skips leading isspace() characters
// (space, \t, \n, \v, \f, \r), an optional sign, then "0x"/"0X" + hex digits,
// "0" + octal digits, or decimal digits. `end` is the index where parsing
// stopped (0 when no digits were converted); `overflow` is ERANGE (value is
// then clamped to INT64_MIN/INT64_MAX, as strtol does on LP64).
struct StrtolResult {
  int64_t value = 0;
  size_t end = 0;
  bool overflow = false;
};
StrtolResult Strtol0(std::string_view cstr);

// PyLong_FromString(cstr, NULL, base) for base 0 or 10, CPython 3.11:
// optional leading/trailing whitespace, sign, base-0 prefixes 0x/0o/0b (any
// case), single underscores between digits (and after a prefix), "0"-led
// decimal only when all digits are zero (base 0), and the int_max_str_digits
// limit of 4300 digits for base 10 only (underscores not counted; leading
// zeros counted; checked after the underscore rules but before anything that
// follows the digits, so "1" * 4301 + "x" is kDigitLimit). Decimal is
// quadratic (bounded by the limit); 0x/0o/0b literals are linear.
enum class IntParseStatus : uint8_t {
  kOk,
  kInvalid,     // ValueError: invalid literal for int() with base N: ...
  kDigitLimit,  // ValueError: Exceeds the limit (4300 digits) ...
};
struct IntParseResult {
  IntParseStatus status = IntParseStatus::kInvalid;
  BigInt value;
  // kDigitLimit: the digit count CPython reports.
  size_t digits = 0;
  // kInvalid: the base CPython's message names ("invalid literal for int()
  // with base N"). For base 0 it is the base the prefix chose (16, 8, 2; 10
  // without a prefix), or 0 for a "0"-led decimal once its digits were read:
  // '0x' -> 16, '0_7' -> 0, '08' -> 0, '0_' -> 10, '1x' -> 10.
  int message_base = 10;
};
IntParseResult PyLongFromCString(std::string_view cstr, int base);

// When PyLong_FromString fails with "invalid literal", CPython builds the
// message from the first min(strlen, 200) bytes decoded as strict UTF-8; if
// that decoding fails the caller sees UnicodeDecodeError instead of
// ValueError. True when that happens for `cstr`.
bool InvalidLiteralMessageRaisesUnicodeError(std::string_view cstr);

// PyOS_string_to_double(cstr, &end, PyExc_OverflowError), CPython 3.11 with
// its own dtoa: no leading whitespace, optional sign, decimal digits with an
// optional '.', optional exponent; or inf/infinity/nan in any case with an
// optional sign (a signed nan keeps its sign bit: "-nan" is 0xfff8...).
// Correctly rounded. Underflow gives the rounded (possibly zero) value.
enum class FloatParseStatus : uint8_t {
  kOk,           // value and end are set
  kNoConversion, // ValueError: could not convert string to float: '...'
  kOverflow,     // OverflowError: value too large to convert to float: '...'
};
struct FloatParseResult {
  FloatParseStatus status = FloatParseStatus::kNoConversion;
  double value = 0.0;
  size_t end = 0;
};
FloatParseResult ParseDouble(std::string_view cstr);

// float.__repr__: shortest round-trip digits; exponent form when the decimal
// exponent is < -4 or >= 16 ("1e+16", "1e-05"); "inf", "-inf", "nan" (any
// NaN); always has '.', 'e', "inf" or "nan" ("1.0", "-0.0").
std::string FloatRepr(double value);

}  // namespace picklecheck::pytext

#endif  // PICKLECHECK_HARNESS_PICKLE_PYTEXT_H_
