#include "harness/fuzz/value_text_gen.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/pickle/canonical.h"

namespace picklecheck::fuzz {
namespace {

struct GlobalName {
  std::string_view module;
  std::string_view name;
  bool safe;  // a safe built-in (canonical.md section 4): never called in text
};

// Stub classes first (also the callees), then the safe built-ins.
constexpr GlobalName kGlobals[] = {
    {"m", "A", false},
    {"m", "B", false},
    {"mod.sub", "Cls", false},
    {"__main__", "C", false},
    {"m", "A.B", false},                 // getattr(A, 'B') below protocol 4
    {"collections", "OrderedDict", false},
    {"builtins", "range", false},        // fix_imports: __builtin__ xrange below protocol 3
    {"functools", "reduce", false},      // fix_imports: __builtin__ reduce
    {"collections", "UserList", false},  // fix_imports: UserList UserList
    {"builtins", "str", false},
    {"__builtin__", "set", false},       // reads back as builtins.set below protocol 3
    {"copy_reg", "_reconstructor", false},
    {"copyreg", "__newobj__", false},    // a call of it is a NEWOBJ at protocol 2+
    {"copyreg", "__newobj_ex__", false},
    {"m\xc3\xb6" "dule", "\xc3\x84", false},  // non-ASCII names
    {"m", "f.<locals>.g", false},
    {"m", "", false},
    {"", "x", false},
    {"builtins", "set", true},
    {"builtins", "frozenset", true},
    {"builtins", "bytearray", true},
    {"builtins", "bytes", true},
    {"builtins", "complex", true},
    {"builtins", "object", true},
    {"_codecs", "encode", true},
    {"copyreg", "_reconstructor", true},
};
constexpr size_t kNumGlobals = sizeof(kGlobals) / sizeof(kGlobals[0]);
constexpr size_t kNumStubGlobals = 18;
static_assert(!kGlobals[kNumStubGlobals - 1].safe && kGlobals[kNumStubGlobals].safe);

constexpr int64_t kBoundaryInts[] = {0,          1,           -1,          255,          256,
                                     -256,       65535,       65536,       2147483647,   -2147483648LL,
                                     2147483648, -2147483649, INT64_MAX,   INT64_MIN,    4294967295LL};

constexpr double kSpecialFloats[] = {0.0, -0.0, 1.5, -2.5, 0.1, 1e300, -1e-300, 5e-324, 1e16, 123456789.0,
                                     __builtin_inf(), -__builtin_inf(), __builtin_nan("")};

void AppendUtf8(uint32_t cp, std::string& s) {  // surrogates too (surrogatepass)
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// A code point for one payload byte: the top three bits pick the class.
uint32_t CodePoint(uint8_t b) {
  uint32_t low = b & 0x1F;
  switch (b >> 5) {
    case 0:
    case 1:
    case 2: {
      static constexpr char kAscii[] = "abcxyzABC019 _\"\\\n\t\r'.,:;-+*/=";
      return static_cast<uint8_t>(kAscii[(b * 7u) % (sizeof kAscii - 1)]);
    }
    case 3: return low < 16 ? low : 0x7F + (low - 16);  // C0 and C1 controls, DEL
    case 4: return 0xA0 + low * 3;                       // Latin-1
    case 5: return 0x100 + low * 0x6F0;                  // BMP below the surrogates
    case 6: return 0xD800 + low * 0x40;                  // lone surrogates, high and low
    default: return 0x10000 + low * 0x7FFF;              // astral
  }
}

enum class FrameKind : uint8_t { kList, kDictKey, kDictValue, kTuple, kSet, kFrozenSet, kObjectArgs, kObjectOps };

// A node being written (its text is open).
struct Frame {
  int label;   // 0: not labeled
  FrameKind kind;
  int serial;  // unique per frame, for Made::deps
  bool kwargs = false;  // an object writing its keyword arguments
};

enum class Shape : uint8_t { kOther, kObject, kByteArray, kWritableBuffer };

// What a written value is, for the references that may follow.
struct Made {
  bool hashable = true;
  Shape shape = Shape::kOther;
  // Serials of open frames the value refers to (directly or through its
  // parts): referencing the value later is referencing those frames again.
  std::vector<int> deps;
  void Merge(const Made& other) {
    hashable = hashable && other.hashable;
    deps.insert(deps.end(), other.deps.begin(), other.deps.end());
  }
};

struct Done {
  int label;
  Made made;
};

// Why references are restricted. ParseCanonical builds values as the decoder
// does: lists, dicts and sets first and filled afterwards; tuples,
// frozensets and stub objects (new, calls, persid) from their finished parts,
// and an object's ops after everything else. A reference to an unfinished
// node is only possible when a list, a dict or an object's op log lies
// between that node and the reference ("a value that contains itself through
// immutable parts only" otherwise). References that would put a set or a
// frozenset on a cycle are not made either: the canonical order of such a set
// can depend on where printing starts (canonical.md, "set / frozenset"; the
// oracle answers 'U' for them), so such values do not round-trip by text.
// Nor references from an object's constructor arguments back to the object
// itself, or from its keyword arguments back to any enclosing node: CPython
// pickles those through its recursive-reduce path and its own round trip
// changes the value (new() loses its kwargs, args are re-read through the
// memo); corpus/expected/roundtrip-cpython-c.txt lists them (rec_reduce_args,
// NewKwargsShared...), and fuzz_roundtrip would only find them again.
class Builder {
 public:
  Builder(FuzzedDataProvider& fdp, const ValueTextOptions& options) : fdp_(fdp), opt_(options) {}

  std::string Run() {
    Value(false, 0);
    return std::move(out_);
  }

 private:
  uint8_t Choice() { return fdp_.ConsumeIntegral<uint8_t>(); }
  size_t Count(size_t max) { return fdp_.ConsumeIntegralInRange<size_t>(0, max); }
  bool OutOfBudget(int depth) const { return nodes_ >= opt_.max_nodes || depth >= opt_.max_depth; }

  int NewLabel() {
    out_ += "&" + std::to_string(next_label_) + " ";
    return next_label_++;
  }
  void Push(int label, FrameKind kind) { open_.push_back({label, kind, next_serial_++}); }
  // Closes the innermost frame: `m` no longer depends on it.
  void Pop(Made& m) {
    int serial = open_.back().serial;
    open_.pop_back();
    m.deps.erase(std::remove(m.deps.begin(), m.deps.end(), serial), m.deps.end());
    std::sort(m.deps.begin(), m.deps.end());
    m.deps.erase(std::unique(m.deps.begin(), m.deps.end()), m.deps.end());
  }
  void Finish(int label, const Made& m) {
    if (label != 0) done_.push_back({label, m});
  }

  // Whether the current position may refer (again) to open frame `i`.
  bool LegalOpenTarget(size_t i) const {
    if (open_[i].kind == FrameKind::kObjectArgs) return false;  // the object being constructed
    bool boundary = false;
    for (size_t j = i; j < open_.size(); ++j) {
      if (open_[j].kwargs) return false;
      switch (open_[j].kind) {
        case FrameKind::kSet:
        case FrameKind::kFrozenSet: return false;
        case FrameKind::kList:
        case FrameKind::kDictKey:
        case FrameKind::kDictValue:
        case FrameKind::kObjectOps: boundary = true; break;
        case FrameKind::kTuple:
        case FrameKind::kObjectArgs: break;
      }
    }
    return boundary;
  }
  bool LegalDeps(const std::vector<int>& deps) const {
    for (int serial : deps) {
      for (size_t i = 0; i < open_.size(); ++i) {
        if (open_[i].serial == serial && !LegalOpenTarget(i)) return false;
      }
    }
    return true;
  }

  // The simplest values: choice 0 is None.
  Made Scalar(uint8_t c) {
    switch (c % 8) {
      case 0: out_ += "None"; break;
      case 1: out_ += fdp_.ConsumeBool() ? "True" : "False"; break;
      case 2: out_ += std::to_string(fdp_.ConsumeIntegralInRange<int>(-3, 300)); break;
      case 3: out_ += std::to_string(kBoundaryInts[Count(std::size(kBoundaryInts) - 1)]); break;
      case 4: out_ += std::to_string(fdp_.ConsumeIntegral<int64_t>()); break;
      case 5: {
        uint64_t u = fdp_.ConsumeIntegral<uint64_t>();
        if (fdp_.ConsumeBool()) out_ += "-";
        out_ += std::to_string(u);
        break;
      }
      case 6: AppendFloatLiteral(kSpecialFloats[Count(std::size(kSpecialFloats) - 1)], out_); break;
      default: AppendFloatLiteral(std::bit_cast<double>(fdp_.ConsumeIntegral<uint64_t>()), out_); break;
    }
    return {};
  }

  void BigInt() {
    // |v| >= 2**64: hex, at least 17 digits, leading digit non-zero.
    size_t nbytes = 9 + Count(24);
    if (opt_.large && Count(31) == 31) nbytes = 1800 + Count(600);  // > 4300 decimal digits
    std::string digits = fdp_.ConsumeBytesAsString(std::min<size_t>(nbytes, 64));
    while (digits.size() < nbytes) digits += digits.empty() ? std::string(1, '\x5a') : digits;
    digits.resize(nbytes);
    static constexpr char kHex[] = "0123456789abcdef";
    if (fdp_.ConsumeBool()) out_ += "-";
    out_ += "0x";
    out_ += kHex[1 + (static_cast<uint8_t>(digits[0]) % 15)];
    for (size_t i = 1; i < digits.size(); ++i) {
      uint8_t b = static_cast<uint8_t>(digits[i]);
      out_ += kHex[b >> 4];
      out_ += kHex[b & 15];
    }
  }

  // The str's surrogatepass UTF-8; `identity` tells whether it is labeled
  // (not one of CPython's singletons: "" and one character below U+0100).
  std::string StrPayload(bool& identity) {
    size_t n = Count(12);
    if (n == 12) n = 12 + Count(300);
    std::string raw = fdp_.ConsumeBytesAsString(n);
    std::string text;
    size_t chars = raw.size();
    uint32_t last = 0;
    for (char c : raw) {
      last = CodePoint(static_cast<uint8_t>(c));
      AppendUtf8(last, text);
    }
    if (opt_.large && Count(255) == 255 && !text.empty()) {
      std::string chunk = text;
      for (size_t k = chars; text.size() < 65536 + 16; chars += k) text += chunk;  // >= 64 KiB: unframed at p4+
    }
    identity = !(chars == 0 || (chars == 1 && last < 0x100));
    return text;
  }

  void Global(bool stub_only) {
    uint8_t c = Choice();
    if (c >= 240) {  // a random identifier from the payload
      std::string name;
      std::string raw = fdp_.ConsumeBytesAsString(1 + Count(7));
      static constexpr char kIdent[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
      for (size_t i = 0; i < raw.size(); ++i) {
        uint8_t b = static_cast<uint8_t>(raw[i]);
        name += kIdent[i == 0 ? b % 53 : b % 63];
      }
      AppendGlobalLiteral(c & 1 ? "m" : "pkg.mod", name.empty() ? "x" : name, out_);
      return;
    }
    const GlobalName& g = kGlobals[c % (stub_only ? kNumStubGlobals : kNumGlobals)];
    AppendGlobalLiteral(g.module, g.name, out_);
  }

  // A reference to an existing node; false when there is none to take.
  bool Ref(bool hashable, Made& made, Shape want = Shape::kOther) {
    std::vector<std::pair<int, Made>> candidates;
    for (const Done& d : done_) {
      if (hashable && !d.made.hashable) continue;
      if (want != Shape::kOther && d.made.shape != want) continue;
      if (!LegalDeps(d.made.deps)) continue;
      candidates.emplace_back(d.label, d.made);
    }
    if (want == Shape::kOther || want == Shape::kObject) {
      for (size_t i = 0; i < open_.size(); ++i) {
        if (open_[i].label == 0 || !LegalOpenTarget(i)) continue;
        bool object = open_[i].kind == FrameKind::kObjectArgs || open_[i].kind == FrameKind::kObjectOps;
        if ((hashable || want == Shape::kObject) && !object) continue;
        Made m;
        m.hashable = object;
        m.shape = object ? Shape::kObject : Shape::kOther;
        m.deps.push_back(open_[i].serial);
        candidates.emplace_back(open_[i].label, std::move(m));
      }
    }
    if (candidates.empty()) return false;
    const auto& c = candidates[Count(candidates.size() - 1)];
    out_ += "*" + std::to_string(c.first);
    made = c.second;
    return true;
  }

  // Elements of a sequence-like container between `open` and `close`.
  Made Items(FrameKind kind, int label, bool hashable_items, int depth, std::string_view open,
             std::string_view close, bool one_tuple_comma, size_t* count = nullptr) {
    Push(label, kind);
    out_ += open;
    size_t n = Count(static_cast<size_t>(opt_.max_items));
    Made all;
    for (size_t i = 0; i < n; ++i) {
      if (i) out_ += ", ";
      all.Merge(Value(hashable_items, depth + 1));
    }
    if (one_tuple_comma && n == 1) out_ += ",";
    out_ += close;
    Pop(all);
    if (count) *count = n;
    return all;
  }

  Made Tuple(bool hashable, int depth) {
    // () is a singleton: never labeled. The label is written first (labels
    // are numbered in order of appearance) and dropped if nothing follows.
    size_t mark = out_.size();
    int label = NewLabel();
    size_t n = 0;
    Made m = Items(FrameKind::kTuple, label, hashable, depth, "(", ")", true, &n);
    if (n == 0) {
      out_.erase(mark);
      out_ += "()";
      --next_label_;
      return {};
    }
    Finish(label, m);
    return m;
  }

  Made Large() {
    // > 1000 elements (batches of 1000), or nesting near the recursion limit.
    static constexpr size_t kSizes[] = {999, 1000, 1001, 2000, 2001};
    size_t n = kSizes[Count(std::size(kSizes) - 1)];
    int label = NewLabel();
    Made m;
    m.hashable = false;
    switch (Count(3)) {
      case 0:
        out_ += "[";
        for (size_t i = 0; i < n; ++i) out_ += (i ? ", " : "") + std::to_string(i);
        out_ += "]";
        break;
      case 1:
        out_ += "{";
        for (size_t i = 0; i < n; ++i) out_ += (i ? ", " : "") + std::to_string(i) + ": None";
        out_ += "}";
        break;
      case 2:
        out_ += "{";
        for (size_t i = 0; i < n; ++i) out_ += (i ? ", " : "") + std::to_string(i);
        out_ += "}";
        break;
      default: {
        static constexpr size_t kDepths[] = {100, 320, 495, 498, 500, 996, 1000, 1500};
        size_t d = kDepths[Count(std::size(kDepths) - 1)];
        bool tuples = fdp_.ConsumeBool();
        for (size_t i = 0; i < d; ++i) out_ += tuples ? "(" : "[";
        out_ += "1";
        for (size_t i = 0; i < d; ++i) out_ += tuples ? ",)" : "]";
        m.hashable = tuples;
        break;
      }
    }
    Finish(label, m);
    return m;
  }

  // Positional arguments of a call or new(): "a, b" (no brackets).
  void Args(size_t n, int depth, Made& m) {
    for (size_t i = 0; i < n; ++i) {
      if (i) out_ += ", ";
      m.Merge(Value(false, depth + 1));
    }
  }

  Made Object(uint8_t form, int depth) {
    int label = NewLabel();
    Push(label, FrameKind::kObjectArgs);
    Made m;
    bool persid = false;
    switch (form % 4) {
      case 0: {  // new(C, (args...)[, {kwargs}])
        out_ += "new(";
        Global(true);
        out_ += ", (";
        size_t n = Count(3);
        Args(n, depth, m);
        out_ += n == 1 ? ",)" : ")";
        if (Count(3) >= 2) {
          static constexpr std::string_view kNames[] = {"k", "a", "key", "\xc3\xa9"};
          open_.back().kwargs = true;
          out_ += ", {";
          size_t nk = 1 + Count(2);
          for (size_t i = 0; i < nk; ++i) {
            if (i) out_ += ", ";
            AppendStrLiteral(kNames[Count(3)], out_);
            out_ += ": ";
            m.Merge(Value(false, depth + 1));
          }
          out_ += "}";
          open_.back().kwargs = false;
        }
        out_ += ")";
        break;
      }
      case 1: {  // C(args...)
        Global(true);
        out_ += "(";
        Args(Count(3), depth, m);
        out_ += ")";
        break;
      }
      case 2: {  // call(instance, args...)
        out_ += "call(";
        Made callee;
        if (fdp_.ConsumeBool() && Ref(false, callee, Shape::kObject)) {
          m.Merge(callee);
        } else {
          int inner = NewLabel();
          out_ += "new(";
          Global(true);
          out_ += ", ())";
          Made fresh;
          fresh.shape = Shape::kObject;
          done_.push_back({inner, fresh});
        }
        size_t n = Count(2);
        if (n) out_ += ", ";
        Args(n, depth, m);
        out_ += ")";
        break;
      }
      default: {  // persid(pid)
        persid = true;
        out_ += "persid(";
        if (fdp_.ConsumeBool()) {
          bool identity = false;
          AppendStrLiteral(StrPayload(identity), out_);
        } else {
          m.Merge(Value(false, depth + 1));
        }
        out_ += ")";
        break;
      }
    }
    // The op log: in save_reduce's order (.append* .setitem* .build?)
    // usually; any order, .add and persid ops now and then (both picklers
    // refuse those: documented refusals).
    open_.back().kind = FrameKind::kObjectOps;
    size_t nops = persid ? (Count(15) == 15 ? 1 : 0) : Count(3);
    bool any_order = Count(7) == 7;
    int last_rank = 0;
    bool built = false;
    for (size_t i = 0; i < nops; ++i) {
      int rank = static_cast<int>(Count(any_order ? 3 : 2));
      if (!any_order) {
        rank = std::max(rank, last_rank);
        if (rank == 2 && built) break;
      }
      last_rank = rank;
      switch (rank) {
        case 0:
          out_ += ".append(";
          m.Merge(Value(false, depth + 1));
          break;
        case 1:
          out_ += ".setitem(";
          m.Merge(Value(true, depth + 1));
          out_ += ", ";
          m.Merge(Value(false, depth + 1));
          break;
        case 2:
          out_ += ".build(";
          if (Count(3) == 3) {  // (state, slotstate)
            out_ += "(";
            m.Merge(Value(false, depth + 1));
            out_ += ", ";
            m.Merge(Value(false, depth + 1));
            out_ += ")";
          } else {
            m.Merge(Value(false, depth + 1));
          }
          built = true;
          break;
        default:
          out_ += ".add(";
          m.Merge(Value(true, depth + 1));
          break;
      }
      out_ += ")";
    }
    Pop(m);
    m.hashable = true;  // stub instances hash by identity
    m.shape = Shape::kObject;
    Finish(label, m);
    return m;
  }

  Made Buffer(bool readonly) {
    int label = NewLabel();
    out_ += "buffer(" + std::to_string(next_buffer_++) + ", ";
    AppendBytesLiteral(fdp_.ConsumeBytesAsString(Count(8)), out_);
    if (readonly) out_ += ", readonly";
    out_ += ")";
    Made m;
    m.hashable = false;
    m.shape = readonly ? Shape::kOther : Shape::kWritableBuffer;
    Finish(label, m);
    return m;
  }

  Made Value(bool hashable, int depth) {
    ++nodes_;
    uint8_t c = Choice();
    if (c == 0) {
      out_ += "None";
      return {};
    }
    if (OutOfBudget(depth)) {
      // Past the budget: scalars and references only.
      Made m;
      if ((c & 3) == 0 && Ref(hashable, m)) return m;
      return Scalar(c >> 2);
    }
    // 32 kinds; unhashable ones become hashable stand-ins in hashable context.
    uint8_t kind = c % 32;
    if (hashable) {
      switch (kind) {
        case 11: case 13: case 14: case 15: case 23: case 24: case 27: kind = 12 + (c & 4); break;  // tuple, frozenset
        default: break;
      }
    }
    switch (kind) {
      case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: return Scalar(c >> 3);
      case 8: {  // complex
        int label = NewLabel();
        out_ += "complex(";
        AppendFloatLiteral(kSpecialFloats[Count(std::size(kSpecialFloats) - 1)], out_);
        out_ += ", ";
        AppendFloatLiteral(fdp_.ConsumeBool() ? std::bit_cast<double>(fdp_.ConsumeIntegral<uint64_t>())
                                              : kSpecialFloats[Count(std::size(kSpecialFloats) - 1)],
                           out_);
        out_ += ")";
        Made m;
        Finish(label, m);
        return m;
      }
      case 9:
      case 25: {  // str
        bool identity = false;
        size_t mark = out_.size();
        int label = NewLabel();
        std::string text = StrPayload(identity);
        if (!identity) {
          out_.erase(mark);
          --next_label_;
        }
        AppendStrLiteral(text, out_);
        Made m;
        if (identity) Finish(label, m);
        return m;
      }
      case 10: {  // bytes (b"" is a singleton)
        std::string bytes = fdp_.ConsumeBytesAsString(Count(16));
        int label = bytes.empty() ? 0 : NewLabel();
        AppendBytesLiteral(bytes, out_);
        Made m;
        Finish(label, m);
        return m;
      }
      case 11: {  // bytearray
        int label = NewLabel();
        out_ += "bytearray(";
        AppendBytesLiteral(fdp_.ConsumeBytesAsString(Count(16)), out_);
        out_ += ")";
        Made m;
        m.hashable = false;
        m.shape = Shape::kByteArray;
        Finish(label, m);
        return m;
      }
      case 12: case 26: return Tuple(hashable, depth);
      case 13: {
        int label = NewLabel();
        Made m = Items(FrameKind::kList, label, false, depth, "[", "]", false);
        m.hashable = false;
        Finish(label, m);
        return m;
      }
      case 14: {  // dict
        int label = NewLabel();
        Push(label, FrameKind::kDictKey);
        out_ += "{";
        Made m;
        size_t n = Count(static_cast<size_t>(opt_.max_items));
        for (size_t i = 0; i < n; ++i) {
          if (i) out_ += ", ";
          open_.back().kind = FrameKind::kDictKey;
          m.Merge(Value(true, depth + 1));
          out_ += ": ";
          open_.back().kind = FrameKind::kDictValue;
          m.Merge(Value(false, depth + 1));
        }
        out_ += "}";
        Pop(m);
        m.hashable = false;
        Finish(label, m);
        return m;
      }
      case 15:
      case 16: {  // set, frozenset
        bool frozen = kind == 16;
        int label = NewLabel();
        Push(label, frozen ? FrameKind::kFrozenSet : FrameKind::kSet);
        size_t n = Count(static_cast<size_t>(opt_.max_items));
        out_ += n == 0 ? (frozen ? "frozenset()" : "set()") : (frozen ? "frozenset({" : "{");
        Made m;
        for (size_t i = 0; i < n; ++i) {
          if (i) out_ += ", ";
          m.Merge(Value(true, depth + 1));
        }
        if (n) out_ += frozen ? "})" : "}";
        Pop(m);
        m.hashable = frozen && m.hashable;
        Finish(label, m);
        return m;
      }
      case 17: case 28: Global(false); return {};
      case 18: case 19: case 20: case 21: return Object(static_cast<uint8_t>(kind - 18), depth);
      case 22: {
        int label = NewLabel();
        out_ += "object()";
        Made m;
        Finish(label, m);
        return m;
      }
      case 23: return Buffer(fdp_.ConsumeBool());
      case 24: {  // readonly(bytearray | writable buffer)
        int label = NewLabel();
        out_ += "readonly(";
        Made m;
        Shape want = fdp_.ConsumeBool() ? Shape::kByteArray : Shape::kWritableBuffer;
        if (!(fdp_.ConsumeBool() && Ref(false, m, want))) {
          if (want == Shape::kByteArray) {
            int inner = NewLabel();
            out_ += "bytearray(";
            AppendBytesLiteral(fdp_.ConsumeBytesAsString(Count(8)), out_);
            out_ += ")";
            Made b;
            b.hashable = false;
            b.shape = Shape::kByteArray;
            done_.push_back({inner, b});
          } else {
            Buffer(false);
          }
        }
        out_ += ")";
        m.hashable = false;
        m.shape = Shape::kOther;
        Finish(label, m);
        return m;
      }
      case 27:
        if (opt_.large && Count(31) == 31) return Large();
        [[fallthrough]];
      default: {
        Made m;
        if (Ref(hashable, m)) return m;
        if (kind == 31 || kind == 27) {
          BigInt();
          return {};
        }
        return Scalar(c >> 3);
      }
    }
  }

  FuzzedDataProvider& fdp_;
  ValueTextOptions opt_;
  std::string out_;
  int next_label_ = 1;
  int next_serial_ = 1;
  int nodes_ = 0;
  int next_buffer_ = 0;
  std::vector<Frame> open_;
  std::vector<Done> done_;
};

}  // namespace

std::string GenerateValueText(FuzzedDataProvider& fdp, const ValueTextOptions& options) {
  return Builder(fdp, options).Run();
}

}  // namespace picklecheck::fuzz
