// OraclePool: one oracle per worker, for `--jobs N`.
//
// Each oracle in the pool is a separate process (or whatever the oracle is);
// a worker checks one out, uses it exclusively, and gives it back when the
// lease goes out of scope. Checkout is thread-safe; the oracles themselves
// need no locking because a lease is exclusive.
//
//   std::string why;
//   auto pool = picklecheck::OraclePool::Make("cpython-c", /*workers=*/2, {}, &why);
//   if (!pool) { std::cerr << why << "\n"; return 2; }
//   // in each worker thread:
//   picklecheck::OraclePool::Lease oracle = pool->Acquire();
//   picklecheck::OracleOutcome out = oracle->Load(bytes);
//
// The pool must outlive its leases.
#ifndef PICKLECHECK_HARNESS_ORACLE_ORACLE_POOL_H_
#define PICKLECHECK_HARNESS_ORACLE_ORACLE_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "harness/oracle/oracle.h"

namespace picklecheck {

class OraclePool {
 public:
  // Takes ownership of `oracles` (non-null, at least one).
  explicit OraclePool(std::vector<std::unique_ptr<Oracle>> oracles);
  ~OraclePool();
  OraclePool(const OraclePool&) = delete;
  OraclePool& operator=(const OraclePool&) = delete;

  // `workers` oracles made by MakeOracle(name, options). Returns nullptr and
  // sets *error for an unknown name or workers == 0. Starts nothing.
  static std::unique_ptr<OraclePool> Make(std::string_view name, size_t workers,
                                          const OracleOptions& options, std::string* error);

  // Exclusive use of one oracle until destroyed or Release()d. Movable.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    ~Lease() { Release(); }
    Oracle& operator*() const { return *oracle_; }
    Oracle* operator->() const { return oracle_; }
    Oracle* get() const { return oracle_; }
    explicit operator bool() const { return oracle_ != nullptr; }
    // Gives the oracle back now; the lease becomes empty.
    void Release();

   private:
    friend class OraclePool;
    Lease(OraclePool* pool, size_t index, Oracle* oracle)
        : pool_(pool), index_(index), oracle_(oracle) {}
    OraclePool* pool_ = nullptr;
    size_t index_ = 0;
    Oracle* oracle_ = nullptr;
  };

  // Blocks until an oracle is free.
  Lease Acquire();
  // An empty lease when none is free.
  Lease TryAcquire();

  size_t size() const { return oracles_.size(); }
  // Oracles not leased out right now.
  size_t available() const;

  // Starts every oracle, concurrently (a Python start takes tens of ms).
  // Returns false and the first failure when one cannot start. Blocks until
  // all oracles are free.
  bool StartAll(OracleError* error);

  // Info() of one oracle (for reports: the pool's oracles share a command);
  // waits for a free one.
  OracleInfo Info();

 private:
  void Return(size_t index);

  std::vector<std::unique_ptr<Oracle>> oracles_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<size_t> free_;  // indices of oracles not leased
};

}  // namespace picklecheck

#endif  // PICKLECHECK_HARNESS_ORACLE_ORACLE_POOL_H_
