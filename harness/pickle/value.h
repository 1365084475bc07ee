// The value model of a decoded pickle: a graph of arena-allocated nodes.
//
// A `Value` is 16 bytes: a kind and either an immediate (None, bool, int64,
// non-NaN float) or a pointer to a node in the owning Document's arena. Nodes
// carry identity: a pickle that GETs one list twice yields one ListNode
// referenced twice, and cycles are plain pointer cycles. What each kind stands
// for, and when CPython shares objects, is specified in canonical.md.
//
//   picklecheck::Result<picklecheck::Document> doc = picklecheck::Decode(bytes);
//   picklecheck::Value v = doc->root();
//   if (v.kind() == picklecheck::Kind::kList)
//     for (const picklecheck::Value& item : v.list()->items) ...
//
// Floats are immediates except NaN, which is boxed (kNaN) because CPython
// dict keys compare identity first: the same NaN object read twice through the
// memo is one key, two NaN objects are two keys.
#ifndef PICKLECHECK_HARNESS_PICKLE_VALUE_H_
#define PICKLECHECK_HARNESS_PICKLE_VALUE_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "harness/pickle/arena.h"
#include "harness/pickle/bigint.h"
#include "harness/pickle/error.h"

namespace picklecheck {

enum class Kind : uint8_t {
  kNone,
  kBool,
  kInt,      // int64 immediate
  kFloat,    // non-NaN double immediate
  kBigInt,   // int outside int64
  kNaN,      // NaN float, boxed for identity
  kComplex,
  kStr,
  kBytes,
  kByteArray,
  kTuple,
  kList,
  kDict,
  kSet,
  kFrozenSet,
  kGlobal,
  kObject,       // stub instance (new / call / persid) with its op log
  kPlainObject,  // object()
  kBuffer,       // out-of-band pickle.PickleBuffer
  kReadOnlyView, // memoryview(x).toreadonly()
  kEmpty,        // internal: a memo hole; never part of a document
};

std::string_view KindName(Kind kind);

struct StrNode;
struct BytesNode;
struct ByteArrayNode;
struct BigIntNode;
struct NaNNode;
struct ComplexNode;
struct TupleNode;
struct ListNode;
struct DictNode;
struct SetNode;
struct GlobalNode;
struct ObjectNode;
struct PlainObjectNode;
struct BufferNode;
struct ReadOnlyViewNode;

class Value {
 public:
  constexpr Value() = default;
  // From a kind and its payload bits (immediate or node pointer). Hot paths
  // construct values in place from these two scalars: copying a 16-byte
  // temporary that was written field by field defeats store forwarding.
  constexpr Value(Kind kind, uint64_t bits) : bits_(bits), kind_(kind) {}
  static Value None() { return Value(Kind::kNone, 0); }
  static Value Bool(bool b) { return Value(Kind::kBool, b ? 1 : 0); }
  static Value Int(int64_t i) { return Value(Kind::kInt, static_cast<uint64_t>(i)); }
  // `d` must not be NaN (NaN is boxed: use Document::NewNaN).
  static Value Float(double d) { return Value(Kind::kFloat, std::bit_cast<uint64_t>(d)); }
  static Value Empty() { return Value(Kind::kEmpty, 0); }
  template <typename NodeT>
  static Value Node(Kind kind, NodeT* node) {
    return Value(kind, reinterpret_cast<uint64_t>(node));
  }

  Kind kind() const { return kind_; }
  bool is(Kind k) const { return kind_ == k; }
  bool is_node() const { return kind_ >= Kind::kBigInt && kind_ < Kind::kEmpty; }

  bool boolean() const { return bits_ != 0; }
  int64_t int64() const { return static_cast<int64_t>(bits_); }
  double float64() const { return std::bit_cast<double>(bits_); }
  const void* node() const { return reinterpret_cast<const void*>(bits_); }
  uint64_t raw_bits() const { return bits_; }

#define PC_VALUE_NODE_ACCESSOR(fn, T) \
  T* fn() const { return reinterpret_cast<T*>(bits_); }
  PC_VALUE_NODE_ACCESSOR(str, StrNode)
  PC_VALUE_NODE_ACCESSOR(bytes, BytesNode)
  PC_VALUE_NODE_ACCESSOR(bytearray, ByteArrayNode)
  PC_VALUE_NODE_ACCESSOR(bigint, BigIntNode)
  PC_VALUE_NODE_ACCESSOR(nan, NaNNode)
  PC_VALUE_NODE_ACCESSOR(complex, ComplexNode)
  PC_VALUE_NODE_ACCESSOR(tuple, TupleNode)
  PC_VALUE_NODE_ACCESSOR(list, ListNode)
  PC_VALUE_NODE_ACCESSOR(dict, DictNode)
  PC_VALUE_NODE_ACCESSOR(set, SetNode)  // set and frozenset
  PC_VALUE_NODE_ACCESSOR(global, GlobalNode)
  PC_VALUE_NODE_ACCESSOR(object, ObjectNode)
  PC_VALUE_NODE_ACCESSOR(buffer, BufferNode)
  PC_VALUE_NODE_ACCESSOR(view, ReadOnlyViewNode)
#undef PC_VALUE_NODE_ACCESSOR

  // Same object (identity), as Python's `is`. Immediates compare by value.
  bool Is(const Value& other) const { return kind_ == other.kind_ && bits_ == other.bits_; }

 private:
  uint64_t bits_ = 0;
  Kind kind_ = Kind::kNone;
};
static_assert(sizeof(Value) == 16);

// A byte string in the arena (or, in view mode, in the input).
struct ByteView {
  const char* data = nullptr;
  size_t size = 0;
  std::string_view sv() const { return {data, size}; }
};

// str: surrogatepass UTF-8 (pycodecs.h).
struct StrNode {
  ByteView text;
  uint64_t hash = 0;  // 0: not computed yet
};

struct BytesNode {
  ByteView bytes;
  uint64_t hash = 0;
};

struct ByteArrayNode {
  ArenaVec<uint8_t> bytes;
};

struct BigIntNode {
  bool negative = false;
  uint32_t nlimbs = 0;
  const uint32_t* limbs = nullptr;  // least significant first, no leading zeros
  BigInt ToBigInt() const;
};

struct NaNNode {
  double value;
};

struct ComplexNode {
  double real;
  double imag;
};

struct TupleNode {
  size_t size = 0;
  uint64_t hash = 0;
  Value* items = nullptr;
  std::span<const Value> span() const { return {items, size}; }
};

struct ListNode {
  ArenaVec<Value> items;
};

// Open-addressing index into an entries array. A probe reads one control
// byte per slot (0 empty, else 0x80 | 7 bits of the key's hash), a dense
// array that stays in cache for tables of 10^5 keys, and touches the entry
// index and the entry only when the control byte matches.
struct HashIndex {
  uint8_t* ctrl = nullptr;
  uint32_t* slots = nullptr;
  size_t mask = 0;  // capacity - 1; 0 when no index is built (small tables scan)
};

struct DictEntry {
  Value key;
  Value value;
  uint64_t hash;
};

struct DictNode {
  ArenaVec<DictEntry> entries;  // insertion order
  HashIndex index;
};

struct SetEntry {
  Value key;
  uint64_t hash;
};

struct SetNode {
  ArenaVec<SetEntry> entries;  // insertion order (CPython's iteration order differs)
  HashIndex index;
  uint64_t hash = 0;  // frozenset: cached hash, 0 when not computed
};

// The safe policy's built-ins (canonical.md section 4). kNone: a stub class.
enum class Builtin : uint8_t {
  kNone,
  kSet,
  kFrozenSet,
  kByteArray,
  kBytes,
  kComplex,
  kObject,
  kCodecsEncode,
  kReconstructor,
};

// The safe built-in a (module, name) resolves to, after any fix_imports
// mapping; Builtin::kNone for every other global (a stub class).
Builtin SafeBuiltin(std::string_view module, std::string_view name);

struct GlobalNode {
  ByteView module;  // UTF-8 (surrogatepass), after fix_imports mapping
  ByteView name;
  Builtin builtin = Builtin::kNone;
};

enum class CtorKind : uint8_t {
  kNew,     // cls.__new__(cls, *args, **kwargs): `callee` is the class
  kCall,    // callee(*args): a class called, or a stub instance called
  kPersId,  // persistent_load(pid): `callee` holds the pid
};

enum class OpKind : uint8_t { kBuild, kAppend, kSetItem, kAdd };

struct Op {
  OpKind kind;
  Value a;
  Value b;  // kSetItem: the value
};

struct ObjectNode {
  CtorKind ctor = CtorKind::kNew;
  Value callee;                  // class (kNew, kCall of a class), instance (kCall), pid (kPersId)
  ArenaVec<Value> args;          // positional arguments (a fresh tuple in CPython)
  ArenaVec<DictEntry> kwargs;    // NEWOBJ_EX keyword arguments, in order (keys are str)
  ArenaVec<Op> ops;              // mutations in order
};

struct PlainObjectNode {
  uint8_t unused = 0;
};

struct BufferNode {
  uint32_t index = 0;     // position in the `buffers` argument
  bool readonly = false;  // the PickleBuffer wraps read-only memory
  ByteView data;
};

struct ReadOnlyViewNode {
  Value target;  // the writable buffer or bytearray it views
};

namespace internal {
struct DocumentState;
}

// A decoded value graph and the arena that owns it. Movable, not copyable.
class Document {
 public:
  Document();
  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  ~Document();

  Value root() const;
  void set_root(Value v);
  // Bytes of the input the decoder read: the offset just past STOP (data
  // after STOP is ignored, as CPython ignores it).
  uint64_t end_offset() const;
  void set_end_offset(uint64_t offset);
  Arena& arena();

  // Node constructors (used by the decoder and by tests building graphs).
  Value NewStr(std::string_view surrogatepass_utf8);  // applies CPython's singletons
  Value NewStrFresh(std::string_view surrogatepass_utf8);  // never a singleton
  Value NewBytes(std::string_view bytes);              // b"" is a singleton; never the 1-byte cache
  Value NewBytesCached(std::string_view bytes);        // also the 1-byte singletons
  Value NewByteArray(std::string_view bytes);
  Value NewInt(const BigInt& v);                       // int64 immediate when it fits
  Value NewFloat(double d);                            // boxes NaN
  Value NewComplex(double real, double imag);
  Value NewTuple(std::span<const Value> items);        // () is a singleton
  Value NewList();
  Value NewDict();
  Value NewSet();
  Value NewFrozenSet();
  Value Global(std::string_view module, std::string_view name, Builtin builtin);
  Value NewObject(CtorKind ctor, Value callee);
  Value NewPlainObject();
  Value NewBuffer(uint32_t index, bool readonly, std::string_view data);
  Value NewReadOnlyView(Value target);

  // When true, NewStr/NewBytes reference `input` bytes instead of copying
  // (view mode: the input must outlive the document).
  void set_view_input(std::span<const uint8_t> input);
  bool InInput(const char* p, size_t n) const;

 private:
  std::unique_ptr<internal::DocumentState> state_;
};

// ---- Python object semantics over the value model -------------------------

// hash() of a value, consistent with PyEquals; errors are kUnhashable (with
// the unhashable type), kLimitExceeded (nesting beyond the limit).
Result<uint64_t> PyHash(const Value& v, int depth_limit = 10000);
// `a == b` as a dict lookup performs it (identity first), for hashable values.
// kRecursionLimit when nesting exceeds `depth_limit`.
Result<bool> PyEquals(const Value& a, const Value& b, int depth_limit = 1000);
// type(v).__name__ for messages.
PyTypeName PyTypeOf(const Value& v);

// d[key] = value, CPython dict semantics (first key object stays, last value wins).
Status DictSetItem(Arena& arena, DictNode* dict, Value key, Value value);
// d[k] = v for each pair of `pairs` (key, value, key, value, ...) in order;
// the same result as DictSetItem per pair, faster for batches (SETITEMS).
Status DictSetItems(Arena& arena, DictNode* dict, std::span<const Value> pairs);
// s.add(key)
Status SetAdd(Arena& arena, SetNode* set, Value key);
// Looks up `key`; returns the entry index or -1.
Result<int64_t> DictFind(const DictNode* dict, const Value& key);
Result<int64_t> SetFind(const SetNode* set, const Value& key);

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_PICKLE_VALUE_H_
