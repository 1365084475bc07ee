#include "harness/pickle/pytext.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "harness/testing/python_testing.h"
#include "harness/pickle/bigint.h"

namespace picklecheck::pytext {
namespace {

using ::picklecheck::testing::RunPython;
using ::picklecheck::testing::RunPythonTable;
using ::picklecheck::testing::Split;


std::string FromHex(std::string_view hex) {
  std::string out;
  if (hex == "-") return out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoul(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

uint64_t Bits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  return bits;
}

double FromBits(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}


// ---------------------------------------------------------------------------
// Strtol0

TEST(Strtol0Test, PlainDecimalAndSigns) {
  StrtolResult r = Strtol0("123\n");
  EXPECT_EQ(r.value, 123);
  EXPECT_EQ(r.end, 3u);
  EXPECT_FALSE(r.overflow);
  r = Strtol0("-42\n");
  EXPECT_EQ(r.value, -42);
  EXPECT_EQ(r.end, 3u);
  r = Strtol0("+7");
  EXPECT_EQ(r.value, 7);
  EXPECT_EQ(r.end, 2u);
}

TEST(Strtol0Test, SkipsCLocaleWhitespaceOnly) {
  StrtolResult r = Strtol0(" \t\n\v\f\r12");
  EXPECT_EQ(r.value, 12);
  EXPECT_EQ(r.end, 8u);
  r = Strtol0("\x1c" "1");  // not isspace() in the C locale
  EXPECT_EQ(r.value, 0);
  EXPECT_EQ(r.end, 0u);
}

TEST(Strtol0Test, OctalAndHexPrefixes) {
  // pickle.loads(b'I010\n.') == 8 (C unpickler).
  EXPECT_EQ(Strtol0("010\n").value, 8);
  EXPECT_EQ(Strtol0("0X1F").value, 31);
  EXPECT_EQ(Strtol0("0x1f").end, 4u);
  // "08" converts only the 0.
  StrtolResult r = Strtol0("08");
  EXPECT_EQ(r.value, 0);
  EXPECT_EQ(r.end, 1u);
}

TEST(Strtol0Test, BareHexPrefixConvertsTheZero) {
  StrtolResult r = Strtol0("0x");
  EXPECT_EQ(r.value, 0);
  EXPECT_EQ(r.end, 1u);
  r = Strtol0(" -0xg");
  EXPECT_EQ(r.value, 0);
  EXPECT_EQ(r.end, 3u);
  r = Strtol0("0x-1");
  EXPECT_EQ(r.end, 1u);
}

TEST(Strtol0Test, NoBinaryPrefixInGlibc236) {
  StrtolResult r = Strtol0("0b101");
  EXPECT_EQ(r.value, 0);
  EXPECT_EQ(r.end, 1u);
}

TEST(Strtol0Test, NoDigitsMeansEndZero) {
  for (std::string_view s : {"", "  ", "+", "-", "--1", "+-1", "x", " \n"}) {
    StrtolResult r = Strtol0(s);
    EXPECT_EQ(r.value, 0) << s;
    EXPECT_EQ(r.end, 0u) << s;
    EXPECT_FALSE(r.overflow) << s;
  }
}

TEST(Strtol0Test, OverflowClampsAndConsumesAllDigits) {
  StrtolResult r = Strtol0("99999999999999999999\n");
  EXPECT_TRUE(r.overflow);
  EXPECT_EQ(r.value, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(r.end, 20u);
  r = Strtol0("-9223372036854775809");
  EXPECT_TRUE(r.overflow);
  EXPECT_EQ(r.value, std::numeric_limits<int64_t>::min());
  r = Strtol0("-9223372036854775808");
  EXPECT_FALSE(r.overflow);
  EXPECT_EQ(r.value, std::numeric_limits<int64_t>::min());
  r = Strtol0("0x8000000000000000");
  EXPECT_TRUE(r.overflow);
  EXPECT_EQ(r.end, 18u);
  r = Strtol0(std::string(5000, '7'));
  EXPECT_TRUE(r.overflow);
  EXPECT_EQ(r.end, 5000u);
}

TEST(Strtol0Test, StopsAtNul) {
  // pickle.loads(b'I1\x00zz\n.') == 1: strtol never sees past the NUL.
  StrtolResult r = Strtol0(std::string_view("1\0zz", 4));
  EXPECT_EQ(r.value, 1);
  EXPECT_EQ(r.end, 1u);
}

TEST(Strtol0Test, MatchesGlibcStrtol) {
  const std::string script = R"PY(
import ctypes, random
libc = ctypes.CDLL(None, use_errno=True)
libc.strtol.restype = ctypes.c_long
libc.strtol.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int]
def strtol(s):
    buf = ctypes.create_string_buffer(s)
    end = ctypes.c_char_p()
    ctypes.set_errno(0)
    v = libc.strtol(buf, ctypes.byref(end), 0)
    e = ctypes.get_errno()
    return v, ctypes.cast(end, ctypes.c_void_p).value - ctypes.addressof(buf), int(e != 0)
rng = random.Random(5)
alphabet = [b'0', b'1', b'7', b'8', b'9', b'a', b'f', b'g', b'x', b'X', b'b', b'_', b' ', b'\t', b'\n',
            b'\x0b', b'\x0c', b'\r', b'\x1c', b'+', b'-', b'.', b'\xff', b'\x00']
cases = [b'0x', b'0xg', b'08', b'0b1', b'9223372036854775807', b'9223372036854775808',
         b'-9223372036854775808', b'-9223372036854775809', b'0x7fffffffffffffff', b'0x8000000000000000',
         b'0777777777777777777777', b'01777777777777777777777', b'-0x8000000000000000',
         b'-0x8000000000000001', b'18446744073709551616', b'-18446744073709551616']
for _ in range(6000):
    n = rng.randrange(0, 12)
    s = b''.join(rng.choice(alphabet) for _ in range(n))
    if rng.random() < 0.3:
        s += b''.join(rng.choice([b'0', b'9', b'f']) for _ in range(rng.randrange(15, 25)))
    cases.append(s)
for s in cases:
    v, end, err = strtol(s)
    print(s.hex() or '-', v, end, err)
)PY";
  size_t checked = 0;
  for (const std::vector<std::string>& f : RunPythonTable(script, ' ')) {
    ASSERT_EQ(f.size(), 4u);
    const std::string input = FromHex(f[0]);
    StrtolResult r = Strtol0(input);
    EXPECT_EQ(r.value, std::stoll(f[1])) << f[0];
    EXPECT_EQ(r.end, std::stoull(f[2])) << f[0];
    EXPECT_EQ(r.overflow, f[3] == "1") << f[0];
    ++checked;
  }
  EXPECT_GT(checked, 6000u);
}

// ---------------------------------------------------------------------------
// PyLongFromCString

std::string Hex(const IntParseResult& r) { return r.value.ToHex(); }

TEST(PyLongFromCStringTest, DecimalWithSpacesAndUnderscores) {
  // pickle.loads(b'L 12 \n.') == 12; b'L1_0L\n.' == 10.
  IntParseResult r = PyLongFromCString(" 12 \n", 0);
  ASSERT_EQ(r.status, IntParseStatus::kOk);
  EXPECT_EQ(r.value.ToDecimal(), "12");
  r = PyLongFromCString("1_0", 0);
  ASSERT_EQ(r.status, IntParseStatus::kOk);
  EXPECT_EQ(r.value.ToDecimal(), "10");
  r = PyLongFromCString("\v-1_000_000\f", 10);
  ASSERT_EQ(r.status, IntParseStatus::kOk);
  EXPECT_EQ(r.value.ToDecimal(), "-1000000");
}

TEST(PyLongFromCStringTest, Base0Prefixes) {
  IntParseResult r = PyLongFromCString("0x10", 0);
  ASSERT_EQ(r.status, IntParseStatus::kOk);
  EXPECT_EQ(r.value.ToDecimal(), "16");
  r = PyLongFromCString("-0O17", 0);
  ASSERT_EQ(r.status, IntParseStatus::kOk);
  EXPECT_EQ(r.value.ToDecimal(), "-15");
  r = PyLongFromCString("0b101\n", 0);
  ASSERT_EQ(r.status, IntParseStatus::kOk);
  EXPECT_EQ(r.value.ToDecimal(), "5");
  r = PyLongFromCString("0x_1", 0);  // one underscore may follow the prefix
  ASSERT_EQ(r.status, IntParseStatus::kOk);
  EXPECT_EQ(r.value.ToDecimal(), "1");
  r = PyLongFromCString("0x__1", 0);
  EXPECT_EQ(r.status, IntParseStatus::kInvalid);
  EXPECT_EQ(r.message_base, 16);
}

TEST(PyLongFromCStringTest, Base10RejectsPrefixes) {
  // PUT/GET parse base 10: b'p0x1\n' is invalid, b'p01\n' is index 1.
  EXPECT_EQ(PyLongFromCString("0x1", 10).status, IntParseStatus::kInvalid);
  EXPECT_EQ(PyLongFromCString("0x1", 10).message_base, 10);
  IntParseResult r = PyLongFromCString("010", 10);
  ASSERT_EQ(r.status, IntParseStatus::kOk);
  EXPECT_EQ(r.value.ToDecimal(), "10");
  r = PyLongFromCString("0_7", 10);
  ASSERT_EQ(r.status, IntParseStatus::kOk);
  EXPECT_EQ(r.value.ToDecimal(), "7");
}

TEST(PyLongFromCStringTest, LeadingZerosInBase0) {
  // int('00', 0) == 0; int('010', 0) and int('0_7', 0) raise with base 0.
  IntParseResult r = PyLongFromCString("00000\n", 0);
  ASSERT_EQ(r.status, IntParseStatus::kOk);
  EXPECT_TRUE(r.value.is_zero());
  r = PyLongFromCString("0_0", 0);
  EXPECT_EQ(r.status, IntParseStatus::kOk);
  r = PyLongFromCString("010\n", 0);
  EXPECT_EQ(r.status, IntParseStatus::kInvalid);
  EXPECT_EQ(r.message_base, 0);
  r = PyLongFromCString("08", 0);
  EXPECT_EQ(r.status, IntParseStatus::kInvalid);
  EXPECT_EQ(r.message_base, 0);
  r = PyLongFromCString("00 x", 0);  // all zero, then junk: still reported as base 0
  EXPECT_EQ(r.status, IntParseStatus::kInvalid);
  EXPECT_EQ(r.message_base, 0);
  r = PyLongFromCString("0_", 0);  // trailing underscore fails before the zero check
  EXPECT_EQ(r.status, IntParseStatus::kInvalid);
  EXPECT_EQ(r.message_base, 10);
}

TEST(PyLongFromCStringTest, UnderscoreRules) {
  for (std::string_view s : {"_1", "1_", "1__0", "+_1", "0x__1", "0b_", "1_\n"}) {
    EXPECT_EQ(PyLongFromCString(s, 0).status, IntParseStatus::kInvalid) << s;
  }
}

TEST(PyLongFromCStringTest, EmptyAndSignOnlyAreInvalid) {
  // pickle.loads(b'LL\n.') -> "invalid literal for int() with base 10: ''".
  for (std::string_view s : {"", " ", "-", "+", "- 1", "0x", "0o", "0b", "1 2", "\x1c" "1", "12l\n"}) {
    EXPECT_EQ(PyLongFromCString(s, 0).status, IntParseStatus::kInvalid) << s;
  }
  EXPECT_EQ(PyLongFromCString("0x", 0).message_base, 16);
  EXPECT_EQ(PyLongFromCString("0o", 0).message_base, 8);
  EXPECT_EQ(PyLongFromCString("0b2", 0).message_base, 2);
  EXPECT_EQ(PyLongFromCString("12l\n", 0).message_base, 10);
}

TEST(PyLongFromCStringTest, StopsAtNul) {
  // pickle.loads(b'L12\x00abc\n.') == 12.
  IntParseResult r = PyLongFromCString(std::string_view("12\0abc\n", 7), 0);
  ASSERT_EQ(r.status, IntParseStatus::kOk);
  EXPECT_EQ(r.value.ToDecimal(), "12");
}

TEST(PyLongFromCStringTest, DigitLimitForDecimal) {
  IntParseResult r = PyLongFromCString(std::string(4300, '1'), 0);
  ASSERT_EQ(r.status, IntParseStatus::kOk);
  EXPECT_EQ(r.value.DecimalDigitCount(), 4300u);
  r = PyLongFromCString(std::string(4301, '1'), 0);
  EXPECT_EQ(r.status, IntParseStatus::kDigitLimit);
  EXPECT_EQ(r.digits, 4301u);
  // Leading zeros count: int('0' * 4301, 0) exceeds the limit.
  r = PyLongFromCString(std::string(4301, '0'), 0);
  EXPECT_EQ(r.status, IntParseStatus::kDigitLimit);
  EXPECT_EQ(r.digits, 4301u);
  // Underscores do not count; the limit is checked before trailing junk.
  std::string underscored;
  for (int i = 0; i < 4301; ++i) underscored += "1_";
  underscored += "1";
  r = PyLongFromCString(underscored, 10);
  EXPECT_EQ(r.status, IntParseStatus::kDigitLimit);
  EXPECT_EQ(r.digits, 4302u);
  r = PyLongFromCString(std::string(4301, '1') + "x", 0);
  EXPECT_EQ(r.status, IntParseStatus::kDigitLimit);
  // ... but after the underscore checks.
  EXPECT_EQ(PyLongFromCString(std::string(4301, '1') + "__", 0).status, IntParseStatus::kInvalid);
  EXPECT_EQ(PyLongFromCString(std::string(4301, '1') + "_", 0).status, IntParseStatus::kInvalid);
}

TEST(PyLongFromCStringTest, NoDigitLimitForPowerOfTwoBases) {
  // pickle.loads(b'L0x' + b'f' * 5000 + b'\n.') succeeds.
  IntParseResult r = PyLongFromCString("0x" + std::string(5000, 'f'), 0);
  ASSERT_EQ(r.status, IntParseStatus::kOk);
  EXPECT_EQ(r.value.ToHex(), "0x" + std::string(5000, 'f'));
  r = PyLongFromCString("0b" + std::string(20000, '1'), 0);
  ASSERT_EQ(r.status, IntParseStatus::kOk);
  r = PyLongFromCString("0o" + std::string(20000, '7'), 0);
  ASSERT_EQ(r.status, IntParseStatus::kOk);
}

TEST(PyLongFromCStringTest, PowerOfTwoBasesAreLinear) {
  const size_t n = 1000000;
  const auto start = std::chrono::steady_clock::now();
  IntParseResult hex = PyLongFromCString("0x" + std::string(n, 'F') + "\n", 0);
  IntParseResult oct = PyLongFromCString("-0o" + std::string(n, '7'), 0);
  IntParseResult bin = PyLongFromCString("0b1" + std::string(n, '0'), 0);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(hex.status, IntParseStatus::kOk);
  ASSERT_EQ(oct.status, IntParseStatus::kOk);
  ASSERT_EQ(bin.status, IntParseStatus::kOk);
  EXPECT_EQ(hex.value.limbs().size(), n / 8);
  EXPECT_TRUE(oct.value.negative());
  EXPECT_EQ(bin.value.limbs().size(), n / 32 + 1);
  EXPECT_LT(seconds, 10.0);
}

TEST(PyLongFromCStringTest, MatchesCPythonPyLongFromString) {
  // Ground truth: the C function itself, through ctypes.
  const std::string script = R"PY(
import ctypes, random, re
f = ctypes.pythonapi.PyLong_FromString
f.restype = ctypes.py_object
f.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int]
rng = random.Random(99)
alphabet = [b'0', b'0', b'1', b'7', b'9', b'a', b'F', b'g', b'x', b'X', b'o', b'O', b'b', b'B', b'_', b'_',
            b' ', b'\t', b'\n', b'\x0b', b'\x0c', b'\r', b'\x1c', b'+', b'-', b'L', b'\x82', b'\xc3\xa9']
cases = [b'0_7', b'0x', b'0x_', b'0x_1', b'0o7', b'0O8', b'0b2', b'1 2', b'', b' ', b'-', b'+_1', b'1_',
         b'1__0', b'0_', b'00_0', b'00 x', b'\x82', b'a' * 199 + b'\xc3\xa9', b'a' * 198 + b'\xc3\xa9',
         b'1' * 4300, b'1' * 4301, b'0' * 4301, b'1' * 4301 + b'x', b'1' * 4301 + b'__',
         b'1' * 4301 + b'_', b' ' + b'1' * 4300 + b'\n', b'0x' + b'f' * 5000, b'-0b' + b'1' * 5000,
         b'1_' * 4301 + b'1', b'\xff' * 300, b'0' * 4300 + b'7', b'0' * 4299 + b'7']
prefixes = [b'', b' ', b'-', b'+', b'0', b'0x', b'0o', b'0b', b'0X_', b' -0b']
for _ in range(8000):
    n = rng.randrange(0, 10)
    s = rng.choice(prefixes) + b''.join(rng.choice(alphabet) for _ in range(n))
    cases.append(s)
for s in cases:
    for base in (0, 10):
        try:
            v = f(s, None, base)
            r = 'ok ' + hex(v)
        except UnicodeDecodeError:
            r = 'unicode'
        except ValueError as e:
            m = re.match(r'invalid literal for int\(\) with base (\d+)', str(e))
            if m:
                r = 'invalid ' + m.group(1)
            else:
                r = 'limit ' + re.search(r'value has (\d+) digits', str(e)).group(1)
        print(s.hex() or '-', base, r)
)PY";
  size_t checked = 0;
  for (const std::vector<std::string>& f : RunPythonTable(script, ' ')) {
    ASSERT_GE(f.size(), 3u);
    const std::string input = FromHex(f[0]);
    const int base = std::stoi(f[1]);
    IntParseResult r = PyLongFromCString(input, base);
    if (f[2] == "ok") {
      ASSERT_EQ(r.status, IntParseStatus::kOk) << f[0] << " base " << base;
      EXPECT_EQ(Hex(r), f[3]) << f[0];
    } else if (f[2] == "limit") {
      ASSERT_EQ(r.status, IntParseStatus::kDigitLimit) << f[0] << " base " << base;
      EXPECT_EQ(r.digits, std::stoull(f[3])) << f[0];
    } else {
      ASSERT_EQ(r.status, IntParseStatus::kInvalid) << f[0] << " base " << base;
      EXPECT_EQ(InvalidLiteralMessageRaisesUnicodeError(input), f[2] == "unicode") << f[0];
      if (f[2] == "invalid") {
        EXPECT_EQ(r.message_base, std::stoi(f[3])) << f[0] << " base " << base;
      }
    }
    ++checked;
  }
  EXPECT_GT(checked, 16000u);
}

// ---------------------------------------------------------------------------
// InvalidLiteralMessageRaisesUnicodeError

TEST(InvalidLiteralMessageTest, NonUtf8RaisesUnicodeError) {
  // pickle.loads(b'L\x82\n.') -> UnicodeDecodeError ... invalid start byte.
  EXPECT_TRUE(InvalidLiteralMessageRaisesUnicodeError("\x82\n"));
  EXPECT_TRUE(InvalidLiteralMessageRaisesUnicodeError("1\xed\xa0\x80"));  // no surrogates in strict
  EXPECT_FALSE(InvalidLiteralMessageRaisesUnicodeError("12l\n"));
  EXPECT_FALSE(InvalidLiteralMessageRaisesUnicodeError("\xc3\xa9"));
}

TEST(InvalidLiteralMessageTest, OnlyTheFirst200BytesCount) {
  EXPECT_FALSE(InvalidLiteralMessageRaisesUnicodeError(std::string(200, 'a') + "\xff"));
  // A character cut by the limit fails: "unexpected end of data".
  EXPECT_TRUE(InvalidLiteralMessageRaisesUnicodeError(std::string(199, 'a') + "\xc3\xa9"));
  EXPECT_FALSE(InvalidLiteralMessageRaisesUnicodeError(std::string(198, 'a') + "\xc3\xa9"));
}

TEST(InvalidLiteralMessageTest, StopsAtNul) {
  EXPECT_FALSE(InvalidLiteralMessageRaisesUnicodeError(std::string_view("x\0\xff", 3)));
}

// ---------------------------------------------------------------------------
// ParseDouble

TEST(ParseDoubleTest, SimpleForms) {
  FloatParseResult r = ParseDouble("1.5\n");
  ASSERT_EQ(r.status, FloatParseStatus::kOk);
  EXPECT_EQ(r.value, 1.5);
  EXPECT_EQ(r.end, 3u);
  r = ParseDouble(".5");
  EXPECT_EQ(r.value, 0.5);
  EXPECT_EQ(r.end, 2u);
  r = ParseDouble("5.");
  EXPECT_EQ(r.value, 5.0);
  EXPECT_EQ(r.end, 2u);
  r = ParseDouble("+.5e1");
  EXPECT_EQ(r.value, 5.0);
  EXPECT_EQ(r.end, 5u);
  r = ParseDouble("-0");
  EXPECT_EQ(Bits(r.value), 0x8000000000000000u);
}

TEST(ParseDoubleTest, IncompleteExponentEndsBeforeE) {
  for (std::string_view s : {"1e", "1e+", "1E-", "1ex"}) {
    FloatParseResult r = ParseDouble(s);
    ASSERT_EQ(r.status, FloatParseStatus::kOk) << s;
    EXPECT_EQ(r.value, 1.0);
    EXPECT_EQ(r.end, 1u) << s;
  }
  FloatParseResult r = ParseDouble("1e-0");
  EXPECT_EQ(r.end, 4u);
  r = ParseDouble("0e");
  EXPECT_EQ(r.end, 1u);
}

TEST(ParseDoubleTest, NoHexNoSpaceNoUnderscore) {
  // pickle.loads(b'F0x10\n.') -> "could not convert string to float" (partial).
  FloatParseResult r = ParseDouble("0x10");
  ASSERT_EQ(r.status, FloatParseStatus::kOk);
  EXPECT_EQ(r.end, 1u);
  r = ParseDouble("1_0");
  EXPECT_EQ(r.end, 1u);
  r = ParseDouble(" 1.5\n");
  EXPECT_EQ(r.status, FloatParseStatus::kNoConversion);
  EXPECT_EQ(r.end, 0u);
}

TEST(ParseDoubleTest, NothingToConvert) {
  for (std::string_view s : {"", ".", "-.", "-", "e5", "in", "+na", "\n", ".e1", "--1"}) {
    FloatParseResult r = ParseDouble(s);
    EXPECT_EQ(r.status, FloatParseStatus::kNoConversion) << s;
    EXPECT_EQ(r.end, 0u) << s;
  }
}

TEST(ParseDoubleTest, InfinityAndNan) {
  FloatParseResult r = ParseDouble("-Infinity\n");
  ASSERT_EQ(r.status, FloatParseStatus::kOk);
  EXPECT_EQ(r.value, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(r.end, 9u);
  r = ParseDouble("infinit");  // "inf" then junk
  EXPECT_EQ(r.end, 3u);
  r = ParseDouble("iNfinityy");
  EXPECT_EQ(r.end, 8u);
  r = ParseDouble("+NaN");
  EXPECT_EQ(Bits(r.value), 0x7ff8000000000000u);
  EXPECT_EQ(r.end, 4u);
  // pickle.loads(b'F-nan\n.') has bits fff8000000000000.
  r = ParseDouble("-nan\n");
  EXPECT_EQ(Bits(r.value), 0xfff8000000000000u);
  EXPECT_EQ(r.end, 4u);
}

TEST(ParseDoubleTest, OverflowIsAnError) {
  // pickle.loads(b'F1e999\n.') -> OverflowError: value too large to convert to float.
  EXPECT_EQ(ParseDouble("1e999\n").status, FloatParseStatus::kOverflow);
  EXPECT_EQ(ParseDouble("-1e999").status, FloatParseStatus::kOverflow);
  EXPECT_EQ(ParseDouble("1.7976931348623159e308").status, FloatParseStatus::kOverflow);
  EXPECT_EQ(ParseDouble("1e99999999999999999999").status, FloatParseStatus::kOverflow);
  FloatParseResult r = ParseDouble("1.7976931348623158e308");
  ASSERT_EQ(r.status, FloatParseStatus::kOk);
  EXPECT_EQ(r.value, std::numeric_limits<double>::max());
}

TEST(ParseDoubleTest, UnderflowRoundsSilently) {
  FloatParseResult r = ParseDouble("1e-400");
  ASSERT_EQ(r.status, FloatParseStatus::kOk);
  EXPECT_EQ(Bits(r.value), 0u);
  r = ParseDouble("-1e-400");
  EXPECT_EQ(Bits(r.value), 0x8000000000000000u);
  r = ParseDouble("2.4703282292062327e-324");  // just below half the smallest denormal
  EXPECT_EQ(Bits(r.value), 0u);
  r = ParseDouble("2.4703282292062328e-324");
  EXPECT_EQ(Bits(r.value), 1u);
  r = ParseDouble("1e-99999999999999999999");
  EXPECT_EQ(r.status, FloatParseStatus::kOk);
  EXPECT_EQ(r.value, 0.0);
}

TEST(ParseDoubleTest, ManyDigitsStayCorrectlyRounded) {
  FloatParseResult r = ParseDouble("1" + std::string(400, '0') + "e-400");
  EXPECT_EQ(r.value, 1.0);
  EXPECT_EQ(r.end, 406u);
  r = ParseDouble("0." + std::string(400, '0') + "1e400");
  EXPECT_EQ(r.value, 0.1);
  // 2**53 + 1 followed by many zeros then a 1: rounds up past the tie.
  r = ParseDouble("9007199254740993" + std::string(1000, '0') + "1e-1001");
  EXPECT_EQ(r.value, 9007199254740994.0);
  r = ParseDouble("9007199254740993" + std::string(1000, '0') + "e-1000");
  EXPECT_EQ(r.value, 9007199254740992.0);  // exact tie -> even
}

TEST(ParseDoubleTest, StopsAtNul) {
  // pickle.loads(b'F1.5\x00x\n.') == 1.5.
  FloatParseResult r = ParseDouble(std::string_view("1.5\0x", 5));
  EXPECT_EQ(r.value, 1.5);
  EXPECT_EQ(r.end, 3u);
}

TEST(ParseDoubleTest, MatchesCPythonPyOSStringToDouble) {
  const std::string script = R"PY(
import ctypes, random, struct
f = ctypes.pythonapi.PyOS_string_to_double
f.restype = ctypes.c_double
f.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.py_object]
def parse(s):
    buf = ctypes.create_string_buffer(s)
    end = ctypes.c_char_p()
    try:
        v = f(buf, ctypes.byref(end), OverflowError)
    except OverflowError:
        return 'overflow'
    except ValueError:
        return 'none'
    return 'ok %s %d' % (struct.pack('>d', v).hex(), ctypes.cast(end, ctypes.c_void_p).value - ctypes.addressof(buf))
rng = random.Random(3)
alphabet = [b'0', b'0', b'1', b'5', b'9', b'.', b'e', b'E', b'+', b'-', b'i', b'n', b'f', b'a', b'N', b'I',
            b'x', b'_', b' ', b'\n', b'y', b't']
cases = [b'infinity', b'-INF', b'nan', b'-nan', b'+nan', b'nanx', b'1e308', b'1e309', b'2e-324',
         b'3e-324', b'1.7976931348623157e308', b'1.7976931348623158e308', b'1.7976931348623159e308',
         b'2.2250738585072011e-308', b'2.2250738585072014e-308', b'4.9406564584124654e-324',
         b'2.4703282292062327e-324', b'2.4703282292062328e-324', b'0.' + b'0' * 330 + b'1',
         b'1' + b'0' * 310, b'0' * 500 + b'1.5', b'1e-325', b'1e-324', b'1e+0000000000000000001']
for _ in range(6000):
    n = rng.randrange(0, 10)
    cases.append(b''.join(rng.choice(alphabet) for _ in range(n)))
for _ in range(6000):
    # Realistic numbers: random mantissa digits, point and exponent.
    digits = ''.join(rng.choice('0123456789') for _ in range(rng.randrange(1, 40)))
    point = rng.randrange(0, len(digits) + 1)
    text = digits[:point] + '.' + digits[point:] if rng.random() < 0.7 else digits
    if rng.random() < 0.7:
        text += rng.choice('eE') + rng.choice(['', '+', '-']) + str(rng.randrange(0, 340))
    cases.append((rng.choice(['', '-', '+']) + text).encode())
for _ in range(3000):
    d = struct.unpack('<d', rng.getrandbits(64).to_bytes(8, 'little'))[0]
    cases.append(repr(d).encode())
    cases.append(('%.17g' % d).encode())
    cases.append(('%.25e' % d).encode())
for s in cases:
    print(s.hex() or '-', parse(s))
)PY";
  size_t checked = 0;
  for (const std::vector<std::string>& f : RunPythonTable(script, ' ')) {
    ASSERT_GE(f.size(), 2u);
    const std::string input = FromHex(f[0]);
    FloatParseResult r = ParseDouble(input);
    if (f[1] == "overflow") {
      EXPECT_EQ(r.status, FloatParseStatus::kOverflow) << input;
    } else if (f[1] == "none") {
      EXPECT_EQ(r.status, FloatParseStatus::kNoConversion) << input;
      EXPECT_EQ(r.end, 0u);
    } else {
      ASSERT_EQ(r.status, FloatParseStatus::kOk) << input;
      EXPECT_EQ(Bits(r.value), std::stoull(f[2], nullptr, 16)) << input;
      EXPECT_EQ(r.end, std::stoull(f[3])) << input;
    }
    ++checked;
  }
  EXPECT_GT(checked, 20000u);
}

// ---------------------------------------------------------------------------
// FloatRepr

TEST(FloatReprTest, Specials) {
  EXPECT_EQ(FloatRepr(0.0), "0.0");
  EXPECT_EQ(FloatRepr(-0.0), "-0.0");
  EXPECT_EQ(FloatRepr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(FloatRepr(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(FloatRepr(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(FloatRepr(FromBits(0xfff8000000000000u)), "nan");
  EXPECT_EQ(FloatRepr(FromBits(0x7ff0000000000001u)), "nan");
}

TEST(FloatReprTest, ExponentThresholds) {
  EXPECT_EQ(FloatRepr(1e16), "1e+16");
  EXPECT_EQ(FloatRepr(9999999999999998.0), "9999999999999998.0");
  EXPECT_EQ(FloatRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(FloatRepr(1e-5), "1e-05");
  EXPECT_EQ(FloatRepr(0.0001), "0.0001");
  EXPECT_EQ(FloatRepr(0.00012345), "0.00012345");
  EXPECT_EQ(FloatRepr(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(FloatRepr(1e100), "1e+100");
  EXPECT_EQ(FloatRepr(-1.5e-300), "-1.5e-300");
}

TEST(FloatReprTest, ShortestDigits) {
  EXPECT_EQ(FloatRepr(0.1), "0.1");
  EXPECT_EQ(FloatRepr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FloatRepr(1.0), "1.0");
  EXPECT_EQ(FloatRepr(-2.5), "-2.5");
  EXPECT_EQ(FloatRepr(5e-324), "5e-324");
  EXPECT_EQ(FloatRepr(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(FloatRepr(std::numeric_limits<double>::min()), "2.2250738585072014e-308");
}

TEST(FloatReprTest, MatchesCPythonRepr) {
  const std::string script = R"PY(
import random, struct, math
rng = random.Random(17)
values = [0.0, -0.0, 1e16, 1e-5, 1e-4, 0.0001, 123456789012345678.0, 5e-324, 1e22, 1e23, 2.0**53, 2.0**63,
          9007199254740993.0, 0.1, 1/3, 2/3, 1e-7, 1e21, 12345678901234567.0, 1234567890123456.7]
for e in range(-330, 310):
    values.append(10.0 ** e if -308 < e < 309 else 0.0)
    values.append(float('1e%d' % e))
    values.append(float('9.999999999999999e%d' % e))
for _ in range(20000):
    d = struct.unpack('<d', rng.getrandbits(64).to_bytes(8, 'little'))[0]
    values.append(d)
for _ in range(3000):
    values.append(struct.unpack('<d', rng.getrandbits(52).to_bytes(8, 'little'))[0])  # denormals
    values.append(rng.uniform(-1e6, 1e6))
    values.append(float(rng.randrange(-10**17, 10**17)))
    values.append(round(rng.uniform(0, 100), rng.randrange(0, 6)))
for d in values:
    print(struct.pack('>d', d).hex(), repr(d))
)PY";
  size_t checked = 0;
  for (const std::vector<std::string>& f : RunPythonTable(script, ' ')) {
    ASSERT_EQ(f.size(), 2u);
    const double d = FromBits(std::stoull(f[0], nullptr, 16));
    EXPECT_EQ(FloatRepr(d), f[1]) << f[0];
    ++checked;
  }
  EXPECT_GT(checked, 30000u);
}

}  // namespace
}  // namespace picklecheck::pytext
