#include "harness/pickle/bigint.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace picklecheck {
namespace {

constexpr uint32_t kDecimalChunk = 1000000000;  // 10**9, the largest power of ten in a limb
constexpr int kDecimalChunkDigits = 9;

void TrimLimbs(std::vector<uint32_t>& limbs) {
  while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
}

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

// limbs = limbs * mul + add, in place.
void MulAddSmall(std::vector<uint32_t>& limbs, uint32_t mul, uint32_t add) {
  uint64_t carry = add;
  for (uint32_t& limb : limbs) {
    uint64_t t = static_cast<uint64_t>(limb) * mul + carry;
    limb = static_cast<uint32_t>(t);
    carry = t >> 32;
  }
  if (carry != 0) limbs.push_back(static_cast<uint32_t>(carry));
}

// limbs /= div in place; returns the remainder.
uint32_t DivModSmall(std::vector<uint32_t>& limbs, uint32_t div) {
  uint64_t rem = 0;
  for (size_t i = limbs.size(); i-- > 0;) {
    uint64_t cur = (rem << 32) | limbs[i];
    limbs[i] = static_cast<uint32_t>(cur / div);
    rem = cur % div;
  }
  TrimLimbs(limbs);
  return static_cast<uint32_t>(rem);
}

int CompareMagnitude(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

// Schoolbook product; only DecimalDigitCount's rare exact path uses it.
std::vector<uint32_t> MulMagnitude(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  if (a.empty() || b.empty()) return {};
  std::vector<uint32_t> out(a.size() + b.size(), 0);
  for (size_t i = 0; i < a.size(); ++i) {
    uint64_t carry = 0;
    for (size_t j = 0; j < b.size(); ++j) {
      uint64_t t = static_cast<uint64_t>(a[i]) * b[j] + out[i + j] + carry;
      out[i + j] = static_cast<uint32_t>(t);
      carry = t >> 32;
    }
    out[i + b.size()] = static_cast<uint32_t>(carry);
  }
  TrimLimbs(out);
  return out;
}

std::vector<uint32_t> PowerOfTen(uint64_t exponent) {
  std::vector<uint32_t> result = {1};
  std::vector<uint32_t> base = {10};
  while (exponent != 0) {
    if (exponent & 1) result = MulMagnitude(result, base);
    exponent >>= 1;
    if (exponent != 0) base = MulMagnitude(base, base);
  }
  return result;
}

uint64_t BitLength(std::span<const uint32_t> limbs) {
  if (limbs.empty()) return 0;
  return (limbs.size() - 1) * 32 + (32 - static_cast<uint64_t>(__builtin_clz(limbs.back())));
}

// Bits [pos, pos + 64) of the magnitude (bits past the top read as zero).
uint64_t BitsAt(std::span<const uint32_t> limbs, uint64_t pos) {
  uint64_t out = 0;
  size_t limb = pos / 32;
  unsigned shift = pos % 32;
  for (int k = 0; k < 3; ++k) {
    if (limb + k >= limbs.size()) break;
    uint64_t v = limbs[limb + k];
    int at = k * 32 - static_cast<int>(shift);
    if (at < 0) {
      out |= v >> -at;
    } else if (at < 64) {
      out |= v << at;
    }
  }
  return out;
}

// True when any of the lowest `count` bits is set.
bool AnyLowBits(std::span<const uint32_t> limbs, uint64_t count) {
  size_t full = count / 32;
  for (size_t i = 0; i < full && i < limbs.size(); ++i) {
    if (limbs[i] != 0) return true;
  }
  unsigned rest = count % 32;
  if (rest != 0 && full < limbs.size()) {
    return (limbs[full] & ((uint32_t{1} << rest) - 1)) != 0;
  }
  return false;
}

}  // namespace

BigInt BigInt::FromInt64(int64_t v) {
  // Negate in unsigned arithmetic so INT64_MIN does not overflow.
  uint64_t magnitude = v < 0 ? ~static_cast<uint64_t>(v) + 1 : static_cast<uint64_t>(v);
  BigInt out = FromUint64(magnitude);
  out.negative_ = v < 0;
  return out;
}

BigInt BigInt::FromUint64(uint64_t v) {
  BigInt out;
  if (v != 0) out.limbs_.push_back(static_cast<uint32_t>(v));
  if ((v >> 32) != 0) out.limbs_.push_back(static_cast<uint32_t>(v >> 32));
  return out;
}

BigInt BigInt::FromTwosComplementLE(std::span<const uint8_t> bytes) {
  BigInt out;
  if (bytes.empty()) return out;
  const bool negative = (bytes.back() & 0x80) != 0;
  const uint32_t fill = negative ? 0xFFu : 0u;
  out.limbs_.assign((bytes.size() + 3) / 4, 0);
  for (size_t i = 0; i < out.limbs_.size(); ++i) {
    uint32_t limb = 0;
    for (size_t k = 0; k < 4; ++k) {
      size_t at = i * 4 + k;
      uint32_t byte = at < bytes.size() ? bytes[at] : fill;
      limb |= byte << (8 * k);
    }
    out.limbs_[i] = limb;
  }
  if (negative) {
    // |v| = ~bits + 1 over the sign-extended width.
    uint64_t carry = 1;
    for (uint32_t& limb : out.limbs_) {
      uint64_t t = static_cast<uint64_t>(static_cast<uint32_t>(~limb)) + carry;
      limb = static_cast<uint32_t>(t);
      carry = t >> 32;
    }
    // Only -2**(32k) reaches here with a carry; its magnitude needs one more limb.
    if (carry != 0) out.limbs_.push_back(static_cast<uint32_t>(carry));
  }
  TrimLimbs(out.limbs_);
  out.negative_ = negative && !out.limbs_.empty();
  return out;
}

BigInt BigInt::FromDigits(std::string_view digits, int base, bool negative) {
  BigInt out;
  if (base == 10) {
    // Quadratic: nine digits at a time, limbs = limbs * 10**k + chunk.
    out.limbs_.reserve(digits.size() / 9 + 1);
    size_t pos = 0;
    size_t first = digits.size() % kDecimalChunkDigits;
    if (first == 0) first = kDecimalChunkDigits;
    while (pos < digits.size()) {
      size_t len = pos == 0 ? std::min(first, digits.size()) : kDecimalChunkDigits;
      uint32_t chunk = 0;
      uint32_t scale = 1;
      for (size_t i = 0; i < len; ++i) {
        chunk = chunk * 10 + static_cast<uint32_t>(DigitValue(digits[pos + i]));
        scale *= 10;
      }
      MulAddSmall(out.limbs_, scale, chunk);
      pos += len;
    }
  } else {
    // Power-of-two bases: each digit is a fixed bit field, so pack from the
    // least significant end in one linear pass.
    const int bits_per_digit = base == 2 ? 1 : base == 8 ? 3 : 4;
    assert(base == 2 || base == 8 || base == 16);
    out.limbs_.reserve(digits.size() * bits_per_digit / 32 + 1);
    uint64_t acc = 0;
    int acc_bits = 0;
    for (size_t i = digits.size(); i-- > 0;) {
      acc |= static_cast<uint64_t>(DigitValue(digits[i])) << acc_bits;
      acc_bits += bits_per_digit;
      if (acc_bits >= 32) {
        out.limbs_.push_back(static_cast<uint32_t>(acc));
        acc >>= 32;
        acc_bits -= 32;
      }
    }
    if (acc_bits > 0) out.limbs_.push_back(static_cast<uint32_t>(acc));
  }
  TrimLimbs(out.limbs_);
  out.negative_ = negative && !out.limbs_.empty();
  return out;
}

BigInt BigInt::FromLimbs(std::span<const uint32_t> limbs, bool negative) {
  BigInt out;
  out.limbs_.assign(limbs.begin(), limbs.end());
  TrimLimbs(out.limbs_);
  out.negative_ = negative && !out.limbs_.empty();
  return out;
}

bool BigInt::FitsInt64() const {
  if (limbs_.size() <= 1) return true;
  if (limbs_.size() > 2) return false;
  uint64_t magnitude = (static_cast<uint64_t>(limbs_[1]) << 32) | limbs_[0];
  return negative_ ? magnitude <= (uint64_t{1} << 63) : magnitude < (uint64_t{1} << 63);
}

int64_t BigInt::ToInt64() const {
  assert(FitsInt64());
  uint64_t magnitude = 0;
  if (!limbs_.empty()) magnitude = limbs_[0];
  if (limbs_.size() > 1) magnitude |= static_cast<uint64_t>(limbs_[1]) << 32;
  // Two's complement wrap-around in unsigned arithmetic, then a well-defined
  // conversion (C++20) back to signed.
  return static_cast<int64_t>(negative_ ? ~magnitude + 1 : magnitude);
}

std::optional<double> BigInt::ToDouble() const {
  // CPython 3.11 longobject.c PyLong_AsDouble: round half to even to 53 bits,
  // OverflowError when the rounded value reaches 2**1024; float(2**1024 - 2**970)
  // raises, float(2**1024 - 2**970 - 1) is sys.float_info.max.
  const uint64_t bits = BitLength(limbs_);
  double magnitude;
  if (bits <= 64) {
    magnitude = static_cast<double>(BitsAt(limbs_, 0));  // correctly rounded
  } else {
    const uint64_t shift = bits - 64;
    uint64_t top = BitsAt(limbs_, shift);
    // Fold the discarded bits into a sticky bit far below the rounding
    // position (bit 10 of 64), which keeps the conversion correctly rounded.
    if (AnyLowBits(limbs_, shift)) top |= 1;
    if (shift > 2000) return std::nullopt;
    magnitude = std::ldexp(static_cast<double>(top), static_cast<int>(shift));
    if (std::isinf(magnitude)) return std::nullopt;
  }
  return negative_ ? -magnitude : magnitude;
}

bool BigInt::EqualsDouble(double d) const {
  if (!std::isfinite(d) || d != std::trunc(d)) return false;
  if (d == 0) return is_zero();
  if ((d < 0) != negative_) return false;
  int exp = 0;
  double frac = std::frexp(std::fabs(d), &exp);  // |d| = frac * 2**exp, frac in [0.5, 1)
  // 53-bit integer mantissa; |d| = mantissa * 2**(exp - 53).
  uint64_t mantissa = static_cast<uint64_t>(std::ldexp(frac, 53));
  int shift = exp - 53;
  if (shift < 0) {
    // d is integral, so the shifted-out bits are zero.
    mantissa >>= -shift;
    shift = 0;
  }
  // Expected bit length is that of mantissa + shift; compare limb-wise.
  const uint64_t mant_bits = 64 - static_cast<uint64_t>(__builtin_clzll(mantissa));
  if (BitLength(limbs_) != mant_bits + static_cast<uint64_t>(shift)) return false;
  if (AnyLowBits(limbs_, static_cast<uint64_t>(shift))) return false;
  return BitsAt(limbs_, static_cast<uint64_t>(shift)) == mantissa;
}

int BigInt::Compare(const BigInt& other) const {
  if (negative_ != other.negative_) return negative_ ? -1 : 1;
  int magnitude = CompareMagnitude(limbs_, other.limbs_);
  return negative_ ? -magnitude : magnitude;
}

std::string BigInt::ToDecimal() const {
  if (limbs_.empty()) return "0";
  std::vector<uint32_t> work = limbs_;
  std::vector<uint32_t> chunks;  // base 10**9, least significant first
  chunks.reserve(limbs_.size() * 32 / 29 + 1);
  while (!work.empty()) chunks.push_back(DivModSmall(work, kDecimalChunk));
  std::string out;
  out.reserve(chunks.size() * kDecimalChunkDigits + 1);
  if (negative_) out.push_back('-');
  out += std::to_string(chunks.back());
  for (size_t i = chunks.size() - 1; i-- > 0;) {
    char buf[kDecimalChunkDigits];
    uint32_t v = chunks[i];
    for (int k = kDecimalChunkDigits - 1; k >= 0; --k) {
      buf[k] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    out.append(buf, kDecimalChunkDigits);
  }
  return out;
}

std::string BigInt::ToHex() const {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  std::string out = negative_ ? "-0x" : "0x";
  if (limbs_.empty()) {
    out.push_back('0');
    return out;
  }
  out.reserve(out.size() + limbs_.size() * 8);
  bool started = false;
  for (size_t i = limbs_.size(); i-- > 0;) {
    for (int nibble = 7; nibble >= 0; --nibble) {
      unsigned v = (limbs_[i] >> (nibble * 4)) & 0xF;
      if (v == 0 && !started) continue;
      started = true;
      out.push_back(kHexDigits[v]);
    }
  }
  return out;
}

std::vector<uint8_t> BigInt::ToTwosComplementLE() const {
  // CPython 3.11 _pickle.c save_long / pickle.encode_long: the shortest
  // little-endian two's complement; 255 -> ff 00, -128 -> 80, -129 -> 7f ff.
  std::vector<uint8_t> out;
  if (limbs_.empty()) return out;
  out.reserve(limbs_.size() * 4 + 1);
  for (uint32_t limb : limbs_) {
    for (int k = 0; k < 4; ++k) out.push_back(static_cast<uint8_t>(limb >> (8 * k)));
  }
  out.push_back(0);  // room for the sign
  if (negative_) {
    unsigned carry = 1;
    for (uint8_t& byte : out) {
      unsigned t = static_cast<uint8_t>(~byte) + carry;
      byte = static_cast<uint8_t>(t);
      carry = t >> 8;
    }
  }
  // Drop top bytes that only repeat the sign of the byte below them.
  while (out.size() > 1) {
    uint8_t top = out.back();
    bool below_negative = (out[out.size() - 2] & 0x80) != 0;
    if ((top == 0x00 && !below_negative) || (top == 0xFF && below_negative)) {
      out.pop_back();
    } else {
      break;
    }
  }
  return out;
}

size_t BigInt::DecimalDigitCount() const {
  if (limbs_.empty()) return 1;
  const uint64_t bits = BitLength(limbs_);
  if (bits <= 64) {
    uint64_t v = BitsAt(limbs_, 0);
    size_t count = 1;
    while (v >= 10) {
      v /= 10;
      ++count;
    }
    return count;
  }
  // log10|v| from the top 64 bits. The count is floor(log10|v|) + 1; only
  // when log10|v| lies within rounding error of an integer k does it take
  // the exact (quadratic) comparison against 10**k.
  const uint64_t shift = bits - 64;
  const long double top = static_cast<long double>(BitsAt(limbs_, shift));
  const long double log10v =
      std::log10(top) + static_cast<long double>(shift) * 0.301029995663981195213738894724493L;
  const long double nearest = std::round(log10v);
  const long double margin = 1e-12L + log10v * 1e-15L;
  if (std::fabs(log10v - nearest) > margin) {
    return static_cast<size_t>(std::floor(log10v)) + 1;
  }
  const uint64_t k = static_cast<uint64_t>(nearest);
  const std::vector<uint32_t> power = PowerOfTen(k);
  return CompareMagnitude(limbs_, power) >= 0 ? static_cast<size_t>(k) + 1 : static_cast<size_t>(k);
}

}  // namespace picklecheck
