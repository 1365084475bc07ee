// Arbitrary-precision signed integers for the pickle codec.
//
// Python ints have no size limit; the decoder keeps ints that fit in int64 as
// immediates and everything else as a BigInt (sign + magnitude in base 2**32,
// least significant limb first, no leading zero limbs; zero is non-negative
// with no limbs).
//
//   BigInt v = BigInt::FromTwosComplementLE(payload);   // LONG1 / LONG4
//   if (v.FitsInt64()) use(v.ToInt64());
//   std::string hex = v.ToHex();                          // "0x1" + "0"*16
//
// Conversions are linear except decimal text, which is quadratic and is only
// used on inputs CPython itself bounds (4300 digits).
#ifndef PICKLECHECK_HARNESS_PICKLE_BIGINT_H_
#define PICKLECHECK_HARNESS_PICKLE_BIGINT_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace picklecheck {

class BigInt {
 public:
  BigInt() = default;
  static BigInt FromInt64(int64_t v);
  static BigInt FromUint64(uint64_t v);
  // Little-endian two's complement, as LONG1/LONG4 carry it. An empty span is 0.
  static BigInt FromTwosComplementLE(std::span<const uint8_t> bytes);
  // Digits only (no sign, prefix or underscores), each char valid in `base`
  // (2, 8, 10 or 16; hex digits in either case). Empty means 0.
  static BigInt FromDigits(std::string_view digits, int base, bool negative);
  // From limbs (least significant first); trailing zero limbs are trimmed.
  static BigInt FromLimbs(std::span<const uint32_t> limbs, bool negative);

  bool negative() const { return negative_; }
  bool is_zero() const { return limbs_.empty(); }
  std::span<const uint32_t> limbs() const { return limbs_; }

  bool FitsInt64() const;
  int64_t ToInt64() const;  // requires FitsInt64()
  // Exact conversion to double following Python's int.__float__: rounds half
  // to even; nullopt when the value overflows a double.
  std::optional<double> ToDouble() const;
  // True when `d` (finite, integral) equals this value exactly.
  bool EqualsDouble(double d) const;
  // <0, 0, >0
  int Compare(const BigInt& other) const;
  bool operator==(const BigInt& other) const { return Compare(other) == 0; }

  std::string ToDecimal() const;  // "-123"
  std::string ToHex() const;      // "-0x7b", "0x0"
  // Minimal little-endian two's complement (as pickle's LONG1 writes it);
  // empty for zero.
  std::vector<uint8_t> ToTwosComplementLE() const;
  // Number of decimal digits of |v| (1 for zero). Linear, except when |v| is
  // within rounding error of a power of ten (10**k - 1, 10**k, ...): then it
  // compares against 10**k exactly, which is quadratic in the size.
  size_t DecimalDigitCount() const;

 private:
  bool negative_ = false;
  std::vector<uint32_t> limbs_;
};

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_PICKLE_BIGINT_H_
