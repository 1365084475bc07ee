#include "harness/pickle/value.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <new>
#include <cstring>
#include <string>
#include <unordered_map>

#include "harness/pickle/pycodecs.h"

namespace picklecheck {

// ---- Arena -----------------------------------------------------------------

namespace {

// Chunks of released arenas are kept per thread (up to a cap) and reused, so
// decoding one pickle after another touches memory that is already mapped:
// fresh pages cost a page fault each (about 2 us per 4 KiB here), which
// otherwise dominates decoding of string-heavy pickles.
// 0: not created yet, 1: alive, 2: destroyed at thread exit (arenas that die
// later, such as static documents, bypass the cache).
thread_local int cache_state = 0;

class ChunkCache {
 public:
  static constexpr size_t kMaxBytes = size_t{256} << 20;

  ChunkCache() { cache_state = 1; }
  ~ChunkCache() {
    cache_state = 2;
    for (auto& c : chunks_) ::operator delete(c.first);
  }
  // A cached block of at least `size` bytes (smallest fit), or nullptr.
  void* Take(size_t size, size_t& got) {
    size_t best = chunks_.size();
    for (size_t i = 0; i < chunks_.size(); ++i) {
      if (chunks_[i].second >= size && (best == chunks_.size() || chunks_[i].second < chunks_[best].second)) {
        best = i;
      }
    }
    if (best == chunks_.size()) return nullptr;
    void* p = chunks_[best].first;
    got = chunks_[best].second;
    bytes_ -= got;
    chunks_[best] = chunks_.back();
    chunks_.pop_back();
    return p;
  }
  void Give(void* p, size_t size) {
    if (bytes_ + size > kMaxBytes || chunks_.size() >= 4096) {
      ::operator delete(p);
      return;
    }
    chunks_.emplace_back(p, size);
    bytes_ += size;
  }

 private:
  std::vector<std::pair<void*, size_t>> chunks_;
  size_t bytes_ = 0;
};

ChunkCache* Cache() {
  if (cache_state == 2) return nullptr;
  thread_local ChunkCache cache;
  return &cache;
}

}  // namespace

void* Arena::AllocateSlow(size_t size, size_t align) {
  size_t need = size + align + sizeof(Chunk);
  auto new_chunk = [this](size_t bytes) {
    size_t got = 0;
    ChunkCache* cache = Cache();
    void* mem = cache != nullptr ? cache->Take(bytes, got) : nullptr;
    if (mem == nullptr) {
      mem = ::operator new(bytes);
      got = bytes;
    }
    auto* chunk = static_cast<Chunk*>(mem);
    chunk->next = head_;
    chunk->size = got;
    head_ = chunk;
    reserved_ += got;
    return chunk;
  };
  auto aligned = [align](char* p) {
    return reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(p) + (align - 1)) &
                                   ~(uintptr_t{align} - 1));
  };
  if (need > next_chunk_ / 4) {
    // A large block gets a chunk of its own, so the current chunk's tail is
    // not wasted; bumping continues in the current chunk.
    Chunk* chunk = new_chunk(need);
    return aligned(reinterpret_cast<char*>(chunk) + sizeof(Chunk));
  }
  Chunk* chunk = new_chunk(next_chunk_);
  if (next_chunk_ < 1024 * 1024) next_chunk_ *= 2;
  char* p = aligned(reinterpret_cast<char*>(chunk) + sizeof(Chunk));
  ptr_ = p + size;
  end_ = reinterpret_cast<char*>(chunk) + chunk->size;
  return p;
}

void* Arena::AllocateLarge(size_t size) {
  auto* h = static_cast<LargeHeader*>(std::malloc(sizeof(LargeHeader) + size));
  if (h == nullptr) throw std::bad_alloc();
  h->prev = nullptr;
  h->next = large_;
  if (large_ != nullptr) large_->prev = h;
  large_ = h;
  reserved_ += size;
  return h + 1;
}

void* Arena::ReallocLarge(void* block, size_t old_size, size_t new_size) {
  LargeHeader* h = static_cast<LargeHeader*>(block) - 1;
  LargeHeader* prev = h->prev;
  LargeHeader* next = h->next;
  auto* moved = static_cast<LargeHeader*>(std::realloc(h, sizeof(LargeHeader) + new_size));
  if (moved == nullptr) throw std::bad_alloc();
  if (prev != nullptr) {
    prev->next = moved;
  } else {
    large_ = moved;
  }
  if (next != nullptr) next->prev = moved;
  reserved_ += new_size - old_size;
  return moved + 1;
}

void Arena::Release() {
  while (large_ != nullptr) {
    LargeHeader* next = large_->next;
    std::free(large_);
    large_ = next;
  }
  while (head_ != nullptr) {
    Chunk* next = head_->next;
    if (ChunkCache* cache = Cache()) {
      cache->Give(head_, head_->size);
    } else {
      ::operator delete(head_);
    }
    head_ = next;
  }
  ptr_ = end_ = nullptr;
  reserved_ = 0;
  next_chunk_ = 16 * 1024;
}

// ---- Names -----------------------------------------------------------------

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kNone: return "None";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kBigInt: return "int";
    case Kind::kNaN: return "float";
    case Kind::kComplex: return "complex";
    case Kind::kStr: return "str";
    case Kind::kBytes: return "bytes";
    case Kind::kByteArray: return "bytearray";
    case Kind::kTuple: return "tuple";
    case Kind::kList: return "list";
    case Kind::kDict: return "dict";
    case Kind::kSet: return "set";
    case Kind::kFrozenSet: return "frozenset";
    case Kind::kGlobal: return "global";
    case Kind::kObject: return "object";
    case Kind::kPlainObject: return "object()";
    case Kind::kBuffer: return "buffer";
    case Kind::kReadOnlyView: return "readonly";
    case Kind::kEmpty: return "<empty>";
  }
  return "?";
}

PyTypeName PyTypeOf(const Value& v) {
  switch (v.kind()) {
    case Kind::kNone: return PyTypeName::kNoneType;
    case Kind::kBool: return PyTypeName::kBool;
    case Kind::kInt:
    case Kind::kBigInt: return PyTypeName::kInt;
    case Kind::kFloat:
    case Kind::kNaN: return PyTypeName::kFloat;
    case Kind::kComplex: return PyTypeName::kComplex;
    case Kind::kStr: return PyTypeName::kStr;
    case Kind::kBytes: return PyTypeName::kBytes;
    case Kind::kByteArray: return PyTypeName::kByteArray;
    case Kind::kTuple: return PyTypeName::kTuple;
    case Kind::kList: return PyTypeName::kList;
    case Kind::kDict: return PyTypeName::kDict;
    case Kind::kSet: return PyTypeName::kSet;
    case Kind::kFrozenSet: return PyTypeName::kFrozenSet;
    case Kind::kGlobal:
      switch (v.global()->builtin) {
        case Builtin::kCodecsEncode: return PyTypeName::kBuiltinFunction;
        case Builtin::kReconstructor: return PyTypeName::kFunction;
        case Builtin::kNone:
        case Builtin::kSet:
        case Builtin::kFrozenSet:
        case Builtin::kByteArray:
        case Builtin::kBytes:
        case Builtin::kComplex:
        case Builtin::kObject: return PyTypeName::kType;
      }
      return PyTypeName::kType;
    case Kind::kObject: return PyTypeName::kStubInstance;
    case Kind::kPlainObject: return PyTypeName::kObject;
    case Kind::kBuffer: return PyTypeName::kPickleBuffer;
    case Kind::kReadOnlyView: return PyTypeName::kMemoryView;
    case Kind::kEmpty: return PyTypeName::kUnknown;
  }
  return PyTypeName::kUnknown;
}

Builtin SafeBuiltin(std::string_view module, std::string_view name) {
  if (module == "builtins") {
    if (name == "set") return Builtin::kSet;
    if (name == "frozenset") return Builtin::kFrozenSet;
    if (name == "bytearray") return Builtin::kByteArray;
    if (name == "bytes") return Builtin::kBytes;
    if (name == "complex") return Builtin::kComplex;
    if (name == "object") return Builtin::kObject;
  } else if (module == "_codecs" && name == "encode") {
    return Builtin::kCodecsEncode;
  } else if (module == "copyreg" && name == "_reconstructor") {
    return Builtin::kReconstructor;
  }
  return Builtin::kNone;
}

BigInt BigIntNode::ToBigInt() const {
  return BigInt::FromLimbs(std::span<const uint32_t>(limbs, nlimbs), negative);
}

// ---- Document --------------------------------------------------------------

namespace internal {

struct DocumentState {
  Arena arena;
  Value root = Value::None();
  uint64_t end_offset = 0;
  // CPython 3.11 singletons: "" and the 256 one-character latin-1 strs,
  // b"" and the 256 one-byte bytes, and ().
  // The two 256-entry tables are made on first use: zeroing 4 KiB per
  // document was a quarter of decoding a small pickle.
  StrNode* empty_str = nullptr;
  StrNode** char_strs = nullptr;
  BytesNode* empty_bytes = nullptr;
  BytesNode** byte_bytes = nullptr;
  TupleNode* empty_tuple = nullptr;
  // Globals are interned by (module, name): find_class returns the same
  // object for the same name.
  std::unordered_map<std::string, GlobalNode*> globals;
  const uint8_t* view_begin = nullptr;
  const uint8_t* view_end = nullptr;
};

}  // namespace internal

Document::Document() : state_(std::make_unique<internal::DocumentState>()) {}
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

Value Document::root() const { return state_->root; }
uint64_t Document::end_offset() const { return state_->end_offset; }
void Document::set_end_offset(uint64_t offset) { state_->end_offset = offset; }
void Document::set_root(Value v) { state_->root = v; }
Arena& Document::arena() { return state_->arena; }

void Document::set_view_input(std::span<const uint8_t> input) {
  state_->view_begin = input.data();
  state_->view_end = input.data() + input.size();
}

bool Document::InInput(const char* p, size_t n) const {
  auto* b = reinterpret_cast<const uint8_t*>(p);
  return state_->view_begin != nullptr && b >= state_->view_begin && b + n <= state_->view_end;
}

namespace {

// A table of 256 null pointers in the arena.
template <typename T>
T* ZeroedTable(Arena& arena) {
  T* table = arena.NewArray<T>(256);
  std::fill_n(table, 256, T{});
  return table;
}

ByteView CopyBytes(Arena& arena, std::string_view s) {
  if (s.empty()) return {};
  char* p = arena.NewArray<char>(s.size());
  std::memcpy(p, s.data(), s.size());
  return {p, s.size()};
}

// One code point below U+0100, as CPython caches it: ASCII (1 byte) or
// U+0080..U+00FF (C2/C3 + continuation).
int LatinCharOf(std::string_view s) {
  if (s.size() == 1 && static_cast<uint8_t>(s[0]) < 0x80) return static_cast<uint8_t>(s[0]);
  if (s.size() == 2) {
    auto b0 = static_cast<uint8_t>(s[0]);
    auto b1 = static_cast<uint8_t>(s[1]);
    if ((b0 == 0xC2 || b0 == 0xC3) && (b1 & 0xC0) == 0x80) return ((b0 & 0x1F) << 6) | (b1 & 0x3F);
  }
  return -1;
}

}  // namespace

Value Document::NewStrFresh(std::string_view s) {
  auto& st = *state_;
  if (InInput(s.data(), s.size())) {
    auto* node = st.arena.New<StrNode>();
    node->text = ByteView{s.data(), s.size()};
    return Value::Node(Kind::kStr, node);
  }
  // One allocation: the node, then its bytes.
  void* mem = st.arena.Allocate(sizeof(StrNode) + s.size(), alignof(StrNode));
  auto* node = new (mem) StrNode();
  char* bytes = reinterpret_cast<char*>(node + 1);
  std::memcpy(bytes, s.data(), s.size());
  node->text = ByteView{bytes, s.size()};
  return Value::Node(Kind::kStr, node);
}

Value Document::NewStr(std::string_view s) {
  auto& st = *state_;
  if (s.empty()) {
    if (st.empty_str == nullptr) st.empty_str = st.arena.New<StrNode>();
    return Value::Node(Kind::kStr, st.empty_str);
  }
  if (s.size() <= 2) {
    int c = LatinCharOf(s);
    if (c >= 0) {
      if (st.char_strs == nullptr) st.char_strs = ZeroedTable<StrNode*>(st.arena);
      StrNode*& slot = st.char_strs[c];
      if (slot == nullptr) {
        slot = st.arena.New<StrNode>();
        slot->text = CopyBytes(st.arena, s);
      }
      return Value::Node(Kind::kStr, slot);
    }
  }
  return NewStrFresh(s);
}

Value Document::NewBytes(std::string_view s) {
  auto& st = *state_;
  if (s.empty()) {
    if (st.empty_bytes == nullptr) st.empty_bytes = st.arena.New<BytesNode>();
    return Value::Node(Kind::kBytes, st.empty_bytes);
  }
  auto* node = st.arena.New<BytesNode>();
  node->bytes = InInput(s.data(), s.size()) ? ByteView{s.data(), s.size()} : CopyBytes(st.arena, s);
  return Value::Node(Kind::kBytes, node);
}

Value Document::NewBytesCached(std::string_view s) {
  auto& st = *state_;
  if (s.size() == 1) {
    if (st.byte_bytes == nullptr) st.byte_bytes = ZeroedTable<BytesNode*>(st.arena);
    BytesNode*& slot = st.byte_bytes[static_cast<uint8_t>(s[0])];
    if (slot == nullptr) {
      slot = st.arena.New<BytesNode>();
      slot->bytes = CopyBytes(st.arena, s);
    }
    return Value::Node(Kind::kBytes, slot);
  }
  return NewBytes(s);
}

Value Document::NewByteArray(std::string_view s) {
  auto& st = *state_;
  auto* node = st.arena.New<ByteArrayNode>();
  node->bytes.Append(st.arena, reinterpret_cast<const uint8_t*>(s.data()), s.size());
  return Value::Node(Kind::kByteArray, node);
}

Value Document::NewInt(const BigInt& v) {
  if (v.FitsInt64()) return Value::Int(v.ToInt64());
  auto& st = *state_;
  auto* node = st.arena.New<BigIntNode>();
  node->negative = v.negative();
  node->nlimbs = static_cast<uint32_t>(v.limbs().size());
  uint32_t* limbs = st.arena.NewArray<uint32_t>(node->nlimbs);
  std::memcpy(limbs, v.limbs().data(), node->nlimbs * sizeof(uint32_t));
  node->limbs = limbs;
  return Value::Node(Kind::kBigInt, node);
}

Value Document::NewFloat(double d) {
  if (!std::isnan(d)) return Value::Float(d);
  auto* node = state_->arena.New<NaNNode>();
  node->value = d;
  return Value::Node(Kind::kNaN, node);
}

Value Document::NewComplex(double real, double imag) {
  auto* node = state_->arena.New<ComplexNode>();
  node->real = real;
  node->imag = imag;
  return Value::Node(Kind::kComplex, node);
}

Value Document::NewTuple(std::span<const Value> items) {
  auto& st = *state_;
  if (items.empty()) {
    if (st.empty_tuple == nullptr) st.empty_tuple = st.arena.New<TupleNode>();
    return Value::Node(Kind::kTuple, st.empty_tuple);
  }
  auto* node = st.arena.New<TupleNode>();
  node->size = items.size();
  node->items = st.arena.NewArray<Value>(items.size());
  std::memcpy(static_cast<void*>(node->items), items.data(), items.size() * sizeof(Value));
  return Value::Node(Kind::kTuple, node);
}

Value Document::NewList() { return Value::Node(Kind::kList, state_->arena.New<ListNode>()); }
Value Document::NewDict() { return Value::Node(Kind::kDict, state_->arena.New<DictNode>()); }
Value Document::NewSet() { return Value::Node(Kind::kSet, state_->arena.New<SetNode>()); }
Value Document::NewFrozenSet() { return Value::Node(Kind::kFrozenSet, state_->arena.New<SetNode>()); }

Value Document::Global(std::string_view module, std::string_view name, Builtin builtin) {
  auto& st = *state_;
  std::string key;
  key.reserve(module.size() + name.size() + 24);
  key.append(std::to_string(module.size())).push_back(':');
  key.append(module).append(name);
  auto [it, inserted] = st.globals.try_emplace(std::move(key), nullptr);
  if (inserted) {
    auto* node = st.arena.New<GlobalNode>();
    node->module = CopyBytes(st.arena, module);
    node->name = CopyBytes(st.arena, name);
    node->builtin = builtin;
    it->second = node;
  }
  return Value::Node(Kind::kGlobal, it->second);
}

Value Document::NewObject(CtorKind ctor, Value callee) {
  auto* node = state_->arena.New<ObjectNode>();
  node->ctor = ctor;
  node->callee = callee;
  return Value::Node(Kind::kObject, node);
}

Value Document::NewPlainObject() {
  return Value::Node(Kind::kPlainObject, state_->arena.New<PlainObjectNode>());
}

Value Document::NewBuffer(uint32_t index, bool readonly, std::string_view data) {
  auto* node = state_->arena.New<BufferNode>();
  node->index = index;
  node->readonly = readonly;
  node->data = CopyBytes(state_->arena, data);
  return Value::Node(Kind::kBuffer, node);
}

Value Document::NewReadOnlyView(Value target) {
  auto* node = state_->arena.New<ReadOnlyViewNode>();
  node->target = target;
  return Value::Node(Kind::kReadOnlyView, node);
}

// ---- Hashing ---------------------------------------------------------------
//
// These hashes are ours, not CPython's: they only have to agree with
// PyEquals (equal values hash alike), including across the numeric tower
// (1 == 1.0 == True == (1+0j)).

namespace {

constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;

inline uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}

uint64_t HashBytes(std::string_view s, uint64_t seed) {
  if (s.size() <= 16) {
    // Short keys (most dict keys): two words, one final mix.
    uint64_t a = 0, b = 0;
    if (s.size() >= 8) {
      std::memcpy(&a, s.data(), 8);
      std::memcpy(&b, s.data() + s.size() - 8, 8);
    } else if (!s.empty()) {
      std::memcpy(&a, s.data(), s.size());
    }
    return Mix((a * kMul) ^ (b * 0xC2B2AE3D27D4EB4Full) ^ (seed + s.size()));
  }
  uint64_t h = seed ^ (s.size() * kMul);
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = Mix(h ^ w) * kMul;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = Mix(h ^ w ^ (uint64_t{n} << 56));
  }
  return Mix(h);
}

uint64_t HashInt64(int64_t i) { return Mix(static_cast<uint64_t>(i) ^ 0x5bd1e995ull); }

uint64_t HashBig(const BigInt& v) {
  uint64_t h = v.negative() ? 0x1234567ull : 0x7654321ull;
  for (uint32_t limb : v.limbs()) h = Mix(h ^ limb) * kMul;
  return Mix(h);
}

// Exact integer value of an integral double outside int64.
BigInt BigFromIntegralDouble(double d) {
  int exp;
  double m = std::frexp(std::fabs(d), &exp);  // d = m * 2^exp, 0.5 <= m < 1
  auto mant = static_cast<uint64_t>(std::ldexp(m, 53));
  int shift = exp - 53;  // >= 11 here since |d| >= 2^63
  std::vector<uint32_t> limbs(static_cast<size_t>(shift / 32 + 3), 0);
  int word = shift / 32;
  int bit = shift % 32;
  unsigned __int128 wide = static_cast<unsigned __int128>(mant) << bit;
  for (int i = 0; i < 3; ++i) {
    limbs[static_cast<size_t>(word + i)] = static_cast<uint32_t>(wide >> (32 * i));
  }
  return BigInt::FromLimbs(limbs, d < 0);
}

uint64_t HashDouble(double d) {
  if (d == std::floor(d) && std::isfinite(d)) {
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
      return HashInt64(static_cast<int64_t>(d));
    }
    return HashBig(BigFromIntegralDouble(d));
  }
  return Mix(std::bit_cast<uint64_t>(d) ^ 0xf1057ull);
}

Result<uint64_t> HashImpl(const Value& v, int depth);

Result<uint64_t> Unhashable(const Value& v) {
  Error e;
  e.kind = ErrorKind::kUnhashable;
  e.type = PyTypeOf(v);
  return e;
}

Result<uint64_t> HashImpl(const Value& v, int depth) {
  switch (v.kind()) {
    case Kind::kNone: return uint64_t{0x0123456789abcdefull};
    case Kind::kBool: return HashInt64(v.boolean() ? 1 : 0);
    case Kind::kInt: return HashInt64(v.int64());
    case Kind::kFloat: return HashDouble(v.float64());
    case Kind::kBigInt: return HashBig(v.bigint()->ToBigInt());
    case Kind::kComplex: {
      const ComplexNode* c = v.complex();
      if (c->imag == 0.0 && !std::isnan(c->real)) return HashDouble(c->real);
      return Mix(Mix(std::bit_cast<uint64_t>(c->real)) ^ (std::bit_cast<uint64_t>(c->imag) * kMul));
    }
    case Kind::kStr: {
      StrNode* s = v.str();
      if (s->hash == 0) s->hash = HashBytes(s->text.sv(), 0x57) | 1;
      return s->hash;
    }
    case Kind::kBytes: {
      BytesNode* b = v.bytes();
      if (b->hash == 0) b->hash = HashBytes(b->bytes.sv(), 0xB7) | 1;
      return b->hash;
    }
    case Kind::kTuple: {
      TupleNode* t = v.tuple();
      if (t->hash != 0) return t->hash;
      if (depth <= 0) {
        Error e;
        e.kind = ErrorKind::kLimitExceeded;
        return e;
      }
      uint64_t h = 0x71ull ^ (t->size * kMul);
      for (size_t i = 0; i < t->size; ++i) {
        PC_ASSIGN_OR_RETURN(uint64_t eh, HashImpl(t->items[i], depth - 1));
        h = Mix(h ^ eh) * kMul + i;
      }
      t->hash = Mix(h) | 1;
      return t->hash;
    }
    case Kind::kFrozenSet: {
      SetNode* s = v.set();
      if (s->hash != 0) return s->hash;
      // Order-independent: frozensets built in different orders are equal.
      uint64_t h = 0xf205ull + s->entries.size;
      for (const SetEntry& e : s->entries) h += Mix(e.hash ^ 0xabcdull);
      s->hash = Mix(h) | 1;
      return s->hash;
    }
    case Kind::kNaN:
    case Kind::kGlobal:
    case Kind::kObject:
    case Kind::kPlainObject:
    case Kind::kBuffer:
      return Mix(v.raw_bits());
    case Kind::kReadOnlyView: {
      Error e;
      e.kind = ErrorKind::kUnsupportedForm;
      return e;
    }
    case Kind::kByteArray:
    case Kind::kList:
    case Kind::kDict:
    case Kind::kSet:
    case Kind::kEmpty:
      return Unhashable(v);
  }
  return Unhashable(v);
}

bool IsNumeric(Kind k) {
  return k == Kind::kBool || k == Kind::kInt || k == Kind::kFloat || k == Kind::kBigInt ||
         k == Kind::kNaN || k == Kind::kComplex;
}

// A real number for comparison: exactly one of the representations is used.
struct Real {
  enum { kSmall, kBig, kDouble } tag;
  int64_t small = 0;
  BigInt big;
  double d = 0.0;
};

Real ToReal(const Value& v) {
  Real r;
  switch (v.kind()) {
    case Kind::kBool: r.tag = Real::kSmall; r.small = v.boolean() ? 1 : 0; break;
    case Kind::kInt: r.tag = Real::kSmall; r.small = v.int64(); break;
    case Kind::kBigInt: r.tag = Real::kBig; r.big = v.bigint()->ToBigInt(); break;
    case Kind::kFloat: r.tag = Real::kDouble; r.d = v.float64(); break;
    case Kind::kNaN: r.tag = Real::kDouble; r.d = v.nan()->value; break;
    default: r.tag = Real::kSmall; break;
  }
  return r;
}

bool RealEquals(const Real& a, const Real& b) {
  if (a.tag == Real::kDouble && b.tag == Real::kDouble) return a.d == b.d;
  if (a.tag == Real::kDouble || b.tag == Real::kDouble) {
    const Real& f = a.tag == Real::kDouble ? a : b;
    const Real& i = a.tag == Real::kDouble ? b : a;
    if (!std::isfinite(f.d) || f.d != std::floor(f.d)) return false;
    if (i.tag == Real::kSmall) {
      // Python compares int and float exactly: 2**53 + 1 != 2.0**53.
      if (f.d < -9223372036854775808.0 || f.d >= 9223372036854775808.0) return false;
      return static_cast<int64_t>(f.d) == i.small;
    }
    return i.big.EqualsDouble(f.d);
  }
  if (a.tag == Real::kSmall && b.tag == Real::kSmall) return a.small == b.small;
  if (a.tag == Real::kBig && b.tag == Real::kBig) return a.big == b.big;
  return false;  // a BigInt never equals an int64 value (normalized)
}

Result<bool> EqualsImpl(const Value& a, const Value& b, int depth);

Result<bool> NumericEquals(const Value& a, const Value& b) {
  if (a.is(Kind::kComplex) || b.is(Kind::kComplex)) {
    auto parts = [](const Value& v, Real& re, double& im) {
      if (v.is(Kind::kComplex)) {
        re.tag = Real::kDouble;
        re.d = v.complex()->real;
        im = v.complex()->imag;
      } else {
        re = ToReal(v);
        im = 0.0;
      }
    };
    Real ra, rb;
    double ia, ib;
    parts(a, ra, ia);
    parts(b, rb, ib);
    return ia == ib && RealEquals(ra, rb);
  }
  return RealEquals(ToReal(a), ToReal(b));
}

Result<bool> EqualsImpl(const Value& a, const Value& b, int depth) {
  if (a.Is(b)) return true;
  if (IsNumeric(a.kind()) && IsNumeric(b.kind())) return NumericEquals(a, b);
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kStr: return a.str()->text.sv() == b.str()->text.sv();
    case Kind::kBytes: return a.bytes()->bytes.sv() == b.bytes()->bytes.sv();
    case Kind::kTuple: {
      const TupleNode* x = a.tuple();
      const TupleNode* y = b.tuple();
      if (x->size != y->size) return false;
      if (depth <= 0) {
        Error e;
        e.kind = ErrorKind::kRecursionLimit;
        return e;
      }
      for (size_t i = 0; i < x->size; ++i) {
        if (x->items[i].Is(y->items[i])) continue;
        PC_ASSIGN_OR_RETURN(bool eq, EqualsImpl(x->items[i], y->items[i], depth - 1));
        if (!eq) return false;
      }
      return true;
    }
    case Kind::kFrozenSet: {
      const SetNode* x = a.set();
      const SetNode* y = b.set();
      if (x->entries.size != y->entries.size) return false;
      for (const SetEntry& e : x->entries) {
        PC_ASSIGN_OR_RETURN(int64_t found, SetFind(y, e.key));
        if (found < 0) return false;
      }
      return true;
    }
    default:
      return false;  // identity-compared kinds were handled by Is()
  }
}

constexpr size_t kScanLimit = 8;

inline uint8_t CtrlTag(uint64_t hash) { return static_cast<uint8_t>(0x80 | (hash >> 57)); }

void IndexInsert(HashIndex& index, uint64_t hash, uint32_t entry) {
  size_t i = hash & index.mask;
  while (index.ctrl[i] != 0) i = (i + 1) & index.mask;
  index.ctrl[i] = CtrlTag(hash);
  index.slots[i] = entry;
}

template <typename Entry>
void Rebuild(Arena& arena, HashIndex& index, const ArenaVec<Entry>& entries, size_t min_capacity) {
  size_t cap = 16;
  while (cap < min_capacity * 2) cap *= 2;
  index.ctrl = arena.NewArray<uint8_t>(cap);
  std::memset(index.ctrl, 0, cap);
  index.slots = arena.NewArray<uint32_t>(cap);
  index.mask = cap - 1;
  for (size_t i = 0; i < entries.size; ++i) IndexInsert(index, entries[i].hash, static_cast<uint32_t>(i));
}

// The entry holding a key equal to `key`, or -1. With an index, `*empty`
// (when given) receives the slot where the key would be inserted.
template <typename Entry>
Result<int64_t> Find(const ArenaVec<Entry>& entries, const HashIndex& index, const Value& key,
                     uint64_t hash, size_t* empty = nullptr) {
  if (index.mask == 0) {
    for (size_t i = 0; i < entries.size; ++i) {
      const Entry& e = entries[i];
      if (e.key.Is(key)) return static_cast<int64_t>(i);
      if (e.hash != hash) continue;
      PC_ASSIGN_OR_RETURN(bool eq, EqualsImpl(e.key, key, 1000));
      if (eq) return static_cast<int64_t>(i);
    }
    return int64_t{-1};
  }
  const uint8_t tag = CtrlTag(hash);
  size_t i = hash & index.mask;
  while (uint8_t c = index.ctrl[i]) {
    if (c == tag) {
      size_t at = index.slots[i];
      const Entry& e = entries[at];
      if (e.key.Is(key)) return static_cast<int64_t>(at);
      if (e.hash == hash) {
        PC_ASSIGN_OR_RETURN(bool eq, EqualsImpl(e.key, key, 1000));
        if (eq) return static_cast<int64_t>(at);
      }
    }
    i = (i + 1) & index.mask;
  }
  if (empty != nullptr) *empty = i;
  return int64_t{-1};
}

template <typename Entry>
void AfterAppend(Arena& arena, HashIndex& index, ArenaVec<Entry>& entries) {
  size_t n = entries.size;
  if (index.mask == 0) {
    if (n > kScanLimit) Rebuild(arena, index, entries, n);
    return;
  }
  if (n * 2 > index.mask + 1) {
    // Grow fourfold: each rebuild re-inserts every entry.
    Rebuild(arena, index, entries, 2 * n);
  } else {
    IndexInsert(index, entries[n - 1].hash, static_cast<uint32_t>(n - 1));
  }
}

}  // namespace

Result<uint64_t> PyHash(const Value& v, int depth_limit) { return HashImpl(v, depth_limit); }

Result<bool> PyEquals(const Value& a, const Value& b, int depth_limit) {
  return EqualsImpl(a, b, depth_limit);
}

Result<int64_t> DictFind(const DictNode* dict, const Value& key) {
  PC_ASSIGN_OR_RETURN(uint64_t h, HashImpl(key, 10000));
  return Find(dict->entries, dict->index, key, h);
}

Result<int64_t> SetFind(const SetNode* set, const Value& key) {
  PC_ASSIGN_OR_RETURN(uint64_t h, HashImpl(key, 10000));
  return Find(set->entries, set->index, key, h);
}

Status DictSetItem(Arena& arena, DictNode* dict, Value key, Value value) {
  PC_ASSIGN_OR_RETURN(uint64_t h, HashImpl(key, 10000));
  PC_ASSIGN_OR_RETURN(int64_t found, Find(dict->entries, dict->index, key, h));
  if (found >= 0) {
    // CPython keeps the first key object and stores the new value.
    dict->entries[static_cast<size_t>(found)].value = value;
    return Status::Ok();
  }
  DictEntry& e = dict->entries.PushSlot(arena);
  e.key = Value(key.kind(), key.raw_bits());
  e.value = Value(value.kind(), value.raw_bits());
  e.hash = h;
  AfterAppend(arena, dict->index, dict->entries);
  return Status::Ok();
}

Status DictSetItems(Arena& arena, DictNode* dict, std::span<const Value> pairs) {
  size_t n = pairs.size() / 2;
  if (n < 16) {
    for (size_t i = 0; i < n; ++i) PC_RETURN_IF_ERROR(DictSetItem(arena, dict, pairs[2 * i], pairs[2 * i + 1]));
    return Status::Ok();
  }
  // Hash every key first, then size the index once and prefetch each key's
  // probe start a few pairs ahead: a batch of 1000 fresh keys otherwise waits
  // on one cache miss per key. Pairs are still inserted one by one, in order.
  std::vector<uint64_t> hashes(n);
  size_t hashed = 0;
  Status hash_error = Status::Ok();
  for (; hashed < n; ++hashed) {
    Result<uint64_t> h = HashImpl(pairs[2 * hashed], 10000);
    if (!h.ok()) {
      hash_error = h.error();
      break;
    }
    hashes[hashed] = *h;
  }
  size_t total = dict->entries.size + hashed;
  if (total > kScanLimit && (dict->index.mask == 0 || total * 2 > dict->index.mask + 1)) {
    Rebuild(arena, dict->index, dict->entries, 2 * total);
  }
  dict->entries.Reserve(arena, total);
  constexpr size_t kAhead = 8;
  HashIndex& index = dict->index;
  for (size_t i = 0; i < hashed; ++i) {
    const Value& key = pairs[2 * i];
    const Value& value = pairs[2 * i + 1];
    uint64_t h = hashes[i];
    if (index.mask == 0) {  // still a small table: scan
      PC_RETURN_IF_ERROR(DictSetItem(arena, dict, key, value));
      continue;
    }
    if (i + kAhead < hashed) {
      size_t ahead = hashes[i + kAhead] & index.mask;
      __builtin_prefetch(&index.ctrl[ahead]);
      __builtin_prefetch(&index.slots[ahead], 1);
    }
    size_t slot = 0;
    PC_ASSIGN_OR_RETURN(int64_t found, Find(dict->entries, index, key, h, &slot));
    if (found >= 0) {
      dict->entries[static_cast<size_t>(found)].value = value;
      continue;
    }
    // The index was sized for the whole batch: insert at the probe's end.
    index.ctrl[slot] = CtrlTag(h);
    index.slots[slot] = static_cast<uint32_t>(dict->entries.size);
    DictEntry& e = dict->entries.PushSlot(arena);
    e.key = Value(key.kind(), key.raw_bits());
    e.value = Value(value.kind(), value.raw_bits());
    e.hash = h;
  }
  return hash_error;
}

Status SetAdd(Arena& arena, SetNode* set, Value key) {
  PC_ASSIGN_OR_RETURN(uint64_t h, HashImpl(key, 10000));
  PC_ASSIGN_OR_RETURN(int64_t found, Find(set->entries, set->index, key, h));
  if (found >= 0) return Status::Ok();
  SetEntry& e = set->entries.PushSlot(arena);
  e.key = Value(key.kind(), key.raw_bits());
  e.hash = h;
  AfterAppend(arena, set->index, set->entries);
  return Status::Ok();
}

}  // namespace picklecheck
