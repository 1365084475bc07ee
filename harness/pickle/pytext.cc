#include "harness/pickle/pytext.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>

#include "harness/pickle/bigint.h"
#include "harness/pickle/pycodecs.h"

namespace picklecheck::pytext {
namespace {

// The C functions see a C string: nothing past the first NUL exists for them.
std::string_view UpToNul(std::string_view s) {
  const void* nul = std::memchr(s.data(), '\0', s.size());
  if (nul == nullptr) return s;
  return s.substr(0, static_cast<size_t>(static_cast<const char*>(nul) - s.data()));
}

// The byte at i, or NUL past the end (as reading the C string would give).
char At(std::string_view s, size_t i) { return i < s.size() ? s[i] : '\0'; }

// C-locale isspace() and CPython's Py_ISSPACE agree: space, \t \n \v \f \r.
// Neither includes the ASCII separators 0x1c-0x1f (int('\x1c1') fails).
bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Value of c as a digit (0-9, a-z, A-Z), or 37 when it is not a digit at all,
// like CPython's _PyLong_DigitValue table.
int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 37;
}

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// CPython's int_max_str_digits default (sys.int_info.default_max_str_digits).
constexpr size_t kMaxStrDigits = 4300;

// _Py_dg_strtod's MAX_DIGITS: longer digit strings are rejected outright.
constexpr uint64_t kMaxFloatDigits = 1000000000;

// Case-insensitive prefix test against a lowercase ASCII word.
bool MatchesWord(std::string_view s, size_t pos, std::string_view word) {
  if (s.size() - std::min(pos, s.size()) < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (ToLower(s[pos + i]) != word[i]) return false;
  }
  return true;
}

}  // namespace

StrtolResult Strtol0(std::string_view cstr) {
  // glibc 2.36 strtol(s, &end, 0) in the C locale.
  const std::string_view s = UpToNul(cstr);
  StrtolResult result;
  size_t i = 0;
  while (i < s.size() && IsSpace(s[i])) ++i;
  bool negative = false;
  if (At(s, i) == '+' || At(s, i) == '-') {
    negative = At(s, i) == '-';
    ++i;
  }
  int base = 10;
  if (At(s, i) == '0') {
    // glibc strtol: "0x" with no hex digit after it converts only the "0" and
    // leaves end on the 'x' (strtol("0xg") == 0, end = 1); glibc 2.36 has no
    // "0b" prefix (strtol("0b1") == 0, end = 1).
    const char x = At(s, i + 1);
    if ((x == 'x' || x == 'X') && DigitValue(At(s, i + 2)) < 16) {
      base = 16;
      i += 2;
    } else {
      base = 8;
    }
  }
  const size_t digits_start = i;
  uint64_t magnitude = 0;
  bool overflow = false;
  while (i < s.size() && DigitValue(s[i]) < base) {
    const uint64_t digit = static_cast<uint64_t>(DigitValue(s[i]));
    // Past overflow strtol keeps consuming digits: end lands after all of them.
    if (!overflow) {
      if (magnitude > (std::numeric_limits<uint64_t>::max() - digit) / static_cast<uint64_t>(base)) {
        overflow = true;
      } else {
        magnitude = magnitude * static_cast<uint64_t>(base) + digit;
      }
    }
    ++i;
  }
  if (i == digits_start) return result;  // no conversion: value 0, end 0
  result.end = i;
  const uint64_t limit = negative ? (uint64_t{1} << 63) : (uint64_t{1} << 63) - 1;
  if (overflow || magnitude > limit) {
    // ERANGE: strtol("-9223372036854775809") == LONG_MIN.
    result.overflow = true;
    result.value = negative ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
    return result;
  }
  result.value = static_cast<int64_t>(negative ? ~magnitude + 1 : magnitude);
  return result;
}

IntParseResult PyLongFromCString(std::string_view cstr, int base) {
  // CPython 3.11 longobject.c PyLong_FromString(str, NULL, base), base 0 or 10.
  const std::string_view s = UpToNul(cstr);
  IntParseResult result;
  result.message_base = base;
  size_t i = 0;
  while (i < s.size() && IsSpace(s[i])) ++i;
  bool negative = false;
  if (At(s, i) == '+' || At(s, i) == '-') {
    negative = At(s, i) == '-';
    ++i;
  }
  int radix = base;
  // Base 0 with a leading "0" and no prefix letter: the digits must all be
  // zero. int('00', 0) == 0, int('0_7', 0) raises "... with base 0: '0_7'".
  bool error_if_nonzero = false;
  if (base == 0) {
    const char x = At(s, i + 1);
    if (At(s, i) != '0') {
      radix = 10;
    } else if (x == 'x' || x == 'X') {
      radix = 16;
    } else if (x == 'o' || x == 'O') {
      radix = 8;
    } else if (x == 'b' || x == 'B') {
      radix = 2;
    } else {
      error_if_nonzero = true;
      radix = 10;
    }
    // The message names the base the prefix chose: int('0x', 0) raises
    // "invalid literal for int() with base 16: '0x'".
    result.message_base = radix;
  }
  if (At(s, i) == '0' && radix != 10) {
    // Only base 0 gets here (base 10 never skips a prefix); one underscore may
    // follow the prefix: int('0x_1', 0) == 1.
    i += 2;
    if (At(s, i) == '_') ++i;
  }
  if (At(s, i) == '_') return result;  // int('_1', 0), int('0x__1', 0)

  const size_t start = i;
  std::string digits;
  char prev = '\0';
  while (i < s.size() && (DigitValue(s[i]) < radix || s[i] == '_')) {
    if (s[i] == '_') {
      if (prev == '_') return result;  // int('1__0')
    } else {
      digits.push_back(s[i]);
    }
    prev = s[i];
    ++i;
  }
  if (prev == '_') return result;  // int('1_')
  // The digit limit applies to base 10 only and is checked before anything
  // after the digits: int('1' * 4301 + 'x') reports the limit, while
  // int('0x' + 'f' * 5000, 0) is fine. Underscores are not counted.
  if (radix == 10 && digits.size() > kMaxStrDigits) {
    result.status = IntParseStatus::kDigitLimit;
    result.digits = digits.size();
    return result;
  }
  BigInt value = BigInt::FromDigits(digits, radix, negative);
  if (error_if_nonzero) {
    // CPython resets the reported base to 0 here, so the later checks report
    // base 0 too: int('00 x', 0) raises "... with base 0: '00 x'".
    result.message_base = 0;
    if (!value.is_zero()) return result;
  }
  if (i == start) return result;  // no digits: int('-'), int('0x', 0)
  while (i < s.size() && IsSpace(s[i])) ++i;
  if (i != s.size()) return result;
  result.status = IntParseStatus::kOk;
  result.value = std::move(value);
  return result;
}

bool InvalidLiteralMessageRaisesUnicodeError(std::string_view cstr) {
  // CPython 3.11 PyLong_FromString onError: PyUnicode_FromStringAndSize on the
  // first min(strlen, 200) bytes, strict UTF-8; int(b'\x82') style input
  // (pickle.loads(b'L\x82\n.')) raises UnicodeDecodeError, and so does a
  // 2-byte character cut by the 200-byte limit.
  const std::string_view s = UpToNul(cstr);
  const std::string_view head = s.substr(0, std::min<size_t>(s.size(), 200));
  std::string scratch;
  pycodecs::CodecError err;
  return !pycodecs::DecodeUtf8(head, pycodecs::ErrorHandler::kStrict, scratch, err);
}

FloatParseResult ParseDouble(std::string_view cstr) {
  // CPython 3.11 pystrtod.c PyOS_string_to_double -> _PyOS_ascii_strtod:
  // _Py_dg_strtod first, then _Py_parse_inf_or_nan when it converts nothing.
  const std::string_view s = UpToNul(cstr);
  FloatParseResult result;
  size_t i = 0;
  bool negative = false;
  if (At(s, i) == '+' || At(s, i) == '-') {
    negative = At(s, i) == '-';
    ++i;
  }
  // Mantissa: [digits][.digits], at least one digit in total.
  const size_t int_start = i;
  while (IsDigit(At(s, i))) ++i;
  const size_t int_end = i;
  size_t frac_start = i;
  size_t frac_end = i;
  if (At(s, i) == '.') {
    ++i;
    frac_start = i;
    while (IsDigit(At(s, i))) ++i;
    frac_end = i;
  }
  const size_t int_len = int_end - int_start;
  const size_t frac_len = frac_end - frac_start;
  bool converted = int_len + frac_len > 0;
  if (converted) {
    // _Py_dg_strtod refuses more than 10**9 significant or fraction digits.
    size_t significant = int_len + frac_len;
    size_t k = int_start;
    while (significant > 0 && (s[k] == '0' || s[k] == '.')) {
      if (s[k] == '0') --significant;
      ++k;
    }
    if (significant > kMaxFloatDigits || frac_len > kMaxFloatDigits) converted = false;
  }
  if (!converted) {
    // _Py_parse_inf_or_nan: optional sign, "inf", "infinity" or "nan" in any
    // case. float('-nan') keeps the sign: the bits are fff8000000000000.
    size_t k = (At(s, 0) == '+' || At(s, 0) == '-') ? 1 : 0;
    if (MatchesWord(s, k, "inf")) {
      k += 3;
      if (MatchesWord(s, k, "inity")) k += 5;
      result.value = negative ? -std::numeric_limits<double>::infinity()
                              : std::numeric_limits<double>::infinity();
    } else if (MatchesWord(s, k, "nan")) {
      k += 3;
      result.value = std::copysign(std::numeric_limits<double>::quiet_NaN(), negative ? -1.0 : 1.0);
    } else {
      return result;  // kNoConversion, end 0
    }
    result.status = FloatParseStatus::kOk;
    result.end = k;
    return result;
  }
  // Exponent: 'e' or 'E', optional sign, at least one digit; otherwise the
  // number ends before the 'e' ("1e" and "1e+" parse as 1 with end 1).
  int64_t exponent = 0;
  if (At(s, i) == 'e' || At(s, i) == 'E') {
    size_t k = i + 1;
    bool exp_negative = false;
    if (At(s, k) == '+' || At(s, k) == '-') {
      exp_negative = At(s, k) == '-';
      ++k;
    }
    if (IsDigit(At(s, k))) {
      while (IsDigit(At(s, k))) {
        // Saturate: any exponent this large over- or underflows whatever the
        // (at most 10**9) digits say.
        if (exponent < 4000000000) exponent = exponent * 10 + (s[k] - '0');
        ++k;
      }
      if (exp_negative) exponent = -exponent;
      i = k;
    }
  }
  result.end = i;
  result.status = FloatParseStatus::kOk;

  // Significant digits without leading or trailing zeros, and the power of
  // ten that scales them: value = digits * 10**scale.
  std::string digits;
  digits.reserve(int_len + frac_len);
  digits.append(s.substr(int_start, int_len));
  digits.append(s.substr(frac_start, frac_len));
  int64_t scale = exponent - static_cast<int64_t>(frac_len);
  size_t lead = 0;
  while (lead < digits.size() && digits[lead] == '0') ++lead;
  size_t tail = digits.size();
  while (tail > lead && digits[tail - 1] == '0') --tail;
  scale += static_cast<int64_t>(digits.size() - tail);
  const std::string_view significant = std::string_view(digits).substr(lead, tail - lead);
  const double zero = negative ? -0.0 : 0.0;
  if (significant.empty()) {
    result.value = zero;  // "0e999", "-0.000"
    return result;
  }
  // 10**(magnitude - 1) <= |value| < 10**magnitude.
  const int64_t magnitude = scale + static_cast<int64_t>(significant.size());
  if (magnitude > 310) {
    result.status = FloatParseStatus::kOverflow;  // "1e999"
    return result;
  }
  if (magnitude < -325) {
    result.value = zero;  // below half the smallest denormal: "1e-400" is 0.0
    return result;
  }
  std::string text(significant);
  text.push_back('e');
  text += std::to_string(scale);
  double value = 0.0;
  // from_chars is correctly rounded (round half to even) like _Py_dg_strtod.
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value,
                                         std::chars_format::scientific);
  (void)ptr;
  if (ec == std::errc::result_out_of_range) {
    if (magnitude > 0) {
      result.status = FloatParseStatus::kOverflow;
      return result;
    }
    value = 0.0;  // rounds to zero
  } else if (std::isinf(value)) {
    // "1.7976931348623159e308" rounds up to infinity: OverflowError.
    result.status = FloatParseStatus::kOverflow;
    return result;
  }
  result.value = negative ? -value : value;
  return result;
}

std::string FloatRepr(double value) {
  // CPython 3.11 floatobject.c float_repr -> PyOS_double_to_string(x, 'r', 0,
  // Py_DTSF_ADD_DOT_0): shortest round-trip digits, exponent form when the
  // decimal point position is <= -4 or > 16: repr(1e16) == '1e+16',
  // repr(1e-05) == '1e-05', repr(0.0001) == '0.0001'.
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  (void)ec;
  const std::string_view sci(buf, static_cast<size_t>(end - buf));
  // sci is "[-]d[.ddd]e(+|-)dd".
  size_t pos = 0;
  std::string out;
  if (sci[pos] == '-') {
    out.push_back('-');
    ++pos;
  }
  const size_t e_pos = sci.find('e');
  std::string digits;
  for (size_t k = pos; k < e_pos; ++k) {
    if (sci[k] != '.') digits.push_back(sci[k]);
  }
  int exp10 = 0;
  std::from_chars(sci.data() + e_pos + 1 + (sci[e_pos + 1] == '+' ? 1 : 0), sci.data() + sci.size(),
                  exp10);
  const int decpt = exp10 + 1;  // digits = 0.d1d2... * 10**decpt
  if (decpt <= -4 || decpt > 16) {
    out.push_back(digits[0]);
    if (digits.size() > 1) {
      out.push_back('.');
      out.append(digits, 1, std::string::npos);
    }
    out.push_back('e');
    out.push_back(exp10 < 0 ? '-' : '+');
    const std::string exp_digits = std::to_string(exp10 < 0 ? -exp10 : exp10);
    if (exp_digits.size() < 2) out.push_back('0');
    out += exp_digits;
    return out;
  }
  const int ndigits = static_cast<int>(digits.size());
  if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-decpt), '0');
    out += digits;
  } else if (decpt >= ndigits) {
    out += digits;
    out.append(static_cast<size_t>(decpt - ndigits), '0');
    out += ".0";
  } else {
    out.append(digits, 0, static_cast<size_t>(decpt));
    out.push_back('.');
    out.append(digits, static_cast<size_t>(decpt), std::string::npos);
  }
  return out;
}

}  // namespace picklecheck::pytext
