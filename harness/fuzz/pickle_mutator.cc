#include "harness/fuzz/pickle_mutator.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>

#include "harness/fuzz/pickle_tokens.h"

namespace picklecheck::fuzz {
namespace {

using namespace std::string_view_literals;

// ---- randomness ---------------------------------------------------------------

// splitmix64: tiny, fast, and good enough to pick mutations.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n == 0 yields 0.
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }
  bool OneIn(size_t n) { return Below(n) == 0; }
  template <typename T, size_t N>
  const T& Pick(const std::array<T, N>& items) { return items[Below(N)]; }

 private:
  uint64_t state_;
};

// ---- the opcode walk ------------------------------------------------------------

uint64_t LoadLe(const uint8_t* p, size_t width) {
  uint64_t v = 0;
  for (size_t i = width; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

// Width of the length prefix of a counted argument, 0 for other kinds.
size_t CountWidth(ArgKind kind) {
  switch (kind) {
    case ArgKind::kString1:
    case ArgKind::kBytes1:
    case ArgKind::kUnicodestring1:
    case ArgKind::kLong1:
      return 1;
    case ArgKind::kString4:
    case ArgKind::kBytes4:
    case ArgKind::kUnicodestring4:
    case ArgKind::kLong4:
      return 4;
    case ArgKind::kBytes8:
    case ArgKind::kBytearray8:
    case ArgKind::kUnicodestring8:
      return 8;
    default:
      return 0;
  }
}

size_t LineCount(ArgKind kind) {
  switch (kind) {
    case ArgKind::kDecimalnlShort:
    case ArgKind::kDecimalnlLong:
    case ArgKind::kFloatnl:
    case ArgKind::kStringnl:
    case ArgKind::kStringnlNoescape:
    case ArgKind::kUnicodestringnl:
      return 1;
    case ArgKind::kStringnlNoescapePair:
      return 2;
    default:
      return 0;
  }
}

// Size of the argument starting at `p` (bytes up to `end`), or -1 when it
// runs past the end (or declares a negative LONG4 length).
int64_t ArgSize(ArgKind kind, const uint8_t* p, const uint8_t* end) {
  size_t avail = static_cast<size_t>(end - p);
  if (int fixed = FixedArgSize(kind); fixed >= 0) {
    return static_cast<size_t>(fixed) <= avail ? fixed : -1;
  }
  if (size_t lines = LineCount(kind); lines > 0) {
    const uint8_t* q = p;
    for (size_t i = 0; i < lines; ++i) {
      const void* nl = std::memchr(q, '\n', static_cast<size_t>(end - q));
      if (nl == nullptr) return -1;
      q = static_cast<const uint8_t*>(nl) + 1;
    }
    return q - p;
  }
  size_t width = CountWidth(kind);
  if (width == 0 || width > avail) return -1;
  uint64_t n = LoadLe(p, width);
  if (kind == ArgKind::kLong4 && static_cast<int32_t>(n) < 0) return -1;
  if (n > avail - width) return -1;
  return static_cast<int64_t>(width + n);
}

}  // namespace

size_t WalkOpcodes(std::span<const uint8_t> payload, std::vector<OpSpan>& ops) {
  ops.clear();
  const uint8_t* begin = payload.data();
  const uint8_t* end = begin + payload.size();
  const uint8_t* p = begin;
  // Offsets are 32-bit: fuzz inputs are far smaller.
  if (payload.size() > std::numeric_limits<uint32_t>::max()) return 0;
  while (p < end) {
    const OpcodeInfo* info = LookupOpcode(*p);
    if (info == nullptr) break;
    int64_t arg = ArgSize(info->arg, p + 1, end);
    if (arg < 0) break;
    ops.push_back({static_cast<uint32_t>(p - begin), static_cast<uint32_t>(1 + arg), info});
    p += 1 + arg;
    if (info->op == Opcode::kSTOP) break;
  }
  return static_cast<size_t>(p - begin);
}

namespace {

// ---- argument generators --------------------------------------------------------

constexpr std::array<int64_t, 16> kInterestingInts = {
    0, 1, 2, -1, 127, 128, 255, 256, 0x7fff, 0xffff, 0x10000, 0x7fffffff, -0x7fffffff - 1,
    0xffffffff, 42, -2};

constexpr std::array<std::string_view, 24> kIntLines = {
    "0"sv, "1"sv, "00"sv, "01"sv, "-1"sv, "+1"sv, " 1"sv, "1 "sv, "0x1f"sv, "0o17"sv, "0b101"sv, "1_000"sv,
    "017"sv, "08"sv, "99999999999999999999"sv, "-9223372036854775809"sv, ""sv, "abc"sv, "1\0zz"sv, "2"sv,
    "9223372036854775807"sv, "-0"sv, "1__0"sv, "\t7"sv};
constexpr std::array<std::string_view, 14> kLongLines = {
    "0L"sv, "1L"sv, "-1L"sv, "123"sv, "12345678901234567890L"sv, "1_0L"sv, "0x10L"sv, "L"sv, ""sv,
    "-99999999999999999999999999L"sv, "1l"sv, " 5L"sv, "1L2"sv, "00L"sv};
constexpr std::array<std::string_view, 18> kFloatLines = {
    "0.0"sv, "1.5"sv, "-0.0"sv, "nan"sv, "inf"sv, "-inf"sv, "1e309"sv, "1e-400"sv, "1_0.5"sv, " 1.5"sv,
    "0x1p3"sv, "1.5e"sv, "3"sv, "-nan"sv, "Infinity"sv, "1.0\0x"sv, ""sv, "1e22"sv};
constexpr std::array<std::string_view, 16> kStringLines = {
    "'abc'"sv, "\"abc\""sv, "''"sv, "'a\\x41'"sv, "'\\n'"sv, "'a\\x4'"sv, "'abc\\'"sv, "abc"sv, "'abc\""sv,
    "'\\xff\\xfe'"sv, "'\xe9'"sv, "'\\u20ac'"sv, "'"sv, "\"\""sv, "'\\\\'"sv, "'a\\qb'"sv};
constexpr std::array<std::string_view, 10> kUnicodeLines = {
    "abc"sv, "\\u20ac"sv, "\\U0001f600"sv, "\\ud800"sv, "\\u12"sv, "\xe9"sv, ""sv, "a\\\\b"sv, "\\U00110000"sv,
    "\\x41"sv};
constexpr std::array<std::string_view, 6> kPersIds = {"abc"sv, "0"sv, "\xe9"sv, ""sv, "a b"sv, "\\x00"sv};

// Whole snippets that push one value (or do one thing to the top of the
// stack); the constructors the safe policy models, and a few forms it may not.
constexpr std::array<std::string_view, 22> kSnippets = {
    "c__builtin__\nset\n(]K\x01\x61tR"sv,
    "cbuiltins\nfrozenset\n(]K\x02\x61\x85R"sv,
    "cbuiltins\nbytearray\n(C\x03\x61\x62\x63tR"sv,
    "cbuiltins\nbytearray\n)R"sv,
    "c_codecs\nencode\n(X\x02\x00\x00\x00\xc3\xa9X\x06\x00\x00\x00latin1tR"sv,
    "ccopy_reg\n_reconstructor\n(c__builtin__\nobject\nc__builtin__\nobject\nNtR"sv,
    "cbuiltins\ncomplex\nG?\xf0\x00\x00\x00\x00\x00\x00G@\x00\x00\x00\x00\x00\x00\x00\x86R"sv,
    "\x8c\x08\x62uiltins\x8c\x03set\x93)R"sv,
    "cbuiltins\nobject\n)\x81"sv,
    "cbuiltins\nobject\n)}\x92"sv,
    "(cbuiltins\nobject\no"sv,
    "(icollections\nOrderedDict\n"sv,
    "ccollections\nOrderedDict\n)R]((K\x01K\x02ltb"sv,
    "\x97\x98"sv,
    "\x97"sv,
    "Pabc\n"sv,
    "X\x01\x00\x00\x00\x61Q"sv,
    "}(K\x01K\x02u"sv,
    "\x8f(K\x01\x90"sv,
    "(K\x01\x91"sv,
    "}X\x01\x00\x00\x00\x61K\x01sb"sv,
    "N}\x86\x62"sv,
};

constexpr std::array<std::string_view, 12> kPayloads = {
    ""sv, "a"sv, "abc"sv, "\xc3\xa9"sv, "\xe2\x82\xac"sv, "\xf0\x9f\x98\x80"sv, "\xff"sv, "\xed\xa0\x80"sv,
    "\x80"sv, "a\0b"sv, "\xc3"sv, "\xe9t\xe9"sv};

// Opcodes that consume a mark (the closing half of a MARK-balanced pair).
constexpr std::array<Opcode, 10> kMarkCloser = {
    Opcode::kLIST,     Opcode::kTUPLE,    Opcode::kDICT, Opcode::kFROZENSET, Opcode::kAPPENDS,
    Opcode::kSETITEMS, Opcode::kADDITEMS, Opcode::kPOP_MARK, Opcode::kOBJ, Opcode::kINST};

const OpcodeInfo& Info(Opcode op) { return *LookupOpcode(static_cast<uint8_t>(op)); }

void PutLe(std::string& out, uint64_t v, size_t width) {
  for (size_t i = 0; i < width; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// What the generators know about the pickle being mutated.
struct Context {
  std::span<const uint8_t> payload;
  std::vector<uint64_t> memo;   // indices PUT, BINPUT, LONG_BINPUT and MEMOIZE used
  uint64_t memoize_count = 0;
};

uint64_t MemoIndex(Rng& rng, const Context& ctx) {
  if (!ctx.memo.empty() && !rng.OneIn(4)) {
    uint64_t base = ctx.memo[rng.Below(ctx.memo.size())];
    switch (rng.Below(4)) {
      case 0: return base + 1;
      case 1: return base == 0 ? 0 : base - 1;
      default: return base;
    }
  }
  switch (rng.Below(5)) {
    case 0: return ctx.memoize_count;
    case 1: return 0;
    case 2: return 255;
    case 3: return 256;
    default: return rng.Below(8);
  }
}

bool IsMemoOp(Opcode op) {
  return op == Opcode::kGET || op == Opcode::kBINGET || op == Opcode::kLONG_BINGET ||
         op == Opcode::kPUT || op == Opcode::kBINPUT || op == Opcode::kLONG_BINPUT;
}

std::string_view SliceOfPayload(Rng& rng, const Context& ctx, size_t max_len) {
  if (ctx.payload.empty()) return {};
  size_t at = rng.Below(ctx.payload.size());
  size_t n = std::min(rng.Below(max_len + 1), ctx.payload.size() - at);
  return {reinterpret_cast<const char*>(ctx.payload.data()) + at, n};
}

void AppendLine(std::string& out, std::string_view line) {
  // A line argument ends at the first newline, so none may be inside.
  for (char c : line) out.push_back(c == '\n' ? ' ' : c);
  out.push_back('\n');
}

void AppendCounted(Rng& rng, const Context& ctx, ArgKind kind, std::string& out) {
  size_t width = CountWidth(kind);
  std::string data;
  if (kind == ArgKind::kLong1 || kind == ArgKind::kLong4) {
    size_t n = rng.Below(rng.OneIn(8) ? 40 : 10);
    for (size_t i = 0; i < n; ++i) data.push_back(static_cast<char>(rng.Next()));
    if (n > 0 && rng.OneIn(3)) data.back() = static_cast<char>(rng.OneIn(2) ? 0x00 : 0xff);
  } else {
    switch (rng.Below(4)) {
      case 0: data = rng.Pick(kPayloads); break;
      case 1: data = SliceOfPayload(rng, ctx, 24); break;
      case 2: {
        size_t n = rng.Below(20);
        for (size_t i = 0; i < n; ++i) data.push_back(static_cast<char>('a' + rng.Below(26)));
        break;
      }
      default: {
        size_t n = rng.Below(12);
        for (size_t i = 0; i < n; ++i) data.push_back(static_cast<char>(rng.Next()));
        break;
      }
    }
    if (width == 1 && data.size() > 255) data.resize(255);
  }
  uint64_t declared = data.size();
  if (rng.OneIn(16)) {
    // Deliberately inconsistent: off by one, or far beyond the input.
    switch (rng.Below(4)) {
      case 0: declared += 1; break;
      case 1: declared = declared == 0 ? 0 : declared - 1; break;
      case 2: declared = width >= 8 ? (uint64_t{1} << 63) : (uint64_t{1} << (8 * width)) - 1; break;
      default: declared = width == 4 ? 0x80000000u : declared + 100; break;
    }
  }
  PutLe(out, declared, width);
  out += data;
}

// Appends `info`'s opcode byte and a generated argument.
void EmitOp(Rng& rng, const Context& ctx, const OpcodeInfo& info, std::string& out) {
  out.push_back(static_cast<char>(info.byte));
  const Opcode op = info.op;
  switch (info.arg) {
    case ArgKind::kNone:
      return;
    case ArgKind::kUint1:
      if (op == Opcode::kPROTO) {
        out.push_back(static_cast<char>(rng.OneIn(8) ? 6 + rng.Below(250) : rng.Below(6)));
      } else if (IsMemoOp(op)) {
        out.push_back(static_cast<char>(MemoIndex(rng, ctx) & 0xff));
      } else {
        out.push_back(static_cast<char>(rng.OneIn(2) ? rng.Pick(kInterestingInts) : rng.Next()));
      }
      return;
    case ArgKind::kUint2:
      PutLe(out, static_cast<uint64_t>(rng.OneIn(2) ? rng.Pick(kInterestingInts) : rng.Next()), 2);
      return;
    case ArgKind::kInt4:
    case ArgKind::kUint4:
      PutLe(out, IsMemoOp(op) ? MemoIndex(rng, ctx)
                              : static_cast<uint64_t>(rng.OneIn(4) ? rng.Next() : rng.Pick(kInterestingInts)),
            4);
      return;
    case ArgKind::kUint8:  // FRAME: a length; Mutate writes exact ones itself
      PutLe(out, rng.OneIn(2) ? rng.Below(64) : (rng.OneIn(2) ? ~uint64_t{0} : uint64_t{1} << 63), 8);
      return;
    case ArgKind::kDecimalnlShort:
      if (IsMemoOp(op)) {
        AppendLine(out, rng.OneIn(8) ? std::string_view(rng.Pick(kIntLines))
                                     : std::string_view(std::to_string(MemoIndex(rng, ctx))));
      } else {
        AppendLine(out, rng.OneIn(4) ? std::to_string(rng.Pick(kInterestingInts))
                                     : std::string(rng.Pick(kIntLines)));
      }
      return;
    case ArgKind::kDecimalnlLong:
      AppendLine(out, rng.OneIn(4) ? std::to_string(rng.Pick(kInterestingInts)) + "L"
                                   : std::string(rng.Pick(kLongLines)));
      return;
    case ArgKind::kFloatnl:
      AppendLine(out, rng.Pick(kFloatLines));
      return;
    case ArgKind::kFloat8: {
      static constexpr std::array<double, 8> kDoubles = {
          0.0, -0.0, 1.5, std::numeric_limits<double>::quiet_NaN(),
          std::numeric_limits<double>::infinity(), std::numeric_limits<double>::denorm_min(),
          1e300, -2.0};
      uint64_t bits = rng.OneIn(4) ? rng.Next() : std::bit_cast<uint64_t>(rng.Pick(kDoubles));
      for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
      return;
    }
    case ArgKind::kStringnl:
      AppendLine(out, rng.Pick(kStringLines));
      return;
    case ArgKind::kStringnlNoescape:
      AppendLine(out, rng.Pick(kPersIds));
      return;
    case ArgKind::kStringnlNoescapePair: {
      const GlobalName& g = rng.Pick(kGlobals);
      AppendLine(out, g.module);
      AppendLine(out, g.name);
      return;
    }
    case ArgKind::kUnicodestringnl:
      AppendLine(out, rng.Pick(kUnicodeLines));
      return;
    case ArgKind::kString1:
    case ArgKind::kString4:
    case ArgKind::kBytes1:
    case ArgKind::kBytes4:
    case ArgKind::kBytes8:
    case ArgKind::kBytearray8:
    case ArgKind::kUnicodestring1:
    case ArgKind::kUnicodestring4:
    case ArgKind::kUnicodestring8:
    case ArgKind::kLong1:
    case ArgKind::kLong4:
      AppendCounted(rng, ctx, info.arg, out);
      return;
  }
}

const OpcodeInfo& RandomOpcode(Rng& rng) {
  std::span<const OpcodeInfo> all = AllOpcodes();
  return all[rng.Below(all.size())];
}

// ---- value expressions ------------------------------------------------------------

// Appends an opcode sequence that pushes exactly one value (when the
// generated arguments are well-formed) of a random kind: scalars, containers
// built every way the protocols allow, globals, calls of the safe built-ins
// and of stub classes, BUILD, APPEND/SETITEM/ADDITEMS on every kind of target,
// memo round trips, buffers, persistent ids. Deeper nesting for smaller
// `depth` budgets is cut off, so outputs stay small. This is what reaches
// the decoder's call and mutation semantics, which random opcodes rarely do.
void EmitValue(Rng& rng, const Context& ctx, std::string& out, int depth);

void EmitOpcode(Rng& rng, const Context& ctx, Opcode op, std::string& out) {
  EmitOp(rng, ctx, Info(op), out);
}

void EmitScalar(Rng& rng, const Context& ctx, std::string& out) {
  static constexpr std::array<Opcode, 24> kScalars = {
      Opcode::kNONE,      Opcode::kNEWTRUE,          Opcode::kNEWFALSE,    Opcode::kINT,
      Opcode::kBININT,    Opcode::kBININT1,          Opcode::kBININT2,     Opcode::kLONG,
      Opcode::kLONG1,     Opcode::kLONG4,            Opcode::kFLOAT,       Opcode::kBINFLOAT,
      Opcode::kSTRING,    Opcode::kBINSTRING,        Opcode::kSHORT_BINSTRING, Opcode::kBINBYTES,
      Opcode::kSHORT_BINBYTES, Opcode::kBINBYTES8,   Opcode::kBYTEARRAY8,  Opcode::kUNICODE,
      Opcode::kSHORT_BINUNICODE, Opcode::kBINUNICODE, Opcode::kBINUNICODE8, Opcode::kEMPTY_TUPLE};
  EmitOpcode(rng, ctx, rng.Pick(kScalars), out);
}

// A value usable as a dict key or set item most of the time.
void EmitKey(Rng& rng, const Context& ctx, std::string& out, int depth) {
  switch (rng.Below(8)) {
    case 0: EmitValue(rng, ctx, out, depth - 1); return;  // maybe unhashable
    case 1: out += "(K\x01\x8c\x01kt"sv; return;         // (1, 'k')
    case 2: out += "(K\x01\x91"sv; return;                // frozenset({1})
    default: EmitScalar(rng, ctx, out); return;
  }
}

void EmitGlobal(Rng& rng, std::string& out) {
  const GlobalName& g = rng.Pick(kGlobals);
  if (rng.OneIn(4)) {
    // STACK_GLOBAL from two SHORT_BINUNICODEs.
    for (std::string_view part : {g.module, g.name}) {
      out.push_back(static_cast<char>(Opcode::kSHORT_BINUNICODE));
      out.push_back(static_cast<char>(part.size()));
      out += part;
    }
    out.push_back(static_cast<char>(Opcode::kSTACK_GLOBAL));
    return;
  }
  out.push_back(static_cast<char>(Opcode::kGLOBAL));
  AppendLine(out, g.module);
  AppendLine(out, g.name);
}

// A callable or class: mostly the safe built-ins, sometimes a stub class.
void EmitCallable(Rng& rng, const Context& ctx, std::string& out, int depth) {
  if (rng.OneIn(8)) {
    EmitValue(rng, ctx, out, depth - 1);  // not callable, usually
  } else {
    EmitGlobal(rng, out);
  }
}

// MARK, n values, and the closer.
void EmitMarked(Rng& rng, const Context& ctx, std::string& out, int depth, size_t n, char closer,
                bool keys = false) {
  out.push_back(static_cast<char>(Opcode::kMARK));
  for (size_t i = 0; i < n; ++i) {
    if (keys && i % 2 == 0) {
      EmitKey(rng, ctx, out, depth);
    } else {
      EmitValue(rng, ctx, out, depth - 1);
    }
  }
  out.push_back(closer);
}

void EmitArgsTuple(Rng& rng, const Context& ctx, std::string& out, int depth) {
  size_t n = rng.Below(4);
  if (n == 0) {
    out.push_back(static_cast<char>(Opcode::kEMPTY_TUPLE));
  } else if (n <= 3 && rng.OneIn(2)) {
    for (size_t i = 0; i < n; ++i) EmitValue(rng, ctx, out, depth - 1);
    out.push_back(static_cast<char>(static_cast<uint8_t>(Opcode::kTUPLE1) + n - 1));
  } else {
    EmitMarked(rng, ctx, out, depth, n, static_cast<char>(Opcode::kTUPLE));
  }
  if (rng.OneIn(16)) {  // not a tuple
    out.push_back(static_cast<char>(Opcode::kPOP));
    EmitValue(rng, ctx, out, depth - 1);
  }
}

// A target for APPEND(S)/SETITEM(S)/ADDITEMS/BUILD: containers, stub
// instances, built-in types, buffers.
void EmitTarget(Rng& rng, const Context& ctx, std::string& out, int depth) {
  switch (rng.Below(9)) {
    case 0: out.push_back(static_cast<char>(Opcode::kEMPTY_LIST)); return;
    case 1: out.push_back(static_cast<char>(Opcode::kEMPTY_DICT)); return;
    case 2: out.push_back(static_cast<char>(Opcode::kEMPTY_SET)); return;
    case 3: out += "\x96\x02\0\0\0\0\0\0\0ab"sv; return;  // bytearray(b'ab')
    case 4: out += "ccollections\nOrderedDict\n)\x81"sv; return;  // stub instance
    case 5: out += "cUserDict\nUserDict\n)R"sv; return;            // stub, via REDUCE
    case 6: EmitGlobal(rng, out); return;
    case 7: out += "\x97"sv; if (rng.OneIn(2)) out += "\x98"sv; return;  // buffer
    default: EmitValue(rng, ctx, out, depth - 1); return;
  }
}

void EmitValue(Rng& rng, const Context& ctx, std::string& out, int depth) {
  if (depth <= 0) {
    EmitScalar(rng, ctx, out);
    return;
  }
  switch (rng.Below(20)) {
    case 0:
    case 1:
    case 2: EmitScalar(rng, ctx, out); return;
    case 3:  // tuple
      EmitArgsTuple(rng, ctx, out, depth);
      return;
    case 4: {  // list
      size_t n = rng.Below(4);
      if (rng.OneIn(2)) {
        EmitMarked(rng, ctx, out, depth, n, static_cast<char>(Opcode::kLIST));
      } else {
        out.push_back(static_cast<char>(Opcode::kEMPTY_LIST));
        if (n > 0) EmitMarked(rng, ctx, out, depth, n, static_cast<char>(Opcode::kAPPENDS));
      }
      return;
    }
    case 5: {  // dict
      size_t n = 2 * rng.Below(3) + (rng.OneIn(16) ? 1 : 0);
      if (rng.OneIn(2)) {
        EmitMarked(rng, ctx, out, depth, n, static_cast<char>(Opcode::kDICT), true);
      } else {
        out.push_back(static_cast<char>(Opcode::kEMPTY_DICT));
        if (n > 0) EmitMarked(rng, ctx, out, depth, n, static_cast<char>(Opcode::kSETITEMS), true);
      }
      return;
    }
    case 6: {  // set / frozenset
      size_t n = rng.Below(4);
      if (rng.OneIn(2)) {
        EmitMarked(rng, ctx, out, depth, n, static_cast<char>(Opcode::kFROZENSET), true);
      } else {
        out.push_back(static_cast<char>(Opcode::kEMPTY_SET));
        EmitMarked(rng, ctx, out, depth, n, static_cast<char>(Opcode::kADDITEMS), true);
      }
      return;
    }
    case 7: EmitGlobal(rng, out); return;
    case 8:  // callable(*args)
      EmitCallable(rng, ctx, out, depth);
      EmitArgsTuple(rng, ctx, out, depth);
      out.push_back(static_cast<char>(Opcode::kREDUCE));
      return;
    case 9:  // cls.__new__(cls, *args[, **kwargs])
      EmitCallable(rng, ctx, out, depth);
      EmitArgsTuple(rng, ctx, out, depth);
      if (rng.OneIn(2)) {
        out.push_back(static_cast<char>(Opcode::kNEWOBJ));
      } else {
        EmitValue(rng, ctx, out, 1);  // kwargs: usually a small dict
        out.push_back(static_cast<char>(Opcode::kNEWOBJ_EX));
      }
      return;
    case 10:  // OBJ / INST
      if (rng.OneIn(2)) {
        out.push_back(static_cast<char>(Opcode::kMARK));
        EmitCallable(rng, ctx, out, depth);
        for (size_t i = rng.Below(3); i > 0; --i) EmitValue(rng, ctx, out, depth - 1);
        out.push_back(static_cast<char>(Opcode::kOBJ));
      } else {
        out.push_back(static_cast<char>(Opcode::kMARK));
        for (size_t i = rng.Below(3); i > 0; --i) EmitValue(rng, ctx, out, depth - 1);
        EmitOpcode(rng, ctx, Opcode::kINST, out);
      }
      return;
    case 11: {  // BUILD with a dict, (dict, slots), None or junk state
      EmitTarget(rng, ctx, out, depth);
      switch (rng.Below(4)) {
        case 0: out += "}\x8c\x01" "aK\x01s"sv; break;
        case 1: out += "N}\x8c\x01" "bK\x02s\x86"sv; break;
        case 2: out.push_back(static_cast<char>(Opcode::kNONE)); break;
        default: EmitValue(rng, ctx, out, depth - 1); break;
      }
      out.push_back(static_cast<char>(Opcode::kBUILD));
      return;
    }
    case 12:  // target.append / extend
      EmitTarget(rng, ctx, out, depth);
      if (rng.OneIn(2)) {
        EmitValue(rng, ctx, out, depth - 1);
        out.push_back(static_cast<char>(Opcode::kAPPEND));
      } else {
        EmitMarked(rng, ctx, out, depth, rng.Below(3), static_cast<char>(Opcode::kAPPENDS));
      }
      return;
    case 13:  // target[k] = v
      EmitTarget(rng, ctx, out, depth);
      if (rng.OneIn(2)) {
        EmitKey(rng, ctx, out, depth);
        EmitValue(rng, ctx, out, depth - 1);
        out.push_back(static_cast<char>(Opcode::kSETITEM));
      } else {
        EmitMarked(rng, ctx, out, depth, 2 * rng.Below(3), static_cast<char>(Opcode::kSETITEMS), true);
      }
      return;
    case 14:  // target.add
      EmitTarget(rng, ctx, out, depth);
      EmitMarked(rng, ctx, out, depth, rng.Below(3), static_cast<char>(Opcode::kADDITEMS), true);
      return;
    case 15: {  // shared through the memo or DUP: (v, v)
      EmitValue(rng, ctx, out, depth - 1);
      if (rng.OneIn(2)) {
        out.push_back(static_cast<char>(Opcode::kDUP));
      } else {
        uint64_t idx = ctx.memoize_count + 200 + rng.Below(8);  // clear of the pickle's own
        out.push_back(static_cast<char>(Opcode::kLONG_BINPUT));
        PutLe(out, idx, 4);
        out.push_back(static_cast<char>(Opcode::kLONG_BINGET));
        PutLe(out, idx, 4);
      }
      out.push_back(static_cast<char>(Opcode::kTUPLE2));
      return;
    }
    case 16:  // a memo entry the pickle already has
      EmitOpcode(rng, ctx, rng.OneIn(2) ? Opcode::kBINGET : Opcode::kLONG_BINGET, out);
      return;
    case 17:  // persistent id
      if (rng.OneIn(2)) {
        EmitOpcode(rng, ctx, Opcode::kPERSID, out);
      } else {
        EmitValue(rng, ctx, out, depth - 1);
        out.push_back(static_cast<char>(Opcode::kBINPERSID));
      }
      return;
    case 18:  // buffers and read-only views
      if (rng.OneIn(2)) {
        out.push_back(static_cast<char>(Opcode::kNEXT_BUFFER));
      } else {
        EmitTarget(rng, ctx, out, depth);
      }
      if (rng.OneIn(2)) out.push_back(static_cast<char>(Opcode::kREADONLY_BUFFER));
      return;
    default:
      out += rng.Pick(kSnippets);
      return;
  }
}

// A fresh opcode, a value expression, or a whole snippet.
void EmitSomething(Rng& rng, const Context& ctx, std::string& out) {
  switch (rng.Below(8)) {
    case 0: out += rng.Pick(kSnippets); return;
    case 1:
    case 2:
    case 3: EmitValue(rng, ctx, out, 1 + static_cast<int>(rng.Below(3))); return;
    default: EmitOp(rng, ctx, RandomOpcode(rng), out); return;
  }
}

// ---- the mutation engine ---------------------------------------------------------

// A payload split into opcodes plus its unparsed trailer, rebuilt into `out`
// with edits.
struct Parsed {
  std::span<const uint8_t> payload;
  std::vector<OpSpan> ops;
  size_t walked = 0;  // start of the trailer

  std::string_view Op(size_t i) const {
    return {reinterpret_cast<const char*>(payload.data()) + ops[i].offset, ops[i].size};
  }
  // Bytes of ops [i, j).
  std::string_view Ops(size_t i, size_t j) const {
    if (i >= j) return {};
    size_t from = ops[i].offset;
    size_t to = ops[j - 1].offset + ops[j - 1].size;
    return {reinterpret_cast<const char*>(payload.data()) + from, to - from};
  }
  std::string_view Trailer() const {
    return {reinterpret_cast<const char*>(payload.data()) + walked, payload.size() - walked};
  }
  size_t StopIndex() const {
    return !ops.empty() && ops.back().info->op == Opcode::kSTOP ? ops.size() - 1 : ops.size();
  }
};

void Parse(std::span<const uint8_t> payload, Parsed& p, Context& ctx) {
  p.payload = payload;
  p.walked = WalkOpcodes(payload, p.ops);
  ctx.payload = payload;
  ctx.memo.clear();
  ctx.memoize_count = 0;
  for (const OpSpan& op : p.ops) {
    const uint8_t* arg = payload.data() + op.offset + 1;
    switch (op.info->op) {
      case Opcode::kBINPUT: ctx.memo.push_back(arg[0]); break;
      case Opcode::kLONG_BINPUT: ctx.memo.push_back(LoadLe(arg, 4)); break;
      case Opcode::kPUT: {
        uint64_t v = 0;
        for (size_t i = 0; i + 2 < op.size && arg[i] >= '0' && arg[i] <= '9' && v < (1u << 30); ++i) {
          v = v * 10 + (arg[i] - '0');
        }
        ctx.memo.push_back(v);
        break;
      }
      case Opcode::kMEMOIZE: ctx.memo.push_back(ctx.memoize_count++); break;
      default: break;
    }
  }
}

// An opcode boundary to insert at, usually before STOP (where new opcodes
// have an effect) and sometimes anywhere.
size_t InsertPoint(Rng& rng, const Parsed& p) {
  size_t stop = p.StopIndex();
  if (rng.OneIn(8)) return rng.Below(p.ops.size() + 1);
  if (rng.OneIn(3)) return stop;  // just before STOP: the value pushed last wins
  return rng.Below(stop + 1);
}

enum class Edit : uint8_t {
  kInsert,
  kDelete,
  kReplace,
  kReargue,
  kDuplicate,
  kWrap,
  kMemo,
  kHeader,
  kTruncateAfter,
  kCount,
};

// Applies one opcode-level edit; returns false when it could not apply
// (e.g. deleting from an empty list), so the caller picks another.
bool ApplyEdit(Rng& rng, Edit edit, const Parsed& p, const Context& ctx, std::string& out) {
  const size_t n = p.ops.size();
  out.clear();
  switch (edit) {
    case Edit::kInsert: {
      size_t at = InsertPoint(rng, p);
      out += p.Ops(0, at);
      size_t count = 1 + (rng.OneIn(3) ? rng.Below(3) : 0);
      for (size_t i = 0; i < count; ++i) EmitSomething(rng, ctx, out);
      out += p.Ops(at, n);
      break;
    }
    case Edit::kDelete: {
      if (n == 0) return false;
      size_t at = rng.Below(n);
      size_t len = std::min(n - at, 1 + (rng.OneIn(4) ? rng.Below(4) : 0));
      out += p.Ops(0, at);
      out += p.Ops(at + len, n);
      break;
    }
    case Edit::kReplace: {
      if (n == 0) return false;
      size_t at = rng.Below(n);
      out += p.Ops(0, at);
      EmitSomething(rng, ctx, out);
      out += p.Ops(at + 1, n);
      break;
    }
    case Edit::kReargue: {
      // Same opcode, new argument (or a sibling of the same family).
      std::vector<size_t> with_arg;
      for (size_t i = 0; i < n; ++i) {
        if (p.ops[i].info->arg != ArgKind::kNone) with_arg.push_back(i);
      }
      if (with_arg.empty()) return false;
      size_t at = with_arg[rng.Below(with_arg.size())];
      const OpcodeInfo* info = p.ops[at].info;
      if (rng.OneIn(4)) {
        // A sibling with the same argument kind family (BINPUT <-> LONG_BINPUT ...).
        const OpcodeInfo& other = RandomOpcode(rng);
        if ((other.arg == ArgKind::kNone) == (info->arg == ArgKind::kNone)) info = &other;
      }
      out += p.Ops(0, at);
      EmitOp(rng, ctx, *info, out);
      out += p.Ops(at + 1, n);
      break;
    }
    case Edit::kDuplicate: {
      if (n == 0) return false;
      size_t from = rng.Below(n);
      size_t len = std::min(n - from, 1 + rng.Below(8));
      size_t at = InsertPoint(rng, p);
      std::string copy(p.Ops(from, from + len));
      out += p.Ops(0, at);
      out += copy;
      out += p.Ops(at, n);
      break;
    }
    case Edit::kWrap: {
      // MARK before op i, a mark-consuming op after op j-1 (i <= j <= STOP).
      size_t stop = p.StopIndex();
      size_t i = rng.Below(stop + 1);
      size_t j = i + rng.Below(stop - i + 1);
      out += p.Ops(0, i);
      Opcode closer = rng.Pick(kMarkCloser);
      if (rng.OneIn(3)) {
        // The closers that work on a thing below the mark get one.
        if (closer == Opcode::kAPPENDS) out += rng.OneIn(2) ? "]"sv : "ccollections\nOrderedDict\n)\x81"sv;
        if (closer == Opcode::kSETITEMS) out += "}"sv;
        if (closer == Opcode::kADDITEMS) out += "\x8f"sv;
      }
      out.push_back(static_cast<char>(Opcode::kMARK));
      if (closer == Opcode::kOBJ && rng.OneIn(2)) EmitGlobal(rng, out);  // the class
      out += p.Ops(i, j);
      EmitOp(rng, ctx, Info(closer), out);
      out += p.Ops(j, n);
      break;
    }
    case Edit::kMemo: {
      static constexpr std::array<Opcode, 7> kMemoOps = {
          Opcode::kPUT,    Opcode::kBINPUT,      Opcode::kLONG_BINPUT, Opcode::kMEMOIZE,
          Opcode::kBINGET, Opcode::kLONG_BINGET, Opcode::kGET};
      size_t at = InsertPoint(rng, p);
      out += p.Ops(0, at);
      EmitOp(rng, ctx, Info(rng.Pick(kMemoOps)), out);
      if (rng.OneIn(2)) EmitOp(rng, ctx, Info(rng.Pick(kMemoOps)), out);
      out += p.Ops(at, n);
      break;
    }
    case Edit::kHeader: {
      // Replace leading PROTO/FRAME with a new PROTO and maybe an exact FRAME
      // over the rest up to and including STOP (what pickle.dumps writes).
      size_t skip = 0;
      while (skip < n && (p.ops[skip].info->op == Opcode::kPROTO ||
                          p.ops[skip].info->op == Opcode::kFRAME)) {
        ++skip;
      }
      std::string_view body = p.Ops(skip, n);
      if (!rng.OneIn(4)) {
        out.push_back(static_cast<char>(Opcode::kPROTO));
        out.push_back(static_cast<char>(rng.OneIn(8) ? 6 + rng.Below(3) : rng.Below(6)));
      }
      if (rng.OneIn(2)) {
        out.push_back(static_cast<char>(Opcode::kFRAME));
        uint64_t len = body.size();
        if (rng.OneIn(4)) len = rng.OneIn(2) ? len + 1 + rng.Below(4) : rng.Below(len + 1);
        PutLe(out, len, 8);
      }
      out += body;
      break;
    }
    case Edit::kTruncateAfter: {
      // Drop everything after a random opcode and end with STOP.
      if (n == 0) return false;
      size_t at = 1 + rng.Below(n);
      out += p.Ops(0, at);
      if (p.ops[at - 1].info->op != Opcode::kSTOP) out.push_back(static_cast<char>(Opcode::kSTOP));
      return true;  // no trailer: it belonged after the old end
    }
    case Edit::kCount:
      return false;
  }
  out += p.Trailer();
  return true;
}

// The working set of one call, reused across calls to avoid reallocation.
struct Scratch {
  Parsed parsed;
  Context ctx;
  std::string out;
  std::string tail;
  std::string work;
};
Scratch& GetScratch() {
  static thread_local Scratch s;
  return s;
}

// Writes payload + tail into data if it fits; returns the size or 0.
size_t Emit(std::string_view payload, std::string_view tail, uint8_t* data, size_t max_size) {
  if (payload.size() + tail.size() > max_size || payload.size() + tail.size() == 0) return 0;
  std::memcpy(data, payload.data(), payload.size());
  if (!tail.empty()) std::memcpy(data + payload.size(), tail.data(), tail.size());
  return payload.size() + tail.size();
}

}  // namespace

size_t PickleMutator::Mutate(uint8_t* data, size_t size, size_t max_size, unsigned seed) const {
  Rng rng(seed);
  Scratch& s = GetScratch();
  size_t tail_len = tail_size ? std::min(tail_size(data, size), size) : 0;
  size_t payload_len = size - tail_len;
  s.tail.assign(reinterpret_cast<const char*>(data) + payload_len, tail_len);

  // A new tail (the options), payload untouched.
  if (new_tail != nullptr && rng.OneIn(16)) {
    std::string tail = new_tail(rng.Next(), s.tail);
    s.work.assign(reinterpret_cast<const char*>(data), payload_len);
    if (size_t r = Emit(s.work, tail, data, max_size)) return r;
  }

  // libFuzzer's byte mutations (and its dictionary) on the payload alone.
  if (byte_mutate != nullptr && (rng.OneIn(4) || max_size <= tail_len)) {
    if (max_size > tail_len) {
      size_t r = byte_mutate(data, payload_len, max_size - tail_len);
      std::memcpy(data + r, s.tail.data(), tail_len);
      return r + tail_len;
    }
    return byte_mutate(data, size, max_size);
  }

  Parse(std::span<const uint8_t>(data, payload_len), s.parsed, s.ctx);
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto edit = static_cast<Edit>(rng.Below(static_cast<size_t>(Edit::kCount)));
    // Insertions are the most productive edits; weight them up.
    if (rng.OneIn(4)) edit = Edit::kInsert;
    if (!ApplyEdit(rng, edit, s.parsed, s.ctx, s.out)) continue;
    if (s.out.size() == payload_len &&
        std::memcmp(s.out.data(), data, payload_len) == 0) {
      continue;  // a no-op (e.g. the same argument again)
    }
    if (size_t r = Emit(s.out, s.tail, data, max_size)) return r;
  }
  // Nothing fit: fall back to bytes.
  if (byte_mutate != nullptr && max_size > tail_len) {
    size_t r = byte_mutate(data, payload_len, max_size - tail_len);
    std::memcpy(data + r, s.tail.data(), tail_len);
    return r + tail_len;
  }
  return size;
}

size_t PickleMutator::CrossOver(const uint8_t* a, size_t a_size, const uint8_t* b, size_t b_size,
                                uint8_t* out, size_t max_out_size, unsigned seed) const {
  Rng rng(seed);
  size_t a_tail = tail_size ? std::min(tail_size(a, a_size), a_size) : 0;
  size_t b_tail = tail_size ? std::min(tail_size(b, b_size), b_size) : 0;
  Parsed pa;
  Parsed pb;
  Context ca;
  Context cb;
  Parse(std::span<const uint8_t>(a, a_size - a_tail), pa, ca);
  Parse(std::span<const uint8_t>(b, b_size - b_tail), pb, cb);
  std::string result;
  size_t na = pa.ops.size();
  size_t nb = pb.ops.size();
  if (rng.OneIn(2)) {
    // A run of b's opcodes inserted into a.
    size_t at = InsertPoint(rng, pa);
    size_t from = rng.Below(nb + 1);
    size_t len = std::min(nb - from, 1 + rng.Below(16));
    result += pa.Ops(0, at);
    result += pb.Ops(from, from + len);
    result += pa.Ops(at, na);
    result += pa.Trailer();
  } else {
    // a's head, b's rest (b's trailer included).
    size_t i = rng.Below(pa.StopIndex() + 1);
    size_t j = rng.Below(pb.ops.size() + 1);
    result += pa.Ops(0, i);
    result += pb.Ops(j, nb);
    result += pb.Trailer();
  }
  std::string_view tail(reinterpret_cast<const char*>(a) + (a_size - a_tail), a_tail);
  return Emit(result, tail, out, max_out_size);
}

}  // namespace picklecheck::fuzz
