#include "harness/pickle/encoder.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "harness/pickle/arena.h"
#include "harness/pickle/bigint.h"
#include "harness/pickle/canonical.h"
#include "harness/pickle/compat_names.h"
#include "harness/pickle/opcode.h"
#include "harness/pickle/pycodecs.h"
#include "harness/pickle/pytext.h"

// Structure. CPython's save() recurses; this encoder runs the same
// algorithm on an explicit stack of frames (a tuple being written, a batch
// of list items, a reduction), so graphs of any depth are safe and the
// recursion budget is an explicit counter. Save(v) is `save(self, obj, 0)`
// of _pickle.c: it either finishes `v` inline (atoms, strs, memo hits,
// empty containers) or pushes a frame and returns kPushed; the frame, when
// resumed, continues exactly where CPython's C function would after the
// nested save() returned.
//
// Objects that CPython creates while pickling (the `(cls,)+args` tuple of a
// reduction, the list inside `set([...])`, the str of `_codecs.encode(str,
// 'latin1')`, the `functools.partial` of NEWOBJ_EX below p4) are temporary
// nodes in the encoder's own arena, saved through the same code. Their memo
// key is their address (a fresh object) unless CPython shares them: see
// KeyOf() and the Temp*() helpers.
//
// Deliberate choices, where the value graph cannot say what CPython's object
// graph would be (they agree with the oracle's stub machinery):
// * Bytes nodes are objects as the decoder made them (a decoded
//   `_codecs.encode('x', 'latin1')` is CPython's one-byte singleton and the
//   decoder returns one node for all of them); the bytes this encoder
//   creates for `bytearray(b'x')` below p5 are fresh, as PyBytes_FromObject's
//   are: [bytearray(b'a'), bytearray(b'a')] p3 writes C\x01a twice.
// * Str values are distinct from the interned strs CPython uses internally
//   ('latin1', 'builtins'), except one-character strs (always singletons).
// * A stub class's __name__ is the last dotted part of its name, its
//   __new__ is object.__new__, and an instance made by calling a class is an
//   instance of that class (this only matters for callables named
//   __newobj__ / __newobj_ex__, which save_reduce treats specially).
namespace picklecheck {
namespace {

constexpr char B(Opcode o) { return static_cast<char>(o); }

constexpr size_t kFrameTarget = 64 * 1024;  // FRAME_SIZE_TARGET
constexpr size_t kFrameHeader = 9;
constexpr size_t kFrameMin = 4;            // FRAME_SIZE_MIN
constexpr uint32_t kBatchSize = 1000;      // BATCHSIZE
constexpr uint64_t k4GiB = 0xffffffffull;

inline void PutLe32(char* p, uint32_t v) {
  p[0] = static_cast<char>(v);
  p[1] = static_cast<char>(v >> 8);
  p[2] = static_cast<char>(v >> 16);
  p[3] = static_cast<char>(v >> 24);
}
inline void PutLe64(char* p, uint64_t v) {
  PutLe32(p, static_cast<uint32_t>(v));
  PutLe32(p + 4, static_cast<uint32_t>(v >> 32));
}

// ---- output -----------------------------------------------------------------

// The pickler's output buffer with _pickle.c's framing: a frame header is
// reserved by the first write after a commit and patched (or squeezed out)
// when the frame is committed. The hot paths are one comparison each:
// Grab() against `limit_` (0 while a frame must be opened first, so that
// case takes the slow path), Boundary() against `frame_end_` (where the open
// frame reaches 64 KiB; never when no frame is open).
class Writer {
  static constexpr size_t kExposeStep = 256 * 1024;

 public:
  // Writes into `storage`'s memory (a caller's buffer from an earlier
  // encode is reused, so repeated encodes do not grow from scratch).
  explicit Writer(std::string storage) : buf_(std::move(storage)) {
    // A fresh string starts small: resize() zero-fills, and 4 KiB of zeroes
    // cost more than encoding a small value does.
    buf_.resize(std::max<size_t>(std::min(buf_.capacity(), kExposeStep), 256));
    limit_ = buf_.size();
  }

  void EnableFraming() {
    framing_ = true;
    pending_ = true;
    limit_ = 0;
  }

  // Space for `n` more bytes (_Pickler_Write).
  inline char* Grab(size_t n) {
    if (pos_ + n <= limit_) [[likely]] {
      char* p = buf_.data() + pos_;
      pos_ += n;
      return p;
    }
    return GrabSlow(n);
  }
  // Space for up to `n` bytes, of which Advance() then keeps some.
  inline char* Reserve(size_t n) {
    if (pos_ + n <= limit_) [[likely]] return buf_.data() + pos_;
    char* p = GrabSlow(n);
    pos_ -= n;
    return p;
  }
  void Advance(size_t n) { pos_ += n; }
  void Put(char c) { *Grab(1) = c; }
  void Put(char a, char b) {
    char* p = Grab(2);
    p[0] = a;
    p[1] = b;
  }
  void Put(std::string_view s) {
    if (!s.empty()) std::memcpy(Grab(s.size()), s.data(), s.size());
  }

  // _Pickler_OpcodeBoundary: at the start of every save().
  inline void Boundary() {
    if (pos_ >= frame_end_) [[unlikely]] Commit();
  }

  // _Pickler_CommitFrame.
  void Commit() {
    if (!open_) return;
    size_t len = pos_ - frame_start_ - kFrameHeader;
    char* q = buf_.data() + frame_start_;
    if (len >= kFrameMin) {
      q[0] = B(Opcode::kFRAME);
      PutLe64(q + 1, len);
    } else {
      std::memmove(q, q + kFrameHeader, len);
      pos_ -= kFrameHeader;
    }
    open_ = false;
    frame_end_ = SIZE_MAX;
    SetPending(framing_);
  }

  // _Pickler_write_bytes: payloads of >= 64 KiB close the frame and are
  // written unframed.
  void Payload(std::string_view header, std::string_view data) {
    if (data.size() >= kFrameTarget) {
      Commit();
      SetPending(false);
      Put(header);
      Put(data);
      SetPending(framing_);
      return;
    }
    char* p = Grab(header.size() + data.size());
    std::memcpy(p, header.data(), header.size());
    if (!data.empty()) std::memcpy(p + header.size(), data.data(), data.size());
  }

  size_t size() const { return pos_; }
  // For tight loops that keep the cursor in a register: write at data() +
  // pos while pos + n <= limit() and pos < frame_end(), then set_pos().
  char* data() { return buf_.data(); }
  size_t limit() const { return limit_; }
  size_t frame_end() const { return frame_end_; }
  void set_pos(size_t pos) { pos_ = pos; }

  std::string Take() {
    buf_.resize(pos_);
    return std::move(buf_);
  }

 private:
  void SetPending(bool pending) {
    pending_ = pending;
    limit_ = pending ? 0 : buf_.size();
  }

  char* GrabSlow(size_t n) {
    size_t need = pos_ + n + (pending_ ? kFrameHeader : 0);
    if (need > buf_.size()) {
      // Capacity doubles (reserve copies only what was written); the size,
      // which std::string zero-fills, grows in steps, so untouched capacity
      // costs no page faults.
      if (need > buf_.capacity()) buf_.reserve(std::max(need, buf_.capacity() * 2));
      buf_.resize(std::min(buf_.capacity(), std::max(need, buf_.size() + kExposeStep)));
    }
    if (pending_) {
      frame_start_ = pos_;
      pos_ += kFrameHeader;
      open_ = true;
      frame_end_ = frame_start_ + kFrameHeader + kFrameTarget;
    }
    SetPending(false);
    char* p = buf_.data() + pos_;
    pos_ += n;
    return p;
  }

  std::string buf_;
  size_t pos_ = 0;
  size_t limit_ = 0;           // Grab's fast path: pos_ + n <= limit_
  size_t frame_end_ = SIZE_MAX;  // Boundary commits at pos_ >= frame_end_
  size_t frame_start_ = 0;
  bool framing_ = false;
  bool pending_ = false;  // the next write opens a frame
  bool open_ = false;     // a frame is open
};

// ---- the memo ---------------------------------------------------------------

// Identity -> memo index, open addressing with linear probing. Keys are
// node addresses (multiples of 8) or tagged values (low bit set); 0 is never
// a key.
class IdentityMap {
 public:
  // Small: most pickles are small, and zeroing a big table dominated them
  // (two 1,024-slot maps were 58% of encoding a 120-byte pickle).
  IdentityMap() { Rehash(32); }

  int64_t Find(uint64_t key) const {
    for (size_t i = Home(key);; i = (i + 1) & mask_) {
      const Entry& e = slots_[i];
      if (e.key == key) return e.value;
      if (e.key == 0) return -1;
    }
  }
  void Insert(uint64_t key, uint32_t value) {
    if ((count_ + 1) * 2 > mask_ + 1) Grow();
    size_t i = Home(key);
    while (slots_[i].key != 0) i = (i + 1) & mask_;
    slots_[i] = Entry{key, value};
    ++count_;
  }
  // Starts loading `key`'s home slot (the batch loop looks a few items ahead:
  // a memo of 10^5 strs does not fit in cache, and the probe is the cost).
  void Prefetch(uint64_t key) const { __builtin_prefetch(&slots_[Home(key)]); }
  // The index of `key`, or -1 after inserting it with `value`.
  int64_t FindOrInsert(uint64_t key, uint32_t value) {
    if ((count_ + 1) * 2 > mask_ + 1) Grow();
    size_t i = Home(key);
    for (;; i = (i + 1) & mask_) {
      Entry& e = slots_[i];
      if (e.key == key) return e.value;
      if (e.key == 0) break;
    }
    slots_[i] = Entry{key, value};
    ++count_;
    return -1;
  }

 private:
  struct Entry {
    uint64_t key;
    uint64_t value;
  };
  // Fibonacci hashing: node addresses are regular (arena strides), so the
  // low bits alone would cluster badly.
  size_t Home(uint64_t key) const { return (key * 0x9E3779B97F4A7C15ull) >> shift_; }
  void Grow() { Rehash((mask_ + 1) * (mask_ + 1 < (size_t{1} << 20) ? 4 : 2)); }
  void Rehash(size_t capacity) {
    std::unique_ptr<Entry[]> old = std::move(slots_);
    size_t old_cap = old ? mask_ + 1 : 0;
    slots_.reset(new Entry[capacity]());
    mask_ = capacity - 1;
    shift_ = 64 - std::countr_zero(capacity);
    count_ = 0;
    for (size_t i = 0; i < old_cap; ++i) {
      if (old[i].key != 0) {
        size_t j = Home(old[i].key);
        while (slots_[j].key != 0) j = (j + 1) & mask_;
        slots_[j] = old[i];
        ++count_;
      }
    }
  }

  std::unique_ptr<Entry[]> slots_;
  size_t mask_ = 0;
  int shift_ = 64;
  size_t count_ = 0;
};

// Tagged memo keys for objects that are one object by content.
constexpr uint64_t kKeyCharStr = 1;     // (code point << 4) | 1; "" is code point 0x100
constexpr uint64_t kKeyGlobal = 3;      // (global id << 4) | 3
constexpr uint64_t kKeyEmptyBytes = 5;  // b""

// One-character str below U+0100 (or ""): its code point (0x100 for "").
inline int SingletonChar(std::string_view s) {
  if (s.empty()) return 0x100;
  if (s.size() == 1) return static_cast<uint8_t>(s[0]) < 0x80 ? static_cast<uint8_t>(s[0]) : -1;
  if (s.size() == 2) {
    auto b0 = static_cast<uint8_t>(s[0]);
    auto b1 = static_cast<uint8_t>(s[1]);
    if ((b0 == 0xC2 || b0 == 0xC3) && (b1 & 0xC0) == 0x80) return ((b0 & 0x1F) << 6) | (b1 & 0x3F);
  }
  return -1;
}

// ---- sequences --------------------------------------------------------------

// A run of items, each one Value or a pair (key, value), laid out in any of
// the value model's arrays (Value, DictEntry, SetEntry, Op).
struct Units {
  const char* base = nullptr;
  uint32_t stride = sizeof(Value);
  uint8_t off_a = 0;
  uint8_t off_b = 0;
  bool pairs = false;

  const Value& A(size_t i) const {
    return *reinterpret_cast<const Value*>(base + i * stride + off_a);
  }
  const Value& B(size_t i) const {
    return *reinterpret_cast<const Value*>(base + i * stride + off_b);
  }

  static Units Values(const Value* v) {
    Units u;
    u.base = reinterpret_cast<const char*>(v);
    return u;
  }
  static Units Dict(const DictEntry* e) {
    Units u;
    u.base = reinterpret_cast<const char*>(e);
    u.stride = sizeof(DictEntry);
    u.off_a = offsetof(DictEntry, key);
    u.off_b = offsetof(DictEntry, value);
    u.pairs = true;
    return u;
  }
  static Units Set(const SetEntry* e) {
    Units u;
    u.base = reinterpret_cast<const char*>(e);
    u.stride = sizeof(SetEntry);
    u.off_a = offsetof(SetEntry, key);
    return u;
  }
  static Units Ops(const Op* ops, bool pairs) {
    Units u;
    u.base = reinterpret_cast<const char*>(ops);
    u.stride = sizeof(Op);
    u.off_a = offsetof(Op, a);
    u.off_b = offsetof(Op, b);
    u.pairs = pairs;
    return u;
  }
};

// How a run of items is batched (_pickle.c batch_list_exact, batch_dict_exact,
// save_set, batch_list/batch_dict over an iterator, protocol 0).
enum class Batch : uint8_t {
  kOneByOne,   // protocol 0: each item followed by APPEND / SETITEM
  kExactList,  // one item: x APPEND; else MARK <=1000 APPENDS ...
  kExactDict,  // as kExactList, plus an empty MARK SETITEMS when len % 1000 == 0
  kSet,        // MARK <=1000 ADDITEMS ..., empty trailing chunk when len % 1000 == 0
  kIterator,   // chunks of 1000 while >= 2 items remain; a last single item is bare
};

// What save_reduce writes, resolved.
struct ReduceSpec {
  enum Mode : uint8_t { kPlain, kNewObj, kNewObjEx };
  Mode mode = kPlain;
  Value first;                     // kPlain: the callable; else the class
  const Value* args = nullptr;     // a fresh args tuple's items...
  size_t nargs = 0;
  Value args_node;                 // ...or an existing tuple (when not None)
  Value kwargs_node;               // kNewObjEx: the kwargs dict
  const Op* appends = nullptr;
  size_t nappends = 0;
  const Op* setitems = nullptr;
  size_t nsetitems = 0;
  Value state;
  bool has_state = false;
  uint64_t key = 0;       // memo key of the object (0: obj is NULL)
  uint64_t post_key = 0;  // save_global's memo_put after a getattr reduction
};

enum class FrameKind : uint8_t { kBatch, kTuple, kReduce, kPersId };

struct Frame {
  FrameKind kind;
  uint8_t phase = 0;
  uint8_t enters = 0;  // recursion budget held
  Batch style = Batch::kOneByOne;
  bool mark = false;        // kTuple: MARK form; kBatch: chunk open
  bool frozenset = false;   // kTuple: FROZENSET finish
  bool bare = false;        // kBatch: current item is written without MARK
  char single_op = 0;
  char multi_op = 0;
  const char* label = "";   // for error paths
  uint32_t in_chunk = 0;
  Units units;
  size_t n = 0;
  size_t i = 0;
  uint64_t key = 0;
  Value owner;
  ReduceSpec* spec = nullptr;
};

// ---- names ------------------------------------------------------------------

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<uint8_t>(c) >= 0x80) return false;
  }
  return true;
}

// Surrogatepass UTF-8 that strict UTF-8 can encode (no lone surrogates).
bool HasNoSurrogates(std::string_view s) {
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (static_cast<uint8_t>(s[i]) == 0xED && static_cast<uint8_t>(s[i + 1]) >= 0xA0) return false;
  }
  return true;
}

std::string_view LastPart(std::string_view name) {
  size_t dot = name.rfind('.');
  return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

bool HasLocalsPart(std::string_view name) {
  size_t start = 0;
  for (;;) {
    size_t dot = name.find('.', start);
    std::string_view part = name.substr(start, dot == std::string_view::npos ? name.npos : dot - start);
    if (part == "<locals>") return true;
    if (dot == std::string_view::npos) return false;
    start = dot + 1;
  }
}

// ---- CPython's hash order of sets (SetOrder::kCPythonSeed0) -----------------

namespace pyhash {

constexpr uint64_t kModulus = (uint64_t{1} << 61) - 1;  // _PyHASH_MODULUS
constexpr int kBits = 61;

inline int64_t Fix(uint64_t h) { return static_cast<int64_t>(h) == -1 ? -2 : static_cast<int64_t>(h); }

int64_t Int64(int64_t v) {
  // long_hash: |v| mod (2**61 - 1), with the sign; -1 becomes -2.
  uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  uint64_t x = mag % kModulus;
  int64_t h = v < 0 ? -static_cast<int64_t>(x) : static_cast<int64_t>(x);
  return h == -1 ? -2 : h;
}

int64_t Big(const BigIntNode* b) {
  // long_hash over 30-bit digits, most significant first.
  BigInt v = b->ToBigInt();
  std::span<const uint32_t> limbs = v.limbs();
  // Rebuild as 30-bit digits.
  std::vector<uint32_t> digits;
  uint64_t acc = 0;  // < 2**62: up to 29 leftover bits plus a limb
  int bits = 0;
  for (uint32_t limb : limbs) {
    acc |= static_cast<uint64_t>(limb) << bits;
    bits += 32;
    while (bits >= 30) {
      digits.push_back(static_cast<uint32_t>(acc & 0x3fffffff));
      acc >>= 30;
      bits -= 30;
    }
  }
  if (bits > 0) digits.push_back(static_cast<uint32_t>(acc));
  while (!digits.empty() && digits.back() == 0) digits.pop_back();
  uint64_t x = 0;
  for (size_t i = digits.size(); i-- > 0;) {
    x = ((x << 30) & kModulus) | (x >> (kBits - 30));
    x += digits[i];
    if (x >= kModulus) x -= kModulus;
  }
  int64_t h = v.negative() ? -static_cast<int64_t>(x) : static_cast<int64_t>(x);
  return h == -1 ? -2 : h;
}

// _Py_HashDouble for non-NaN values.
int64_t Double(double v) {
  if (std::isinf(v)) return v > 0 ? 314159 : -314159;
  int e;
  double m = std::frexp(v, &e);
  int sign = 1;
  if (m < 0) {
    sign = -1;
    m = -m;
  }
  uint64_t x = 0;
  while (m) {
    x = ((x << 28) & kModulus) | x >> (kBits - 28);
    m *= 268435456.0;  // 2**28
    e -= 28;
    auto y = static_cast<uint64_t>(m);
    m -= static_cast<double>(y);
    x += y;
    if (x >= kModulus) x -= kModulus;
  }
  e = e >= 0 ? e % kBits : kBits - 1 - ((-1 - e) % kBits);
  x = ((x << e) & kModulus) | x >> (kBits - e);
  int64_t h = static_cast<int64_t>(x) * sign;
  return h == -1 ? -2 : h;
}

inline uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

// siphash13 with k0 = k1 = 0 (PYTHONHASHSEED=0), as Python/pyhash.c.
uint64_t SipHash13(const uint8_t* in, size_t n) {
  uint64_t b = static_cast<uint64_t>(n) << 56;
  uint64_t v0 = 0x736f6d6570736575ull;
  uint64_t v1 = 0x646f72616e646f6dull;
  uint64_t v2 = 0x6c7967656e657261ull;
  uint64_t v3 = 0x7465646279746573ull;
  auto round = [&] {
    v0 += v1;
    v2 += v3;
    v1 = Rotl(v1, 13) ^ v0;
    v3 = Rotl(v3, 16) ^ v2;
    v0 = Rotl(v0, 32);
    v2 += v1;
    v0 += v3;
    v1 = Rotl(v1, 17) ^ v2;
    v3 = Rotl(v3, 21) ^ v0;
    v2 = Rotl(v2, 32);
  };
  while (n >= 8) {
    uint64_t mi;
    std::memcpy(&mi, in, 8);
    in += 8;
    n -= 8;
    v3 ^= mi;
    round();
    v0 ^= mi;
  }
  uint64_t t = 0;
  std::memcpy(&t, in, n);
  b |= t;
  v3 ^= b;
  round();
  v0 ^= b;
  v2 ^= 0xff;
  round();
  round();
  round();
  return (v0 ^ v1) ^ (v2 ^ v3);
}

int64_t Bytes(std::string_view s) {
  if (s.empty()) return 0;
  return Fix(SipHash13(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

// str: the hash of its PEP 393 buffer (UCS1, UCS2 or UCS4, little-endian).
int64_t Str(std::string_view utf8) {
  if (utf8.empty()) return 0;
  std::vector<uint32_t> cps;
  uint32_t max = 0;
  for (size_t i = 0; i < utf8.size();) {
    uint32_t cp = pycodecs::NextCodePoint(utf8, i);
    cps.push_back(cp);
    max = std::max(max, cp);
  }
  std::string buf;
  int width = max < 0x100 ? 1 : max < 0x10000 ? 2 : 4;
  buf.resize(cps.size() * static_cast<size_t>(width));
  for (size_t i = 0; i < cps.size(); ++i) {
    for (int b = 0; b < width; ++b) buf[i * width + b] = static_cast<char>(cps[i] >> (8 * b));
  }
  return Bytes(buf);
}

}  // namespace pyhash

// ---- the encoder ------------------------------------------------------------

struct ErrorInfo {
  EncodeErrorCode code;
  const char* exception;
  ErrorKind kind;
};

ErrorInfo InfoOf(EncodeErrorCode code) {
  switch (code) {
    case EncodeErrorCode::kBadProtocol: return {code, "ValueError", ErrorKind::kUnsupportedProtocol};
    case EncodeErrorCode::kBufferNeedsP5: return {code, "PicklingError", ErrorKind::kUnsupportedForm};
    case EncodeErrorCode::kBufferCallbackNeedsP5: return {code, "ValueError", ErrorKind::kUnsupportedProtocol};
    case EncodeErrorCode::kMemoryView: return {code, "TypeError", ErrorKind::kUnsupportedForm};
    case EncodeErrorCode::kIntDigits: return {code, "ValueError", ErrorKind::kIntDigitLimit};
    case EncodeErrorCode::kIntTooLarge: return {code, "OverflowError", ErrorKind::kUnsupportedForm};
    case EncodeErrorCode::kTooLargeFor4GiB: return {code, "OverflowError", ErrorKind::kUnsupportedForm};
    case EncodeErrorCode::kNonAsciiName: return {code, "PicklingError", ErrorKind::kUnsupportedForm};
    case EncodeErrorCode::kLocalObject: return {code, "AttributeError", ErrorKind::kUnsupportedForm};
    case EncodeErrorCode::kImportFailed: return {code, "PicklingError", ErrorKind::kUnsupportedForm};
    case EncodeErrorCode::kRecursion: return {code, "RecursionError", ErrorKind::kRecursionLimit};
    case EncodeErrorCode::kPersIdNotAscii: return {code, "PicklingError", ErrorKind::kUnsupportedForm};
    case EncodeErrorCode::kPersIdNone: return {code, "", ErrorKind::kUnsupportedForm};
    case EncodeErrorCode::kPersIdForm: return {code, "", ErrorKind::kUnsupportedForm};
    case EncodeErrorCode::kOpsOrder: return {code, "", ErrorKind::kUnsupportedForm};
    case EncodeErrorCode::kNotCallable: return {code, "PicklingError", ErrorKind::kUnsupportedForm};
    case EncodeErrorCode::kNewObjNotType: return {code, "PicklingError", ErrorKind::kUnsupportedForm};
    case EncodeErrorCode::kNewObjWrongClass: return {code, "PicklingError", ErrorKind::kUnsupportedForm};
    case EncodeErrorCode::kNewObjEmpty: return {code, "PicklingError", ErrorKind::kUnsupportedForm};
    case EncodeErrorCode::kNewObjExArgs: return {code, "PicklingError", ErrorKind::kUnsupportedForm};
    case EncodeErrorCode::kHole: return {code, "", ErrorKind::kUnsupportedForm};
  }
  return {code, "", ErrorKind::kUnsupportedForm};
}

class Encoder {
 public:
  Encoder(const EncodeOptions& options, Encoded& out, EncodeError* error)
      : w_(std::move(out.pickle)),
        proto_(options.protocol < 0 ? 5 : options.protocol),
        fix_imports_(options.fix_imports),
        oob_(options.out_of_band),
        set_order_(options.set_order),
        max_depth_(options.max_depth),
        save_call_depth_(options.save_call_depth),
        fast_atoms_(options.save_call_depth == 0),
        out_(out),
        error_(error) {
    frames_.reserve(64);
  }

  Status Run(const Value& root) {
    if (proto_ > 5) {
      Fail(EncodeErrorCode::kBadProtocol, Value::Int(proto_), 0xff, "pickle protocol must be <= 5");
      return error_kind_;
    }
    if (oob_ && proto_ < 5) {
      // Pickler.__init__ refuses a buffer_callback below protocol 5.
      Fail(EncodeErrorCode::kBufferCallbackNeedsP5, Value::None(), 5, "buffer_callback needs protocol >= 5");
      return error_kind_;
    }
    bin_ = proto_ >= 1;
    if (proto_ >= 2) {
      w_.Put(B(Opcode::kPROTO), static_cast<char>(proto_));
      if (proto_ >= 4) w_.EnableFraming();
    }
    Save(root);
    while (!failed_ && !frames_.empty()) Resume();
    if (failed_) return error_kind_;
    w_.Put(B(Opcode::kSTOP));
    w_.Commit();
    out_.pickle = w_.Take();
    return Status::Ok();
  }

 private:
  enum SaveResult : uint8_t { kDone, kPushed, kFailed };

  // ---- errors ----
  SaveResult Fail(EncodeErrorCode code, const Value& v, int min_protocol, std::string message) {
    failed_ = true;
    ErrorInfo info = InfoOf(code);
    Error e;
    e.kind = info.kind;
    e.sub = static_cast<uint8_t>(code);
    e.offset = w_.size();
    e.detail = min_protocol < 0 ? 0xff : static_cast<uint64_t>(min_protocol);
    e.type = PyTypeOf(v);
    error_kind_ = e;
    if (error_ != nullptr) {
      error_->code = code;
      error_->error = e;
      error_->min_protocol = min_protocol;
      error_->exception = info.exception;
      error_->message = std::move(message);
      error_->path = Path();
      std::string text;
      if (!v.is(Kind::kEmpty)) {
        AppendCanonical(v, text);
        if (text.size() > 80) {
          text.resize(77);
          text += "...";
        }
      } else {
        text = "<empty>";
      }
      error_->value = std::string(KindName(v.kind())) + " " + text;
    }
    return kFailed;
  }

  std::string Path() const {
    std::string path = "$";
    for (const Frame& f : frames_) {
      size_t at = f.i == 0 ? 0 : f.i - 1;
      switch (f.kind) {
        case FrameKind::kTuple:
        case FrameKind::kBatch:
          path += f.label;
          if (f.units.pairs) {
            path += "{" + std::to_string(at) + (f.kind == FrameKind::kBatch && f.phase == 1 ? ":key}" : ":value}");
          } else {
            path += "[" + std::to_string(at) + "]";
          }
          break;
        case FrameKind::kReduce:
          switch (f.phase) {
            case 1: path += f.spec->mode == ReduceSpec::kPlain ? ".callable" : ".cls"; break;
            case 3: path += ".kwargs"; break;
            case 7: path += ".state"; break;
            default: break;
          }
          break;
        case FrameKind::kPersId: path += ".pid"; break;
      }
    }
    return path;
  }

  bool OverBudget(uint32_t extra) const { return max_depth_ != 0 && depth_ + extra > max_depth_; }
  SaveResult RecursionFail(const Value& v) {
    return Fail(EncodeErrorCode::kRecursion, v, -1,
                "maximum recursion depth exceeded while pickling an object (max_depth " +
                    std::to_string(max_depth_) + ")");
  }

  // ---- frames ----
  Frame& Push(FrameKind kind, uint8_t enters, const Value& owner) {
    frames_.emplace_back();
    Frame& f = frames_.back();
    f.kind = kind;
    f.enters = enters;
    f.owner = owner;
    depth_ += enters;
    return f;
  }
  void Pop() {
    depth_ -= frames_.back().enters;
    frames_.pop_back();
  }

  void Resume() {
    Frame& f = frames_.back();
    switch (f.kind) {
      case FrameKind::kBatch: ResumeBatch(f); return;
      case FrameKind::kTuple: ResumeTuple(f); return;
      case FrameKind::kReduce: ResumeReduce(f); return;
      case FrameKind::kPersId: ResumePersId(f); return;
    }
  }

  // ---- memo ----
  void PutMemoIndex(uint32_t idx) {
    if (proto_ >= 4) {
      w_.Put(B(Opcode::kMEMOIZE));
    } else if (!bin_) {
      char buf[24];
      buf[0] = B(Opcode::kPUT);
      char* end = std::to_chars(buf + 1, buf + 16, idx).ptr;
      *end++ = '\n';
      w_.Put(std::string_view(buf, static_cast<size_t>(end - buf)));
    } else if (idx < 256) {
      w_.Put(B(Opcode::kBINPUT), static_cast<char>(idx));
    } else {
      char* p = w_.Grab(5);
      p[0] = B(Opcode::kLONG_BINPUT);
      PutLe32(p + 1, idx);
    }
  }
  // memo_put: the next index, under `key` (0: a fresh object nobody can reach again).
  void PutMemo(uint64_t key) {
    uint32_t idx = memo_count_++;
    if (key != 0) memo_.Insert(key, idx);
    PutMemoIndex(idx);
  }
  int64_t FindMemo(uint64_t key) const { return key == 0 ? -1 : memo_.Find(key); }
  void PutGet(int64_t idx) {
    auto i = static_cast<uint32_t>(idx);
    if (!bin_) {
      char buf[24];
      buf[0] = B(Opcode::kGET);
      char* end = std::to_chars(buf + 1, buf + 16, i).ptr;
      *end++ = '\n';
      w_.Put(std::string_view(buf, static_cast<size_t>(end - buf)));
    } else if (i < 256) {
      w_.Put(B(Opcode::kBINGET), static_cast<char>(i));
    } else {
      char* p = w_.Grab(5);
      p[0] = B(Opcode::kLONG_BINGET);
      PutLe32(p + 1, i);
    }
  }

  uint64_t GlobalKey(const GlobalNode* g) {
    int64_t id = global_ids_.Find(reinterpret_cast<uint64_t>(g));
    if (id < 0) {
      std::string name;
      name.reserve(g->module.size + g->name.size + 1);
      name.append(g->module.sv()).push_back('\0');
      name.append(g->name.sv());
      auto [it, inserted] = global_names_.try_emplace(std::move(name), global_names_.size());
      id = it->second;
      global_ids_.Insert(reinterpret_cast<uint64_t>(g), static_cast<uint32_t>(id));
    }
    return (static_cast<uint64_t>(id) << 4) | kKeyGlobal;
  }

  uint64_t KeyOf(const Value& v) {
    switch (v.kind()) {
      case Kind::kStr: {
        int c = SingletonChar(v.str()->text.sv());
        return c >= 0 ? (static_cast<uint64_t>(c) << 4) | kKeyCharStr : v.raw_bits();
      }
      case Kind::kBytes: return v.bytes()->bytes.size == 0 ? kKeyEmptyBytes : v.raw_bits();
      case Kind::kTuple: return v.tuple()->size == 0 ? 0 : v.raw_bits();
      case Kind::kGlobal: return GlobalKey(v.global());
      default: return v.raw_bits();
    }
  }

  // ---- temporary objects (CPython creates them while pickling) ----
  Value TempStr(std::string_view utf8) {
    auto* node = scratch_.New<StrNode>();
    if (!utf8.empty()) {
      char* p = scratch_.NewArray<char>(utf8.size());
      std::memcpy(p, utf8.data(), utf8.size());
      node->text = ByteView{p, utf8.size()};
    }
    return Value::Node(Kind::kStr, node);
  }
  // The global (module, name): one object per name per pickle.
  Value TempGlobal(std::string_view module, std::string_view name, Builtin builtin = Builtin::kNone) {
    std::string key(module);
    key.push_back('\0');
    key.append(name);
    auto [it, inserted] = temp_globals_.try_emplace(std::move(key), nullptr);
    if (inserted) {
      auto* g = scratch_.New<GlobalNode>();
      Value m = TempStr(module);
      Value n = TempStr(name);
      g->module = m.str()->text;
      g->name = n.str()->text;
      g->builtin = builtin;
      it->second = g;
    }
    return Value::Node(Kind::kGlobal, it->second);
  }
  // The module-name str of STACK_GLOBAL (`obj.__module__`). CPython's static
  // built-in types all return the one interned 'builtins'; any other class
  // (a stub class: type(name, bases, {'__module__': module})) or function
  // carries its own str object.
  Value ModuleStr(const GlobalNode* g) {
    switch (g->builtin) {
      case Builtin::kSet:
      case Builtin::kFrozenSet:
      case Builtin::kByteArray:
      case Builtin::kBytes:
      case Builtin::kComplex:
      case Builtin::kObject:
        if (builtins_str_ == nullptr) builtins_str_ = TempStr("builtins").str();
        return Value::Node(Kind::kStr, builtins_str_);
      case Builtin::kNone:
      case Builtin::kCodecsEncode:
      case Builtin::kReconstructor:
        break;
    }
    return TempStr(g->module.sv());
  }
  // The interned 'latin1' of save_bytes.
  Value Latin1Str() {
    if (latin1_ == nullptr) latin1_ = TempStr("latin1").str();
    return Value::Node(Kind::kStr, latin1_);
  }
  Value* TempValues(size_t n) { return scratch_.NewArray<Value>(n == 0 ? 1 : n); }
  Value TempTuple(const Value* items, size_t n) {
    auto* t = scratch_.New<TupleNode>();
    t->size = n;
    t->items = const_cast<Value*>(items);
    return Value::Node(Kind::kTuple, t);
  }
  Value TempList(const Value* items, size_t n) {
    auto* l = scratch_.New<ListNode>();
    l->items.data = const_cast<Value*>(items);
    l->items.size = l->items.capacity = n;
    return Value::Node(Kind::kList, l);
  }
  Value TempDict(const DictEntry* entries, size_t n) {
    auto* d = scratch_.New<DictNode>();
    d->entries.data = const_cast<DictEntry*>(entries);
    d->entries.size = d->entries.capacity = n;
    return Value::Node(Kind::kDict, d);
  }
  // The recorded args tuple and kwargs dict of a stub (see recorded_args_).
  Value RecordedArgs(const ObjectNode* o) {
    auto it = recorded_args_.find(o);
    if (it == recorded_args_.end()) {
      it = recorded_args_.emplace(o, std::make_pair(TempTuple(o->args.data, o->args.size),
                                                    TempDict(o->kwargs.data, o->kwargs.size)))
               .first;
    }
    return it->second.first;
  }
  Value RecordedKwargs(const ObjectNode* o) {
    RecordedArgs(o);
    return recorded_args_.find(o)->second.second;
  }
  Value TempCall(const Value& callee, const Value* args, size_t n, const Value* build_state) {
    auto* o = scratch_.New<ObjectNode>();
    o->ctor = CtorKind::kCall;
    o->callee = callee;
    o->args.data = const_cast<Value*>(args);
    o->args.size = o->args.capacity = n;
    if (build_state != nullptr) o->ops.Push(scratch_, Op{OpKind::kBuild, *build_state, Value()});
    return Value::Node(Kind::kObject, o);
  }
  Value TempFloat(double d) {
    if (d == d) return Value::Float(d);
    auto* node = scratch_.New<NaNNode>();
    node->value = d;
    return Value::Node(Kind::kNaN, node);
  }
  // PyBytes_FromObject(bytearray): always a fresh bytes, even for one byte
  // (it copies through PyBytes_FromStringAndSize(NULL, n), which bypasses the
  // one-byte cache): [bytearray(b'a'), bytearray(b'a')] p3 writes C\x01a twice.
  Value TempBytes(std::string_view data) { return Value::Node(Kind::kBytes, NewTempBytes(data)); }
  BytesNode* NewTempBytes(std::string_view data) {
    auto* b = scratch_.New<BytesNode>();
    char* p = scratch_.NewArray<char>(data.size());
    std::memcpy(p, data.data(), data.size());
    b->bytes = ByteView{p, data.size()};
    return b;
  }

  // ---- atoms ----
  void SaveBool(bool b) {
    if (proto_ >= 2) {
      w_.Put(b ? B(Opcode::kNEWTRUE) : B(Opcode::kNEWFALSE));
    } else {
      w_.Put(b ? std::string_view("I01\n") : std::string_view("I00\n"));
    }
  }

  // save_long's binary forms at p[0..9], without data-dependent branches (a
  // list of mixed-size ints would mispredict every other item): int32 values
  // are BININT1 / BININT2 / BININT by the size of their unsigned bit pattern,
  // other int64 values LONG1 with the minimal two's complement length (which
  // needs protocol 2). Returns the length written (<= 10).
  [[gnu::always_inline]] static inline size_t PutBinInt(char* p, int64_t v) {
    static_assert(std::endian::native == std::endian::little);
    auto u = static_cast<uint32_t>(v);
    bool in32 = v == static_cast<int32_t>(v);
    auto x = static_cast<uint64_t>(v ^ (v >> 63));  // |v| - (v < 0)
    auto long_bytes = static_cast<uint64_t>((64 - std::countl_zero(x)) / 8 + 1);
    uint32_t cls = in32 ? static_cast<uint32_t>(u > 0xff) + static_cast<uint32_t>(u > 0xffff) : 3;
    static constexpr char kOps[4] = {B(Opcode::kBININT1), B(Opcode::kBININT2), B(Opcode::kBININT),
                                     B(Opcode::kLONG1)};
    uint64_t word = in32 ? u : (long_bytes | (static_cast<uint64_t>(v) << 8));
    p[0] = kOps[cls];
    std::memcpy(p + 1, &word, 8);
    p[9] = static_cast<char>(static_cast<uint64_t>(v) >> 56);
    return in32 ? 1 + (size_t{1} << cls) : 2 + long_bytes;
  }

  // Writes items[i], items[i+1], ... while they are ints that need no
  // frame commit or buffer growth; returns the first index not written.
  size_t IntRun(const Units& units, size_t i, size_t end) {
    if (proto_ < 2 || units.pairs) return i;
    char* data = w_.data();
    size_t pos = w_.size();
    const size_t limit = w_.limit() >= 10 ? w_.limit() - 10 : 0;
    const size_t stop = std::min(limit + 1, w_.frame_end());
    while (i < end && pos < stop) {
      const Value& x = units.A(i);
      if (x.kind() != Kind::kInt) break;
      pos += PutBinInt(data + pos, x.int64());
      ++i;
    }
    w_.set_pos(pos);
    return i;
  }

  [[gnu::always_inline]] inline void SaveInt(int64_t v) {
    if (bin_ && (proto_ >= 2 || v == static_cast<int32_t>(v))) {
      char* p = w_.Reserve(10);
      w_.Advance(PutBinInt(p, v));
      return;
    }
    SaveIntText(v);
  }

  void SaveIntText(int64_t v) {
    // INT text inside int32, else (protocols 0-1) LONG text with an 'L'.
    char buf[40];
    bool in32 = v >= INT32_MIN && v <= INT32_MAX;
    buf[0] = in32 ? B(Opcode::kINT) : B(Opcode::kLONG);
    char* end = std::to_chars(buf + 1, buf + 24, v).ptr;
    if (!in32) *end++ = 'L';
    *end++ = '\n';
    w_.Put(std::string_view(buf, static_cast<size_t>(end - buf)));
  }

  SaveResult SaveBigInt(const Value& v) {
    BigInt b = v.bigint()->ToBigInt();
    if (proto_ >= 2) {
      std::vector<uint8_t> bytes = b.ToTwosComplementLE();
      if (bytes.size() > 0x7fffffffull) {
        return Fail(EncodeErrorCode::kIntTooLarge, v, -1, "int too large to pickle");
      }
      if (bytes.size() < 256) {
        w_.Put(B(Opcode::kLONG1), static_cast<char>(bytes.size()));
      } else {
        char* p = w_.Grab(5);
        p[0] = B(Opcode::kLONG4);
        PutLe32(p + 1, static_cast<uint32_t>(bytes.size()));
      }
      w_.Put(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      return kDone;
    }
    // repr(int) + 'L': CPython 3.11 refuses more than 4300 digits.
    if (b.DecimalDigitCount() > 4300) {
      return Fail(EncodeErrorCode::kIntDigits, v, 2,
                  "Exceeds the limit (4300 digits) for integer string conversion");
    }
    w_.Put(B(Opcode::kLONG));
    w_.Put(b.ToDecimal());
    w_.Put("L\n");
    return kDone;
  }

  void SaveFloat(double d) {
    if (bin_) {
      char* p = w_.Grab(9);
      p[0] = B(Opcode::kBINFLOAT);
      uint64_t bits = std::bit_cast<uint64_t>(d);
      for (int i = 0; i < 8; ++i) p[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
      return;
    }
    w_.Put(B(Opcode::kFLOAT));
    w_.Put(pytext::FloatRepr(d));
    w_.Put('\n');
  }

  // ---- str ----
  SaveResult SaveStr(const Value& v) {
    std::string_view s = v.str()->text.sv();
    int c = SingletonChar(s);
    uint64_t key = c >= 0 ? (static_cast<uint64_t>(c) << 4) | kKeyCharStr : v.raw_bits();
    int64_t idx = memo_.FindOrInsert(key, memo_count_);
    if (idx >= 0) {
      PutGet(idx);
      return kDone;
    }
    uint32_t mine = memo_count_++;
    if (!bin_) {
      SaveStrText(s);
    } else if (proto_ >= 4 && s.size() <= 0xff) {
      // SHORT_BINUNICODE + MEMOIZE in one write.
      char* p = w_.Grab(s.size() + 3);
      p[0] = B(Opcode::kSHORT_BINUNICODE);
      p[1] = static_cast<char>(s.size());
      if (!s.empty()) std::memcpy(p + 2, s.data(), s.size());
      p[2 + s.size()] = B(Opcode::kMEMOIZE);
      return kDone;
    } else {
      char header[9];
      size_t hn;
      if (s.size() <= k4GiB) {
        header[0] = B(Opcode::kBINUNICODE);
        PutLe32(header + 1, static_cast<uint32_t>(s.size()));
        hn = 5;
      } else if (proto_ >= 4) {
        header[0] = B(Opcode::kBINUNICODE8);
        PutLe64(header + 1, s.size());
        hn = 9;
      } else {
        return Fail(EncodeErrorCode::kTooLargeFor4GiB, v, 4,
                    "serializing a string larger than 4 GiB requires pickle protocol 4 or higher");
      }
      w_.Payload(std::string_view(header, hn), s);
    }
    PutMemoIndex(mine);
    return kDone;
  }

  // Protocol 0: UNICODE with raw-unicode-escape, plus \u escapes for
  // '\\', '\0', '\n', '\r' and '\x1a' (_pickle.c raw_unicode_escape).
  void SaveStrText(std::string_view s) {
    static constexpr char kHexDigits[] = "0123456789abcdef";
    std::string& out = scratch_text_;
    out.clear();
    out.push_back(B(Opcode::kUNICODE));
    for (size_t i = 0; i < s.size();) {
      auto b = static_cast<uint8_t>(s[i]);
      if (b < 0x80 && b != '\\' && b != 0 && b != '\n' && b != '\r' && b != 0x1a) {
        out.push_back(static_cast<char>(b));
        ++i;
        continue;
      }
      uint32_t cp = pycodecs::NextCodePoint(s, i);
      if (cp >= 0x10000) {
        out.append("\\U");
        for (int shift = 28; shift >= 0; shift -= 4) out.push_back(kHexDigits[(cp >> shift) & 15]);
      } else if (cp >= 0x100 || cp == '\\' || cp == 0 || cp == '\n' || cp == '\r' || cp == 0x1a) {
        out.append("\\u");
        for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHexDigits[(cp >> shift) & 15]);
      } else {
        out.push_back(static_cast<char>(cp));
      }
    }
    out.push_back('\n');
    w_.Put(out);
  }

  // ---- bytes ----
  SaveResult SaveBytesData(const Value& v, std::string_view data, uint64_t key) {
    char header[9];
    size_t hn;
    if (data.size() <= 0xff) {
      header[0] = B(Opcode::kSHORT_BINBYTES);
      header[1] = static_cast<char>(data.size());
      hn = 2;
    } else if (data.size() <= k4GiB) {
      header[0] = B(Opcode::kBINBYTES);
      PutLe32(header + 1, static_cast<uint32_t>(data.size()));
      hn = 5;
    } else if (proto_ >= 4) {
      header[0] = B(Opcode::kBINBYTES8);
      PutLe64(header + 1, data.size());
      hn = 9;
    } else {
      return Fail(EncodeErrorCode::kTooLargeFor4GiB, v, 4,
                  "serializing a bytes object larger than 4 GiB requires pickle protocol 4 or higher");
    }
    w_.Payload(std::string_view(header, hn), data);
    PutMemo(key);
    return kDone;
  }

  SaveResult SaveByteArrayData(std::string_view data, uint64_t key) {
    char header[9];
    header[0] = B(Opcode::kBYTEARRAY8);
    PutLe64(header + 1, data.size());
    w_.Payload(std::string_view(header, 9), data);
    PutMemo(key);
    return kDone;
  }

  SaveResult SaveBytes(const Value& v, uint64_t key) {
    std::string_view data = v.bytes()->bytes.sv();
    if (proto_ >= 3) return SaveBytesData(v, data, key);
    // save_bytes below protocol 3: bytes() or _codecs.encode(latin1 str, 'latin1').
    ReduceSpec* spec = scratch_.New<ReduceSpec>();
    spec->key = key;
    if (data.empty()) {
      spec->first = TempGlobal("builtins", "bytes", Builtin::kBytes);
    } else {
      std::string text;
      pycodecs::DecodeLatin1(data, text);
      Value* args = TempValues(2);
      args[0] = TempStr(text);
      args[1] = Latin1Str();
      spec->first = TempGlobal("_codecs", "encode", Builtin::kCodecsEncode);
      spec->args = args;
      spec->nargs = 2;
    }
    return PushReduce(spec, /*enters=*/0, v);
  }

  // ---- containers ----
  SaveResult PushTuple(Units units, size_t n, uint64_t key, const Value& owner, const char* label) {
    bool mark = !(proto_ >= 2 && n <= 3);
    if (mark) w_.Put(B(Opcode::kMARK));
    Frame& f = Push(FrameKind::kTuple, 1, owner);
    f.units = units;
    f.n = n;
    f.key = key;
    f.mark = mark;
    f.label = label;
    return kPushed;
  }

  void PutEmptyTuple() {
    if (bin_) {
      w_.Put(B(Opcode::kEMPTY_TUPLE));
    } else {
      w_.Put(B(Opcode::kMARK), B(Opcode::kTUPLE));
    }
  }

  // save() of a tuple CPython creates for the call (never in the memo).
  SaveResult SaveFreshTuple(const Value* items, size_t n, const Value& owner, const char* label) {
    w_.Boundary();
    if (OverBudget(1)) return RecursionFail(owner);
    if (n == 0) {
      PutEmptyTuple();
      return kDone;
    }
    return PushTuple(Units::Values(items), n, 0, owner, label);
  }

  void ResumeTuple(Frame& f) {
    while (f.i < f.n) {
      const Value& x = f.units.A(f.i++);
      if (Save(x) != kDone) return;
    }
    int64_t idx = FindMemo(f.key);
    if (idx >= 0) {
      // Recursive: the tuple was memoized while its items were saved.
      if (f.frozenset || (f.mark && bin_)) {
        w_.Put(B(Opcode::kPOP_MARK));
      } else {
        for (size_t i = 0; i < f.n + (f.mark ? 1 : 0); ++i) w_.Put(B(Opcode::kPOP));
      }
      PutGet(idx);
    } else {
      if (f.frozenset) {
        w_.Put(B(Opcode::kFROZENSET));
      } else if (f.mark) {
        w_.Put(B(Opcode::kTUPLE));
      } else {
        w_.Put(static_cast<char>(static_cast<uint8_t>(Opcode::kTUPLE1) + f.n - 1));
      }
      PutMemo(f.key);
    }
    Pop();
  }

  Frame& PushBatch(const Value& owner, uint8_t enters, Units units, size_t n, Batch style,
                   char single_op, char multi_op, const char* label) {
    Frame& f = Push(FrameKind::kBatch, enters, owner);
    f.units = units;
    f.n = n;
    f.style = style;
    f.single_op = single_op;
    f.multi_op = multi_op;
    f.label = label;
    return f;
  }

  // phase: 0 = next item, 1 = key saved (pairs), 2 = item saved.
  void ResumeBatch(Frame& f) {
    for (;;) {
      switch (f.phase) {
        case 0: {
          if (f.style == Batch::kOneByOne) {
            if (f.i == f.n) return Pop();
            f.bare = true;
          } else if (!f.mark) {
            size_t remaining = f.n - f.i;
            if (remaining == 0) {
              if ((f.style == Batch::kExactDict || f.style == Batch::kSet) && f.n % kBatchSize == 0) {
                w_.Put(B(Opcode::kMARK), f.multi_op);
              }
              return Pop();
            }
            bool single = f.style == Batch::kIterator ? remaining == 1
                          : f.style == Batch::kSet    ? false
                                                      : f.n == 1;
            if (single) {
              f.bare = true;
            } else {
              w_.Put(B(Opcode::kMARK));
              f.mark = true;
              f.in_chunk = 0;
            }
          }
          if (f.mark && fast_atoms_) {
            // Inside an open chunk: runs of ints, and None, bools, floats and
            // strs, are written here without a round trip through Save().
            const bool pairs = f.units.pairs;
            const size_t end = std::min(f.n, f.i + (kBatchSize - f.in_chunk));
            const size_t start = f.i;
            size_t i = f.i;
            while (i < end) {
              i = IntRun(f.units, i, end);
              if (i == end) break;
              if (i + kPrefetch < f.n) {
                PrefetchMemo(f.units.A(i + kPrefetch));
                if (pairs) PrefetchMemo(f.units.B(i + kPrefetch));
              }
              const Value& a = f.units.A(i);
              if (!IsAtom(a.kind()) || (pairs && !IsAtom(f.units.B(i).kind()))) break;
              if (SaveAtom(a) != kDone) return;
              if (pairs && SaveAtom(f.units.B(i)) != kDone) return;
              ++i;
            }
            f.i = i;
            f.in_chunk += static_cast<uint32_t>(i - start);
            if (i == end) {
              w_.Put(f.multi_op);
              f.mark = false;
              continue;
            }
          }
          size_t i = f.i++;
          f.phase = f.units.pairs ? 1 : 2;
          if (Save(f.units.A(i)) != kDone) return;
          break;
        }
        case 1:
          f.phase = 2;
          if (Save(f.units.B(f.i - 1)) != kDone) return;
          break;
        case 2:
          f.phase = 0;
          if (f.bare) {
            w_.Put(f.single_op);
            f.bare = false;
          } else if (++f.in_chunk == kBatchSize || f.i == f.n) {
            w_.Put(f.multi_op);
            f.mark = false;
          }
          break;
        default:
          return Pop();
      }
    }
  }

  SaveResult SaveList(const Value& v, uint64_t key) {
    const auto& items = v.list()->items;
    if (bin_) {
      w_.Put(B(Opcode::kEMPTY_LIST));
    } else {
      w_.Put(B(Opcode::kMARK), B(Opcode::kLIST));
    }
    PutMemo(key);
    if (items.size == 0) return kDone;
    if (OverBudget(2)) return RecursionFail(v);
    PushBatch(v, 2, Units::Values(items.data), items.size, bin_ ? Batch::kExactList : Batch::kOneByOne,
              B(Opcode::kAPPEND), B(Opcode::kAPPENDS), "");
    return kPushed;
  }

  SaveResult SaveDict(const Value& v, uint64_t key) {
    const auto& entries = v.dict()->entries;
    if (bin_) {
      w_.Put(B(Opcode::kEMPTY_DICT));
    } else {
      w_.Put(B(Opcode::kMARK), B(Opcode::kDICT));
    }
    PutMemo(key);
    if (entries.size == 0) return kDone;
    if (OverBudget(2)) return RecursionFail(v);
    PushBatch(v, 2, Units::Dict(entries.data), entries.size, bin_ ? Batch::kExactDict : Batch::kOneByOne,
              B(Opcode::kSETITEM), B(Opcode::kSETITEMS), "");
    return kPushed;
  }

  // The set's elements in output order.
  Units SetUnits(const SetNode* s) {
    if (set_order_ == SetOrder::kCPythonSeed0 && s->entries.size > 1) {
      const Value* ordered = CPythonOrder(s);
      if (ordered != nullptr) return Units::Values(ordered);
    }
    return Units::Set(s->entries.data);
  }
  // A contiguous array of the elements in output order (for set([...])).
  const Value* SetValues(const SetNode* s) {
    Units u = SetUnits(s);
    if (u.stride == sizeof(Value)) return &u.A(0);
    Value* items = TempValues(s->entries.size);
    for (size_t i = 0; i < s->entries.size; ++i) items[i] = s->entries[i].key;
    return items;
  }

  SaveResult SaveSet(const Value& v, uint64_t key) {
    const SetNode* s = v.set();
    bool frozen = v.is(Kind::kFrozenSet);
    size_t n = s->entries.size;
    if (proto_ < 4) {
      // set([...]) / frozenset([...]) (save_set, save_frozenset below p4).
      ReduceSpec* spec = scratch_.New<ReduceSpec>();
      spec->key = key;
      spec->first = frozen ? TempGlobal("builtins", "frozenset", Builtin::kFrozenSet)
                           : TempGlobal("builtins", "set", Builtin::kSet);
      Value* args = TempValues(1);
      args[0] = TempList(n ? SetValues(s) : nullptr, n);
      spec->args = args;
      spec->nargs = 1;
      return PushReduce(spec, 1, v);
    }
    if (frozen) {
      w_.Put(B(Opcode::kMARK));
      Frame& f = Push(FrameKind::kTuple, 1, v);
      f.units = n ? SetUnits(s) : Units();
      f.n = n;
      f.key = key;
      f.mark = true;
      f.frozenset = true;
      return kPushed;
    }
    w_.Put(B(Opcode::kEMPTY_SET));
    PutMemo(key);
    if (n == 0) return kDone;
    PushBatch(v, 1, SetUnits(s), n, Batch::kSet, 0, B(Opcode::kADDITEMS), "");
    return kPushed;
  }

  SaveResult SaveByteArray(const Value& v, uint64_t key) {
    const auto& b = v.bytearray()->bytes;
    std::string_view data(reinterpret_cast<const char*>(b.data), b.size);
    if (proto_ >= 5) return SaveByteArrayData(data, key);
    // bytearray(bytes) / bytearray() below protocol 5 (save_bytearray).
    ReduceSpec* spec = scratch_.New<ReduceSpec>();
    spec->key = key;
    spec->first = TempGlobal("builtins", "bytearray", Builtin::kByteArray);
    if (!data.empty()) {
      Value* args = TempValues(1);
      args[0] = TempBytes(data);
      spec->args = args;
      spec->nargs = 1;
    }
    return PushReduce(spec, 1, v);
  }

  SaveResult SaveBuffer(const Value& v, uint64_t key) {
    const BufferNode* b = v.buffer();
    if (proto_ < 5) {
      return Fail(EncodeErrorCode::kBufferNeedsP5, v, 5, "PickleBuffer can only pickled with protocol >= 5");
    }
    if (oob_) {
      w_.Put(B(Opcode::kNEXT_BUFFER));
      if (b->readonly) w_.Put(B(Opcode::kREADONLY_BUFFER));
      out_.buffers.push_back(OobBuffer{std::string(b->data.sv()), b->readonly});
      return kDone;
    }
    if (b->readonly) return SaveBytesData(v, b->data.sv(), key);
    return SaveByteArrayData(b->data.sv(), key);
  }

  SaveResult SaveComplex(const Value& v, uint64_t key) {
    // copyreg.pickle_complex: (complex, (re, im)).
    ReduceSpec* spec = scratch_.New<ReduceSpec>();
    spec->key = key;
    spec->first = TempGlobal("builtins", "complex", Builtin::kComplex);
    Value* args = TempValues(2);
    args[0] = TempFloat(v.complex()->real);
    args[1] = TempFloat(v.complex()->imag);
    spec->args = args;
    spec->nargs = 2;
    return PushReduce(spec, 1, v);
  }

  SaveResult SavePlainObject(const Value& v, uint64_t key) {
    ReduceSpec* spec = scratch_.New<ReduceSpec>();
    spec->key = key;
    Value object = TempGlobal("builtins", "object", Builtin::kObject);
    if (proto_ >= 2) {
      // object.__reduce_ex__(2): (copyreg.__newobj__, (object,)).
      spec->mode = ReduceSpec::kNewObj;
      spec->first = object;
    } else {
      // copyreg._reduce_ex: (copyreg._reconstructor, (object, object, None)).
      spec->first = TempGlobal("copyreg", "_reconstructor", Builtin::kReconstructor);
      Value* args = TempValues(3);
      args[0] = object;
      args[1] = object;
      args[2] = Value::None();
      spec->args = args;
      spec->nargs = 3;
    }
    return PushReduce(spec, 1, v);
  }

  // ---- globals ----
  SaveResult SaveGlobal(const Value& v, uint64_t key) {
    const GlobalNode* g = v.global();
    std::string_view module = g->module.sv();
    std::string_view name = g->name.sv();
    if (HasLocalsPart(name)) {
      return Fail(EncodeErrorCode::kLocalObject, v, -1, "Can't pickle local object '" + std::string(name) + "'");
    }
    // save_global imports obj.__module__ at every protocol; '' cannot be
    // imported: "Can't pickle <class '.x'>: import of module '' failed".
    if (module.empty()) {
      return Fail(EncodeErrorCode::kImportFailed, v, -1,
                  "Can't pickle <class '." + std::string(name) + "'>: import of module '' failed");
    }
    if (proto_ >= 4) {
      Save(ModuleStr(g));
      Save(TempStr(name));
      w_.Put(B(Opcode::kSTACK_GLOBAL));
      PutMemo(key);
      return kDone;
    }
    size_t dot = name.rfind('.');
    if (dot != std::string_view::npos) {
      // save_global below p4, nested name: getattr(parent, lastname), then
      // memoize the global itself.
      ReduceSpec* spec = scratch_.New<ReduceSpec>();
      spec->first = TempGlobal("builtins", "getattr");
      Value* args = TempValues(2);
      args[0] = TempGlobal(module, name.substr(0, dot));
      args[1] = TempStr(name.substr(dot + 1));
      spec->args = args;
      spec->nargs = 2;
      spec->post_key = key;
      return PushReduce(spec, 1, v);
    }
    if (proto_ < 3 && fix_imports_) {
      GlobalName mapped = MapPy3Global(module, name);
      module = mapped.module;
      name = mapped.name;
    }
    auto encodable = [this](std::string_view s) { return proto_ == 3 ? HasNoSurrogates(s) : IsAscii(s); };
    if (!encodable(module)) {
      return Fail(EncodeErrorCode::kNonAsciiName, v, proto_ == 3 ? 4 : 3,
                  "can't pickle module identifier '" + std::string(module) + "' using pickle protocol " +
                      std::to_string(proto_));
    }
    if (!encodable(name)) {
      return Fail(EncodeErrorCode::kNonAsciiName, v, proto_ == 3 ? 4 : 3,
                  "can't pickle global identifier '" + std::string(name) + "' using pickle protocol " +
                      std::to_string(proto_));
    }
    char* p = w_.Grab(module.size() + name.size() + 3);
    *p++ = B(Opcode::kGLOBAL);
    if (!module.empty()) std::memcpy(p, module.data(), module.size());
    p += module.size();
    *p++ = '\n';
    if (!name.empty()) std::memcpy(p, name.data(), name.size());
    p += name.size();
    *p = '\n';
    PutMemo(key);
    return kDone;
  }

  // ---- objects ----
  static bool IsType(const Value& v) {
    return v.is(Kind::kGlobal) && v.global()->builtin != Builtin::kCodecsEncode &&
           v.global()->builtin != Builtin::kReconstructor;
  }
  bool SameGlobal(const Value& a, const Value& b) {
    return a.is(Kind::kGlobal) && b.is(Kind::kGlobal) && GlobalKey(a.global()) == GlobalKey(b.global());
  }
  std::string NameOf(const Value& v) {
    if (v.is(Kind::kGlobal)) return std::string(v.global()->module.sv()) + "." + std::string(v.global()->name.sv());
    return std::string(KindName(v.kind()));
  }

  // functools.partial(cls.__new__, cls, *args, **kwargs), cls.__new__ being
  // object.__new__ (pickled as getattr(object, '__new__')): what save_reduce
  // writes for NEWOBJ_EX at protocols 2 and 3.
  // object.__new__ is one object: every partial of a pickle shares it.
  Value PartialNew(const Value& cls, const Value* args, size_t nargs, const DictEntry* kwargs, size_t nkwargs) {
    if (object_new_.is(Kind::kNone)) {
      Value* fn_args = TempValues(2);
      fn_args[0] = TempGlobal("builtins", "object", Builtin::kObject);
      fn_args[1] = TempStr("__new__");
      object_new_ = TempCall(TempGlobal("builtins", "getattr"), fn_args, 2, nullptr);
    }
    Value fn = object_new_;
    Value* pargs = TempValues(nargs + 1);
    pargs[0] = cls;
    for (size_t i = 0; i < nargs; ++i) pargs[i + 1] = args[i];
    Value* state = TempValues(4);
    state[0] = fn;
    state[1] = TempTuple(pargs, nargs + 1);
    state[2] = TempDict(kwargs, nkwargs);
    state[3] = Value::None();
    Value state_tuple = TempTuple(state, 4);
    Value* partial_args = TempValues(1);
    partial_args[0] = fn;
    return TempCall(TempGlobal("functools", "partial"), partial_args, 1, &state_tuple);
  }

  SaveResult SaveObject(const Value& v, uint64_t key) {
    const ObjectNode* o = v.object();
    ReduceSpec* spec = scratch_.New<ReduceSpec>();
    spec->key = key;
    // save_reduce's order: listitems, dictitems, state.
    size_t n = o->ops.size;
    size_t a = 0;
    while (a < n && o->ops[a].kind == OpKind::kAppend) ++a;
    size_t s = a;
    while (s < n && o->ops[s].kind == OpKind::kSetItem) ++s;
    spec->appends = o->ops.data;
    spec->nappends = a;
    spec->setitems = o->ops.data + a;
    spec->nsetitems = s - a;
    size_t end = s;
    if (end < n && o->ops[end].kind == OpKind::kBuild) {
      spec->state = o->ops[end].a;
      spec->has_state = true;
      // save_reduce writes no BUILD for a None state, so .build(None) cannot
      // be reproduced (the oracle answers it as unrepresentable too).
      if (!spec->state.is(Kind::kNone)) ++end;
    }
    if (end != n) {
      return Fail(EncodeErrorCode::kOpsOrder, v, -1,
                  "recorded ops must be .append* .setitem* .build(non-None)? (save_reduce's order); op " +
                      std::to_string(end) + " is out of order");
    }
    const Value* args = o->args.data;
    size_t nargs = o->args.size;
    if (o->ctor == CtorKind::kNew) {
      const Value& cls = o->callee;
      if (o->kwargs.size == 0) {
        if (proto_ >= 2) {
          if (!IsType(cls)) {
            return Fail(EncodeErrorCode::kNewObjNotType, v, -1, "args[0] from __newobj__ args is not a type");
          }
          spec->mode = ReduceSpec::kNewObj;
          spec->first = cls;
          spec->args = args;
          spec->nargs = nargs;
        } else {
          spec->first = TempGlobal("copyreg", "__newobj__");
          Value* full = TempValues(nargs + 1);
          full[0] = cls;
          for (size_t i = 0; i < nargs; ++i) full[i + 1] = args[i];
          spec->args = full;
          spec->nargs = nargs + 1;
        }
      } else if (proto_ >= 2) {
        if (!IsType(cls)) {
          return Fail(EncodeErrorCode::kNewObjExArgs, v, -1,
                      "first item from NEWOBJ_EX argument tuple must be a class, not " + NameOf(cls));
        }
        if (proto_ >= 4) {
          spec->mode = ReduceSpec::kNewObjEx;
          spec->first = cls;
          spec->args_node = RecordedArgs(o);
          spec->kwargs_node = RecordedKwargs(o);
        } else {
          spec->first = PartialNew(cls, args, nargs, o->kwargs.data, o->kwargs.size);
        }
      } else {
        spec->first = TempGlobal("copyreg", "__newobj_ex__");
        Value* full = TempValues(3);
        full[0] = cls;
        full[1] = RecordedArgs(o);
        full[2] = RecordedKwargs(o);
        spec->args = full;
        spec->nargs = 3;
      }
      return PushReduce(spec, 1, v);
    }
    // kCall: (callee, args, ...).
    const Value& callee = o->callee;
    if (!callee.is(Kind::kGlobal) && !callee.is(Kind::kObject)) {
      return Fail(EncodeErrorCode::kNotCallable, v, -1,
                  "first item of the tuple returned by __reduce__ must be callable");
    }
    spec->first = callee;
    spec->args_node = RecordedArgs(o);
    if (proto_ >= 2 && callee.is(Kind::kGlobal)) {
      // save_reduce looks at callable.__name__.
      std::string_view callee_name = LastPart(callee.global()->name.sv());
      if (callee_name == "__newobj__") {
        if (nargs == 0) return Fail(EncodeErrorCode::kNewObjEmpty, v, 0, "__newobj__ arglist is empty");
        if (!IsType(args[0])) {
          return Fail(EncodeErrorCode::kNewObjNotType, v, 0, "args[0] from __newobj__ args is not a type");
        }
        if (!SameGlobal(args[0], callee)) {
          return Fail(EncodeErrorCode::kNewObjWrongClass, v, 0, "args[0] from __newobj__ args has the wrong class");
        }
        // save_reduce saves a fresh slice argtup[1:] for NEWOBJ.
        spec->mode = ReduceSpec::kNewObj;
        spec->first = args[0];
        spec->args_node = Value::None();
        spec->args = args + 1;
        spec->nargs = nargs - 1;
      } else if (callee_name == "__newobj_ex__") {
        if (nargs != 3) {
          return Fail(EncodeErrorCode::kNewObjExArgs, v, 0,
                      "length of the NEWOBJ_EX argument tuple must be exactly 3, not " + std::to_string(nargs));
        }
        if (!IsType(args[0])) {
          return Fail(EncodeErrorCode::kNewObjExArgs, v, 0,
                      "first item from NEWOBJ_EX argument tuple must be a class, not " + NameOf(args[0]));
        }
        // No class check here: CPython's C save_reduce makes it for
        // __newobj__ only (the pure-Python pickler checks both).
        if (!args[1].is(Kind::kTuple)) {
          return Fail(EncodeErrorCode::kNewObjExArgs, v, 0,
                      "second item from NEWOBJ_EX argument tuple must be a tuple, not " + NameOf(args[1]));
        }
        if (!args[2].is(Kind::kDict)) {
          return Fail(EncodeErrorCode::kNewObjExArgs, v, 0,
                      "third item from NEWOBJ_EX argument tuple must be a dict, not " + NameOf(args[2]));
        }
        if (proto_ >= 4) {
          spec->mode = ReduceSpec::kNewObjEx;
          spec->first = args[0];
          spec->args = nullptr;
          spec->nargs = 0;
          spec->args_node = args[1];
          spec->kwargs_node = args[2];
        } else {
          // functools.partial(cls.__new__, ...): a stub class called by name
          // has the stub machinery's own __new__, which CPython cannot pickle
          // (the oracle raises PicklingError here too).
          return Fail(EncodeErrorCode::kNewObjExArgs, v, 4,
                      "NEWOBJ_EX below protocol 4 pickles partial(cls.__new__, ...), and this class's "
                      "__new__ is not picklable");
        }
      }
    }
    return PushReduce(spec, 1, v);
  }

  SaveResult PushReduce(ReduceSpec* spec, uint8_t enters, const Value& owner) {
    Frame& f = Push(FrameKind::kReduce, enters, owner);
    f.spec = spec;
    return kPushed;
  }

  // phase 0: save callable / cls; 1: args; 2: kwargs; 3: opcode + memo;
  // 4: listitems; 5: dictitems; 6: state; 7: BUILD and done.
  void ResumeReduce(Frame& f) {
    ReduceSpec& s = *f.spec;
    for (;;) {
      switch (f.phase) {
        case 0:
          f.phase = 1;
          if (Save(s.first) != kDone) return;
          break;
        case 1:
          f.phase = 2;
          if (!s.args_node.is(Kind::kNone)) {
            if (Save(s.args_node) != kDone) return;
          } else if (SaveFreshTuple(s.args, s.nargs, f.owner, ".args") != kDone) {
            return;
          }
          break;
        case 2:
          f.phase = 3;
          if (s.mode == ReduceSpec::kNewObjEx && Save(s.kwargs_node) != kDone) return;
          break;
        case 3: {
          f.phase = 4;
          w_.Put(s.mode == ReduceSpec::kPlain    ? B(Opcode::kREDUCE)
                 : s.mode == ReduceSpec::kNewObj ? B(Opcode::kNEWOBJ)
                                                 : B(Opcode::kNEWOBJ_EX));
          if (s.key != 0) {
            int64_t idx = memo_.Find(s.key);
            if (idx >= 0) {
              // Recursive: the object was memoized while its arguments were saved.
              w_.Put(B(Opcode::kPOP));
              PutGet(idx);
              return Pop();
            }
            PutMemo(s.key);
          }
          break;
        }
        case 4:
          f.phase = 5;
          if (s.nappends) {
            PushBatch(f.owner, 0, Units::Ops(s.appends, false), s.nappends,
                      bin_ ? Batch::kIterator : Batch::kOneByOne, B(Opcode::kAPPEND), B(Opcode::kAPPENDS),
                      ".append");
            return;
          }
          break;
        case 5:
          f.phase = 6;
          if (s.nsetitems) {
            PushBatch(f.owner, 0, Units::Ops(s.setitems, true), s.nsetitems,
                      bin_ ? Batch::kIterator : Batch::kOneByOne, B(Opcode::kSETITEM), B(Opcode::kSETITEMS),
                      ".setitem");
            return;
          }
          break;
        case 6:
          f.phase = 7;
          if (s.has_state && Save(s.state) != kDone) return;
          break;
        default:
          if (s.has_state) w_.Put(B(Opcode::kBUILD));
          if (s.post_key != 0) PutMemo(s.post_key);
          return Pop();
      }
    }
  }

  // ---- repr() for protocol 0 persistent ids ----
  enum class ReprStatus : uint8_t { kOk, kUnsupported, kDigits };

  // CPython's repr() of None, bools, ints, floats, ASCII str and bytes, and
  // tuples and lists of these; anything else (a non-ASCII str needs the
  // Unicode database to know what repr() escapes) is kUnsupported.
  static ReprStatus Repr(const Value& v, std::string& out, int depth) {
    static constexpr char kHexDigits[] = "0123456789abcdef";
    if (depth > 100) return ReprStatus::kUnsupported;
    auto quoted = [&out](std::string_view s, bool is_bytes) {
      bool has_single = s.find('\'') != std::string_view::npos;
      bool has_double = s.find('"') != std::string_view::npos;
      char quote = has_single && !has_double ? '"' : '\'';
      if (is_bytes) out.push_back('b');
      out.push_back(quote);
      for (char ch : s) {
        auto c = static_cast<uint8_t>(ch);
        if (c == static_cast<uint8_t>(quote) || c == '\\') {
          out.push_back('\\');
          out.push_back(ch);
        } else if (c == '\t') {
          out.append("\\t");
        } else if (c == '\n') {
          out.append("\\n");
        } else if (c == '\r') {
          out.append("\\r");
        } else if (c < 0x20 || c >= 0x7f) {
          out.append("\\x");
          out.push_back(kHexDigits[c >> 4]);
          out.push_back(kHexDigits[c & 15]);
        } else {
          out.push_back(ch);
        }
      }
      out.push_back(quote);
    };
    switch (v.kind()) {
      case Kind::kNone: out.append("None"); return ReprStatus::kOk;
      case Kind::kBool: out.append(v.boolean() ? "True" : "False"); return ReprStatus::kOk;
      case Kind::kInt: out.append(std::to_string(v.int64())); return ReprStatus::kOk;
      case Kind::kBigInt: {
        BigInt b = v.bigint()->ToBigInt();
        if (b.DecimalDigitCount() > 4300) return ReprStatus::kDigits;
        out.append(b.ToDecimal());
        return ReprStatus::kOk;
      }
      case Kind::kFloat: out.append(pytext::FloatRepr(v.float64())); return ReprStatus::kOk;
      case Kind::kNaN: out.append("nan"); return ReprStatus::kOk;
      case Kind::kStr:
        if (!IsAscii(v.str()->text.sv())) return ReprStatus::kUnsupported;
        quoted(v.str()->text.sv(), false);
        return ReprStatus::kOk;
      case Kind::kBytes: quoted(v.bytes()->bytes.sv(), true); return ReprStatus::kOk;
      case Kind::kTuple:
      case Kind::kList: {
        bool tuple = v.is(Kind::kTuple);
        std::span<const Value> items = tuple ? v.tuple()->span()
                                             : std::span<const Value>(v.list()->items.data, v.list()->items.size);
        out.push_back(tuple ? '(' : '[');
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) out.append(", ");
          ReprStatus r = Repr(items[i], out, depth + 1);
          if (r != ReprStatus::kOk) return r;
        }
        if (tuple && items.size() == 1) out.push_back(',');
        out.push_back(tuple ? ')' : ']');
        return ReprStatus::kOk;
      }
      default: return ReprStatus::kUnsupported;
    }
  }

  // ---- persistent ids ----
  SaveResult SavePers(const Value& v) {
    const ObjectNode* o = v.object();
    const Value& pid = o->callee;
    if (o->ops.size != 0) {
      return Fail(EncodeErrorCode::kPersIdForm, v, -1, "a persistent object's recorded ops cannot be written");
    }
    if (pid.is(Kind::kNone)) {
      return Fail(EncodeErrorCode::kPersIdNone, v, -1,
                  "persid(None) cannot be written: persistent_id returning None means 'not persistent'");
    }
    if (!bin_) {
      // PERSID str(pid): a str pid as it is, anything else as repr().
      std::string text;
      if (pid.is(Kind::kStr)) {
        text = std::string(pid.str()->text.sv());
      } else {
        ReprStatus r = Repr(pid, text, 0);
        if (r == ReprStatus::kDigits) {
          return Fail(EncodeErrorCode::kIntDigits, v, 1, "Exceeds the limit (4300 digits) for integer string conversion");
        }
        if (r == ReprStatus::kUnsupported) {
          return Fail(EncodeErrorCode::kPersIdForm, v, 1,
                      "str() of this " + std::string(KindName(pid.kind())) + " pid is not modelled at protocol 0");
        }
      }
      if (!IsAscii(text)) {
        return Fail(EncodeErrorCode::kPersIdNotAscii, v, 1, "persistent IDs in protocol 0 must be ASCII strings");
      }
      w_.Put(B(Opcode::kPERSID));
      w_.Put(text);
      w_.Put('\n');
      return kDone;
    }
    if (pid.is(Kind::kObject) && pid.object()->ctor == CtorKind::kPersId) {
      return Fail(EncodeErrorCode::kPersIdForm, v, -1, "a persid whose pid is itself a persid cannot be written");
    }
    Frame& f = Push(FrameKind::kPersId, 0, v);
    f.key = 0;
    return kPushed;
  }

  void ResumePersId(Frame& f) {
    if (f.phase == 0) {
      f.phase = 1;
      pers_save_ = true;  // save(self, pid, 1)
      if (Save(f.owner.object()->callee) != kDone) return;
    }
    w_.Put(B(Opcode::kBINPERSID));
    Pop();
  }

  // ---- save() ----
  static constexpr size_t kPrefetch = 8;
  void PrefetchMemo(const Value& v) const {
    if (v.is(Kind::kStr)) memo_.Prefetch(v.raw_bits());
  }

  // The values SaveAtom writes: never memoized but strs, never a frame.
  static bool IsAtom(Kind k) { return k <= Kind::kFloat || k == Kind::kStr; }

  // save() of an atom (IsAtom), when no persistent_id call is modelled.
  [[gnu::always_inline]] inline SaveResult SaveAtom(const Value& v) {
    w_.Boundary();
    switch (v.kind()) {
      case Kind::kInt: SaveInt(v.int64()); return kDone;
      case Kind::kStr: return SaveStr(v);
      case Kind::kNone: w_.Put(B(Opcode::kNONE)); return kDone;
      case Kind::kBool: SaveBool(v.boolean()); return kDone;
      case Kind::kFloat: SaveFloat(v.float64()); return kDone;
      default: return Save(v);
    }
  }

  SaveResult Save(const Value& v) {
    w_.Boundary();
    // save_pers: a Python persistent_id is called first, except for a pid.
    if (save_call_depth_ != 0 && !pers_save_ && OverBudget(save_call_depth_)) return RecursionFail(v);
    pers_save_ = false;
    switch (v.kind()) {
      case Kind::kNone: w_.Put(B(Opcode::kNONE)); return kDone;
      case Kind::kBool: SaveBool(v.boolean()); return kDone;
      case Kind::kInt: SaveInt(v.int64()); return kDone;
      case Kind::kFloat: SaveFloat(v.float64()); return kDone;
      case Kind::kNaN: SaveFloat(v.nan()->value); return kDone;
      case Kind::kBigInt: return SaveBigInt(v);
      case Kind::kStr: return SaveStr(v);
      case Kind::kObject:
        if (v.object()->ctor == CtorKind::kPersId) return SavePers(v);
        break;
      case Kind::kEmpty: return Fail(EncodeErrorCode::kHole, v, -1, "an empty memo hole is not a value");
      default: break;
    }
    uint64_t key = KeyOf(v);
    int64_t idx = FindMemo(key);
    if (idx >= 0) {
      PutGet(idx);
      return kDone;
    }
    if (v.is(Kind::kBytes)) return SaveBytes(v, key);
    if (OverBudget(1)) return RecursionFail(v);
    switch (v.kind()) {
      case Kind::kTuple: {
        const TupleNode* t = v.tuple();
        if (t->size == 0) {
          PutEmptyTuple();
          return kDone;
        }
        if (fast_atoms_ && t->size <= 8) {
          // A small tuple of atoms cannot contain itself: no frame needed.
          bool atoms = true;
          for (size_t i = 0; i < t->size; ++i) atoms = atoms && IsAtom(t->items[i].kind());
          if (atoms) {
            bool mark = !(proto_ >= 2 && t->size <= 3);
            if (mark) w_.Put(B(Opcode::kMARK));
            for (size_t i = 0; i < t->size; ++i) {
              if (SaveAtom(t->items[i]) != kDone) return kFailed;
            }
            w_.Put(mark ? B(Opcode::kTUPLE) : static_cast<char>(static_cast<uint8_t>(Opcode::kTUPLE1) + t->size - 1));
            PutMemo(key);
            return kDone;
          }
        }
        return PushTuple(Units::Values(t->items), t->size, key, v, "");
      }
      case Kind::kList: return SaveList(v, key);
      case Kind::kDict: return SaveDict(v, key);
      case Kind::kSet:
      case Kind::kFrozenSet: return SaveSet(v, key);
      case Kind::kByteArray: return SaveByteArray(v, key);
      case Kind::kBuffer: return SaveBuffer(v, key);
      case Kind::kGlobal: return SaveGlobal(v, key);
      case Kind::kObject: return SaveObject(v, key);
      case Kind::kComplex: return SaveComplex(v, key);
      case Kind::kPlainObject: return SavePlainObject(v, key);
      case Kind::kReadOnlyView:
        // object.__reduce_ex__: copyreg._reduce_ex below p2, reduce_newobj at p2+.
        return Fail(EncodeErrorCode::kMemoryView, v, -1,
                    proto_ < 2 ? "cannot pickle 'memoryview' object" : "cannot pickle memoryview objects");
      case Kind::kNone:
      case Kind::kBool:
      case Kind::kInt:
      case Kind::kFloat:
      case Kind::kBigInt:
      case Kind::kNaN:
      case Kind::kStr:
      case Kind::kBytes:
      case Kind::kEmpty: break;
    }
    return kDone;
  }

  // ---- CPython set order ----
  // CPython's hash of `v`, when it is deterministic.
  bool PyHashOf(const Value& v, int64_t& h, int depth) {
    if (depth > 100) return false;
    switch (v.kind()) {
      case Kind::kBool: h = v.boolean() ? 1 : 0; return true;
      case Kind::kInt: h = pyhash::Int64(v.int64()); return true;
      case Kind::kBigInt: h = pyhash::Big(v.bigint()); return true;
      case Kind::kFloat: h = pyhash::Double(v.float64()); return true;
      case Kind::kComplex: {
        const ComplexNode* c = v.complex();
        if (c->real != c->real || c->imag != c->imag) return false;
        uint64_t combined = static_cast<uint64_t>(pyhash::Double(c->real)) +
                            1000003ull * static_cast<uint64_t>(pyhash::Double(c->imag));
        h = pyhash::Fix(combined);
        return true;
      }
      case Kind::kStr: h = pyhash::Str(v.str()->text.sv()); return true;
      case Kind::kBytes: h = pyhash::Bytes(v.bytes()->bytes.sv()); return true;
      case Kind::kTuple: {
        // tuplehash (xxHash-based, 3.8+).
        const TupleNode* t = v.tuple();
        uint64_t acc = 2870177450012600261ull;
        for (size_t i = 0; i < t->size; ++i) {
          int64_t lane;
          if (!PyHashOf(t->items[i], lane, depth + 1)) return false;
          acc += static_cast<uint64_t>(lane) * 14029467366897019727ull;
          acc = (acc << 31) | (acc >> 33);
          acc *= 11400714785074694791ull;
        }
        acc += t->size ^ (2870177450012600261ull ^ 3527539ull);
        h = acc == static_cast<uint64_t>(-1) ? 1546275796 : static_cast<int64_t>(acc);
        return true;
      }
      case Kind::kFrozenSet: {
        const SetNode* s = v.set();
        auto shuffle = [](uint64_t x) { return ((x ^ 89869747ull) ^ (x << 16)) * 3644798167ull; };
        uint64_t hash = 0;
        for (const SetEntry& e : s->entries) {
          int64_t eh;
          if (!PyHashOf(e.key, eh, depth + 1)) return false;
          hash ^= shuffle(static_cast<uint64_t>(eh));
        }
        hash ^= (static_cast<uint64_t>(s->entries.size) + 1) * 1927868237ull;
        hash ^= (hash >> 11) ^ (hash >> 25);
        hash = hash * 69069u + 907133923ull;
        h = hash == static_cast<uint64_t>(-1) ? 590923713 : static_cast<int64_t>(hash);
        return true;
      }
      default: return false;
    }
  }

  // Simulates set_add_entry / set_table_resize (Objects/setobject.c) for the
  // elements in insertion order and returns the table order, or nullptr when
  // a hash is not deterministic.
  const Value* CPythonOrder(const SetNode* s) {
    size_t n = s->entries.size;
    std::vector<int64_t> hashes(n);
    for (size_t i = 0; i < n; ++i) {
      if (!PyHashOf(s->entries[i].key, hashes[i], 0)) return nullptr;
    }
    constexpr size_t kLinearProbes = 9;
    constexpr int kPerturbShift = 5;
    std::vector<int64_t> table(8, -1);  // entry index, -1 empty
    size_t mask = 7;
    size_t fill = 0;
    auto insert_clean = [&](std::vector<int64_t>& t, size_t m, int64_t e) {
      auto h = static_cast<uint64_t>(hashes[static_cast<size_t>(e)]);
      size_t perturb = h;
      size_t i = h & m;
      for (;;) {
        if (t[i] < 0) {
          t[i] = e;
          return;
        }
        if (i + kLinearProbes <= m) {
          for (size_t j = 1; j <= kLinearProbes; ++j) {
            if (t[i + j] < 0) {
              t[i + j] = e;
              return;
            }
          }
        }
        perturb >>= kPerturbShift;
        i = (i * 5 + 1 + perturb) & m;
      }
    };
    for (size_t e = 0; e < n; ++e) {
      // set_add_entry: equal elements were merged when the set was built, so
      // every element here is new; the probe sequence is insert_clean's.
      insert_clean(table, mask, static_cast<int64_t>(e));
      ++fill;
      if (fill * 5 < mask * 3) continue;
      size_t minused = fill > 50000 ? fill * 2 : fill * 4;
      size_t newsize = 8;
      while (newsize <= minused) newsize <<= 1;
      std::vector<int64_t> fresh(newsize, -1);
      for (int64_t x : table) {
        if (x >= 0) insert_clean(fresh, newsize - 1, x);
      }
      table.swap(fresh);
      mask = newsize - 1;
    }
    Value* out = TempValues(n);
    size_t k = 0;
    for (int64_t x : table) {
      if (x >= 0) out[k++] = s->entries[static_cast<size_t>(x)].key;
    }
    return out;
  }

  Writer w_;
  const int proto_;
  bool bin_ = false;
  const bool fix_imports_;
  const bool oob_;
  const SetOrder set_order_;
  const uint32_t max_depth_;
  const uint32_t save_call_depth_;
  const bool fast_atoms_;
  Encoded& out_;
  EncodeError* error_;

  IdentityMap memo_;
  uint32_t memo_count_ = 0;
  IdentityMap global_ids_;
  std::unordered_map<std::string, uint32_t> global_names_;
  std::unordered_map<std::string, GlobalNode*> temp_globals_;
  StrNode* builtins_str_ = nullptr;
  StrNode* latin1_ = nullptr;
  Value object_new_;  // getattr(object, '__new__') of NEWOBJ_EX below p4
  // A stub's __reduce_ex__ returns the args tuple and kwargs dict it
  // recorded: the same two objects on every call, so CPython memoizes them
  // and reads them back with GET when the stub is reached again while its
  // own arguments are being saved. One node each per object here, too.
  std::unordered_map<const ObjectNode*, std::pair<Value, Value>> recorded_args_;
  Arena scratch_;
  std::string scratch_text_;
  std::vector<Frame> frames_;
  uint32_t depth_ = 0;
  bool failed_ = false;
  bool pers_save_ = false;
  Error error_kind_;
};

}  // namespace

std::string Describe(const EncodeError& error) {
  std::string out = error.exception.empty() ? std::string(ErrorKindName(error.error.kind)) : error.exception;
  out += " at " + error.path + ": " + error.message;
  if (!error.value.empty()) out += " (value: " + error.value + ")";
  if (error.min_protocol >= 0) {
    out += " [needs protocol >= " + std::to_string(error.min_protocol) + "]";
  } else {
    out += " [no protocol can carry it]";
  }
  return out;
}

Status EncodeTo(const Value& root, const EncodeOptions& options, Encoded& out, EncodeError* error) {
  out.pickle.clear();  // its capacity is reused
  out.buffers.clear();
  Encoder encoder(options, out, error);
  return encoder.Run(root);
}

Result<std::string> Encode(const Value& root, const EncodeOptions& options) {
  Encoded out;
  Status st = EncodeTo(root, options, out);
  if (!st.ok()) return st.error();
  return std::move(out.pickle);
}

}  // namespace picklecheck
