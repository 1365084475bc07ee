#include "harness/pickle/bigint.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "harness/testing/python_testing.h"

namespace picklecheck {
namespace {

using ::picklecheck::testing::RunPython;
using ::picklecheck::testing::RunPythonTable;
using ::picklecheck::testing::Split;


std::vector<uint8_t> FromHex(std::string_view hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoul(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string ToHexBytes(const std::vector<uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

uint64_t Bits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  return bits;
}

BigInt FromLE(std::initializer_list<uint8_t> bytes) {
  std::vector<uint8_t> v(bytes);
  return BigInt::FromTwosComplementLE(v);
}

TEST(BigIntTest, DefaultIsZero) {
  BigInt zero;
  EXPECT_TRUE(zero.is_zero());
  EXPECT_FALSE(zero.negative());
  EXPECT_EQ(zero.ToDecimal(), "0");
  EXPECT_EQ(zero.ToHex(), "0x0");
  EXPECT_TRUE(zero.ToTwosComplementLE().empty());
  EXPECT_EQ(zero.DecimalDigitCount(), 1u);
  EXPECT_EQ(zero.ToDouble(), 0.0);
  EXPECT_TRUE(zero.FitsInt64());
  EXPECT_EQ(zero.ToInt64(), 0);
}

TEST(BigIntTest, Int64RoundTripsAtTheEdges) {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{4294967295}, int64_t{4294967296},
                    int64_t{-4294967296}, std::numeric_limits<int64_t>::max(),
                    std::numeric_limits<int64_t>::min()}) {
    BigInt b = BigInt::FromInt64(v);
    ASSERT_TRUE(b.FitsInt64()) << v;
    EXPECT_EQ(b.ToInt64(), v);
    EXPECT_EQ(b.ToDecimal(), std::to_string(v));
    EXPECT_EQ(b.negative(), v < 0);
  }
}

TEST(BigIntTest, FitsInt64Boundaries) {
  // 2**63 does not fit; -2**63 does; -2**63 - 1 does not.
  EXPECT_FALSE(BigInt::FromUint64(uint64_t{1} << 63).FitsInt64());
  EXPECT_TRUE(BigInt::FromUint64((uint64_t{1} << 63) - 1).FitsInt64());
  EXPECT_TRUE(FromLE({0, 0, 0, 0, 0, 0, 0, 0x80}).FitsInt64());
  EXPECT_EQ(FromLE({0, 0, 0, 0, 0, 0, 0, 0x80}).ToInt64(), std::numeric_limits<int64_t>::min());
  EXPECT_FALSE(FromLE({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff}).FitsInt64());
  EXPECT_FALSE(BigInt::FromLimbs(std::vector<uint32_t>{0, 0, 1}, false).FitsInt64());
}

TEST(BigIntTest, FromUint64) {
  EXPECT_EQ(BigInt::FromUint64(std::numeric_limits<uint64_t>::max()).ToDecimal(), "18446744073709551615");
  EXPECT_EQ(BigInt::FromUint64(0).limbs().size(), 0u);
  EXPECT_EQ(BigInt::FromUint64(1).limbs().size(), 1u);
}

TEST(BigIntTest, FromTwosComplementLEAsPickleLong1) {
  // pickle.loads(b'\x8a\x00.') == 0, b'\x8a\x01\xff.' == -1, b'\x8a\x02\xff\x00.' == 255.
  EXPECT_TRUE(FromLE({}).is_zero());
  EXPECT_EQ(FromLE({0xff}).ToDecimal(), "-1");
  EXPECT_EQ(FromLE({0xff, 0x00}).ToDecimal(), "255");
  EXPECT_EQ(FromLE({0x80}).ToDecimal(), "-128");
  EXPECT_EQ(FromLE({0x00, 0x80}).ToDecimal(), "-32768");
  EXPECT_EQ(FromLE({0x00, 0x00, 0x00, 0x00, 0xff}).ToDecimal(), "-4294967296");
  EXPECT_EQ(FromLE({0x00, 0x00, 0x00, 0x00, 0x01}).ToDecimal(), "4294967296");
  // Redundant sign bytes are accepted and normalized away.
  EXPECT_EQ(FromLE({0x01, 0x00, 0x00, 0x00, 0x00, 0x00}).limbs().size(), 1u);
  EXPECT_EQ(FromLE({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}).ToDecimal(), "-1");
  EXPECT_TRUE(FromLE({0x00, 0x00}).is_zero());
  EXPECT_FALSE(FromLE({0x00, 0x00}).negative());
}

TEST(BigIntTest, ToTwosComplementLEIsMinimal) {
  // pickle.encode_long: 255 -> ff00, -128 -> 80, -129 -> 7fff, -256 -> 00ff, 128 -> 8000.
  EXPECT_EQ(ToHexBytes(BigInt::FromInt64(255).ToTwosComplementLE()), "ff00");
  EXPECT_EQ(ToHexBytes(BigInt::FromInt64(-128).ToTwosComplementLE()), "80");
  EXPECT_EQ(ToHexBytes(BigInt::FromInt64(-129).ToTwosComplementLE()), "7fff");
  EXPECT_EQ(ToHexBytes(BigInt::FromInt64(-256).ToTwosComplementLE()), "00ff");
  EXPECT_EQ(ToHexBytes(BigInt::FromInt64(128).ToTwosComplementLE()), "8000");
  EXPECT_EQ(ToHexBytes(BigInt::FromInt64(127).ToTwosComplementLE()), "7f");
  EXPECT_EQ(ToHexBytes(BigInt::FromInt64(-1).ToTwosComplementLE()), "ff");
  EXPECT_EQ(ToHexBytes(BigInt::FromInt64(-4294967296).ToTwosComplementLE()), "00000000ff");
}

TEST(BigIntTest, ToHexFormat) {
  EXPECT_EQ(BigInt::FromInt64(-123).ToHex(), "-0x7b");
  EXPECT_EQ(BigInt::FromInt64(0).ToHex(), "0x0");
  EXPECT_EQ(BigInt::FromUint64(uint64_t{1} << 63).ToHex(), "0x8000000000000000");
  EXPECT_EQ(BigInt::FromLimbs(std::vector<uint32_t>{0, 0, 1}, false).ToHex(), "0x10000000000000000");
}

TEST(BigIntTest, FromLimbsTrimsAndNormalizesZero) {
  BigInt b = BigInt::FromLimbs(std::vector<uint32_t>{5, 0, 0}, true);
  EXPECT_EQ(b.limbs().size(), 1u);
  EXPECT_EQ(b.ToDecimal(), "-5");
  BigInt zero = BigInt::FromLimbs(std::vector<uint32_t>{0, 0}, true);
  EXPECT_TRUE(zero.is_zero());
  EXPECT_FALSE(zero.negative());  // there is no -0
}

TEST(BigIntTest, FromDigitsEachBase) {
  EXPECT_EQ(BigInt::FromDigits("", 10, true).ToDecimal(), "0");
  EXPECT_FALSE(BigInt::FromDigits("000", 16, true).negative());
  EXPECT_EQ(BigInt::FromDigits("123456789012345678901234567890", 10, false).ToDecimal(),
            "123456789012345678901234567890");
  EXPECT_EQ(BigInt::FromDigits("DeadBeef", 16, true).ToHex(), "-0xdeadbeef");
  EXPECT_EQ(BigInt::FromDigits("777", 8, false).ToDecimal(), "511");
  EXPECT_EQ(BigInt::FromDigits("1010", 2, false).ToDecimal(), "10");
  EXPECT_EQ(BigInt::FromDigits("0000000000000000000000000001", 10, false).ToDecimal(), "1");
  EXPECT_EQ(BigInt::FromDigits("7777777777777777777777", 8, false).ToHex(), "0x3ffffffffffffffff");
}

TEST(BigIntTest, ToDoubleRoundsHalfToEven) {
  // float(2**53 + 1) == 2**53; float(2**53 + 3) == 2**53 + 4.
  const double two53 = 9007199254740992.0;
  EXPECT_EQ(BigInt::FromUint64((uint64_t{1} << 53) + 1).ToDouble(), two53);
  EXPECT_EQ(BigInt::FromUint64((uint64_t{1} << 53) + 3).ToDouble(), two53 + 4);
  // 2**64 - 1 rounds up to 2**64.
  EXPECT_EQ(BigInt::FromUint64(std::numeric_limits<uint64_t>::max()).ToDouble(), 18446744073709551616.0);
  // 2**60 + 2**7 is exactly halfway between two doubles: the even one wins.
  const std::string tie = "1" + std::string(52, '0') + "1" + std::string(7, '0');
  EXPECT_EQ(BigInt::FromDigits(tie, 2, false).ToDouble(), std::ldexp(1.0, 60));
  // One more bit far below the halfway bit makes it round up.
  const std::string above = "1" + std::string(52, '0') + "1" + std::string(6, '0') + "1";
  EXPECT_EQ(BigInt::FromDigits(above, 2, false).ToDouble(), std::ldexp(1.0, 60) + std::ldexp(1.0, 8));
  // An odd mantissa at the tie rounds up to even.
  const std::string odd_tie = "1" + std::string(51, '0') + "11" + std::string(7, '0');
  EXPECT_EQ(BigInt::FromDigits(odd_tie, 2, true).ToDouble(), -(std::ldexp(1.0, 60) + std::ldexp(1.0, 9)));
  // The sticky bit is found even thousands of limbs below.
  const std::string far_sticky = "1" + std::string(52, '0') + "1" + std::string(100000, '0') + "1";
  EXPECT_EQ(BigInt::FromDigits(far_sticky, 2, false).ToDouble(), std::nullopt);
  const std::string far_sticky_small = "1" + std::string(52, '0') + "1" + std::string(900, '0') + "1";
  EXPECT_EQ(BigInt::FromDigits(far_sticky_small, 2, false).ToDouble(),
            std::ldexp(1.0, 954) + std::ldexp(1.0, 902));
}

TEST(BigIntTest, ToDoubleOverflowsLikeIntFloat) {
  // float(2**1024 - 2**970) raises OverflowError; one less is float_info.max.
  std::string max_plus_half = std::string(13, 'f') + "c" + std::string(242, '0');  // 2**1024 - 2**970
  ASSERT_EQ(max_plus_half.size(), 256u);
  EXPECT_FALSE(BigInt::FromDigits(max_plus_half, 16, false).ToDouble().has_value());
  EXPECT_FALSE(BigInt::FromDigits(max_plus_half, 16, true).ToDouble().has_value());
  std::string just_below = std::string(13, 'f') + "b" + std::string(242, 'f');
  std::optional<double> d = BigInt::FromDigits(just_below, 16, true).ToDouble();
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(*d, -std::numeric_limits<double>::max());
  EXPECT_FALSE(BigInt::FromDigits("1" + std::string(256, '0'), 16, false).ToDouble().has_value());
  EXPECT_FALSE(BigInt::FromDigits("1" + std::string(100000, '0'), 16, false).ToDouble().has_value());
}

TEST(BigIntTest, EqualsDoubleIsExact) {
  const double two53 = 9007199254740992.0;
  EXPECT_TRUE(BigInt::FromUint64(uint64_t{1} << 53).EqualsDouble(two53));
  EXPECT_FALSE(BigInt::FromUint64((uint64_t{1} << 53) + 1).EqualsDouble(two53));
  EXPECT_TRUE(BigInt::FromDigits("1" + std::string(25, '0'), 16, false).EqualsDouble(std::ldexp(1.0, 100)));
  EXPECT_FALSE(BigInt::FromDigits("1" + std::string(25, '0'), 16, true).EqualsDouble(std::ldexp(1.0, 100)));
  EXPECT_TRUE(BigInt::FromDigits("1" + std::string(25, '0'), 16, true).EqualsDouble(-std::ldexp(1.0, 100)));
  EXPECT_TRUE(BigInt().EqualsDouble(0.0));
  EXPECT_TRUE(BigInt().EqualsDouble(-0.0));
  EXPECT_FALSE(BigInt::FromInt64(1).EqualsDouble(1.5));
  EXPECT_FALSE(BigInt::FromInt64(1).EqualsDouble(std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(BigInt::FromInt64(0).EqualsDouble(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_FALSE(BigInt::FromInt64(0).EqualsDouble(1.0));
  EXPECT_FALSE(BigInt::FromInt64(3).EqualsDouble(2.0));
  EXPECT_TRUE(BigInt::FromInt64(-7).EqualsDouble(-7.0));
}

TEST(BigIntTest, CompareOrdersBySignThenMagnitude) {
  BigInt minus_big = BigInt::FromDigits("1" + std::string(40, '0'), 10, true);
  BigInt minus_one = BigInt::FromInt64(-1);
  BigInt zero;
  BigInt one = BigInt::FromInt64(1);
  BigInt big = BigInt::FromDigits("1" + std::string(40, '0'), 10, false);
  std::vector<const BigInt*> order = {&minus_big, &minus_one, &zero, &one, &big};
  for (size_t i = 0; i < order.size(); ++i) {
    for (size_t j = 0; j < order.size(); ++j) {
      int c = order[i]->Compare(*order[j]);
      EXPECT_EQ(c < 0, i < j) << i << " " << j;
      EXPECT_EQ(c == 0, i == j) << i << " " << j;
      EXPECT_EQ(*order[i] == *order[j], i == j);
    }
  }
}

TEST(BigIntTest, DecimalDigitCountAtPowersOfTen) {
  std::string nines;
  for (int k = 1; k <= 1200; ++k) {
    nines.push_back('9');
    std::string power = "1" + std::string(k, '0');
    EXPECT_EQ(BigInt::FromDigits(nines, 10, true).DecimalDigitCount(), static_cast<size_t>(k)) << k;
    EXPECT_EQ(BigInt::FromDigits(power, 10, false).DecimalDigitCount(), static_cast<size_t>(k + 1)) << k;
    std::string power_plus = power;
    power_plus.back() = '1';
    EXPECT_EQ(BigInt::FromDigits(power_plus, 10, false).DecimalDigitCount(), static_cast<size_t>(k + 1)) << k;
  }
}

// Linear conversions must stay fast on multi-megabyte values.
TEST(BigIntTest, BinaryConversionsAreLinear) {
  const size_t n = 4 << 20;
  std::vector<uint8_t> bytes(n, 0);
  bytes.push_back(0x01);  // 2 ** (8n)
  const auto start = std::chrono::steady_clock::now();
  BigInt big = BigInt::FromTwosComplementLE(bytes);
  std::string hex = big.ToHex();
  std::vector<uint8_t> back = big.ToTwosComplementLE();
  BigInt from_hex = BigInt::FromDigits(std::string_view(hex).substr(2), 16, true);
  BigInt from_bin = BigInt::FromDigits("1" + std::string(8 * n, '0'), 2, false);
  std::optional<double> d = big.ToDouble();
  size_t digits = big.DecimalDigitCount();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(hex.size(), 2 + 1 + 2 * n);
  EXPECT_EQ(hex.substr(0, 3), "0x1");
  EXPECT_EQ(back, bytes);
  EXPECT_EQ(from_hex.Compare(big), -1);
  EXPECT_TRUE(from_bin == big);
  EXPECT_FALSE(d.has_value());
  // 2**(8n) has floor(8n * log10(2)) + 1 digits.
  EXPECT_EQ(digits, static_cast<size_t>(std::floor(8.0 * n * std::log10(2.0))) + 1);
  EXPECT_LT(seconds, 20.0);
}

// Differential check against CPython for random and boundary values: the
// LONG1 bytes, decimal, hex, float() and digit count.
TEST(BigIntTest, MatchesCPythonOnRandomValues) {
  const std::string script = R"PY(
import random, struct, sys, pickle
sys.set_int_max_str_digits(0)
rng = random.Random(20240611)
values = [0, 1, -1, 127, 128, -128, -129, 255, 256, -256, -257, 2**31, -2**31, 2**32, -2**32,
          2**63 - 1, 2**63, -2**63, -2**63 - 1, 2**64 - 1, 2**64, -2**64,
          2**53 + 1, 2**53 + 3, 2**1024 - 2**970, 2**1024 - 2**970 - 1, -(2**1024 - 2**970),
          10**300, 10**308, 10**309, -(10**400)]
for bits in range(1, 140):
    values += [2**bits - 1, 2**bits, 2**bits + 1, -(2**bits - 1), -(2**bits), -(2**bits + 1)]
for _ in range(3000):
    bits = rng.choice([8, 31, 32, 33, 53, 54, 63, 64, 65, 100, 500, 1023, 1024, 1025, 1100, 3000])
    bits = rng.randrange(1, bits + 1)
    v = rng.getrandbits(bits)
    if rng.random() < 0.3:
        # Long runs of ones or zeros stress rounding.
        shift = rng.randrange(0, 200)
        v = ((v | 1) << shift) + rng.choice([0, 1, -1, 1 << max(0, shift - 1)])
    if rng.random() < 0.5:
        v = -v
    values.append(v)
for v in values:
    try:
        f = struct.pack('>d', float(v)).hex()
    except OverflowError:
        f = 'overflow'
    print(pickle.encode_long(v).hex() or '-', str(v), hex(v), f, len(str(abs(v))),
          int(-2**63 <= v < 2**63), int(f != 'overflow' and v == float(v)))
)PY";
  std::string output;
  ASSERT_TRUE(RunPython(script, output));
  size_t checked = 0;
  for (const std::string& line : Split(output, '\n')) {
    if (line.empty()) continue;
    std::vector<std::string> f = Split(line, ' ');
    ASSERT_EQ(f.size(), 7u) << line;
    std::vector<uint8_t> bytes = f[0] == "-" ? std::vector<uint8_t>{} : FromHex(f[0]);
    BigInt v = BigInt::FromTwosComplementLE(bytes);
    EXPECT_EQ(v.ToDecimal(), f[1]);
    EXPECT_EQ(v.ToHex(), f[2]);
    EXPECT_EQ(v.ToTwosComplementLE(), bytes) << f[1];
    std::optional<double> d = v.ToDouble();
    if (f[3] == "overflow") {
      EXPECT_FALSE(d.has_value()) << f[1];
    } else {
      ASSERT_TRUE(d.has_value()) << f[1];
      EXPECT_EQ(Bits(*d), std::stoull(f[3], nullptr, 16)) << f[1];
      EXPECT_EQ(v.EqualsDouble(*d), f[6] == "1") << f[1];
    }
    EXPECT_EQ(v.DecimalDigitCount(), std::stoull(f[4])) << f[1];
    EXPECT_EQ(v.FitsInt64(), f[5] == "1") << f[1];
    if (v.FitsInt64()) {
      EXPECT_EQ(std::to_string(v.ToInt64()), f[1]);
    }
    // The text forms parse back to the same value.
    const bool negative = f[1][0] == '-';
    const std::string_view decimal = std::string_view(f[1]).substr(negative ? 1 : 0);
    const std::string_view hex = std::string_view(f[2]).substr(negative ? 3 : 2);
    EXPECT_TRUE(BigInt::FromDigits(decimal, 10, negative) == v) << f[1];
    EXPECT_TRUE(BigInt::FromDigits(hex, 16, negative) == v) << f[1];
    ++checked;
  }
  EXPECT_GT(checked, 3000u);
}

// float(int) == d and int-vs-float equality, against CPython's exact int == float.
TEST(BigIntTest, EqualsDoubleMatchesCPython) {
  const std::string script = R"PY(
import random, struct, math
rng = random.Random(7)
for _ in range(3000):
    e = rng.randrange(0, 1023)
    m = rng.getrandbits(53) | (1 << 52)
    d = math.ldexp(m, e - 52)
    if math.isinf(d):
        continue
    if rng.random() < 0.5:
        d = -d
    v = int(d) + rng.choice([0, 0, 1, -1, 2 ** max(0, e - 60)])
    if rng.random() < 0.1:
        d = d + 0.5
    print(hex(v), struct.pack('>d', d).hex(), int(v == d))
)PY";
  std::string output;
  ASSERT_TRUE(RunPython(script, output));
  size_t checked = 0;
  for (const std::string& line : Split(output, '\n')) {
    if (line.empty()) continue;
    std::vector<std::string> f = Split(line, ' ');
    ASSERT_EQ(f.size(), 3u);
    const bool negative = f[0][0] == '-';
    BigInt v = BigInt::FromDigits(std::string_view(f[0]).substr(negative ? 3 : 2), 16, negative);
    uint64_t bits = std::stoull(f[1], nullptr, 16);
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    EXPECT_EQ(v.EqualsDouble(d), f[2] == "1") << line;
    ++checked;
  }
  EXPECT_GT(checked, 2500u);
}

TEST(BigIntTest, CompareMatchesCPython) {
  const std::string script = R"PY(
import random
rng = random.Random(11)
pool = [0, 1, -1, 2**32, -2**32, 2**64, -2**64]
for _ in range(300):
    v = rng.getrandbits(rng.randrange(1, 200))
    pool.append(v if rng.random() < 0.5 else -v)
for _ in range(3000):
    a, b = rng.choice(pool), rng.choice(pool)
    print(hex(a), hex(b), (a > b) - (a < b))
)PY";
  std::string output;
  ASSERT_TRUE(RunPython(script, output));
  auto parse = [](std::string_view h) {
    const bool negative = h[0] == '-';
    return BigInt::FromDigits(h.substr(negative ? 3 : 2), 16, negative);
  };
  size_t checked = 0;
  for (const std::string& line : Split(output, '\n')) {
    if (line.empty()) continue;
    std::vector<std::string> f = Split(line, ' ');
    ASSERT_EQ(f.size(), 3u);
    int c = parse(f[0]).Compare(parse(f[1]));
    EXPECT_EQ((c > 0) - (c < 0), std::stoi(f[2])) << line;
    ++checked;
  }
  EXPECT_EQ(checked, 3000u);
}

}  // namespace
}  // namespace picklecheck
