// A bump allocator owned by a decoded document, and a growable array on it.
//
// Every node of a decoded value graph lives in its document's Arena: one
// pointer bump per node, no per-node free, the whole graph released at once
// when the document dies. Nodes must be trivially destructible.
//
//   Arena arena;
//   auto* node = arena.New<ListNode>();
//   node->items.Push(arena, Value::Int(1));
#ifndef PICKLECHECK_HARNESS_PICKLE_ARENA_H_
#define PICKLECHECK_HARNESS_PICKLE_ARENA_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace picklecheck {

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena() { Release(); }

  // Uninitialized storage, aligned to `align` (a power of two <= 16).
  void* Allocate(size_t size, size_t align = alignof(std::max_align_t)) {
    uintptr_t p = (reinterpret_cast<uintptr_t>(ptr_) + (align - 1)) & ~(uintptr_t{align} - 1);
    if (p + size > reinterpret_cast<uintptr_t>(end_) || ptr_ == nullptr) {
      return AllocateSlow(size, align);
    }
    ptr_ = reinterpret_cast<char*>(p + size);
    return reinterpret_cast<void*>(p);
  }

  template <typename T, typename... Args>
  T* New(Args&&... args) {
    static_assert(std::is_trivially_destructible_v<T>, "arena nodes are never destroyed");
    return new (Allocate(sizeof(T), alignof(T))) T(std::forward<Args>(args)...);
  }

  template <typename T>
  T* NewArray(size_t n) {
    static_assert(std::is_trivially_destructible_v<T>);
    return static_cast<T*>(Allocate(sizeof(T) * n, alignof(T)));
  }

  // Total bytes reserved from the system (chunks), for limits and stats.
  size_t reserved() const { return reserved_; }

  // Large blocks are allocated one by one and can grow with realloc (which
  // remaps pages instead of copying for big blocks), so a list of 10^6 items
  // is not copied on every doubling. Freed with the arena.
  void* AllocateLarge(size_t size);
  void* ReallocLarge(void* block, size_t old_size, size_t new_size);

  // Frees every chunk; the arena can be reused afterwards.
  void Release();

 private:
  struct Chunk {
    Chunk* next;
    size_t size;
  };
  void* AllocateSlow(size_t size, size_t align);

  struct alignas(16) LargeHeader {
    LargeHeader* prev;
    LargeHeader* next;
  };

  char* ptr_ = nullptr;
  char* end_ = nullptr;
  Chunk* head_ = nullptr;
  LargeHeader* large_ = nullptr;
  size_t next_chunk_ = 16 * 1024;
  size_t reserved_ = 0;
};

// A growable array in an Arena. Growth copies into a new block twice the size;
// the old block stays in the arena (bounded by the final size).
template <typename T>
struct ArenaVec {
  static_assert(std::is_trivially_copyable_v<T>);
  // Blocks of at least this many bytes are Arena large blocks (realloc'ed).
  static constexpr size_t kLargeBytes = 64 * 1024;
  T* data = nullptr;
  size_t size = 0;
  size_t capacity = 0;

  T& operator[](size_t i) { return data[i]; }
  const T& operator[](size_t i) const { return data[i]; }
  T* begin() { return data; }
  T* end() { return data + size; }
  const T* begin() const { return data; }
  const T* end() const { return data + size; }
  bool empty() const { return size == 0; }

  void Reserve(Arena& arena, size_t n) {
    if (n <= capacity) return;
    size_t cap = capacity ? capacity * 2 : 4;
    if (cap < n) cap = n;
    if (cap * sizeof(T) >= kLargeBytes) {
      if (capacity * sizeof(T) >= kLargeBytes) {
        data = static_cast<T*>(arena.ReallocLarge(data, capacity * sizeof(T), cap * sizeof(T)));
      } else {
        T* fresh = static_cast<T*>(arena.AllocateLarge(cap * sizeof(T)));
        if (size) std::memcpy(static_cast<void*>(fresh), data, size * sizeof(T));
        data = fresh;
      }
      capacity = cap;
      return;
    }
    T* fresh = arena.NewArray<T>(cap);
    if (size) std::memcpy(static_cast<void*>(fresh), data, size * sizeof(T));
    data = fresh;
    capacity = cap;
  }
  void Push(Arena& arena, const T& v) {
    if (size == capacity) Reserve(arena, size + 1);
    data[size++] = v;
  }
  // Appends an uninitialized element for the caller to fill in place.
  T& PushSlot(Arena& arena) {
    if (size == capacity) Reserve(arena, size + 1);
    return data[size++];
  }
  void Append(Arena& arena, const T* items, size_t n) {
    if (n == 0) return;
    Reserve(arena, size + n);
    std::memcpy(static_cast<void*>(data + size), items, n * sizeof(T));
    size += n;
  }
};

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_PICKLE_ARENA_H_
